//! The diff under declared types: equal meanings are no change, a change is sent in the
//! desired document's spelling, and `respell` gives the live document that spelling.

use serde_json::json;

use super::{Case, Op, Rules, Type, diff, equivalent, nothing_neutral, respell};

fn rules() -> Rules {
    Rules {
        root: "",
        properties: &["start", "count", "kind", "steps", "days"],
        members: |_| None,
        types: &[
            ("start", Type::Instant),
            ("count", Type::Number),
            ("kind", Type::Enum(Case::Insensitive)),
            ("steps/*/index", Type::Number),
            ("steps/*/until", Type::Instant),
            ("days/*", Type::Instant),
        ],
        sets: &["days"],
        keyed: &[("steps", "index")],
        keep_container: &[],
        assigned: &["id"],
        assigned_members: &[],
        neutral: nothing_neutral,
    }
}

#[test]
fn values_equal_in_meaning_are_no_change_and_respell_to_the_desired_spelling() {
    let live = json!({"id": "x", "start": "2026-03-01T05:59:59.000+00:00", "count": "100",
        "kind": "INTEGER", "steps": [{"index": "2", "until": "2026-12-01T00:00:00.000Z"}],
        "days": ["2026-01-02T00:00:00.000Z", "2026-01-01T00:00:00.000Z"]});
    let desired = json!({"start": "2026-03-01T06:59:59+01:00", "count": 100, "kind": "integer",
        "steps": [{"index": 2, "until": "2026-12-01T00:00:00Z"}],
        "days": ["2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"]});
    assert_eq!(diff(&rules(), &live, &desired), []);
    assert!(equivalent(&rules(), &live, &desired));
    let mut expected = desired.clone();
    expected["id"] = json!("x");
    // Set members keep their live order; each takes the desired spelling of its equal.
    expected["days"] = json!(["2026-01-02T00:00:00Z", "2026-01-01T00:00:00Z"]);
    assert_eq!(respell(&rules(), &live, &desired), expected);
}

#[test]
fn a_change_is_one_operation_in_the_desired_spelling_and_keeps_the_live_one_elsewhere() {
    let live = json!({"start": "2026-03-01T05:59:59.000+00:00", "count": "100",
        "steps": [{"index": "2", "until": "2026-12-01T00:00:00.000Z"}]});
    let desired = json!({"start": "2026-03-01T05:59:59.001Z", "count": 100,
        "steps": [{"index": 2, "until": "2026-12-02T00:00:00Z"}]});
    assert_eq!(
        diff(&rules(), &live, &desired),
        [
            Op::Replace {
                path: "/start".into(),
                value: json!("2026-03-01T05:59:59.001Z")
            },
            Op::Replace {
                path: "/steps/0/until".into(),
                value: json!("2026-12-02T00:00:00Z")
            }
        ]
    );
    // What really changed stays as the repository holds it.
    let respelled = respell(&rules(), &live, &desired);
    assert_eq!(respelled["start"], "2026-03-01T05:59:59.000+00:00");
    assert_eq!(respelled["count"], 100);
    assert_eq!(
        respelled["steps"],
        json!([{"index": 2, "until": "2026-12-01T00:00:00.000Z"}])
    );
}

#[test]
fn undeclared_fields_compare_as_written() {
    let rules = Rules {
        types: &[],
        ..rules()
    };
    let live = json!({"start": "2026-03-01T05:59:59.000Z", "count": "100"});
    let desired = json!({"start": "2026-03-01T05:59:59Z", "count": 100});
    assert_eq!(diff(&rules, &live, &desired).len(), 2);
    assert_eq!(respell(&rules, &live, &desired), live);
}
