//! The evaluator: one walk over the tree, borrowing profile, offer and context data.

use std::borrow::Cow;

use super::ast::{BinaryOp, Expr, ExprKind, OccursTest, Quantifier, TimeWord};
use super::check;
use super::dates::{self, Moment};
use super::value::{self, Val};
use super::{Env, Span, Unevaluable};

pub(crate) struct Evaluator<'a> {
    env: &'a Env<'a>,
    /// `select` variables in scope, innermost last.
    vars: Vec<(&'a str, Val<'a>)>,
}

type Result<T> = std::result::Result<T, Unevaluable>;

impl<'a> Evaluator<'a> {
    pub fn new(env: &'a Env<'a>) -> Evaluator<'a> {
        Evaluator {
            env,
            vars: Vec::new(),
        }
    }

    /// A rule's truth and, when false, the span to blame (see [`super::Verdict`]).
    pub fn verdict(&mut self, expr: &'a Expr) -> Result<(bool, Option<Span>)> {
        if let ExprKind::And(items) = &expr.kind {
            for item in items {
                let (value, culprit) = self.verdict(item)?;
                if !value {
                    return Ok((false, culprit));
                }
            }
            return Ok((true, None));
        }
        let value = self.truth(expr)?;
        Ok((value, (!value).then_some(expr.span)))
    }

    /// An operand used as a condition: null is false, a list is "non-empty".
    pub fn truth(&mut self, expr: &'a Expr) -> Result<bool> {
        match self.eval(expr)? {
            Val::Bool(b) => Ok(b),
            Val::Null => Ok(false),
            Val::List(items) => Ok(!items.is_empty()),
            Val::Array(items) => Ok(!items.is_empty()),
            other => Err(Unevaluable::new(
                expr.span,
                format!("expected a condition, got {}", other.type_name()),
            )),
        }
    }

    /// A thin dispatcher: its frame is on the stack once per nesting level, so the work of each
    /// construct lives in its own function.
    pub fn eval(&mut self, expr: &'a Expr) -> Result<Val<'a>> {
        let span = expr.span;
        match &expr.kind {
            ExprKind::Null => Ok(Val::Null),
            ExprKind::Bool(b) => Ok(Val::Bool(*b)),
            ExprKind::Number(n) => Ok(Val::Number(*n)),
            ExprKind::String(s) => Ok(Val::Str(Cow::Borrowed(s))),
            ExprKind::List(items) => self.list(items),
            ExprKind::Time(word) => self.time_word(*word, span).map(Val::Date),
            ExprKind::Ident(name) => self.root(name, span),
            ExprKind::Context { raw, schema } => self.context(raw, schema, span),
            ExprKind::Field { object, name } => {
                let object = self.eval(object)?;
                field(object, name, span)
            }
            ExprKind::Method {
                receiver,
                name,
                args,
                ..
            } => self.method(expr, receiver, name, args),
            ExprKind::Call { name, args, .. } => self.call(expr, name, args),
            ExprKind::Not(operand) => Ok(Val::Bool(!self.truth(operand)?)),
            ExprKind::Neg(operand) => {
                let value = self.eval(operand)?;
                negate(value, span)
            }
            ExprKind::And(items) => self.junction(items, true),
            ExprKind::Or(items) => self.junction(items, false),
            ExprKind::Binary { op, lhs, rhs, .. } => {
                let a = self.eval(lhs)?;
                let b = self.eval(rhs)?;
                combine(expr, *op, lhs, rhs, a, b)
            }
            ExprKind::Occurs { subject, test } => self.occurs(subject, test).map(Val::Bool),
            ExprKind::Select {
                var,
                source,
                filter,
            } => self
                .select(var, source, filter.as_deref(), false)
                .map(Val::List),
            ExprKind::Quantified {
                quantifier: Quantifier::Exists,
                var,
                source,
                filter,
            } => {
                let found = self.select(var, source, filter.as_deref(), true)?;
                Ok(Val::Bool(!found.is_empty()))
            }
            ExprKind::Quantified { .. }
            | ExprKind::Let { .. }
            | ExprKind::Lambda { .. }
            | ExprKind::Period { .. } => Err(check::unsupported(expr)),
        }
    }

    fn list(&mut self, items: &'a [Expr]) -> Result<Val<'a>> {
        let mut values = Vec::with_capacity(items.len());
        for item in items {
            values.push(self.eval(item)?);
        }
        Ok(Val::List(values))
    }

    /// `and` (`all`) or `or`, short-circuiting.
    fn junction(&mut self, items: &'a [Expr], all: bool) -> Result<Val<'a>> {
        for item in items {
            if self.truth(item)? != all {
                return Ok(Val::Bool(!all));
            }
        }
        Ok(Val::Bool(all))
    }

    /// `date(…)`, or `if(test, a, b)` (only the branch taken is evaluated).
    fn call(&mut self, expr: &'a Expr, name: &str, args: &'a [Expr]) -> Result<Val<'a>> {
        match (name, args) {
            ("date", _) => self.date(expr, args),
            ("if", [test, then, otherwise]) => {
                let branch = if self.truth(test)? { then } else { otherwise };
                self.eval(branch)
            }
            _ => Err(check::unsupported(expr)),
        }
    }

    fn time_word(&self, word: TimeWord, span: Span) -> Result<Moment> {
        let now = self.env.now;
        let moment = match word {
            TimeWord::Now => Some(Moment::instant(now)),
            TimeWord::Today => dates::today(now, 0),
            TimeWord::Yesterday => dates::today(now, -1),
            TimeWord::Tomorrow => dates::today(now, 1),
        };
        moment.ok_or_else(|| Unevaluable::new(span, "date out of range"))
    }

    /// A root name: a `select` variable, the profile, the offer, or a profile field.
    fn root(&self, name: &str, span: Span) -> Result<Val<'a>> {
        if let Some((_, value)) = self.vars.iter().rev().find(|(var, _)| *var == name) {
            return Ok(value.clone());
        }
        let profile: &'a serde_json::Value = self.env.profile;
        match name {
            "profile" | "$1" => Ok(Val::from_json(profile)),
            "offer" => self.env.offer.map(Val::from_json).ok_or_else(|| {
                Unevaluable::new(span, "`offer` is only bound when ranking an offer")
            }),
            _ => Ok(profile.get(name).map_or(Val::Null, Val::from_json)),
        }
    }

    /// `@{raw}`: context data under the reference's full text, else under its schema.
    fn context(&self, raw: &str, schema: &str, span: Span) -> Result<Val<'a>> {
        let context: &'a serde_json::Value = self.env.context;
        context
            .get(raw)
            .or_else(|| context.get(schema))
            .map(Val::from_json)
            .ok_or_else(|| Unevaluable::new(span, format!("no context data for {schema}")))
    }

    /// A date operand of `occurs` (`None`: null).
    fn moment(&mut self, expr: &'a Expr) -> Result<Option<Moment>> {
        let value = self.eval(expr)?;
        value::as_moment(&value).map_err(|reason| Unevaluable::new(expr.span, reason))
    }

    fn occurs(&mut self, subject: &'a Expr, test: &'a OccursTest) -> Result<bool> {
        let t = self.moment(subject)?;
        let operands: Vec<&'a Expr> = match test {
            OccursTest::On(x) | OccursTest::Before(x) | OccursTest::After(x) => vec![x],
            OccursTest::Between(low, high) => vec![low, high],
            OccursTest::Within { anchor, .. } => vec![anchor],
        };
        let mut moments = Vec::with_capacity(2);
        for operand in operands {
            moments.push(self.moment(operand)?);
        }
        let amount = match test {
            OccursTest::Within { amount, .. } => Some(self.amount(amount)?),
            _ => None,
        };
        let (Some(t), Some(moments)) = (t, moments.into_iter().collect::<Option<Vec<_>>>()) else {
            return Ok(false);
        };
        Ok(match (test, moments.as_slice()) {
            (OccursTest::On(_), [x]) => dates::on(t, *x),
            (OccursTest::Before(_), [x]) => dates::before(t, *x),
            (OccursTest::After(_), [x]) => dates::after(t, *x),
            (OccursTest::Between(..), [low, high]) => dates::between(t, *low, *high),
            (
                OccursTest::Within {
                    cmp,
                    unit,
                    direction,
                    anchor,
                    ..
                },
                [x],
            ) => {
                let Some(amount) = amount.flatten() else {
                    return Ok(false);
                };
                dates::within(t, *cmp, amount, *unit, *direction, *x)
                    .ok_or_else(|| Unevaluable::new(anchor.span, "date out of range"))?
            }
            _ => return Err(Unevaluable::new(subject.span, "malformed `occurs`")),
        })
    }

    /// The `N` of `occurs <cmp> N unit …`: a whole number ≥ 0 (`None`: null).
    fn amount(&mut self, expr: &'a Expr) -> Result<Option<i64>> {
        match self.eval(expr)? {
            Val::Null => Ok(None),
            Val::Number(n) if n >= 0.0 && n.fract() == 0.0 && n < 1e15 => Ok(Some(n as i64)),
            other => Err(Unevaluable::new(
                expr.span,
                format!(
                    "the amount of time must be a whole number ≥ 0, got {}",
                    describe(&other)
                ),
            )),
        }
    }

    /// The items of `source` (a list; an object is one item; null none) for which `filter`
    /// holds, with `var` bound to each; only the first with `first_only`.
    pub(super) fn select(
        &mut self,
        var: &'a str,
        source: &'a Expr,
        filter: Option<&'a Expr>,
        first_only: bool,
    ) -> Result<Vec<Val<'a>>> {
        let from = self.eval(source)?;
        let items = match from {
            Val::Null => Vec::new(),
            Val::Object(_) => vec![from],
            other => other.items().ok_or_else(|| {
                let reason = format!(
                    "`select` reads a list or an object, got {}",
                    other.type_name()
                );
                Unevaluable::new(source.span, reason)
            })?,
        };
        let mut kept = Vec::new();
        for item in items {
            let keep = match filter {
                None => true,
                Some(filter) => {
                    self.vars.push((var, item.clone()));
                    let keep = self.truth(filter);
                    self.vars.pop();
                    keep?
                }
            };
            if keep {
                kept.push(item);
                if first_only {
                    break;
                }
            }
        }
        Ok(kept)
    }

    /// `date(y, m, d)` (a whole day) or `date(y, m, d, h, mi, s)` (UTC).
    fn date(&mut self, expr: &'a Expr, args: &'a [Expr]) -> Result<Val<'a>> {
        if args.len() != 3 && args.len() != 6 {
            return Err(check::unsupported(expr));
        }
        let mut parts = Vec::with_capacity(6);
        for arg in args {
            match self.eval(arg)? {
                Val::Null => return Ok(Val::Null),
                Val::Number(n) if n.fract() == 0.0 && n.abs() < 1e9 => parts.push(n as i64),
                other => {
                    let reason = format!("`date()` needs whole numbers, got {}", describe(&other));
                    return Err(Unevaluable::new(arg.span, reason));
                }
            }
        }
        dates::from_parts(&parts)
            .map(Val::Date)
            .map_err(|reason| Unevaluable::new(expr.span, reason))
    }
}

