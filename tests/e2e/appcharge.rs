//! Appcharge end to end: the `offerctl` binary against the emulator's Appcharge API.

use offerctl::providers::serve::ServeArgs;
use serde_json::{Value, json};

use crate::support::appcharge::*;
use crate::support::{Spelling, spelled, start_emulator};

fn route_count(stats: &Value, route: &str) -> u64 {
    stats["byRoute"][route].as_u64().unwrap_or(0)
}

fn writes(stats: &Value) -> u64 {
    ["POST", "PUT", "PATCH", "DELETE"]
        .iter()
        .map(|m| stats["byMethod"][m].as_u64().unwrap_or(0))
        .sum()
}

/// Everything but what a one-field edit may change.
fn without(mut offer: Value, pointers: &[&str]) -> Value {
    for pointer in pointers {
        let (parent, key) = pointer.rsplit_once('/').expect("pointer");
        if let Some(Value::Object(map)) =
            offer.pointer_mut(if parent.is_empty() { "" } else { parent })
        {
            map.remove(key);
        }
    }
    offer
}

crate::for_both_spellings! {
async fn a_catalogue_made_through_the_api_exports_validates_plans_empty_and_one_edit_is_one_put(spelling: Spelling) {
    let server = start_emulator(spelled(spelling)).await;
    let shop = Shop::new(&server.url());
    create_documented_catalogue(&shop).await;
    let empty = tempfile::tempdir().expect("tempdir");
    let work = appcharge_workdir(empty.path(), &server.url());

    let exported = work
        .offerctl(&[
            "export",
            "--provider",
            "appcharge",
            "--out",
            "offers.d",
            "--force",
        ])
        .await;
    assert_eq!(exported.code, 0, "{}", exported.all());
    let validated = work.offerctl(&["validate"]).await;
    assert_eq!(validated.code, 0, "{}", validated.all());
    work.assert_plan_empty().await;

    let before = shop.offer("rolling-offer-1").await;
    let stats_before = shop.stats().await;
    let text = std::fs::read_to_string(work.path("offers.d/appcharge-rolling-offers.yaml"))
        .expect("exported");
    assert!(text.contains("price: 199"), "{text}");
    work.edit(
        "offers.d/appcharge-rolling-offers.yaml",
        "price: 199",
        "price: 299",
    );
    let applied = work.offerctl(&["apply", "--auto-approve"]).await;
    assert_eq!(applied.code, 0, "{}", applied.all());
    assert!(
        applied
            .stdout
            .contains("one full-document PUT carries this change (no PATCH"),
        "{}",
        applied.stdout
    );
    let stats = shop.stats().await;
    let put = "PUT /v2/offer/{publisherOfferId}";
    assert_eq!(
        route_count(&stats, put) - route_count(&stats_before, put),
        1
    );
    assert_eq!(
        writes(&stats) - writes(&stats_before),
        1,
        "exactly one write: {stats}"
    );
    let after = shop.offer("rolling-offer-1").await;
    assert_eq!(after["productsSequence"][1]["priceInUsdCents"], 299);
    let ignore = ["/updatedAt", "/productsSequence/1/priceInUsdCents"];
    assert_eq!(
        without(after, &ignore),
        without(before, &ignore),
        "every other field, modelled or not, is unchanged"
    );
    work.assert_plan_empty().await;
}
}

