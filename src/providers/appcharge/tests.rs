//! The Appcharge wire mapping, offline: reads in the documented read shape normalise to what
//! the manifests ask for, exports round-trip, and the V1 body keeps the seed's shape.

use serde_json::{Value, json};

use super::kind::Kind;
use super::wire;
use crate::check::check;
use crate::diff;
use crate::source::{SourceFile, SourceSet};

/// The keys of a JSON object, in order.
fn keys_of(object: &Value) -> Vec<&str> {
    object
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect()
}

const MANIFESTS: &str = "\
kind: Product
name: gold
title: Gold
---
kind: Badge
name: hot
title: Hot
style: ribbon
text: HOT
---
kind: OfferDesign
name: blue
title: Blue
offerType: RollingOffer
---
kind: RollingOffer
name: ladder
title: Ladder
design: blue
segments: [vip, new]
schedule:
  permanent: false
  timeFrames:
    - start: 2026-12-01T00:00:00Z
      end: 2026-12-31T00:00:00Z
steps:
  - price: 0
    products: [{product: gold, quantity: 100}]
    badges: [hot]
  - price: 199
    products: [{product: gold, quantity: 500}]
    discount: {type: percentage, amount: 20}
";

/// What Appcharge answers for the offer above, created with extra settings of its own.
fn read_shape() -> Value {
    json!({
        "offerId": "68b5aaa9b73fceb9ffc26f9b",
        "publisherId": "pub-1",
        "publisherOfferId": "ladder",
        "name": "Ladder",
        "displayName": "Ladder",
        "publisherTabId": "tab-7",
        "type": "RollingOffer",
        "active": true,
        "segments": ["new", "vip"],
        "offerUi": {"offerUiId": "77aa", "offerUIType": "RollingOffer", "externalId": "blue", "name": "Blue"},
        "productsSequence": [
            {"index": 1, "priceInUsdCents": 0,
             "products": [{"quantity": "100", "product": {"productId": "p1", "publisherProductId": "gold", "name": "Gold"}}],
             "badges": [{"badge": {"badgeId": "b1", "publisherBadgeId": "hot", "name": "Hot"}}]},
            {"index": 2, "priceInUsdCents": 199,
             "products": [{"quantity": 500, "product": {"productId": "p1", "publisherProductId": "gold"}}],
             "badges": [],
             "priceDiscount": {"discount": 20, "type": "percentage"}}
        ],
        "schedule": {"permanent": false, "timeFrames": [
            {"id": "68078610fb23b166fb160469", "startTime": "2026-12-01T00:00:00Z", "endTime": "2026-12-31T00:00:00Z"}
        ]},
        "createdAt": "2026-11-01T00:00:00.000Z",
        "updatedAt": "2026-11-02T00:00:00.000Z"
    })
}

fn desired_offer() -> Value {
    let mut sources = SourceSet::new();
    sources.add(SourceFile::new("a.yaml", MANIFESTS));
    let checked = check(&sources, crate::providers::builtin());
    assert_eq!(checked.errors(), 0, "{:?}", checked.diagnostics);
    let offer = checked
        .catalog
        .objects()
        .iter()
        .find(|o| o.kind() == Kind::RollingOffer.core())
        .expect("offer");
    offer.manifest.desired(&|_, name| name.to_string())
}

#[test]
fn a_read_normalises_to_what_the_manifest_asks_for() {
    let live = wire::normalize_read(Kind::RollingOffer, read_shape());
    let rules = wire::diff_rules(Kind::RollingOffer);
    let desired = desired_offer();
    assert!(
        diff::diff(&rules, &live, &desired).is_empty(),
        "{:?}",
        diff::diff(&rules, &live, &desired)
    );
    assert_eq!(live["offerExternalUiId"], "blue");
    // The quantity read as text stays as read: it compares as a number (no change above).
    assert_eq!(
        live["productsSequence"][0]["products"][0],
        json!({"publisherProductId": "gold", "quantity": "100"})
    );
    assert_eq!(
        live["productsSequence"][0]["badges"][0],
        json!({"publisherBadgeId": "hot"})
    );
    assert!(
        live.get("displayName").is_none(),
        "the default display name is not a setting"
    );
    // What the manifest does not model is kept, not managed.
    assert_eq!(
        diff::unaccounted(&rules, &live, &desired),
        ["/publisherTabId"]
    );
}

