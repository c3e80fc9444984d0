//! What reads return: the stored write document with its references expanded (the V2 read
//! shape), and the V1 rolling-offer response.

use serde_json::{Map, Value, json};

use super::state::{State, Table};
use super::validate::named_design;

/// A component with its server `id` renamed to `alias` (`productId`, `badgeId`, `offerUiId`),
/// first.
fn expanded(component: &Value, alias: &str) -> Map<String, Value> {
    let mut out = Map::new();
    let object = component.as_object().cloned().unwrap_or_default();
    out.insert(
        alias.to_string(),
        object.get("id").cloned().unwrap_or(Value::Null),
    );
    out.extend(object.into_iter().filter(|(k, _)| k != "id"));
    out
}

/// The V2 read shape of a stored offer: each step's product entries become
/// `{quantity, priority?, product: {...}, <other keys>}`, badge entries
/// `{badge: {...}, <other keys>}`, and `offerExternalUiId`/`offerUiId` become `offerUi` (the
/// whole design, or `null`). Everything else as stored.
pub(super) fn read_shape(state: &State, stored: &Value) -> Value {
    let Some(doc) = stored.as_object() else {
        return stored.clone();
    };
    let design = named_design(doc, state).ok().flatten();
    let mut out = Map::new();
    for (key, value) in doc {
        match key.as_str() {
            "offerExternalUiId" | "offerUiId" => {}
            "productsSequence" => {
                let steps = value.as_array().cloned().unwrap_or_default();
                let steps = steps.iter().map(|s| read_step(state, s)).collect();
                out.insert(key.clone(), Value::Array(steps));
            }
            _ => {
                out.insert(key.clone(), value.clone());
            }
        }
    }
    let offer_ui = match design {
        None => Value::Null,
        Some((_, design)) => {
            let mut ui = expanded(design, "offerUiId");
            let ui_type = design.get("offerUiType").cloned().unwrap_or(Value::Null);
            ui.insert("offerUIType".into(), ui_type);
            Value::Object(ui)
        }
    };
    out.insert("offerUi".into(), offer_ui);
    Value::Object(out)
}

fn read_step(state: &State, step: &Value) -> Value {
    let Some(step) = step.as_object() else {
        return step.clone();
    };
    let mut out = step.clone();
    // The stored component an entry names by its id at `key`, in full (null when gone).
    let named = |table: &Table, entry: &Map<String, Value>, key: &str, id_name: &str| {
        let id = entry.get(key).and_then(Value::as_str);
        id.and_then(|k| table.get(k))
            .map(|c| Value::Object(expanded(c, id_name)))
            .unwrap_or(Value::Null)
    };
    read_entries(step, &mut out, "products", |entry| {
        let mut read = Map::new();
        read.insert(
            "quantity".into(),
            entry.get("quantity").cloned().unwrap_or(Value::Null),
        );
        if let Some(priority) = entry.get("priority") {
            read.insert("priority".into(), priority.clone());
        }
        let product = named(&state.products, entry, "publisherProductId", "productId");
        read.insert("product".into(), product);
        for (k, v) in entry {
            if !matches!(k.as_str(), "quantity" | "priority" | "publisherProductId") {
                read.insert(k.clone(), v.clone());
            }
        }
        Value::Object(read)
    });
    read_entries(step, &mut out, "badges", |entry| {
        let mut read = Map::new();
        let badge = named(&state.badges, entry, "publisherBadgeId", "badgeId");
        read.insert("badge".into(), badge);
        for (k, v) in entry {
            if k != "publisherBadgeId" {
                read.insert(k.clone(), v.clone());
            }
        }
        Value::Object(read)
    });
    Value::Object(out)
}

/// Puts into `out` the entries of `step[key]` (when an array), each object entry as `read`
/// gives it, others as they are.
fn read_entries(
    step: &Map<String, Value>,
    out: &mut Map<String, Value>,
    key: &str,
    read: impl Fn(&Map<String, Value>) -> Value,
) {
    if let Some(Value::Array(entries)) = step.get(key) {
        let entries = entries
            .iter()
            .map(|entry| entry.as_object().map_or_else(|| entry.clone(), &read))
            .collect();
        out.insert(key.into(), Value::Array(entries));
    }
}

/// The V1 `RollingOfferDtoResponse` of a stored offer: only the documented fields, products and
/// badges by their publisher ids, the design as `offerUi{offerUiId, offerUIType, description,
/// backgroundImage, borderColor, borderWidth, externalId}`.
pub(super) fn v1_shape(state: &State, stored: &Value) -> Value {
    let doc = stored.as_object().cloned().unwrap_or_default();
    let mut out = Map::new();
    let copy = |out: &mut Map<String, Value>, field: &str| {
        if let Some(value) = doc.get(field) {
            out.insert(field.to_string(), value.clone());
        }
    };
    for field in [
        "publisherOfferId",
        "offerId",
        "name",
        "type",
        "active",
        "priority",
        "segments",
    ] {
        copy(&mut out, field);
    }
    let offer_ui = match named_design(&doc, state).ok().flatten() {
        None => Value::Null,
        Some((external, design)) => {
            let mut ui = Map::new();
            ui.insert("offerUiId".into(), design["id"].clone());
            ui.insert("offerUIType".into(), design["offerUiType"].clone());
            for (to, from) in [
                ("description", "description"),
                ("backgroundImage", "backgroundImageUrl"),
                ("borderColor", "borderColor"),
                ("borderWidth", "borderWidth"),
            ] {
                if let Some(value) = design.get(from) {
                    ui.insert(to.into(), value.clone());
                }
            }
            ui.insert("externalId".into(), json!(external));
            Value::Object(ui)
        }
    };
    out.insert("offerUi".into(), offer_ui);
    let steps: Vec<Value> = doc
        .get("productsSequence")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|step| {
            let products: Vec<Value> = step["products"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| json!({"publisherProductId": p["publisherProductId"], "quantity": p["quantity"]}))
                .collect();
            let badges: Vec<Value> = step["badges"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|b| json!({"publisherBadgeId": b["publisherBadgeId"]}))
                .collect();
            json!({
                "index": step["index"],
                "priceInUsdCents": step["priceInUsdCents"],
                "products": products,
                "badges": badges,
            })
        })
        .collect();
    out.insert("productsSequence".into(), Value::Array(steps));
    for field in ["schedule", "createdAt", "updatedAt"] {
        copy(&mut out, field);
    }
    Value::Object(out)
}