#[tokio::test(flavor = "multi_thread")]
async fn with_api_v1_a_rolling_offer_edit_sends_the_seed_request() {
    let server = start_emulator(ServeArgs::ephemeral()).await;
    let proxy = crate::support::Recorder::start(server.url()).await;
    let mut work = appcharge_workdir(&sample_appcharge(), &proxy.url);
    work.set_env("OFFERCTL_APPCHARGE_API", "v1");
    let applied = work.offerctl(&["apply", "--auto-approve"]).await;
    assert_eq!(applied.code, 0, "{}", applied.all());
    work.edit("offers.d/rolling-offers.yaml", "price: 199", "price: 299");
    let applied = work.offerctl(&["apply", "--auto-approve"]).await;
    assert_eq!(applied.code, 0, "{}", applied.all());

    let requests = proxy.requests();
    let create = requests
        .iter()
        .find(|r| r.method == "POST" && r.path == "/offering/rolling-offer")
        .expect("the V1 create");
    let update = requests
        .iter()
        .find(|r| r.method == "PUT" && r.path == "/offering/rolling-offer/starter-ladder")
        .expect("the V1 update of seed 003");
    for body in [&create.body, &update.body] {
        let body: Value = serde_json::from_slice(body).expect("JSON");
        let keys: Vec<&str> = body
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "publisherOfferId",
                "name",
                "type",
                "active",
                "priority",
                "offerExternalUiId",
                "segments",
                "productsSequence",
                "schedule"
            ],
            "the seed's top-level shape and order"
        );
        let seed_step = [
            "index",
            "products",
            "priceInUsdCents",
            "priceDiscount",
            "productSale",
            "badges",
        ];
        for step in body["productsSequence"].as_array().unwrap() {
            let keys: Vec<&str> = step
                .as_object()
                .unwrap()
                .keys()
                .map(String::as_str)
                .collect();
            let expected: Vec<&str> = seed_step
                .iter()
                .copied()
                .filter(|k| keys.contains(k))
                .collect();
            assert_eq!(keys, expected);
            for product in step["products"].as_array().unwrap() {
                let keys: Vec<&str> = product
                    .as_object()
                    .unwrap()
                    .keys()
                    .map(String::as_str)
                    .collect();
                assert_eq!(keys, ["publisherProductId", "quantity"]);
            }
        }
        let frame = &body["schedule"]["timeFrames"][0];
        let keys: Vec<&str> = frame
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, ["startTime", "endTime", "notes"]);
    }
    let update: Value = serde_json::from_slice(&update.body).unwrap();
    assert_eq!(update["productsSequence"][1]["priceInUsdCents"], 299);
    assert_eq!(update["type"], "RollingOffer");
    assert_eq!(shop_offer_price(&server.url()).await, 299);
    work.assert_plan_empty().await;
}

