//! The rules a write must follow, each refusal naming the field it is about
//! (`productsSequence[3].products: at most 3 products`).

use std::collections::HashSet;

use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::Component;
use super::error::{StoreError, invalid};
use super::state::{State, Table};

/// Appcharge's offer types (V2 `type`).
pub const OFFER_TYPES: [&str; 6] = [
    "RollingOffer",
    "Bundle",
    "SpecialOffer",
    "CheckoutLink",
    "ProgressBar",
    "PopUp",
];
/// The `subType`s of a `PopUp`.
const POPUP_TYPES: [&str; 4] = [
    "DailyBonus",
    "PostPurchase",
    "RewardCalendar",
    "StoreRefresh",
];
/// The `offerUiType`s of offer designs: one per offer type.
const DESIGN_TYPES: [&str; 6] = OFFER_TYPES;
const MAX_STEPS: usize = 50;
const MAX_PRODUCTS: usize = 3;

type Result<T = ()> = std::result::Result<T, StoreError>;

fn non_empty_string<'a>(doc: &'a Map<String, Value>, field: &str) -> Option<&'a str> {
    doc.get(field)
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
}

/// The key of a document: `field`, a non-empty string.
pub(super) fn key<'a>(doc: &'a Map<String, Value>, field: &str) -> Result<&'a str> {
    non_empty_string(doc, field)
        .ok_or_else(|| invalid(format!("{field}: required, a non-empty string")))
}

/// An offer in write shape (V1 rolling bodies are stored in the same shape).
pub(super) fn offer(doc: &Map<String, Value>, state: &State) -> Result {
    key(doc, "publisherOfferId")?;
    match doc.get("name").and_then(Value::as_str) {
        Some(name) if name.chars().count() >= 3 => {}
        Some(_) => return Err(invalid("name: at least 3 characters")),
        None => return Err(invalid("name: required, a string of at least 3 characters")),
    }
    let kind = offer_type(doc)?;
    if !matches!(doc.get("active"), Some(Value::Bool(_))) {
        return Err(invalid("active: required, a boolean"));
    }
    for field in ["displayName", "description"] {
        if doc.get(field).is_some_and(|v| !v.is_string()) {
            return Err(invalid(format!("{field}: must be a string")));
        }
    }
    if doc
        .get("priority")
        .is_some_and(|v| !v.is_null() && !v.is_i64())
    {
        return Err(invalid("priority: must be an integer"));
    }
    if let Some(segments) = doc.get("segments") {
        let strings = segments
            .as_array()
            .is_some_and(|items| items.iter().all(Value::is_string));
        if !strings {
            return Err(invalid("segments: must be an array of strings"));
        }
    }
    let sub_type = popup(doc, kind)?;
    sale_and_discount(doc, "", kind, sub_type)?;
    steps(doc, kind, sub_type, state)?;
    schedule(doc.get("schedule"))?;
    design(doc, kind, state)?;
    Ok(())
}

/// The offer's `type`.
pub(super) fn offer_type(doc: &Map<String, Value>) -> Result<&str> {
    let all = OFFER_TYPES.join(", ");
    match doc.get("type") {
        Some(Value::String(t)) if OFFER_TYPES.contains(&t.as_str()) => Ok(t.as_str()),
        Some(Value::String(t)) => Err(invalid(format!("type: {t:?} is not one of {all}"))),
        _ => Err(invalid(format!("type: required, one of {all}"))),
    }
}

/// A pop-up's `subType` (required, with `priority`), and what its sub-type needs: `displayRule`
/// for StoreRefresh, `rewardCalendar` for RewardCalendar. `None` for other offer types.
fn popup<'a>(doc: &'a Map<String, Value>, kind: &str) -> Result<Option<&'a str>> {
    if kind != "PopUp" {
        return Ok(None);
    }
    let all = POPUP_TYPES.join(", ");
    let sub_type = match doc.get("subType") {
        Some(Value::String(t)) if POPUP_TYPES.contains(&t.as_str()) => t.as_str(),
        Some(Value::String(t)) => {
            return Err(invalid(format!("subType: {t:?} is not one of {all}")));
        }
        _ => {
            return Err(invalid(format!(
                "subType: required for a PopUp, one of {all}"
            )));
        }
    };
    if !doc.get("priority").is_some_and(Value::is_i64) {
        return Err(invalid("priority: required for a PopUp, an integer"));
    }
    for (field, needed_by) in [
        ("displayRule", "StoreRefresh"),
        ("rewardCalendar", "RewardCalendar"),
    ] {
        match doc.get(field) {
            None | Some(Value::Null) if sub_type == needed_by => {
                return Err(invalid(format!(
                    "{field}: required for a {needed_by} pop-up"
                )));
            }
            None | Some(Value::Null) | Some(Value::Object(_)) => {}
            Some(_) => return Err(invalid(format!("{field}: must be an object"))),
        }
    }
    Ok(Some(sub_type))
}

