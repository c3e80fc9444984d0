//! Issue 16, point 2: applying a plan never loses what offerctl does not model. For random live
//! objects that carry unmodelled properties at every depth (the object, the selection
//! constraint and rank, each representation and component, each criterion and its rank and
//! option selection) and random desired documents (manifest edits), the plan's patch is applied
//! the way each API applies it:
//!
//! * XCore: the RFC 6902 operations under `/_instance`, as the repository applies them;
//! * DPS: what the DPS client sends (the canonical document as read, patched, both translated,
//!   and the difference of the two DPS documents) applied to the DPS document, then read back.
//!
//! Afterwards every modelled property is as the desired document says (the next diff is
//! empty), and every unmodelled property whose container still exists is exactly as it was.
//! A container "still exists" when the desired document keeps it: a representation with the
//! same placement, a component or criterion at the same position of an array whose length did
//! not change (when elements are added or removed, which live element becomes which is not
//! defined), and always for the object and its single-object containers.
//!
//! `cargo test` runs `OFFERCTL_PROPTEST_CASES` cases per property (default 150, two
//! properties); the long mode is for example `OFFERCTL_PROPTEST_CASES=20000 cargo test --test
//! it unmodelled` (docs/reliability.md).

use offerctl::diff::Op;
use offerctl::providers::adobe::kind::Kind;
use offerctl::providers::adobe::mapping::dps::{from_dps, to_dps, wire_patch};
use offerctl::providers::adobe::mapping::xcore::{diff_rules, match_spelling};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

fn cases() -> u32 {
    std::env::var("OFFERCTL_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(150)
}

fn patch(document: &Value, ops: &Value) -> Value {
    let mut doc = document.clone();
    let patch: json_patch::Patch = serde_json::from_value(ops.clone()).expect("a patch");
    json_patch::patch(&mut doc, &patch).unwrap_or_else(|e| panic!("{e}: {ops:#}\non {document:#}"));
    doc
}

/// XCore: the planned operations applied under `/_instance`.
fn through_xcore(live: &Value, ops: &[Op]) -> Value {
    let wrapped = json!({"_instance": live});
    patch(&wrapped, &serde_json::to_value(ops).unwrap())["_instance"].take()
}

/// DPS: the client's translation of the plan, applied by the server to its document.
fn through_dps(kind: Kind, live: &Value, ops: &[Op]) -> Value {
    let intended = through_xcore(live, ops);
    let before = to_dps(kind, live).expect("live maps to DPS");
    let after = to_dps(kind, &intended).expect("the patched document maps to DPS");
    let wire = serde_json::to_value(wire_patch(&before, &after)).unwrap();
    from_dps(kind, &patch(&before, &wire)).expect("reads back")
}

fn pick(options: &'static [&'static str]) -> impl Strategy<Value = Value> {
    prop::sample::select(options).prop_map(|s| json!(s))
}

fn maybe(strategy: impl Strategy<Value = Value>) -> impl Strategy<Value = Option<Value>> {
    prop::option::of(strategy)
}

fn object(members: Vec<(&str, Option<Value>)>) -> Value {
    let mut out = Map::new();
    for (key, value) in members {
        if let Some(value) = value {
            out.insert(key.to_string(), value);
        }
    }
    Value::Object(out)
}

fn component() -> impl Strategy<Value = Value> {
    (
        pick(&[
            "https://ns.adobe.com/experience/offer-management/content-component-html",
            "https://ns.adobe.com/experience/offer-management/content-component-text",
        ]),
        maybe(pick(&["text/html", "text/plain"])),
        maybe(pick(&["<p>a</p>", "<p>b</p>", "c"])),
        maybe(prop::collection::vec(pick(&["en", "fr"]), 1..3).prop_map(Value::from)),
    )
        .prop_map(|(kind, format, content, language)| {
            object(vec![
                ("@type", Some(kind)),
                ("dc:format", format),
                ("xdm:content", content),
                ("dc:language", language),
            ])
        })
}

