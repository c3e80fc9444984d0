//! Appcharge in the tests: requests to the emulator's Appcharge API (as a publisher's own
//! scripts or the dashboard would make them) and a working directory whose offerctl talks to
//! it. What offerctl sends is seen through `world::Recorder`.

use std::path::Path;

use serde_json::{Value, json};

use super::world::{Workdir, copy_dir, root};
use offerctl::providers::serve::ServeArgs;

/// The publisher token the tests use.
pub const APPCHARGE_TOKEN: &str = "PUBTOKEN-4d1c2b9e77";

/// Requests to the emulator's Appcharge API at `origin`.
#[derive(Clone)]
pub struct Shop {
    pub origin: String,
    pub http: reqwest::Client,
}

impl Shop {
    pub fn new(origin: &str) -> Shop {
        Shop {
            origin: origin.trim_end_matches('/').to_string(),
            http: super::emulator::http_client(),
        }
    }

    /// `METHOD path` with the publisher token; the status and the JSON body (`null` if none).
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.origin))
            .header("x-publisher-token", APPCHARGE_TOKEN);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        let bytes = response.bytes().await.expect("body");
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    pub async fn post(&self, path: &str, body: Value) -> Value {
        let (status, answer) = self.call(reqwest::Method::POST, path, Some(body)).await;
        assert!(
            (200..300).contains(&status),
            "POST {path}: {status} {answer}"
        );
        answer
    }

    pub async fn put(&self, path: &str, body: Value) -> Value {
        let (status, answer) = self.call(reqwest::Method::PUT, path, Some(body)).await;
        assert!(
            (200..300).contains(&status),
            "PUT {path}: {status} {answer}"
        );
        answer
    }

    /// Every offer, in the read shape.
    pub async fn offers(&self) -> Vec<Value> {
        let (status, page) = self
            .call(reqwest::Method::GET, "/v2/offer?recordLimit=500", None)
            .await;
        assert_eq!(status, 200, "{page}");
        page["offers"].as_array().cloned().unwrap_or_default()
    }

    pub async fn offer(&self, id: &str) -> Value {
        self.offers()
            .await
            .into_iter()
            .find(|o| o["publisherOfferId"] == id)
            .unwrap_or_else(|| panic!("no offer {id}"))
    }

    /// Every component of `path` (`product`, `badge`, `offer-design`).
    pub async fn components(&self, path: &str) -> Vec<Value> {
        let (status, list) = self
            .call(
                reqwest::Method::GET,
                &format!("/components/v1/{path}"),
                None,
            )
            .await;
        assert_eq!(status, 200, "{list}");
        list.as_array().cloned().unwrap_or_default()
    }

    pub async fn stats(&self) -> Value {
        super::emulator::Remote::new(&self.origin).stats().await
    }
}

/// A working directory with `manifests` copied to `offers.d/`, whose offerctl reaches
/// Appcharge at `origin` (and has no Adobe endpoint).
pub fn appcharge_workdir(manifests: &Path, origin: &str) -> Workdir {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(manifests, &dir.path().join("offers.d"));
    let read = offerctl::sources::read(&dir.path().join("offers.d")).expect("manifests");
    let count = offerctl::check::check(&read.sources, offerctl::providers::builtin())
        .catalog
        .objects()
        .len();
    Workdir {
        dir,
        env: vec![
            ("OFFERCTL_APPCHARGE_ENDPOINT".into(), origin.to_string()),
            ("OFFERCTL_APPCHARGE_TOKEN".into(), APPCHARGE_TOKEN.into()),
        ],
        manifests: count,
    }
}

/// The sample Appcharge catalogue (`examples/appcharge`).
pub fn sample_appcharge() -> std::path::PathBuf {
    root().join("examples/appcharge")
}

/// A catalogue of `offers` rolling offers over a few products, badges and one design.
pub fn generated_appcharge(dir: &Path, offers: usize) {
    std::fs::create_dir_all(dir).expect("dir");
    let mut components = String::new();
    for i in 0..4 {
        components.push_str(&format!(
            "kind: Product\nname: product-{i}\ntitle: Product {i}\nunit: Quantity\n---\n"
        ));
    }
    components.push_str("kind: Badge\nname: hot\ntitle: Hot\nstyle: ribbon\ntext: HOT\n---\n");
    components
        .push_str("kind: OfferDesign\nname: ladder\ntitle: Ladder\nofferType: RollingOffer\n");
    std::fs::write(dir.join("components.yaml"), components).expect("write");
    let mut text = String::new();
    for n in 0..offers {
        if n > 0 {
            text.push_str("---\n");
        }
        text.push_str(&format!(
            "kind: RollingOffer\nname: ladder-{n}\ntitle: Ladder {n}\npriority: {}\ndesign: ladder\nsegments: [segment-{}]\nsteps:\n",
            n + 1,
            n % 3
        ));
        for step in 0..(2 + n % 4) {
            let price = if step == 0 { 0 } else { 99 + 100 * step };
            text.push_str(&format!(
                "  - price: {price}\n    products:\n      - product: product-{}\n        quantity: {}\n",
                step % 4,
                10 * (step + 1)
            ));
            if step % 2 == 1 {
                text.push_str("    badges: [hot]\n");
            }
        }
    }
    std::fs::write(dir.join("offers.yaml"), text).expect("write");
}

