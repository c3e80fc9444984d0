use proptest::prelude::*;
use serde_json::{Map, Value, json};

use super::super::tests::{canonical, json_value};
use super::super::{METADATA, from_dps_owned, to_dps};
use super::{Canonical, MAX_DEPTH, read_document};
use crate::backend::LiveDocument;
use crate::live::compact;
use crate::providers::adobe::kind::Kind;

const ASKED: &[&str] = &["id", "etag", "name", "schemas", "modified"];

/// `text` (a DPS document of `kind`) read as a list reads each item, on its own: its canonical
/// text and the `members` asked for; `Ok(None)` when declined; an error when it is not JSON
/// that serde_json reads as a `Value`.
fn from_dps_text(
    kind: Kind,
    text: &str,
    members: &[&str],
) -> serde_json::Result<Option<Canonical>> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let read = read_document(kind, members, &mut deserializer)?;
    deserializer.end()?;
    Ok(read)
}

/// What a list made of `text` before it was read directly: parsed as a `Value`, mapped, and
/// written back as text (`None` when the mapping refuses it).
fn by_value(kind: Kind, text: &str) -> Option<(String, Vec<Option<Value>>)> {
    let value = compact::from_slice(text.as_bytes()).expect("JSON");
    let members = ASKED.iter().map(|k| value.get(*k).cloned()).collect();
    let mapped = from_dps_owned(kind, value).ok()?;
    let text = LiveDocument::new(&mapped).text()?.to_string();
    Some((text, members))
}

/// `text` read directly is what the `Value` mapping makes of it, or declined; returns whether
/// it was read directly.
fn agrees(kind: Kind, text: &str) -> Result<bool, TestCaseError> {
    let direct = from_dps_text(kind, text, ASKED)
        .map_err(|e| TestCaseError::fail(format!("{e} in {text}")))?;
    let Some(direct) = direct else {
        return Ok(false);
    };
    let expected = by_value(kind, text);
    prop_assert!(
        expected.is_some(),
        "read directly, refused as a value: {text}"
    );
    let (expected_text, expected_members) = expected.unwrap_or_default();
    prop_assert_eq!(&direct.text, &expected_text, "from {}", text);
    prop_assert_eq!(direct.members, expected_members);
    // The text is one serde_json reads back.
    prop_assert!(serde_json::from_str::<Value>(&direct.text).is_ok());
    Ok(true)
}

fn kind_at(at: usize) -> Kind {
    Kind::ALL[at % Kind::ALL.len()]
}

/// Member names the mapping treats in some way, of both spellings, and a few others.
const NAMES: &[&str] = &[
    "id",
    "@id",
    "name",
    "xdm:name",
    "description",
    "status",
    "etag",
    "modified",
    "schemas",
    "_links",
    "representations",
    "components",
    "type",
    "format",
    "language",
    "content",
    "placement",
    "placements",
    "criteria",
    "xdm:criteria",
    "optionSelection",
    "filter",
    "xdm:placement",
    "selectionConstraint",
    "eligibilityRule",
    "profileConstraintType",
    "profileConstraint",
    "rank",
    "priority",
    "order",
    "filterType",
    "ids",
    "xdm:ids",
    "componentType",
    "condition",
    "value",
    "returnType",
    "expression",
    "labels",
    "a~/",
];

/// Texts the mapping translates, and others.
const TEXTS: &[&str] = &[
    "html",
    "text",
    "component-text",
    "content-component-json",
    "imagelink",
    "anyTags",
    "all-tags",
    "any-tags",
    "offers",
    "none",
    "eligibilityRule",
    "x\"y\\z",
    "caf\u{e9}",
];

/// JSON documents made of [`NAMES`] and [`TEXTS`], nested a few levels.
fn shaped() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        1 => Just(Value::Null),
        1 => any::<bool>().prop_map(Value::from),
        1 => any::<i64>().prop_map(Value::from),
        1 => any::<f64>().prop_map(Value::from),
        6 => prop::sample::select(TEXTS).prop_map(Value::from),
    ];
    let nested = leaf.clone().prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(NAMES), inner), 0..6).prop_map(|kv| {
                Value::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
            }),
        ]
    });
    let member = prop_oneof![leaf, nested];
    prop::collection::vec((prop::sample::select(NAMES), member), 0..8)
        .prop_map(|kv| Value::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect()))
}

