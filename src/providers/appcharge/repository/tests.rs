use serde_json::{Value, json};

use super::{Component, PUBLISHER_ID, Store, StoreError};

fn seeded() -> Store {
    let store = Store::in_memory();
    for id in ["gold", "gems", "boost"] {
        store
            .create_component(
                Component::Product,
                json!({"publisherProductId": id, "name": id, "type": "Quantity", "extra": {"k": 1}}),
            )
            .expect("product");
    }
    store
        .create_component(
            Component::Badge,
            json!({"publisherBadgeId": "hot", "name": "Hot", "type": "ribbon", "text": "HOT"}),
        )
        .expect("badge");
    store
        .create_component(
            Component::OfferDesign,
            json!({"externalId": "roll-ui", "name": "Roll UI", "offerUiType": "RollingOffer",
                   "backgroundImageUrl": "https://x/bg.png", "borderWidth": 2}),
        )
        .expect("design");
    store
        .create_component(
            Component::OfferDesign,
            json!({"externalId": "bundle-ui", "name": "Bundle UI", "offerUiType": "Bundle"}),
        )
        .expect("design");
    store
}

fn step(index: i64) -> Value {
    json!({"index": index, "priceInUsdCents": 199,
           "products": [{"publisherProductId": "gold", "quantity": 100, "entryNote": "x"}],
           "badges": [{"publisherBadgeId": "hot", "position": "top"}],
           "stepExtra": true})
}

fn rolling(id: &str) -> Value {
    json!({"publisherOfferId": id, "name": "Rolling one", "type": "RollingOffer", "active": true,
           "offerExternalUiId": "roll-ui", "productsSequence": [step(1), step(2)],
           "unmodelled": {"nested": [1, 2]}})
}

fn message(result: Result<Value, StoreError>) -> String {
    match result {
        Err(StoreError::Invalid(message)) => message,
        other => panic!("expected a 400, got {other:?}"),
    }
}

#[test]
fn create_returns_the_read_shape_with_server_fields_and_unknown_fields() {
    let store = seeded();
    let offer = store.create_offer(rolling("r1")).expect("create");
    assert_eq!(offer["publisherOfferId"], "r1");
    assert_eq!(offer["publisherId"], PUBLISHER_ID);
    let id = offer["offerId"].as_str().expect("offerId");
    assert!(
        id.len() == 24
            && id
                .chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
    );
    assert_eq!(offer["displayName"], "Rolling one");
    assert_eq!(
        offer["schedule"],
        json!({"permanent": true, "timeFrames": []})
    );
    assert_eq!(offer["createdAt"], offer["updatedAt"]);
    assert!(offer["createdAt"].as_str().expect("text").ends_with('Z'));
    assert_eq!(offer["unmodelled"], json!({"nested": [1, 2]}));
    let first = &offer["productsSequence"][0];
    assert_eq!(first["stepExtra"], true);
    let entry = &first["products"][0];
    assert_eq!(entry["quantity"], 100);
    assert_eq!(entry["entryNote"], "x");
    assert_eq!(entry["product"]["publisherProductId"], "gold");
    assert_eq!(entry["product"]["extra"], json!({"k": 1}));
    assert_eq!(entry.get("publisherProductId"), None);
    let product = store
        .get_component(Component::Product, "gold")
        .expect("gold");
    assert_eq!(entry["product"]["productId"], product["id"]);
    let badge = &first["badges"][0];
    assert_eq!(badge["badge"]["text"], "HOT");
    assert_eq!(badge["position"], "top");
    assert!(badge["badge"]["badgeId"].is_string());
    assert_eq!(offer.get("offerExternalUiId"), None);
    assert_eq!(offer["offerUi"]["externalId"], "roll-ui");
    assert_eq!(offer["offerUi"]["offerUIType"], "RollingOffer");
    assert_eq!(offer["offerUi"]["borderWidth"], 2);
    assert!(offer["offerUi"]["offerUiId"].is_string());
}

