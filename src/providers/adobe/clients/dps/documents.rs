//! DPS documents as live objects: a list's items read straight into their canonical text as
//! the page is parsed ([`dps::DocumentReader`]), anything else mapped as a `Value`.

use serde_json::Value;

use super::super::http::identity_and_etag;
use super::super::pages::Reread;
use crate::backend::{LiveDocument, LiveObject, Modified};
use crate::providers::adobe::kind::Kind;
use crate::providers::adobe::mapping::dps::{self, Canonical};

/// The members of a listed document read besides its canonical text, in this order.
pub(super) const READ: [&str; 7] = [
    "id",
    "etag",
    "schemas",
    "lastModifiedBy",
    "lastModifiedByClientId",
    "modified",
    "name",
];

/// A list item as a live object: read into its canonical text, or (declined) read again from
/// its page as a `Value` and mapped. `own_client`: this client's id, whose changes are marked
/// as offerctl's (not kept).
pub(super) fn parse_listed(
    kind: Kind,
    item: Option<Canonical>,
    reread: Reread<'_>,
    own_client: &str,
) -> Result<LiveObject, String> {
    let Some(canonical) = item else {
        return parse_document(kind, reread.value()?, own_client);
    };
    let member = |key: &str| {
        let at = READ.iter().position(|k| *k == key)?;
        canonical.members[at].as_ref()
    };
    let (id, etag, modified) = identity(kind, member, own_client)?;
    let name = member("name").and_then(Value::as_str).unwrap_or_default();
    Ok(LiveObject {
        kind: kind.core(),
        instance_id: id.clone(),
        id,
        etag,
        name: name.to_string(),
        // Written by serde_json from values it read, no deeper than it reads.
        instance: LiveDocument::from_checked_text(&canonical.text),
        modified,
    })
}

/// A DPS document (list item or read) as a live object with its canonical document.
pub(super) fn parse_document(
    kind: Kind,
    item: Value,
    own_client: &str,
) -> Result<LiveObject, String> {
    let (id, etag, modified) = identity(kind, |key| item.get(key), own_client)?;
    // The document moves into its canonical form: it is not needed once mapped.
    let instance = dps::from_dps_owned(kind, item).map_err(|e| format!("object {id}: {e}"))?;
    let mut object = super::super::live_object(kind, id.clone(), id, etag, instance);
    object.modified = modified;
    Ok(object)
}

/// A document's id, etag and last change, from its `member`s; an error when it has no id or
/// etag, or says it is of another kind.
fn identity<'v>(
    kind: Kind,
    member: impl Fn(&str) -> Option<&'v Value>,
    own_client: &str,
) -> Result<(String, String, Option<Modified>), String> {
    let (id, etag) = identity_and_etag(&member, "object", "id", "etag")?;
    if let Some(schemas) = member("schemas").and_then(Value::as_array) {
        let known: Vec<Kind> = schemas
            .iter()
            .filter_map(Value::as_str)
            .filter_map(Kind::from_schema_id)
            .collect();
        if !known.is_empty() && !known.contains(&kind) {
            return Err(format!(
                "object {id} has schemas {} (expected {})",
                Value::Array(schemas.clone()),
                kind.schema_id()
            ));
        }
    }
    let text = |key: &str| member(key).and_then(Value::as_str);
    let modified = Modified::from_parts(
        text("lastModifiedBy"),
        text("lastModifiedByClientId"),
        text("modified"),
        Some(own_client),
    );
    Ok((id.to_string(), etag, modified))
}
