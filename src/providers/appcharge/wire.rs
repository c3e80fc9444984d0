//! Appcharge's wire, in one place: the canonical form offerctl compares (the V2 write shape),
//! how a read is normalised into it, what a PUT or a V1 call sends, and the diff rules.
//!
//! Appcharge answers in a read shape that differs from what it accepts: products and badges
//! come back expanded (`{"quantity", "product": {...}}`), the design as an `offerUi` object
//! (or `null`) instead of the id that was written, and server fields are added. Diffing the
//! raw read against a manifest would show changes that are not there, so every read goes
//! through [`normalize_read`] first.

use serde_json::{Map, Value, json};

use super::kind::Kind;
use crate::diff::{Rules, Type};

mod offers;

/// The canonical form of a read document of `kind`.
pub fn normalize_read(kind: Kind, mut read: Value) -> Value {
    let Some(map) = read.as_object_mut() else {
        return read;
    };
    if !kind.is_offer() {
        return read;
    }
    if let Some(Value::Object(design)) = map.remove("offerUi") {
        let key = design
            .get("externalId")
            .cloned()
            .or_else(|| design.get("offerUiId").cloned());
        if let Some(key) = key
            && !map.contains_key("offerExternalUiId")
        {
            map.insert("offerExternalUiId".into(), key);
        }
    }
    // Appcharge defaults the display name to the name: the default is not a setting.
    if map
        .get("displayName")
        .is_some_and(|d| Some(d) == map.get("name"))
    {
        map.remove("displayName");
    }
    if let Some(Value::Array(steps)) = map.get_mut("productsSequence") {
        for step in steps.iter_mut().filter_map(Value::as_object_mut) {
            if let Some(Value::Array(products)) = step.get_mut("products") {
                for entry in products.iter_mut() {
                    normalize_product_entry(entry);
                }
            }
            if let Some(Value::Array(badges)) = step.get_mut("badges") {
                for entry in badges.iter_mut() {
                    normalize_badge_entry(entry);
                }
            }
        }
    }
    if !map.contains_key("schedule") {
        map.insert(
            "schedule".into(),
            json!({"permanent": true, "timeFrames": []}),
        );
    }
    read
}

/// `{"quantity", "product": {...}}` (or a flattened product) → `{"publisherProductId", "quantity"}`,
/// other members kept.
fn normalize_product_entry(entry: &mut Value) {
    let Some(map) = entry.as_object_mut() else {
        return;
    };
    if let Some(product) = map.remove("product") {
        if let Some(id) = product.get("publisherProductId") {
            map.insert("publisherProductId".into(), id.clone());
        }
    } else if map.contains_key("productId") {
        // The flattened variant some documentation examples show: the product's own fields
        // next to the entry's. Only the reference and the entry's own settings are the offer's.
        map.retain(|k, _| matches!(k.as_str(), "publisherProductId" | "quantity" | "priority"));
    }
    reorder_first(map, &["publisherProductId", "quantity"]);
}

fn normalize_badge_entry(entry: &mut Value) {
    let Some(map) = entry.as_object_mut() else {
        return;
    };
    if let Some(badge) = map.remove("badge")
        && let Some(id) = badge.get("publisherBadgeId")
    {
        map.insert("publisherBadgeId".into(), id.clone());
    }
    reorder_first(map, &["publisherBadgeId"]);
}

fn reorder_first(map: &mut Map<String, Value>, first: &[&str]) {
    let mut out = Map::new();
    for key in first {
        if let Some(value) = map.remove(*key) {
            out.insert((*key).into(), value);
        }
    }
    out.append(map);
    *map = out;
}

/// The key of a canonical document (the publisher's id).
pub fn key_of(kind: Kind, document: &Value) -> Option<&str> {
    document.get(kind.key_field()).and_then(Value::as_str)
}

/// The body of a V2 or component write: the canonical document without what the server sets.
/// `keep_key`: whether the publisher key stays in the body (creates; V2 offer updates leave
/// it out, as Appcharge's examples do, since the path names the offer).
pub fn write_body(kind: Kind, canonical: &Value, keep_key: bool) -> Value {
    let mut body = canonical.clone();
    if let Some(map) = body.as_object_mut() {
        // What the server assigns, the key aside: never sent back.
        let server = diff_rules(kind).assigned;
        map.retain(|k, _| k == kind.key_field() || !server.contains(&k.as_str()));
        if !keep_key {
            map.remove(kind.key_field());
        }
    }
    body
}

