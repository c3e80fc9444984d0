//! A Pratt parser from tokens to [`Expr`].
//!
//! Binding powers, loosest first: `or`; `and`; prefix `not`/`!`; the comparisons
//! (`= != < <= > >=`, `in`, `notIn`, `like`, `occurs`; they do not chain); `+ -`; `* /`;
//! prefix `-`; postfix `.field` and `.method(…)`. `select`/`exists`/`forall … where C` and
//! `let … in B` extend as far as they can (to a closing parenthesis or the end).

use super::ast::{
    BinaryOp, Cmp, Direction, Expr, ExprKind, OccursTest, PeriodKind, Quantifier, TimeUnit,
    TimeWord,
};
use super::lexer::{Tok, Token, lex};
use super::{MAX_DEPTH, ParseError, Span};

const OR: (u8, u8) = (1, 2);
const AND: (u8, u8) = (3, 4);
const NOT: u8 = 5;
const COMPARE: (u8, u8) = (7, 8);
const SUM: (u8, u8) = (9, 10);
const PRODUCT: (u8, u8) = (11, 12);
const NEGATE: u8 = 13;
const POSTFIX: u8 = 15;

/// Words that cannot start an operand (they would otherwise read as a profile field).
const RESERVED: &[&str] = &[
    "and", "or", "in", "notin", "like", "occurs", "where", "from", "between", "then", "else",
];

pub(crate) fn parse(text: &str) -> Result<Expr, ParseError> {
    let tokens = lex(text)?;
    let mut parser = Parser {
        tokens,
        pos: 0,
        nesting: 0,
    };
    let parsed = parser.expr(0)?;
    let next = parser.peek();
    if next.tok != Tok::Eof {
        return Err(ParseError::new(
            next.span,
            format!(
                "expected an operator or end of input, found {}",
                next.tok.describe()
            ),
        ));
    }
    Ok(parsed.expr)
}

/// A parsed expression with how deep it nests.
struct Parsed {
    expr: Expr,
    depth: usize,
    parenthesised: bool,
}

enum Infix {
    Or,
    And,
    Binary(BinaryOp),
    Occurs,
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    nesting: usize,
}

impl Parser {
    fn peek(&self) -> &Token {
        self.peek_at(0)
    }

    fn peek_at(&self, n: usize) -> &Token {
        let last = self.tokens.len() - 1;
        &self.tokens[(self.pos + n).min(last)]
    }

    fn bump(&mut self) -> Token {
        let token = self.peek().clone();
        if self.pos < self.tokens.len() - 1 {
            self.pos += 1;
        }
        token
    }

    fn is_keyword_at(&self, n: usize, word: &str) -> bool {
        matches!(&self.peek_at(n).tok, Tok::Ident(name) if name.eq_ignore_ascii_case(word))
    }

    fn is_keyword(&self, word: &str) -> bool {
        self.is_keyword_at(0, word)
    }

    fn expected(&self, what: &str) -> ParseError {
        let found = self.peek();
        ParseError::new(
            found.span,
            format!("expected {what}, found {}", found.tok.describe()),
        )
    }

    fn expect(&mut self, tok: Tok, what: &str) -> Result<Span, ParseError> {
        if self.peek().tok == tok {
            Ok(self.bump().span)
        } else {
            Err(self.expected(what))
        }
    }

    fn expect_keyword(&mut self, word: &str) -> Result<Span, ParseError> {
        if self.is_keyword(word) {
            Ok(self.bump().span)
        } else {
            Err(self.expected(&format!("`{word}`")))
        }
    }

    fn name(&mut self, what: &str) -> Result<(String, Span), ParseError> {
        match &self.peek().tok {
            Tok::Ident(name) => {
                let name = name.clone();
                Ok((name, self.bump().span))
            }
            _ => Err(self.expected(what)),
        }
    }

    fn node(&self, span: Span, kind: ExprKind, depth: usize) -> Result<Parsed, ParseError> {
        if depth > MAX_DEPTH {
            return Err(ParseError::new(
                span,
                format!("expression nested too deeply (more than {MAX_DEPTH} levels)"),
            ));
        }
        Ok(Parsed {
            expr: Expr::new(span, kind),
            depth,
            parenthesised: false,
        })
    }

