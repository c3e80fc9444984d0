//! What only the DPS API shows: the exact wire request of seed 000, and that one sandbox seen
//! through either API gives the same plan.

use offerctl::providers::adobe::kind::Kind;
use serde_json::{Value, json};

use crate::support::{Api, Recorder, World};

/// A decision with two criteria, beside the sample catalogue's one-criterion activities.
const TWO_CRITERIA: &str = "
---
kind: Activity
name: Kiosk and call center
description: Two criteria, the second gated by a rule.
status: draft
criteria:
  - placements: [Kiosk banner, Call center script]
    filter: Card offers
    priority: 1
  - placements: [Call center script]
    filter: All upgrade offers
    rule: Good credit standing
fallback: Default for Kiosk Placements
";

fn add_two_criteria_activity(world: &World) {
    let path = world.path("offers.d/activities.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, format!("{text}{TWO_CRITERIA}")).unwrap();
}

/// Seed 000: `PATCH /data/core/dps/offers/{id}?offer-type=fallback` with `application/json`
/// and two `replace` operations on `/name` and `/description`. The emulator accepts the seed's
/// request (tests/emulator/serve_dps.rs replays it); here offerctl must send exactly that request for
/// the matching manifest change.
#[tokio::test(flavor = "multi_thread")]
async fn the_seed_000_request_is_what_offerctl_sends_for_a_rename_and_new_description() {
    let mut world = World::start_for(Api::Dps).await;
    world.edit(
        "offers.d/fallbacks.yaml",
        "name: Default newsletter block\n",
        "name: Default newsletter block\ndescription: Fallback for the newsletter\n",
    );
    let applied = world.offerctl(&["apply", "--auto-approve"]).await;
    assert_eq!(applied.code, 0, "{}", applied.all());
    let fallback = world
        .list(Kind::FallbackOffer)
        .await
        .into_iter()
        .find(|o| o["_instance"]["xdm:name"] == "Default newsletter block")
        .unwrap();
    let id = fallback["_instance"]["@id"].as_str().unwrap().to_string();
    assert!(id.starts_with("dps:fallback-offer:"), "{id}");

    // Renaming keeps the object's identity only when it is pinned by id.
    world.edit(
        "offers.d/fallbacks.yaml",
        "name: Default newsletter block\ndescription: Fallback for the newsletter\n",
        &format!(
            "name: Updated fallback offer\nid: {id}\ndescription: Updated fallback offer description\n"
        ),
    );
    world.edit(
        "offers.d/activities.yaml",
        "fallback: Default newsletter block",
        "fallback: Updated fallback offer",
    );
    let plan = world.offerctl(&["plan", "--output", "json"]).await;
    let plan: Value = serde_json::from_str(&plan.stdout).unwrap();
    let updates: Vec<&Value> = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["action"] != "no_op")
        .collect();
    assert_eq!(updates.len(), 1, "{updates:?}");
    assert_eq!(
        updates[0]["ops"],
        json!([
            {"op": "replace", "path": "/_instance/xdm:name", "value": "Updated fallback offer"},
            {"op": "replace", "path": "/_instance/xdm:description", "value": "Updated fallback offer description"}
        ])
    );

    let recorder = Recorder::start(world.server.url()).await;
    world.set_env("OFFERCTL_ENDPOINT", &recorder.url);
    let applied = world.offerctl(&["apply", "--auto-approve"]).await;
    assert_eq!(applied.code, 0, "{}", applied.all());
    let writes: Vec<_> = recorder
        .requests()
        .into_iter()
        .filter(|r| r.method != "GET")
        .collect();
    assert_eq!(writes.len(), 1, "{writes:?}");
    let patch = &writes[0];
    assert_eq!(patch.method, "PATCH");
    let encoded = id.replace(':', "%3A");
    assert!(
        patch.path == format!("/data/core/dps/offers/{id}")
            || patch.path == format!("/data/core/dps/offers/{encoded}"),
        "{}",
        patch.path
    );
    assert_eq!(patch.query.as_deref(), Some("offer-type=fallback"));
    assert_eq!(patch.content_type.as_deref(), Some("application/json"));
    assert!(patch.if_match.is_some(), "writes are conditional");
    let body: Value = serde_json::from_slice(&patch.body).unwrap();
    assert_eq!(
        body,
        json!([
            {"op": "replace", "path": "/name", "value": "Updated fallback offer"},
            {"op": "replace", "path": "/description", "value": "Updated fallback offer description"}
        ])
    );
    let plan = world.offerctl(&["plan", "--detailed-exitcode"]).await;
    assert_eq!(plan.code, 0, "{}", plan.all());
}

/// A catalogue applied through one API plans empty through the other, both ways round,
/// including a decision with several criteria.
#[tokio::test(flavor = "multi_thread")]
async fn switching_the_api_of_a_sandbox_shows_an_empty_plan() {
    for (first, second) in [(Api::Xcore, Api::Dps), (Api::Dps, Api::Xcore)] {
        let world = World::start_for(first).await;
        add_two_criteria_activity(&world);
        let applied = world.offerctl(&["apply", "--auto-approve"]).await;
        assert_eq!(applied.code, 0, "{first:?}: {}", applied.all());
        let other = world
            .offerctl(&["plan", "--detailed-exitcode", "--api", second.as_str()])
            .await;
        assert_eq!(other.code, 0, "{first:?} then {second:?}: {}", other.all());
        assert!(other.stdout.contains("No changes."), "{}", other.stdout);
        let ids: Vec<String> = world
            .list(Kind::Activity)
            .await
            .iter()
            .map(|a| a["_instance"]["@id"].as_str().unwrap().to_string())
            .collect();
        let scheme = match first {
            Api::Xcore => "xcore:",
            Api::Dps => "dps:",
        };
        assert!(ids.iter().all(|id| id.starts_with(scheme)), "{ids:?}");
    }
}
