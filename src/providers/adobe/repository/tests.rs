//! Tests of the engine through its public operations: durability, patches, isolation,
//! references, timestamps, and property tests that no input panics.

use serde_json::{Value, json};

use super::*;
use crate::providers::adobe::kind::Kind;

fn me() -> Actor {
    Actor::new("me", "key")
}

/// A tag named `name` created in `container` of `prod`, by [`me`].
fn tag(repo: &Repository, container: &str, name: &str) -> Envelope {
    let tag = json!({ "xdm:name": name });
    repo.create("prod", container, &Kind::Tag.schema_id(), tag, &me())
        .expect("create")
}

fn patch_ops(ops: Value) -> Vec<json_patch::PatchOperation> {
    serde_json::from_value(ops).expect("patch operations")
}

#[test]
fn durable_state_survives_reopen() {
    let dir = tempfile::tempdir().expect("tempdir");
    let c = container_id("prod");
    let tag = {
        let repo = Repository::open(dir.path()).expect("opens");
        let tag = tag(&repo, &c, "a");
        let ops = patch_ops(json!([
            {"op": "replace", "path": "/_instance/xdm:name", "value": "b"}
        ]));
        repo.patch("prod", &c, &tag.instance_id, &ops, None, &me())
            .expect("patch")
    };
    let repo = Repository::open(dir.path()).expect("reopens");
    let again = repo.get("prod", &c, &tag.instance_id).expect("get");
    assert_eq!(again, tag);
    assert_eq!(again.etag, 2);
}

#[test]
fn a_patch_whose_undo_would_fail_is_refused_without_panicking() {
    let repo = Repository::open_in_memory();
    let c = container_id("prod");
    let tag = tag(&repo, &c, "a");
    let ops = patch_ops(json!([
        {"op": "move", "from": "/_instance/@id", "path": "/_instance"},
        {"op": "test", "path": "/_instance", "value": "not this"}
    ]));
    // The library's own atomic `patch` cannot undo the first operation and panics.
    let mut doc = json!({"_instance": {"@id": "x"}});
    let library_ops = ops.clone();
    let library = std::panic::catch_unwind(move || json_patch::patch(&mut doc, &library_ops));
    assert!(
        library.is_err(),
        "json_patch::patch no longer panics here; the comment in patch() can go"
    );
    let result = repo.patch("prod", &c, &tag.instance_id, &ops, None, &me());
    assert!(
        matches!(result, Err(RepoError::PatchFailed { index: 1, .. })),
        "{result:?}"
    );
    assert_eq!(repo.get("prod", &c, &tag.instance_id).expect("get"), tag);
}

#[test]
fn wrong_container_and_sandbox_isolation() {
    let repo = Repository::open_in_memory();
    let prod = container_id("prod");
    let tag = tag(&repo, &prod, "a");
    assert!(matches!(
        repo.get("dev", &prod, &tag.instance_id),
        Err(RepoError::ContainerNotFound(_))
    ));
    assert!(matches!(
        repo.get("dev", &container_id("dev"), &tag.instance_id),
        Err(RepoError::NotFound(_))
    ));
}