    fn infix(&self) -> Option<Infix> {
        let op = match &self.peek().tok {
            Tok::Cmp(cmp) => BinaryOp::Cmp(*cmp),
            Tok::Plus => BinaryOp::Add,
            Tok::Minus => BinaryOp::Sub,
            Tok::Star => BinaryOp::Mul,
            Tok::Slash => BinaryOp::Div,
            Tok::Ident(word) => match word.to_ascii_lowercase().as_str() {
                "or" => return Some(Infix::Or),
                "and" => return Some(Infix::And),
                "occurs" => return Some(Infix::Occurs),
                "in" => BinaryOp::In,
                "notin" => BinaryOp::NotIn,
                "like" => BinaryOp::Like,
                _ => return None,
            },
            _ => return None,
        };
        Some(Infix::Binary(op))
    }

    fn expr(&mut self, min_bp: u8) -> Result<Parsed, ParseError> {
        self.nesting += 1;
        if self.nesting > MAX_DEPTH {
            return Err(ParseError::new(
                self.peek().span,
                format!("expression nested too deeply (more than {MAX_DEPTH} levels)"),
            ));
        }
        let mut lhs = self.prefix()?;
        loop {
            if self.peek().tok == Tok::Dot {
                if POSTFIX < min_bp {
                    break;
                }
                lhs = self.postfix(lhs)?;
                continue;
            }
            let Some(infix) = self.infix() else { break };
            let (l_bp, r_bp) = match &infix {
                Infix::Or => OR,
                Infix::And => AND,
                Infix::Occurs => COMPARE,
                Infix::Binary(op) => match op {
                    BinaryOp::Add | BinaryOp::Sub => SUM,
                    BinaryOp::Mul | BinaryOp::Div => PRODUCT,
                    _ => COMPARE,
                },
            };
            if l_bp < min_bp {
                break;
            }
            if l_bp == COMPARE.0 && is_comparison(&lhs.expr.kind) && !lhs.parenthesised {
                return Err(ParseError::new(
                    self.peek().span,
                    "comparisons do not chain: add parentheses",
                ));
            }
            let op_span = self.bump().span;
            lhs = match infix {
                Infix::Or | Infix::And => {
                    let is_and = matches!(infix, Infix::And);
                    let rhs = self.expr(r_bp)?;
                    self.junction(lhs, rhs, is_and)?
                }
                Infix::Occurs => self.occurs(lhs)?,
                Infix::Binary(op) => {
                    let mut rhs = self.expr(r_bp)?;
                    // `x in ("a")`: a parenthesised literal is a one-item list, as in `("a", "b")`.
                    let literal = matches!(
                        rhs.expr.kind,
                        ExprKind::String(_) | ExprKind::Number(_) | ExprKind::Bool(_)
                    );
                    if matches!(op, BinaryOp::In | BinaryOp::NotIn) && rhs.parenthesised && literal
                    {
                        let span = rhs.expr.span;
                        rhs.expr = Expr::new(span, ExprKind::List(vec![rhs.expr]));
                        rhs.depth += 1;
                    }
                    let span = lhs.expr.span.to(rhs.expr.span);
                    let depth = lhs.depth.max(rhs.depth) + 1;
                    let kind = ExprKind::Binary {
                        op,
                        op_span,
                        lhs: Box::new(lhs.expr),
                        rhs: Box::new(rhs.expr),
                    };
                    self.node(span, kind, depth)?
                }
            };
        }
        self.nesting -= 1;
        Ok(lhs)
    }

    /// `a and b`, flattening an unparenthesised chain into one node.
    fn junction(&self, lhs: Parsed, rhs: Parsed, is_and: bool) -> Result<Parsed, ParseError> {
        let span = lhs.expr.span.to(rhs.expr.span);
        let (mut items, depth) = match lhs.expr.kind {
            ExprKind::And(items) if is_and && !lhs.parenthesised => {
                (items, lhs.depth.max(rhs.depth + 1))
            }
            ExprKind::Or(items) if !is_and && !lhs.parenthesised => {
                (items, lhs.depth.max(rhs.depth + 1))
            }
            kind => (
                vec![Expr::new(lhs.expr.span, kind)],
                lhs.depth.max(rhs.depth) + 1,
            ),
        };
        items.push(rhs.expr);
        let kind = if is_and {
            ExprKind::And(items)
        } else {
            ExprKind::Or(items)
        };
        self.node(span, kind, depth)
    }

