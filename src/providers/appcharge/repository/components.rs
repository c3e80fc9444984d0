//! Products, badges and offer designs: stored as sent plus the server `id`, keyed by the
//! publisher's id; not deletable while an offer refers to them.

use serde_json::{Map, Value, json};

use super::Component;
use super::error::{StoreError, invalid};
use super::state::{Record, State, new_id};
use super::store::Store;
use super::validate::{self, named_design};

type Result<T = Value> = std::result::Result<T, StoreError>;

fn not_found(kind: Component, key: &str) -> StoreError {
    StoreError::NotFound(format!(
        "no {} with {} {key:?}",
        kind.noun(),
        kind.key_field()
    ))
}

/// The offers (`publisherOfferId`s) referring to component `key`, in creation order.
pub(super) fn referrers(state: &State, kind: Component, key: &str) -> Vec<String> {
    let steps = |offer: &Value| -> Vec<Value> {
        offer["productsSequence"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    };
    let refers = |offer: &Value| match kind {
        Component::Product => steps(offer).iter().any(|s| {
            s["products"]
                .as_array()
                .is_some_and(|ps| ps.iter().any(|p| p["publisherProductId"] == key))
        }),
        Component::Badge => steps(offer).iter().any(|s| {
            s["badges"]
                .as_array()
                .is_some_and(|bs| bs.iter().any(|b| b["publisherBadgeId"] == key))
        }),
        Component::OfferDesign => offer
            .as_object()
            .and_then(|doc| named_design(doc, state).ok().flatten())
            .is_some_and(|(external, _)| external == key),
    };
    state.offers_where(refers)
}

impl Store {
    /// Every component of `kind`, in creation order.
    pub fn list_components(&self, kind: Component) -> Vec<Value> {
        let inner = self.lock();
        inner
            .state
            .table(kind.table())
            .iter()
            .map(|(_, doc)| doc.clone())
            .collect()
    }

    /// The component of `kind` keyed `key`.
    pub fn get_component(&self, kind: Component, key: &str) -> Result {
        let inner = self.lock();
        inner
            .state
            .table(kind.table())
            .get(key)
            .cloned()
            .ok_or_else(|| not_found(kind, key))
    }

    /// Stores `body` as sent, with a server `id` (first); 409 if the key exists.
    pub fn create_component(&self, kind: Component, body: Value) -> Result {
        let Value::Object(body) = body else {
            return Err(invalid("the body must be a JSON object"));
        };
        validate::component(kind, &body)?;
        let key = body[kind.key_field()]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let mut inner = self.lock();
        if inner.state.table(kind.table()).contains(&key) {
            return Err(StoreError::Conflict(format!(
                "a {} with {} {key:?} already exists",
                kind.noun(),
                kind.key_field()
            )));
        }
        let doc = with_id(new_id(), body);
        inner.commit(Record::Put {
            table: kind.table(),
            key,
            doc: doc.clone(),
        })?;
        Ok(doc)
    }

    /// Replaces the component keyed `key` with `body` (keeping its `id`). `body` may omit the
    /// key; naming another one (a rename) is refused. An offer design whose `offerUiType`
    /// would no longer match the offers using it is refused too (409).
    pub fn update_component(&self, kind: Component, key: &str, body: Value) -> Result {
        let Value::Object(mut body) = body else {
            return Err(invalid("the body must be a JSON object"));
        };
        let mut inner = self.lock();
        let existing = inner
            .state
            .table(kind.table())
            .get(key)
            .ok_or_else(|| not_found(kind, key))?;
        let field = kind.key_field();
        match body.get(field) {
            None | Some(Value::Null) => {
                body.insert(field.into(), json!(key));
            }
            Some(named) if named == key => {}
            Some(named) => {
                return Err(invalid(format!(
                    "{field}: renaming a {} is not supported (the path names {key:?}, the body {named})",
                    kind.noun()
                )));
            }
        }
        validate::component(kind, &body)?;
        let id = existing["id"].as_str().unwrap_or_default().to_string();
        if kind == Component::OfferDesign && existing["offerUiType"] != body["offerUiType"] {
            let users = referrers(&inner.state, kind, key);
            if !users.is_empty() {
                return Err(StoreError::Conflict(format!(
                    "offer design {key:?} is used by offers {} of type {}; its offerUiType cannot change",
                    users.join(", "),
                    existing["offerUiType"]
                )));
            }
        }
        let doc = with_id(id, body);
        inner.commit(Record::Put {
            table: kind.table(),
            key: key.to_string(),
            doc: doc.clone(),
        })?;
        Ok(doc)
    }

    /// Deletes the component keyed `key`, returning it; 409 while offers refer to it.
    pub fn delete_component(&self, kind: Component, key: &str) -> Result {
        let mut inner = self.lock();
        let existing = inner
            .state
            .table(kind.table())
            .get(key)
            .cloned()
            .ok_or_else(|| not_found(kind, key))?;
        let users = referrers(&inner.state, kind, key);
        if !users.is_empty() {
            return Err(StoreError::Conflict(format!(
                "{} {key:?} is still used by offers {}; change or delete them first",
                kind.noun(),
                users.join(", ")
            )));
        }
        inner.commit(Record::Remove {
            table: kind.table(),
            key: key.to_string(),
        })?;
        Ok(existing)
    }
}

/// `body` with the server `id` first (a client-sent `id` is ignored).
fn with_id(id: String, body: Map<String, Value>) -> Value {
    let mut doc = Map::new();
    doc.insert("id".into(), json!(id));
    doc.extend(body.into_iter().filter(|(k, _)| k != "id"));
    Value::Object(doc)
}