/// `doc` with server metadata mixed in at `positions`.
fn with_metadata(doc: Value, positions: &[(usize, usize)]) -> Value {
    let Value::Object(members) = doc else {
        return doc;
    };
    let mut members: Vec<(String, Value)> = members.into_iter().collect();
    for &(at, which) in positions {
        let key = METADATA[which % METADATA.len()];
        let value = match key {
            "etag" => json!(7),
            "schemas" => json!(["https://ns.adobe.com/experience/offer-management/tag"]),
            "_links" => json!({"self": {"href": "/x"}}),
            _ => json!("2026-12-07T00:00:00Z"),
        };
        members.insert(at % (members.len() + 1), (key.to_string(), value));
    }
    Value::Object(members.into_iter().collect::<Map<_, _>>())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// What offerctl writes comes back read directly, never declined, as the `Value` mapping
    /// reads it.
    #[test]
    fn documents_written_by_offerctl_are_read_directly(
        (kind, doc) in canonical(),
        positions in prop::collection::vec((0usize..12, 0usize..14), 0..5),
        pretty in any::<bool>(),
    ) {
        let dps = to_dps(kind, &doc).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let dps = with_metadata(dps, &positions);
        let text = if pretty {
            serde_json::to_string_pretty(&dps)
        } else {
            serde_json::to_string(&dps)
        }.expect("writes");
        prop_assert!(agrees(kind, &text)?, "declined: {}", text);
    }

    /// Any document read directly reads as the `Value` mapping reads it; one declined is one the
    /// `Value` mapping refuses (these have no repeated names).
    #[test]
    fn any_document_is_read_as_the_value_mapping_reads_it(doc in shaped()) {
        let text = serde_json::to_string(&doc).expect("writes");
        for kind in Kind::ALL {
            if !agrees(kind, &text)? {
                prop_assert!(
                    by_value(kind, &text).is_none(),
                    "declined, mapped as a value: {}", text
                );
            }
        }
    }

    #[test]
    fn arbitrary_json_is_read_or_declined(at in 0usize.., doc in json_value()) {
        agrees(kind_at(at), &serde_json::to_string(&doc).expect("writes"))?;
    }
}