    fn postfix(&mut self, lhs: Parsed) -> Result<Parsed, ParseError> {
        self.bump(); // `.`
        let (name, name_span) = self.name("a field or function name after `.`")?;
        if self.peek().tok == Tok::LParen {
            let (args, args_depth, close) = self.args()?;
            let span = lhs.expr.span.to(close);
            let depth = lhs.depth.max(args_depth) + 1;
            let kind = ExprKind::Method {
                receiver: Box::new(lhs.expr),
                name,
                name_span,
                args,
            };
            self.node(span, kind, depth)
        } else {
            let span = lhs.expr.span.to(name_span);
            let kind = ExprKind::Field {
                object: Box::new(lhs.expr),
                name,
            };
            self.node(span, kind, lhs.depth + 1)
        }
    }

    /// `( [expr {, expr}] )`: the arguments, their depth, and the closing parenthesis.
    fn args(&mut self) -> Result<(Vec<Expr>, usize, Span), ParseError> {
        self.expect(Tok::LParen, "`(`")?;
        self.comma_separated(Tok::RParen, "`,` or `)`")
    }

    /// `[expr {, expr}] close` (the opening token already read): the expressions, the
    /// deepest one's depth, and the closing token's span.
    fn comma_separated(
        &mut self,
        close: Tok,
        expected: &str,
    ) -> Result<(Vec<Expr>, usize, Span), ParseError> {
        let mut items = Vec::new();
        let mut depth = 0;
        if self.peek().tok != close {
            loop {
                let item = self.expr(0)?;
                depth = depth.max(item.depth);
                items.push(item.expr);
                if self.peek().tok == Tok::Comma {
                    self.bump();
                } else {
                    break;
                }
            }
        }
        let close = self.expect(close, expected)?;
        Ok((items, depth, close))
    }

    fn prefix(&mut self) -> Result<Parsed, ParseError> {
        let token = self.peek().clone();
        let start = token.span;
        match token.tok {
            Tok::Number(n) => {
                self.bump();
                self.node(start, ExprKind::Number(n), 1)
            }
            Tok::Str(s) => {
                self.bump();
                self.node(start, ExprKind::String(s), 1)
            }
            Tok::Context(raw) => {
                self.bump();
                let schema = raw.split(';').next().unwrap_or("").trim().to_string();
                self.node(start, ExprKind::Context { raw, schema }, 1)
            }
            Tok::LBracket => {
                self.bump();
                let (items, depth, close) = self.comma_separated(Tok::RBracket, "`,` or `]`")?;
                self.node(start.to(close), ExprKind::List(items), depth + 1)
            }
            Tok::LParen => self.parenthesised(),
            Tok::Bang => {
                self.bump();
                let operand = self.expr(NOT)?;
                let span = start.to(operand.expr.span);
                self.node(
                    span,
                    ExprKind::Not(Box::new(operand.expr)),
                    operand.depth + 1,
                )
            }
            Tok::Minus => {
                self.bump();
                let operand = self.expr(NEGATE)?;
                let span = start.to(operand.expr.span);
                if let ExprKind::Number(n) = operand.expr.kind {
                    return self.node(span, ExprKind::Number(-n), 1);
                }
                self.node(
                    span,
                    ExprKind::Neg(Box::new(operand.expr)),
                    operand.depth + 1,
                )
            }
            Tok::Ident(word) => self.word(word, start),
            _ => Err(self.expected("an expression")),
        }
    }

