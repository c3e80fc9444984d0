//! DPS documents as JSON text, each written once per revision of its object.
//!
//! The store keeps canonical (`_instance`) documents; every DPS read maps one to the DPS form.
//! A list page of a large kind did that for every object on every request, which made the
//! emulator, not the client, the larger cost of a benchmark plan. The document (the mapped
//! body and the server's metadata around it) depends only on the stored envelope and its
//! sandbox, so its text is kept, by object, with the revision it was made from
//! ([`PerRevision`]), and a page copies it.

use std::borrow::Cow;

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::Value;
use serde_json::value::RawValue;

use super::super::revisions::{KeptText, PerRevision};
use super::document::{dps_body, schema_of, upper_case_return_type};
use super::error::{DpsError, Result};
use crate::providers::adobe::repository::{Envelope, sandbox_id};

/// A DPS body's members, each value as JSON text, in order and without `id`.
type Body = Vec<(String, Box<RawValue>)>;

/// The document lists return for `envelope` (`id`, the body, then the metadata), written once
/// per revision and kept in `documents`.
pub(super) fn kept_document(
    documents: &PerRevision<Box<RawValue>>,
    envelope: &Envelope,
    sandbox: &str,
) -> Result<KeptText> {
    documents.text(sandbox, &envelope.instance_id, envelope.etag, || {
        write(envelope, sandbox, &body_of(envelope)?)
    })
}

/// `envelope`'s document as a read of one object returns it, mapped anew (the same text as
/// [`kept_document`]'s).
pub(super) fn document(envelope: &Envelope, sandbox: &str) -> Result<Value> {
    let text = write(envelope, sandbox, &body_of(envelope)?)?;
    serde_json::from_str(text.get()).map_err(internal)
}

fn body_of(envelope: &Envelope) -> Result<Body> {
    let Value::Object(mut body) = dps_body(envelope)? else {
        return Err(internal("the mapping returned a non-object"));
    };
    upper_case_return_type(envelope.kind, &mut body);
    body.into_iter()
        .filter(|(key, _)| key != "id")
        .map(|(key, value)| {
            Ok((
                key,
                serde_json::value::to_raw_value(&value).map_err(internal)?,
            ))
        })
        .collect()
}

fn write(envelope: &Envelope, sandbox: &str, body: &Body) -> Result<Box<RawValue>> {
    let document = Document {
        id: envelope.uri(),
        body,
        metadata: metadata(envelope, schema_of(envelope), sandbox_id(sandbox)),
    };
    serde_json::value::to_raw_value(&document).map_err(internal)
}

fn internal(problem: impl ToString) -> DpsError {
    DpsError::Api(super::super::problem::ApiError::Internal(
        problem.to_string(),
    ))
}

/// A metadata value, borrowed from the envelope where it can be.
enum Meta<'a> {
    Number(u64),
    Text(Cow<'a, str>),
    Schemas(String),
}

impl Serialize for Meta<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            Meta::Number(n) => serializer.serialize_u64(*n),
            Meta::Text(text) => serializer.serialize_str(text),
            Meta::Schemas(schema) => [schema].serialize(serializer),
        }
    }
}

/// The server's metadata of a DPS document, in the order documents carry it.
fn metadata(
    envelope: &Envelope,
    schema: String,
    sandbox_id: String,
) -> [(&'static str, Meta<'_>); 9] {
    [
        ("etag", Meta::Number(envelope.etag)),
        ("created", Meta::Text(Cow::Borrowed(&envelope.created_date))),
        (
            "modified",
            Meta::Text(Cow::Borrowed(&envelope.last_modified_date)),
        ),
        ("createdBy", Meta::Text(Cow::Borrowed(&envelope.created_by))),
        (
            "lastModifiedBy",
            Meta::Text(Cow::Borrowed(&envelope.last_modified_by)),
        ),
        (
            "createdByClientId",
            Meta::Text(Cow::Borrowed(&envelope.created_by_client_id)),
        ),
        (
            "lastModifiedByClientId",
            Meta::Text(Cow::Borrowed(&envelope.last_modified_by_client_id)),
        ),
        ("schemas", Meta::Schemas(schema)),
        ("sandboxId", Meta::Text(Cow::Owned(sandbox_id))),
    ]
}

/// `id`, the body's members, then the metadata; a body member of a metadata name keeps its
/// place and takes the metadata's value (the server's word wins), as a map insert would.
struct Document<'a> {
    id: &'a str,
    body: &'a Body,
    metadata: [(&'static str, Meta<'a>); 9],
}

