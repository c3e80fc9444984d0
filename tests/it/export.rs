//! `offerctl export` and `offerctl fmt`: the round trip (export, then plan shows no changes)
//! for every kind and every field, including properties the manifest language does not model,
//! against a catalogue created directly through the emulator's HTTP API.

use std::path::Path;

use assert_cmd::Command;
use offerctl::check::check;
use offerctl::export::{self, Layout, Selection};
use offerctl::live::{self, LiveState};
use offerctl::plan::{self, PlanOptions};
use offerctl::providers::adobe::clients::embedded::Embedded;
use offerctl::providers::adobe::kind::Kind;
use offerctl::providers::serve::ServeArgs;
use offerctl::source::{SourceFile, SourceSet};
use predicates::prelude::*;
use serde_json::{Value, json};

use crate::apply::{apply_all, plan_for};
use crate::common::Emu;
use crate::root;

const HTML: &str = "https://ns.adobe.com/experience/offer-management/content-component-html";
const IMAGELINK: &str =
    "https://ns.adobe.com/experience/offer-management/content-component-imagelink";
const WEB: &str = "https://ns.adobe.com/xdm/channel-types/web";

fn offerctl(state: &Path) -> Command {
    let mut command = Command::cargo_bin("offerctl").unwrap();
    command
        .env_remove("OFFERCTL_DIR")
        .env_remove("OFFERCTL_SANDBOX")
        .arg("--color=never")
        .env("OFFERCTL_STATE_DIR", state);
    command
}

/// Plans `files` (as export returned them) against `live`.
fn plan_files(files: &[export::File], live: &LiveState) -> plan::Plan {
    let mut sources = SourceSet::new();
    for file in files {
        sources.add(SourceFile::new(
            file.path.display().to_string(),
            file.text.as_str(),
        ));
    }
    let checked = check(&sources, offerctl::providers::builtin());
    assert_eq!(checked.errors(), 0, "{:#?}", checked.diagnostics);
    plan::build(
        &checked.catalog,
        &checked.graph,
        live,
        offerctl::providers::builtin(),
        "test",
        "",
        PlanOptions::default(),
    )
    .unwrap()
}