async fn shop_offer_price(origin: &str) -> Value {
    Shop::new(origin).offer("starter-ladder").await["productsSequence"][1]["priceInUsdCents"]
        .clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn apply_converges_through_faults_without_duplicates() {
    let server = start_emulator(with_faults(2)).await;
    let manifests = tempfile::tempdir().expect("tempdir");
    generated_appcharge(manifests.path(), 24);
    let work = appcharge_workdir(manifests.path(), &server.url());
    let shop = Shop::new(&server.url());
    let offers = apply_through_faults(&work, &shop).await;
    assert_eq!(offers.len(), 24);
    assert_eq!(shop.components("product").await.len(), 4);
    work.assert_plan_empty().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stale_saved_plan_exits_5_and_writes_nothing() {
    let server = start_emulator(ServeArgs::ephemeral()).await;
    let shop = Shop::new(&server.url());
    let work = appcharge_workdir(&sample_appcharge(), &server.url());
    assert_eq!(work.offerctl(&["apply", "--auto-approve"]).await.code, 0);
    work.edit("offers.d/rolling-offers.yaml", "price: 199", "price: 299");
    let planned = work.offerctl(&["plan", "--out", "plan.json"]).await;
    assert_eq!(planned.code, 0, "{}", planned.all());
    // Someone edits the offer in the dashboard meanwhile.
    let mut offer = shop.offer("starter-ladder").await;
    let body = json!({
        "name": "Starter ladder (dashboard edit)", "type": "RollingOffer", "active": true,
        "segments": offer["segments"].take(), "offerExternalUiId": "ladder-blue",
        "productsSequence": [
            {"index": 1, "priceInUsdCents": 0, "products": [{"publisherProductId": "gold-100", "quantity": 100}]},
            {"index": 2, "priceInUsdCents": 199, "products": [{"publisherProductId": "gold-100", "quantity": 500}]}
        ]
    });
    shop.put("/v2/offer/starter-ladder", body).await;
    let before = shop.stats().await;
    let applied = work.offerctl(&["apply", "plan.json"]).await;
    assert_eq!(applied.code, 5, "{}", applied.all());
    let after = shop.stats().await;
    assert_eq!(
        writes(&after),
        writes(&before),
        "nothing written: {}",
        applied.all()
    );
    assert_eq!(
        shop.offer("starter-ladder").await["name"],
        "Starter ladder (dashboard edit)"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn prune_can_deactivate_offers_instead_of_deleting_them() {
    let server = start_emulator(ServeArgs::ephemeral()).await;
    let shop = Shop::new(&server.url());
    let work = appcharge_workdir(&sample_appcharge(), &server.url());
    assert_eq!(work.offerctl(&["apply", "--auto-approve"]).await.code, 0);
    std::fs::remove_file(work.path("offers.d/rolling-offers.yaml")).expect("remove");
    let plan = work
        .offerctl(&[
            "plan",
            "--prune",
            "--prune-deactivate",
            "--detailed-exitcode",
        ])
        .await;
    assert_eq!(plan.code, 2, "{}", plan.all());
    assert!(
        plan.stdout
            .contains("RollingOffer/starter-ladder will be updated in place"),
        "{}",
        plan.stdout
    );
    let applied = work
        .offerctl(&["apply", "--auto-approve", "--prune", "--prune-deactivate"])
        .await;
    assert_eq!(applied.code, 0, "{}", applied.all());
    assert_eq!(shop.offer("starter-ladder").await["active"], false);
    let again = work
        .offerctl(&[
            "plan",
            "--prune",
            "--prune-deactivate",
            "--detailed-exitcode",
        ])
        .await;
    assert_eq!(again.code, 0, "switched off already: {}", again.all());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_publisher_token_never_shows_even_at_trace_level() {
    let server = start_emulator(ServeArgs {
        appcharge_token: Some(APPCHARGE_TOKEN.into()),
        ..ServeArgs::ephemeral()
    })
    .await;
    let mut work = appcharge_workdir(&sample_appcharge(), &server.url());
    work.set_env("OFFERCTL_LOG", "trace");
    let applied = work
        .offerctl(&[
            "-vvv",
            "apply",
            "--auto-approve",
            "--journal",
            "journal.jsonl",
        ])
        .await;
    assert_eq!(applied.code, 0, "{}", applied.all());
    let journal = std::fs::read_to_string(work.path("journal.jsonl")).unwrap_or_default();
    for text in [&applied.stdout, &applied.stderr, &journal] {
        assert!(!text.contains(APPCHARGE_TOKEN), "the token leaked");
    }
    work.set_env("OFFERCTL_APPCHARGE_TOKEN", "PUBTOKEN-wrong-0000");
    let refused = work.offerctl(&["-vvv", "plan"]).await;
    assert_eq!(refused.code, 4, "{}", refused.all());
    assert!(
        !refused.all().contains("PUBTOKEN-wrong-0000"),
        "{}",
        refused.all()
    );
    assert!(refused.stderr.contains("401"), "{}", refused.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn without_an_endpoint_the_embedded_repository_serves_both_providers() {
    let dir = tempfile::tempdir().expect("tempdir");
    crate::support::copy_dir(
        &crate::support::root().join("offers.d"),
        &dir.path().join("offers.d"),
    );
    crate::support::copy_dir(&sample_appcharge(), &dir.path().join("offers.d/appcharge"));
    let work = crate::support::Workdir {
        dir,
        env: Vec::new(),
        manifests: 0,
    };
    let applied = work.offerctl(&["apply", "--auto-approve"]).await;
    assert_eq!(applied.code, 0, "{}", applied.all());
    assert!(
        applied.stderr.contains("No Appcharge endpoint configured"),
        "{}",
        applied.stderr
    );
    work.assert_plan_empty().await;
    let shop_objects = work
        .offerctl(&["export", "--provider", "appcharge", "--out", "exported"])
        .await;
    assert_eq!(shop_objects.code, 0, "{}", shop_objects.all());
    assert!(work.path("exported/appcharge-rolling-offers.yaml").exists());
}
