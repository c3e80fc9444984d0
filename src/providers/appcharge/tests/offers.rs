//! The offer types beyond rolling offers, offline: every validation rule is reported at the
//! field it is about, the example of every type decodes, maps to the wire and exports back to
//! the same manifest.

use serde_json::json;

use super::super::kind::Kind;
use super::super::wire;
use crate::check::check;
use crate::diff;
use crate::source::{SourceFile, SourceSet};

const COMPONENTS: &str = "\
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
name: green
title: Green
offerType: Bundle
---
kind: OfferDesign
name: gold-popup
title: Gold
offerType: PopUp
";

const OFFERS: &str = "\
kind: ProgressBar
name: xp
title: XP bar
steps:
  - price: 0
    products: [{product: gold, quantity: 10}]
---
kind: Bundle
name: starter
title: Starter
design: green
price: 999
products:
  - product: gold
    quantity: 100
    priority: Main
badges: [hot]
progressBarPoints:
  - bar: xp
    points: 10
sale: {type: multiplier, amount: 2}
discount: {type: percentage, amount: 20}
---
kind: CheckoutLink
name: link
title: Link
price: 199
products: [{product: gold, quantity: 5}]
---
kind: Popup
name: refresh
title: Refresh
subType: StoreRefresh
priority: 2
design: gold-popup
displayRule: {maxPerDay: 1}
steps:
  - price: 0
    products: [{product: gold, quantity: 1}]
    sale: {type: percentage, amount: 10}
";

fn checked(offers: &str) -> (String, crate::check::Checked) {
    let text = format!("{COMPONENTS}---\n{offers}");
    let mut sources = SourceSet::new();
    sources.add(SourceFile::new("offers.yaml", text.clone()));
    (text, check(&sources, crate::providers::builtin()))
}

#[test]
fn the_offers_of_every_type_are_valid_and_export_to_the_same_manifests() {
    let (_, checked) = checked(OFFERS);
    assert_eq!(checked.errors(), 0, "{:#?}", checked.diagnostics);
    for object in checked.catalog.objects() {
        let Some(kind) = Kind::of(object.kind()).filter(|k| k.is_offer()) else {
            continue;
        };
        let desired = object.manifest.desired(&|_, name| name.to_string());
        assert_eq!(desired["type"], json!(kind.offer_type()));
        let live = crate::backend::LiveObject {
            kind: object.kind(),
            instance_id: object.name().into(),
            id: object.name().into(),
            etag: String::new(),
            modified: None,
            name: object.name().into(),
            instance: desired.clone().into(),
        };
        let name_of = |_: crate::kind::Kind, id: &str| id.to_string();
        let exported = super::super::export::export(kind, &live.instance.value(), &name_of)
            .unwrap_or_else(|e| panic!("{kind}: {e:?}"));
        assert_eq!(exported.desired(&name_of), desired, "{kind} round trip");
        let rules = wire::diff_rules(kind);
        assert!(diff::unaccounted(&rules, &desired, &desired).is_empty());
    }
}

#[test]
fn a_bundle_holds_its_item_first_and_its_discount_and_sale_at_the_top() {
    let (_, checked) = checked(OFFERS);
    let bundle = checked
        .catalog
        .objects()
        .iter()
        .find(|o| o.kind() == Kind::Bundle.core())
        .expect("bundle");
    let desired = bundle.manifest.desired(&|_, name| name.to_string());
    assert_eq!(
        desired["productsSequence"],
        json!([{
            "index": 1,
            "products": [{"publisherProductId": "gold", "quantity": 100, "priority": "Main"}],
            "priceInUsdCents": 999,
            "badges": [{"publisherBadgeId": "hot"}],
            "progressBarPoints": [{"publisherBarId": "xp", "points": 10}],
        }])
    );
    assert_eq!(
        desired["productSale"],
        json!({"sale": 2, "type": "multiplier"})
    );
    assert_eq!(
        desired["priceDiscount"],
        json!({"discount": 20, "type": "percentage"})
    );
    assert_eq!(
        wire::references(Kind::Bundle, &desired),
        ["gold", "green", "hot", "xp"]
    );
    assert_eq!(
        wire::field_label(Kind::Bundle, "/productsSequence/0/priceInUsdCents"),
        "price"
    );
    assert_eq!(
        wire::field_label(
            Kind::Bundle,
            "/productsSequence/0/progressBarPoints/0/points"
        ),
        "progressBarPoints[0].points"
    );
}