/// `-value`: null stays null.
fn negate(value: Val, span: Span) -> Result<Val> {
    match value {
        Val::Null => Ok(Val::Null),
        Val::Number(n) => Ok(Val::Number(-n)),
        other => {
            let reason = format!("`-` needs a number, got {}", other.type_name());
            Err(Unevaluable::new(span, reason))
        }
    }
}

/// A binary operator applied to its evaluated operands `a` (of `lhs`) and `b` (of `rhs`).
fn combine<'a>(
    expr: &Expr,
    op: BinaryOp,
    lhs: &Expr,
    rhs: &Expr,
    a: Val<'a>,
    b: Val<'a>,
) -> Result<Val<'a>> {
    let fail = |reason: String| Unevaluable::new(expr.span, reason);
    let mismatch = |needs: &str| {
        let reason = format!("{needs}, got {} and {}", a.type_name(), b.type_name());
        Err(fail(reason))
    };
    Ok(match op {
        BinaryOp::Cmp(cmp) => Val::Bool(value::compare(cmp, &a, &b).map_err(fail)?),
        BinaryOp::In | BinaryOp::NotIn => {
            if a.is_null() || b.is_null() {
                return Ok(Val::Bool(false));
            }
            if a.len().is_some() {
                return Err(Unevaluable::new(
                    lhs.span,
                    "`in` tests one value; to compare two lists use `.intersects()`",
                ));
            }
            let Some(items) = b.items() else {
                let reason = format!("`in` needs a list on its right, got {}", b.type_name());
                return Err(Unevaluable::new(rhs.span, reason));
            };
            let found = value::contains(&items, &a).map_err(fail)?;
            Val::Bool(found == (op == BinaryOp::In))
        }
        BinaryOp::Like => match (&a, &b) {
            (Val::Null, _) | (_, Val::Null) => Val::Bool(false),
            (Val::Str(text), Val::Str(pattern)) => {
                Val::Bool(like(text, pattern).map_err(|r| Unevaluable::new(rhs.span, r))?)
            }
            _ => return mismatch("`like` needs strings"),
        },
        BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div => match (&a, &b) {
            (Val::Null, _) | (_, Val::Null) => Val::Null,
            (Val::Number(x), Val::Number(y)) => {
                let result = match op {
                    BinaryOp::Add => x + y,
                    BinaryOp::Sub => x - y,
                    BinaryOp::Mul => x * y,
                    _ if *y == 0.0 => return Err(fail("division by zero".to_string())),
                    _ => x / y,
                };
                if !result.is_finite() {
                    return Err(fail("arithmetic result out of range".to_string()));
                }
                Val::Number(result)
            }
            _ => return mismatch("arithmetic needs numbers"),
        },
    })
}