fn representations() -> impl Strategy<Value = Value> {
    prop::collection::btree_map(
        prop::sample::select(&["p:a", "p:b", "p:c"][..]),
        prop::collection::vec(component(), 1..4),
        0..3,
    )
    .prop_map(|reps| {
        Value::Array(
            reps.into_iter()
                .map(|(placement, components)| {
                    json!({"xdm:placement": placement, "xdm:components": components})
                })
                .collect(),
        )
    })
}

fn offer() -> impl Strategy<Value = Value> {
    (
        pick(&["A", "B"]),
        pick(&["draft", "approved"]),
        maybe(representations()),
        maybe(
            (
                maybe(pick(&["2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z"])),
                maybe(pick(&["r:1", "r:2"])),
            )
                .prop_map(|(start, rule)| {
                    object(vec![
                        ("xdm:startDate", start),
                        ("xdm:eligibilityRule", rule),
                    ])
                }),
        ),
        maybe((0..3i64).prop_map(|p| json!({"xdm:priority": p}))),
        maybe(prop::collection::vec(pick(&["t:1", "t:2", "t:3"]), 0..3).prop_map(Value::from)),
    )
        .prop_map(|(name, status, reps, selection, rank, tags)| {
            object(vec![
                ("@id", Some(json!("xcore:personalized-offer:1"))),
                ("xdm:name", Some(name)),
                ("xdm:status", Some(status)),
                ("xdm:representations", reps),
                ("xdm:selectionConstraint", selection),
                ("xdm:rank", rank),
                ("xdm:tags", tags),
            ])
        })
}

fn criterion() -> impl Strategy<Value = Value> {
    (
        prop::collection::btree_set(pick(&["p:a", "p:b"]).prop_map(|v| v.to_string()), 1..3),
        pick(&["f:1", "f:2"]),
        maybe((0..3i64).prop_map(|p| json!({"xdm:priority": p}))),
        maybe(pick(&["r:1"]).prop_map(|rule| {
            json!({"xdm:profileConstraintType": "eligibilityRule", "xdm:eligibilityRule": rule})
        })),
    )
        .prop_map(|(placements, filter, rank, constraint)| {
            let placements: Vec<Value> = placements
                .iter()
                .map(|p| serde_json::from_str(p).unwrap())
                .collect();
            object(vec![
                ("xdm:placements", Some(Value::from(placements))),
                ("xdm:optionSelection", Some(json!({"xdm:filter": filter}))),
                ("xdm:rank", rank),
                ("xdm:profileConstraint", constraint),
            ])
        })
}

fn activity() -> impl Strategy<Value = Value> {
    (
        pick(&["A", "B"]),
        pick(&["draft", "live"]),
        prop::collection::vec(criterion(), 1..4),
    )
        .prop_map(|(name, status, criteria)| {
            json!({"@id": "xcore:offer-activity:1", "xdm:name": name, "xdm:status": status,
                "xdm:criteria": criteria, "xdm:fallback": "fb:1"})
        })
}

/// The name prefix of the unmodelled properties. `xdm:`-prefixed, because inside a criterion's
/// rank every member must be (DPS spells them without the prefix).
const MARK: &str = "xdm:u_";

/// Adds unmodelled properties ([`MARK`] keys) where `mask` says, at every depth the document has.
fn with_unmodelled(mut doc: Value, mask: u64) -> Value {
    let mut bit = 0;
    let mut next = |target: &mut Value, at: &str| {
        bit += 1;
        if mask & (1 << (bit % 64)) != 0
            && let Some(map) = target.as_object_mut()
        {
            map.insert(format!("{MARK}{at}"), json!({"xdm:kept": bit}));
        }
    };
    next(&mut doc, "top");
    for key in ["xdm:selectionConstraint", "xdm:rank"] {
        // Also a container that holds nothing but unmodelled members.
        if doc.get(key).is_none() && mask & (1 << 63) != 0 {
            doc[key] = json!({});
        }
        if let Some(container) = doc.get_mut(key) {
            next(container, key);
        }
    }
    for rep in doc["xdm:representations"]
        .as_array_mut()
        .into_iter()
        .flatten()
    {
        next(rep, "rep");
        for component in rep["xdm:components"].as_array_mut().into_iter().flatten() {
            next(component, "component");
        }
    }
    for criterion in doc["xdm:criteria"].as_array_mut().into_iter().flatten() {
        next(criterion, "criterion");
        for key in ["xdm:optionSelection", "xdm:rank"] {
            if let Some(container) = criterion.get_mut(key) {
                next(container, key);
            }
        }
    }
    doc
}