/// A catalogue as the product UI leaves it, created over HTTP: every kind, every field, and
/// properties offerctl does not model (a component's preview thumbnail, a rule's segment model
/// and `xdm:definedOn`, a selection-constraint member, a filter's `xdm:ids`, an activity's
/// `xdm:criteria`, a future property), two offers with the same name, and text that needs
/// quoting or block scalars.
async fn ui_catalogue(emu: &Emu) {
    let create = |kind: Kind, instance: Value| async move {
        let receipt = emu.create(kind, instance).await;
        receipt["@id"].as_str().unwrap().to_string()
    };
    let card = create(Kind::Tag, json!({"xdm:name": "credit card"})).await;
    let promo = create(Kind::Tag, json!({"xdm:name": "promo"})).await;
    let yes = create(Kind::Tag, json!({"xdm:name": "yes"})).await;
    let kiosk = create(
        Kind::Placement,
        json!({"xdm:name": "Kiosk banner", "xdm:channel": WEB, "xdm:componentType": IMAGELINK,
               "xdm:contentTypes": ["image/png", "image/jpeg"],
               "xdm:description": "Generic placeholder for offers in the Kiosk application. \nTechnical constraints: max width 530dpi, min width 480 dpi, aspect ratio 12:5. \nNo magenta, please!\n"}),
    )
    .await;
    let email = create(
        Kind::Placement,
        json!({"xdm:name": "Email hero", "xdm:channel": "https://ns.adobe.com/xdm/channels/email",
               "xdm:componentType": HTML}),
    )
    .await;
    let rule = create(
        Kind::Rule,
        json!({"xdm:name": "Good credit", "xdm:description": "Sales rule",
               "xdm:condition": {"xdm:type": "PQL", "xdm:format": "pql/text",
                                 "xdm:value": "profile.creditScore >= 700\nand profile.homeAddress.countryCode = \"US\""},
               "xdm:definedOn": {"profile": {"xdm:schema": {"$ref": "https://ns.adobe.com/xdm/context/profile_union", "version": "1"},
                                             "xdm:referencePaths": ["person.name.firstName"]}},
               "offerui:segmentModel": {"type": "group", "items": [{"path": "creditScore", "op": ">=", "value": 700}], "enabled": true}}),
    )
    .await;
    let offer = create(
        Kind::Offer,
        json!({"xdm:name": "ABC Bank Credit Card", "xdm:status": "approved",
               "xdm:selectionConstraint": {"xdm:startDate": "2026-01-01T00:00:00Z", "xdm:endDate": "2027-06-30T23:59:59Z",
                                           "xdm:eligibilityRule": rule, "xdm:profileConstraintType": "eligibilityRule"},
               "xdm:rank": {"xdm:priority": 10},
               "xdm:cappingConstraint": {"xdm:globalCap": 1000000, "xdm:profileCap": 5},
               "xdm:tags": [card, promo, yes],
               "xdm:characteristics": {"issuer": "ABC Bank", "annualFee": "0", "on": "off", "note": "a: b # c"},
               "xdm:representations": [
                   {"xdm:placement": kiosk, "xdm:channel": WEB, "xdm:components": [
                       {"@type": IMAGELINK, "dc:format": "image/png", "dc:language": ["en", "fr-CA"],
                        "xdm:linkURL": "https://www.example.com/cards/abc?x=1#top",
                        "xdm:deliveryURL": "https://cdn.example.com/abc.png",
                        "repo:id": "urn:aaid:aem:4e0b", "repo:name": "abc.png",
                        "repo:resolveURL": "https://assets.example.com/abc.png",
                        "offerui:previewThumbnail": "https://cdn.example.com/abc-thumb.png"}]},
                   {"xdm:placement": email, "xdm:components": [
                       {"@type": HTML, "dc:format": "text/html", "dc:language": ["en"],
                        "xdm:content": "<h1>The ABC card</h1>\n<p>No annual fee.</p>\n\n",
                        "offerui:previewThumbnail": {"href": "https://cdn.example.com/h.png", "width": 120}},
                       {"@type": "https://ns.adobe.com/experience/offer-management/content-component-text",
                        "dc:format": "text/plain", "xdm:copyline": "  Get what you want!"}]}],
               "offerui:futureProperty": [1, 2.5, null, true, "0755"]}),
    )
    .await;
    // The UI allows two offers with one name.
    for status in ["draft", "approved"] {
        create(
            Kind::Offer,
            json!({"xdm:name": "Spring sale", "xdm:status": status, "xdm:tags": [promo],
                   "xdm:representations": [{"xdm:placement": email, "xdm:components": [
                       {"@type": HTML, "xdm:content": "<p>Spring!</p>"}]}]}),
        )
        .await;
    }
    let fallback = create(
        Kind::FallbackOffer,
        json!({"xdm:name": "Default for Kiosk", "xdm:status": "approved", "xdm:tags": [promo],
               "xdm:representations": [{"xdm:placement": kiosk, "xdm:components": [
                   {"@type": IMAGELINK, "xdm:deliveryURL": "https://cdn.example.com/welcome.png"}]}]}),
    )
    .await;
    let by_tags = create(
        Kind::Filter,
        json!({"xdm:name": "Card offers", "xdm:filterType": "anyTags", "ids": [card, promo]}),
    )
    .await;
    create(
        Kind::Filter,
        json!({"xdm:name": "Listed offers", "xdm:filterType": "offers", "xdm:ids": [offer]}),
    )
    .await;
    create(
        Kind::Activity,
        json!({"xdm:name": "Kiosk personalization", "xdm:status": "live",
               "xdm:startDate": "2026-01-01T00:00:00Z", "xdm:endDate": "2026-12-31T00:00:00Z",
               "xdm:placement": kiosk, "xdm:filter": by_tags, "xdm:fallback": fallback,
               "xdm:criteria": [{"xdm:placements": [kiosk], "xdm:optionSelection": {"xdm:filter": by_tags}}]}),
    )
    .await;
}