    /// `( expr )`, a list `(a, b)`, or lambda parameters `(x, y) => body`.
    fn parenthesised(&mut self) -> Result<Parsed, ParseError> {
        let open = self.bump().span;
        let first = self.expr(0)?;
        let mut depth = first.depth;
        let mut items = vec![first.expr];
        let tuple = self.peek().tok == Tok::Comma;
        while self.peek().tok == Tok::Comma {
            self.bump();
            let item = self.expr(0)?;
            depth = depth.max(item.depth);
            items.push(item.expr);
        }
        let close = self.expect(Tok::RParen, "`)`")?;
        let span = open.to(close);
        if self.peek().tok == Tok::Arrow {
            let mut params = Vec::new();
            for item in &items {
                match &item.kind {
                    ExprKind::Ident(name) => params.push(name.clone()),
                    _ => return Err(ParseError::new(item.span, "expected a parameter name")),
                }
            }
            return self.lambda(params, span);
        }
        if tuple {
            return self.node(span, ExprKind::List(items), depth + 1);
        }
        let inner = items.pop().unwrap_or(Expr::new(span, ExprKind::Null));
        let mut parsed = self.node(span, inner.kind, depth)?;
        parsed.parenthesised = true;
        Ok(parsed)
    }

    fn lambda(&mut self, params: Vec<String>, start: Span) -> Result<Parsed, ParseError> {
        self.bump(); // `=>`
        let body = self.expr(0)?;
        let span = start.to(body.expr.span);
        let kind = ExprKind::Lambda {
            params,
            body: Box::new(body.expr),
        };
        self.node(span, kind, body.depth + 1)
    }

    /// An operand starting with a word: a literal keyword, a construct, a call or a root name.
    fn word(&mut self, word: String, start: Span) -> Result<Parsed, ParseError> {
        let lower = word.to_ascii_lowercase();
        let next_is_paren = self.peek_at(1).tok == Tok::LParen;
        let simple = |kind| Some(kind);
        let literal = match lower.as_str() {
            "true" => simple(ExprKind::Bool(true)),
            "false" => simple(ExprKind::Bool(false)),
            "null" => simple(ExprKind::Null),
            "now" if !next_is_paren => simple(ExprKind::Time(TimeWord::Now)),
            "today" if !next_is_paren => simple(ExprKind::Time(TimeWord::Today)),
            "yesterday" if !next_is_paren => simple(ExprKind::Time(TimeWord::Yesterday)),
            "tomorrow" if !next_is_paren => simple(ExprKind::Time(TimeWord::Tomorrow)),
            _ => None,
        };
        if let Some(kind) = literal {
            self.bump();
            return self.node(start, kind, 1);
        }
        match lower.as_str() {
            "not" => {
                self.bump();
                let operand = self.expr(NOT)?;
                let span = start.to(operand.expr.span);
                return self.node(
                    span,
                    ExprKind::Not(Box::new(operand.expr)),
                    operand.depth + 1,
                );
            }
            "select" => return self.select(start, None),
            "exists" => return self.select(start, Some(Quantifier::Exists)),
            "forall" => return self.select(start, Some(Quantifier::Forall)),
            "let" => return self.let_in(start),
            "this" | "last" | "next" => {
                if let Tok::Ident(unit_word) = &self.peek_at(1).tok
                    && let Some(unit) = TimeUnit::from_word(unit_word)
                {
                    let kind = match lower.as_str() {
                        "this" => PeriodKind::This,
                        "last" => PeriodKind::Last,
                        _ => PeriodKind::Next,
                    };
                    self.bump();
                    let end = self.bump().span;
                    return self.node(start.to(end), ExprKind::Period { kind, unit }, 1);
                }
            }
            _ => {}
        }
        if RESERVED.contains(&lower.as_str()) {
            return Err(self.expected("an expression"));
        }
        if next_is_paren {
            self.bump();
            let (args, depth, close) = self.args()?;
            let kind = ExprKind::Call {
                name: word,
                name_span: start,
                args,
            };
            return self.node(start.to(close), kind, depth + 1);
        }
        self.bump();
        if self.peek().tok == Tok::Arrow {
            return self.lambda(vec![word], start);
        }
        self.node(start, ExprKind::Ident(word), 1)
    }