#[test]
fn criteria_references_are_checked_and_protect_their_targets() {
    let repo = Repository::open_in_memory();
    let c = container_id("prod");
    let create = |kind: Kind, instance: Value| {
        repo.create_as(
            "prod",
            &c,
            &kind.schema_id(),
            instance,
            &me(),
            IdScheme::Dps,
        )
        .expect("create")
    };
    let web = "https://ns.adobe.com/xdm/channel-types/web";
    let html = "https://ns.adobe.com/experience/offer-management/content-component-html";
    let placement = |name: &str| {
        create(
            Kind::Placement,
            json!({"xdm:name": name, "xdm:channel": web, "xdm:componentType": html}),
        )
    };
    let (p1, p2) = (placement("p1"), placement("p2"));
    assert!(p1.uri().starts_with("dps:offer-placement:"));
    let rule = create(
        Kind::Rule,
        json!({"xdm:name": "r", "xdm:condition":
            {"xdm:type": "PQL", "xdm:format": "pql/text", "xdm:value": "true"}}),
    );
    let filter = create(
        Kind::Filter,
        json!({"xdm:name": "f", "xdm:filterType": "anyTags", "ids": []}),
    );
    let fallback = create(
        Kind::FallbackOffer,
        json!({"xdm:name": "fb", "xdm:status": "approved", "xdm:representations": [
            {"xdm:placement": p1.uri(), "xdm:components": []}]}),
    );
    let activity = |placements: Vec<&str>| {
        json!({"xdm:name": "a", "xdm:status": "live", "xdm:fallback": fallback.uri(),
            "xdm:criteria": [{"xdm:placements": placements,
                "xdm:optionSelection": {"xdm:filter": filter.uri()},
                "xdm:profileConstraint": {"xdm:profileConstraintType": "eligibilityRule",
                                          "xdm:eligibilityRule": rule.uri()}}]})
    };
    // The fallback must cover every placement of every criterion.
    let uncovered = repo.create(
        "prod",
        &c,
        &Kind::Activity.schema_id(),
        activity(vec![p1.uri(), p2.uri()]),
        &me(),
    );
    match uncovered {
        Err(RepoError::Invalid(v)) => {
            assert_eq!(v.len(), 1, "{v:?}");
            assert_eq!(v[0].property, "/_instance/xdm:fallback");
            assert!(v[0].message.contains(p2.uri()), "{v:?}");
        }
        other => panic!("expected a violation, got {other:?}"),
    }
    let dangling = repo.create(
        "prod",
        &c,
        &Kind::Activity.schema_id(),
        activity(vec!["xcore:offer-placement:0000000000000000"]),
        &me(),
    );
    assert!(
        matches!(&dangling, Err(RepoError::Invalid(v)) if v[0].property == "/_instance/xdm:criteria/0/xdm:placements/0"),
        "{dangling:?}"
    );
    let decision = create(Kind::Activity, activity(vec![p1.uri()]));
    for target in [&p1, &filter, &rule] {
        let refused = repo
            .delete_unreferenced("prod", &c, &target.instance_id, None, &me())
            .expect("no engine error");
        let referrers = refused.expect_err("still referenced");
        assert!(
            referrers.iter().any(|r| r.id == decision.uri()),
            "{referrers:?}"
        );
    }
    assert!(matches!(
        repo.delete("prod", &c, &p1.instance_id, None, &me()),
        Ok(DeleteOutcome::Accepted(_))
    ));
    repo.delete_unreferenced("prod", &c, &decision.instance_id, None, &me())
        .expect("no engine error")
        .expect("unreferenced");
    repo.delete_unreferenced("prod", &c, &rule.instance_id, None, &me())
        .expect("no engine error")
        .expect("no longer referenced");
    assert_eq!(
        repo.get_by_uri("prod", &c, p2.uri())
            .expect("found")
            .instance_id,
        p2.instance_id
    );
}

