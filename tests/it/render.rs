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
        // The digest covers the ids and the manifests hash.
        (r#""digest": "[0-9a-f]{64}""#, r#""digest": "[digest]""#),
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
            )
            .replace("abc-card-530x220.png", "abc-card-winter-530x220.png");
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

/// The plan of one manifest text against an empty repository.
fn plan_of_text(text: &str) -> Plan {
    let (_, checked) = crate::check_text("plan.yaml", text);
    assert_eq!(checked.errors(), 0, "{:?}", checked.diagnostics);
    plan::build(
        &checked.catalog,
        &checked.graph,
        &Default::default(),
        offerctl::providers::builtin(),
        "r",
        "h",
        PlanOptions::default(),
    )
    .unwrap()
}

/// A plan of `n` tag creates, the first `deletes` of them turned into deletes.
fn many_tags(n: usize, deletes: usize) -> Plan {
    let mut text = String::new();
    for i in 0..n {
        text.push_str(&format!(
            "kind: Tag\nname: tag number {i} with a long enough name to take room\n---\n"
        ));
    }
    let mut plan = plan_of_text(&text);
    for (i, change) in plan.changes.iter_mut().take(deletes).enumerate() {
        change.action = plan::Action::Delete;
        change.before = change.after.take();
        change.live = Some(plan::LiveRef {
            instance_id: format!("i{i}"),
            id: format!("xcore:tag:{i:016x}"),
            etag: "1".into(),
        });
    }
    plan.summary.create -= deletes;
    plan.summary.delete += deletes;
    plan
}

#[test]
fn a_3000_object_plan_is_cut_into_parts_under_the_limit_each_with_the_summary() {
    let providers = offerctl::providers::builtin();
    let plan = many_tags(3000, 1000);
    let parts = render::markdown_parts(&plan, providers);
    assert!(parts.len() > 1, "{} part", parts.len());
    let summary = "Plan: 2000 to create, 0 to update, 1000 to delete.";
    for (i, part) in parts.iter().enumerate() {
        assert!(
            part.len() < render::MARKDOWN_LIMIT,
            "part {}: {}",
            i + 1,
            part.len()
        );
        let marker = render::part_marker(i + 1, parts.len());
        assert!(
            part.starts_with(&format!("{marker}\n## offerctl plan\n\n**{summary}**")),
            "{}",
            &part[..200]
        );
        // The deletions are called out in the summary of every part.
        assert!(part.contains("> **This plan deletes 1000 objects:**"));
        assert!(part.len() > 1000);
    }
    let all = render::markdown(&plan, providers);
    assert_eq!(all, parts.concat());
    // Changes are in the parts, and every delete before any create.
    for i in [0, 999, 1000, 2999] {
        let change = &plan.changes[i];
        let sign = if i < 1000 { "-" } else { "+" };
        let code = format!("<code>{sign} {}</code>", change.address);
        assert!(all.contains(&code), "{code}");
    }
    let last_delete = all.rfind("<code>- Tag/").unwrap();
    let first_create = all.find("<code>+ Tag/").unwrap();
    assert!(last_delete < first_create);
    // The callout is bounded; the rest of the list follows the summary, before any detail.
    assert!(all.contains("more, listed below the summary"));
    let continued = parts[0].find("**Also deleted or switched off:**").unwrap();
    assert!(continued < parts[0].find("<details>").unwrap_or(usize::MAX));
}

#[test]
fn a_small_plan_is_one_part() {
    let providers = offerctl::providers::builtin();
    let parts = render::markdown_parts(&many_tags(3, 1), providers);
    assert_eq!(parts.len(), 1);
    assert!(parts[0].starts_with("<!-- offerctl: part 1 of 1 -->\n## offerctl plan"));
}