fn steps(doc: &Map<String, Value>, kind: &str, sub_type: Option<&str>, state: &State) -> Result {
    let rolling = kind == "RollingOffer";
    let Some(Value::Array(steps)) = doc.get("productsSequence") else {
        return Err(invalid("productsSequence: required, an array"));
    };
    if rolling && steps.len() < 2 {
        return Err(invalid(format!(
            "productsSequence: a RollingOffer needs at least 2 steps (has {})",
            steps.len()
        )));
    }
    if rolling && steps.len() > MAX_STEPS {
        return Err(invalid(format!(
            "productsSequence: at most {MAX_STEPS} steps (has {})",
            steps.len()
        )));
    }
    if steps.is_empty() {
        return Err(invalid("productsSequence: at least 1 item"));
    }
    let mut indexes = HashSet::new();
    for (i, step) in steps.iter().enumerate() {
        let at = format!("productsSequence[{i}]");
        let Value::Object(step) = step else {
            return Err(invalid(format!("{at}: must be an object")));
        };
        let index = step
            .get("index")
            .and_then(Value::as_i64)
            .ok_or_else(|| invalid(format!("{at}.index: required, an integer")))?;
        if !indexes.insert(index) {
            return Err(invalid(format!(
                "{at}.index: {index} is the index of an earlier step"
            )));
        }
        match step.get("priceInUsdCents").and_then(Value::as_u64) {
            Some(0) | Some(80..) => {}
            Some(_) => {
                return Err(invalid(format!(
                    "{at}.priceInUsdCents: must be 0 (free) or at least 80"
                )));
            }
            None => {
                return Err(invalid(format!(
                    "{at}.priceInUsdCents: required, a non-negative integer"
                )));
            }
        }
        products(step, &at, rolling, state)?;
        badges(step, &at, state)?;
        bar_points(step, &at, kind, state)?;
        sale_and_discount(step, &at, kind, sub_type)?;
    }
    Ok(())
}

fn products(step: &Map<String, Value>, at: &str, rolling: bool, state: &State) -> Result {
    let Some(Value::Array(products)) = step.get("products") else {
        return Err(invalid(format!("{at}.products: required, an array")));
    };
    if rolling && products.is_empty() {
        return Err(invalid(format!("{at}.products: at least 1 product")));
    }
    if products.len() > MAX_PRODUCTS {
        return Err(invalid(format!(
            "{at}.products: at most {MAX_PRODUCTS} products"
        )));
    }
    for (j, entry) in products.iter().enumerate() {
        let at = format!("{at}.products[{j}]");
        let Value::Object(entry) = entry else {
            return Err(invalid(format!("{at}: must be an object")));
        };
        existing(
            Some(entry),
            &at,
            "publisherProductId",
            "product",
            &state.products,
        )?;
        if !positive_quantity(entry.get("quantity")) {
            return Err(invalid(format!(
                "{at}.quantity: required, a positive integer"
            )));
        }
        if let Some(priority) = entry.get("priority")
            && !matches!(priority.as_str(), Some("Main" | "Sub"))
        {
            return Err(invalid(format!("{at}.priority: one of Main, Sub")));
        }
    }
    Ok(())
}

/// The id at `at.key` of `entry`, which must name an existing `noun` of `table`.
fn existing(
    entry: Option<&Map<String, Value>>,
    at: &str,
    key: &str,
    noun: &str,
    table: &Table,
) -> Result {
    let id = entry
        .and_then(|e| non_empty_string(e, key))
        .ok_or_else(|| invalid(format!("{at}.{key}: required, a non-empty string")))?;
    if !table.contains(id) {
        return Err(invalid(format!(
            "{at}.{key}: no {noun} {id:?} (create it first)"
        )));
    }
    Ok(())
}

/// A positive integer, or a string of one (some documented examples send `"100"`).
fn positive_quantity(value: Option<&Value>) -> bool {
    match value {
        Some(Value::Number(n)) => n.as_u64().is_some_and(|q| q > 0),
        Some(Value::String(s)) => {
            s.bytes().all(|b| b.is_ascii_digit()) && s.parse::<u64>().is_ok_and(|q| q > 0)
        }
        _ => false,
    }
}

fn badges(step: &Map<String, Value>, at: &str, state: &State) -> Result {
    let badges = match step.get("badges") {
        None | Some(Value::Null) => return Ok(()),
        Some(Value::Array(badges)) => badges,
        Some(_) => return Err(invalid(format!("{at}.badges: must be an array"))),
    };
    for (j, entry) in badges.iter().enumerate() {
        let at = format!("{at}.badges[{j}]");
        existing(
            entry.as_object(),
            &at,
            "publisherBadgeId",
            "badge",
            &state.badges,
        )?;
    }
    Ok(())
}