#[test]
fn ranking_formulas_are_checked_unique_and_protected_while_a_criterion_uses_them() {
    let repo = Repository::open_in_memory();
    let c = container_id("prod");
    let schema = Kind::RankingFormula.schema_id();
    let formula = |name: &str, value: &str, kind: &str| {
        json!({"xdm:name": name, "xdm:returnType": {"xdm:type": kind}, "exdFunction": false,
               "xdm:expression": {"xdm:type": "PQL", "xdm:format": "pql/text", "xdm:value": value}})
    };
    let create =
        |kind: Kind, instance: Value| repo.create("prod", &c, &kind.schema_id(), instance, &me());
    let boost = create(
        Kind::RankingFormula,
        formula("boost", "offer.rank.priority * 2", "integer"),
    )
    .expect("valid");
    assert!(boost.uri().starts_with("xcore:ranking-function:"));
    // Upper case is how the DPS API reads types back: accepted as well.
    create(Kind::RankingFormula, formula("other", "1", "DOUBLE")).expect("valid");
    let invalid = |instance: Value| match repo.create("prod", &c, &schema, instance, &me()) {
        Err(RepoError::Invalid(v)) => v.into_iter().map(|v| v.property).collect::<Vec<_>>(),
        other => panic!("expected violations, got {other:?}"),
    };
    assert_eq!(
        invalid(formula("empty", "  ", "integer")),
        ["/_instance/xdm:expression/xdm:value"]
    );
    assert_eq!(
        invalid(formula("text", "1", "string")),
        ["/_instance/xdm:returnType/xdm:type"]
    );
    assert_eq!(
        invalid(json!({"xdm:name": "none"})),
        ["/_instance/xdm:expression"]
    );
    assert!(matches!(
        create(Kind::RankingFormula, formula("boost", "2", "integer")),
        Err(RepoError::Duplicate { .. })
    ));

    let web = "https://ns.adobe.com/xdm/channel-types/web";
    let html = "https://ns.adobe.com/experience/offer-management/content-component-html";
    let placement = create(
        Kind::Placement,
        json!({"xdm:name": "p", "xdm:channel": web, "xdm:componentType": html}),
    )
    .expect("valid");
    let filter = create(
        Kind::Filter,
        json!({"xdm:name": "f", "xdm:filterType": "anyTags", "ids": []}),
    )
    .expect("valid");
    let fallback = create(
        Kind::FallbackOffer,
        json!({"xdm:name": "fb", "xdm:status": "approved", "xdm:representations": [
            {"xdm:placement": placement.uri(), "xdm:components": []}]}),
    )
    .expect("valid");
    let activity = |order: Value| {
        json!({"xdm:name": "a", "xdm:status": "live", "xdm:fallback": fallback.uri(),
            "xdm:criteria": [{"xdm:placements": [placement.uri()],
                "xdm:optionSelection": {"xdm:filter": filter.uri()},
                "xdm:rank": {"xdm:order": order}}]})
    };
    let scoring =
        |id: &str| json!({"xdm:orderEvaluationType": "scoringFunction", "xdm:function": id});
    let refused = |order: Value| match create(Kind::Activity, activity(order)) {
        Err(RepoError::Invalid(v)) => v[0].clone(),
        other => panic!("expected a violation, got {other:?}"),
    };
    let at = "/_instance/xdm:criteria/0/xdm:rank/xdm:order/xdm:function";
    let wrong_kind = refused(scoring(filter.uri()));
    assert_eq!(wrong_kind.property, at);
    assert!(
        wrong_kind.message.contains("ranking formula"),
        "{wrong_kind:?}"
    );
    assert_eq!(
        refused(scoring("xcore:ranking-function:0000000000000000")).property,
        at
    );
    assert_eq!(
        refused(json!({"xdm:orderEvaluationType": "scoringFunction"})).property,
        at
    );
    let decision = create(Kind::Activity, activity(scoring(boost.uri()))).expect("valid");
    let referrers = repo
        .delete_unreferenced("prod", &c, &boost.instance_id, None, &me())
        .expect("no engine error")
        .expect_err("still used by the decision");
    assert_eq!(referrers[0].id, decision.uri());
}

#[test]
fn modified_timestamps_are_unique_and_increasing() {
    let repo = Repository::open_in_memory();
    let c = container_id("prod");
    let mut last = String::new();
    for i in 0..200 {
        let tag = repo
            .create(
                "prod",
                &c,
                &Kind::Tag.schema_id(),
                json!({"xdm:name": format!("t{i}")}),
                &me(),
            )
            .expect("create");
        assert!(
            tag.last_modified_date > last,
            "{} after {last}",
            tag.last_modified_date
        );
        last = tag.last_modified_date;
    }
}

mod no_panics {
    use proptest::prelude::*;
    use serde_json::{Value, json};

