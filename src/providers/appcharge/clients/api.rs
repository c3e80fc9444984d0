//! What differs between Appcharge over HTTP and the embedded repository: the raw calls, in
//! Appcharge's wire shapes. The client logic on top ([`super::client`]) is shared.

use serde_json::Value;

use crate::backend::{BackendError, BoxFuture};
use crate::providers::appcharge::kind::Kind;

/// How a create ended.
pub enum CreateError {
    /// Refused or failed, and not applied.
    Failed(BackendError),
    /// The key exists already (409).
    Exists(BackendError),
    /// Sent, and no usable answer came: it may have been applied. `retryable` when the cause
    /// was transient.
    Unknown {
        error: BackendError,
        retryable: bool,
    },
}

/// How a delete ended.
pub enum DeleteAnswer {
    Deleted,
    /// The object is gone, and an earlier attempt of this delete may have been what removed it.
    GoneAfterRetry,
    /// Refused because offers still use the component (409).
    InUse(BackendError),
}

pub trait Api: Send + Sync {
    fn describe(&self) -> String;

    /// One page of offers (read shape) of `offer_type` (all types when `None`): the total
    /// count and the page's offers.
    fn offers_page<'a>(
        &'a self,
        offset: usize,
        only: Option<&'a str>,
        offer_type: Option<&'a str>,
    ) -> BoxFuture<'a, Result<(u64, Vec<Value>), BackendError>>;

    /// Every component of `kind` (read shape).
    fn components(&self, kind: Kind) -> BoxFuture<'_, Result<Vec<Value>, BackendError>>;

    /// Creates from a canonical document; the read shape the service answered, if any.
    fn create<'a>(
        &'a self,
        kind: Kind,
        canonical: &'a Value,
    ) -> BoxFuture<'a, Result<Option<Value>, CreateError>>;

    /// Replaces the whole document of `key` with a canonical document.
    fn update<'a>(
        &'a self,
        kind: Kind,
        key: &'a str,
        canonical: &'a Value,
    ) -> BoxFuture<'a, Result<Option<Value>, BackendError>>;

    fn delete<'a>(
        &'a self,
        kind: Kind,
        key: &'a str,
    ) -> BoxFuture<'a, Result<DeleteAnswer, BackendError>>;
}
