//! Adobe's clients: the XCore and DPS HTTP APIs over one shared transport, and the embedded
//! repository (no network) for local use.

pub mod create;
pub mod dps;
pub mod embedded;
pub mod http;
pub mod listing;
pub mod pages;
pub mod shards;
pub mod xcore;

use std::future::Future;

use serde_json::Value;
use tracing::Instrument;

use crate::backend::{Backend, BackendError, BoxFuture, Deleted, LiveObject, Receipt, Target};
use crate::diff::Op;
use crate::kind::Kind as CoreKind;
use crate::providers::adobe::kind::Kind;

/// What the XCore and DPS clients each know; the [`Backend`] around it (Adobe's kinds, a debug
/// span per call naming the API, the kind and the object) is written once, below.
pub(crate) trait Api: Send + Sync {
    /// The API's name in spans (`xcore`).
    const NAME: &'static str;

    fn describe(&self) -> String;

    /// Every object of `kind`, complete, or an error beginning with `what`.
    fn read_all(
        &self,
        kind: Kind,
        what: &str,
    ) -> impl Future<Output = Result<Vec<LiveObject>, BackendError>> + Send;

    fn send_create(
        &self,
        kind: Kind,
        instance: &Value,
    ) -> impl Future<Output = Result<Receipt, BackendError>> + Send;

    fn send_patch(
        &self,
        target: &Target,
        ops: &[Op],
        etag: &str,
    ) -> impl Future<Output = Result<Receipt, BackendError>> + Send;

    fn send_delete(
        &self,
        target: &Target,
        etag: &str,
    ) -> impl Future<Output = Result<Deleted, BackendError>> + Send;

    fn expect_writes(&self) {}
}

fn span(api: &str, operation: &str, kind: CoreKind, id: Option<&str>) -> tracing::Span {
    tracing::debug_span!(target: "offerctl::adobe", "call", api, operation, kind = %kind, id)
}

impl<A: Api> Backend for A {
    fn describe(&self) -> String {
        Api::describe(self)
    }

    fn list(&self, kind: CoreKind) -> BoxFuture<'_, Result<Vec<LiveObject>, BackendError>> {
        let span = span(A::NAME, "list", kind, None);
        Box::pin(
            async move {
                let kind = Kind::from_core(kind);
                self.read_all(kind, &format!("listing {kind}")).await
            }
            .instrument(span),
        )
    }

    fn create<'a>(
        &'a self,
        kind: CoreKind,
        instance: &'a Value,
    ) -> BoxFuture<'a, Result<Receipt, BackendError>> {
        let span = span(A::NAME, "create", kind, None);
        Box::pin(
            self.send_create(Kind::from_core(kind), instance)
                .instrument(span),
        )
    }

    fn patch<'a>(
        &'a self,
        target: &'a Target,
        ops: &'a [Op],
        etag: &'a str,
    ) -> BoxFuture<'a, Result<Receipt, BackendError>> {
        let span = span(A::NAME, "patch", target.kind, Some(&target.id));
        Box::pin(self.send_patch(target, ops, etag).instrument(span))
    }

    fn delete<'a>(
        &'a self,
        target: &'a Target,
        etag: &'a str,
    ) -> BoxFuture<'a, Result<Deleted, BackendError>> {
        let span = span(A::NAME, "delete", target.kind, Some(&target.id));
        Box::pin(self.send_delete(target, etag).instrument(span))
    }

    fn expect_writes(&self) {
        Api::expect_writes(self);
    }
}

/// A live object from an `_instance` document: its name is `xdm:name`; who changed it last
/// is added by the caller that knows ([`LiveObject::modified`]).
pub fn live_object(
    kind: Kind,
    instance_id: String,
    id: String,
    etag: String,
    instance: Value,
) -> LiveObject {
    let name = instance
        .get("xdm:name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    LiveObject {
        kind: kind.core(),
        instance_id,
        id,
        etag,
        name,
        instance: instance.into(),
        modified: None,
    }
}
