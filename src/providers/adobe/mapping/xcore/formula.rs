//! Ranking formulas on the wire: a formula's `xdm:returnType` (written lower-case, read back
//! upper-cased by the DPS API, `integer` when absent) and a criterion's
//! `xdm:rank.xdm:order = {xdm:orderEvaluationType: scoringFunction, xdm:function: <id>}`.

use serde_json::{Value, json};

use super::reverse::reference;
use super::{ExtraProblem, Namer};
use crate::manifest::Extra;
use crate::providers::adobe::kind::Kind;
use crate::providers::adobe::manifest::{RankingFormula, ReturnType, Spanned};

/// The `xdm:orderEvaluationType` of an order by a ranking formula (XDM `ranking-details`).
pub const SCORING_FUNCTION: &str = "scoringFunction";

/// The return type a formula's document states: its `returnType`, else the default `integer`,
/// unless `extra` sets the type itself (a type no field can express, kept verbatim).
pub fn written_return_type(formula: &RankingFormula) -> Option<ReturnType> {
    if let Some(kind) = &formula.return_type {
        return Some(kind.value);
    }
    let extra = &formula.meta.extra;
    let set_by_extra =
        extra.contains_key("xdm:returnType") || extra.contains_key("/xdm:returnType/xdm:type");
    (!set_by_extra).then_some(ReturnType::Integer)
}

/// The manifest's return type for a live `xdm:returnType/xdm:type`, in any case; `None` for a
/// type the language has no name for.
pub fn return_type_of(value: &Value) -> Option<ReturnType> {
    match value.as_str()?.to_ascii_lowercase().as_str() {
        "integer" => Some(ReturnType::Integer),
        "double" => Some(ReturnType::Double),
        _ => None,
    }
}

/// A criterion's order by the ranking formula `function` (its `@id`).
pub fn scoring_order(function: String) -> Value {
    json!({"xdm:orderEvaluationType": SCORING_FUNCTION, "xdm:function": function})
}

/// The formula a live criterion's `xdm:order` names, when the order says exactly that (its type
/// and a function, nothing else).
pub fn scoring_function(namer: &dyn Namer, order: &Value) -> Option<Spanned<String>> {
    let order = order.as_object().filter(|o| o.len() == 2)?;
    let kind = order.get("xdm:orderEvaluationType")?.as_str()?;
    (kind == SCORING_FUNCTION).then_some(())?;
    reference(namer, Kind::RankingFormula, order.get("xdm:function")?)
}

/// Whether an order (in the diff's normal form) holds nothing offerctl models: only a type, and
/// not the one of a ranking formula (a ranking strategy whose other members nobody manages, or
/// `static`).
pub fn is_foreign_order(value: &Value) -> bool {
    let Some(order) = value.as_object() else {
        return false;
    };
    order.len() == 1
        && order
            .get("xdm:orderEvaluationType")
            .is_some_and(|kind| kind.as_str() != Some(SCORING_FUNCTION))
}

/// `extra` keys of criterion `index` that set what its fields already set (the modelled
/// criterion), such as `/xdm:rank/xdm:order` beside `rankingFormula`.
pub fn criterion_problems(
    extra: &Extra,
    modelled: &Value,
    index: usize,
    problems: &mut Vec<ExtraProblem>,
) {
    for (key, value) in extra {
        let pointer = if key.starts_with('/') {
            key.clone()
        } else {
            format!("/{}", key.replace('~', "~0").replace('/', "~1"))
        };
        if modelled.pointer(&pointer).is_none() {
            continue;
        }
        let field = criterion_field(&pointer, modelled);
        problems.push(ExtraProblem {
            loc: value.loc,
            message: format!(
                "`extra` of criteria[{index}] sets `{key}`, which the field `{field}` already sets"
            ),
            label: "set by a field too".into(),
            help: format!("remove `{key}` from `extra` and use `{field}`, or remove `{field}`"),
        });
    }
}

/// The criterion field that writes a pointer into the (modelled) criterion.
fn criterion_field(pointer: &str, modelled: &Value) -> &'static str {
    match pointer {
        p if p.starts_with("/xdm:rank/xdm:order") => "rankingFormula",
        p if p.starts_with("/xdm:rank/xdm:priority") => "priority",
        "/xdm:rank" if modelled.pointer("/xdm:rank/xdm:priority").is_none() => "rankingFormula",
        "/xdm:rank" => "priority",
        p if p.starts_with("/xdm:placements") => "placements",
        p if p.starts_with("/xdm:optionSelection") => "filter",
        p if p.starts_with("/xdm:profileConstraint") => "rule",
        _ => "criteria",
    }
}
