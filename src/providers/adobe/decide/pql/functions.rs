//! Methods: `.isNull()`, `.count()`, `.get()`, the string functions, `.matches()`,
//! `.includes()`, `.intersects()`.

use super::ast::Expr;
use super::check;
use super::eval::{Evaluator, describe};
use super::value::{self, Val};
use super::{Span, Unevaluable};

type Result<T> = std::result::Result<T, Unevaluable>;

/// The string function `name` (one of [`check::STRING_PREDICATES`]) on `text` and `arg`.
fn string_predicate(name: &str, text: &str, arg: &str) -> bool {
    match name {
        "equals" => text == arg,
        "notEqualTo" => text != arg,
        "startsWith" => text.starts_with(arg),
        "doesNotStartWith" => !text.starts_with(arg),
        "endsWith" => text.ends_with(arg),
        "doesNotEndWith" => !text.ends_with(arg),
        "contains" => text.contains(arg),
        _ => !text.contains(arg), // doesNotContain
    }
}

impl<'a> Evaluator<'a> {
    pub(super) fn method(
        &mut self,
        expr: &'a Expr,
        receiver: &'a Expr,
        name: &str,
        args: &'a [Expr],
    ) -> Result<Val<'a>> {
        let target = self.eval(receiver)?;
        let mut values = Vec::with_capacity(args.len());
        for arg in args {
            values.push(self.eval(arg)?);
        }
        apply(expr, name, args, target, values)
    }
}

/// Method `name` on its evaluated receiver and arguments (kept out of the recursive path).
fn apply<'a>(
    expr: &Expr,
    name: &str,
    args: &[Expr],
    target: Val<'a>,
    values: Vec<Val<'a>>,
) -> Result<Val<'a>> {
    let span = match &expr.kind {
        super::ExprKind::Method { name_span, .. } => Span::new(name_span.start, expr.span.end),
        _ => expr.span,
    };
    let fail = |reason: String| Unevaluable::new(span, reason);
    let wrong_receiver = |needs: &str| {
        fail(format!(
            "`.{name}()` needs {needs}, got {}",
            target.type_name()
        ))
    };
    Ok(match (name, values.as_slice()) {
        ("isNull", []) => Val::Bool(target.is_null()),
        ("isNotNull", []) => Val::Bool(!target.is_null()),
        ("count", []) => match &target {
            Val::Null => Val::Number(0.0),
            other => match other.len() {
                Some(n) => Val::Number(n as f64),
                None => return Err(wrong_receiver("a list")),
            },
        },
        ("get", [key]) => match (&target, key) {
            (Val::Null, _) | (_, Val::Null) => Val::Null,
            (Val::Object(map), Val::Str(k)) => {
                map.get(k.as_ref()).map_or(Val::Null, Val::from_json)
            }
            (Val::Object(_), other) => {
                let reason = format!("`.get()` needs a string key, got {}", describe(other));
                return Err(Unevaluable::new(args[0].span, reason));
            }
            _ => return Err(wrong_receiver("an object")),
        },
        ("matches", [pattern]) => match (&target, pattern) {
            (Val::Null, _) | (_, Val::Null) => Val::Bool(false),
            (Val::Str(text), Val::Str(pattern)) => {
                let regex = check::compile_regex(&format!(r"\A(?:{pattern})\z"))
                    .map_err(|reason| Unevaluable::new(args[0].span, reason))?;
                Val::Bool(regex.is_match(text))
            }
            (Val::Str(_), other) => {
                let reason = format!(
                    "`.matches()` needs a pattern string, got {}",
                    describe(other)
                );
                return Err(fail(reason));
            }
            _ => return Err(wrong_receiver("a string")),
        },
        ("includes", [needle]) => {
            if target.is_null() || needle.is_null() {
                return Ok(Val::Bool(false));
            }
            let Some(items) = target.items() else {
                return Err(wrong_receiver("a list"));
            };
            Val::Bool(value::contains(&items, needle).map_err(fail)?)
        }
        ("intersects", [other]) => {
            if target.is_null() || other.is_null() {
                return Ok(Val::Bool(false));
            }
            let Some(items) = target.items() else {
                return Err(wrong_receiver("a list"));
            };
            let Some(others) = other.items() else {
                let reason = format!("`.intersects()` needs a list, got {}", other.type_name());
                return Err(Unevaluable::new(args[0].span, reason));
            };
            let mut any = false;
            for item in items.iter().filter(|item| !item.is_null()) {
                if value::contains(&others, item).map_err(fail)? {
                    any = true;
                    break;
                }
            }
            Val::Bool(any)
        }
        (name, [arg, rest @ ..]) if check::STRING_PREDICATES.contains(&name) && rest.len() <= 1 => {
            let case_sensitive = match rest.first() {
                None => true,
                Some(Val::Bool(b)) => *b,
                Some(other) => {
                    let reason = format!(
                        "the case-sensitivity flag must be true or false, got {}",
                        describe(other)
                    );
                    return Err(Unevaluable::new(args[1].span, reason));
                }
            };
            match (&target, arg) {
                (Val::Null, _) | (_, Val::Null) => Val::Bool(false),
                (Val::Str(text), Val::Str(arg)) if case_sensitive => {
                    Val::Bool(string_predicate(name, text, arg))
                }
                (Val::Str(text), Val::Str(arg)) => Val::Bool(string_predicate(
                    name,
                    &text.to_lowercase(),
                    &arg.to_lowercase(),
                )),
                (Val::Str(_), other) => {
                    let reason = format!("`.{name}()` needs a string, got {}", describe(other));
                    return Err(Unevaluable::new(args[0].span, reason));
                }
                _ => return Err(wrong_receiver("a string")),
            }
        }
        _ => return Err(check::unsupported(expr)),
    })
}