/// Documented V2 bodies (Appcharge's API reference, with ids of our own), including properties
/// offerctl does not model.
pub async fn create_documented_catalogue(shop: &Shop) {
    shop.post(
        "/components/v1/product",
        json!({"publisherProductId": "gold_coins_100", "name": "Gold Coins Pack", "displayName": "Gold Coins",
               "type": "Quantity", "prefix": "Get", "suffix": "coins", "textFontColorHex": "#f5c518",
               "productImageUrl": "https://media.example.com/gold.png"}),
    )
    .await;
    shop.post(
        "/components/v1/product",
        json!({"publisherProductId": "gems_10", "name": "Gem Pouch", "type": "Quantity"}),
    )
    .await;
    shop.post(
        "/components/v1/badge",
        json!({"publisherBadgeId": "best_value", "name": "Best value", "type": "ribbon", "text": "BEST VALUE",
               "backgroundColor": {"colorOne": "#00c6ff", "colorTwo": "#0072ff", "gradientDirection": "to right"}}),
    )
    .await;
    shop.post(
        "/components/v1/offer-design",
        json!({"externalId": "rolling-blue", "name": "Rolling blue", "offerUiType": "RollingOffer",
               "backgroundImageUrl": "https://media.example.com/bg.png", "backgroundColor": "#112233",
               "arrowColor": "#ffffff", "borderWidth": 2}),
    )
    .await;
    shop.post(
        "/v2/offer",
        json!({
            "publisherOfferId": "rolling-offer-1", "name": "Rolling Offer 1", "type": "RollingOffer",
            "active": true, "priority": 1, "displayName": "Daily ladder", "description": "Climb it",
            "segments": ["vip_players"], "publisherTabId": "tab-main", "offerExternalUiId": "rolling-blue",
            "productsSequence": [
                {"index": 1, "priceInUsdCents": 0, "products": [{"publisherProductId": "gold_coins_100", "quantity": 100}]},
                {"index": 2, "priceInUsdCents": 199,
                 "products": [{"publisherProductId": "gold_coins_100", "quantity": 500}, {"publisherProductId": "gems_10", "quantity": 5}],
                 "badges": [{"publisherBadgeId": "best_value"}],
                 "priceDiscount": {"discount": 20, "type": "percentage"}},
                {"index": 3, "priceInUsdCents": 499, "products": [{"publisherProductId": "gems_10", "quantity": 30}],
                 "productSale": {"sale": 50, "type": "percentage"}}
            ],
            "schedule": {"permanent": false, "timeFrames": [
                {"startTime": "2026-12-01T00:00:00Z", "endTime": "2027-01-01T00:00:00Z", "notes": "winter"}
            ]}
        }),
    )
    .await;
}

/// The publisher ids and kinds of the offers [`create_documented_offers`] makes, by kind.
pub const DOCUMENTED_OFFERS: &[(&str, &str)] = &[
    ("ProgressBar", "xp-bar"),
    ("RollingOffer", "rolling-offer-1"),
    ("Bundle", "bundle-1"),
    ("SpecialOffer", "special-offer-1"),
    ("CheckoutLink", "checkout-link-1"),
    ("Popup", "daily-bonus-1"),
    ("Popup", "post-purchase-1"),
    ("Popup", "reward-calendar-1"),
    ("Popup", "store-refresh-1"),
];

