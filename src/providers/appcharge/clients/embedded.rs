//! The embedded Appcharge repository: the same engine `offerctl serve` answers with, in
//! process and persisted under the state directory, so that Appcharge manifests plan and apply
//! with no account and no network. Calls go through the same client logic as HTTP.

use std::path::Path;

use serde_json::Value;

use super::api::{Api, CreateError, DeleteAnswer};
use super::client::Client;
use crate::backend::{BackendError, BoxFuture, ErrorKind};
use crate::providers::appcharge::kind::Kind;
use crate::providers::appcharge::repository::{Component, Store, StoreError};
use crate::providers::appcharge::wire;

/// Offers per page, as the API's largest page.
const PAGE: usize = 500;

pub struct StoreApi {
    store: Store,
    dir: String,
}

/// The embedded Appcharge repository.
pub type Embedded = Client<StoreApi>;

impl Embedded {
    /// Opens (creating) the repository under `dir` (`<state>/repository`), in its own
    /// `appcharge` folder beside Adobe's files.
    pub fn open(dir: &Path) -> Result<Embedded, String> {
        let dir = dir.join("appcharge");
        let store = Store::open(&dir).map_err(|e| {
            format!(
                "cannot open the embedded Appcharge repository in {}: {e}",
                dir.display()
            )
        })?;
        Ok(Client {
            api: StoreApi {
                store,
                dir: dir.display().to_string(),
            },
            max_attempts: 1,
            backoff: std::time::Duration::ZERO,
        })
    }
}

fn component(kind: Kind) -> Option<Component> {
    match kind {
        Kind::Product => Some(Component::Product),
        Kind::Badge => Some(Component::Badge),
        Kind::OfferDesign => Some(Component::OfferDesign),
        _ => None,
    }
}

fn error(what: &str, e: StoreError) -> BackendError {
    let kind = match e.status() {
        400 => ErrorKind::Rejected,
        404 => ErrorKind::NotFound,
        409 => ErrorKind::Conflict,
        _ => ErrorKind::Other,
    };
    BackendError::new(kind, format!("{what}: {e}")).with_status(e.status())
}

impl Api for StoreApi {
    fn describe(&self) -> String {
        format!("the embedded Appcharge repository in {}", self.dir)
    }

    fn offers_page<'a>(
        &'a self,
        offset: usize,
        only: Option<&'a str>,
        offer_type: Option<&'a str>,
    ) -> BoxFuture<'a, Result<(u64, Vec<Value>), BackendError>> {
        let ids = only.map(|id| vec![id.to_string()]);
        let (total, offers) = self
            .store
            .list_offers_of(offset, PAGE, ids.as_deref(), offer_type);
        Box::pin(async move { Ok((total as u64, offers)) })
    }

    fn components(&self, kind: Kind) -> BoxFuture<'_, Result<Vec<Value>, BackendError>> {
        let items = component(kind)
            .map(|c| self.store.list_components(c))
            .unwrap_or_default();
        Box::pin(async move { Ok(items) })
    }

    fn create<'a>(
        &'a self,
        kind: Kind,
        canonical: &'a Value,
    ) -> BoxFuture<'a, Result<Option<Value>, CreateError>> {
        let key = wire::key_of(kind, canonical)
            .unwrap_or_default()
            .to_string();
        let what = format!("creating {kind}/{key}");
        let body = wire::write_body(kind, canonical, true);
        let result = match component(kind) {
            Some(c) => self.store.create_component(c, body),
            None => self.store.create_offer(body),
        };
        Box::pin(async move {
            match result {
                Ok(answer) => Ok(Some(answer)),
                Err(e @ StoreError::Conflict(_)) => Err(CreateError::Exists(error(&what, e))),
                Err(e) => Err(CreateError::Failed(error(&what, e))),
            }
        })
    }

    fn update<'a>(
        &'a self,
        kind: Kind,
        key: &'a str,
        canonical: &'a Value,
    ) -> BoxFuture<'a, Result<Option<Value>, BackendError>> {
        let what = format!("updating {kind}/{key}");
        let result = match component(kind) {
            Some(c) => self
                .store
                .update_component(c, key, wire::write_body(kind, canonical, true)),
            None => self
                .store
                .update_offer(key, wire::write_body(kind, canonical, false)),
        };
        Box::pin(async move { result.map(Some).map_err(|e| error(&what, e)) })
    }

    fn delete<'a>(
        &'a self,
        kind: Kind,
        key: &'a str,
    ) -> BoxFuture<'a, Result<DeleteAnswer, BackendError>> {
        let what = format!("deleting {kind}/{key}");
        let result = match component(kind) {
            Some(c) => self.store.delete_component(c, key),
            None => self.store.delete_offer(key),
        };
        Box::pin(async move {
            match result {
                Ok(_) => Ok(DeleteAnswer::Deleted),
                Err(e @ StoreError::Conflict(_)) if kind.can_be_referenced() => {
                    Ok(DeleteAnswer::InUse(error(&what, e)))
                }
                Err(e) => Err(error(&what, e)),
            }
        })
    }
}
