//! The core's diff under Adobe's rules: minimal patches on `_instance` documents.

use serde_json::{Value, json};

use crate::diff::{
    Op, Rules, diff as diff_with, equivalent as equivalent_with, unaccounted as unaccounted_with,
};
use crate::providers::adobe::kind::Kind;
use crate::providers::adobe::mapping::xcore::diff_rules;

fn rules(kind: Kind) -> Rules {
    diff_rules(kind)
}

fn diff(kind: Kind, live: &Value, desired: &Value) -> Vec<Op> {
    diff_with(&rules(kind), live, desired)
}

fn equivalent(kind: Kind, live: &Value, desired: &Value) -> bool {
    equivalent_with(&rules(kind), live, desired)
}

fn unaccounted(kind: Kind, live: &Value, desired: &Value) -> Vec<String> {
    unaccounted_with(&rules(kind), live, desired)
}

fn apply(live: &Value, ops: &[Op]) -> Value {
    let mut doc = json!({ "_instance": live });
    let patch: json_patch::Patch =
        serde_json::from_value(serde_json::to_value(ops).unwrap()).unwrap();
    json_patch::patch(&mut doc, &patch).unwrap_or_else(|e| panic!("{e}: {ops:#?}"));
    doc["_instance"].take()
}

fn offer() -> Value {
    json!({
        "@id": "xcore:personalized-offer:124e181c8b0d7878",
        "xdm:name": "ABC Bank Credit Card",
        "xdm:status": "draft",
        "xdm:tags": ["xcore:tag:1", "xcore:tag:2"],
        "xdm:selectionConstraint": {"xdm:startDate": "2026-01-01T00:00:00Z", "xdm:eligibilityRule": "xcore:eligibility-rule:9"},
        "xdm:rank": {"xdm:priority": 1},
        "xdm:representations": [
            {"xdm:placement": "xcore:offer-placement:a", "xdm:components": [{"@type": "html", "dc:language": ["en", "fr"]}]},
            {"xdm:placement": "xcore:offer-placement:b", "xdm:components": [{"@type": "text"}]}
        ],
        "offerui:previewThumbnail": "https://example.com/thumb.png"
    })
}

#[test]
fn one_field_change_is_one_replace() {
    let live = offer();
    let mut desired = live.clone();
    desired["xdm:status"] = json!("approved");
    let ops = diff(Kind::Offer, &live, &desired);
    assert_eq!(
        ops,
        [Op::Replace {
            path: "/_instance/xdm:status".into(),
            value: json!("approved")
        }]
    );
    desired["xdm:rank"]["xdm:priority"] = json!(7);
    let ops = diff(Kind::Offer, &live, &desired);
    assert_eq!(
        ops[1],
        Op::Replace {
            path: "/_instance/xdm:rank/xdm:priority".into(),
            value: json!(7)
        }
    );
}

#[test]
fn adding_a_tag_is_one_append_and_order_of_sets_is_ignored() {
    let live = offer();
    let mut desired = live.clone();
    desired["xdm:tags"] = json!(["xcore:tag:2", "xcore:tag:1", "xcore:tag:3"]);
    assert_eq!(
        diff(Kind::Offer, &live, &desired),
        [Op::Add {
            path: "/_instance/xdm:tags/-".into(),
            value: json!("xcore:tag:3")
        }]
    );
    desired["xdm:tags"] = json!(["xcore:tag:2", "xcore:tag:1"]);
    assert!(diff(Kind::Offer, &live, &desired).is_empty());
}

#[test]
fn absent_equals_empty_and_unmanaged_properties_are_left_alone() {
    let mut live = offer();
    live["xdm:characteristics"] = json!({});
    let mut desired = offer();
    desired.as_object_mut().unwrap().remove("@id");
    desired
        .as_object_mut()
        .unwrap()
        .remove("offerui:previewThumbnail");
    assert!(diff(Kind::Offer, &live, &desired).is_empty());
    assert!(equivalent(Kind::Offer, &live, &desired));
}

#[test]
fn representations_match_by_placement_not_position() {
    let live = offer();
    let mut desired = live.clone();
    let reps = desired["xdm:representations"].as_array_mut().unwrap();
    reps.reverse();
    reps[0]["xdm:components"][0]["@type"] = json!("json");
    let ops = diff(Kind::Offer, &live, &desired);
    assert_eq!(
        ops,
        [Op::Replace {
            path: "/_instance/xdm:representations/1/xdm:components/0/@type".into(),
            value: json!("json")
        }]
    );
}

#[test]
fn selection_constraint_is_emptied_member_by_member_never_removed_whole() {
    let live = offer();
    let mut desired = live.clone();
    desired
        .as_object_mut()
        .unwrap()
        .remove("xdm:selectionConstraint");
    let ops = diff(Kind::Offer, &live, &desired);
    assert_eq!(
        ops,
        [
            Op::Remove {
                path: "/_instance/xdm:selectionConstraint/xdm:startDate".into()
            },
            Op::Remove {
                path: "/_instance/xdm:selectionConstraint/xdm:eligibilityRule".into()
            }
        ]
    );
    assert!(equivalent(Kind::Offer, &apply(&live, &ops), &desired));
}