/// [`create_documented_catalogue`], then an offer of every other type and pop-up sub-type, in
/// the V2 bodies of Appcharge's API reference (quantities as text where its examples have
/// them, properties offerctl does not model), each with a design of its type.
pub async fn create_documented_offers(shop: &Shop) {
    create_documented_catalogue(shop).await;
    for (external, ui_type) in [
        ("bar-design", "ProgressBar"),
        ("bundle-green", "Bundle"),
        ("special-red", "SpecialOffer"),
        ("checkout-plain", "CheckoutLink"),
        ("popup-gold", "PopUp"),
    ] {
        shop.post(
            "/components/v1/offer-design",
            json!({"externalId": external, "name": format!("{ui_type} design"), "offerUiType": ui_type}),
        )
        .await;
    }
    let permanent = json!({"permanent": true, "timeFrames": []});
    shop.post(
        "/v2/offer",
        json!({
            "publisherOfferId": "xp-bar", "name": "XP progress bar", "type": "ProgressBar",
            "active": true, "segments": [], "offerExternalUiId": "bar-design",
            "description": "Fill it to win",
            "productsSequence": [
                {"index": 1, "priceInUsdCents": 0, "products": [{"publisherProductId": "gold_coins_100", "quantity": 50, "priority": "Main"}]},
                {"index": 2, "priceInUsdCents": 0, "products": [{"publisherProductId": "gems_10", "quantity": 5, "priority": "Main"}]}
            ],
            "schedule": permanent,
        }),
    )
    .await;
    shop.post(
        "/v2/offer",
        json!({
            "publisherOfferId": "bundle-1", "name": "Starter Bundle", "displayName": "Starter!",
            "type": "Bundle", "active": true, "segments": ["NewUser"], "publisherSectionId": "section-top",
            "offerExternalUiId": "bundle-green",
            "productsSequence": [{
                "index": 1, "priceInUsdCents": 999,
                "products": [
                    {"publisherProductId": "gold_coins_100", "quantity": 1000, "priority": "Main"},
                    {"publisherProductId": "gems_10", "quantity": "100", "priority": "Sub"}
                ],
                "badges": [{"publisherBadgeId": "best_value"}],
                "progressBarPoints": [{"publisherBarId": "xp-bar", "points": 10}]
            }],
            "productSale": {"sale": 2, "type": "multiplier"},
            "priceDiscount": {"discount": 20, "type": "percentage"},
            "schedule": {"permanent": false, "timeFrames": [
                {"startTime": "2026-12-01T00:00:00Z", "endTime": "2027-01-01T00:00:00Z", "notes": "launch"}
            ]},
        }),
    )
    .await;
    shop.post(
        "/v2/offer",
        json!({
            "publisherOfferId": "special-offer-1", "name": "Weekend special", "type": "SpecialOffer",
            "active": true, "priority": 2, "segments": ["BigSpender"], "offerExternalUiId": "special-red",
            "dynamicOfferUi": {"salePercentage": 30, "salePercentageDisplayType": "percentage"},
            "productsSequence": [{"index": 1, "priceInUsdCents": 499,
                "products": [{"publisherProductId": "gems_10", "quantity": "100", "priority": "Main"}]}],
            "productSale": {"sale": 30, "type": "percentage"},
            "schedule": permanent,
        }),
    )
    .await;
    shop.post(
        "/v2/offer",
        json!({
            "publisherOfferId": "checkout-link-1", "name": "Email winback", "type": "CheckoutLink",
            "active": true, "segments": [], "offerExternalUiId": "checkout-plain",
            "productsSequence": [{"index": 1, "priceInUsdCents": 1999,
                "products": [{"publisherProductId": "gold_coins_100", "quantity": "100", "priority": "Main"}]}],
            "productSale": {"sale": 500, "type": "fixed_amount"},
            "schedule": permanent,
        }),
    )
    .await;
    let day = |index: u64, quantity: u64| {
        json!({"index": index, "priceInUsdCents": 0,
               "products": [{"publisherProductId": "gold_coins_100", "quantity": quantity, "priority": "Main"}]})
    };
    shop.post(
        "/v2/offer",
        json!({
            "publisherOfferId": "daily-bonus-1", "name": "Daily bonus", "type": "PopUp", "subType": "DailyBonus",
            "active": true, "priority": 1, "segments": [], "offerExternalUiId": "popup-gold",
            "startOver": true,
            "productsSequence": [day(1, 10), day(2, 20), day(3, 50)],
            "schedule": permanent,
        }),
    )
    .await;
    shop.post(
        "/v2/offer",
        json!({
            "publisherOfferId": "post-purchase-1", "name": "Thank you gift", "type": "PopUp", "subType": "PostPurchase",
            "active": true, "priority": 2, "segments": [],
            "showAfter": "purchase",
            "triggers": [{"type": "event", "eventName": "purchase", "every": 1,
                          "rules": [{"fieldName": "publisherOfferId", "operator": "in", "value": ["bundle-1"]}]}],
            "productsSequence": [day(1, 25)],
            "schedule": permanent,
        }),
    )
    .await;
    shop.post(
        "/v2/offer",
        json!({
            "publisherOfferId": "reward-calendar-1", "name": "December calendar", "type": "PopUp",
            "subType": "RewardCalendar", "active": true, "priority": 3, "segments": [],
            "rewardCalendar": {"days": 7, "restartOnMiss": false},
            "productsSequence": [day(1, 5), day(2, 10)],
            "schedule": permanent,
        }),
    )
    .await;
    shop.post(
        "/v2/offer",
        json!({
            "publisherOfferId": "store-refresh-1", "name": "Fresh stock", "type": "PopUp",
            "subType": "StoreRefresh", "active": true, "priority": 4, "segments": [],
            "displayRule": {"type": "afterRefresh", "maxPerDay": 1},
            "productsSequence": [{"index": 1, "priceInUsdCents": 299,
                "products": [{"publisherProductId": "gems_10", "quantity": 15, "priority": "Main"}],
                "productSale": {"sale": 10, "type": "percentage"}}],
            "schedule": permanent,
        }),
    )
    .await;
}