#[test]
fn a_checkout_links_server_fields_are_never_compared_nor_sent() {
    let rules = wire::diff_rules(Kind::CheckoutLink);
    let desired = json!({"publisherOfferId": "link", "name": "Link", "type": "CheckoutLink"});
    let mut live = desired.clone();
    live["deeplinkUrl"] = json!("https://checkout.example/abc");
    live["playerClickedTtl"] = json!(3600);
    assert!(diff::diff(&rules, &live, &desired).is_empty());
    assert!(diff::unaccounted(&rules, &live, &desired).is_empty());
    let body = wire::write_body(Kind::CheckoutLink, &live, false);
    assert!(body.get("deeplinkUrl").is_none() && body.get("playerClickedTtl").is_none());
}

/// One broken manifest: what to change in [`OFFERS`], the diagnostic's code and the text its
/// first label points at (the start of it).
struct Case {
    from: &'static str,
    to: &'static str,
    code: &'static str,
    at: &'static str,
}

const fn case(from: &'static str, to: &'static str, code: &'static str, at: &'static str) -> Case {
    Case { from, to, code, at }
}

#[test]
fn every_rule_is_reported_at_the_field_it_is_about() {
    let cases = [
        // Required fields per type.
        case("price: 199\n", "", "missing-field", "kind: CheckoutLink"),
        case(
            "subType: StoreRefresh\n",
            "",
            "missing-field",
            "kind: Popup",
        ),
        case(
            "priority: 2\ndesign: gold-popup",
            "design: gold-popup",
            "missing-field",
            "kind: Popup",
        ),
        case(
            "displayRule: {maxPerDay: 1}\n",
            "",
            "missing-field",
            "StoreRefresh",
        ),
        case(
            "subType: StoreRefresh",
            "subType: RewardCalendar",
            "missing-field",
            "RewardCalendar",
        ),
        case("title: Link", "title: Li", "bad-value", "Li"),
        // Prices.
        case("price: 199", "price: 50", "bad-price", "50"),
        // Sale and discount types per type.
        case(
            "{type: multiplier, amount: 2}",
            "{type: bogus, amount: 2}",
            "bad-value",
            "bogus",
        ),
        case(
            "discount: {type: percentage",
            "discount: {type: multiplier",
            "bad-value",
            "multiplier",
        ),
        case(
            "sale: {type: percentage, amount: 10}",
            "sale: {type: fixed_amount, amount: 10}",
            "bad-value",
            "fixed_amount",
        ),
        // Products per item.
        case(
            "products: [{product: gold, quantity: 5}]",
            "products: []",
            "bad-product-count",
            "[]",
        ),
        case("quantity: 5}", "quantity: 0}", "bad-value", "0"),
        case("priority: Main", "priority: Top", "bad-value", "Top"),
        // Steps.
        case(
            "steps:\n  - price: 0\n    products: [{product: gold, quantity: 10}]\n---\nkind: Bundle",
            "steps: []\n---\nkind: Bundle",
            "bad-step-count",
            "[]",
        ),
        // Schedule rules.
        case(
            "price: 199\n",
            "price: 199\nschedule: {permanent: false}\n",
            "no-time-frame",
            "false",
        ),
        case(
            "price: 199\n",
            "price: 199\nschedule:\n  permanent: false\n  timeFrames: [{start: 2026-12-02T00:00:00Z, end: 2026-12-01T00:00:00Z}]\n",
            "bad-time-frame",
            "2026-12-01T00:00:00Z",
        ),
        // Sub-types.
        case(
            "subType: StoreRefresh",
            "subType: Banner",
            "bad-value",
            "Banner",
        ),
        case(
            "displayRule: {maxPerDay: 1}",
            "displayRule: daily",
            "wrong-type",
            "daily",
        ),
        // The design fits the offer.
        case(
            "design: gold-popup",
            "design: green",
            "design-type",
            "green",
        ),
        // Progress-bar references exist and are progress bars.
        case(
            "  - bar: xp\n",
            "  - bar: nowhere\n",
            "unknown-reference",
            "nowhere",
        ),
        case("  - bar: xp\n", "  - bar: link\n", "wrong-kind", "link"),
        case("    points: 10\n", "    points: 0\n", "bad-value", "0"),
        case(
            "title: XP bar\nsteps:\n  - price: 0\n",
            "title: XP bar\nsteps:\n  - price: 0\n    progressBarPoints: [{bar: xp, points: 1}]\n",
            "bad-field",
            "[{bar: xp, points: 1}]",
        ),
    ];
    for Case { from, to, code, at } in cases {
        assert!(OFFERS.contains(from), "{from:?} is not in the manifests");
        let (text, checked) = checked(&OFFERS.replacen(from, to, 1));
        let found = checked
            .diagnostics
            .iter()
            .find(|d| d.code == code)
            .unwrap_or_else(|| panic!("{from:?} → {to:?}: no {code}: {:#?}", checked.diagnostics));
        let loc = found.labels[0].loc;
        assert!(
            text[loc.start..].starts_with(at),
            "{from:?} → {to:?}: {code} points at {:?}, not {at:?}",
            &text[loc.start..loc.end]
        );
    }
}