#[test]
fn update_replaces_the_document_and_keeps_server_fields() {
    let store = seeded();
    let created = store.create_offer(rolling("r1")).expect("create");
    let mut body = rolling("r1");
    body.as_object_mut()
        .expect("object")
        .remove("publisherOfferId");
    body.as_object_mut().expect("object").remove("unmodelled");
    body["newField"] = json!("kept");
    body["productsSequence"][1]["products"][0]["quantity"] = json!("250");
    let updated = store.update_offer("r1", body).expect("update");
    assert_eq!(updated["offerId"], created["offerId"]);
    assert_eq!(updated["createdAt"], created["createdAt"]);
    assert!(updated["updatedAt"].as_str() > created["updatedAt"].as_str());
    assert_eq!(updated["newField"], "kept");
    assert_eq!(
        updated.get("unmodelled"),
        None,
        "a PUT replaces the whole document"
    );
    assert_eq!(
        updated["productsSequence"][1]["products"][0]["quantity"],
        "250"
    );
    assert_eq!(store.get_offer("r1").expect("get"), updated);
}

#[test]
fn renames_and_type_changes_are_refused_and_unknown_offers_are_404() {
    let store = seeded();
    store.create_offer(rolling("r1")).expect("create");
    let renamed = message(store.update_offer("r1", rolling("r2")));
    assert!(
        renamed.starts_with("publisherOfferId: renaming"),
        "{renamed}"
    );
    let mut bundle = rolling("r1");
    bundle["type"] = json!("Bundle");
    assert!(
        message(store.update_offer("r1", bundle))
            .starts_with("type: an offer's type cannot change")
    );
    assert!(matches!(
        store.update_offer("nope", rolling("nope")),
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store.delete_offer("nope"),
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store.create_offer(rolling("r1")),
        Err(StoreError::Conflict(_))
    ));
    let deleted = store.delete_offer("r1").expect("delete");
    assert_eq!(deleted["offerUi"]["externalId"], "roll-ui");
    assert_eq!(store.list_offers(0, 100, None).0, 0);
}

