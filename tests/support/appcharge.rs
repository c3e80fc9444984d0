//! Appcharge in the tests: requests to the emulator's Appcharge API (as a publisher's own
//! scripts or the dashboard would make them) and a working directory whose offerctl talks to
//! it. What offerctl sends is seen through `world::Recorder`.

use std::path::Path;

use serde_json::{Value, json};

use super::world::{Workdir, copy_dir, root};

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
            http: reqwest::Client::new(),
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
