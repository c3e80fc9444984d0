//! The Appcharge facade with offers of every type over real HTTP: the documented V2 bodies of
//! each type are accepted and listed by `offerType`, and the documented refusals answer 400
//! (prices, missing `subType`, unknown or mistyped progress-bar references) or 409 (a progress
//! bar offers still use).

use offerctl::providers::serve::{ServeArgs, start};
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::appcharge::{DOCUMENTED_OFFERS, Shop, create_documented_offers};

async fn shop_with_every_type() -> (offerctl::providers::serve::RunningServer, Shop) {
    let server = start(ServeArgs::ephemeral()).await.expect("serve starts");
    let shop = Shop::new(&server.url());
    create_documented_offers(&shop).await;
    (server, shop)
}

#[tokio::test]
async fn every_type_is_stored_and_listed_by_offer_type() {
    let (_server, shop) = shop_with_every_type().await;
    assert_eq!(shop.offers().await.len(), DOCUMENTED_OFFERS.len());
    for (offer_type, expected) in [
        ("ProgressBar", 1),
        ("RollingOffer", 1),
        ("Bundle", 1),
        ("SpecialOffer", 1),
        ("CheckoutLink", 1),
        ("PopUp", 4),
    ] {
        let path = format!("/v2/offer?offerType={offer_type}&recordLimit=1&offset=0");
        let (status, page) = shop.call(Method::GET, &path, None).await;
        assert_eq!(status, 200, "{page}");
        assert_eq!(page["totalCount"], expected, "{offer_type}: {page}");
        assert_eq!(page["offers"].as_array().map(Vec::len), Some(1));
        assert_eq!(page["offers"][0]["type"], offer_type);
    }
    let (status, answer) = shop
        .call(Method::GET, "/v2/offer?offerType=Popup", None)
        .await;
    assert_eq!(status, 400, "{answer}");
    assert!(answer.to_string().contains("offerType"), "{answer}");
    // Expanded in reads, as the other references are not: progress-bar entries as written.
    let bundle = shop.offer("bundle-1").await;
    assert_eq!(
        bundle["productsSequence"][0]["progressBarPoints"],
        json!([{"publisherBarId": "xp-bar", "points": 10}])
    );
    assert_eq!(
        bundle["productsSequence"][0]["products"][1]["quantity"],
        "100"
    );
}

#[tokio::test]
async fn a_checkout_link_keeps_its_server_set_fields_across_a_put() {
    let (_server, shop) = shop_with_every_type().await;
    let before = shop.offer("checkout-link-1").await;
    let link = before["deeplinkUrl"].as_str().expect("a link").to_string();
    assert!(link.contains(before["offerId"].as_str().unwrap()), "{link}");
    assert_eq!(before["playerClickedTtl"], 86_400);
    let body = json!({
        "name": "Email winback 2", "type": "CheckoutLink", "active": true,
        "productsSequence": [{"index": 1, "priceInUsdCents": 1999,
            "products": [{"publisherProductId": "gold_coins_100", "quantity": 100}]}],
    });
    let after = shop.put("/v2/offer/checkout-link-1", body).await;
    assert_eq!(after["deeplinkUrl"], link.as_str());
    assert_eq!(after["playerClickedTtl"], 86_400);
}

/// A change to a documented offer, and the start of the 400 message refusing it.
type Case = (&'static str, fn(&mut Value), &'static str);

