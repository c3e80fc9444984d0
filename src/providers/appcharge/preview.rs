//! What players see of an Appcharge offer: a store card with the design's background and the
//! offer's steps (price, products, badges, discount and sale). Drawn from the wire document's
//! fields, not its kind, so every offer type with steps or products gets a card.

use serde_json::Value;

use crate::preview::{Block, Card, Item, Lookup, Step, short_name};

/// The card of an offer document; nothing for documents without products (components).
pub fn blocks(document: &Value, lookup: &dyn Lookup) -> Vec<Block> {
    let steps: Vec<&Value> = match document.get("productsSequence").and_then(Value::as_array) {
        Some(steps) => steps.iter().collect(),
        // A single-purchase offer: the document is its own one step.
        None if document.get("products").is_some_and(Value::is_array) => vec![document],
        None => return Vec::new(),
    };
    let title = ["displayName", "name", "publisherOfferId"]
        .iter()
        .find_map(|k| document.get(*k).and_then(Value::as_str))
        .unwrap_or("offer")
        .to_string();
    let design_id = document.get("offerExternalUiId").and_then(Value::as_str);
    let design = design_id.and_then(|id| lookup.document(id));
    let design = design.as_deref();
    let card = Card {
        title,
        background: design
            .and_then(|d| d.get("backgroundImageUrl"))
            .and_then(Value::as_str)
            .map(str::to_string),
        design: design_id.map(|id| short_name(lookup, id)),
        active: document.get("active").and_then(Value::as_bool) != Some(false),
        notes: notes(document),
        steps: steps.into_iter().map(|s| step(s, lookup)).collect(),
    };
    vec![Block::Card {
        label: "card".to_string(),
        card,
    }]
}

/// Segments and schedule, as a reviewer reads them.
fn notes(document: &Value) -> Vec<String> {
    let mut notes = Vec::new();
    let segments: Vec<&str> = document
        .get("segments")
        .and_then(Value::as_array)
        .map(|s| s.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if !segments.is_empty() {
        notes.push(format!("segments: {}", segments.join(", ")));
    }
    if let Some(schedule) = document.get("schedule") {
        let frames = schedule
            .get("timeFrames")
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice);
        if schedule.get("permanent").and_then(Value::as_bool) == Some(true) || frames.is_empty() {
            notes.push("always on".to_string());
        }
        for frame in frames {
            let at = |k: &str| frame.get(k).and_then(Value::as_str).unwrap_or("?");
            notes.push(format!("{} → {}", at("startTime"), at("endTime")));
        }
    }
    notes
}

fn step(step: &Value, lookup: &dyn Lookup) -> Step {
    let cents = step.get("priceInUsdCents").and_then(Value::as_i64);
    let price = match cents {
        Some(0) => "Free".to_string(),
        Some(cents) => format!("${}.{:02}", cents / 100, cents % 100),
        None => "no price".to_string(),
    };
    let mut deals = Vec::new();
    for (key, amount, what) in [
        ("priceDiscount", "discount", "off"),
        ("productSale", "sale", "more"),
    ] {
        if let Some(deal) = step.get(key) {
            let value = deal.get(amount).map(Value::to_string).unwrap_or_default();
            match deal.get("type").and_then(Value::as_str) {
                Some("percentage") => deals.push(format!("{value}% {what}")),
                Some(other) => deals.push(format!("{value} {other} {what}")),
                None => deals.push(format!("{value} {what}")),
            }
        }
    }
    let list = |key: &str| {
        step.get(key)
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice)
    };
    // The component an entry names by its id at `key`: its label (`label_key`, else its name,
    // else a short form of the id) and its image (at `image_key`).
    let component = |entry: &Value, key: &str, label_key: &str, image_key: &str| {
        let id = entry.get(key).and_then(Value::as_str).unwrap_or_default();
        let document = lookup.document(id);
        let document = document.as_deref();
        let label = document
            .and_then(|d| d.get(label_key).or_else(|| d.get("name")))
            .and_then(Value::as_str)
            .map_or_else(|| short_name(lookup, id), str::to_string);
        let image = document
            .and_then(|d| d.get(image_key))
            .and_then(Value::as_str)
            .map(str::to_string);
        Item { text: label, image }
    };
    let products = list("products")
        .iter()
        .map(|entry| {
            let product = component(
                entry,
                "publisherProductId",
                "displayName",
                "productImageUrl",
            );
            match entry.get("quantity").map(Value::to_string) {
                Some(q) => Item {
                    text: format!("{} × {}", q.trim_matches('"'), product.text),
                    ..product
                },
                None => product,
            }
        })
        .collect();
    let badges = list("badges")
        .iter()
        .map(|entry| component(entry, "publisherBadgeId", "text", "badgeImageUrl"))
        .collect();
    Step {
        price,
        deals,
        products,
        badges,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::collections::HashMap;

    struct Documents(HashMap<String, Value>);
    impl Lookup for Documents {
        fn name(&self, id: &str) -> Option<String> {
            Some(format!("Thing/{id}"))
        }
        fn document(&self, id: &str) -> Option<std::borrow::Cow<'_, Value>> {
            self.0.get(id).map(std::borrow::Cow::Borrowed)
        }
    }

    #[test]
    fn a_rolling_offer_is_a_card_with_its_steps() {
        let lookup = Documents(HashMap::from([
            (
                "gold".to_string(),
                json!({"name": "Gold Coins Pack", "displayName": "Gold Coins", "productImageUrl": "https://cdn.example.com/gold.png"}),
            ),
            (
                "best".to_string(),
                json!({"name": "Best value", "text": "BEST VALUE"}),
            ),
            (
                "blue".to_string(),
                json!({"backgroundImageUrl": "https://cdn.example.com/blue.png"}),
            ),
        ]));
        let offer = json!({"name": "Starter", "active": false, "offerExternalUiId": "blue",
        "segments": ["new"], "schedule": {"permanent": true, "timeFrames": []},
        "productsSequence": [
            {"index": 1, "priceInUsdCents": 0, "products": [{"publisherProductId": "gold", "quantity": 100}], "badges": []},
            {"index": 2, "priceInUsdCents": 199, "products": [{"publisherProductId": "gems", "quantity": 10}],
             "badges": [{"publisherBadgeId": "best"}], "priceDiscount": {"discount": 20, "type": "percentage"}}
        ]});
        let blocks = blocks(&offer, &lookup);
        let [Block::Card { card, .. }] = blocks.as_slice() else {
            panic!("not one card: {blocks:?}");
        };
        assert_eq!(card.title, "Starter");
        assert!(!card.active);
        assert_eq!(
            card.background.as_deref(),
            Some("https://cdn.example.com/blue.png")
        );
        assert_eq!(card.notes, vec!["segments: new", "always on"]);
        assert_eq!(card.steps[0].price, "Free");
        assert_eq!(card.steps[0].products[0].text, "100 × Gold Coins");
        assert_eq!(
            card.steps[0].products[0].image.as_deref(),
            Some("https://cdn.example.com/gold.png")
        );
        assert_eq!(card.steps[1].price, "$1.99");
        assert_eq!(card.steps[1].products[0].text, "10 × gems");
        assert_eq!(card.steps[1].badges[0].text, "BEST VALUE");
        assert_eq!(card.steps[1].deals, vec!["20% off"]);
        assert!(super::blocks(&json!({"name": "a product"}), &lookup).is_empty());
    }
}