    /// `select v from E [where C]`, and `exists`/`forall` of the same shape (`in` may replace
    /// `from`).
    fn select(
        &mut self,
        start: Span,
        quantifier: Option<Quantifier>,
    ) -> Result<Parsed, ParseError> {
        self.bump();
        let (var, _) = self.name("a variable name")?;
        if quantifier.is_some() && self.is_keyword("in") {
            self.bump();
        } else {
            self.expect_keyword("from")?;
        }
        let source = self.expr(0)?;
        let mut depth = source.depth;
        let mut span = start.to(source.expr.span);
        let filter = if self.is_keyword("where") {
            self.bump();
            let filter = self.expr(0)?;
            depth = depth.max(filter.depth);
            span = span.to(filter.expr.span);
            Some(Box::new(filter.expr))
        } else {
            None
        };
        let source = Box::new(source.expr);
        let kind = match quantifier {
            None => ExprKind::Select {
                var,
                source,
                filter,
            },
            Some(quantifier) => ExprKind::Quantified {
                quantifier,
                var,
                source,
                filter,
            },
        };
        self.node(span, kind, depth + 1)
    }

    /// `let name = value in body`.
    fn let_in(&mut self, start: Span) -> Result<Parsed, ParseError> {
        self.bump();
        let (name, _) = self.name("a variable name after `let`")?;
        self.expect(Tok::Cmp(Cmp::Eq), "`=`")?;
        let value = self.expr(COMPARE.1)?;
        self.expect_keyword("in")?;
        let body = self.expr(0)?;
        let span = start.to(body.expr.span);
        let depth = value.depth.max(body.depth) + 1;
        let kind = ExprKind::Let {
            name,
            value: Box::new(value.expr),
            body: Box::new(body.expr),
        };
        self.node(span, kind, depth)
    }

    /// After `subject occurs`: `before X`, `after X`, `between A and B`, `on X`, `X`, or
    /// `<cmp> N unit before|after|from X` (a missing comparison means `=`).
    fn occurs(&mut self, subject: Parsed) -> Result<Parsed, ParseError> {
        let mut depth = subject.depth;
        let mut end = subject.expr.span;
        let mut operand = |p: &mut Parser, bp: u8| -> Result<Box<Expr>, ParseError> {
            let parsed = p.expr(bp)?;
            depth = depth.max(parsed.depth);
            end = end.to(parsed.expr.span);
            Ok(Box::new(parsed.expr))
        };
        let cmp = match self.peek().tok {
            Tok::Cmp(cmp) => Some(cmp),
            _ => None,
        };
        let counted = cmp.is_some()
            || (matches!(self.peek().tok, Tok::Number(_))
                && matches!(&self.peek_at(1).tok, Tok::Ident(w) if TimeUnit::from_word(w).is_some()));
        let test = if counted {
            if cmp.is_some() {
                self.bump();
            }
            let amount = operand(self, NEGATE)?;
            let unit = match &self.peek().tok {
                Tok::Ident(word) => TimeUnit::from_word(word),
                _ => None,
            };
            let Some(unit) = unit else {
                return Err(self.expected("a time unit (`days`, `months`, …)"));
            };
            self.bump();
            let direction = if self.is_keyword("before") {
                Direction::Before
            } else if self.is_keyword("after") || self.is_keyword("from") {
                Direction::After
            } else {
                return Err(self.expected("`before`, `after` or `from`"));
            };
            self.bump();
            OccursTest::Within {
                cmp: cmp.unwrap_or(Cmp::Eq),
                amount,
                unit,
                direction,
                anchor: operand(self, SUM.0)?,
            }
        } else if self.is_keyword("before") {
            self.bump();
            OccursTest::Before(operand(self, SUM.0)?)
        } else if self.is_keyword("after") || self.is_keyword("from") {
            self.bump();
            OccursTest::After(operand(self, SUM.0)?)
        } else if self.is_keyword("between") {
            self.bump();
            let low = operand(self, SUM.0)?;
            self.expect_keyword("and")?;
            OccursTest::Between(low, operand(self, SUM.0)?)
        } else {
            if self.is_keyword("on") {
                self.bump();
            }
            OccursTest::On(operand(self, SUM.0)?)
        };
        let span = subject.expr.span.to(end);
        let kind = ExprKind::Occurs {
            subject: Box::new(subject.expr),
            test,
        };
        self.node(span, kind, depth + 1)
    }
}

/// Nodes at the comparison level, which do not chain without parentheses.
fn is_comparison(kind: &ExprKind) -> bool {
    matches!(
        kind,
        ExprKind::Occurs { .. }
            | ExprKind::Binary {
                op: BinaryOp::Cmp(_) | BinaryOp::In | BinaryOp::NotIn | BinaryOp::Like,
                ..
            }
    )
}
