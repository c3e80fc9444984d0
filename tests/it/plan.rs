//! Matching manifests to live objects, and the problems that stop a plan before any call.

use offerctl::backend::Backend;
use offerctl::check::check;
use offerctl::diagnostic::render;
use offerctl::live;
use offerctl::plan::{self, PlanOptions};
use offerctl::providers::adobe::clients::embedded::Embedded;
use offerctl::providers::adobe::kind::Kind;
use offerctl::source::{SourceFile, SourceSet};
use serde_json::json;

async fn plan_text(backend: &Embedded, manifests: &str) -> Result<plan::Plan, String> {
    let mut sources = SourceSet::new();
    sources.add(SourceFile::new("m.yaml", manifests));
    let checked = check(&sources, offerctl::providers::builtin());
    assert_eq!(checked.errors(), 0, "{:?}", checked.diagnostics);
    let live = live::read(backend, &offerctl::providers::adobe::kind::core_kinds())
        .await
        .unwrap();
    plan::build(
        &checked.catalog,
        &checked.graph,
        &live,
        offerctl::providers::builtin(),
        "r",
        "h",
        PlanOptions::default(),
    )
    .map_err(|diagnostics| render(&diagnostics, &sources, false))
}

async fn create(backend: &Embedded, kind: Kind, instance: serde_json::Value) -> String {
    backend.create(kind.core(), &instance).await.unwrap().id
}

#[tokio::test]
async fn two_live_objects_with_one_name_are_an_error_naming_both_ids() {
    let backend = Embedded::in_memory("prod");
    let a = create(
        &backend,
        Kind::Offer,
        json!({"xdm:name": "Twin", "xdm:status": "draft"}),
    )
    .await;
    let b = create(
        &backend,
        Kind::Offer,
        json!({"xdm:name": "Twin", "xdm:status": "draft"}),
    )
    .await;
    let error = plan_text(&backend, "kind: Offer\nname: Twin\n")
        .await
        .unwrap_err();
    assert!(
        error.contains("Offer/Twin matches 2 live objects with that name"),
        "{error}"
    );
    assert!(error.contains(&a) && error.contains(&b), "{error}");
    assert!(
        error.contains("[m.yaml:2:7]"),
        "located at the name: {error}"
    );
    // Pinning one resolves it, and the other stays unmanaged.
    let pinned = plan_text(&backend, &format!("kind: Offer\nname: Twin\nid: {a}\n"))
        .await
        .unwrap();
    assert!(!pinned.summary.has_changes());
    assert_eq!(pinned.unmanaged.len(), 1);
    assert_eq!(pinned.unmanaged[0].id, b);
}

#[tokio::test]
async fn pinned_ids_and_literal_references_must_exist() {
    let backend = Embedded::in_memory("prod");
    let tag = create(&backend, Kind::Tag, json!({"xdm:name": "kept"})).await;
    let error = plan_text(
        &backend,
        "kind: Tag\nname: other\nid: xcore:tag:0000000000000000\n",
    )
    .await
    .unwrap_err();
    assert!(
        error.contains("Tag/other is pinned to `xcore:tag:0000000000000000`, which does not exist"),
        "{error}"
    );
    let error = plan_text(
        &backend,
        "kind: Offer\nname: o\ntags: [xcore:tag:1111111111111111]\n",
    )
    .await
    .unwrap_err();
    assert!(
        error.contains(
            "`tags` names xcore:tag:1111111111111111, which does not exist in the repository"
        ),
        "{error}"
    );
    // An existing literal id is fine, and a rename of a pinned object is a patch.
    let plan = plan_text(
        &backend,
        &format!("kind: Offer\nname: o\ntags: [{tag}]\n---\nkind: Tag\nname: renamed\nid: {tag}\n"),
    )
    .await
    .unwrap();
    assert_eq!((plan.summary.create, plan.summary.update), (1, 1));
    let rename = plan
        .changes
        .iter()
        .find(|c| c.kind == Kind::Tag.core())
        .unwrap();
    assert_eq!(
        serde_json::to_value(&rename.ops).unwrap(),
        json!([{"op": "replace", "path": "/_instance/xdm:name", "value": "renamed"}])
    );
}

#[tokio::test]
async fn ignore_changes_keeps_fields_edited_outside_git() {
    let backend = Embedded::in_memory("prod");
    create(
        &backend,
        Kind::Offer,
        json!({"xdm:name": "O", "xdm:status": "archived", "xdm:rank": {"xdm:priority": 9}}),
    )
    .await;
    let without = plan_text(
        &backend,
        "kind: Offer\nname: O\nstatus: approved\npriority: 1\n",
    )
    .await
    .unwrap();
    assert_eq!(without.summary.update, 1);
    assert_eq!(without.changes[0].ops.len(), 2);
    let ignoring = plan_text(
        &backend,
        "kind: Offer\nname: O\nstatus: approved\npriority: 1\nignoreChanges: [status]\n",
    )
    .await
    .unwrap();
    assert_eq!(
        serde_json::to_value(&ignoring.changes[0].ops).unwrap(),
        json!([{"op": "replace", "path": "/_instance/xdm:rank/xdm:priority", "value": 1}])
    );
    let both = plan_text(
        &backend,
        "kind: Offer\nname: O\nstatus: approved\npriority: 1\nignoreChanges: [status, priority]\n",
    )
    .await
    .unwrap();
    assert!(!both.summary.has_changes());
}
