//! Creates of XCore instances, sent by the shared create-with-lookup
//! ([`crate::providers::adobe::clients::create`]).

use reqwest::Method;
use serde_json::{Value, json};

use super::wire::parse_receipt;
use super::{HAL, RECEIPT, XcoreClient};
use crate::backend::{BackendError, ErrorKind, LiveObject, Receipt};
use crate::providers::adobe::clients::create::{Created, create, is_created};
use crate::providers::adobe::clients::http::{Call, Safety};
use crate::providers::adobe::kind::Kind;

impl XcoreClient {
    /// After a create whose outcome is unknown: the instance we created, if it exists (same
    /// name, same content; the newest when several).
    async fn find_created(
        &self,
        kind: Kind,
        name: &str,
        instance: &Value,
        what: String,
    ) -> Result<Option<LiveObject>, BackendError> {
        let filter = format!("_instance.xdm:name=={name}");
        let found = self
            .list_where(kind, &[("property", filter.as_str())], &what)
            .await?;
        let best = found
            .into_iter()
            .filter(|(object, _)| is_created(kind, name, instance, object))
            .max_by(|a, b| a.1.cmp(&b.1));
        Ok(best.map(|(object, _)| object))
    }

    pub(super) async fn create_instance(
        &self,
        kind: Kind,
        instance: &Value,
    ) -> Result<Receipt, BackendError> {
        let name = instance.get("xdm:name").and_then(Value::as_str);
        let what = match name {
            Some(name) => format!("creating {kind} {name:?}"),
            None => format!("creating a {kind} without a name"),
        };
        let container = self.container().await?.to_string();
        let body = serde_json::to_vec(&json!({"_instance": instance, "_links": {}}))
            .map_err(|e| self.t.error(ErrorKind::Other, format!("{what}: {e}")))?;
        let call = Call {
            what: &what,
            method: Method::POST,
            url: self.container_url(&container, &["instances"]),
            accept: RECEIPT,
            content_type: Some(format!("{HAL}; schema=\"{}\"", kind.schema_id())),
            if_match: None,
            body: Some(body),
            safety: Safety::Once,
        };
        let find = |name, what| self.find_created(kind, name, instance, what);
        match create(&self.t, &call, kind, name, find).await? {
            Created::Answer(reply) => parse_receipt(&reply, None)
                .map_err(|problem| self.t.error(ErrorKind::Other, format!("{what}: {problem}"))),
            Created::Found(receipt) => Ok(receipt),
        }
    }
}
