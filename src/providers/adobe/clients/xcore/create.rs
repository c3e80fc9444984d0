//! Creates of XCore instances, sent by the shared create-with-lookup
//! ([`crate::providers::adobe::clients::create`]).

use serde_json::{Value, json};

use super::wire::parse_receipt;
use super::{HAL, RECEIPT, XcoreClient};
use crate::backend::{BackendError, ErrorKind, LiveObject, Receipt};
use crate::providers::adobe::clients::create::{Candidate, Created, create};
use crate::providers::adobe::clients::http::Call;
use crate::providers::adobe::kind::Kind;

impl XcoreClient {
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
        let call = Call::create(
            &what,
            self.container_url(&container, &["instances"]),
            RECEIPT,
            format!("{HAL}; schema=\"{}\"", kind.schema_id()),
            body,
        );
        let find = |name: &str, what: String| {
            let filter = format!("_instance.xdm:name=={name}");
            async move {
                let filters = [("property", filter.as_str())];
                Ok(self
                    .list_pages(kind, &filters, &what, super::super::pages::Extent::All)
                    .await?
                    .0)
            }
        };
        match create(&self.t, &call, (kind, instance), name, find).await? {
            Created::Answer(reply) => parse_receipt(&reply, None)
                .map_err(|problem| self.t.error(ErrorKind::Other, format!("{what}: {problem}"))),
            Created::Found(receipt) => Ok(receipt),
        }
    }
}

/// An instance found by name, with its `repo:createdDate`: the latest created is taken (the
/// last listed of equals).
impl Candidate for (LiveObject, String) {
    fn object(self) -> LiveObject {
        self.0
    }

    fn live(&self) -> &LiveObject {
        &self.0
    }

    fn replaces(&self, best: &Self) -> bool {
        self.1 >= best.1
    }
}