impl Serialize for Document<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let meta = |key: &str| self.metadata.iter().position(|(name, _)| *name == key);
        let mut written = [false; 9];
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("id", self.id)?;
        for (key, value) in self.body.iter() {
            match meta(key) {
                Some(at) => {
                    written[at] = true;
                    map.serialize_entry(key, &self.metadata[at].1)?;
                }
                None => map.serialize_entry(key, value)?,
            }
        }
        for ((key, value), done) in self.metadata.iter().zip(written) {
            if !done {
                map.serialize_entry(key, value)?;
            }
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Map;

    use super::*;

    fn ok<T>(result: Result<T>) -> T {
        result.unwrap_or_else(|_| panic!("a DPS error"))
    }

    /// The document as the map-building code wrote it before bodies were kept as text.
    fn as_maps(envelope: &Envelope, sandbox: &str) -> Value {
        let Value::Object(mut body) = ok(dps_body(envelope)) else {
            panic!("not an object")
        };
        upper_case_return_type(envelope.kind, &mut body);
        let mut out = Map::new();
        out.insert("id".into(), Value::from(envelope.uri()));
        out.extend(body.into_iter().filter(|(k, _)| k != "id"));
        let metadata = serde_json::json!({
            "etag": envelope.etag,
            "created": envelope.created_date,
            "modified": envelope.last_modified_date,
            "createdBy": envelope.created_by,
            "lastModifiedBy": envelope.last_modified_by,
            "createdByClientId": envelope.created_by_client_id,
            "lastModifiedByClientId": envelope.last_modified_by_client_id,
            "schemas": [schema_of(envelope)],
            "sandboxId": sandbox_id(sandbox),
        });
        out.extend(metadata.as_object().unwrap().clone());
        Value::Object(out)
    }

    fn envelope(instance: Value, etag: u64) -> Envelope {
        let json = serde_json::json!({
            "instance_id": "0f1e",
            "schema": "https://ns.adobe.com/experience/offer-management/tag;version=0.1",
            "kind": "tag",
            "etag": etag,
            "created_date": "2026-01-01T00:00:00.000Z",
            "last_modified_date": "2026-01-02T00:00:00.000Z",
            "created_by": "a@example.com",
            "last_modified_by": "b@example.com",
            "created_by_client_id": "c1",
            "last_modified_by_client_id": "c2",
            "instance": instance,
            "links": {},
        });
        serde_json::from_value(json).expect("an envelope")
    }

    #[test]
    fn the_text_is_the_document_the_maps_made_member_order_included() {
        for instance in [
            serde_json::json!({"@id": "xcore:tag:1", "xdm:name": "Summer"}),
            // Unknown members pass through the mapping as they are.
            serde_json::json!({"@id": "xcore:tag:2", "xdm:name": "x", "xdm:etag": "mine", "xdm:modified": 3}),
        ] {
            let envelope = envelope(instance, 4);
            let text = ok(kept_document(&PerRevision::default(), &envelope, "prod"));
            let expected = as_maps(&envelope, "prod");
            assert_eq!(text.get(), expected.to_string());
            assert_eq!(ok(document(&envelope, "prod")), expected);
            let keys: Vec<&String> = expected.as_object().unwrap().keys().collect();
            assert_eq!(keys[0], "id");
            assert_eq!(keys.last().unwrap().as_str(), "sandboxId");
        }
        // A body member of a metadata name (no mapping makes one today) keeps its place and
        // takes the server's value, as the maps did.
        let envelope = envelope(serde_json::json!({"@id": "xcore:tag:2"}), 4);
        let raw = |v: Value| serde_json::value::to_raw_value(&v).unwrap();
        let body: Body = vec![
            ("name".into(), raw("x".into())),
            ("etag".into(), raw("mine".into())),
        ];
        let text = write(&envelope, "prod", &body).unwrap_or_else(|_| panic!("written"));
        assert!(
            text.get()
                .starts_with(r#"{"id":"xcore:tag:2","name":"x","etag":4,"created":"#),
            "{}",
            text.get()
        );
        assert_eq!(text.get().matches("\"etag\"").count(), 1);
    }

    #[test]
    fn a_body_is_mapped_again_when_the_object_changes() {
        let rendered = PerRevision::default();
        let tag = |name: &str, etag| {
            envelope(
                serde_json::json!({"@id": "xcore:tag:1", "xdm:name": name}),
                etag,
            )
        };
        let name_in = |envelope: &Envelope, sandbox: &str| {
            let text = ok(kept_document(&rendered, envelope, sandbox));
            let document: Value = serde_json::from_str(text.get()).unwrap();
            document["name"].clone()
        };
        assert_eq!(name_in(&tag("Old", 1), "prod"), "Old");
        assert_eq!(name_in(&tag("New", 2), "prod"), "New");
        // Another sandbox's object of the same instance id is its own.
        assert_eq!(name_in(&tag("Else", 2), "dev"), "Else");
        assert_eq!(name_in(&tag("New", 2), "prod"), "New");
    }
}