/// Starts a durable emulator in `state/repository`, fills it over HTTP and stops it, so that
/// the CLI (`--state-dir state`) reads the same repository.
async fn catalogue_in(state: &Path) {
    let emu = Emu::with(ServeArgs {
        data: Some(state.join("repository")),
        ..ServeArgs::ephemeral()
    })
    .await;
    ui_catalogue(&emu).await;
    let Emu { server, client, .. } = emu;
    drop(client);
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_catalogue_made_over_http_exports_validates_plans_empty_and_applies_one_patch() {
    let state = tempfile::tempdir().unwrap();
    catalogue_in(state.path()).await;
    let out = state.path().join("offers.d");

    offerctl(state.path())
        .args(["export", "--out"])
        .arg(&out)
        .assert()
        .code(0)
        .stderr(predicate::str::contains("Exported 13 objects"))
        .stderr(predicate::str::contains(
            "warning: 2 Offer objects are named `Spring sale`",
        ));
    let offers = std::fs::read_to_string(out.join("offers.yaml")).unwrap();
    for expected in [
        "offerui:previewThumbnail: https://cdn.example.com/abc-thumb.png",
        "/xdm:selectionConstraint/xdm:profileConstraintType: eligibilityRule",
        "offerui:futureProperty: [1, 2.5, null, true, \"0755\"]",
        "rule: Good credit",
        "content: |+\n",
        "copyline: \"  Get what you want!\"",
        "\"on\": \"off\"",
        "tags: [credit card, promo, \"yes\"]",
    ] {
        assert!(offers.contains(expected), "{expected:?} not in\n{offers}");
    }
    let rules = std::fs::read_to_string(out.join("rules.yaml")).unwrap();
    assert!(
        rules.contains("condition: |-\n  profile.creditScore >= 700\n"),
        "{rules}"
    );
    assert!(rules.contains("xdm:definedOn:"), "{rules}");
    assert_eq!(
        offers
            .matches("name: Spring sale\nid: xcore:personalized-offer:")
            .count(),
        2,
        "{offers}"
    );
    let tags = std::fs::read_to_string(out.join("tags.yaml")).unwrap();
    assert!(tags.contains("name: \"yes\""), "{tags}");
    let filters = std::fs::read_to_string(out.join("filters.yaml")).unwrap();
    assert!(
        filters.contains("xdm:ids: [xcore:personalized-offer:"),
        "{filters}"
    );

    offerctl(state.path())
        .args(["validate", "--dir"])
        .arg(&out)
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "13 objects in 7 files valid (2 warnings)",
        ));
    offerctl(state.path())
        .args(["plan", "--detailed-exitcode", "--dir"])
        .arg(&out)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("No changes."));
    // The export is already canonical.
    offerctl(state.path())
        .args(["fmt", "--check", "--dir"])
        .arg(&out)
        .assert()
        .code(0);

    // One small edit is exactly one patch.
    std::fs::write(
        out.join("offers.yaml"),
        offers.replace("priority: 10\n", "priority: 11\n"),
    )
    .unwrap();
    let plan_file = state.path().join("plan.json");
    offerctl(state.path())
        .args(["plan", "--detailed-exitcode", "--dir"])
        .arg(&out)
        .arg("--out")
        .arg(&plan_file)
        .assert()
        .code(2);
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&plan_file).unwrap()).unwrap();
    let actions: Vec<&Value> = saved["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["action"] != "no_op")
        .collect();
    assert_eq!(actions.len(), 1, "{saved:#}");
    assert_eq!(actions[0]["address"], "Offer/ABC Bank Credit Card");
    assert_eq!(
        actions[0]["ops"],
        json!([{"op": "replace", "path": "/_instance/xdm:rank/xdm:priority", "value": 11}])
    );
    offerctl(state.path())
        .args(["apply", "--auto-approve", "--dir"])
        .arg(&out)
        .arg(&plan_file)
        .assert()
        .code(0);
    offerctl(state.path())
        .args(["plan", "--detailed-exitcode", "--dir"])
        .arg(&out)
        .assert()
        .code(0);

    // An edit of a property offerctl does not model is managed verbatim too.
    let offers = std::fs::read_to_string(out.join("offers.yaml")).unwrap();
    std::fs::write(
        out.join("offers.yaml"),
        offers.replace("abc-thumb.png", "abc-thumb-v2.png"),
    )
    .unwrap();
    let output = offerctl(state.path())
        .args(["plan", "--output", "json", "--dir"])
        .arg(&out)
        .output()
        .unwrap();
    let plan: Value = serde_json::from_slice(&output.stdout).unwrap();
    let ops: Vec<Value> = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["ops"].as_array().cloned().unwrap_or_default())
        .collect();
    assert_eq!(
        ops,
        [json!({"op": "replace",
                 "path": "/_instance/xdm:representations/0/xdm:components/0/offerui:previewThumbnail",
                 "value": "https://cdn.example.com/abc-thumb-v2.png"})]
    );
    offerctl(state.path())
        .args(["apply", "--auto-approve", "--dir"])
        .arg(&out)
        .assert()
        .code(0);

    // Everything else the UI set is still there.
    let backend = Embedded::open(&state.path().join("repository"), "prod").unwrap();
    let live = live::read(&backend, &offerctl::providers::adobe::kind::core_kinds())
        .await
        .unwrap();
    let offer = live
        .objects
        .iter()
        .find(|o| o.name() == "ABC Bank Credit Card")
        .unwrap()
        .instance
        .value();
    assert_eq!(
        offer["xdm:representations"][1]["xdm:components"][0]["offerui:previewThumbnail"]["width"],
        120
    );
    assert_eq!(
        offer["xdm:selectionConstraint"]["xdm:profileConstraintType"],
        "eligibilityRule"
    );
    assert_eq!(offer["xdm:rank"]["xdm:priority"], 11);
}