/// Every unmodelled property, by a logical address that survives reordering: representations
/// by placement, components and criteria by position.
fn unmodelled(doc: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let mut collect = |at: String, value: &Value| {
        for (key, member) in value.as_object().into_iter().flatten() {
            if key.starts_with(MARK) {
                out.push((format!("{at}/{key}"), member.clone()));
            }
        }
    };
    collect(String::new(), doc);
    for key in ["xdm:selectionConstraint", "xdm:rank"] {
        if let Some(container) = doc.get(key) {
            collect(format!("/{key}"), container);
        }
    }
    for rep in doc["xdm:representations"].as_array().into_iter().flatten() {
        let at = format!(
            "/rep[{}]",
            rep["xdm:placement"].as_str().unwrap_or_default()
        );
        collect(at.clone(), rep);
        for (i, component) in rep["xdm:components"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            collect(format!("{at}/component[{i}]"), component);
        }
    }
    for (i, criterion) in doc["xdm:criteria"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        collect(format!("/criterion[{i}]"), criterion);
        for key in ["xdm:optionSelection", "xdm:rank"] {
            if let Some(container) = criterion.get(key) {
                collect(format!("/criterion[{i}]/{key}"), container);
            }
        }
    }
    out
}

fn length(value: Option<&Value>) -> usize {
    value.and_then(Value::as_array).map_or(0, Vec::len)
}

/// Whether the desired document keeps the container at `address` (see the module comment).
fn survives(address: &str, live: &Value, desired: &Value) -> bool {
    let rep_of = |doc: &Value, placement: &str| {
        doc["xdm:representations"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|r| r["xdm:placement"].as_str() == Some(placement))
            .cloned()
    };
    if let Some(rest) = address.strip_prefix("/rep[") {
        let placement = &rest[..rest.find(']').unwrap()];
        let Some(wanted) = rep_of(desired, placement) else {
            return false;
        };
        let had = rep_of(live, placement).unwrap_or_default();
        return !rest.contains("/component[")
            || length(had.get("xdm:components")) == length(wanted.get("xdm:components"));
    }
    if address.starts_with("/criterion[") {
        return length(live.get("xdm:criteria")) == length(desired.get("xdm:criteria"));
    }
    true
}

fn check(kind: Kind, live: &Value, desired: &Value) {
    let rules = diff_rules(kind);
    // As a plan does: the desired document in the live document's spelling.
    let mut desired = desired.clone();
    match_spelling(kind, live, &mut desired);
    let desired = &desired;
    let ops = offerctl::diff::diff(&rules, live, desired);
    let expected: Vec<(String, Value)> = unmodelled(live)
        .into_iter()
        .filter(|(address, _)| survives(address, live, desired))
        .collect();
    for (api, after) in [
        ("XCore", through_xcore(live, &ops)),
        ("DPS", through_dps(kind, live, &ops)),
    ] {
        // The next plan reads `after` and compares again, in its spelling.
        let mut desired = desired.clone();
        match_spelling(kind, &after, &mut desired);
        let desired = &desired;
        let remaining = offerctl::diff::diff(&rules, &after, desired);
        assert!(
            remaining.is_empty(),
            "{api}: modelled properties differ after the apply: {remaining:#?}\nops {ops:#?}\nlive {live:#}\nafter {after:#}\ndesired {desired:#}"
        );
        let found = unmodelled(&after);
        for property in &expected {
            assert!(
                found.contains(property),
                "{api}: unmodelled {} was lost or changed\nops {ops:#?}\nlive {live:#}\nafter {after:#}\ndesired {desired:#}",
                property.0
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn offers_keep_every_unmodelled_property(
        live in offer(), mask in any::<u64>(), desired in offer()
    ) {
        check(Kind::Offer, &with_unmodelled(live, mask), &desired);
    }

    #[test]
    fn activities_keep_every_unmodelled_property(
        live in activity(), mask in any::<u64>(), desired in activity()
    ) {
        check(Kind::Activity, &with_unmodelled(live, mask), &desired);
    }
}
