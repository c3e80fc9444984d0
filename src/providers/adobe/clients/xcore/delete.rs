//! Deletes, guarded by `If-Match`, and the polling of a delete job the repository accepted
//! (202) until it is decided.

use std::time::SystemTime;

use reqwest::header::RETRY_AFTER;
use reqwest::{Method, Url};
use serde_json::Value;

use super::{RECEIPT, XcoreClient, parse_retry_after};
use crate::backend::{BackendError, Deleted, ErrorKind, Target};
use crate::providers::adobe::clients::http::{BackendErrorExt, Call, Reply, Safety, quote_etag};

impl XcoreClient {
    pub(super) async fn delete_instance(
        &self,
        target: &Target,
        etag: &str,
    ) -> Result<Deleted, BackendError> {
        let what = format!("deleting {target}");
        let container = self.container().await?.to_string();
        let call = Call {
            if_match: Some(quote_etag(etag)),
            ..Call::new(
                &what,
                Method::DELETE,
                self.container_url(&container, &["instances", &target.instance_id]),
                RECEIPT,
            )
        };
        let reply = self.t.execute_resendable(&call).await?;
        match reply.status.as_u16() {
            200 | 204 => Ok(Deleted::Deleted {
                request_id: Some(reply.request_id),
            }),
            202 => self.await_delete(&reply, &what).await,
            404 if reply.uncertain => {
                tracing::debug!(
                    target: "offerctl::xcore",
                    instance_id = %target.instance_id,
                    "a resent delete found nothing: the earlier attempt deleted it"
                );
                Ok(Deleted::Deleted {
                    request_id: Some(reply.request_id),
                })
            }
            _ => Err(self.t.answer_error(&what, &reply, ErrorKind::Conflict)),
        }
    }

    /// Polls an accepted delete's `Location` (relative to `Content-Base`) until it is decided.
    async fn await_delete(&self, accepted: &Reply, what: &str) -> Result<Deleted, BackendError> {
        let header = |reply: &Reply, name: &str| {
            reply
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let Some(location) = header(accepted, "location") else {
            return Err(self.t.error(
                ErrorKind::Other,
                format!("{what}: HTTP 202 Accepted without a Location to poll"),
            ));
        };
        let base = match header(accepted, "content-base") {
            Some(base) => Url::parse(&base).ok(),
            None => None,
        }
        .unwrap_or_else(|| self.t.api.clone());
        let url = base
            .join(&location)
            .map_err(|e| e.to_string())
            .and_then(|url| self.t.same_origin(url))
            .map_err(|e| {
                self.t.error(
                    ErrorKind::Other,
                    format!("{what}: cannot follow the delete job's Location: {e}"),
                )
            })?;
        let mut wait = accepted
            .headers
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, SystemTime::now()));
        for _ in 0..self.delete_polls {
            let delay = wait
                .map(|w| w.min(self.t.retry.max_retry_after))
                .unwrap_or(self.delete_poll_interval);
            tokio::time::sleep(delay).await;
            let call = Call {
                what,
                method: Method::GET,
                url: url.clone(),
                accept: "application/json, */*",
                content_type: None,
                if_match: None,
                body: None,
                safety: Safety::Resendable,
            };
            let reply = self.t.execute_resendable(&call).await?;
            match reply.status.as_u16() {
                202 => {
                    wait = reply
                        .headers
                        .get(RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| parse_retry_after(v, SystemTime::now()));
                }
                200 => {
                    let body: Value = serde_json::from_slice(&reply.body).unwrap_or(Value::Null);
                    let request_id = Some(reply.request_id.clone());
                    return match body.get("outcome").and_then(Value::as_str) {
                        Some("deleted") => Ok(Deleted::Deleted { request_id }),
                        Some("rejected") => Ok(Deleted::Rejected {
                            referenced_by: body
                                .get("referencedBy")
                                .and_then(Value::as_array)
                                .map(|refs| {
                                    refs.iter()
                                        .filter_map(|r| r.get("@id").and_then(Value::as_str))
                                        .map(str::to_string)
                                        .collect()
                                })
                                .unwrap_or_default(),
                            request_id,
                        }),
                        other => Err(self.t
                            .error(
                                ErrorKind::Other,
                                format!(
                                    "{what}: the delete job answered 200 with an unrecognised outcome {}",
                                    other.map_or("(none)".to_string(), |o| format!("{o:?}"))
                                ),
                            )
                            .with_request_id(reply.request_id)),
                    };
                }
                _ => {
                    return Err(self.t.answer_error(
                        &format!("{what} (polling the delete job)"),
                        &reply,
                        ErrorKind::Other,
                    ));
                }
            }
        }
        Err(self.t.error(
            ErrorKind::Unavailable,
            format!(
                "{what}: the repository had not decided after {} polls of the delete job; the delete may still happen, and a new plan will show the outcome",
                self.delete_polls
            ),
        ))
    }
}
