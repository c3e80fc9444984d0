//! Drift you can act on: a change made outside offerctl shows in the plan with who made it and
//! when, and the JSON plan counts it apart from pending manifest changes.

use offerctl::providers::adobe::kind::Kind;
use offerctl::providers::adobe::repository::Actor;
use serde_json::json;

use crate::support::{Api, Spelling, World};

crate::for_both_apis_and_spellings! {
    async fn a_change_made_in_the_product_ui_is_attributed_drift(api: Api, spelling: Spelling) {
        let world = World::spelled(api, spelling).await;
        let applied = world.offerctl(&["apply", "--auto-approve"]).await;
        assert_eq!(applied.code, 0, "{}", applied.all());
        // A pending manifest change first: offerctl wrote last, so it is not drift.
        let programme = "description: Offers for members of the loyalty programme";
        world.edit("offers.d/tags.yaml", programme, "description: Loyalty programme offers");
        let pending = world.plan_json().await;
        assert_eq!((pending["summary"]["update"].as_u64(), pending["summary"]["drifted"].as_u64()), (Some(1), Some(0)), "{pending}");
        world.edit("offers.d/tags.yaml", "description: Loyalty programme offers", programme);

        // A marketer edits an offer's priority in the product UI (another client).
        let offer = world
            .list(Kind::Offer)
            .await
            .into_iter()
            .find(|o| o["_instance"]["xdm:name"] == "ABC Bank Credit Card")
            .expect("the offer");
        let instance_id = offer["instanceId"].as_str().expect("id").to_string();
        let ops: Vec<json_patch::PatchOperation> = serde_json::from_value(json!([
            {"op": "replace", "path": "/_instance/xdm:rank/xdm:priority", "value": 99}
        ]))
        .expect("ops");
        let marketer = Actor::new("marketer@example.com", "product-ui");
        world
            .server
            .repository()
            .patch("prod", &world.server.container_id("prod"), &instance_id, &ops, None, &marketer)
            .expect("patched");

        let plan = world.offerctl(&["plan", "--detailed-exitcode"]).await;
        assert_eq!(plan.code, 2, "{}", plan.all());
        assert!(
            plan.stdout.contains("drift: changed outside offerctl by marketer@example.com (client product-ui) at "),
            "{}",
            plan.stdout
        );
        assert!(plan.stdout.contains("(1 of the updates revert changes made outside offerctl)"), "{}", plan.stdout);
        let json = world.plan_json().await;
        assert_eq!(json["summary"]["update"], 1);
        assert_eq!(json["summary"]["drifted"], 1);
        let change = json["changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["action"] == "update")
            .expect("the update");
        assert_eq!(change["drift"]["by"], "marketer@example.com");
        assert_eq!(change["drift"]["client_id"], "product-ui");
        assert!(change["drift"]["at"].as_str().is_some_and(|t| t.starts_with("20")));
        let markdown = world.offerctl(&["plan", "--output", "markdown"]).await;
        assert!(markdown.stdout.contains("! drift: changed outside offerctl by marketer@example.com"), "{}", markdown.stdout);

        // Reverting it is offerctl's own write: the next plan is empty, nothing is drift.
        let reverted = world.offerctl(&["apply", "--auto-approve"]).await;
        assert_eq!(reverted.code, 0, "{}", reverted.all());
        world.assert_plan_empty().await;
    }
}
