//! The API's documents as the client reads and writes them: list and read envelopes, write
//! receipts, and entity tags.

use serde_json::Value;

use crate::backend::{LiveObject, Receipt, Target};
use crate::providers::adobe::clients::http::{Reply, identity_and_etag, receipt_etag};
use crate::providers::adobe::kind::Kind;

/// A list or read envelope as a live object, with its `repo:createdDate`.
/// `own_client`: this client's id, whose changes are marked as offerctl's (not kept).
pub(super) fn parse_envelope(
    kind: Kind,
    mut item: Value,
    own_client: &str,
) -> Result<(LiveObject, String), String> {
    let (instance_id, etag) = identity_and_etag(&item, "instance", "instanceId", "repo:etag")?;
    let instance = item
        .get("_instance")
        .filter(|i| i.is_object())
        .ok_or_else(|| format!("instance {instance_id} has no _instance object"))?;
    let id = instance
        .get("@id")
        .and_then(Value::as_str)
        .filter(|id| !id.is_empty())
        .ok_or_else(|| format!("instance {instance_id} has no @id"))?;
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
    let (instance_id, id) = (instance_id.to_string(), id.to_string());
    let text = |key: &str| item.get(key).and_then(Value::as_str);
    let modified = crate::backend::Modified::from_parts(
        text("repo:lastModifiedBy"),
        text("repo:lastModifiedByClientId"),
        text("repo:lastModifiedDate"),
        Some(own_client),
    );
    let instance = item
        .get_mut("_instance")
        .map(Value::take)
        .unwrap_or_default();
    let mut object =
        crate::providers::adobe::clients::live_object(kind, instance_id, id, etag, instance);
    object.modified = modified;
    Ok((object, created))
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