/// A change to a valid offer, and the start of the message refusing it.
type Case = (fn(&mut Value), &'static str);

#[test]
fn every_validation_rule_names_its_field() {
    let store = seeded();
    let cases: Vec<Case> = vec![
        (
            |o| o["publisherOfferId"] = json!(""),
            "publisherOfferId: required",
        ),
        (|o| o["name"] = json!("ab"), "name: at least 3 characters"),
        (
            |o| o["type"] = json!("PopUp"),
            "subType: required for a PopUp",
        ),
        (
            |o| o["type"] = json!("Nonsense"),
            "type: \"Nonsense\" is not one of",
        ),
        (
            |o| {
                o.as_object_mut().expect("o").remove("active");
            },
            "active: required, a boolean",
        ),
        (
            |o| o["productsSequence"] = json!([step(1)]),
            "productsSequence: a RollingOffer needs at least 2 steps",
        ),
        (
            |o| o["productsSequence"] = json!((0..51).map(step).collect::<Vec<_>>()),
            "productsSequence: at most 50 steps",
        ),
        (
            |o| o["productsSequence"][1]["index"] = json!(1),
            "productsSequence[1].index: 1 is the index of an earlier step",
        ),
        (
            |o| o["productsSequence"][1]["products"] = json!([]),
            "productsSequence[1].products: at least 1 product",
        ),
        (
            |o| {
                let p = json!({"publisherProductId": "gold", "quantity": 1});
                o["productsSequence"][1]["products"] = json!([p, p, p, p]);
            },
            "productsSequence[1].products: at most 3 products",
        ),
        (
            |o| o["productsSequence"][0]["products"][0]["quantity"] = json!(0),
            "productsSequence[0].products[0].quantity: required, a positive integer",
        ),
        (
            |o| o["productsSequence"][0]["products"][0]["quantity"] = json!("1x"),
            "productsSequence[0].products[0].quantity",
        ),
        (
            |o| o["productsSequence"][0]["products"][0]["quantity"] = json!(1.5),
            "productsSequence[0].products[0].quantity",
        ),
        (
            |o| o["productsSequence"][0]["priceInUsdCents"] = json!(79),
            "productsSequence[0].priceInUsdCents: must be 0 (free) or at least 80",
        ),
        (
            |o| {
                o["productsSequence"][0]["priceDiscount"] =
                    json!({"type": "multiplier", "discount": 2})
            },
            "productsSequence[0].priceDiscount.type: one of percentage, fixed_amount",
        ),
        (
            |o| o["productSale"] = json!({"type": "bogus", "sale": 2}),
            "productSale.type: one of percentage, fixed_amount",
        ),
        (
            |o| o["schedule"] = json!({"permanent": false, "timeFrames": []}),
            "schedule.timeFrames: at least one time frame",
        ),
        (
            |o| {
                o["schedule"] = json!({"permanent": false, "timeFrames": [
            {"startTime": "2026-01-02T00:00:00Z", "endTime": "2026-01-01T00:00:00Z"}]})
            },
            "schedule.timeFrames[0].endTime: must be after startTime",
        ),
        (
            |o| {
                o["schedule"] = json!({"permanent": false, "timeFrames": [
            {"startTime": "2026-01-01T00:00:00Z", "endTime": "2026-01-03T00:00:00Z"},
            {"startTime": "2026-01-02T00:00:00Z", "endTime": "2026-01-04T00:00:00Z"}]})
            },
            "schedule.timeFrames[1]: overlaps schedule.timeFrames[0]",
        ),
        (
            |o| o["schedule"] = json!({"permanent": true, "timeFrames": [{"startTime": "soon", "endTime": "later"}]}),
            "schedule.timeFrames[0].startTime: required, an RFC 3339 date-time",
        ),
        (
            |o| o["productsSequence"][0]["products"][0]["publisherProductId"] = json!("ghost"),
            "productsSequence[0].products[0].publisherProductId: no product \"ghost\"",
        ),
        (
            |o| o["productsSequence"][0]["badges"][0]["publisherBadgeId"] = json!("ghost"),
            "productsSequence[0].badges[0].publisherBadgeId: no badge \"ghost\"",
        ),
        (
            |o| o["offerExternalUiId"] = json!("ghost"),
            "offerExternalUiId: no offer design with externalId \"ghost\"",
        ),
        (
            |o| {
                o.as_object_mut().expect("o").remove("offerExternalUiId");
                o["offerUiId"] = json!("ffffffffffffffffffffffff");
            },
            "offerUiId: no offer design with id",
        ),
        (
            |o| o["offerExternalUiId"] = json!("bundle-ui"),
            "offerExternalUiId: offer design \"bundle-ui\" is a Bundle design; a RollingOffer offer needs a RollingOffer design",
        ),
    ];
    for (change, expected) in cases {
        let mut offer = rolling("v1");
        change(&mut offer);
        let got = message(store.create_offer(offer));
        assert!(
            got.starts_with(expected),
            "expected {expected:?}, got {got:?}"
        );
    }
    assert_eq!(
        store.list_offers(0, 500, None).0,
        0,
        "nothing invalid was stored"
    );
}

#[test]
fn bundles_need_one_step_and_have_their_own_sale_types() {
    let store = seeded();
    let bundle = json!({"publisherOfferId": "b1", "name": "Test_Bundle", "type": "Bundle",
        "active": true, "segments": ["NewUser"],
        "productsSequence": [{"index": 1, "priceInUsdCents": 300, "products": []}],
        "priceDiscount": {"priceBeforeDiscount": 1000, "discount": 10, "type": "percentage"},
        "productSale": {"sale": 2, "type": "multiplier"}});
    let created = store
        .create_offer(bundle.clone())
        .expect("the documented bundle");
    assert_eq!(created["offerUi"], Value::Null);
    assert_eq!(created["priceDiscount"]["priceBeforeDiscount"], 1000);
    let mut fixed = bundle.clone();
    fixed["publisherOfferId"] = json!("b2");
    fixed["priceDiscount"]["type"] = json!("fixed_amount");
    assert!(
        message(store.create_offer(fixed))
            .starts_with("priceDiscount.type: one of percentage for a Bundle")
    );
    let mut empty = bundle;
    empty["publisherOfferId"] = json!("b3");
    empty["productsSequence"] = json!([]);
    assert!(message(store.create_offer(empty)).starts_with("productsSequence: at least 1 item"));
}

#[test]
fn schedules_get_frame_ids_and_paging_follows_creation_order() {
    let store = seeded();
    let mut offer = rolling("a");
    offer["schedule"] = json!({"permanent": false, "timeFrames": [
        {"startTime": "2026-01-01T00:00:00Z", "endTime": "2026-01-02T00:00:00Z", "notes": "n"},
        {"startTime": "2026-01-02T00:00:00Z", "endTime": "2026-01-03T00:00:00Z", "id": "mine"}]});
    let created = store.create_offer(offer).expect("create");
    let frames = &created["schedule"]["timeFrames"];
    assert_eq!(frames[0]["id"].as_str().map(str::len), Some(24));
    assert_eq!(frames[0]["notes"], "n");
    assert_eq!(frames[1]["id"], "mine");
    for id in ["b", "c", "d", "e"] {
        store.create_offer(rolling(id)).expect("create");
    }
    let (total, page) = store.list_offers(1, 2, None);
    assert_eq!(total, 5);
    let ids: Vec<&str> = page
        .iter()
        .filter_map(|o| o["publisherOfferId"].as_str())
        .collect();
    assert_eq!(ids, ["b", "c"]);
    let wanted = vec!["e".to_string(), "a".to_string(), "zz".to_string()];
    let (total, page) = store.list_offers(0, 100, Some(&wanted));
    assert_eq!(total, 2);
    assert_eq!(page[0]["publisherOfferId"], "a");
    let stamps: Vec<String> = store
        .list_offers(0, 100, None)
        .1
        .iter()
        .map(|o| o["updatedAt"].as_str().expect("updatedAt").to_string())
        .collect();
    assert!(
        stamps.windows(2).all(|w| w[0] < w[1]),
        "strictly increasing: {stamps:?}"
    );
}

#[test]
fn v1_rolling_offers_take_the_seed_shape_and_answer_the_v1_shape() {
    let store = seeded();
    let design_id = store.list_components(Component::OfferDesign)[0]["id"].clone();
    let steps: Vec<Value> = [1, 2]
        .iter()
        .map(|i| {
            json!({
            "index": i, "products": [{"publisherProductId": "gems", "quantity": 5}],
            "priceInUsdCents": 0,
            "priceDiscount": {"discount": 10, "type": "percentage"},
            "productSale": {"sale": 20, "type": "fixed_amount"},
            "badges": [{"publisherBadgeId": "hot"}]})
        })
        .collect::<Vec<_>>();
    let body = json!({
        "publisherOfferId": "seed-roll", "name": "Seed roll", "type": "RollingOffer", "active": true,
        "priority": 1, "offerUiId": design_id, "segments": ["vip"],
        "productsSequence": steps,
        "schedule": {"permanent": true, "timeFrames": [
            {"startTime": "2023-11-07T05:31:56Z", "endTime": "2023-11-08T05:31:56Z", "notes": "x"}]}});
    let created = store.create_rolling_v1(body.clone()).expect("v1 create");
    assert_eq!(created["offerUi"]["offerUiId"], design_id);
    assert_eq!(created["offerUi"]["offerUIType"], "RollingOffer");
    assert_eq!(created["offerUi"]["externalId"], "roll-ui");
    assert_eq!(created["offerUi"]["backgroundImage"], "https://x/bg.png");
    assert_eq!(
        created["productsSequence"][0],
        json!({"index": 1, "priceInUsdCents": 0,
        "products": [{"publisherProductId": "gems", "quantity": 5}], "badges": [{"publisherBadgeId": "hot"}]})
    );
    assert_eq!(created["priority"], 1);
    let mut update = body.clone();
    update.as_object_mut().expect("o").remove("type");
    update["name"] = json!("Seed roll 2");
    let updated = store
        .update_rolling_v1("seed-roll", update)
        .expect("v1 update");
    assert_eq!(updated["name"], "Seed roll 2");
    assert_eq!(updated["offerId"], created["offerId"]);
    // The same offer through V2, with the per-step V1 fields kept verbatim.
    let v2 = store.get_offer("seed-roll").expect("v2");
    assert_eq!(
        v2["productsSequence"][1]["productSale"],
        json!({"sale": 20, "type": "fixed_amount"})
    );
    let mut no_design = body;
    no_design["publisherOfferId"] = json!("other");
    no_design.as_object_mut().expect("o").remove("offerUiId");
    assert!(message(store.create_rolling_v1(no_design)).starts_with("offerUiId: required"));
}

#[test]
fn components_validate_conflict_and_refuse_deletion_while_referenced() {
    let store = seeded();
    let bad = [
        (
            Component::Product,
            json!({"name": "x"}),
            "publisherProductId: required",
        ),
        (
            Component::Product,
            json!({"publisherProductId": "p", "name": "x", "type": "Weight"}),
            "type: one of Quantity, Time",
        ),
        (
            Component::Badge,
            json!({"publisherBadgeId": "b", "name": "x", "type": "ribbon"}),
            "text: required for a ribbon badge",
        ),
        (
            Component::Badge,
            json!({"publisherBadgeId": "b", "name": "x", "type": "emblem"}),
            "badgeImageUrl: required for an emblem badge",
        ),
        (
            Component::Badge,
            json!({"publisherBadgeId": "b", "name": "x"}),
            "type: required, one of emblem, ribbon",
        ),
        (
            Component::OfferDesign,
            json!({"externalId": "d", "name": "x"}),
            "offerUiType: required",
        ),
    ];
    for (kind, body, expected) in bad {
        let got = message(store.create_component(kind, body));
        assert!(got.starts_with(expected), "{got}");
    }
    assert!(matches!(
        store.create_component(
            Component::Product,
            json!({"publisherProductId": "gold", "name": "again"})
        ),
        Err(StoreError::Conflict(_))
    ));
    store.create_offer(rolling("r1")).expect("create");
    for (kind, key) in [
        (Component::Product, "gold"),
        (Component::Badge, "hot"),
        (Component::OfferDesign, "roll-ui"),
    ] {
        match store.delete_component(kind, key) {
            Err(StoreError::Conflict(m)) => assert!(m.contains("r1"), "{m}"),
            other => panic!("{other:?}"),
        }
    }
    let retyped = json!({"name": "Roll UI", "offerUiType": "Bundle"});
    assert!(matches!(
        store.update_component(Component::OfferDesign, "roll-ui", retyped),
        Err(StoreError::Conflict(_))
    ));
    let before = store
        .get_component(Component::Product, "gems")
        .expect("gems");
    let after = store
        .update_component(
            Component::Product,
            "gems",
            json!({"name": "Gems!", "more": 1}),
        )
        .expect("update");
    assert_eq!(after["id"], before["id"]);
    assert_eq!(after["publisherProductId"], "gems");
    assert_eq!(after.get("type"), None, "a full replace");
    assert!(matches!(
        store.get_component(Component::Badge, "nope"),
        Err(StoreError::NotFound(_))
    ));
    store.delete_offer("r1").expect("delete offer");
    store
        .delete_component(Component::Product, "gold")
        .expect("now deletable");
}

#[test]
fn a_durable_store_survives_reopening_and_a_torn_tail() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut body = rolling("r1");
    body.as_object_mut().expect("o").remove("offerExternalUiId");
    for step in body["productsSequence"].as_array_mut().expect("steps") {
        step.as_object_mut().expect("step").remove("badges");
    }
    let (offer, product) = {
        let store = Store::open(dir.path()).expect("open");
        store
            .create_component(
                Component::Product,
                json!({"publisherProductId": "gold", "name": "Gold"}),
            )
            .expect("product");
        store
            .create_component(
                Component::Product,
                json!({"publisherProductId": "gone", "name": "Gone"}),
            )
            .expect("product");
        store
            .delete_component(Component::Product, "gone")
            .expect("delete");
        let mut offer = rolling("r1");
        offer
            .as_object_mut()
            .expect("o")
            .remove("offerExternalUiId");
        for step in offer["productsSequence"].as_array_mut().expect("steps") {
            step.as_object_mut().expect("step").remove("badges");
        }
        let offer = store.create_offer(offer).expect("offer");
        (
            offer,
            store
                .get_component(Component::Product, "gold")
                .expect("gold"),
        )
    };
    let log = dir.path().join("repository.log");
    let mut bytes = std::fs::read(&log).expect("log");
    bytes.extend_from_slice(b"0000ffff 00000000 {\"op\":\"put\"");
    std::fs::write(&log, bytes).expect("torn tail");
    let store = Store::open(dir.path()).expect("reopen");
    assert_eq!(store.get_offer("r1").expect("offer"), offer);
    assert_eq!(
        store
            .get_component(Component::Product, "gold")
            .expect("gold"),
        product
    );
    assert!(store.get_component(Component::Product, "gone").is_err());
    let updated = store.update_offer("r1", body).expect("update");
    assert!(updated["updatedAt"].as_str() > offer["updatedAt"].as_str());
    store.reset().expect("reset");
    drop(store);
    let store = Store::open(dir.path()).expect("reopen after reset");
    assert_eq!(store.list_offers(0, 10, None).0, 0);
    assert!(store.list_components(Component::Product).is_empty());
}
