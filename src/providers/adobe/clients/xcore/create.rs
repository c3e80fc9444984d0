//! Creates, which are never resent blindly: after an unknown outcome the name is looked up
//! first, and an equivalent instance found is taken for the one created.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::wire::parse_receipt;
use super::{HAL, RECEIPT, XcoreClient};
use crate::backend::{BackendError, ErrorKind, LiveObject, Receipt};
use crate::diff;
use crate::providers::adobe::clients::http::{BackendErrorExt, Call, Failure, Safety};
use crate::providers::adobe::kind::Kind;
use crate::providers::adobe::mapping::xcore;

impl XcoreClient {
    /// After a create whose outcome is unknown: the instance we created, if it exists (same
    /// name, same content; the newest when several).
    async fn find_created(
        &self,
        kind: Kind,
        name: &str,
        instance: &Value,
    ) -> Result<Option<LiveObject>, BackendError> {
        let filter = format!("_instance.xdm:name=={name}");
        let what = format!("looking up {kind} {name:?} after a create whose outcome is unknown");
        let found = self
            .list_where(kind, &[("property", filter.as_str())], &what)
            .await?;
        let best = found
            .into_iter()
            .filter(|(object, _)| {
                let mut wanted = instance.clone();
                xcore::match_spelling(kind, &object.instance, &mut wanted);
                object.name() == name
                    && diff::equivalent(&xcore::diff_rules(kind), &object.instance, &wanted)
            })
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
        let adopt = |object: LiveObject, request_id: Option<String>| {
            tracing::debug!(
                target: "offerctl::xcore",
                instance_id = %object.instance_id,
                "the create whose outcome was unknown did happen: using the instance found by name"
            );
            Receipt {
                instance_id: object.instance_id,
                id: object.id,
                etag: object.etag,
                request_id,
            }
        };
        let mut sends = 0;
        let mut uncertain = false;
        loop {
            sends += 1;
            match self.t.execute(&call).await {
                Ok(reply) if reply.status.is_success() => {
                    return parse_receipt(&reply, None).map_err(|problem| {
                        self.t.error(ErrorKind::Other, format!("{what}: {problem}"))
                    });
                }
                Ok(reply) => {
                    if reply.status == StatusCode::CONFLICT
                        && uncertain
                        && let Some(name) = name
                        && let Some(object) = self.find_created(kind, name, instance).await?
                    {
                        return Ok(adopt(object, Some(reply.request_id)));
                    }
                    return Err(self.t.answer_error(&what, &reply, ErrorKind::Rejected));
                }
                Err(Failure::Error(error)) => return Err(error),
                Err(Failure::Unknown { error, retryable }) => {
                    uncertain = true;
                    let request_id = error.request_id.clone();
                    let Some(name) = name else {
                        return Err(self.t.error(
                            ErrorKind::Unavailable,
                            format!("{}; the outcome is unknown and an object without a name cannot be looked up, so it was not sent again", error.message),
                        ).with_request_id_opt(request_id));
                    };
                    tracing::debug!(
                        target: "offerctl::xcore",
                        kind = %kind,
                        error = %error.message,
                        "create outcome unknown: looking the name up before sending it again"
                    );
                    if let Some(object) = self.find_created(kind, name, instance).await? {
                        return Ok(adopt(object, request_id));
                    }
                    if !retryable || sends >= self.t.retry.max_attempts {
                        return Err(self.t
                            .error(
                                ErrorKind::Unavailable,
                                format!(
                                    "{} (after {sends} attempts; no {kind} named {name:?} with this content exists, so it was not created)",
                                    error.message
                                ),
                            )
                            .with_request_id_opt(request_id)
                            .with_status_opt(error.status));
                    }
                    tokio::time::sleep(self.t.retry.backoff(sends)).await;
                }
            }
        }
    }
}
