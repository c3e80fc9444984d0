//! Manifest fields ↔ wire pointers under `_instance`: what `ignoreChanges` may name, and the
//! labels plans show for patch paths.

use serde_json::{Map, Value, json};

use crate::providers::adobe::kind::Kind;

/// Manifest fields of a kind that `ignoreChanges` may name, with the wire pointer (under
/// `_instance`) each one maps to.
const FIELD_POINTERS: &[(Kind, &str, &str)] = &[
    (Kind::Tag, "name", "/xdm:name"),
    (Kind::Tag, "description", "/xdm:description"),
    (Kind::Placement, "name", "/xdm:name"),
    (Kind::Placement, "channel", "/xdm:channel"),
    (Kind::Placement, "componentType", "/xdm:componentType"),
    (Kind::Placement, "contentTypes", "/xdm:contentTypes"),
    (Kind::Placement, "description", "/xdm:description"),
    (Kind::Rule, "name", "/xdm:name"),
    (Kind::Rule, "description", "/xdm:description"),
    (Kind::Rule, "condition", "/xdm:condition"),
    (Kind::Offer, "name", "/xdm:name"),
    (Kind::Offer, "description", "/xdm:description"),
    (Kind::Offer, "status", "/xdm:status"),
    (
        Kind::Offer,
        "startDate",
        "/xdm:selectionConstraint/xdm:startDate",
    ),
    (
        Kind::Offer,
        "endDate",
        "/xdm:selectionConstraint/xdm:endDate",
    ),
    (
        Kind::Offer,
        "rule",
        "/xdm:selectionConstraint/xdm:eligibilityRule",
    ),
    (Kind::Offer, "priority", "/xdm:rank/xdm:priority"),
    (Kind::Offer, "cap", "/xdm:cappingConstraint"),
    (Kind::Offer, "tags", "/xdm:tags"),
    (Kind::Offer, "characteristics", "/xdm:characteristics"),
    (Kind::Offer, "representations", "/xdm:representations"),
    (Kind::FallbackOffer, "name", "/xdm:name"),
    (Kind::FallbackOffer, "description", "/xdm:description"),
    (Kind::FallbackOffer, "status", "/xdm:status"),
    (Kind::FallbackOffer, "tags", "/xdm:tags"),
    (
        Kind::FallbackOffer,
        "characteristics",
        "/xdm:characteristics",
    ),
    (
        Kind::FallbackOffer,
        "representations",
        "/xdm:representations",
    ),
    (Kind::Filter, "name", "/xdm:name"),
    (Kind::Filter, "description", "/xdm:description"),
    (Kind::Filter, "match", "/xdm:filterType"),
    (Kind::Filter, "offers", "/ids"),
    (Kind::Filter, "tags", "/ids"),
    (Kind::RankingFormula, "name", "/xdm:name"),
    (Kind::RankingFormula, "description", "/xdm:description"),
    (Kind::RankingFormula, "formula", "/xdm:expression"),
    (Kind::RankingFormula, "returnType", "/xdm:returnType"),
    (Kind::Activity, "name", "/xdm:name"),
    (Kind::Activity, "description", "/xdm:description"),
    (Kind::Activity, "status", "/xdm:status"),
    (Kind::Activity, "startDate", "/xdm:startDate"),
    (Kind::Activity, "endDate", "/xdm:endDate"),
    (Kind::Activity, "placement", "/xdm:placement"),
    (Kind::Activity, "filter", "/xdm:filter"),
    (Kind::Activity, "criteria", "/xdm:criteria"),
    (Kind::Activity, "fallback", "/xdm:fallback"),
];

/// The fields `ignoreChanges` accepts for a kind.
pub fn ignorable_fields(kind: Kind) -> Vec<&'static str> {
    FIELD_POINTERS
        .iter()
        .filter(|(k, _, _)| *k == kind)
        .map(|(_, f, _)| *f)
        .collect()
}

/// The `_instance` pointer of a manifest field (`priority` → `/xdm:rank/xdm:priority`).
pub fn field_pointer(kind: Kind, field: &str) -> Option<&'static str> {
    FIELD_POINTERS
        .iter()
        .find(|(k, f, _)| *k == kind && *f == field)
        .map(|(_, _, p)| *p)
}

