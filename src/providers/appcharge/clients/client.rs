//! Appcharge as a [`Backend`], over any [`Api`] (HTTP or the embedded repository).
//!
//! Reads: offers page by page until `totalCount`, complete and duplicate-free or an error;
//! components as one list. Every read is normalised to the canonical form
//! ([`wire::normalize_read`]) before anything compares it.
//!
//! Appcharge has no PATCH, no etags and no If-Match. So a planned patch is applied to the
//! object as read just before the write, and the whole document is PUT: properties offerctl
//! does not model are sent back as they are. The revision is the offer's `updatedAt` (a hash
//! of the document for components, which have none); the read just before a write must still
//! show the revision the plan saw, or the write is refused as a conflict. The window between
//! that read and the PUT cannot be closed on this API; the README says so.
//!
//! A create whose outcome is unknown (no answer after sending) is resolved by looking the
//! publisher id up before sending it again, so a retried create never makes a duplicate.

use std::collections::HashSet;
use std::time::Duration;

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::api::{Api, CreateError, DeleteAnswer};
use crate::backend::{
    Backend, BackendError, BoxFuture, Deleted, ErrorKind, LiveObject, Receipt, Target,
};
use crate::diff::Op;
use crate::kind::Kind as CoreKind;
use crate::providers::appcharge::kind::Kind;
use crate::providers::appcharge::wire;

