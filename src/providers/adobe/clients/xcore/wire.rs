//! The API's documents as the client reads and writes them: list and read envelopes, write
//! receipts, and entity tags.

use serde_json::Value;
use serde_json::value::RawValue;

use crate::backend::{LiveDocument, LiveObject, Receipt, Target};
use crate::live::compact;
use crate::providers::adobe::clients::http::{Reply, identity_and_etag, receipt_etag};
use crate::providers::adobe::kind::Kind;

/// The members of an envelope [`parse_listed`] reads besides `_instance`: a list page's others
/// (links, creators, product contexts) are not built.
pub(super) const ENVELOPE_MEMBERS: &[&str] = &[
    "instanceId",
    "repo:etag",
    "schemas",
    "repo:createdDate",
    "repo:lastModifiedBy",
    "repo:lastModifiedByClientId",
    "repo:lastModifiedDate",
];

/// A list or read envelope as a live object, with its `repo:createdDate`.
/// `own_client`: this client's id, whose changes are marked as offerctl's (not kept).
pub(super) fn parse_envelope(
    kind: Kind,
    item: Value,
    own_client: &str,
) -> Result<(LiveObject, String), String> {
    parse_listed(kind, item, None, own_client)
}

/// [`parse_envelope`] of a list item whose `_instance` the page reader kept as text (`kept`;
/// `None`: the item has none): it becomes the live document as it is, checked as a parse
/// would check it, and is never built as a `Value`.
pub(super) fn parse_listed(
    kind: Kind,
    mut item: Value,
    kept: Option<Box<RawValue>>,
    own_client: &str,
) -> Result<(LiveObject, String), String> {
    let (instance_id, etag) = identity_and_etag(&item, "instance", "instanceId", "repo:etag")?;
    let instance_id = instance_id.to_string();
    let no_instance = || format!("instance {instance_id} has no _instance object");
    let (id, name, document) = match &kept {
        Some(text) => {
            let checked = compact::check_object(text.get(), &["@id", "xdm:name"])
                .map_err(|e| unreadable_instance(&instance_id, text, &e))?
                .ok_or_else(no_instance)?;
            let [id, name] = [0, 1].map(|at| match &checked[at] {
                Some(Value::String(text)) => text.clone(),
                _ => String::new(),
            });
            (id, name, LiveDocument::from_checked_text(text.get()))
        }
        None => {
            let instance = item
                .get_mut("_instance")
                .filter(|i| i.is_object())
                .map(Value::take)
                .ok_or_else(no_instance)?;
            let text = |key| {
                instance
                    .get(key)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
            };
            let (id, name) = (text("@id").to_string(), text("xdm:name").to_string());
            (id, name, LiveDocument::from(instance))
        }
    };
    if id.is_empty() {
        return Err(format!("instance {instance_id} has no @id"));
    }
    if let Some(schemas) = item.get("schemas").and_then(Value::as_array) {
        let ours = schemas
            .iter()
            .filter_map(Value::as_str)
            .any(|s| Kind::from_schema_id(s) == Some(kind));
        if !ours {
            return Err(format!(
                "instance {instance_id} has schemas {} (expected {})",
                Value::Array(schemas.clone()),
                kind.schema_id()
            ));
        }
    }
    let created = item
        .get("repo:createdDate")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let text = |key: &str| item.get(key).and_then(Value::as_str);
    let modified = crate::backend::Modified::from_parts(
        text("repo:lastModifiedBy"),
        text("repo:lastModifiedByClientId"),
        text("repo:lastModifiedDate"),
        Some(own_client),
    );
    let object = LiveObject {
        kind: kind.core(),
        instance_id,
        id,
        etag,
        name,
        instance: document,
        modified,
    };
    Ok((object, created))
}

/// Why a kept `_instance` text cannot be the live document: nested deeper than a JSON reader
/// accepts (the object named, so that it can be found and repaired), or a number out of range.
fn unreadable_instance(instance_id: &str, text: &RawValue, error: &serde_json::Error) -> String {
    /// Only the name, read past any depth (unknown members are skipped, not parsed).
    #[derive(serde::Deserialize)]
    struct Named {
        #[serde(rename = "xdm:name")]
        name: Option<String>,
    }
    if !compact::is_too_deep(error) {
        return format!(
            "instance {instance_id}: its _instance is not JSON a reader accepts ({error})"
        );
    }
    let name = serde_json::from_str::<Named>(text.get())
        .ok()
        .and_then(|named| named.name)
        .map(|name| format!(", xdm:name \"{name}\""))
        .unwrap_or_default();
    compact::too_deep(
        &format!("the object with instanceId \"{instance_id}\"{name}"),
        error,
    )
}

/// A write's receipt. `target` fills in what a patch receipt may leave out.
pub(super) fn parse_receipt(reply: &Reply, target: Option<&Target>) -> Result<Receipt, String> {
    let body: Value = serde_json::from_slice(&reply.body).unwrap_or(Value::Null);
    let location_id = reply
        .headers
        .get("location")
        .and_then(|v| v.to_str().ok())
        .and_then(|l| l.split('?').next())
        .and_then(|l| l.trim_end_matches('/').rsplit('/').next())
        .map(str::to_string);
    let instance_id = body
        .get("instanceId")
        .and_then(Value::as_str)
        .map(str::to_string)
        .or(location_id)
        .or_else(|| target.map(|t| t.instance_id.clone()))
        .ok_or("the receipt has no instanceId")?;
    let id = body
        .get("@id")
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| target.map(|t| t.id.clone()))
        .ok_or("the receipt has no @id")?;
    let etag = receipt_etag(reply, &body, "repo:etag").ok_or("the receipt has no repo:etag")?;
    Ok(Receipt {
        instance_id,
        id,
        etag,
        request_id: Some(reply.request_id.clone()),
    })
}
