//! plan and apply as a user runs them, over HTTP: idempotence, minimal patches, drift, saved
//! plans and staleness, pruning, referenced deletes, partial failure.

use offerctl::providers::adobe::kind::Kind;
use serde_json::{Value, json};

use crate::support::{Api, World};

crate::for_both_apis! {
    async fn apply_from_empty_then_a_second_run_writes_nothing(api: Api) {
        let world = World::start_for(api).await;
        let start = world.counts().await;
        let applied = world.offerctl(&["apply", "--auto-approve"]).await;
        assert_eq!(applied.code, 0, "{}", applied.all());
        assert!(
            applied
                .stdout
                .contains("Plan: 26 to create, 0 to update, 0 to delete.")
        );
        assert!(
            applied
                .stdout
                .contains("Apply finished: 26 succeeded, 0 failed, 0 skipped.")
        );
        let first = world.counts().await.since(&start);
        assert_eq!(
            first.method("POST"),
            26,
            "one create per object: {:?}",
            first.value
        );
        assert_eq!(first.single_gets(), 0);

        let before = world.counts().await;
        let plan = world.offerctl(&["plan", "--detailed-exitcode"]).await;
        assert_eq!(plan.code, 0, "{}", plan.all());
        assert!(plan.stdout.contains("No changes."));
        let again = world.offerctl(&["apply", "--auto-approve"]).await;
        assert_eq!(again.code, 0, "{}", again.all());
        let second = world.counts().await.since(&before);
        assert_eq!(
            second.writes(),
            0,
            "the second apply must not write: {:?}",
            second.value
        );
        assert_eq!(
            second.single_gets(),
            0,
            "reads are lists, never one GET per object"
        );
        // Two runs, each one list page per kind, and for XCore one look at home for the
        // container (DPS has none).
        assert_eq!(second.list_gets(), 16, "{:?}", second.value);
        let home = match world.api {
            Api::Xcore => 2,
            Api::Dps => 0,
        };
        assert_eq!(
            second.value["byRoute"]["GET /data/core/xcore/"]
                .as_u64()
                .unwrap_or(0),
            home,
            "{:?}",
            second.value
        );
        assert_eq!(
            second.method("GET"),
            16 + home,
            "nothing else: {:?}",
            second.value
        );
    }

    async fn a_one_field_edit_is_one_patch_with_one_operation(api: Api) {
        let world = World::start_for(api).await;
        assert_eq!(world.offerctl(&["apply", "--auto-approve"]).await.code, 0);
        world.edit(
            "offers.d/offers/flight-upgrades.yaml",
            "priority: 50",
            "priority: 60",
        );
        let plan = world.offerctl(&["plan", "--output", "json"]).await;
        let plan: Value = serde_json::from_str(&plan.stdout).unwrap();
        let updates: Vec<&Value> = plan["changes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["action"] == "update")
            .collect();
        assert_eq!(updates.len(), 1);
        assert_eq!(
            updates[0]["ops"],
            json!([{"op": "replace", "path": "/_instance/xdm:rank/xdm:priority", "value": 60}])
        );

        let before = world.counts().await;
        let applied = world.offerctl(&["apply", "--auto-approve"]).await;
        assert_eq!(applied.code, 0, "{}", applied.all());
        let delta = world.counts().await.since(&before);
        assert_eq!(
            (delta.method("PATCH"), delta.writes()),
            (1, 1),
            "{:?}",
            delta.value
        );
        let offer = world
            .list(Kind::Offer)
            .await
            .into_iter()
            .find(|o| o["_instance"]["xdm:name"] == "Free flight upgrade")
            .unwrap();
        assert_eq!(offer["_instance"]["xdm:rank"]["xdm:priority"], 60);
    }

    async fn adding_a_tag_is_one_add_operation(api: Api) {
        let world = World::start_for(api).await;
        assert_eq!(world.offerctl(&["apply", "--auto-approve"]).await.code, 0);
        world.edit(
            "offers.d/offers/credit-cards.yaml",
            "tags: [credit card]\n",
            "tags: [credit card, travel]\n",
        );
        let plan = world.offerctl(&["plan"]).await;
        assert!(
            plan.stdout.contains("+ tags: Tag/travel"),
            "{}",
            plan.stdout
        );
        let json = world.offerctl(&["plan", "--output", "json"]).await;
        let json: Value = serde_json::from_str(&json.stdout).unwrap();
        let update = json["changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["action"] == "update")
            .unwrap();
        let ops = update["ops"].as_array().unwrap();
        assert_eq!(ops.len(), 1);
        assert_eq!(ops[0]["op"], "add");
        assert_eq!(ops[0]["path"], "/_instance/xdm:tags/-");
        let before = world.counts().await;
        assert_eq!(world.offerctl(&["apply", "--auto-approve"]).await.code, 0);
        assert_eq!(world.counts().await.since(&before).method("PATCH"), 1);
    }

    async fn drift_made_behind_the_tools_back_is_detected(api: Api) {
        let world = World::start_for(api).await;
        assert_eq!(world.offerctl(&["apply", "--auto-approve"]).await.code, 0);
        world
            .patch_behind_the_back(
                Kind::Offer,
                "Lounge day pass",
                json!([{"op": "replace", "path": "/_instance/xdm:status", "value": "archived"}]),
            )
            .await;
        let plan = world.offerctl(&["plan", "--detailed-exitcode"]).await;
        assert_eq!(plan.code, 2, "{}", plan.all());
        assert!(
            plan.stdout
                .contains("~ Offer/Lounge day pass will be updated in place"),
            "{}",
            plan.stdout
        );
        assert!(
            plan.stdout
                .contains("~ status: \"archived\" → \"approved\""),
            "{}",
            plan.stdout
        );
        let markdown = world
            .offerctl(&["plan", "--detailed-exitcode", "--output", "markdown"])
            .await;
        assert_eq!(markdown.code, 2);
        assert!(
            markdown
                .stdout
                .contains("- status: \"archived\"\n+ status: \"approved\""),
            "{}",
            markdown.stdout
        );
    }

    async fn a_saved_plan_refuses_objects_changed_since_and_applies_the_rest(api: Api) {
        let world = World::start_for(api).await;
        assert_eq!(world.offerctl(&["apply", "--auto-approve"]).await.code, 0);
        // Two independent edits, and one new offer that needs the edited placement first.
        world.edit(
            "offers.d/rules.yaml",
            "  segmentMembership.get",
            "  segmentmembership.get",
        );
        world.edit(
            "offers.d/placements.yaml",
            "description: Top block of the monthly newsletter.",
            "description: Top block.",
        );
        let new_offer = "---\nkind: Offer\nname: Newsletter extra\nrepresentations:\n  - placement: Email hero\n    components: [{type: html, content: \"<p>x</p>\"}]\n";
        let path = world.path("offers.d/offers/flight-upgrades.yaml");
        let text = std::fs::read_to_string(&path).unwrap() + new_offer;
        std::fs::write(&path, text).unwrap();
        let saved = world.offerctl(&["plan", "--out", "plan.json"]).await;
        assert_eq!(saved.code, 0, "{}", saved.all());
        assert!(
            saved
                .stdout
                .contains("Plan: 1 to create, 2 to update, 0 to delete."),
            "{}",
            saved.stdout
        );

        // Someone edits the placement in the UI after the plan was reviewed.
        world
            .patch_behind_the_back(Kind::Placement, "Email hero", json!([{"op": "replace", "path": "/_instance/xdm:description", "value": "Edited in the UI"}]))
            .await;
        let before = world.counts().await;
        let applied = world.offerctl(&["apply", "plan.json"]).await;
        assert_eq!(applied.code, 5, "{}", applied.all());
        assert!(
            applied
                .stdout
                .contains("Placement/Email hero changed in the repository after the plan was made"),
            "{}",
            applied.stdout
        );
        assert!(
            applied
                .stdout
                .contains("skipped  create Offer/Newsletter extra"),
            "{}",
            applied.stdout
        );
        assert!(
            applied
                .stdout
                .contains("Apply finished: 1 succeeded, 1 failed, 1 skipped."),
            "{}",
            applied.stdout
        );
        let delta = world.counts().await.since(&before);
        assert_eq!(
            (delta.method("PATCH"), delta.method("POST")),
            (1, 0),
            "only the independent update: {:?}",
            delta.value
        );
        let placement = world
            .list(Kind::Placement)
            .await
            .into_iter()
            .find(|o| o["_instance"]["xdm:name"] == "Email hero")
            .unwrap();
        assert_eq!(
            placement["_instance"]["xdm:description"], "Edited in the UI",
            "nothing was overwritten"
        );
    }

    async fn a_saved_plan_refuses_changed_manifests(api: Api) {
        let world = World::start_for(api).await;
        assert_eq!(
            world.offerctl(&["plan", "--out", "plan.json"]).await.code,
            0
        );
        world.edit("offers.d/tags.yaml", "name: travel", "name: trips");
        let applied = world.offerctl(&["apply", "plan.json"]).await;
        assert_eq!(applied.code, 5, "{}", applied.all());
        assert!(
            applied.stderr.contains("changed since plan.json was made"),
            "{}",
            applied.stderr
        );
        assert_eq!(world.counts().await.writes(), 0);
    }

    async fn prune_deletes_in_reverse_dependency_order_and_needs_permission(api: Api) {
        let world = World::start_for(api).await;
        assert_eq!(world.offerctl(&["apply", "--auto-approve"]).await.code, 0);
        // Keep only the tags and placements in git.
        for file in [
            "rules.yaml",
            "fallbacks.yaml",
            "filters.yaml",
            "activities.yaml",
            "offers/credit-cards.yaml",
            "offers/flight-upgrades.yaml",
            "offers/travel-cards.yaml",
        ] {
            std::fs::remove_file(world.path(&format!("offers.d/{file}"))).unwrap();
        }
        let unpruned = world.offerctl(&["plan"]).await;
        assert!(
            unpruned
                .stdout
                .contains("16 objects in the repository but not in the manifests"),
            "{}",
            unpruned.stdout
        );
        // A plan changes nothing: it shows the deletes, says loudly that apply will refuse
        // them and how to allow them, and exits as usual (and is saved).
        let planned = world
            .offerctl(&["plan", "--prune", "--detailed-exitcode", "--out", "prune.json"])
            .await;
        assert_eq!(planned.code, 2, "{}", planned.all());
        assert!(planned.stdout.contains("will be deleted"), "{}", planned.stdout);
        assert!(
            planned.stderr.contains(
                "warning: `offerctl apply` will refuse this plan (exit 6, before any write): it deletes 16 objects: review it, then pass --allow-delete (or --max-deletes 16)"
            ),
            "{}",
            planned.stderr
        );
        let planned = world.offerctl(&["plan", "--prune"]).await;
        assert_eq!(planned.code, 0, "{}", planned.all());
        assert!(planned.stderr.contains("will refuse"), "{}", planned.stderr);
        let allowed = world.offerctl(&["plan", "--prune", "--max-deletes", "16"]).await;
        assert_eq!(allowed.code, 0, "{}", allowed.all());
        assert!(!allowed.stderr.contains("will refuse"), "{}", allowed.stderr);

        // Apply enforces the limit before any write: asked to confirm, approved in advance, or
        // of the saved plan.
        let before = world.counts().await;
        for args in [
            &["apply", "--prune"][..],
            &["apply", "--auto-approve", "--prune"],
            &["apply", "prune.json"],
        ] {
            let refused = world.offerctl(args).await;
            assert_eq!(refused.code, 6, "{args:?}: {}", refused.all());
            assert!(
                refused
                    .stderr
                    .contains("refusing a plan that deletes 16 objects"),
                "{args:?}: {}",
                refused.stderr
            );
            assert_eq!(world.counts().await.since(&before).writes(), 0, "{args:?}");
        }

        let pruned = world
            .offerctl(&[
                "apply",
                "--auto-approve",
                "--prune",
                "--allow-delete",
                "--journal",
                "journal.jsonl",
            ])
            .await;
        assert_eq!(pruned.code, 0, "{}", pruned.all());
        let journal = std::fs::read_to_string(world.path("journal.jsonl")).unwrap();
        let deleted: Vec<String> = journal
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .filter(|l| l["event"] == "finish" && l["intent"] == "delete" && l["status"] == "succeeded")
            .map(|l| l["address"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(deleted.len(), 16);
        let at = |name: &str| {
            deleted
                .iter()
                .position(|a| a == name)
                .unwrap_or_else(|| panic!("{name} in {deleted:?}"))
        };
        assert!(at("Activity/Kiosk personalization") < at("Filter/Card offers"));
        assert!(at("Activity/Newsletter hero") < at("FallbackOffer/Default newsletter block"));
        assert!(at("Filter/Newsletter picks") < at("Offer/ABC Bank Credit Card"));
        assert!(at("Offer/Free flight upgrade") < at("Rule/Eligible for a free flight upgrade"));
        assert_eq!(
            world
                .offerctl(&["plan", "--detailed-exitcode", "--prune"])
                .await
                .code,
            0
        );
    }

    async fn a_referenced_delete_is_reported_in_the_plan_and_by_apply(api: Api) {
        let world = World::start_for(api).await;
        assert_eq!(world.offerctl(&["apply", "--auto-approve"]).await.code, 0);
        // Manage only the tags... minus one that unmanaged offers still use.
        std::fs::write(world.path("offers.d/tags.yaml"), "kind: Tag\nname: flight upgrade\n---\nkind: Tag\nname: travel\n---\nkind: Tag\nname: loyalty\n").unwrap();
        for file in [
            "rules.yaml",
            "fallbacks.yaml",
            "filters.yaml",
            "activities.yaml",
            "placements.yaml",
            "offers/credit-cards.yaml",
            "offers/flight-upgrades.yaml",
            "offers/travel-cards.yaml",
        ] {
            std::fs::remove_file(world.path(&format!("offers.d/{file}"))).unwrap();
        }
        let plan = world
            .offerctl(&["plan", "--prune", "--prune-kind", "Tag", "--allow-delete"])
            .await;
        assert_eq!(plan.code, 0, "{}", plan.all());
        assert!(
            plan.stdout.contains("- Tag/credit card will be deleted"),
            "{}",
            plan.stdout
        );
        assert!(
            plan.stdout.contains("! still referenced by Offer/ABC Bank Credit Card (not managed), Offer/ABC Platinum Card (not managed), Offer/Travel rewards card (not managed), Filter/Card offers (not managed)"),
            "{}",
            plan.stdout
        );
        let applied = world
            .offerctl(&[
                "apply",
                "--auto-approve",
                "--prune",
                "--prune-kind",
                "Tag",
                "--allow-delete",
            ])
            .await;
        assert_eq!(applied.code, 1, "{}", applied.all());
        assert!(
            applied
                .stdout
                .contains("the repository refused to delete Tag/credit card: still referenced by"),
            "{}",
            applied.stdout
        );
        assert!(
            world
                .list(Kind::Tag)
                .await
                .iter()
                .any(|t| t["_instance"]["xdm:name"] == "credit card")
        );
    }
}

crate::for_both_apis! {
    /// `--page-size` sets how many objects a list page holds: more pages, the same plan.
    async fn the_page_size_is_a_setting(api: Api) {
        let world = World::start_for(api).await;
        assert_eq!(world.offerctl(&["apply", "--auto-approve"]).await.code, 0);
        let before = world.counts().await;
        let small = world.offerctl(&["plan", "--detailed-exitcode", "--page-size", "2"]).await;
        assert_eq!(small.code, 0, "{}", small.all());
        let pages = world.counts().await.since(&before).list_gets();
        let before = world.counts().await;
        world.assert_plan_empty().await;
        let default_pages = world.counts().await.since(&before).list_gets();
        assert!(pages > default_pages, "{pages} pages of 2, {default_pages} by default");
        let too_big = world.offerctl(&["plan", "--page-size", "501"]).await;
        let expected = if api == Api::Xcore { 3 } else { 0 };
        assert_eq!(too_big.code, expected, "{}", too_big.all());
    }
}

crate::for_both_apis! {
    /// A run against a vendor's service touches no local state: the embedded repository of a
    /// provider the manifests do not use (Appcharge here) is never opened.
    async fn a_remote_run_leaves_no_local_state(api: Api) {
        let world = World::start_for(api).await;
        assert_eq!(world.offerctl(&["apply", "--auto-approve"]).await.code, 0);
        world.assert_plan_empty().await;
        assert!(
            !world.path(".offerctl").exists(),
            "an unused embedded repository was created"
        );
    }
}