/// The body of the V1 rolling-offer calls, in the seed's shape and key order (seed 003):
/// `publisherOfferId, name, type, active, priority, offerUiId | offerExternalUiId, segments,
/// productsSequence[{index, products, priceInUsdCents, priceDiscount, productSale, badges}],
/// schedule{permanent, timeFrames[{startTime, endTime, notes}]}`. Properties the seed does
/// not name follow, so that they survive the full-document write.
pub fn v1_rolling_body(canonical: &Value) -> Value {
    let body = write_body(Kind::RollingOffer, canonical, true);
    let Value::Object(mut rest) = body else {
        return body;
    };
    let head = [
        "publisherOfferId",
        "name",
        "type",
        "active",
        "priority",
        "offerUiId",
        "offerExternalUiId",
        "segments",
    ];
    let mut out = Map::new();
    move_in_order(&mut rest, &head, &mut out);
    if let Some(Value::Array(steps)) = rest.remove("productsSequence") {
        let steps = steps.into_iter().map(|step| match step {
            Value::Object(mut step) => {
                let mut ordered = Map::new();
                let v1_named = &STEP_MEMBERS[..STEP_MEMBERS.len() - 1];
                move_in_order(&mut step, v1_named, &mut ordered);
                ordered.append(&mut step);
                Value::Object(ordered)
            }
            other => other,
        });
        out.insert("productsSequence".into(), Value::Array(steps.collect()));
    }
    if let Some(mut schedule) = rest.remove("schedule") {
        // V1 knows no time-frame ids (V2 added them): the seed's frames are start, end, notes.
        if let Some(Value::Array(frames)) = schedule.get_mut("timeFrames") {
            for frame in frames.iter_mut().filter_map(Value::as_object_mut) {
                frame.remove("id");
            }
        }
        out.insert("schedule".into(), schedule);
    }
    out.append(&mut rest);
    Value::Object(out)
}

/// The members of a step offerctl manages, in the order the V1 body writes them (progress-bar
/// points last: V1 does not name them, so they follow with whatever else a step has).
const STEP_MEMBERS: &[&str] = &[
    "index",
    "products",
    "priceInUsdCents",
    "priceDiscount",
    "productSale",
    "badges",
    "progressBarPoints",
];

/// Moves the `keys` that `from` has into `to`, in that order.
fn move_in_order(from: &mut Map<String, Value>, keys: &[&str], to: &mut Map<String, Value>) {
    for key in keys {
        if let Some(value) = from.remove(*key) {
            to.insert((*key).into(), value);
        }
    }
}

fn members(pattern: &str) -> Option<&'static [&'static str]> {
    match pattern {
        "productsSequence/*" => Some(STEP_MEMBERS),
        "productsSequence/*/products/*" => Some(&["publisherProductId", "quantity", "priority"]),
        "productsSequence/*/badges/*" => Some(&["publisherBadgeId"]),
        "productsSequence/*/progressBarPoints/*" => Some(&["publisherBarId", "points"]),
        "productsSequence/*/priceDiscount" => Some(&["discount", "type"]),
        "productsSequence/*/productSale" => Some(&["sale", "type"]),
        "schedule" => Some(&["permanent", "timeFrames"]),
        "schedule/timeFrames/*" => Some(&["startTime", "endTime", "notes"]),
        _ => None,
    }
}

/// The modelled top-level properties of `kind`.
pub fn managed_properties(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Product => &[
            "name",
            "displayName",
            "type",
            "description",
            "productImageUrl",
        ],
        Kind::Badge => &["name", "type", "text", "badgeImageUrl"],
        Kind::OfferDesign => &["name", "offerUiType", "backgroundImageUrl"],
        offer => offers::managed_properties(offer),
    }
}

/// The type of the scalars offers carry: Appcharge reads instants back with milliseconds
/// (`….000Z`) and has been seen to send quantities as text (`"100"`).
const TYPES: &[(&str, Type)] = &[
    ("priority", Type::Number),
    ("productsSequence/*/index", Type::Number),
    ("productsSequence/*/priceInUsdCents", Type::Number),
    ("productsSequence/*/products/*/quantity", Type::Number),
    ("productsSequence/*/priceDiscount/discount", Type::Number),
    ("productsSequence/*/productSale/sale", Type::Number),
    (
        "productsSequence/*/progressBarPoints/*/points",
        Type::Number,
    ),
    ("priceDiscount/discount", Type::Number),
    ("productSale/sale", Type::Number),
    ("schedule/timeFrames/*/startTime", Type::Instant),
    ("schedule/timeFrames/*/endTime", Type::Instant),
];