#[test]
fn one_section_is_never_longer_than_a_part() {
    // One offer whose email block is longer than a comment.
    let providers = offerctl::providers::builtin();
    let long = "<p>".to_string() + &"all work and no play ".repeat(5000) + "</p>";
    let plan = plan_of_text(&format!(
        "kind: Offer\nname: long\nstatus: approved\npriority: 1\nrepresentations:\n  - placement: Email hero\n    components:\n      - type: html\n        content: '{long}'\n---\nkind: Placement\nname: Email hero\nchannel: email\ncomponentType: html\n"
    ));
    let parts = render::markdown_parts(&plan, providers);
    assert_eq!(parts.len(), 1);
    assert!(parts[0].len() < render::MARKDOWN_LIMIT);
    assert!(parts[0].contains("more characters not shown"));
    assert!(parts[0].trim_end().ends_with("</sub>"));
    assert_eq!(
        parts[0].matches("<details>").count(),
        parts[0].matches("</details>").count()
    );
}

#[test]
fn a_section_with_too_many_thumbnails_keeps_its_summary_closed() {
    let providers = offerctl::providers::builtin();
    let mut text = String::from(
        "kind: Placement\nname: Banner\nchannel: web\ncomponentType: imagelink\n---\nkind: Offer\nname: many\nstatus: approved\npriority: 1\nrepresentations:\n  - placement: Banner\n    components:\n",
    );
    for i in 0..400 {
        text.push_str(&format!(
            "      - type: imagelink\n        format: image/png\n        language: [l{i}]\n        deliveryURL: https://cdn.example.com/a/very/long/path/to/an/image/number/{i}.png\n"
        ));
    }
    let plan = plan_of_text(&text);
    let parts = render::markdown_parts(&plan, providers);
    let offer = parts
        .iter()
        .find(|p| p.contains("Offer/many"))
        .expect("the offer is shown");
    assert!(offer.len() < render::MARKDOWN_LIMIT);
    assert!(offer.contains("Too many images to show here"));
    assert_eq!(
        offer.matches("<summary>").count(),
        offer.matches("</summary>").count()
    );
    assert_eq!(
        offer.matches("<details>").count(),
        offer.matches("</details>").count()
    );
}

#[tokio::test]
async fn environments_render_one_summary_then_a_section_each() {
    let providers = offerctl::providers::builtin();
    let backend = Embedded::in_memory("prod");
    let first = plan_for(&root().join("offers.d"), &backend, PlanOptions::default()).await;
    apply_all(&first, &backend, 8).await;
    let prod = plan_from(&edited_sources(), &backend, PlanOptions::default()).await;
    let dev = plan_for(
        &root().join("examples/minimal"),
        &Embedded::in_memory("dev"),
        PlanOptions::default(),
    )
    .await;
    let envs = [("dev", &dev), ("prod", &prod)];
    let parts = render::markdown_environments(&envs, providers);
    assert_eq!(parts.len(), 1);
    let text = &parts[0];
    let dev_row = format!("| dev | {} | 0 | 0 | 0 |", dev.summary.create);
    assert!(text.contains("| environment | create | update | delete | drift |"));
    assert!(text.contains(&dev_row), "{text}");
    assert!(text.contains("| prod | 0 | 2 | 0 | 0 |"), "{text}");
    let (at_dev, at_prod) = (
        text.find("### Environment `dev`").unwrap(),
        text.find("### Environment `prod`").unwrap(),
    );
    assert!(text.find("| prod |").unwrap() < at_dev && at_dev < at_prod);
    assert!(text[at_prod..].contains("Offer/ABC Bank Credit Card"));
    assert!(!text[at_dev..at_prod].contains("Offer/ABC Bank Credit Card"));
    let html = render::html_environments(&envs, providers);
    assert!(
        html.contains("<h2>Environment dev</h2>") && html.contains("<h2>Environment prod</h2>")
    );
    assert!(html.contains("id=\"offerctl-plan-0\" data-environment=\"dev\""));
    assert!(html.contains("id=\"offerctl-plan-1\" data-environment=\"prod\""));
    assert_eq!(
        render::embedded_plan(&html),
        None,
        "no single plan to apply"
    );
}

