//! Offers: V2 create, list, full replace and delete, and the V1 rolling-offer writes, all in
//! one namespace keyed by `publisherOfferId`.

use serde_json::{Map, Value, json};

use super::error::{StoreError, invalid};
use super::shape::{read_shape, v1_shape};
use super::state::{Record, State, TableName, new_id};
use super::store::{Inner, PUBLISHER_ID, Store};
use super::validate;

type Result<T = Value> = std::result::Result<T, StoreError>;

/// A checkout link's `playerClickedTtl` until one is set (Appcharge documents no default).
const CHECKOUT_LINK_TTL_SECONDS: u64 = 86_400;

/// Which API a write came through.
#[derive(Clone, Copy, PartialEq)]
enum Api {
    V2,
    V1Rolling,
}

fn object(body: Value) -> Result<Map<String, Value>> {
    match body {
        Value::Object(map) => Ok(map),
        _ => Err(invalid("the body must be a JSON object")),
    }
}

fn not_found(id: &str) -> StoreError {
    StoreError::NotFound(format!("no offer with publisherOfferId {id:?}"))
}

impl Store {
    /// `GET /v2/offer`: `(totalCount, offers)`, offers in creation order and in read shape,
    /// `limit` of them from `offset`, only those named in `ids` when given.
    pub fn list_offers(
        &self,
        offset: usize,
        limit: usize,
        ids: Option<&[String]>,
    ) -> (usize, Vec<Value>) {
        self.list_offers_of(offset, limit, ids, None)
    }

    /// [`Store::list_offers`] of one `offerType` (`PopUp` for every pop-up sub-type).
    pub fn list_offers_of(
        &self,
        offset: usize,
        limit: usize,
        ids: Option<&[String]>,
        offer_type: Option<&str>,
    ) -> (usize, Vec<Value>) {
        let inner = self.lock();
        let state = &inner.state;
        let matching: Vec<&Value> = state
            .offers
            .iter()
            .filter(|(key, _)| ids.is_none_or(|ids| ids.iter().any(|id| id == key)))
            .map(|(_, doc)| doc)
            .filter(|doc| offer_type.is_none_or(|t| doc["type"] == t))
            .collect();
        let page = matching
            .iter()
            .skip(offset)
            .take(limit)
            .map(|doc| read_shape(state, doc))
            .collect();
        (matching.len(), page)
    }

    /// One offer in read shape.
    pub fn get_offer(&self, id: &str) -> Result {
        let inner = self.lock();
        let stored = inner.state.offers.get(id).ok_or_else(|| not_found(id))?;
        Ok(read_shape(&inner.state, stored))
    }

    /// `POST /v2/offer`: validates and stores `body` (V2 write shape) as sent plus the
    /// server's fields; returns the read shape: each step's `products` entries as
    /// `{quantity, priority?, product: {productId, ...the product}, ...}`, `badges` entries as
    /// `{badge: {badgeId, ...the badge}, ...}`, and `offerExternalUiId`/`offerUiId` replaced by
    /// `offerUi` (`{offerUiId, ...the design, offerUIType}` or `null`).
    pub fn create_offer(&self, body: Value) -> Result {
        let mut inner = self.lock();
        let stored = create(&mut inner, object(body)?)?;
        Ok(read_shape(&inner.state, &stored))
    }

    /// `PUT /v2/offer/{id}`: replaces the whole stored document with `body` (fields it omits
    /// are gone), keeping `offerId`, `publisherId` and `createdAt`. `body` may omit
    /// `publisherOfferId`; naming another one (a rename) is refused, as is changing `type`.
    pub fn update_offer(&self, id: &str, body: Value) -> Result {
        let mut inner = self.lock();
        let stored = update(&mut inner, id, object(body)?, Api::V2)?;
        Ok(read_shape(&inner.state, &stored))
    }

    /// `DELETE /v2/offer/{id}`: removes the offer; returns it in read shape. A progress bar
    /// that offers still give points to is refused (409), as components in use are.
    pub fn delete_offer(&self, id: &str) -> Result {
        let mut inner = self.lock();
        let stored = inner.state.offers.get(id).ok_or_else(|| not_found(id))?;
        let read = read_shape(&inner.state, stored);
        let users = validate::bar_users(&inner.state, id);
        if !users.is_empty() {
            return Err(StoreError::Conflict(format!(
                "progress bar {id:?} is still used by offers {}; change or delete them first",
                users.join(", ")
            )));
        }
        inner.commit(Record::Remove {
            table: TableName::Offers,
            key: id.to_string(),
        })?;
        Ok(read)
    }

    /// `POST /offering/rolling-offer` (V1): a rolling offer in the V1 body shape (per-step
    /// `priceDiscount`/`productSale`/`badges`; a design by `offerUiId` or `offerExternalUiId`
    /// is required), stored like a V2 write; returns the V1 `RollingOfferDtoResponse`.
    pub fn create_rolling_v1(&self, body: Value) -> Result {
        let mut inner = self.lock();
        let stored = create(&mut inner, v1_body(body)?)?;
        Ok(v1_shape(&inner.state, &stored))
    }