#[test]
fn missing_parents_are_created_with_the_value() {
    let mut live = offer();
    live.as_object_mut().unwrap().remove("xdm:tags");
    live.as_object_mut().unwrap().remove("xdm:rank");
    let mut desired = offer();
    desired["xdm:cappingConstraint"] = json!({"xdm:globalCap": 5});
    let ops = diff(Kind::Offer, &live, &desired);
    assert_eq!(ops.len(), 3, "{ops:#?}");
    assert!(ops.iter().all(|op| matches!(op, Op::Add { .. })));
    assert!(equivalent(Kind::Offer, &apply(&live, &ops), &desired));
}

#[test]
fn unmanaged_members_inside_managed_properties_are_kept() {
    let mut live = offer();
    live["xdm:representations"][0]["xdm:components"][0]["offerui:previewThumbnail"] =
        json!("t.png");
    live["xdm:selectionConstraint"]["xdm:profileConstraintType"] = json!("none");
    let mut desired = offer();
    assert!(diff(Kind::Offer, &live, &desired).is_empty());
    desired
        .as_object_mut()
        .unwrap()
        .remove("xdm:selectionConstraint");
    desired["xdm:representations"][0]["xdm:components"][0]["dc:format"] = json!("text/html");
    let patched = apply(&live, &diff(Kind::Offer, &live, &desired));
    assert_eq!(
        patched["xdm:representations"][0]["xdm:components"][0]["offerui:previewThumbnail"],
        "t.png"
    );
    assert_eq!(
        patched["xdm:selectionConstraint"],
        json!({"xdm:profileConstraintType": "none"})
    );
    assert!(equivalent(Kind::Offer, &patched, &desired));
}

#[test]
fn properties_the_desired_document_sets_are_managed_and_null_removes_them() {
    let mut live = offer();
    live["xdm:representations"][0]["xdm:components"][0]["offerui:previewThumbnail"] =
        json!("old.png");
    live["offerui:segmentModel"] = json!({"a": 1});
    // Without them in the desired document, nothing is touched.
    let mut desired = live.clone();
    desired
        .as_object_mut()
        .unwrap()
        .remove("offerui:previewThumbnail");
    desired
        .as_object_mut()
        .unwrap()
        .remove("offerui:segmentModel");
    desired["xdm:representations"][0]["xdm:components"][0]
        .as_object_mut()
        .unwrap()
        .remove("offerui:previewThumbnail");
    assert!(diff(Kind::Offer, &live, &desired).is_empty());
    assert_eq!(
        unaccounted(Kind::Offer, &live, &desired),
        [
            "/_instance/xdm:representations/0/xdm:components/0/offerui:previewThumbnail",
            "/_instance/offerui:previewThumbnail",
            "/_instance/offerui:segmentModel"
        ]
    );
    // Set: compared and patched; null: removed.
    desired["xdm:representations"][0]["xdm:components"][0]["offerui:previewThumbnail"] =
        json!("new.png");
    desired["offerui:segmentModel"] = Value::Null;
    let ops = diff(Kind::Offer, &live, &desired);
    assert_eq!(
        ops,
        [
            Op::Replace {
                path: "/_instance/xdm:representations/0/xdm:components/0/offerui:previewThumbnail"
                    .into(),
                value: json!("new.png")
            },
            Op::Remove {
                path: "/_instance/offerui:segmentModel".into()
            }
        ]
    );
    let patched = apply(&live, &ops);
    assert!(equivalent(Kind::Offer, &patched, &desired));
    assert_eq!(
        patched["offerui:previewThumbnail"],
        live["offerui:previewThumbnail"]
    );
    // A member of a modelled container set by the desired document.
    let mut desired = live.clone();
    desired["xdm:selectionConstraint"]["xdm:profileConstraintType"] = json!("none");
    assert_eq!(
        diff(Kind::Offer, &live, &desired),
        [Op::Add {
            path: "/_instance/xdm:selectionConstraint/xdm:profileConstraintType".into(),
            value: json!("none")
        }]
    );
}

#[test]
fn keys_with_slashes_and_tildes_are_escaped() {
    let live = json!({"xdm:name": "x", "xdm:status": "draft", "xdm:characteristics": {"a/b": "1", "c~d": "2"}});
    let desired = json!({"xdm:name": "x", "xdm:status": "draft", "xdm:characteristics": {"a/b": "3", "c~d": "2"}});
    let ops = diff(Kind::Offer, &live, &desired);
    assert_eq!(
        ops,
        [Op::Replace {
            path: "/_instance/xdm:characteristics/a~1b".into(),
            value: json!("3")
        }]
    );
    assert_eq!(apply(&live, &ops), desired);
}
