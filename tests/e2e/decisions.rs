//! Offline decisions over HTTP: `simulate` and `test` against the emulator's catalogue
//! (`--live`) and the manifests, and a plan's decision impact.

use serde_json::Value;

use crate::support::world::{copy_dir, root};
use crate::support::{Api, World};

const AT: &str = "2026-06-01T12:00:00Z";

/// The sample with its expectations (tests.d), applied.
async fn applied(api: Api) -> World {
    let world = World::start_for(api).await;
    copy_dir(&root().join("tests.d"), &world.path("tests.d"));
    let applied = world.offerctl(&["apply", "--auto-approve"]).await;
    assert_eq!(applied.code, 0, "{}", applied.all());
    world
}

fn write(world: &World, name: &str, text: &str) -> String {
    let path = world.path(name);
    std::fs::write(&path, text).expect("write");
    path.display().to_string()
}

crate::for_both_apis! {
    async fn simulate_gives_the_same_answer_from_the_repository_as_from_the_manifests(api: Api) {
        let world = applied(api).await;
        let profile = write(&world, "tie.json", r#"{"creditScore": 780, "homeAddress": {"countryCode": "US"},
            "segmentMembership": {"ups": {"newsletter-subscribers": {"status": "realized"}}}}"#);
        let args = ["simulate", "--profile", &profile, "--at", AT, "--item-count", "2", "--output", "json"];
        let from_git = world.offerctl(&args).await;
        assert_eq!(from_git.code, 0, "{}", from_git.all());
        let mut live_args = args.to_vec();
        live_args.push("--live");
        let from_live = world.offerctl(&live_args).await;
        assert_eq!(from_live.code, 0, "{}", from_live.all());
        let git: Value = serde_json::from_str(&from_git.stdout).expect("JSON");
        let live: Value = serde_json::from_str(&from_live.stdout).expect("JSON");

        // The decisioning API's shape, names added; the live answer carries repository ids.
        let kiosk = |answer: &Value| -> Value {
            answer["xdm:propositions"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["xdm:activity"]["xdm:name"] == "Kiosk personalization")
                .cloned()
                .expect("the kiosk decision")
        };
        let names = |p: &Value| -> Vec<String> {
            p["xdm:options"].as_array().unwrap().iter().map(|o| o["xdm:name"].as_str().unwrap().to_string()).collect()
        };
        assert_eq!(names(&kiosk(&git)), ["ABC Bank Credit Card", "Travel rewards card"]);
        assert_eq!(names(&kiosk(&live)), names(&kiosk(&git)));
        assert_eq!(kiosk(&git)["xdm:options"][0]["xdm:id"], "Offer/ABC Bank Credit Card");
        let id = kiosk(&live)["xdm:options"][0]["xdm:id"].as_str().unwrap().to_string();
        let prefix = if api == Api::Xcore { "xcore:personalized-offer:" } else { "personalized-offer" };
        assert!(id.contains(prefix), "{id}");
        assert_eq!(kiosk(&live)["xdm:options"][0]["xdm:score"], 10.0);
        // The tie is explained; the draft decision is in `explain` only.
        let explain = live["explain"].as_array().unwrap();
        let kiosk_explain = explain.iter().find(|e| e["decision"] == "Kiosk personalization").unwrap();
        assert!(kiosk_explain["candidates"].as_array().unwrap().iter().any(|c| c["tie"] == true));
        let hero = explain.iter().find(|e| e["decision"] == "Newsletter hero").unwrap();
        assert_eq!(hero["skipped"]["code"], "DECISION_NOT_LIVE");
        assert_eq!(live["xdm:propositions"].as_array().unwrap().len(), 2);

        // Text: a table per scope, then every excluded offer and why.
        let text = world.offerctl(&["simulate", "--profile", &profile, "--at", AT, "--live", "--decision", "Kiosk personalization"]).await;
        assert_eq!(text.code, 0, "{}", text.all());
        assert!(text.stdout.contains("Kiosk personalization @ Kiosk banner\n  proposed:\n    1. ABC Bank Credit Card"), "{}", text.stdout);
        assert!(text.stdout.contains("(tie: Adobe picks at random among equal scores)"), "{}", text.stdout);
        assert!(text.stdout.contains("ABC Platinum Card") && text.stdout.contains("not approved (status draft)"), "{}", text.stdout);
        assert!(text.stdout.contains("Travel rewards card") && text.stdout.contains("ranked #2 (score 10), past the item count"), "{}", text.stdout);
    }

    async fn the_sample_expectations_pass_against_the_repository_and_a_regression_fails(api: Api) {
        let world = applied(api).await;
        let passed = world.offerctl(&["test", "--live"]).await;
        assert_eq!(passed.code, 0, "{}", passed.all());
        assert!(passed.stdout.contains("test result: ok. 7 passed; 0 failed"), "{}", passed.stdout);

        // Someone archives the ABC card in the product UI: the expectation that wanted it fails.
        world
            .patch_behind_the_back(
                offerctl::providers::adobe::kind::Kind::Offer,
                "ABC Bank Credit Card",
                serde_json::json!([{"op": "replace", "path": "/_instance/xdm:status", "value": "archived"}]),
            )
            .await;
        let failed = world.offerctl(&["test", "--live", "--output", "junit", "report.xml"]).await;
        assert_eq!(failed.code, 1, "{}", failed.all());
        assert!(failed.stdout.contains("FAIL  good credit in the US gets the ABC card  (Kiosk personalization @ Kiosk banner)\n        expected offers ABC Bank Credit Card, got fallback Default for Kiosk Placements"), "{}", failed.stdout);
        assert!(failed.stdout.contains("test result: FAILED."), "{}", failed.stdout);
        let junit = std::fs::read_to_string(world.path("report.xml")).expect("the report");
        assert!(junit.starts_with("<?xml"), "{junit}");
        assert!(junit.contains("<testsuite name=\"offerctl decisions\" tests=\"7\" failures=\""), "{junit}");
        assert!(junit.contains("<failure message=\"expected offers ABC Bank Credit Card, got fallback Default for Kiosk Placements"), "{junit}");
        // The manifests still say approved: against them, everything passes.
        assert_eq!(world.offerctl(&["test"]).await.code, 0);
    }

    async fn a_plan_lists_the_expectations_whose_outcome_it_changes(api: Api) {
        let world = applied(api).await;
        // A change that does not alter any expectation's outcome: no impact section.
        world.edit("offers.d/tags.yaml", "description: Offers for members of the loyalty programme", "description: Loyalty");
        let quiet = world.offerctl(&["plan"]).await;
        assert_eq!(quiet.code, 0, "{}", quiet.all());
        assert!(!quiet.stdout.contains("Decision impact"), "{}", quiet.stdout);
        assert!(world.plan_json().await.get("impact").is_none());

        // Raising the travel card's priority changes who sees what first on the kiosk.
        world.edit("offers.d/offers/travel-cards.yaml", "priority: 10\n", "priority: 20\n");
        let plan = world.offerctl(&["plan"]).await;
        assert_eq!(plan.code, 0, "{}", plan.all());
        assert!(plan.stdout.contains("Decision impact: 1 change for customers:\n  both cards qualify with equal priority (a tie, broken by name) @ Kiosk banner: ABC Bank Credit Card, Travel rewards card → Travel rewards card, ABC Bank Credit Card\n"), "{}", plan.stdout);
        let markdown = world.offerctl(&["plan", "--output", "markdown"]).await;
        assert!(markdown.stdout.contains("### Decision impact\n\n| expectation | decision @ placement | now | after this change |"), "{}", markdown.stdout);
        let json = world.plan_json().await;
        assert_eq!(json["format_version"], "1.3");
        assert_eq!(json["impact"][0]["before"], "ABC Bank Credit Card, Travel rewards card");
        assert_eq!(json["impact"][0]["after"], "Travel rewards card, ABC Bank Credit Card");
        assert_eq!(json["impact"].as_array().unwrap().len(), 1);
    }

    async fn apply_shows_the_decision_impact_that_plan_shows(api: Api) {
        let world = applied(api).await;
        world.edit("offers.d/offers/travel-cards.yaml", "priority: 10\n", "priority: 20\n");
        let impact = "Decision impact: 1 change for customers:\n  both cards qualify with equal priority (a tie, broken by name) @ Kiosk banner: ABC Bank Credit Card, Travel rewards card → Travel rewards card, ABC Bank Credit Card\n";
        let plan = world.offerctl(&["plan"]).await;
        assert!(plan.stdout.contains(impact), "{}", plan.stdout);

        // `apply </dev/null`: what would have been asked about, then the refusal.
        let unconfirmed = world.offerctl(&["apply"]).await;
        assert_eq!(unconfirmed.code, 1, "{}", unconfirmed.all());
        assert!(unconfirmed.stdout.contains(impact), "{}", unconfirmed.stdout);
        assert!(unconfirmed.stderr.contains("refusing to apply without confirmation"), "{}", unconfirmed.stderr);

        let approved = world.offerctl(&["apply", "--auto-approve"]).await;
        assert_eq!(approved.code, 0, "{}", approved.all());
        assert!(approved.stdout.contains(impact), "{}", approved.stdout);
        world.assert_plan_empty().await;
    }
}
