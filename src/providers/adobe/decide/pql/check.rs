//! Before evaluating: is every construct inside the supported subset, with the right number of
//! arguments, and not applied to a receiver that is visibly of the wrong type? Done on the whole
//! tree first, so short-circuit evaluation never hides an unsupported construct.

use regex::{Regex, RegexBuilder};

use super::ast::{BinaryOp, Expr, ExprKind, Quantifier};
use super::{Span, Unevaluable};

/// The string functions that take `(text[, caseSensitive])`.
pub(crate) const STRING_PREDICATES: &[&str] = &[
    "equals",
    "notEqualTo",
    "startsWith",
    "doesNotStartWith",
    "endsWith",
    "doesNotEndWith",
    "contains",
    "doesNotContain",
];

/// What a supported method needs: its argument counts and its receiver.
struct MethodSpec {
    min: usize,
    max: usize,
    receiver: Receiver,
}

#[derive(PartialEq)]
enum Receiver {
    Any,
    List,
    Str,
    Object,
}

fn method_spec(name: &str) -> Option<MethodSpec> {
    let spec = |min, max, receiver| Some(MethodSpec { min, max, receiver });
    match name {
        "isNull" | "isNotNull" => spec(0, 0, Receiver::Any),
        "count" => spec(0, 0, Receiver::List),
        "includes" | "intersects" => spec(1, 1, Receiver::List),
        "get" => spec(1, 1, Receiver::Object),
        "matches" => spec(1, 1, Receiver::Str),
        name if STRING_PREDICATES.contains(&name) => spec(1, 2, Receiver::Str),
        _ => None,
    }
}

/// The type an expression has whatever the data, when its syntax says so.
fn static_type(expr: &Expr) -> Option<&'static str> {
    match &expr.kind {
        ExprKind::Bool(_)
        | ExprKind::And(_)
        | ExprKind::Or(_)
        | ExprKind::Not(_)
        | ExprKind::Occurs { .. }
        | ExprKind::Quantified { .. } => Some("a boolean"),
        ExprKind::Binary { op, .. } => Some(match op {
            BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div => "a number",
            _ => "a boolean",
        }),
        ExprKind::Number(_) | ExprKind::Neg(_) => Some("a number"),
        ExprKind::String(_) => Some("a string"),
        ExprKind::Time(_) => Some("a date"),
        ExprKind::Call { name, .. } if name == "date" => Some("a date"),
        ExprKind::List(_) | ExprKind::Select { .. } => Some("a list"),
        ExprKind::Method { name, .. } => match name.as_str() {
            "count" => Some("a number"),
            "isNull" | "isNotNull" | "matches" | "includes" | "intersects" => Some("a boolean"),
            name if STRING_PREDICATES.contains(&name) => Some("a boolean"),
            _ => None,
        },
        _ => None,
    }
}

fn outside(span: Span, what: &str) -> Unevaluable {
    Unevaluable::new(span, format!("{what} is outside the supported PQL subset"))
}

fn arguments(n: usize) -> String {
    if n == 1 {
        "1 argument".to_string()
    } else {
        format!("{n} arguments")
    }
}

/// The problem with this node alone (not its children), if any.
fn problem(expr: &Expr) -> Option<Unevaluable> {
    match &expr.kind {
        ExprKind::Method {
            receiver,
            name,
            name_span,
            args,
        } => {
            let span = Span::new(name_span.start, expr.span.end);
            let Some(spec) = method_spec(name) else {
                return Some(outside(span, &format!("`.{name}()`")));
            };
            if args.len() < spec.min || args.len() > spec.max {
                let expected = if spec.min == spec.max {
                    arguments(spec.min)
                } else {
                    format!("{} or {}", spec.min, arguments(spec.max))
                };
                let reason = format!("`.{name}()` takes {expected}, got {}", args.len());
                return Some(Unevaluable::new(span, reason));
            }
            let found = static_type(receiver)?;
            let (needed, fits) = match spec.receiver {
                Receiver::Any => return None,
                Receiver::List => ("a list", found == "a list"),
                Receiver::Str => ("a string", found == "a string"),
                Receiver::Object => ("an object", false),
            };
            if fits {
                return None;
            }
            let hint = if name == "count" && found == "a boolean" {
                " (to count matching items, write `(select x from … where …).count()`)"
            } else {
                ""
            };
            let reason = format!("`.{name}()` needs {needed}, but its receiver is {found}{hint}");
            Some(Unevaluable::new(span, reason))
        }
        ExprKind::Call {
            name,
            name_span,
            args,
        } => {
            let fits = match name.as_str() {
                "date" => args.len() == 3 || args.len() == 6,
                "if" => args.len() == 3,
                _ => return Some(outside(expr.span, &format!("`{name}()`"))),
            };
            if fits {
                return None;
            }
            let expected = if name == "date" {
                "3 or 6 arguments"
            } else {
                "3 arguments"
            };
            let reason = format!("`{name}()` takes {expected}, got {}", args.len());
            Some(Unevaluable::new(name_span.to(expr.span), reason))
        }
        ExprKind::Quantified {
            quantifier: Quantifier::Forall,
            ..
        } => Some(outside(expr.span, "`forall`")),
        ExprKind::Let { .. } => Some(outside(expr.span, "`let … in …`")),
        ExprKind::Lambda { .. } => Some(outside(expr.span, "a function literal (`=>`)")),
        ExprKind::Period { .. } => Some(outside(
            expr.span,
            "a relative period (`this month`, `last year`, …)",
        )),
        _ => None,
    }
}

fn collect(expr: &Expr, found: &mut Option<Unevaluable>) {
    if let Some(problem) = problem(expr) {
        let earlier = found
            .as_ref()
            .is_none_or(|f| problem.span.start < f.span.start);
        if earlier {
            *found = Some(problem);
        }
    }
    for child in expr.children() {
        collect(child, found);
    }
}

/// The first problem in source order, if any.
pub(crate) fn within_subset(expr: &Expr) -> Result<(), Unevaluable> {
    let mut found = None;
    collect(expr, &mut found);
    match found {
        Some(problem) => Err(problem),
        None => Ok(()),
    }
}

/// The reason an unsupported node cannot be evaluated (for the evaluator's own fallbacks).
pub(crate) fn unsupported(expr: &Expr) -> Unevaluable {
    problem(expr).unwrap_or_else(|| outside(expr.span, "this construct"))
}

/// Compiles a pattern with bounded size (a pattern too large or outside the `regex` crate's
/// syntax, such as look-around or back-references, is an error).
pub(super) fn compile_regex(pattern: &str) -> std::result::Result<Regex, String> {
    RegexBuilder::new(pattern)
        .size_limit(1 << 20)
        .dfa_size_limit(1 << 20)
        .nest_limit(64)
        .build()
        .map_err(|e| {
            let detail = e.to_string();
            let last = detail.lines().last().unwrap_or("").trim().to_string();
            format!("regular expression not supported: {last}")
        })
}
