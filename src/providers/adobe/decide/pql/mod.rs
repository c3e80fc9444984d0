//! Adobe's Profile Query Language (PQL), as used by eligibility rules (`pql/text` conditions) and
//! ranking formulas: a parser to a spanned AST and an evaluator over one profile.
//!
//! No reference implementation exists (see the research notes, §4), so this module implements a
//! documented subset and states every semantic choice it had to make. Text that does not parse is
//! a [`ParseError`] (with the span and what was expected). Text that parses but uses anything
//! outside the subset, or meets a type error that cannot be given meaning, evaluates to
//! [`Unevaluable`] with the span of the construct: never a silent `true` or `false`. Nothing here
//! panics on any input; nesting is limited to [`MAX_DEPTH`] levels.
//!
//! # The supported subset
//! - **Paths** on the profile with an implicit root (`homeAddress.city`), the `profile.` (and
//!   `$1.`) alias, tenant fields (`_tenant.x`); `xEvent` is the profile's `xEvent` field (a list
//!   of events). `offer.…` reads [`Env::offer`] (ranking formulas); `@{schema}.x` and
//!   `@{schema;version=1}.x` read [`Env::context`]. A missing field is `null`.
//! - **Literals**: `"strings"` (JSON escapes; an unknown escape such as `\d` keeps its backslash),
//!   numbers, `true`/`false`/`null`, lists `[a, b]`, `("a", "b")` and `([…])`,
//!   `date(y, m, d)` and `date(y, m, d, h, mi, s)` (UTC), `now`, `today`, `yesterday`, `tomorrow`.
//! - **Logic**: `and`, `or`, `not (…)`, `!…`; keywords are case-insensitive (`AND`, `Or`, `NOT`,
//!   `notin`); function names are case-sensitive (`isNull`).
//! - **Comparisons** `= != < <= > >=`, `in`, `notIn`, `like "%a_b"`, `.isNull()`, `.isNotNull()`.
//! - **Strings**: `.equals .notEqualTo .startsWith .doesNotStartWith .endsWith .doesNotEndWith
//!   .contains .doesNotContain` (second argument: case-sensitive, default `true`) and
//!   `.matches(regex)` (whole-string match; a pattern the `regex` crate cannot compile, such as
//!   look-around or back-references, is unevaluable).
//! - **Lists and maps**: `.count()`, `.includes(x)`, `.intersects(list)`, `.get("key")`;
//!   `select v from LIST where COND` (a list; as a boolean: non-empty),
//!   `exists v from LIST where COND`, `(select …).count()`.
//! - **Time**: `T occurs before|after X`, `T occurs (on) X`, `T occurs between A and B`,
//!   `T occurs <cmp> N unit before|after|from X`, units millisecond … year (also decade,
//!   century, millennium, singular or plural).
//! - **Formulas**: `if(test, a, b)`, `+ - * /` and unary minus on numbers.
//!
//! Outside the subset (parsed, then unevaluable): other functions and methods (`.regexGroup()`,
//! `.topN()`, `.sum()`, `.getMonth()`, `currentMonth()`, …), `forall`, `let … in …`, lambdas
//! (`x => …`), relative periods (`this month`, `last year`).
//!
//! # Semantics choices
//! - **Null** (Adobe's filter-expression schema): `= != < <= > >=` are true only when neither
//!   side is null and the comparison holds; `in`, `notIn`, `like`, `occurs`, the string
//!   functions (the negative ones too), `.includes` and `.intersects` are false when a side is
//!   null. Logic is two-valued: where a boolean is needed (`and`, `or`, `not`, `if`, `where`, the
//!   rule itself) null is false, so `not(x = "CA")` is true for a missing `x` while
//!   `x != "CA"` is false. A list there means "non-empty". Field access and `.get()` on null are
//!   null; arithmetic with null is null; `.count()` of null is 0.
//! - **Coercion**: the second operand is coerced to the type of the first: a numeric string to a
//!   number, a number to its shortest decimal string, `"true"`/`"false"` to a boolean. Dates win
//!   from either side: a string compared with a date is parsed as ISO-8601. A coercion that
//!   fails, or operands that cannot be compared (lists, objects, booleans with `<`), is
//!   unevaluable. Strings compare by code point, case-sensitively.
//! - **Dates**: ISO-8601 strings with an offset, without one (read as UTC), or date-only. Days are
//!   UTC days: `today` is 00:00 UTC of the UTC date of [`Env::now`]; `yesterday`/`tomorrow` are
//!   one day either side. Date-only values (`today`, `date(y,m,d)`, `"1981-01-01"`) denote the
//!   whole day: comparing with one compares UTC dates, `occurs before D` means before D's day,
//!   `occurs after D` means from the next day on, `occurs between A and B` includes both whole
//!   days. With instants, `before`/`after` are strict and `between` is inclusive.
//! - **`occurs <cmp> N unit before X`**: with the boundary `B = X − N units` (calendar months
//!   and years, clamped to the month's last day): `<=` is `B ≤ T ≤ X`, `<` is `B < T ≤ X`,
//!   `>=` is `T ≤ B`, `>` is `T < B`, `=` is "T falls in the same unit as B" (same UTC day,
//!   Sunday-based week, month, …), `!=` its negation. `after`/`from` mirror it with
//!   `B = X + N units`. When `X` or `T` is date-only, the comparison is made on UTC dates.
//! - **Evaluation order**: `and`/`or`/`if` short-circuit, so a data-dependent problem (a missing
//!   context schema, a type error) in an operand that is not needed does not make the rule
//!   unevaluable; constructs outside the subset always do, wherever they are.
//! - **Context data**: `@{s;version=1}` is looked up in [`Env::context`] under its full text, then
//!   under `s` alone; a missing entry is unevaluable (`no context data for s`).
//! - `offer` always names the offer being ranked: without one ([`Env::offer`] is `None`) it is
//!   unevaluable; a profile field called `offer` is reachable as `profile.offer`.