    use super::super::*;
    use crate::providers::adobe::kind::Kind;

    const KEYS: &[&str] = &[
        "xdm:name",
        "xdm:status",
        "xdm:representations",
        "xdm:placement",
        "xdm:rank",
        "xdm:priority",
        "xdm:tags",
        "ids",
        "@id",
    ];
    const PATHS: &[&str] = &[
        "/_instance",
        "/_instance/xdm:name",
        "/_instance/xdm:tags/-",
        "/_instance/@id",
        "/_links/x",
    ];

    /// One of `names`, each as likely.
    fn known(names: &'static [&'static str]) -> impl Strategy<Value = String> {
        prop::sample::select(names).prop_map(str::to_string)
    }

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            (-1e6f64..1e6).prop_map(Value::from),
            "[a-z:@/ -]{0,12}".prop_map(Value::from),
            Just(json!("xcore:offer-placement:0000000000000000")),
            Just(json!("2020-01-01T00:00:00Z")),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            // Each known key as likely as an arbitrary one.
            let keys = prop_oneof![
                KEYS.len() as u32 => known(KEYS),
                1 => "[a-z:]{1,6}",
            ];
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::vec((keys, inner), 0..5)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect())),
            ]
        })
    }

    fn patch_op() -> impl Strategy<Value = Value> {
        let path = || {
            prop_oneof![
                PATHS.len() as u32 => known(PATHS),
                1 => "/[a-z_:/0-9~-]{0,16}",
            ]
        };
        let op = prop::sample::select(&["add", "remove", "replace", "test", "move", "copy"][..]);
        (op, path(), path(), json_value()).prop_map(
            |(op, path, from, value)| json!({"op": op, "path": path, "from": from, "value": value}),
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]

        #[test]
        fn writes_of_arbitrary_json_never_panic(
            kind in 0usize..Kind::ALL.len(),
            instance in json_value(),
            ops in prop::collection::vec(patch_op(), 0..4),
        ) {
            let repo = Repository::open_in_memory();
            let c = container_id("prod");
            let me = Actor::new("me", "key");
            let schema = Kind::ALL[kind].schema_id();
            let _ = repo.create("prod", &c, &schema, instance.clone(), &me);
            let tag = repo
                .create("prod", &c, &Kind::Tag.schema_id(), json!({"xdm:name": "t"}), &me)
                .expect("a valid tag");
            let _ = repo.put("prod", &c, &tag.instance_id, &schema, instance, None, &me);
            let ops = serde_json::from_value::<Vec<json_patch::PatchOperation>>(Value::Array(ops));
            if let Ok(ops) = ops {
                let condition = IfMatch::OneOf(vec![1, 2]);
                let _ = repo.patch("prod", &c, &tag.instance_id, &ops, Some(&condition), &me);
            }
            let after = repo.get("prod", &c, &tag.instance_id).expect("still there");
            prop_assert!(after.uri().starts_with("xcore:tag:"));
        }

        #[test]
        fn arbitrary_query_parameters_never_panic(
            params in prop::collection::vec(
                (
                    prop_oneof![
                        Just("orderby"), Just("start"), Just("limit"), Just("property"),
                        Just("id"), Just("name"), Just("q"), Just("field"), Just("qop")
                    ],
                    "\\PC{0,16}",
                ),
                0..6,
            ),
        ) {
            let params: Vec<(String, String)> =
                params.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
            let repo = Repository::open_in_memory();
            let c = container_id("prod");
            let me = Actor::new("me", "key");
            for name in ["a", "b,c", "\\N"] {
                repo.create("prod", &c, &Kind::Tag.schema_id(), json!({"xdm:name": name}), &me)
                    .expect("a valid tag");
            }
            if let Ok(mut query) = ListQuery::from_params(&params) {
                query.schema = Some(Kind::Tag.schema_id());
                let _ = repo.list("prod", &c, &query);
                let _ = repo.search("prod", &c, &query);
            }
        }
    }
}
