//! Fault tolerance, issue 5: a saved plan applied after someone else changed one of its
//! objects. Only that object fails as stale (exit 5), everything else in the plan is applied,
//! and nothing of the other writer's change is overwritten. The small hand-written version of
//! this is `a_saved_plan_refuses_objects_changed_since_and_applies_the_rest` in
//! `tests/e2e/reconcile.rs`; this one runs over a generated catalogue, through both APIs.

use offerctl::providers::adobe::kind::Kind;
use offerctl::providers::serve::ServeArgs;
use serde_json::json;

use crate::support::*;

const EDITED: std::ops::Range<usize> = 0..40;
const NEW: usize = 10;
/// The offer someone changes in the UI after the plan was saved (one of the edited ones).
const CHANGED: usize = 17;

crate::for_both_apis! {
    async fn a_saved_plan_over_a_generated_catalogue_fails_only_the_changed_object(api: Api) {
        let server = start_emulator(ServeArgs::ephemeral()).await;
        let remote = Remote::new(&server.url());
        let work = Workdir::generated(300, 9, &server.url(), api);
        let applied = work
            .offerctl(&["apply", "--auto-approve", "--parallelism", "16"])
            .await;
        assert_eq!(applied.code, 0, "{}", applied.all());

        // Edit 40 offers (their SKU) and add 10 new ones, then save the plan.
        let file = "offers.d/offers/offers-000.yaml";
        for i in EDITED {
            work.edit(
                file,
                &format!("sku: SKU-{i:06}}}"),
                &format!("sku: SKU-{i:06}-v2}}"),
            );
        }
        let mut text = std::fs::read_to_string(work.path(file)).expect("read");
        for n in 0..NEW {
            text.push_str(&format!(
                "---\nkind: Offer\nname: new offer {n}\ntags: [tag 00000]\nrepresentations:\n  - placement: placement 0000\n    components:\n      - type: imagelink\n        deliveryURL: https://cdn.example.com/new-{n}.png\n"
            ));
        }
        std::fs::write(work.path(file), text).expect("write");
        let saved = work.offerctl(&["plan", "--out", "plan.json"]).await;
        assert_eq!(saved.code, 0, "{}", saved.all());
        let plan: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(work.path("plan.json")).expect("plan"))
                .expect("plan JSON");
        assert_eq!(
            (
                plan["summary"]["create"].as_u64(),
                plan["summary"]["update"].as_u64(),
                plan["summary"]["delete"].as_u64()
            ),
            (Some(NEW as u64), Some(EDITED.len() as u64), Some(0)),
            "{}",
            plan["summary"]
        );

        // Someone edits one of the planned offers in the UI, a field the plan does not touch.
        let changed = format!("offer {CHANGED:06}");
        let live = remote.live().await;
        let target = live.find(Kind::Offer, &changed).expect("live");
        remote.patch_unconditionally(
            target["instanceId"].as_str().expect("id"),
            json!([{"op": "replace", "path": "/_instance/xdm:rank/xdm:priority", "value": 999}]),
        )
        .await;

        let before = remote.stats().await;
        let applied = work.offerctl(&["apply", "plan.json"]).await;
        assert_eq!(applied.code, 5, "stale: {}", applied.all());
        assert!(
            applied.stdout.contains(&format!(
                "Offer/{changed} changed in the repository after the plan was made"
            )),
            "{}",
            applied.all()
        );
        let expected = format!(
            "Apply finished: {} succeeded, 1 failed, 0 skipped.",
            NEW + EDITED.len() - 1
        );
        assert!(applied.stdout.contains(&expected), "{}", applied.all());
        let after = remote.stats().await;
        let delta = |method: &str| stat(&after, "byMethod", method) - stat(&before, "byMethod", method);
        assert_eq!(
            (delta("PATCH"), delta("POST"), delta("PUT"), delta("DELETE")),
            (EDITED.len() as u64 - 1, NEW as u64, 0, 0),
            "exactly the other changes were sent"
        );
        let sent = Counts { value: after.clone() }.since(&Counts { value: before.clone() });
        assert_eq!(
            sent.writes_through(api),
            EDITED.len() as u64 - 1 + NEW as u64,
            "through {api:?}"
        );

        // Nothing overwritten: the UI's change stands, the plan's change to it was not made.
        let live = remote.live().await;
        let stale = live.find(Kind::Offer, &changed).expect("live");
        assert_eq!(stale["_instance"]["xdm:rank"]["xdm:priority"], 999);
        assert_eq!(
            stale["_instance"]["xdm:characteristics"]["sku"],
            format!("SKU-{CHANGED:06}")
        );
        for i in EDITED.filter(|&i| i != CHANGED) {
            let offer = live
                .find(Kind::Offer, &format!("offer {i:06}"))
                .expect("live");
            assert_eq!(
                offer["_instance"]["xdm:characteristics"]["sku"],
                format!("SKU-{i:06}-v2")
            );
        }
        for n in 0..NEW {
            assert!(live.find(Kind::Offer, &format!("new offer {n}")).is_some());
        }
        assert!(live.duplicates().is_empty(), "{:?}", live.duplicates());
        assert_eq!(live.count(), work.manifests + NEW);

        // A new plan shows what remains: that one offer, with both fields.
        let remaining = work.plan_json().await;
        let planned = planned(&remaining);
        assert_eq!(
            planned.keys().collect::<Vec<_>>(),
            vec![&format!("Offer/{changed}")],
            "{remaining}"
        );
    }
}