/// Manifests with `count` offers of every type and pop-up sub-type over a few components;
/// returns how many offers they hold.
pub fn generated_offers_of_every_type(dir: &Path, count: usize) -> usize {
    std::fs::create_dir_all(dir).expect("dir");
    let mut text = String::new();
    for i in 0..2 {
        text.push_str(&format!(
            "kind: Product\nname: product-{i}\ntitle: Product {i}\n---\n"
        ));
    }
    text.push_str("kind: Badge\nname: hot\ntitle: Hot\nstyle: ribbon\ntext: HOT\n---\n");
    for t in ["ProgressBar", "Bundle", "PopUp"] {
        text.push_str(&format!(
            "kind: OfferDesign\nname: {t}-design\ntitle: {t} design\nofferType: {t}\n---\n"
        ));
    }
    let item = |price: usize| {
        format!("price: {price}\nproducts:\n  - product: product-0\n    quantity: 10\n")
    };
    let step = |price: usize| {
        format!(
            "  - price: {price}\n    products:\n      - product: product-1\n        quantity: 5\n"
        )
    };
    for n in 0..count {
        text.push_str(&format!(
            "kind: ProgressBar\nname: bar-{n}\ntitle: Bar {n}\ndesign: ProgressBar-design\nsteps:\n{}---\n",
            step(0)
        ));
        text.push_str(&format!(
            "kind: RollingOffer\nname: ladder-{n}\ntitle: Ladder {n}\nsteps:\n{}{}---\n",
            step(0),
            step(199)
        ));
        text.push_str(&format!(
            "kind: Bundle\nname: bundle-{n}\ntitle: Bundle {n}\ndesign: Bundle-design\n{}badges: [hot]\nprogressBarPoints:\n  - bar: bar-{n}\n    points: {}\nsale: {{type: multiplier, amount: 2}}\n---\n",
            item(499),
            n + 1
        ));
        text.push_str(&format!(
            "kind: SpecialOffer\nname: special-{n}\ntitle: Special {n}\n{}discount: {{type: percentage, amount: 10}}\n---\n",
            item(299)
        ));
        text.push_str(&format!(
            "kind: CheckoutLink\nname: link-{n}\ntitle: Link {n}\n{}---\n",
            item(999)
        ));
        for (sub_type, settings) in [
            ("DailyBonus", ""),
            ("PostPurchase", ""),
            ("RewardCalendar", "rewardCalendar: {days: 7}\n"),
            ("StoreRefresh", "displayRule: {maxPerDay: 1}\n"),
        ] {
            text.push_str(&format!(
                "kind: Popup\nname: {sub_type}-{n}\ntitle: {sub_type} {n}\nsubType: {sub_type}\npriority: {}\ndesign: PopUp-design\n{settings}steps:\n{}---\n",
                n + 1,
                step(0)
            ));
        }
    }
    let text = text.trim_end_matches("---\n");
    std::fs::write(dir.join("offers.yaml"), text).expect("write");
    count * 9
}

/// An emulator that fails 10 % of requests, throttles at 40 a second and drops 15 % of answers
/// after committing them, from `seed`.
pub fn with_faults(seed: u64) -> ServeArgs {
    ServeArgs {
        fail_rate: 0.1,
        throttle: Some(40.0),
        drop_after_commit: 0.15,
        seed: Some(seed),
        ..ServeArgs::ephemeral()
    }
}

/// `apply` through the faults of [`with_faults`] (4 at a time, up to 10 attempts): it succeeds,
/// faults and drops did happen, and no offer was made twice. The offers, read afterwards.
pub async fn apply_through_faults(work: &Workdir, shop: &Shop) -> Vec<Value> {
    let applied = work
        .offerctl(&[
            "apply",
            "--auto-approve",
            "--parallelism",
            "4",
            "--max-attempts",
            "10",
        ])
        .await;
    assert_eq!(applied.code, 0, "{}", applied.all());
    let stats = shop.stats().await;
    let count = |value: &Value| value.as_u64().unwrap_or(0);
    assert!(count(&stats["byStatus"]["503"]) > 0, "faults: {stats}");
    assert!(count(&stats["dropped"]) > 0, "drops: {stats}");
    let offers = shop.offers().await;
    let ids: std::collections::HashSet<&str> = offers
        .iter()
        .filter_map(|o| o["publisherOfferId"].as_str())
        .collect();
    assert_eq!(ids.len(), offers.len(), "no duplicates");
    offers
}
