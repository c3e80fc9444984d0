//! The syntax tree. Every node carries the span of its text; a parenthesised expression keeps its
//! operator's node, with the span widened to the parentheses.

use super::Span;
pub use crate::providers::adobe::comparison::Cmp;

#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub span: Span,
    pub kind: ExprKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    /// `[a, b]`, or `(a, b)`.
    List(Vec<Expr>),
    /// `now`, `today`, `yesterday`, `tomorrow`.
    Time(TimeWord),
    /// `this month`, `last year`, `next week`: parsed, outside the subset.
    Period {
        kind: PeriodKind,
        unit: TimeUnit,
    },
    /// A root name: a `select` variable, `profile`, `$1`, `offer`, or a profile field.
    Ident(String),
    /// `@{schema;params}`: `raw` is the text between the braces, `schema` the part before `;`.
    Context {
        raw: String,
        schema: String,
    },
    /// `object.name`.
    Field {
        object: Box<Expr>,
        name: String,
    },
    /// `receiver.name(args)`.
    Method {
        receiver: Box<Expr>,
        name: String,
        name_span: Span,
        args: Vec<Expr>,
    },
    /// `name(args)`: `date`, `if`, or a function outside the subset.
    Call {
        name: String,
        name_span: Span,
        args: Vec<Expr>,
    },
    /// `not x`, `!x`.
    Not(Box<Expr>),
    /// `-x`.
    Neg(Box<Expr>),
    /// `a and b and …` (two or more operands).
    And(Vec<Expr>),
    /// `a or b or …` (two or more operands).
    Or(Vec<Expr>),
    Binary {
        op: BinaryOp,
        op_span: Span,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    /// `subject occurs …`.
    Occurs {
        subject: Box<Expr>,
        test: OccursTest,
    },
    /// `select var from source [where filter]`.
    Select {
        var: String,
        source: Box<Expr>,
        filter: Option<Box<Expr>>,
    },
    /// `exists var from source [where filter]`, `forall …`.
    Quantified {
        quantifier: Quantifier,
        var: String,
        source: Box<Expr>,
        filter: Option<Box<Expr>>,
    },
    /// `let name = value in body`: outside the subset.
    Let {
        name: String,
        value: Box<Expr>,
        body: Box<Expr>,
    },
    /// `x => body`, `(x, y) => body`: outside the subset.
    Lambda {
        params: Vec<String>,
        body: Box<Expr>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    Cmp(Cmp),
    In,
    NotIn,
    Like,
    Add,
    Sub,
    Mul,
    Div,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeWord {
    Now,
    Today,
    Yesterday,
    Tomorrow,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodKind {
    This,
    Last,
    Next,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TimeUnit {
    Millisecond,
    Second,
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Year,
    Decade,
    Century,
    Millennium,
}

impl TimeUnit {
    /// The unit a word names, singular or plural, any case.
    pub fn from_word(word: &str) -> Option<TimeUnit> {
        let w = word.to_ascii_lowercase();
        let unit = match w.as_str() {
            "millisecond" | "milliseconds" => TimeUnit::Millisecond,
            "second" | "seconds" => TimeUnit::Second,
            "minute" | "minutes" => TimeUnit::Minute,
            "hour" | "hours" => TimeUnit::Hour,
            "day" | "days" => TimeUnit::Day,
            "week" | "weeks" => TimeUnit::Week,
            "month" | "months" => TimeUnit::Month,
            "year" | "years" => TimeUnit::Year,
            "decade" | "decades" => TimeUnit::Decade,
            "century" | "centuries" => TimeUnit::Century,
            "millennium" | "millennia" | "millenniums" => TimeUnit::Millennium,
            _ => return None,
        };
        Some(unit)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Before,
    /// `after` and `from`.
    After,
}

#[derive(Debug, Clone, PartialEq)]
pub enum OccursTest {
    /// `occurs X` or `occurs on X`: the same UTC day.
    On(Box<Expr>),
    Before(Box<Expr>),
    After(Box<Expr>),
    Between(Box<Expr>, Box<Expr>),
    /// `occurs <cmp> amount unit before|after anchor`.
    Within {
        cmp: Cmp,
        amount: Box<Expr>,
        unit: TimeUnit,
        direction: Direction,
        anchor: Box<Expr>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantifier {
    Exists,
    Forall,
}

impl Expr {
    pub fn new(span: Span, kind: ExprKind) -> Expr {
        Expr { span, kind }
    }

    /// The direct sub-expressions, in source order.
    pub fn children(&self) -> Vec<&Expr> {
        match &self.kind {
            ExprKind::Null
            | ExprKind::Bool(_)
            | ExprKind::Number(_)
            | ExprKind::String(_)
            | ExprKind::Time(_)
            | ExprKind::Period { .. }
            | ExprKind::Ident(_)
            | ExprKind::Context { .. } => Vec::new(),
            ExprKind::List(items) | ExprKind::And(items) | ExprKind::Or(items) => {
                items.iter().collect()
            }
            ExprKind::Call { args, .. } => args.iter().collect(),
            ExprKind::Field { object, .. } => vec![object],
            ExprKind::Method { receiver, args, .. } => {
                std::iter::once(&**receiver).chain(args).collect()
            }
            ExprKind::Not(e) | ExprKind::Neg(e) => vec![e],
            ExprKind::Binary { lhs, rhs, .. } => vec![lhs, rhs],
            ExprKind::Occurs { subject, test } => {
                let mut out: Vec<&Expr> = vec![subject];
                match test {
                    OccursTest::On(x) | OccursTest::Before(x) | OccursTest::After(x) => out.push(x),
                    OccursTest::Between(a, b) => out.extend([&**a, &**b]),
                    OccursTest::Within { amount, anchor, .. } => out.extend([&**amount, &**anchor]),
                }
                out
            }
            ExprKind::Select { source, filter, .. }
            | ExprKind::Quantified { source, filter, .. } => std::iter::once(&**source)
                .chain(filter.as_deref())
                .collect(),
            ExprKind::Let { value, body, .. } => vec![value, body],
            ExprKind::Lambda { body, .. } => vec![body],
        }
    }
}