/// A readable label for a wire pointer under `_instance`, in manifest terms where one exists:
/// `/xdm:rank/xdm:priority` → `priority`, `/xdm:representations/0/xdm:components/1/xdm:content`
/// → `representations[0].components[1].content`.
pub fn field_label(kind: Kind, pointer: &str) -> String {
    let pointer = pointer.strip_prefix("/_instance").unwrap_or(pointer);
    // The one member a formula's field writes in its container is the field.
    let pointer = match (kind, pointer) {
        (Kind::RankingFormula, "/xdm:expression/xdm:value") => "/xdm:expression",
        (Kind::RankingFormula, "/xdm:returnType/xdm:type") => "/xdm:returnType",
        _ => pointer,
    };
    // A filter's `ids` holds offers or tags, depending on `match`: keep the wire name there.
    if let Some((_, field, _)) = FIELD_POINTERS
        .iter()
        .find(|(k, _, p)| *k == kind && *p == pointer && *p != "/ids")
    {
        return (*field).to_string();
    }
    let mut label = String::new();
    for token in pointer.split('/').skip(1) {
        let token = token.replace("~1", "/").replace("~0", "~");
        if token == "-" || token.parse::<usize>().is_ok() {
            label.push_str(&format!("[{token}]"));
            continue;
        }
        let name = match token.strip_prefix("xdm:").unwrap_or(&token) {
            // Containers with no manifest counterpart: their members are top-level fields.
            "selectionConstraint" | "rank" | "optionSelection" | "profileConstraint" => continue,
            "eligibilityRule" => "rule",
            "function" => "rankingFormula",
            "cappingConstraint" => "cap",
            "globalCap" => "global",
            "profileCap" => "profile",
            "filterType" => "match",
            "@type" => "type",
            "dc:format" => "format",
            "dc:language" => "language",
            "repo:resolveURL" => "resolveURL",
            "repo:id" => "repoId",
            "repo:name" => "repoName",
            other => other,
        }
        .to_string();
        if !label.is_empty() {
            label.push('.');
        }
        label.push_str(&name);
    }
    label
}

/// Both spellings of one simple activity criterion (the flat `xdm:placement` + `xdm:filter`,
/// and `xdm:criteria` with one criterion of one placement and a filter) are valid and mean the
/// same. `desired` is rewritten into the spelling `live` has, so that a plan does not rewrite an
/// unchanged object from one into the other; anything else is left as it is. (Values that
/// only differ in spelling, such as a return type read back upper-cased, are the diff's:
/// see the types in [`super::diff_rules`].)
pub fn match_spelling(kind: Kind, live: &Value, desired: &mut Value) {
    let (Kind::Activity, Some(live), Some(wanted)) =
        (kind, live.as_object(), desired.as_object_mut())
    else {
        return;
    };
    let flat = |map: &Map<String, Value>| {
        let placement = map.get("xdm:placement")?.clone();
        let filter = map.get("xdm:filter")?.clone();
        (!map.contains_key("xdm:criteria")).then_some((placement, filter))
    };
    let simple_criterion = |map: &Map<String, Value>| {
        if map.contains_key("xdm:placement") || map.contains_key("xdm:filter") {
            return None;
        }
        let [criterion] = map.get("xdm:criteria")?.as_array()?.as_slice() else {
            return None;
        };
        let criterion = criterion.as_object().filter(|c| c.len() == 2)?;
        let [placement] = criterion.get("xdm:placements")?.as_array()?.as_slice() else {
            return None;
        };
        let selection = criterion.get("xdm:optionSelection")?.as_object()?;
        let filter = selection
            .get("xdm:filter")
            .filter(|_| selection.len() == 1)?;
        Some((placement.clone(), filter.clone()))
    };
    if let (Some((placement, filter)), Some(_)) = (flat(wanted), simple_criterion(live)) {
        wanted.shift_remove("xdm:placement");
        wanted.shift_remove("xdm:filter");
        let criteria = json!([{"xdm:placements": [placement],
            "xdm:optionSelection": {"xdm:filter": filter}}]);
        wanted.insert("xdm:criteria".into(), criteria);
    } else if let (Some((placement, filter)), Some(_)) = (simple_criterion(wanted), flat(live)) {
        wanted.shift_remove("xdm:criteria");
        wanted.insert("xdm:placement".into(), placement);
        wanted.insert("xdm:filter".into(), filter);
    }
}