#[tokio::test(flavor = "multi_thread")]
async fn export_refuses_a_non_empty_directory_unless_forced_and_keeps_other_files() {
    let state = tempfile::tempdir().unwrap();
    catalogue_in(state.path()).await;
    let out = state.path().join("catalogue");
    std::fs::create_dir_all(out.join("old")).unwrap();
    std::fs::write(out.join("README.md"), "ours\n").unwrap();
    std::fs::write(out.join("old/stale.yaml"), "kind: Tag\nname: gone\n").unwrap();
    offerctl(state.path())
        .args(["export", "--out"])
        .arg(&out)
        .assert()
        .code(6)
        .stderr(predicate::str::contains("is not empty"));
    assert!(out.join("old/stale.yaml").exists());
    offerctl(state.path())
        .args(["export", "--force", "--layout", "per-object", "--out"])
        .arg(&out)
        .assert()
        .code(0);
    assert_eq!(
        std::fs::read_to_string(out.join("README.md")).unwrap(),
        "ours\n"
    );
    assert!(!out.join("old/stale.yaml").exists());
    assert!(out.join("offers/abc-bank-credit-card.yaml").exists());
    assert!(out.join("offers/spring-sale.yaml").exists());
    let sales: Vec<_> = std::fs::read_dir(out.join("offers"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with("spring-sale"))
        .collect();
    assert_eq!(sales.len(), 2, "{sales:?}");
    // No staging directory is left behind.
    let leftovers: Vec<_> = std::fs::read_dir(state.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.contains("offerctl-export"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    offerctl(state.path())
        .args(["plan", "--detailed-exitcode", "--dir"])
        .arg(&out)
        .assert()
        .code(0);
}

#[tokio::test]
async fn two_exports_are_byte_identical_and_both_layouts_round_trip() {
    let backend = Embedded::in_memory("prod");
    let plan = plan_for(&root().join("offers.d"), &backend, PlanOptions::default()).await;
    apply_all(&plan, &backend, 8).await;
    let live = live::read(&backend, &offerctl::providers::adobe::kind::core_kinds())
        .await
        .unwrap();
    for layout in [Layout::PerKind, Layout::PerObject] {
        let first = export::export(
            &live,
            offerctl::providers::builtin(),
            &Selection::default(),
            layout,
        )
        .unwrap();
        let second = export::export(
            &live,
            offerctl::providers::builtin(),
            &Selection::default(),
            layout,
        )
        .unwrap();
        assert_eq!(first.files, second.files);
        assert_eq!(first.objects, 26);
        let plan = plan_files(&first.files, &live);
        assert!(!plan.summary.has_changes());
        assert_eq!(plan.summary.no_op, 26);
        assert_eq!(plan.summary.unmanaged, 0);
    }
}

#[tokio::test]
async fn a_generated_ui_catalogue_round_trips_in_both_layouts() {
    let backend = Embedded::in_memory("prod");
    let created = crate::common::catalogue::generate(&backend, 700).await;
    let live = live::read(&backend, &offerctl::providers::adobe::kind::core_kinds())
        .await
        .unwrap();
    assert_eq!(live.objects.len(), created);
    for layout in [Layout::PerKind, Layout::PerObject] {
        let exported = export::export(
            &live,
            offerctl::providers::builtin(),
            &Selection::default(),
            layout,
        )
        .unwrap();
        assert_eq!(exported.objects, created);
        let plan = plan_files(&exported.files, &live);
        assert!(!plan.summary.has_changes());
        assert_eq!(plan.summary.no_op, created);
        let text: String = exported.files.iter().map(|f| f.text.as_str()).collect();
        for expected in [
            "offerui:previewThumbnail:",
            "xdm:criteria:",
            "offerui:segmentModel:",
            "id: xcore:personalized-offer:",
        ] {
            assert!(text.contains(expected), "{expected}");
        }
    }
}

#[tokio::test]
async fn a_selection_keeps_references_to_what_it_leaves_out_as_ids() {
    let backend = Embedded::in_memory("prod");
    let plan = plan_for(&root().join("offers.d"), &backend, PlanOptions::default()).await;
    apply_all(&plan, &backend, 8).await;
    let live = live::read(&backend, &offerctl::providers::adobe::kind::core_kinds())
        .await
        .unwrap();
    let selection = Selection {
        kinds: vec![Kind::Offer.core(), Kind::Tag.core()],
        name: Some(regex::Regex::new("(?i)card").unwrap()),
    };
    let exported = export::export(
        &live,
        offerctl::providers::builtin(),
        &selection,
        Layout::PerKind,
    )
    .unwrap();
    let offers = &exported
        .files
        .iter()
        .find(|f| f.path.ends_with("offers.yaml"))
        .unwrap()
        .text;
    assert!(
        offers.contains("tags: [credit card, xcore:tag:"),
        "{offers}"
    );
    assert!(offers.contains("rule: xcore:eligibility-rule:"), "{offers}");
    assert!(
        offers.contains("- placement: xcore:offer-placement:"),
        "{offers}"
    );
    assert!(
        exported
            .warnings
            .iter()
            .any(|w| w.contains("outside the selection stay as literal ids"))
    );
    let plan = plan_files(&exported.files, &live);
    assert!(!plan.summary.has_changes());
    assert_eq!(plan.summary.no_op, exported.objects);
}

#[tokio::test]
async fn an_object_that_cannot_be_expressed_fails_the_export_and_names_why() {
    let backend = Embedded::in_memory("prod");
    // A placement whose channel is a URI without `://`: the repository accepts it, the manifest
    // language cannot write it.
    let weird = json!({"xdm:name": "Odd", "xdm:channel": "urn:channel:web",
                       "xdm:componentType": HTML});
    use offerctl::backend::Backend;
    backend
        .create(Kind::Placement.core(), &weird)
        .await
        .unwrap();
    backend
        .create(Kind::Tag.core(), &json!({"xdm:name": "fine"}))
        .await
        .unwrap();
    let live = live::read(&backend, &offerctl::providers::adobe::kind::core_kinds())
        .await
        .unwrap();
    let problems = export::export(
        &live,
        offerctl::providers::builtin(),
        &Selection::default(),
        Layout::PerKind,
    )
    .unwrap_err();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0]
            .object
            .starts_with("Placement/Odd (xcore:offer-placement:")
    );
    assert_eq!(
        problems[0].reasons,
        ["`xdm:channel` is \"urn:channel:web\", which no manifest field can express"]
    );
}

#[tokio::test]
async fn unexpressible_optional_values_are_kept_verbatim_in_extra() {
    use offerctl::backend::Backend;
    let backend = Embedded::in_memory("prod");
    let placement = backend
        .create(
            Kind::Placement.core(),
            &json!({"xdm:name": "P", "xdm:channel": WEB, "xdm:componentType": HTML,
                    "xdm:contentTypes": ["png"]}),
        )
        .await
        .unwrap();
    backend
        .create(
            Kind::Offer.core(),
            &json!({"xdm:name": "O", "xdm:status": "draft",
                    "xdm:characteristics": {},
                    "xdm:representations": [{"xdm:placement": placement.id, "xdm:channel": "kiosk",
                        "xdm:components": [{"@type": "html", "dc:format": "html"}]}]}),
        )
        .await
        .unwrap();
    let live = live::read(&backend, &offerctl::providers::adobe::kind::core_kinds())
        .await
        .unwrap();
    let exported = export::export(
        &live,
        offerctl::providers::builtin(),
        &Selection::default(),
        Layout::PerKind,
    )
    .unwrap();
    let text: String = exported.files.iter().map(|f| f.text.as_str()).collect();
    assert!(text.contains("extra:\n  xdm:contentTypes: [png]"), "{text}");
    // A component type that is not a URI: the whole list of representations stays verbatim.
    assert!(text.contains("extra:\n  xdm:representations:\n"), "{text}");
    assert!(!plan_files(&exported.files, &live).summary.has_changes());
}

#[test]
fn fmt_rewrites_to_canonical_form_keeps_comments_and_check_exits_3() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a.yaml");
    let original = "\
# yaml-language-server: $schema=../offerctl.schema.json
# Tags for the card campaign.
kind: Tag   # the simplest kind
name: 'credit card'
---
# An offer.
kind: Offer
name: X
tags:
  - credit card   # the one above
priority: +10
status: draft
# characteristics are free-form
characteristics: {b: '2', a: yes}
";
    std::fs::write(&file, original).unwrap();
    let state = dir.path().join("state");
    offerctl(&state)
        .args(["fmt", "--check", "--dir"])
        .arg(dir.path())
        .assert()
        .code(3)
        .stdout(predicate::str::ends_with("a.yaml\n"))
        .stderr(predicate::str::contains("1 file is not in canonical form"));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), original);
    offerctl(&state)
        .args(["fmt", "--dir"])
        .arg(dir.path())
        .assert()
        .code(0);
    let formatted = std::fs::read_to_string(&file).unwrap();
    assert_eq!(
        formatted,
        "\
# yaml-language-server: $schema=../offerctl.schema.json
# Tags for the card campaign.
kind: Tag  # the simplest kind
name: credit card
---
# An offer.
kind: Offer
name: X
status: draft
priority: 10
# the one above
tags: [credit card]
# characteristics are free-form
characteristics:
  a: \"yes\"
  b: \"2\"
"
    );
    offerctl(&state)
        .args(["fmt", "--check", "--dir"])
        .arg(dir.path())
        .assert()
        .code(0);
}