#[tokio::test]
async fn the_report_embeds_the_saved_plan_byte_for_byte() {
    let providers = offerctl::providers::builtin();
    let backend = Embedded::in_memory("prod");
    let mut plan = plan_for(&root().join("offers.d"), &backend, PlanOptions::default()).await;
    // Text that could end the data block, or fake an escape.
    plan.repository = "</script><script>alert(1)</script> \\u003c <!-- x".to_string();
    let html = render::html(&plan, providers);
    assert_eq!(html.matches("</script>").count(), 1);
    assert_eq!(render::embedded_plan(&html).unwrap(), render::json(&plan));
}

/// A long one-line value (a component type URI, a delivery URL) stays quoted on its line in a
/// text plan, however long; text of several lines is still a block.
#[test]
fn a_long_one_line_value_stays_on_one_line_and_several_lines_are_a_block() {
    let url = format!(
        "https://cdn.example.com/offers/{}/abc-card.png",
        "winter-campaign-".repeat(6)
    );
    let plan = plan_of_text(&format!(
        "kind: Placement\nname: Kiosk banner\nchannel: web\ncomponentType: imagelink\n---\n\
         kind: FallbackOffer\nname: Default\ndescription: \"first line\\nsecond line\"\n\
         representations:\n  - placement: Kiosk banner\n    components:\n      - type: imagelink\n        deliveryURL: {url}\n"
    ));
    let text = render::text(&plan, offerctl::providers::builtin(), false);
    let component_type =
        "\"https://ns.adobe.com/experience/offer-management/content-component-imagelink\"";
    assert!(
        text.lines()
            .any(|l| l.trim_start().starts_with("+ componentType: ") && l.ends_with(component_type)),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.contains("deliveryURL: ") && l.ends_with(&format!("\"{url}\""))),
        "{text}"
    );
    let blocks: Vec<&str> = text.lines().filter(|l| l.ends_with(": |")).collect();
    assert_eq!(
        blocks.len(),
        1,
        "only the text of two lines is a block: {text}"
    );
    let block = text
        .lines()
        .skip_while(|l| !l.trim_start().starts_with("+ description: |"))
        .take(3)
        .map(str::trim)
        .collect::<Vec<_>>();
    assert_eq!(
        block,
        ["+ description: |", "+     first line", "+     second line"],
        "{text}"
    );
}

/// An update between two long one-line values shows each whole, quoted, one under the other.
#[test]
fn an_update_of_a_long_one_line_value_shows_old_and_new_each_on_one_line() {
    let (old, new) = (
        format!("https://cdn.example.com/{}/old.png", "spring-".repeat(10)),
        format!("https://cdn.example.com/{}/new.png", "summer-".repeat(10)),
    );
    let mut plan = plan_of_text(&format!("kind: Tag\nname: t\ndescription: {new}\n"));
    let change = &mut plan.changes[0];
    let mut before = change.after.clone().unwrap();
    before["xdm:description"] = serde_json::json!(old);
    change.action = plan::Action::Update;
    change.before = Some(before);
    change.live = Some(plan::LiveRef {
        instance_id: "i".into(),
        id: "xcore:tag:0000000000000001".into(),
        etag: "1".into(),
    });
    change.ops = vec![offerctl::diff::Op::Replace {
        path: "/xdm:description".into(),
        value: serde_json::json!(new),
    }];
    plan.summary.create = 0;
    plan.summary.update = 1;
    let text = render::text(&plan, offerctl::providers::builtin(), false);
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .skip_while(|l| !l.starts_with("~ description:"))
        .take(3)
        .collect();
    assert_eq!(
        lines,
        [
            "~ description:".to_string(),
            format!("-     \"{old}\""),
            format!("+     \"{new}\""),
        ],
        "{text}"
    );
}