/// The revision of a canonical document: `updatedAt` where Appcharge keeps one, a hash of the
/// document otherwise.
pub fn revision(document: &Value) -> String {
    if let Some(at) = document.get("updatedAt").and_then(Value::as_str) {
        return at.to_string();
    }
    let bytes = serde_json::to_vec(document).unwrap_or_default();
    let digest = Sha256::digest(&bytes);
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// A live object from a canonical document; `None` without a publisher id.
pub fn live_object(kind: Kind, canonical: Value) -> Option<LiveObject> {
    let key = wire::key_of(kind, &canonical)?.to_string();
    Some(LiveObject {
        kind: kind.core(),
        instance_id: key.clone(),
        id: key.clone(),
        etag: revision(&canonical),
        modified: crate::backend::Modified::from_parts(
            None,
            None,
            canonical.get("updatedAt").and_then(Value::as_str),
            None,
        ),
        name: key,
        instance: canonical.into(),
    })
}

/// Appcharge's repository, through `A`.
pub struct Client<A> {
    pub(super) api: A,
    /// Attempts of a create whose outcome stays unknown.
    pub(super) max_attempts: u32,
    pub(super) backoff: Duration,
}

fn error(kind: ErrorKind, message: String) -> BackendError {
    BackendError::new(kind, message)
}

fn receipt(key: &str, etag: String) -> Receipt {
    Receipt {
        instance_id: key.to_string(),
        id: key.to_string(),
        etag,
        request_id: None,
    }
}

impl<A: Api> Client<A> {
    pub fn api(&self) -> &A {
        &self.api
    }

    /// Every offer of `kind` (`only`: the one with this publisher id).
    async fn list_offers(
        &self,
        kind: Kind,
        only: Option<&str>,
    ) -> Result<Vec<LiveObject>, BackendError> {
        let what = format!("listing {kind} from {}", self.api.describe());
        let bad = |problem: String| {
            error(
                ErrorKind::Other,
                format!("{what}: {problem}; refusing to use a partial list"),
            )
        };
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        let mut offset = 0usize;
        let mut total: Option<u64> = None;
        loop {
            let page = self.api.offers_page(offset, only, kind.offer_type());
            let (page_total, offers) = page.await?;
            if total.is_some_and(|t| t != page_total) {
                return Err(bad(
                    "the total changed while paging (someone is editing offers)".into(),
                ));
            }
            total = Some(page_total);
            for offer in &offers {
                let canonical = wire::normalize_read(kind, offer.clone());
                let Some(key) = wire::key_of(kind, &canonical).map(String::from) else {
                    return Err(bad("an offer has no `publisherOfferId`".into()));
                };
                if !seen.insert(key.clone()) {
                    return Err(bad(format!("offer `{key}` was listed twice")));
                }
                if canonical.get("type").and_then(Value::as_str) == kind.offer_type()
                    && let Some(object) = live_object(kind, canonical)
                {
                    out.push(object);
                }
            }
            offset += offers.len();
            if offset as u64 >= page_total {
                break;
            }
            if offers.is_empty() {
                return Err(bad(format!("an empty page at {offset} of {page_total}")));
            }
        }
        if only.is_none() && seen.len() as u64 != total.unwrap_or(0) {
            return Err(bad(format!(
                "{} offers listed, the total says {}",
                seen.len(),
                total.unwrap_or(0)
            )));
        }
        Ok(out)
    }

    async fn list_components(&self, kind: Kind) -> Result<Vec<LiveObject>, BackendError> {
        let items = self.api.components(kind).await?;
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for item in items {
            let what = || format!("listing {kind} from {}", self.api.describe());
            let canonical = wire::normalize_read(kind, item);
            let Some(object) = live_object(kind, canonical) else {
                return Err(error(
                    ErrorKind::Other,
                    format!("{}: an item has no `{}`", what(), kind.key_field()),
                ));
            };
            if !seen.insert(object.id.clone()) {
                return Err(error(
                    ErrorKind::Other,
                    format!("{}: `{}` was listed twice", what(), object.id),
                ));
            }
            out.push(object);
        }
        Ok(out)
    }

    /// One object as it is now, or `None` when it does not exist.
    async fn fetch(&self, kind: Kind, key: &str) -> Result<Option<LiveObject>, BackendError> {
        let found = if kind.is_offer() {
            self.list_offers(kind, Some(key)).await?
        } else {
            // Offer designs have no documented single GET: the list serves every component.
            self.list_components(kind).await?
        };
        Ok(found.into_iter().find(|o| o.id == key))
    }

    fn revision_of(kind: Kind, answer: Option<Value>) -> String {
        answer
            .map(|body| revision(&wire::normalize_read(kind, body)))
            .unwrap_or_default()
    }

    async fn create_object(&self, kind: Kind, canonical: &Value) -> Result<Receipt, BackendError> {
        let Some(key) = wire::key_of(kind, canonical).map(String::from) else {
            return Err(error(
                ErrorKind::Rejected,
                format!("a {kind} without `{}`", kind.key_field()),
            ));
        };
        let what = format!("creating {kind}/{key}");
        let mut sent_before = false;
        for attempt in 1..=self.max_attempts.max(1) {
            match self.api.create(kind, canonical).await {
                Ok(answer) => return Ok(receipt(&key, Self::revision_of(kind, answer))),
                Err(CreateError::Exists(_)) if sent_before => {
                    return self.adopt(kind, &key, canonical, &what).await;
                }
                Err(CreateError::Exists(error) | CreateError::Failed(error)) => return Err(error),
                Err(CreateError::Unknown { error, retryable }) => {
                    sent_before = true;
                    // Look before sending again: the first attempt may have been applied.
                    if let Some(object) = self.fetch(kind, &key).await? {
                        return Ok(receipt(&key, object.etag));
                    }
                    if !retryable || attempt == self.max_attempts {
                        return Err(error);
                    }
                    tokio::time::sleep(self.backoff * attempt).await;
                }
            }
        }
        Err(error(
            ErrorKind::Unavailable,
            format!("{what}: no answer after {} attempts", self.max_attempts),
        ))
    }

    /// After a create of unknown outcome, `key` exists: accept it when it holds what was sent.
    async fn adopt(
        &self,
        kind: Kind,
        key: &str,
        canonical: &Value,
        what: &str,
    ) -> Result<Receipt, BackendError> {
        let Some(object) = self.fetch(kind, key).await? else {
            return Err(error(
                ErrorKind::Conflict,
                format!("{what}: it exists (HTTP 409) but cannot be found"),
            ));
        };
        if !crate::diff::equivalent(&wire::diff_rules(kind), &object.instance.value(), canonical) {
            return Err(error(
                ErrorKind::Conflict,
                format!("{what}: it exists already with other settings; run plan again"),
            ));
        }
        Ok(receipt(key, object.etag))
    }

    /// The object as it is now, if still at `etag`.
    async fn current(
        &self,
        target: &Target,
        etag: &str,
        what: &str,
    ) -> Result<LiveObject, BackendError> {
        let kind = Kind::from_core(target.kind);
        let Some(object) = self.fetch(kind, &target.id).await? else {
            return Err(
                error(ErrorKind::NotFound, format!("{what}: it no longer exists")).with_status(404),
            );
        };
        if object.etag != etag {
            return Err(error(
                ErrorKind::Conflict,
                format!(
                    "{what}: it changed since it was read (revision {etag}, now {}); run plan again",
                    object.etag
                ),
            ));
        }
        Ok(object)
    }

    async fn patch_object(
        &self,
        target: &Target,
        ops: &[Op],
        etag: &str,
    ) -> Result<Receipt, BackendError> {
        let kind = Kind::from_core(target.kind);
        let what = format!("updating {kind}/{}", target.id);
        let mut document = self.current(target, etag, &what).await?.instance.value();
        let patch: json_patch::Patch =
            serde_json::from_value(serde_json::to_value(ops).unwrap_or_default())
                .map_err(|e| error(ErrorKind::Rejected, format!("{what}: {e}")))?;
        json_patch::patch(&mut document, &patch).map_err(|e| {
            error(
                ErrorKind::Rejected,
                format!("{what}: the planned change does not apply: {e}"),
            )
        })?;
        let answer = self.api.update(kind, &target.id, &document).await?;
        Ok(receipt(&target.id, Self::revision_of(kind, answer)))
    }

    async fn delete_object(&self, target: &Target, etag: &str) -> Result<Deleted, BackendError> {
        let kind = Kind::from_core(target.kind);
        let what = format!("deleting {kind}/{}", target.id);
        self.current(target, etag, &what).await?;
        match self.api.delete(kind, &target.id).await? {
            DeleteAnswer::Deleted | DeleteAnswer::GoneAfterRetry => {
                Ok(Deleted::Deleted { request_id: None })
            }
            DeleteAnswer::InUse(refused) => {
                // Name the offers that still use it, from the offers as they are now.
                let mut referenced_by = Vec::new();
                for offer_kind in Kind::ALL.into_iter().filter(|k| k.is_offer()) {
                    for offer in self.list_offers(offer_kind, None).await? {
                        let document = offer.instance.value();
                        if wire::references(offer_kind, &document).contains(&target.id) {
                            referenced_by.push(offer.id);
                        }
                    }
                }
                if referenced_by.is_empty() {
                    return Err(refused);
                }
                Ok(Deleted::Rejected {
                    referenced_by,
                    request_id: None,
                })
            }
        }
    }
}

impl<A: Api> Backend for Client<A> {
    fn describe(&self) -> String {
        self.api.describe()
    }

    fn list(&self, kind: CoreKind) -> BoxFuture<'_, Result<Vec<LiveObject>, BackendError>> {
        Box::pin(async move {
            let kind = Kind::from_core(kind);
            if kind.is_offer() {
                self.list_offers(kind, None).await
            } else {
                self.list_components(kind).await
            }
        })
    }

    fn create<'a>(
        &'a self,
        kind: CoreKind,
        instance: &'a Value,
    ) -> BoxFuture<'a, Result<Receipt, BackendError>> {
        Box::pin(async move { self.create_object(Kind::from_core(kind), instance).await })
    }

    fn patch<'a>(
        &'a self,
        target: &'a Target,
        ops: &'a [Op],
        etag: &'a str,
    ) -> BoxFuture<'a, Result<Receipt, BackendError>> {
        Box::pin(async move { self.patch_object(target, ops, etag).await })
    }

    fn delete<'a>(
        &'a self,
        target: &'a Target,
        etag: &'a str,
    ) -> BoxFuture<'a, Result<Deleted, BackendError>> {
        Box::pin(async move { self.delete_object(target, etag).await })
    }
}