    /// `PUT /offering/rolling-offer/{sku}` (V1): a full replace, as [`Store::update_offer`].
    pub fn update_rolling_v1(&self, sku: &str, body: Value) -> Result {
        let mut inner = self.lock();
        let stored = update(&mut inner, sku, v1_body(body)?, Api::V1Rolling)?;
        Ok(v1_shape(&inner.state, &stored))
    }
}

/// A V1 rolling body: `type` may be omitted (it can only be `RollingOffer`).
fn v1_body(body: Value) -> Result<Map<String, Value>> {
    let mut doc = object(body)?;
    match doc.get("type") {
        None | Some(Value::Null) => {
            doc.insert("type".into(), json!("RollingOffer"));
        }
        Some(t) if t == "RollingOffer" => {}
        Some(_) => return Err(invalid("type: must be RollingOffer on this path")),
    }
    let named = |field: &str| doc.get(field).is_some_and(|v| !v.is_null());
    if !named("offerUiId") && !named("offerExternalUiId") {
        return Err(invalid(
            "offerUiId: required if offerExternalUiId is not provided",
        ));
    }
    Ok(doc)
}

fn create(inner: &mut Inner, doc: Map<String, Value>) -> Result {
    let id = validate::key(&doc, "publisherOfferId")?.to_string();
    if inner.state.offers.contains(&id) {
        return Err(StoreError::Conflict(format!(
            "an offer with publisherOfferId {id:?} already exists"
        )));
    }
    let stored = prepare(&mut inner.state, doc, None)?;
    inner.commit(Record::Put {
        table: TableName::Offers,
        key: id,
        doc: stored.clone(),
    })?;
    Ok(stored)
}

fn update(inner: &mut Inner, id: &str, mut doc: Map<String, Value>, api: Api) -> Result {
    let existing = inner
        .state
        .offers
        .get(id)
        .cloned()
        .ok_or_else(|| not_found(id))?;
    match doc.get("publisherOfferId") {
        None | Some(Value::Null) => {
            doc.insert("publisherOfferId".into(), json!(id));
        }
        Some(named) if named == id => {}
        Some(named) => {
            return Err(invalid(format!(
                "publisherOfferId: renaming an offer is not supported (the path names {id:?}, the body {named})"
            )));
        }
    }
    let current = existing["type"].as_str().unwrap_or_default();
    if api == Api::V1Rolling && current != "RollingOffer" {
        return Err(invalid(format!(
            "type: offer {id:?} is a {current}, not a RollingOffer"
        )));
    }
    if let Some(Value::String(wanted)) = doc.get("type")
        && wanted != current
    {
        return Err(invalid(format!(
            "type: an offer's type cannot change (offer {id:?} is a {current}); delete and recreate it"
        )));
    }
    let stored = prepare(&mut inner.state, doc, Some(&existing))?;
    inner.commit(Record::Put {
        table: TableName::Offers,
        key: id.to_string(),
        doc: stored.clone(),
    })?;
    Ok(stored)
}

/// Validates `doc` and adds the server's fields and defaults; `existing` is the stored
/// document an update replaces.
fn prepare(state: &mut State, mut doc: Map<String, Value>, existing: Option<&Value>) -> Result {
    validate::offer(&doc, state)?;
    if !doc.get("displayName").is_some_and(Value::is_string) {
        let name = doc["name"].clone();
        doc.insert("displayName".into(), name);
    }
    match doc.get_mut("schedule") {
        Some(Value::Object(schedule)) => {
            schedule.entry("permanent").or_insert(json!(true));
            let frames = schedule.entry("timeFrames").or_insert(json!([]));
            for frame in frames.as_array_mut().into_iter().flatten() {
                if let Some(frame) = frame.as_object_mut() {
                    frame.entry("id").or_insert_with(|| json!(new_id()));
                }
            }
        }
        _ => {
            doc.insert(
                "schedule".into(),
                json!({"permanent": true, "timeFrames": []}),
            );
        }
    }
    let kept = |field: &str| existing.and_then(|e| e.get(field)).cloned();
    let offer_id = kept("offerId").unwrap_or_else(|| json!(new_id()));
    if doc["type"] == "CheckoutLink" {
        // Appcharge makes the link; how long it lives after a click keeps its last value.
        let link = format!(
            "https://checkout.appcharge.local/{}",
            offer_id.as_str().unwrap_or_default()
        );
        doc.insert("deeplinkUrl".into(), json!(link));
        if !doc.get("playerClickedTtl").is_some_and(Value::is_number) {
            let ttl = kept("playerClickedTtl").unwrap_or(json!(CHECKOUT_LINK_TTL_SECONDS));
            doc.insert("playerClickedTtl".into(), ttl);
        }
    }
    let updated = state.tick();
    doc.insert("offerId".into(), offer_id);
    doc.insert("publisherId".into(), json!(PUBLISHER_ID));
    doc.insert(
        "createdAt".into(),
        kept("createdAt").unwrap_or_else(|| json!(updated)),
    );
    doc.insert("updatedAt".into(), json!(updated));
    Ok(Value::Object(doc))
}