pub fn diff_rules(kind: Kind) -> Rules {
    let assigned: &'static [&'static str] = match kind {
        Kind::Product => &["publisherProductId", "id", "createdAt", "updatedAt"],
        Kind::Badge => &["publisherBadgeId", "id", "createdAt", "updatedAt"],
        Kind::OfferDesign => &["externalId", "id", "createdAt", "updatedAt"],
        // A checkout link's `deeplinkUrl` and `playerClickedTtl` are the server's too.
        _ => &[
            "publisherOfferId",
            "offerId",
            "publisherId",
            "createdAt",
            "updatedAt",
            "createdBy",
            "deeplinkUrl",
            "playerClickedTtl",
        ],
    };
    Rules {
        root: "",
        properties: managed_properties(kind),
        members: if kind.is_single_item() {
            offers::single_item_members
        } else {
            members as fn(&str) -> Option<&'static [&'static str]>
        },
        types: TYPES,
        sets: &["segments"],
        keyed: &[("productsSequence", "index")],
        keep_container: &["schedule"],
        assigned,
        // Time-frame ids are the server's: sent back as read, never compared.
        assigned_members: &[("schedule/timeFrames/*", "id")],
        neutral: crate::diff::nothing_neutral,
    }
}

/// The publisher ids a canonical document refers to.
pub fn references(kind: Kind, document: &Value) -> Vec<String> {
    if !kind.is_offer() {
        return Vec::new();
    }
    let mut out = Vec::new();
    if let Some(design) = document.get("offerExternalUiId").and_then(Value::as_str) {
        out.push(design.to_string());
    }
    let steps = document
        .get("productsSequence")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    for step in steps {
        for (list, key) in [
            ("products", "publisherProductId"),
            ("badges", "publisherBadgeId"),
            ("progressBarPoints", "publisherBarId"),
        ] {
            let entries = step
                .get(list)
                .and_then(Value::as_array)
                .map_or(&[][..], Vec::as_slice);
            out.extend(
                entries
                    .iter()
                    .filter_map(|e| e.get(key).and_then(Value::as_str))
                    .map(String::from),
            );
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Manifest field ↔ wire pointer, per kind (for `ignoreChanges` and plan labels).
fn fields(kind: Kind) -> &'static [(&'static str, &'static str)] {
    match kind {
        Kind::Product => &[
            ("title", "/name"),
            ("displayName", "/displayName"),
            ("unit", "/type"),
            ("description", "/description"),
            ("image", "/productImageUrl"),
        ],
        Kind::Badge => &[
            ("title", "/name"),
            ("style", "/type"),
            ("text", "/text"),
            ("image", "/badgeImageUrl"),
        ],
        Kind::OfferDesign => &[
            ("title", "/name"),
            ("offerType", "/offerUiType"),
            ("backgroundImage", "/backgroundImageUrl"),
        ],
        offer => offers::fields(offer),
    }
}

pub fn ignorable_fields(kind: Kind) -> Vec<&'static str> {
    fields(kind).iter().map(|(field, _)| *field).collect()
}

pub fn field_pointer(kind: Kind, field: &str) -> Option<&'static str> {
    fields(kind)
        .iter()
        .find(|(f, _)| *f == field)
        .map(|(_, pointer)| *pointer)
}

/// A reviewer's label for a patch path, in manifest words where there are some and written
/// like Adobe's (`/productsSequence/1/priceInUsdCents` → `steps[1].price`; positions count
/// from 0, `[-]` is an append).
pub fn field_label(kind: Kind, pointer: &str) -> String {
    let mut label = String::new();
    let pointer = offers::label_pointer(kind, pointer);
    for (i, token) in pointer.split('/').skip(1).enumerate() {
        let token = token.replace("~1", "/").replace("~0", "~");
        if token == "-" || token.parse::<usize>().is_ok() {
            label.push_str(&format!("[{token}]"));
            continue;
        }
        let field = fields(kind).iter().find(|(_, p)| p[1..] == *token);
        let name = if let (0, Some((field, _))) = (i, field) {
            field.to_string()
        } else {
            match token.as_str() {
                "priceInUsdCents" => "price",
                "priceDiscount" => "discount",
                "productSale" => "sale",
                "publisherProductId" => "product",
                "publisherBadgeId" => "badge",
                "publisherBarId" => "bar",
                "discount" | "sale" => "amount",
                "startTime" => "start",
                "endTime" => "end",
                other => other,
            }
            .to_string()
        };
        if !label.is_empty() {
            label.push('.');
        }
        label.push_str(&name);
    }
    label
}
