//! Patches, guarded by `If-Match`: a 409 after an attempt whose outcome is unknown is checked
//! against the object read back (did that attempt apply?).

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::wire::{Envelope, parse_envelope, parse_receipt};
use super::{HAL, PATCH_HAL, RECEIPT, XcoreClient};
use crate::backend::{BackendError, ErrorKind, Receipt, Target};
use crate::diff::Op;
use crate::providers::adobe::clients::http::{BackendErrorExt, Call, Reply, Safety, quote_etag};
use crate::providers::adobe::kind::Kind;

impl XcoreClient {
    pub(super) async fn patch_instance(
        &self,
        target: &Target,
        ops: &[Op],
        etag: &str,
    ) -> Result<Receipt, BackendError> {
        let what = format!("patching {target}");
        let container = self.container().await?.to_string();
        let body = serde_json::to_vec(ops)
            .map_err(|e| self.t.error(ErrorKind::Other, format!("{what}: {e}")))?;
        let call = Call {
            what: &what,
            method: Method::PATCH,
            url: self.container_url(&container, &["instances", &target.instance_id]),
            accept: RECEIPT,
            content_type: Some(format!(
                "{PATCH_HAL}; schema=\"{}\"",
                Kind::from_core(target.kind).schema_id()
            )),
            if_match: Some(quote_etag(etag)),
            body: Some(body),
            safety: Safety::Resendable,
        };
        let reply = self.t.execute_resendable(&call).await?;
        if reply.status.is_success() {
            return parse_receipt(&reply, Some(target))
                .map_err(|problem| self.t.error(ErrorKind::Other, format!("{what}: {problem}")));
        }
        if reply.status == StatusCode::CONFLICT && reply.uncertain {
            return self.confirm_patch(target, ops, etag, &reply, &what).await;
        }
        Err(self.t.answer_error(&what, &reply, ErrorKind::Conflict))
    }

    /// A resent PATCH got 409 after an attempt with an unknown outcome: did that attempt apply?
    async fn confirm_patch(
        &self,
        target: &Target,
        ops: &[Op],
        etag: &str,
        conflict: &Reply,
        what: &str,
    ) -> Result<Receipt, BackendError> {
        let unknown = |extra: &str| {
            self.t.error(
                ErrorKind::Conflict,
                format!(
                    "{what}: HTTP 409 Conflict on a resent request after an attempt whose outcome is unknown (the connection failed after it was sent){extra}; whether the change was applied is unknown, and a new plan will show the object's current state"
                ),
            )
            .with_status(409)
            .with_request_id(conflict.request_id.clone())
        };
        let container = self.container().await?.to_string();
        let accept = format!(
            "*, {HAL}; schema=\"{}\"",
            Kind::from_core(target.kind).schema_id()
        );
        let call = Call::get(
            what,
            self.container_url(&container, &["instances", &target.instance_id]),
            &accept,
        );
        let reply = self.t.execute_resendable(&call).await?;
        if reply.status != StatusCode::OK {
            return Err(unknown(&format!(
                " (reading it back answered HTTP {})",
                reply.status
            )));
        }
        let Ok(envelope) = serde_json::from_slice::<Envelope>(&reply.body) else {
            return Err(unknown(" (reading it back did not give JSON)"));
        };
        let Ok((object, _)) =
            parse_envelope(Kind::from_core(target.kind), envelope, &self.t.client_id())
        else {
            return Err(unknown(" (reading it back gave an unusable document)"));
        };
        let sent = etag.trim_matches('"');
        let one_change = match (sent.parse::<u64>(), object.etag.parse::<u64>()) {
            (Ok(before), Ok(now)) => now == before + 1,
            _ => object.etag != sent,
        };
        let document = json!({"_instance": object.instance});
        if one_change && ops.iter().all(|op| in_effect(&document, op)) {
            tracing::debug!(
                target: "offerctl::xcore",
                instance_id = %object.instance_id,
                "the patch whose outcome was unknown did apply"
            );
            return Ok(Receipt {
                instance_id: object.instance_id,
                id: object.id,
                etag: object.etag,
                request_id: Some(reply.request_id),
            });
        }
        Err(unknown(""))
    }
}

/// Whether the effect of `op` is visible in `document` (`{"_instance": ...}`). Effects that
/// cannot be checked (array positions) count as not visible.
pub(super) fn in_effect(document: &Value, op: &Op) -> bool {
    let (parent, last) = match op.path().rsplit_once('/') {
        Some(split) => split,
        None => return false,
    };
    let is_index = |segment: &str| segment.bytes().all(|b| b.is_ascii_digit());
    match op {
        Op::Replace { path, value } => document.pointer(path) == Some(value),
        Op::Add { value, .. } if last == "-" => document
            .pointer(parent)
            .and_then(Value::as_array)
            .is_some_and(|items| items.contains(value)),
        Op::Add { path, value } => {
            let into_array = document.pointer(parent).is_some_and(Value::is_array);
            !into_array && document.pointer(path) == Some(value)
        }
        Op::Remove { path } => {
            let from_array =
                document.pointer(parent).is_some_and(Value::is_array) || is_index(last);
            !from_array && document.pointer(path).is_none()
        }
    }
}