#[test]
fn a_one_field_edit_is_one_operation() {
    let live = wire::normalize_read(Kind::RollingOffer, read_shape());
    let mut desired = desired_offer();
    desired["productsSequence"][1]["priceInUsdCents"] = json!(299);
    let ops = diff::diff(&wire::diff_rules(Kind::RollingOffer), &live, &desired);
    assert_eq!(
        serde_json::to_value(&ops).unwrap(),
        json!([{"op": "replace", "path": "/productsSequence/1/priceInUsdCents", "value": 299}])
    );
    assert_eq!(
        wire::field_label(Kind::RollingOffer, "/productsSequence/1/priceInUsdCents"),
        "steps[1].price"
    );
}

#[test]
fn export_round_trips_with_unmodelled_properties_in_extra() {
    let live = wire::normalize_read(Kind::RollingOffer, read_shape());
    let manifest = super::export::export(Kind::RollingOffer, &live, &|_, id| id.to_string())
        .expect("expressible");
    assert_eq!(
        manifest.meta().extra.keys().collect::<Vec<_>>(),
        ["publisherTabId"]
    );
    let desired = manifest.desired(&|_, name| name.to_string());
    let rules = wire::diff_rules(Kind::RollingOffer);
    assert!(diff::diff(&rules, &live, &desired).is_empty());
    assert!(diff::unaccounted(&rules, &live, &desired).is_empty());
    let text = crate::manifest::emit::document(manifest.as_ref());
    assert!(text.contains("design: blue"), "{text}");
    assert!(
        !text.contains("index:"),
        "positional indexes are implied: {text}"
    );
}

#[test]
fn a_nested_property_the_manifest_cannot_hold_fails_the_export_with_the_reason() {
    let mut read = read_shape();
    read["productsSequence"][0]["playerAvailability"] = json!(5);
    let live = wire::normalize_read(Kind::RollingOffer, read);
    let Err(reasons) = super::export::export(Kind::RollingOffer, &live, &|_, id| id.to_string())
    else {
        panic!("exported");
    };
    assert!(
        reasons.iter().any(|r| r.contains("playerAvailability")),
        "{reasons:?}"
    );
}

#[test]
fn the_v1_body_has_the_seed_shape_and_key_order() {
    let live = wire::normalize_read(Kind::RollingOffer, read_shape());
    let body = wire::v1_rolling_body(&live);
    let keys = keys_of(&body);
    assert_eq!(
        keys,
        [
            "publisherOfferId",
            "name",
            "type",
            "active",
            "offerExternalUiId",
            "segments",
            "productsSequence",
            "schedule",
            "publisherTabId"
        ]
    );
    let step = keys_of(&body["productsSequence"][1]);
    assert_eq!(
        step,
        [
            "index",
            "products",
            "priceInUsdCents",
            "priceDiscount",
            "badges"
        ]
    );
    for server in ["offerId", "publisherId", "createdAt", "updatedAt"] {
        assert!(body.get(server).is_none(), "{server} is the server's");
    }
}

#[test]
fn a_v2_update_leaves_the_key_to_the_path() {
    let live = wire::normalize_read(Kind::RollingOffer, read_shape());
    let body = wire::write_body(Kind::RollingOffer, &live, false);
    assert!(body.get("publisherOfferId").is_none());
    assert_eq!(body["publisherTabId"], "tab-7");
    let create = wire::write_body(Kind::RollingOffer, &live, true);
    assert_eq!(create["publisherOfferId"], "ladder");
}

mod offers;
