//! Values: the public [`PqlValue`], the evaluator's borrowing [`Val`], and comparison with
//! Adobe's coercion (the second operand takes the type of the first; dates win from either side).

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::ast::Cmp;
use super::dates::{self, Moment};

/// The value of an expression.
#[derive(Debug, Clone, PartialEq)]
pub enum PqlValue {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    Date(time::OffsetDateTime),
    List(Vec<PqlValue>),
    Object(Map<String, Value>),
}

impl PqlValue {
    /// The value's type, as messages name it (`a string`, `null`).
    pub fn type_name(&self) -> &'static str {
        match self {
            PqlValue::Null => "null",
            PqlValue::Bool(_) => "a boolean",
            PqlValue::Number(_) => "a number",
            PqlValue::String(_) => "a string",
            PqlValue::Date(_) => "a date",
            PqlValue::List(_) => "a list",
            PqlValue::Object(_) => "an object",
        }
    }

    /// A JSON value as PQL sees it (strings stay strings, even ISO dates).
    pub fn from_json(value: &Value) -> PqlValue {
        Val::from_json(value).into_pql()
    }
}

/// A value during evaluation: profile, offer and context data are borrowed, not copied.
#[derive(Debug, Clone)]
pub(crate) enum Val<'a> {
    Null,
    Bool(bool),
    Number(f64),
    Str(Cow<'a, str>),
    Date(Moment),
    List(Vec<Val<'a>>),
    Array(&'a [Value]),
    Object(&'a Map<String, Value>),
}

impl<'a> Val<'a> {
    pub fn from_json(value: &'a Value) -> Val<'a> {
        match value {
            Value::Null => Val::Null,
            Value::Bool(b) => Val::Bool(*b),
            Value::Number(n) => n.as_f64().map_or(Val::Null, Val::Number),
            Value::String(s) => Val::Str(Cow::Borrowed(s)),
            Value::Array(items) => Val::Array(items),
            Value::Object(map) => Val::Object(map),
        }
    }

    pub fn into_pql(self) -> PqlValue {
        match self {
            Val::Null => PqlValue::Null,
            Val::Bool(b) => PqlValue::Bool(b),
            Val::Number(n) => PqlValue::Number(n),
            Val::Str(s) => PqlValue::String(s.into_owned()),
            Val::Date(m) => PqlValue::Date(m.at),
            Val::List(items) => PqlValue::List(items.into_iter().map(Val::into_pql).collect()),
            Val::Array(items) => PqlValue::List(items.iter().map(PqlValue::from_json).collect()),
            Val::Object(map) => PqlValue::Object(map.clone()),
        }
    }

    pub fn type_name(&self) -> &'static str {
        match self {
            Val::Null => "null",
            Val::Bool(_) => "a boolean",
            Val::Number(_) => "a number",
            Val::Str(_) => "a string",
            Val::Date(_) => "a date",
            Val::List(_) | Val::Array(_) => "a list",
            Val::Object(_) => "an object",
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Val::Null)
    }

    /// The items of a list, or `None` if this is not a list.
    pub fn items(&self) -> Option<Vec<Val<'a>>> {
        match self {
            Val::List(items) => Some(items.clone()),
            Val::Array(items) => Some(items.iter().map(Val::from_json).collect()),
            _ => None,
        }
    }

    pub fn len(&self) -> Option<usize> {
        match self {
            Val::List(items) => Some(items.len()),
            Val::Array(items) => Some(items.len()),
            _ => None,
        }
    }
}

/// A number as a string the way people write it: `3`, not `3.0`.
pub(crate) fn number_text(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// A value read as a date: a date, or a string in ISO-8601. `Ok(None)` for null.
pub(crate) fn as_moment(value: &Val) -> Result<Option<Moment>, String> {
    match value {
        Val::Null => Ok(None),
        Val::Date(m) => Ok(Some(*m)),
        Val::Str(s) => dates::parse_iso(s)
            .map(Some)
            .ok_or_else(|| format!("\"{s}\" is not an ISO-8601 date")),
        other => Err(format!("{} is not a date", other.type_name())),
    }
}

/// `a <cmp> b` with Adobe's null semantics (false when either side is null) and coercion. `Err`
/// says why the two cannot be compared.
pub(crate) fn compare(cmp: Cmp, a: &Val, b: &Val) -> Result<bool, String> {
    if a.is_null() || b.is_null() {
        return Ok(false);
    }
    if matches!(a, Val::Date(_)) || matches!(b, Val::Date(_)) {
        let (Some(x), Some(y)) = (as_moment(a)?, as_moment(b)?) else {
            return Ok(false);
        };
        return Ok(dates::compare(cmp, x, y));
    }
    let cannot = || {
        format!(
            "cannot compare {} with {} using `{}`",
            a.type_name(),
            b.type_name(),
            cmp.symbol()
        )
    };
    match a {
        Val::Number(x) => {
            let y = match b {
                Val::Number(y) => *y,
                Val::Str(s) => s
                    .trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|y| y.is_finite())
                    .ok_or_else(|| format!("cannot compare a number with \"{s}\": not a number"))?,
                _ => return Err(cannot()),
            };
            Ok(x.partial_cmp(&y).is_some_and(|o| cmp.holds(o)))
        }
        Val::Str(x) => {
            let y: Cow<str> = match b {
                Val::Str(y) => Cow::Borrowed(y),
                Val::Number(y) => Cow::Owned(number_text(*y)),
                Val::Bool(y) => Cow::Owned(y.to_string()),
                _ => return Err(cannot()),
            };
            Ok(cmp.holds(x.as_ref().cmp(y.as_ref())))
        }
        Val::Bool(x) => {
            let y = match b {
                Val::Bool(y) => *y,
                Val::Str(s) if s == "true" => true,
                Val::Str(s) if s == "false" => false,
                _ => return Err(cannot()),
            };
            match cmp {
                Cmp::Eq => Ok(x == &y),
                Cmp::Ne => Ok(x != &y),
                _ => Err(cannot()),
            }
        }
        _ => Err(cannot()),
    }
}

/// Whether `list` holds an item equal to `needle`, compared as `needle = item` (items are coerced
/// to the needle's type; null items match nothing).
pub(crate) fn contains(list: &[Val], needle: &Val) -> Result<bool, String> {
    for item in list {
        if compare(Cmp::Eq, needle, item)? {
            return Ok(true);
        }
    }
    Ok(false)
}