#[test]
fn repeated_names_are_declined_and_left_to_the_value_mapping() {
    for text in [
        r#"{"id": "a", "name": "x", "name": "y"}"#,
        r#"{"id": "a", "labels": {"k": 1, "k": 2}}"#,
        r#"{"id": "a", "representations": [{"placement": "p", "placement": "q"}]}"#,
    ] {
        assert_eq!(
            from_dps_text(Kind::Offer, text, ASKED).unwrap(),
            None,
            "{text}"
        );
    }
    // The last of a repeated metadata member is the one kept, as a `Value` keeps it.
    let read = from_dps_text(Kind::Tag, r#"{"etag": 1, "id": "a", "etag": 2}"#, ASKED)
        .unwrap()
        .unwrap();
    assert_eq!(read.text, r#"{"@id":"a"}"#);
    assert_eq!(read.members[1], Some(json!(2)));
}

#[test]
fn numbers_escapes_and_layout_are_written_as_a_value_writes_them() {
    let text = "{ \"name\" : \"caf\\u00e9 \\\"q\\\" \\/\",\n  \"id\": \"dps:tag:1\", \"n\": 1.5e3,\
        \"big\": 18446744073709551615, \"neg\": -0.0, \"small\": 1E-7, \"x\": [ ], \"y\": { },\
        \"k\\u0065y\\n\": \"tab\\there\" }";
    assert!(agrees(Kind::Tag, text).unwrap());
    let read = from_dps_text(Kind::Tag, text, ASKED).unwrap().unwrap();
    assert_eq!(
        read.text,
        r#"{"@id":"dps:tag:1","xdm:name":"café \"q\" /","n":1500.0,"big":18446744073709551615,"neg":-0.0,"small":1e-7,"x":[],"y":{},"key\n":"tab\there"}"#
    );
}

#[test]
fn a_document_the_mapping_refuses_is_declined() {
    for (kind, text) in [
        (Kind::Tag, r#"{"id": "a", "xdm:name": "x"}"#),
        (Kind::Tag, r#"{"id": "a", "@id": "b"}"#),
        (Kind::Activity, r#"{"id": "a", "xdm:placement": "p"}"#),
        (Kind::Filter, r#"{"id": "a", "xdm:ids": []}"#),
        (Kind::Offer, r#"{"id": "a", "rank": {"xdm:priority": 1}}"#),
        (Kind::Tag, r#"["not", "an", "object"]"#),
    ] {
        assert_eq!(from_dps_text(kind, text, ASKED).unwrap(), None, "{text}");
        assert!(by_value(kind, text).is_none(), "{text}");
    }
}

#[test]
fn too_deep_is_declined_and_unreadable_is_an_error() {
    let deep = |levels: usize| {
        format!(
            r#"{{"id": "a", "v": {}1{}}}"#,
            "[".repeat(levels),
            "]".repeat(levels)
        )
    };
    // The top level counts as one.
    assert!(agrees(Kind::Tag, &deep(MAX_DEPTH - 1)).unwrap());
    assert_eq!(
        from_dps_text(Kind::Tag, &deep(MAX_DEPTH), ASKED).unwrap(),
        None
    );
    // Declined, it is still read to its end: deeper than a parser reads, an error.
    assert!(from_dps_text(Kind::Tag, &deep(300), ASKED).is_err());
    // A criterion read as a value counts too.
    let criteria = format!(
        r#"{{"id": "a", "criteria": [{{"placements": ["p"], "x": {}1{}}}]}}"#,
        "[".repeat(MAX_DEPTH),
        "]".repeat(MAX_DEPTH)
    );
    assert_eq!(
        from_dps_text(Kind::Activity, &criteria, ASKED).unwrap(),
        None
    );
    for bad in [
        r#"{"id": "a", "n": 1e400}"#,
        r#"{"id": "a""#,
        r#"{"id": "a"} x"#,
    ] {
        assert!(from_dps_text(Kind::Tag, bad, ASKED).is_err(), "{bad}");
    }
}

#[test]
fn offers_and_decisions_are_rewritten_as_the_value_mapping_rewrites_them() {
    let offer = r#"{"id": "o", "name": "n", "representations": [{"placement": "p", "components": [{"type": "component-text", "content": "hi"}, {"type": "video"}]}],
        "selectionConstraint": {"profileConstraintType": "eligibilityRule", "eligibilityRule": "r"}, "rank": {"priority": 2}, "etag": 3}"#;
    assert!(agrees(Kind::Offer, offer).unwrap());
    let read = from_dps_text(Kind::Offer, offer, ASKED).unwrap().unwrap();
    assert!(read.text.contains(
        r#""@type":"https://ns.adobe.com/experience/offer-management/content-component-text""#
    ));
    assert!(
        !read.text.contains("profileConstraintType"),
        "{}",
        read.text
    );
    let flat = r#"{"id": "d", "criteria": [{"placements": ["p"], "optionSelection": {"filter": "f"}, "profileConstraint": {"profileConstraintType": "none"}}], "status": "live"}"#;
    assert!(agrees(Kind::Activity, flat).unwrap());
    let read = from_dps_text(Kind::Activity, flat, ASKED).unwrap().unwrap();
    assert_eq!(
        read.text,
        r#"{"@id":"d","xdm:placement":"p","xdm:filter":"f","xdm:status":"live"}"#
    );
    let ranked = r#"{"id": "d", "criteria": [{"placements": ["p"], "optionSelection": {"filter": "f"}, "rank": {"order": {"orderEvaluationType": "static"}}}]}"#;
    assert!(agrees(Kind::Activity, ranked).unwrap());
    let filter = r#"{"id": "c", "filterType": "any-tags", "ids": ["t"]}"#;
    assert!(agrees(Kind::Filter, filter).unwrap());
}
