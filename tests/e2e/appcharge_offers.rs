//! Every Appcharge offer type end to end: offers made by another client with Appcharge's
//! documented V2 bodies are exported, planned, edited, pulled, replaced and pruned by the
//! `offerctl` binary over HTTP against the emulator.

use std::collections::HashSet;

use offerctl::providers::appcharge::{kind::Kind, wire};
use offerctl::providers::serve::ServeArgs;
use serde_json::{Value, json};

use crate::support::appcharge::*;
use crate::support::start_emulator;

fn count(stats: &Value, group: &str, key: &str) -> u64 {
    stats[group][key].as_u64().unwrap_or(0)
}

fn writes(stats: &Value) -> u64 {
    ["POST", "PUT", "PATCH", "DELETE"]
        .iter()
        .map(|m| count(stats, "byMethod", m))
        .sum()
}

/// `offer` without the top-level properties an edit may change, its product quantities as
/// numbers (a quantity read as text, `"100"`, is written back as the number it is).
fn without(mut offer: Value, keys: &[&str]) -> Value {
    if let Some(map) = offer.as_object_mut() {
        map.retain(|k, _| !keys.contains(&k.as_str()));
    }
    for step in offer["productsSequence"]
        .as_array_mut()
        .into_iter()
        .flatten()
    {
        for entry in step["products"].as_array_mut().into_iter().flatten() {
            if let Some(n) = entry["quantity"]
                .as_str()
                .and_then(|q| q.parse::<u64>().ok())
            {
                entry["quantity"] = json!(n);
            }
        }
    }
    offer
}

/// The exported file of `kind`.
fn file_of(kind: &str) -> String {
    let name = match kind {
        "ProgressBar" => "progress-bars",
        "RollingOffer" => "rolling-offers",
        "Bundle" => "bundles",
        "SpecialOffer" => "special-offers",
        "CheckoutLink" => "checkout-links",
        _ => "popups",
    };
    format!("offers.d/appcharge-{name}.yaml")
}

/// A working directory holding the export of a shop with an offer of every type.
async fn exported_shop(origin: &str, shop: &Shop) -> crate::support::Workdir {
    create_documented_offers(shop).await;
    let empty = tempfile::tempdir().expect("tempdir");
    let work = appcharge_workdir(empty.path(), origin);
    let exported = work
        .offerctl(&["export", "--provider", "appcharge", "--out", "offers.d"])
        .await;
    assert_eq!(exported.code, 0, "{}", exported.all());
    work
}

#[tokio::test(flavor = "multi_thread")]
async fn offers_of_every_type_export_validate_plan_empty_and_a_one_field_edit_is_one_put() {
    let server = start_emulator(ServeArgs::ephemeral()).await;
    let shop = Shop::new(&server.url());
    let work = exported_shop(&server.url(), &shop).await;
    let validated = work.offerctl(&["validate"]).await;
    assert_eq!(validated.code, 0, "{}", validated.all());
    work.assert_plan_empty().await;
    for (kind, _) in DOCUMENTED_OFFERS {
        assert!(work.path(&file_of(kind)).exists(), "no export of {kind}");
    }
    let popups = std::fs::read_to_string(work.path(&file_of("Popup"))).unwrap();
    for expected in [
        "subType: RewardCalendar",
        "rewardCalendar:",
        "displayRule:",
        "showAfter: purchase",
    ] {
        assert!(popups.contains(expected), "{popups}");
    }

    for (kind, id) in DOCUMENTED_OFFERS {
        let before = shop.offer(id).await;
        let title = before["name"].as_str().expect("name").to_string();
        let stats_before = shop.stats().await;
        work.edit(
            &file_of(kind),
            &format!("title: {title}\n"),
            &format!("title: {title} v2\n"),
        );
        let applied = work.offerctl(&["apply", "--auto-approve"]).await;
        assert_eq!(applied.code, 0, "{kind}/{id}: {}", applied.all());
        let stats = shop.stats().await;
        let put = "PUT /v2/offer/{publisherOfferId}";
        assert_eq!(
            count(&stats, "byRoute", put) - count(&stats_before, "byRoute", put),
            1,
            "{kind}/{id}: one PUT"
        );
        assert_eq!(
            writes(&stats) - writes(&stats_before),
            1,
            "{kind}/{id}: exactly one write"
        );
        let after = shop.offer(id).await;
        assert_eq!(after["name"], format!("{title} v2"));
        // Appcharge's display name follows the name unless it was set apart from it.
        if before["displayName"] == before["name"] {
            assert_eq!(after["displayName"], after["name"]);
        } else {
            assert_eq!(after["displayName"], before["displayName"]);
        }
        let edited = ["updatedAt", "name", "displayName"];
        assert_eq!(
            without(after, &edited),
            without(before, &edited),
            "{kind}/{id}: every other field, modelled or not (server-set ones too), is unchanged"
        );
    }
    work.assert_plan_empty().await;
}