/// `object.name`: null propagates; lists and scalars have no fields.
fn field<'a>(object: Val<'a>, name: &str, span: Span) -> Result<Val<'a>> {
    match object {
        Val::Object(map) => Ok(map.get(name).map_or(Val::Null, Val::from_json)),
        Val::Null => Ok(Val::Null),
        Val::List(_) | Val::Array(_) => Err(Unevaluable::new(
            span,
            format!(
                "`.{name}` reads a field of an object, but this is a list \
                 (use `select x from … where x.{name} …`)"
            ),
        )),
        other => Err(Unevaluable::new(
            span,
            format!("cannot read field `{name}` of {}", other.type_name()),
        )),
    }
}

/// A value in a message: short scalars verbatim, else their type.
pub(super) fn describe(value: &Val) -> String {
    match value {
        Val::Number(n) => value::number_text(*n),
        Val::Str(s) if s.chars().count() <= 40 => format!("\"{s}\""),
        Val::Bool(b) => b.to_string(),
        other => other.type_name().to_string(),
    }
}

/// SQL-style `like`: `%` any run of characters, `_` one character, `\` escapes the next one;
/// the whole string must match, case-sensitively.
pub(super) fn like(text: &str, pattern: &str) -> std::result::Result<bool, String> {
    let mut regex = String::from(r"\A(?s:");
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '%' => regex.push_str(".*"),
            '_' => regex.push('.'),
            '\\' => match chars.next() {
                Some(next) => regex.push_str(&regex::escape(&next.to_string())),
                None => regex.push_str(r"\\"),
            },
            c => regex.push_str(&regex::escape(&c.to_string())),
        }
    }
    regex.push_str(r")\z");
    let compiled = check::compile_regex(&regex)?;
    Ok(compiled.is_match(text))
}