/// `progressBarPoints` of an item: each names an existing ProgressBar offer.
fn bar_points(step: &Map<String, Value>, at: &str, kind: &str, state: &State) -> Result {
    let entries = match step.get("progressBarPoints") {
        None | Some(Value::Null) => return Ok(()),
        Some(Value::Array(entries)) => entries,
        Some(_) => return Err(invalid(format!("{at}.progressBarPoints: must be an array"))),
    };
    if kind == "ProgressBar" && !entries.is_empty() {
        return Err(invalid(format!(
            "{at}.progressBarPoints: a ProgressBar cannot give points to progress bars"
        )));
    }
    for (j, entry) in entries.iter().enumerate() {
        let at = format!("{at}.progressBarPoints[{j}]");
        let entry = entry
            .as_object()
            .ok_or_else(|| invalid(format!("{at}: must be an object")))?;
        let id = non_empty_string(entry, "publisherBarId")
            .ok_or_else(|| invalid(format!("{at}.publisherBarId: required, a non-empty string")))?;
        match state.offers.get(id) {
            Some(bar) if bar["type"] == "ProgressBar" => {}
            Some(other) => {
                return Err(invalid(format!(
                    "{at}.publisherBarId: offer {id:?} is a {}, not a ProgressBar",
                    other["type"].as_str().unwrap_or("?")
                )));
            }
            None => {
                return Err(invalid(format!(
                    "{at}.publisherBarId: no progress bar {id:?} (create it first)"
                )));
            }
        }
        let points = entry.get("points").and_then(Value::as_u64);
        if points.is_none_or(|p| p == 0) {
            return Err(invalid(format!(
                "{at}.points: required, a positive integer"
            )));
        }
    }
    Ok(())
}

/// The offers (`publisherOfferId`s) giving points to progress bar `bar`, in creation order.
pub(super) fn bar_users(state: &State, bar: &str) -> Vec<String> {
    let uses = |offer: &Value| {
        offer["productsSequence"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|step| step["progressBarPoints"].as_array())
            .flatten()
            .any(|entry| entry["publisherBarId"] == bar)
    };
    state.offers_where(uses)
}

/// `priceDiscount` and `productSale`, at the top or in a step (`at`).
fn sale_and_discount(
    map: &Map<String, Value>,
    at: &str,
    kind: &str,
    sub_type: Option<&str>,
) -> Result {
    let (discounts, sales): (&[&str], &[&str]) = match (kind, sub_type) {
        ("RollingOffer", _) => (
            &["percentage", "fixed_amount"],
            &["percentage", "fixed_amount"],
        ),
        (_, Some("StoreRefresh")) => (&["percentage"], &["percentage"]),
        _ => (
            &["percentage"],
            &["percentage", "multiplier", "fixed_amount"],
        ),
    };
    for (field, amount, allowed) in [
        ("priceDiscount", "discount", discounts),
        ("productSale", "sale", sales),
    ] {
        let path = if at.is_empty() {
            field.to_string()
        } else {
            format!("{at}.{field}")
        };
        let object = match map.get(field) {
            None | Some(Value::Null) => continue,
            Some(Value::Object(object)) => object,
            Some(_) => return Err(invalid(format!("{path}: must be an object"))),
        };
        if let Some(t) = object.get("type")
            && !t.as_str().is_some_and(|t| allowed.contains(&t))
        {
            return Err(invalid(format!(
                "{path}.type: one of {} for a {kind}",
                allowed.join(", ")
            )));
        }
        if object.get(amount).is_some_and(|a| !a.is_number()) {
            return Err(invalid(format!("{path}.{amount}: must be a number")));
        }
    }
    Ok(())
}

