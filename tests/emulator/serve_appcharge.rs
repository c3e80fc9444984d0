//! The Appcharge facade of `offerctl serve` over real HTTP: documented bodies, the read shape,
//! validation, conflicts, auth, paging, the V1 rolling-offer contract, the shared gateway's
//! faults and statistics, and durability.

use std::collections::HashSet;

use offerctl::providers::serve::{RunningServer, ServeArgs, start};
use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::{Value, json};

use crate::support::stat;

const PUBLISHER_TOKEN: &str = "publisher-token-5eed";

struct Ac {
    server: RunningServer,
    client: reqwest::Client,
}

impl Ac {
    async fn start() -> Ac {
        Ac::with(ServeArgs::ephemeral()).await
    }

    async fn with(args: ServeArgs) -> Ac {
        Ac {
            server: start(args).await.expect("serve starts"),
            client: crate::support::http_client(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.url())
    }

    fn req(&self, method: Method, path: &str) -> RequestBuilder {
        self.client
            .request(method, self.url(path))
            .header("x-publisher-token", PUBLISHER_TOKEN)
    }

    async fn send(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut request = self.req(method, path);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request");
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn ok(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        let (status, answer) = self.send(method.clone(), path, body).await;
        assert!(status.is_success(), "{method} {path}: {status} {answer}");
        answer
    }

    async fn stats(&self) -> Value {
        let response = self.client.get(self.url("/_emulator/stats")).send().await;
        response.expect("stats").json().await.expect("json")
    }

    /// Products gold/gems, the documented ribbon and emblem badges, a rolling design and a
    /// bundle design.
    async fn seed(&self) {
        for (id, name) in [("gold", "Gold Coins Pack"), ("gems", "Gems")] {
            let mut product = documented_product();
            product["publisherProductId"] = json!(id);
            product["name"] = json!(name);
            self.ok(Method::POST, "/components/v1/product", Some(product))
                .await;
        }
        for badge in [ribbon_badge(), emblem_badge()] {
            self.ok(Method::POST, "/components/v1/badge", Some(badge))
                .await;
        }
        for design in [
            rolling_design(),
            json!({"externalId": "bundle-ui", "name": "Bundle design", "offerUiType": "Bundle"}),
        ] {
            self.ok(Method::POST, "/components/v1/offer-design", Some(design))
                .await;
        }
    }
}

fn documented_product() -> Value {
    json!({
        "name": "Gold Coins Pack", "displayName": "Gold Coins", "publisherProductId": "gold_coins_100",
        "type": "Quantity", "description": "A pack of 100 gold coins.", "prefix": "Get", "suffix": "coins",
        "textFontColorHex": "#f5c518",
        "productImageUrl": "https://media.appcharge.com/media/69133d595af23405d8e843a5",
    })
}

fn ribbon_badge() -> Value {
    json!({
        "name": "New Year Celebration", "publisherBadgeId": "new_year_ribbon", "type": "ribbon",
        "text": "New Year Sale",
        "backgroundColor": {"colorOne": "#00c6ff", "colorTwo": "#0072ff", "gradientDirection": "to right"},
        "textColor": {"colorOne": "#ffffff"},
    })
}

fn emblem_badge() -> Value {
    json!({
        "name": "New Year Celebration", "publisherBadgeId": "new_year_celebration", "type": "emblem",
        "badgeImageUrl": "https://media.appcharge.com/media/69133d595af23405d8e843a5",
    })
}

fn rolling_design() -> Value {
    json!({
        "offerUiType": "RollingOffer", "name": "Rolling design", "externalId": "roll-ui",
        "backgroundImageUrl": "https://media.appcharge.com/media/bg.png", "backgroundColor": "#101225",
        "backgroundOpacity": 80, "arrowColor": "#ffffff",
        "borderColor": {"colorOne": "#FFFFFF", "colorTwo": "#FDFCF9", "direction": "to right"},
        "borderWidth": 2, "subRollingOffer": {"backgroundImageUrl": "https://media.appcharge.com/media/sub.png", "collectText": "FREE"},
        "description": "A rolling design",
    })
}

/// The V2 rolling offer of the documentation's create example (plus a design and badges).
fn rolling(id: &str) -> Value {
    let step = |index: i64, price: i64| {
        json!({"index": index, "priceInUsdCents": price,
               "products": [{"publisherProductId": "gold", "quantity": 100, "priority": "Main"},
                            {"publisherProductId": "gems", "quantity": "5", "priority": "Sub"}],
               "badges": [{"publisherBadgeId": "new_year_ribbon"}]})
    };
    json!({
        "publisherOfferId": id, "name": "Rolling offer", "type": "RollingOffer", "active": true,
        "priority": 1, "displayName": "Roll!", "description": "Three steps", "segments": ["vip_players"],
        "publisherTabId": "tab-1", "offerExternalUiId": "roll-ui",
        "productsSequence": [step(1, 0), step(2, 199), step(3, 499)],
        "schedule": {"permanent": false, "timeFrames": [
            {"startTime": "2030-01-01T00:00:00Z", "endTime": "2030-02-01T00:00:00Z", "notes": "January"}]},
        "productSale": {"type": "percentage", "sale": 20},
        "priceDiscount": {"type": "percentage", "discount": 10},
        "notModelledByOfferctl": {"deep": [1, {"x": true}]},
    })
}

#[tokio::test]
async fn documented_bodies_are_accepted_and_read_back_in_read_shape() {
    let ac = Ac::start().await;
    ac.seed().await;
    let products = ac.ok(Method::GET, "/components/v1/product", None).await;
    assert_eq!(products.as_array().map(Vec::len), Some(2), "a bare array");
    assert_eq!(products[0]["textFontColorHex"], "#f5c518");
    assert_eq!(products[0]["id"].as_str().map(str::len), Some(24));
    let badge = ac
        .ok(Method::GET, "/components/v1/badge/new_year_ribbon", None)
        .await;
    assert_eq!(badge["textColor"], json!({"colorOne": "#ffffff"}));
    let designs = ac
        .ok(Method::GET, "/components/v1/offer-design", None)
        .await;
    assert_eq!(designs[0]["subRollingOffer"]["collectText"], "FREE");

    let (status, created) = ac
        .send(Method::POST, "/v2/offer", Some(rolling("roll-1")))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let bundle = json!({"publisherOfferId": "offer1", "name": "Test_Bundle", "type": "Bundle",
        "active": true, "segments": ["NewUser"],
        "productsSequence": [{"index": 1, "priceInUsdCents": 300, "products": []}],
        "priceDiscount": {"priceBeforeDiscount": 1000, "discount": 10, "type": "percentage"}});
    let (status, _) = ac.send(Method::POST, "/v2/offer", Some(bundle)).await;
    assert_eq!(status, StatusCode::CREATED);

    let page = ac
        .ok(Method::GET, "/v2/offer?publisherOfferIds=roll-1", None)
        .await;
    assert_eq!(page["totalCount"], 1);
    let offer = &page["offers"][0];
    assert_eq!(offer, &created, "GET answers what POST answered");
    assert_eq!(
        offer["notModelledByOfferctl"],
        json!({"deep": [1, {"x": true}]})
    );
    assert_eq!(offer["publisherTabId"], "tab-1");
    assert_eq!(offer["offerUi"]["externalId"], "roll-ui");
    assert_eq!(offer["offerUi"]["offerUIType"], "RollingOffer");
    assert_eq!(offer["offerUi"]["subRollingOffer"]["collectText"], "FREE");
    assert!(offer.get("offerExternalUiId").is_none());
    let entry = &offer["productsSequence"][1]["products"][1];
    assert_eq!(entry["quantity"], "5", "stored as given");
    assert_eq!(entry["priority"], "Sub");
    assert_eq!(entry["product"]["publisherProductId"], "gems");
    assert_eq!(entry["product"]["productId"], products[1]["id"]);
    assert_eq!(
        offer["productsSequence"][0]["badges"][0]["badge"]["text"],
        "New Year Sale"
    );
    let frame = &offer["schedule"]["timeFrames"][0];
    assert_eq!(frame["notes"], "January");
    assert_eq!(frame["id"].as_str().map(str::len), Some(24));
    for field in ["offerId", "publisherId", "createdAt", "updatedAt"] {
        assert!(offer[field].is_string(), "{field}");
    }
    let all = ac.ok(Method::GET, "/v2/offer", None).await;
    assert_eq!(all["totalCount"], 2);
    assert_eq!(all["offers"][1]["offerUi"], Value::Null);

    // A full replace that omits publisherOfferId keeps unmodelled fields the body carries.
    let mut body = rolling("roll-1");
    body.as_object_mut()
        .expect("object")
        .remove("publisherOfferId");
    body["productsSequence"][0]["stepLevelUnknown"] = json!("kept");
    body["productsSequence"][0]["products"][0]["entryLevelUnknown"] = json!(7);
    body["schedule"]["timeFrames"][0]["frameUnknown"] = json!("kept");
    body["active"] = json!(false);
    let updated = ac.ok(Method::PUT, "/v2/offer/roll-1", Some(body)).await;
    assert_eq!(updated["active"], false);
    assert_eq!(updated["offerId"], created["offerId"]);
    assert_eq!(updated["createdAt"], created["createdAt"]);
    assert!(updated["updatedAt"].as_str() > created["updatedAt"].as_str());
    assert_eq!(updated["productsSequence"][0]["stepLevelUnknown"], "kept");
    assert_eq!(
        updated["productsSequence"][0]["products"][0]["entryLevelUnknown"],
        7
    );
    assert_eq!(updated["schedule"]["timeFrames"][0]["frameUnknown"], "kept");
    assert_eq!(
        updated["notModelledByOfferctl"],
        json!({"deep": [1, {"x": true}]})
    );

    let deleted = ac.ok(Method::DELETE, "/v2/offer/roll-1", None).await;
    assert_eq!(deleted, updated);
    let none = ac
        .ok(Method::GET, "/v2/offer?publisherOfferIds=roll-1", None)
        .await;
    assert_eq!(none, json!({"totalCount": 0, "offers": []}));
}

/// A change to a valid offer, and the start of the message refusing it.
type Case = (fn(&mut Value), &'static str);

#[tokio::test]
async fn every_validation_rule_answers_400_naming_the_field() {
    let ac = Ac::start().await;
    ac.seed().await;
    let cases: Vec<Case> = vec![
        (
            |o| o["publisherOfferId"] = json!(""),
            "publisherOfferId: required",
        ),
        (|o| o["name"] = json!("ab"), "name: at least 3 characters"),
        (
            |o| o["type"] = json!("Gadget"),
            "type: \"Gadget\" is not one of",
        ),
        (
            |o| o["active"] = json!("yes"),
            "active: required, a boolean",
        ),
        (
            |o| o["productsSequence"] = json!([o["productsSequence"][0].clone()]),
            "productsSequence: a RollingOffer needs at least 2 steps",
        ),
        (
            |o| o["productsSequence"] = json!(vec![o["productsSequence"][0].clone(); 51]),
            "productsSequence: at most 50 steps",
        ),
        (
            |o| o["productsSequence"][2]["index"] = json!(1),
            "productsSequence[2].index: 1 is the index of an earlier step",
        ),
        (
            |o| o["productsSequence"][0]["products"] = json!([]),
            "productsSequence[0].products: at least 1 product",
        ),
        (
            |o| {
                let p = o["productsSequence"][0]["products"][0].clone();
                let mut fourth = o["productsSequence"][2].clone();
                fourth["index"] = json!(4);
                fourth["products"] = json!([p, p, p, p]);
                o["productsSequence"]
                    .as_array_mut()
                    .expect("steps")
                    .push(fourth);
            },
            "productsSequence[3].products: at most 3 products",
        ),
        (
            |o| o["productsSequence"][1]["products"][0]["quantity"] = json!(-1),
            "productsSequence[1].products[0].quantity: required, a positive integer",
        ),
        (
            |o| o["productsSequence"][1]["priceInUsdCents"] = json!(50),
            "productsSequence[1].priceInUsdCents: must be 0 (free) or at least 80",
        ),
        (
            |o| o["priceDiscount"]["type"] = json!("multiplier"),
            "priceDiscount.type: one of percentage, fixed_amount",
        ),
        (
            |o| o["productsSequence"][0]["productSale"] = json!({"type": "double", "sale": 1}),
            "productsSequence[0].productSale.type",
        ),
        (
            |o| o["schedule"]["timeFrames"] = json!([]),
            "schedule.timeFrames: at least one time frame when permanent is false",
        ),
        (
            |o| o["schedule"]["timeFrames"][0]["endTime"] = json!("2029-01-01T00:00:00Z"),
            "schedule.timeFrames[0].endTime: must be after startTime",
        ),
        (
            |o| {
                let frame =
                    json!({"startTime": "2030-01-15T00:00:00Z", "endTime": "2030-03-01T00:00:00Z"});
                o["schedule"]["timeFrames"]
                    .as_array_mut()
                    .expect("frames")
                    .push(frame);
            },
            "schedule.timeFrames[1]: overlaps schedule.timeFrames[0]",
        ),
        (
            |o| o["productsSequence"][0]["products"][0]["publisherProductId"] = json!("ghost"),
            "productsSequence[0].products[0].publisherProductId: no product",
        ),
        (
            |o| o["productsSequence"][0]["badges"][0]["publisherBadgeId"] = json!("ghost"),
            "productsSequence[0].badges[0].publisherBadgeId: no badge",
        ),
        (
            |o| o["offerExternalUiId"] = json!("ghost"),
            "offerExternalUiId: no offer design",
        ),
        (
            |o| o["offerExternalUiId"] = json!("bundle-ui"),
            "offerExternalUiId: offer design \"bundle-ui\" is a Bundle design",
        ),
    ];
    for (change, expected) in cases {
        let mut offer = rolling("invalid");
        change(&mut offer);
        let (status, body) = ac.send(Method::POST, "/v2/offer", Some(offer)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{expected}: {body}");
        assert_eq!(body["errorCode"], 400);
        let message = body["errorMessage"].as_str().unwrap_or_default();
        assert!(
            message.starts_with(expected),
            "expected {expected:?}, got {message:?}"
        );
    }
    for (path, body, expected) in [
        (
            "/components/v1/product",
            json!({"name": "x"}),
            "publisherProductId: required",
        ),
        (
            "/components/v1/badge",
            json!({"publisherBadgeId": "b", "name": "B", "type": "ribbon"}),
            "text: required for a ribbon badge",
        ),
        (
            "/components/v1/badge",
            json!({"publisherBadgeId": "b", "name": "B", "type": "emblem"}),
            "badgeImageUrl: required for an emblem badge",
        ),
        (
            "/components/v1/offer-design",
            json!({"externalId": "d", "name": "D", "offerUiType": "Carousel"}),
            "offerUiType: required, one of",
        ),
    ] {
        let (status, answer) = ac.send(Method::POST, path, Some(body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let message = answer["message"].as_str().unwrap_or_default();
        assert!(message.starts_with(expected), "{message}");
    }
    // Malformed bodies are 400 in each API's shape, never a panic.
    for (path, shape) in [
        ("/v2/offer", "errorMessage"),
        ("/components/v1/product", "message"),
        ("/offering/rolling-offer", "message"),
    ] {
        let response = ac
            .req(Method::POST, path)
            .header("content-type", "application/json")
            .body("{\"publisherOfferId\": ")
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{path}");
        let body: Value = response.json().await.expect("json");
        assert!(
            body[shape]
                .as_str()
                .is_some_and(|m| m.contains("not valid JSON")),
            "{body}"
        );
        let (status, _) = ac.send(Method::POST, path, Some(json!([1, 2]))).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: an array body");
    }
    assert_eq!(ac.ok(Method::GET, "/v2/offer", None).await["totalCount"], 0);
}

#[tokio::test]
async fn duplicates_are_409_unknown_keys_404_and_referenced_components_stay() {
    let ac = Ac::start().await;
    ac.seed().await;
    ac.ok(Method::POST, "/v2/offer", Some(rolling("r1"))).await;
    let (status, body) = ac
        .send(Method::POST, "/v2/offer", Some(rolling("r1")))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["errorCode"], 409);
    assert!(
        body["errorMessage"]
            .as_str()
            .is_some_and(|m| m.contains("already exists"))
    );
    let (status, _) = ac
        .send(
            Method::POST,
            "/components/v1/product",
            Some(json!({"publisherProductId": "gold", "name": "Gold"})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);

    for (method, path) in [
        (Method::PUT, "/v2/offer/ghost"),
        (Method::DELETE, "/v2/offer/ghost"),
        (Method::GET, "/components/v1/product/ghost"),
        (Method::PUT, "/components/v1/badge/ghost"),
        (Method::DELETE, "/components/v1/offer-design/ghost"),
    ] {
        let body = (method == Method::PUT).then(|| {
            if path.starts_with("/v2") {
                rolling("ghost")
            } else {
                ribbon_badge()
            }
        });
        let (status, answer) = ac.send(method.clone(), path, body).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {answer}");
    }
    let (status, answer) = ac.send(Method::GET, "/v2/nothing", None).await;
    assert_eq!(
        (status, answer["errorCode"].clone()),
        (StatusCode::NOT_FOUND, json!(404))
    );
    let (status, answer) = ac
        .send(Method::GET, "/components/v1/offer-design/roll-ui", None)
        .await;
    assert_eq!(
        status,
        StatusCode::METHOD_NOT_ALLOWED,
        "no single GET for designs"
    );
    assert!(
        answer["message"]
            .as_str()
            .is_some_and(|m| m.contains("list them"))
    );

    let (status, answer) = ac
        .send(Method::PUT, "/v2/offer/r1", Some(rolling("r2")))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        answer["errorMessage"]
            .as_str()
            .is_some_and(|m| m.starts_with("publisherOfferId: renaming"))
    );
    let mut bundle = rolling("r1");
    bundle["type"] = json!("SpecialOffer");
    let (status, _) = ac.send(Method::PUT, "/v2/offer/r1", Some(bundle)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "the type cannot change");

    for path in [
        "/components/v1/product/gems",
        "/components/v1/badge/new_year_ribbon",
        "/components/v1/offer-design/roll-ui",
    ] {
        let (status, answer) = ac.send(Method::DELETE, path, None).await;
        assert_eq!(status, StatusCode::CONFLICT, "{path}");
        assert!(
            answer["message"].as_str().is_some_and(|m| m.contains("r1")),
            "{answer}"
        );
    }
    let unused = ac
        .ok(
            Method::DELETE,
            "/components/v1/badge/new_year_celebration",
            None,
        )
        .await;
    assert_eq!(unused["type"], "emblem");
    ac.ok(Method::DELETE, "/v2/offer/r1", None).await;
    ac.ok(Method::DELETE, "/components/v1/product/gems", None)
        .await;
    let renamed = ac
        .ok(
            Method::PUT,
            "/components/v1/product/gold",
            Some(json!({"name": "Gold 2"})),
        )
        .await;
    assert_eq!(renamed["publisherProductId"], "gold");
}

#[tokio::test]
async fn the_publisher_token_is_required_and_checked_when_configured() {
    let open = Ac::start().await;
    let missing = open
        .client
        .get(open.url("/v2/offer"))
        .send()
        .await
        .expect("request");
    assert_eq!(missing.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        missing.json::<Value>().await.expect("json"),
        json!({"message": "Unauthorized"})
    );
    let empty = open
        .client
        .get(open.url("/components/v1/product"))
        .header("x-publisher-token", " ")
        .send()
        .await
        .expect("request");
    assert_eq!(empty.status(), StatusCode::UNAUTHORIZED);
    let any = open
        .client
        .get(open.url("/v2/offer"))
        .header("x-publisher-token", "whatever")
        .send()
        .await
        .expect("request");
    assert_eq!(any.status(), StatusCode::OK);

    let closed = Ac::with(ServeArgs {
        appcharge_token: Some(PUBLISHER_TOKEN.into()),
        ..ServeArgs::ephemeral()
    })
    .await;
    for path in [
        "/v2/offer",
        "/components/v1/badge",
        "/offering/rolling-offer",
    ] {
        let wrong = closed
            .client
            .post(closed.url(path))
            .header("x-publisher-token", "wrong")
            .json(&json!({}))
            .send()
            .await
            .expect("request");
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED, "{path}");
    }
    assert_eq!(
        closed.send(Method::GET, "/v2/offer", None).await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn paging_is_complete_and_duplicate_free() {
    let ac = Ac::start().await;
    ac.seed().await;
    for n in 0..23 {
        let (status, _) = ac
            .send(
                Method::POST,
                "/v2/offer",
                Some(rolling(&format!("offer-{n:02}"))),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let mut seen = Vec::new();
    let mut offset = 0;
    loop {
        let page = ac
            .ok(
                Method::GET,
                &format!("/v2/offer?recordLimit=5&offset={offset}"),
                None,
            )
            .await;
        assert_eq!(page["totalCount"], 23);
        let offers = page["offers"].as_array().expect("offers").clone();
        if offers.is_empty() {
            break;
        }
        offset += offers.len();
        seen.extend(
            offers
                .iter()
                .map(|o| o["publisherOfferId"].as_str().expect("id").to_string()),
        );
    }
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!((seen.len(), unique.len()), (23, 23));
    assert_eq!(seen[0], "offer-00", "creation order");
    let default = ac.ok(Method::GET, "/v2/offer", None).await;
    assert_eq!(default["offers"].as_array().map(Vec::len), Some(23));
    let some = ac
        .ok(
            Method::GET,
            "/v2/offer?publisherOfferIds=offer-22,%20offer-01,nope&recordLimit=500",
            None,
        )
        .await;
    assert_eq!(some["totalCount"], 2);
    assert_eq!(some["offers"][0]["publisherOfferId"], "offer-01");
    for query in ["recordLimit=501", "recordLimit=-1", "offset=x"] {
        let (status, body) = ac
            .send(Method::GET, &format!("/v2/offer?{query}"), None)
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(body["errorCode"], 400);
    }
}

#[tokio::test]
async fn v1_rolling_offers_follow_the_seed_contract() {
    let ac = Ac::start().await;
    ac.seed().await;
    let design_id = ac
        .ok(Method::GET, "/components/v1/offer-design", None)
        .await[0]["id"]
        .clone();
    let step = |index: i64| {
        json!({
            "index": index,
            "products": [{"publisherProductId": "gold", "quantity": 123}],
            "priceInUsdCents": 123,
            "priceDiscount": {"discount": 123, "type": "percentage"},
            "productSale": {"sale": 123, "type": "fixed_amount"},
            "badges": [{"publisherBadgeId": "new_year_ribbon"}],
        })
    };
    let body = json!({
        "publisherOfferId": "seed-roll", "name": "Seed rolling offer", "type": "RollingOffer",
        "active": true, "priority": 123, "offerUiId": design_id, "offerExternalUiId": "roll-ui",
        "segments": ["whales"], "productsSequence": [step(1), step(2)],
        "schedule": {"permanent": true, "timeFrames": [
            {"startTime": "2023-11-07T05:31:56Z", "endTime": "2023-11-08T05:31:56Z", "notes": "n"}]},
    });
    let (status, created) = ac
        .send(Method::POST, "/offering/rolling-offer", Some(body.clone()))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let keys: Vec<&str> = created
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "publisherOfferId",
            "offerId",
            "name",
            "type",
            "active",
            "priority",
            "segments",
            "offerUi",
            "productsSequence",
            "schedule",
            "createdAt",
            "updatedAt"
        ]
    );
    assert_eq!(
        created["offerUi"],
        json!({
        "offerUiId": design_id, "offerUIType": "RollingOffer", "description": "A rolling design",
        "backgroundImage": "https://media.appcharge.com/media/bg.png",
        "borderColor": {"colorOne": "#FFFFFF", "colorTwo": "#FDFCF9", "direction": "to right"},
        "borderWidth": 2, "externalId": "roll-ui"})
    );
    assert_eq!(
        created["productsSequence"][1],
        json!({"index": 2, "priceInUsdCents": 123,
        "products": [{"publisherProductId": "gold", "quantity": 123}],
        "badges": [{"publisherBadgeId": "new_year_ribbon"}]})
    );

    let mut update = body.clone();
    update.as_object_mut().expect("object").remove("type");
    update["name"] = json!("Renamed rolling offer");
    update["productsSequence"][0]["priceInUsdCents"] = json!(0);
    let (status, updated) = ac
        .send(
            Method::PUT,
            "/offering/rolling-offer/seed-roll",
            Some(update),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["name"], "Renamed rolling offer");
    assert_eq!(updated["offerId"], created["offerId"]);
    assert_eq!(updated["createdAt"], created["createdAt"]);

    // The same offer in V2, per-step V1 fields intact.
    let v2 = ac
        .ok(Method::GET, "/v2/offer?publisherOfferIds=seed-roll", None)
        .await;
    assert_eq!(
        v2["offers"][0]["productsSequence"][1]["priceDiscount"],
        json!({"discount": 123, "type": "percentage"})
    );

    let mut invalid = body.clone();
    invalid["productsSequence"][0]["priceDiscount"]["type"] = json!("multiplier");
    let (status, error) = ac
        .send(
            Method::PUT,
            "/offering/rolling-offer/seed-roll",
            Some(invalid.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("productsSequence[0].priceDiscount.type"))
    );
    assert_eq!(error["requestUrl"], "/offering/rolling-offer/seed-roll");
    assert_eq!(error["body"], invalid);
    let (status, error) = ac
        .send(
            Method::PUT,
            "/offering/rolling-offer/ghost",
            Some(body.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(error["message"].is_string());
    let (status, _) = ac
        .send(Method::POST, "/offering/rolling-offer", Some(body))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn gateway_faults_take_appcharge_shapes_and_show_in_stats() {
    let failing = Ac::with(ServeArgs {
        fail_rate: 1.0,
        ..ServeArgs::ephemeral()
    })
    .await;
    let (status, body) = failing
        .send(Method::POST, "/v2/offer", Some(json!({})))
        .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(body["message"].is_string(), "{body}");
    let stats = failing.stats().await;
    assert_eq!(stat(&stats, "byRoute", "POST /v2/offer"), 1);
    assert_eq!(stat(&stats, "byStatus", "503"), 1);

    let throttled = Ac::with(ServeArgs {
        throttle: Some(1.0),
        ..ServeArgs::ephemeral()
    })
    .await;
    let mut limited = None;
    for _ in 0..5 {
        let response = throttled
            .req(Method::GET, "/components/v1/product")
            .send()
            .await
            .expect("request");
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            assert!(response.headers().contains_key("retry-after"));
            limited = Some(response.json::<Value>().await.expect("json"));
            break;
        }
    }
    assert_eq!(limited, Some(json!({"message": "Rate limit exceeded."})));
    assert!(stat(&throttled.stats().await, "byStatus", "429") >= 1);

    let dropping = Ac::with(ServeArgs {
        drop_after_commit: 1.0,
        ..ServeArgs::ephemeral()
    })
    .await;
    let sent = dropping
        .req(Method::POST, "/components/v1/product")
        .json(&json!({"publisherProductId": "gold", "name": "Gold"}))
        .send()
        .await;
    assert!(sent.is_err(), "the connection is severed after the commit");
    let read = dropping
        .req(Method::GET, "/components/v1/product/gold")
        .send()
        .await
        .expect("reads are not dropped");
    assert_eq!(read.status(), StatusCode::OK, "the write committed");
    assert!(read.headers().contains_key("x-request-id"));
    let stats = dropping.stats().await;
    assert_eq!(stats["dropped"], 1);
    assert_eq!(stat(&stats, "byRoute", "POST /components/v1/product"), 1);
    assert_eq!(
        stat(&stats, "byRoute", "GET /components/v1/product/{externalId}"),
        1
    );
    assert!(
        dropping
            .server
            .appcharge()
            .get_component(
                offerctl::providers::appcharge::repository::Component::Product,
                "gold"
            )
            .is_ok()
    );
}

#[tokio::test]
async fn appcharge_data_survives_a_restart_and_reset_clears_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let durable = || ServeArgs {
        data: Some(dir.path().to_path_buf()),
        ..ServeArgs::ephemeral()
    };
    let ac = Ac::with(durable()).await;
    ac.seed().await;
    let created = ac
        .ok(Method::POST, "/v2/offer", Some(rolling("kept")))
        .await;
    ac.ok(
        Method::DELETE,
        "/components/v1/badge/new_year_celebration",
        None,
    )
    .await;
    ac.server.shutdown().await.expect("shutdown");
    assert!(
        dir.path().join("appcharge").is_dir(),
        "Appcharge keeps its own directory"
    );

    let ac = Ac::with(durable()).await;
    let page = ac.ok(Method::GET, "/v2/offer", None).await;
    assert_eq!(page["offers"][0], created);
    let badges = ac.ok(Method::GET, "/components/v1/badge", None).await;
    assert_eq!(badges.as_array().map(Vec::len), Some(1));
    let reset = ac
        .client
        .post(ac.url("/_emulator/reset"))
        .send()
        .await
        .expect("reset");
    assert_eq!(reset.status(), StatusCode::OK);
    assert_eq!(
        reset.json::<Value>().await.expect("json")["appcharge"]["reset"],
        true
    );
    assert_eq!(ac.ok(Method::GET, "/v2/offer", None).await["totalCount"], 0);
    assert_eq!(
        ac.ok(Method::GET, "/components/v1/product", None).await,
        json!([])
    );
}