/// Another client's change to an offer: its id, kind and the change to its body.
type Edit = (&'static str, Kind, fn(&mut Value));

#[tokio::test(flavor = "multi_thread")]
async fn drift_in_offers_of_every_type_shows_in_the_plan_and_pull_writes_it_in_place() {
    let server = start_emulator(ServeArgs::ephemeral()).await;
    let shop = Shop::new(&server.url());
    let work = exported_shop(&server.url(), &shop).await;
    let edits: [Edit; 6] = [
        ("xp-bar", Kind::ProgressBar, |o| {
            o["productsSequence"][1]["products"][0]["quantity"] = json!(7)
        }),
        ("bundle-1", Kind::Bundle, |o| {
            o["productsSequence"][0]["priceInUsdCents"] = json!(1299)
        }),
        ("special-offer-1", Kind::SpecialOffer, |o| {
            o["productSale"]["sale"] = json!(40)
        }),
        ("checkout-link-1", Kind::CheckoutLink, |o| {
            o["segments"] = json!(["lapsed"])
        }),
        ("daily-bonus-1", Kind::Popup, |o| o["priority"] = json!(5)),
        ("store-refresh-1", Kind::Popup, |o| {
            o["displayRule"]["maxPerDay"] = json!(3)
        }),
    ];
    for (id, kind, edit) in edits {
        // Another client's full-body PUT, as Appcharge's dashboard would save it.
        let canonical = wire::normalize_read(kind, shop.offer(id).await);
        let mut body = wire::write_body(kind, &canonical, false);
        edit(&mut body);
        shop.put(&format!("/v2/offer/{id}"), body).await;
    }
    let plan = work.offerctl(&["plan", "--detailed-exitcode"]).await;
    assert_eq!(plan.code, 2, "{}", plan.all());
    for (id, kind, _) in edits {
        let line = format!("{kind}/{id} will be updated in place");
        assert!(plan.stdout.contains(&line), "{line}: {}", plan.stdout);
    }
    let pulled = work.offerctl(&["pull"]).await;
    assert_eq!(pulled.code, 0, "{}", pulled.all());
    let text = |kind| std::fs::read_to_string(work.path(&file_of(kind))).unwrap();
    assert!(
        text("Bundle").contains("price: 1299\n"),
        "{}",
        text("Bundle")
    );
    assert!(
        text("ProgressBar").contains("quantity: 7\n"),
        "{}",
        text("ProgressBar")
    );
    assert!(
        text("SpecialOffer").contains("amount: 40\n"),
        "{}",
        text("SpecialOffer")
    );
    assert!(
        text("CheckoutLink").contains("lapsed"),
        "{}",
        text("CheckoutLink")
    );
    assert!(text("Popup").contains("priority: 5\n"), "{}", text("Popup"));
    assert!(text("Popup").contains("maxPerDay: 3"), "{}", text("Popup"));
    work.assert_plan_empty().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_type_change_is_planned_and_applied_as_delete_then_create() {
    let server = start_emulator(ServeArgs::ephemeral()).await;
    let shop = Shop::new(&server.url());
    create_documented_offers(&shop).await;
    let proxy = crate::support::Recorder::start(server.url()).await;
    let empty = tempfile::tempdir().expect("tempdir");
    let work = appcharge_workdir(empty.path(), &proxy.url);
    let exported = work
        .offerctl(&["export", "--provider", "appcharge", "--out", "offers.d"])
        .await;
    assert_eq!(exported.code, 0, "{}", exported.all());
    work.edit(&file_of("Bundle"), "kind: Bundle\n", "kind: SpecialOffer\n");
    work.edit(
        &file_of("Bundle"),
        "design: bundle-green\n",
        "design: special-red\n",
    );

    // The old offer is deleted, a destructive change: refused unless allowed.
    let warned = work.offerctl(&["plan"]).await;
    assert_eq!(warned.code, 0, "{}", warned.all());
    assert!(
        warned
            .stderr
            .contains("`offerctl apply` will refuse this plan")
            && warned.stderr.contains("--allow-delete"),
        "{}",
        warned.all()
    );
    let refused = work.offerctl(&["apply", "--auto-approve"]).await;
    assert_eq!(refused.code, 6, "{}", refused.all());
    let plan = work
        .offerctl(&["plan", "--allow-delete", "--detailed-exitcode"])
        .await;
    assert_eq!(plan.code, 2, "{}", plan.all());
    assert!(
        plan.stdout.contains("Bundle/bundle-1 will be deleted"),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout
            .contains("SpecialOffer/bundle-1 will be created"),
        "{}",
        plan.stdout
    );
    let json = work
        .offerctl(&["plan", "--allow-delete", "--output", "json"])
        .await;
    let json: Value = serde_json::from_str(&json.stdout).expect("JSON plan");
    assert_eq!(json["summary"]["create"], 1, "{json}");
    assert_eq!(json["summary"]["delete"], 1, "{json}");

    let applied = work
        .offerctl(&["apply", "--auto-approve", "--allow-delete"])
        .await;
    assert_eq!(applied.code, 0, "{}", applied.all());
    let writes: Vec<(String, String)> = proxy
        .requests()
        .into_iter()
        .filter(|r| r.method != "GET")
        .map(|r| (r.method.clone(), r.path.clone()))
        .collect();
    assert_eq!(
        writes,
        [
            ("DELETE".to_string(), "/v2/offer/bundle-1".to_string()),
            ("POST".to_string(), "/v2/offer".to_string())
        ],
        "the old offer goes first"
    );
    let offer = shop.offer("bundle-1").await;
    assert_eq!(offer["type"], "SpecialOffer");
    assert_eq!(offer["publisherSectionId"], "section-top", "extra survives");
    work.assert_plan_empty().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn prune_deactivate_switches_off_offers_of_every_type() {
    let server = start_emulator(ServeArgs::ephemeral()).await;
    let shop = Shop::new(&server.url());
    let work = appcharge_workdir(&sample_appcharge(), &server.url());
    let applied = work.offerctl(&["apply", "--auto-approve"]).await;
    assert_eq!(applied.code, 0, "{}", applied.all());
    let offers = shop.offers().await;
    let types: HashSet<&str> = offers.iter().filter_map(|o| o["type"].as_str()).collect();
    assert_eq!(
        types.len(),
        6,
        "one of each type in the examples: {types:?}"
    );
    for file in ["rolling-offers.yaml", "offers.yaml"] {
        std::fs::remove_file(work.path(&format!("offers.d/{file}"))).expect("remove");
    }
    let args = ["--prune", "--prune-deactivate"];
    let plan = work
        .offerctl(&[&["plan", "--detailed-exitcode"][..], &args].concat())
        .await;
    assert_eq!(plan.code, 2, "{}", plan.all());
    for offer in &offers {
        let kind = Kind::of_offer_type(offer["type"].as_str().unwrap()).unwrap();
        let line = format!(
            "{kind}/{} will be updated in place",
            offer["publisherOfferId"].as_str().unwrap()
        );
        assert!(plan.stdout.contains(&line), "{line}: {}", plan.stdout);
    }
    assert!(!plan.stdout.contains("will be deleted"), "{}", plan.stdout);
    let applied = work
        .offerctl(&[&["apply", "--auto-approve"][..], &args].concat())
        .await;
    assert_eq!(applied.code, 0, "{}", applied.all());
    let after = shop.offers().await;
    assert_eq!(after.len(), offers.len(), "nothing deleted");
    assert!(after.iter().all(|o| o["active"] == false), "{after:?}");
    let again = work
        .offerctl(&[&["plan", "--detailed-exitcode"][..], &args].concat())
        .await;
    assert_eq!(again.code, 0, "switched off already: {}", again.all());
}

#[tokio::test(flavor = "multi_thread")]
async fn offers_of_every_type_converge_through_faults_without_duplicates() {
    let server = start_emulator(with_faults(5)).await;
    let manifests = tempfile::tempdir().expect("tempdir");
    let expected = generated_offers_of_every_type(manifests.path(), 4);
    let work = appcharge_workdir(manifests.path(), &server.url());
    let shop = Shop::new(&server.url());
    let offers = apply_through_faults(&work, &shop).await;
    assert_eq!(offers.len(), expected);
    let types: HashSet<&str> = offers.iter().filter_map(|o| o["type"].as_str()).collect();
    assert_eq!(types.len(), 6, "{types:?}");
    work.assert_plan_empty().await;
}