#[tokio::test]
async fn the_documented_refusals_name_the_field() {
    let (_server, shop) = shop_with_every_type().await;
    let cases: Vec<Case> = vec![
        (
            "bundle-1",
            |o| o["productsSequence"][0]["priceInUsdCents"] = json!(50),
            "productsSequence[0].priceInUsdCents: must be 0 (free) or at least 80",
        ),
        (
            "daily-bonus-1",
            |o| {
                o.as_object_mut().unwrap().remove("subType");
            },
            "subType: required for a PopUp",
        ),
        (
            "daily-bonus-1",
            |o| o["subType"] = json!("Banner"),
            "subType: \"Banner\" is not one of",
        ),
        (
            "post-purchase-1",
            |o| {
                o.as_object_mut().unwrap().remove("priority");
            },
            "priority: required for a PopUp",
        ),
        (
            "store-refresh-1",
            |o| {
                o.as_object_mut().unwrap().remove("displayRule");
            },
            "displayRule: required for a StoreRefresh pop-up",
        ),
        (
            "reward-calendar-1",
            |o| {
                o.as_object_mut().unwrap().remove("rewardCalendar");
            },
            "rewardCalendar: required for a RewardCalendar pop-up",
        ),
        (
            "store-refresh-1",
            |o| o["productsSequence"][0]["productSale"]["type"] = json!("multiplier"),
            "productsSequence[0].productSale.type: one of percentage for a PopUp",
        ),
        (
            "bundle-1",
            |o| o["priceDiscount"]["type"] = json!("fixed_amount"),
            "priceDiscount.type: one of percentage for a Bundle",
        ),
        (
            "bundle-1",
            |o| o["productsSequence"][0]["progressBarPoints"][0]["publisherBarId"] = json!("nope"),
            "productsSequence[0].progressBarPoints[0].publisherBarId: no progress bar \"nope\"",
        ),
        (
            "bundle-1",
            |o| {
                o["productsSequence"][0]["progressBarPoints"][0]["publisherBarId"] =
                    json!("special-offer-1")
            },
            "productsSequence[0].progressBarPoints[0].publisherBarId: offer \"special-offer-1\" is a SpecialOffer",
        ),
        (
            "xp-bar",
            |o| {
                o["productsSequence"][0]["progressBarPoints"] =
                    json!([{"publisherBarId": "xp-bar", "points": 1}])
            },
            "productsSequence[0].progressBarPoints: a ProgressBar cannot give points",
        ),
        (
            "special-offer-1",
            |o| o["offerExternalUiId"] = json!("bundle-green"),
            "offerExternalUiId: offer design \"bundle-green\" is a Bundle design",
        ),
    ];
    for (id, change, expected) in cases {
        let mut body = shop.offer(id).await;
        for server_set in [
            "offerId",
            "publisherId",
            "createdAt",
            "updatedAt",
            "offerUi",
        ] {
            body.as_object_mut().unwrap().remove(server_set);
        }
        // The read shape's expanded products back to the write shape.
        for step in body["productsSequence"].as_array_mut().unwrap() {
            for entry in step["products"].as_array_mut().unwrap() {
                let id = entry["product"]["publisherProductId"].clone();
                entry.as_object_mut().unwrap().remove("product");
                entry["publisherProductId"] = id;
            }
            if let Some(badges) = step["badges"].as_array_mut() {
                for entry in badges {
                    *entry = json!({"publisherBadgeId": entry["badge"]["publisherBadgeId"]});
                }
            }
        }
        let mut fresh = body.clone();
        fresh["publisherOfferId"] = json!(format!("{id}-copy"));
        let (status, ok) = shop
            .call(Method::POST, "/v2/offer", Some(fresh.clone()))
            .await;
        assert_eq!(status, 201, "{id}: the copy itself is valid: {ok}");
        shop.call(Method::DELETE, &format!("/v2/offer/{id}-copy"), None)
            .await;
        change(&mut fresh);
        let (status, answer) = shop.call(Method::POST, "/v2/offer", Some(fresh)).await;
        assert_eq!(status, 400, "{id}: {expected}: {answer}");
        let message = answer["errorMessage"].as_str().unwrap_or_default();
        assert!(
            message.starts_with(expected),
            "{id}: {message:?} vs {expected:?}"
        );
    }
}

#[tokio::test]
async fn a_progress_bar_in_use_is_not_deleted_and_a_type_is_not_changed_by_put() {
    let (_server, shop) = shop_with_every_type().await;
    let (status, answer) = shop.call(Method::DELETE, "/v2/offer/xp-bar", None).await;
    assert_eq!(status, 409, "{answer}");
    assert!(answer.to_string().contains("bundle-1"), "{answer}");
    let (status, answer) = shop
        .call(
            Method::PUT,
            "/v2/offer/bundle-1",
            Some(
                json!({"name": "Starter", "type": "SpecialOffer", "active": true,
                        "productsSequence": [{"index": 1, "priceInUsdCents": 0, "products": []}]}),
            ),
        )
        .await;
    assert_eq!(status, 400, "{answer}");
    assert!(answer.to_string().contains("cannot change"), "{answer}");
    let (status, _) = shop.call(Method::DELETE, "/v2/offer/bundle-1", None).await;
    assert_eq!(status, 200);
    let (status, answer) = shop.call(Method::DELETE, "/v2/offer/xp-bar", None).await;
    assert_eq!(status, 200, "no longer used: {answer}");
}