mod ast;
mod check;
mod dates;
mod eval;
mod functions;
mod lexer;
mod parser;
mod value;

#[cfg(test)]
mod tests;

use std::fmt;

pub use ast::{BinaryOp, Cmp, Direction, Expr, ExprKind, OccursTest, PeriodKind, Quantifier};
pub use ast::{TimeUnit, TimeWord};
pub use value::PqlValue;

/// How deep an expression may nest (every operator, call, field access and parenthesis counts;
/// the operands of one `and`/`or` chain share a level). Adobe's own guardrail is 30 levels.
pub const MAX_DEPTH: usize = 100;

/// Byte offsets into the rule text, `start..end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }

    /// The text this span covers (empty if it does not fall on character boundaries of `text`).
    pub fn slice(self, text: &str) -> &str {
        text.get(self.start..self.end).unwrap_or("")
    }
}

/// 1-based line and column (in characters) of a byte offset; offsets past the end are clamped.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// Text that is not PQL: where, and what was expected there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub span: Span,
    pub message: String,
}

impl ParseError {
    pub(crate) fn new(span: Span, message: impl Into<String>) -> ParseError {
        ParseError {
            span,
            message: message.into(),
        }
    }

    /// 1-based line and column (counted in characters) where the error starts in `text`.
    /// A problem at `span` (to locate a span with [`ParseError::line_col`]).
    pub fn at(span: Span, message: impl Into<String>) -> ParseError {
        ParseError::new(span, message)
    }

    pub fn line_col(&self, text: &str) -> (usize, usize) {
        line_col(text, self.span.start)
    }
}

/// `start..end`, as messages cite a span.
impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at {})", self.message, self.span)
    }
}

impl std::error::Error for ParseError {}

/// What an expression is evaluated against.
#[derive(Debug, Clone, Copy)]
pub struct Env<'a> {
    /// The XDM profile; paths without a root (and `profile.…`) start here.
    pub profile: &'a serde_json::Value,
    /// The offer being ranked (`offer._id`, `offer.rank.priority`, `offer.characteristics`, …).
    pub offer: Option<&'a serde_json::Value>,
    /// Context data: an object from schema URI to data object, for `@{schema}.x`.
    pub context: &'a serde_json::Value,
    /// The instant `now` refers to; `today` is its UTC date.
    pub now: time::OffsetDateTime,
}

/// An expression that cannot be given a value: a construct outside the supported subset, a type
/// error, missing context data. `span` is the construct to blame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unevaluable {
    pub span: Span,
    pub reason: String,
}

impl Unevaluable {
    pub(crate) fn new(span: Span, reason: impl Into<String>) -> Unevaluable {
        Unevaluable {
            span,
            reason: reason.into(),
        }
    }
}

impl fmt::Display for Unevaluable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at {})", self.reason, self.span)
    }
}

impl std::error::Error for Unevaluable {}

/// A rule's truth, with the sub-expression to blame when false: for a false `and`, the first
/// false operand (recursively); otherwise the whole expression's span. `culprit` is `None` when
/// the rule is true.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    pub value: bool,
    pub culprit: Option<Span>,
}

/// Parses rule or formula text.
/// Whether a parsed expression stays within the subset offerctl evaluates: the first construct
/// outside it, located, if not.
pub fn within_subset(expr: &Expr) -> Result<(), Unevaluable> {
    check::within_subset(expr)
}

pub fn parse(text: &str) -> Result<Expr, ParseError> {
    parser::parse(text)
}

/// The value of an expression.
pub fn evaluate(expr: &Expr, env: &Env) -> Result<PqlValue, Unevaluable> {
    check::within_subset(expr)?;
    let mut evaluator = eval::Evaluator::new(env);
    Ok(evaluator.eval(expr)?.into_pql())
}

/// A rule's truth (null counts as false, a list as "non-empty") and what made it false.
pub fn decide(expr: &Expr, env: &Env) -> Result<Verdict, Unevaluable> {
    check::within_subset(expr)?;
    let mut evaluator = eval::Evaluator::new(env);
    let (value, culprit) = evaluator.verdict(expr)?;
    Ok(Verdict { value, culprit })
}

/// A ranking formula's score. A formula that returns null (say, a missing field) or anything but
/// a number is unevaluable: it never silently scores 0.
pub fn number(expr: &Expr, env: &Env) -> Result<f64, Unevaluable> {
    match evaluate(expr, env)? {
        PqlValue::Number(n) => Ok(n),
        PqlValue::Null => Err(Unevaluable::new(expr.span, "formula returned null")),
        other => Err(Unevaluable::new(
            expr.span,
            format!("formula returned {}, not a number", other.type_name()),
        )),
    }
}