fn schedule(schedule: Option<&Value>) -> Result {
    let schedule = match schedule {
        None | Some(Value::Null) => return Ok(()),
        Some(Value::Object(schedule)) => schedule,
        Some(_) => return Err(invalid("schedule: must be an object")),
    };
    let permanent = match schedule.get("permanent") {
        None => true,
        Some(Value::Bool(p)) => *p,
        Some(_) => return Err(invalid("schedule.permanent: must be a boolean")),
    };
    let frames = match schedule.get("timeFrames") {
        None => &Vec::new(),
        Some(Value::Array(frames)) => frames,
        Some(_) => return Err(invalid("schedule.timeFrames: must be an array")),
    };
    if !permanent && frames.is_empty() {
        return Err(invalid(
            "schedule.timeFrames: at least one time frame when permanent is false",
        ));
    }
    let mut spans = Vec::new();
    for (i, frame) in frames.iter().enumerate() {
        let at = format!("schedule.timeFrames[{i}]");
        let Value::Object(frame) = frame else {
            return Err(invalid(format!("{at}: must be an object")));
        };
        let time = |field: &str| {
            frame
                .get(field)
                .and_then(Value::as_str)
                .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok())
                .ok_or_else(|| invalid(format!("{at}.{field}: required, an RFC 3339 date-time")))
        };
        let (start, end) = (time("startTime")?, time("endTime")?);
        if end <= start {
            return Err(invalid(format!("{at}.endTime: must be after startTime")));
        }
        if frame.get("id").is_some_and(|id| !id.is_string()) {
            return Err(invalid(format!("{at}.id: must be a string")));
        }
        spans.push((start, end, i));
    }
    spans.sort();
    for pair in spans.windows(2) {
        let ((_, end, a), (start, _, b)) = (pair[0], pair[1]);
        if start < end {
            return Err(invalid(format!(
                "schedule.timeFrames[{b}]: overlaps schedule.timeFrames[{a}] (time frames must not overlap)"
            )));
        }
    }
    Ok(())
}

/// The offer design an offer names, by `offerExternalUiId` (its `externalId`) or `offerUiId`
/// (its server `id`): `(externalId, design)`.
pub(super) fn named_design<'a>(
    doc: &Map<String, Value>,
    state: &'a State,
) -> Result<Option<(&'a str, &'a Value)>> {
    let by_external = design_at(doc, state, "offerExternalUiId", "externalId", |key, _| {
        Some(key)
    })?;
    let by_id = design_at(doc, state, "offerUiId", "id", |_, design| {
        design.get("id").and_then(Value::as_str)
    })?;
    match (by_external, by_id) {
        (Some(a), Some(b)) if a.0 != b.0 => Err(invalid(
            "offerUiId: names a different offer design than offerExternalUiId",
        )),
        (a, b) => Ok(a.or(b)),
    }
}

/// The offer design whose `key_name` (read by `key_of` from its key and document) is the
/// string at `field` of `doc`, if `field` is there.
fn design_at<'a>(
    doc: &Map<String, Value>,
    state: &'a State,
    field: &str,
    key_name: &str,
    key_of: impl Fn(&'a str, &'a Value) -> Option<&'a str>,
) -> Result<Option<(&'a str, &'a Value)>> {
    match doc.get(field).filter(|v| !v.is_null()) {
        None => Ok(None),
        Some(Value::String(wanted)) => state
            .designs
            .iter()
            .find(|&(key, design)| key_of(key, design) == Some(wanted.as_str()))
            .map(Some)
            .ok_or_else(|| {
                invalid(format!(
                    "{field}: no offer design with {key_name} {wanted:?}"
                ))
            }),
        Some(_) => Err(invalid(format!("{field}: must be a string"))),
    }
}

fn design(doc: &Map<String, Value>, kind: &str, state: &State) -> Result {
    if let Some((external, design)) = named_design(doc, state)? {
        let ui_type = design
            .get("offerUiType")
            .and_then(Value::as_str)
            .unwrap_or("");
        if ui_type != kind {
            let field = if doc.get("offerExternalUiId").is_some_and(|v| !v.is_null()) {
                "offerExternalUiId"
            } else {
                "offerUiId"
            };
            return Err(invalid(format!(
                "{field}: offer design {external:?} is a {ui_type} design; a {kind} offer needs a {kind} design"
            )));
        }
    }
    Ok(())
}

/// A product, badge or offer design.
pub(super) fn component(kind: Component, doc: &Map<String, Value>) -> Result {
    key(doc, kind.key_field())?;
    if non_empty_string(doc, "name").is_none() {
        return Err(invalid("name: required, a non-empty string"));
    }
    let one_of = |field: &str, allowed: &[&str], required: bool| -> Result {
        match doc.get(field) {
            None if !required => Ok(()),
            Some(Value::String(v)) if allowed.contains(&v.as_str()) => Ok(()),
            _ => Err(invalid(format!(
                "{field}: {}one of {}",
                if required { "required, " } else { "" },
                allowed.join(", ")
            ))),
        }
    };
    match kind {
        Component::Product => one_of("type", &["Quantity", "Time"], false),
        Component::Badge => {
            one_of("type", &["emblem", "ribbon"], true)?;
            match doc.get("type").and_then(Value::as_str) {
                Some("ribbon") if non_empty_string(doc, "text").is_none() => {
                    Err(invalid("text: required for a ribbon badge"))
                }
                Some("emblem") if non_empty_string(doc, "badgeImageUrl").is_none() => {
                    Err(invalid("badgeImageUrl: required for an emblem badge"))
                }
                _ => Ok(()),
            }
        }
        Component::OfferDesign => one_of("offerUiType", &DESIGN_TYPES, true),
    }
}
