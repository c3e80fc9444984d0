//! A misbehaving network and server: apply still converges, with no duplicates.

use std::collections::HashSet;

use offerctl::providers::adobe::kind::Kind;
use offerctl::providers::serve::ServeArgs;

use crate::support::{Api, World};

async fn assert_no_duplicate_names(world: &World) {
    for kind in Kind::ALL {
        let mut seen = HashSet::new();
        for object in world.list(kind).await {
            let name = object["_instance"]["xdm:name"]
                .as_str()
                .unwrap()
                .to_string();
            assert!(seen.insert(name.clone()), "{kind}/{name} exists twice");
        }
    }
}

crate::for_both_apis! {
    async fn apply_converges_through_503s_throttling_and_lost_responses(api: Api) {
        let args = ServeArgs {
            fail_rate: 0.1,
            throttle: Some(40.0),
            drop_after_commit: 0.15,
            seed: Some(2),
            ..ServeArgs::ephemeral()
        };
        let world = World::with_api(args, api).await;
        let applied = world
            // A budget above the default 5 attempts: on a loaded test machine the throttle
            // can refuse one request 5 times in a row, which is not what this test is about.
            .offerctl(&["apply", "--auto-approve", "--parallelism", "4", "--max-attempts", "10"])
            .await;
        assert_eq!(applied.code, 0, "{}", applied.all());
        let stats = world.counts().await;
        assert!(
            stats.value["byStatus"]["503"].as_u64().unwrap_or(0) > 0,
            "faults were injected: {:?}",
            stats.value
        );
        assert!(
            stats.value["dropped"].as_u64().unwrap_or(0) > 0,
            "responses were dropped: {:?}",
            stats.value
        );
        assert_no_duplicate_names(&world).await;
        assert_eq!(world.list(Kind::Offer).await.len(), 5);
        let plan = world.offerctl(&["plan", "--detailed-exitcode"]).await;
        assert_eq!(plan.code, 0, "the next plan is empty: {}", plan.all());
    }

    async fn a_server_that_keeps_failing_is_an_error_not_a_partial_plan(api: Api) {
        let world = World::with_api(ServeArgs {
            fail_rate: 1.0,
            seed: Some(3),
            ..ServeArgs::ephemeral()
        }, api)
        .await;
        let plan = world.offerctl(&["plan"]).await;
        assert_eq!(plan.code, 1, "{}", plan.all());
        assert!(plan.stderr.contains("503"), "{}", plan.stderr);
        assert!(
            !plan.stdout.contains("to create"),
            "no plan from a failed read: {}",
            plan.stdout
        );
    }
}
