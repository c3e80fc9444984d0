//! Snapshots of the three plan renderings (text, markdown, JSON) for creates, an update with a
//! long-text change and an added tag, and deletes (one still referenced).

use offerctl::check::check;
use offerctl::live;
use offerctl::plan::{self, Plan, PlanOptions, render};
use offerctl::providers::adobe::clients::embedded::Embedded;
use offerctl::providers::adobe::kind::Kind;
use offerctl::source::{SourceFile, SourceSet};

use crate::apply::{apply_all, plan_for};
use crate::{read, root};

fn redacted(run: impl FnOnce()) {
    insta::with_settings!({filters => vec![
        (r"xcore:[a-z-]+:[0-9a-f]{16}", "[id]"),
        (r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "[instance]"),
        // The manifests hash covers file paths, which depend on where the repository is checked out.
        (r"manifests sha256 `[0-9a-f]{12}`", "manifests sha256 `[hash]`"),
        (r#""manifests_hash": "[0-9a-f]{64}""#, r#""manifests_hash": "[hash]""#),
    ]}, { run() });
}

/// offers.d with some edits, as if a pull request changed it.
fn edited_sources() -> SourceSet {
    let mut sources = SourceSet::new();
    for (_, file) in read(&root().join("offers.d")).iter() {
        let text = file
            .text
            .replace(
                "name: ABC Platinum Card\nstatus: draft",
                "name: ABC Platinum Card\nstatus: approved",
            )
            .replace(
                "tags: [credit card]\nrepresentations:",
                "tags: [credit card, travel]\nrepresentations:",
            )
            .replace(
                "<p>No annual fee, 2% back on every flight.</p>",
                "<p>No annual fee, 3% back on every flight.</p>\n          <p>Terms apply.</p>",
            );
        sources.add(SourceFile::new(file.path.clone(), text));
    }
    sources
}

async fn plan_from(sources: &SourceSet, backend: &Embedded, options: PlanOptions) -> Plan {
    let checked = check(sources, offerctl::providers::builtin());
    assert_eq!(checked.errors(), 0, "{:?}", checked.diagnostics);
    let live = live::read(backend, &offerctl::providers::adobe::kind::core_kinds())
        .await
        .unwrap();
    plan::build(
        &checked.catalog,
        &checked.graph,
        &live,
        offerctl::providers::builtin(),
        &backend_name(),
        &plan::hash_sources(sources, &root().join("offers.d")),
        options,
    )
    .unwrap()
}

fn backend_name() -> String {
    "embedded in-memory repository (sandbox prod)".to_string()
}

#[tokio::test]
async fn create_plan_renderings() {
    let backend = Embedded::in_memory("prod");
    let plan = plan_for(
        &root().join("examples/minimal"),
        &backend,
        PlanOptions::default(),
    )
    .await;
    redacted(|| {
        insta::assert_snapshot!(
            "create_text",
            render::text(&plan, offerctl::providers::builtin(), false)
        );
        insta::assert_snapshot!(
            "create_markdown",
            render::markdown(&plan, offerctl::providers::builtin())
        );
        insta::assert_snapshot!("create_json", render::json(&plan));
    });
}

#[tokio::test]
async fn update_and_delete_plan_renderings() {
    let backend = Embedded::in_memory("prod");
    let first = plan_for(&root().join("offers.d"), &backend, PlanOptions::default()).await;
    apply_all(&first, &backend, 8).await;
    let sources = edited_sources();
    let plan = plan_from(&sources, &backend, PlanOptions::default()).await;
    assert_eq!(plan.summary.update, 2);
    redacted(|| {
        insta::assert_snapshot!(
            "update_text",
            render::text(&plan, offerctl::providers::builtin(), false)
        );
        insta::assert_snapshot!(
            "update_markdown",
            render::markdown(&plan, offerctl::providers::builtin())
        );
    });

    // Drop the rules and the flight-upgrade offer from the manifests, and prune rules only:
    // the unmanaged offer still uses its rule, so that delete is flagged.
    let mut pruning = SourceSet::new();
    for (_, file) in sources.iter() {
        if !file.path.ends_with("rules.yaml") {
            let text = file
                .text
                .replace("rule: Good credit standing\n", "")
                .replace("rule: Newsletter subscriber\n", "");
            let text = if file.path.ends_with("flight-upgrades.yaml") {
                text.split("---\n").nth(1).unwrap().to_string()
            } else {
                text
            };
            pruning.add(SourceFile::new(file.path.clone(), text));
        }
    }
    let checked = check(&pruning, offerctl::providers::builtin());
    let errors: Vec<_> = checked
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.message.clone())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    let plan = plan_from(
        &pruning,
        &backend,
        PlanOptions {
            prune: true,
            prune_kinds: vec![Kind::Rule.core()],
            deactivate: false,
        },
    )
    .await;
    assert_eq!(plan.summary.delete, 3);
    redacted(|| {
        insta::assert_snapshot!(
            "delete_text",
            render::text(&plan, offerctl::providers::builtin(), false)
        );
        insta::assert_snapshot!(
            "delete_markdown",
            render::markdown(&plan, offerctl::providers::builtin())
        );
    });
}

#[test]
fn markdown_stays_under_the_comment_limit() {
    // A plan with thousands of creates must still fit in a pull-request comment.
    let mut text = String::new();
    for i in 0..3000 {
        text.push_str(&format!(
            "kind: Tag\nname: tag number {i} with a long enough name to take room\n---\n"
        ));
    }
    let mut sources = SourceSet::new();
    sources.add(SourceFile::new("many.yaml", text));
    let checked = check(&sources, offerctl::providers::builtin());
    let plan = plan::build(
        &checked.catalog,
        &checked.graph,
        &Default::default(),
        offerctl::providers::builtin(),
        "r",
        "h",
        PlanOptions::default(),
    )
    .unwrap();
    let markdown = render::markdown(&plan, offerctl::providers::builtin());
    assert!(
        markdown.len() <= render::MARKDOWN_LIMIT,
        "{}",
        markdown.len()
    );
    assert!(markdown.contains("more not shown"));
    assert!(markdown.contains("Plan: 3000 to create, 0 to update, 0 to delete."));
}
