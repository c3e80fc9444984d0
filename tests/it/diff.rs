//! Property: applying diff(live, desired) to live yields desired (in normal form), the result
//! diffs as empty, and properties offerctl does not manage (neither modelled nor set by the
//! desired document) survive untouched.

use offerctl::diff::{Op, Rules};
use offerctl::providers::adobe::kind::Kind;
use offerctl::providers::adobe::mapping::xcore::diff_rules;

fn diff(kind: Kind, live: &Value, desired: &Value) -> Vec<Op> {
    offerctl::diff::diff(&rules(kind), live, desired)
}

fn equivalent(kind: Kind, live: &Value, desired: &Value) -> bool {
    offerctl::diff::equivalent(&rules(kind), live, desired)
}

fn normalize(kind: Kind, value: &Value) -> Value {
    offerctl::diff::normalize(&rules(kind), value)
}

fn rules(kind: Kind) -> Rules {
    diff_rules(kind)
}
use proptest::prelude::*;
use serde_json::{Map, Value, json};

fn apply(live: &Value, ops: &[Op]) -> Value {
    let mut doc = json!({ "_instance": live });
    let patch: json_patch::Patch =
        serde_json::from_value(serde_json::to_value(ops).unwrap()).unwrap();
    json_patch::patch(&mut doc, &patch).unwrap_or_else(|e| panic!("{e}: {ops:#?}\nlive: {live:#}"));
    doc["_instance"].take()
}

fn pick(options: &'static [&'static str]) -> impl Strategy<Value = Value> {
    prop::sample::select(options).prop_map(|s| json!(s))
}

fn maybe(strategy: impl Strategy<Value = Value>) -> impl Strategy<Value = Option<Value>> {
    prop::option::of(strategy)
}

fn component() -> impl Strategy<Value = Value> {
    (
        pick(&["html", "text", "json"]),
        maybe(prop::collection::vec(pick(&["en", "fr", "de"]), 0..3).prop_map(Value::from)),
        maybe(pick(&["<p>a</p>", "<p>b</p>", ""])),
        maybe(pick(&["thumb.png"])),
    )
        .prop_map(|(kind, language, content, thumbnail)| {
            let mut c = Map::new();
            c.insert("@type".into(), kind);
            language.map(|l| c.insert("dc:language".into(), l));
            content.map(|v| c.insert("xdm:content".into(), v));
            thumbnail.map(|v| c.insert("offerui:previewThumbnail".into(), v));
            Value::Object(c)
        })
}

fn representations() -> impl Strategy<Value = Value> {
    prop::collection::btree_map(
        prop::sample::select(&["p:a", "p:b", "p:c", "p:d"][..]),
        prop::collection::vec(component(), 0..3),
        0..4,
    )
    .prop_map(|reps| {
        Value::Array(
            reps.into_iter()
                .map(|(placement, components)| json!({"xdm:placement": placement, "xdm:components": components}))
                .collect(),
        )
    })
}

/// Offer-shaped documents, including the awkward cases: missing parents, empty containers,
/// duplicates in sets, unmanaged properties at several depths.
fn offer() -> impl Strategy<Value = Value> {
    (
        pick(&["A", "B"]),
        maybe(pick(&["draft", "approved", "archived"])),
        maybe(
            prop::collection::vec(pick(&["t:1", "t:2", "t:3", "t:4"]), 0..5).prop_map(Value::from),
        ),
        maybe(
            (
                maybe(pick(&["2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z"])),
                maybe(pick(&["r:1", "r:2"])),
                maybe(pick(&["none"])),
            )
                .prop_map(|(start, rule, other)| {
                    let mut c = Map::new();
                    start.map(|v| c.insert("xdm:startDate".into(), v));
                    rule.map(|v| c.insert("xdm:eligibilityRule".into(), v));
                    other.map(|v| c.insert("xdm:profileConstraintType".into(), v));
                    Value::Object(c)
                }),
        ),
        maybe((0..3i64).prop_map(|p| json!({"xdm:priority": p}))),
        maybe(representations()),
        maybe(
            prop::collection::btree_map(
                pick(&["a", "b/c", "d~e"]).prop_map(|k| k.as_str().unwrap().to_string()),
                pick(&["1", "2"]),
                0..3,
            )
            .prop_map(|m| json!(m)),
        ),
        maybe(pick(&["https://example.com/thumb.png"])),
    )
        .prop_map(
            |(name, status, tags, constraint, rank, reps, characteristics, thumbnail)| {
                let mut o = Map::new();
                o.insert("@id".into(), json!("xcore:personalized-offer:1"));
                o.insert("xdm:name".into(), name);
                status.map(|v| o.insert("xdm:status".into(), v));
                tags.map(|v| o.insert("xdm:tags".into(), v));
                constraint.map(|v| o.insert("xdm:selectionConstraint".into(), v));
                rank.map(|v| o.insert("xdm:rank".into(), v));
                reps.map(|v| o.insert("xdm:representations".into(), v));
                characteristics.map(|v| o.insert("xdm:characteristics".into(), v));
                thumbnail.map(|v| o.insert("offerui:previewThumbnail".into(), v));
                Value::Object(o)
            },
        )
}

/// Any JSON at all under the managed keys: type changes, nested arrays, nulls.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        (-3i64..3).prop_map(Value::from),
        "[a-c/~]{0,3}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map("[a-c/~]{1,2}", inner, 0..4).prop_map(|m| json!(m)),
        ]
    })
}

fn any_offer_keys() -> impl Strategy<Value = Value> {
    prop::collection::btree_map(
        prop::sample::select(
            &[
                "xdm:name",
                "xdm:tags",
                "xdm:representations",
                "xdm:selectionConstraint",
                "xdm:characteristics",
                "x:unmanaged",
            ][..],
        ),
        any_json(),
        0..5,
    )
    .prop_map(|m| json!(m))
}

fn check(live: &Value, desired: &Value) {
    let ops = diff(Kind::Offer, live, desired);
    let patched = apply(live, &ops);
    assert!(
        equivalent(Kind::Offer, &patched, desired),
        "ops {ops:#?}\nlive {live:#}\npatched {patched:#}\ndesired {desired:#}\nnormal patched {:#}\nnormal desired {:#}",
        normalize(Kind::Offer, &patched),
        normalize(Kind::Offer, desired)
    );
    assert!(diff(Kind::Offer, &patched, desired).is_empty());
    // Unmodelled properties are managed only where the desired document sets them (a
    // manifest's `extra`); elsewhere they are left exactly as they were. `@id` never changes.
    for key in ["@id", "offerui:previewThumbnail", "x:unmanaged"] {
        if key == "@id" || desired.get(key).is_none() {
            assert_eq!(patched.get(key), live.get(key), "unmanaged `{key}` changed");
        }
    }
    assert!(ops.iter().all(|op| op.path().starts_with("/_instance/")));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn patch_of_diff_yields_desired_for_offers(live in offer(), desired in offer()) {
        check(&live, &desired);
    }

    #[test]
    fn patch_of_diff_yields_desired_for_any_json(live in any_offer_keys(), desired in any_offer_keys()) {
        check(&live, &desired);
    }

    #[test]
    fn equal_documents_need_no_ops(doc in offer()) {
        prop_assert!(diff(Kind::Offer, &doc, &doc).is_empty());
    }
}
