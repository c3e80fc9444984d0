//! The API's documents as the client reads and writes them: list and read envelopes, write
//! receipts, and entity tags.

use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use serde_json::value::RawValue;

use crate::backend::{LiveDocument, LiveObject, Receipt, Target};
use crate::json_member::MemberName;
use crate::live::compact;
use crate::providers::adobe::clients::http::{Reply, identity_and_etag, receipt_etag};
use crate::providers::adobe::kind::Kind;

/// An XCore envelope (a list item, or an instance read alone) with the members the client
/// reads: its `_instance` as JSON text (it becomes the live document as it is, never built as a
/// `Value`), and the identity and bookkeeping around it, each a small value. The others (links,
/// creators, product contexts: most of a list page) are read through, with every check of a
/// parse, and dropped. A repeated member counts once, the last, as a parse keeps it. Anything
/// but an object reads as an envelope with nothing in it, which [`parse_envelope`] refuses.
/// Envelopes are read from text in memory (a page, a reply's body), which `_instance` is
/// borrowed from while it is checked: a reader that cannot lend its text fails.
#[derive(Debug, Default)]
pub(super) struct Envelope {
    members: [Option<Value>; READ.len()],
    instance: Option<Instance>,
}

/// An envelope's `_instance`, checked as a parse would check it where the page is read: its
/// text is borrowed from the page until then and copied once, into the live document.
#[derive(Debug)]
enum Instance {
    Object {
        id: String,
        name: String,
        document: LiveDocument,
    },
    /// JSON, but not an object.
    NotObject,
    /// Not JSON a reader accepts; with its `xdm:name` when it is only too deep.
    Unreadable {
        error: serde_json::Error,
        name: Option<String>,
    },
}

impl Instance {
    fn check(text: &RawValue) -> Self {
        match compact::check_object(text.get(), &["@id", "xdm:name"]) {
            Ok(Some(mut members)) => {
                let [id, name] = [0, 1].map(|at| match members[at].take() {
                    Some(Value::String(text)) => text,
                    _ => String::new(),
                });
                Instance::Object {
                    id,
                    name,
                    document: LiveDocument::from_checked_text(text.get()),
                }
            }
            Ok(None) => Instance::NotObject,
            Err(error) => {
                let name = compact::is_too_deep(&error)
                    .then(|| name_past_any_depth(text))
                    .flatten();
                Instance::Unreadable { error, name }
            }
        }
    }
}

/// The members of an envelope the client reads besides `_instance`, in [`Envelope::members`].
const READ: [&str; 7] = [
    "instanceId",
    "repo:etag",
    "schemas",
    "repo:createdDate",
    "repo:lastModifiedBy",
    "repo:lastModifiedByClientId",
    "repo:lastModifiedDate",
];

impl Envelope {
    fn get(&self, key: &str) -> Option<&Value> {
        let at = READ.iter().position(|k| *k == key)?;
        self.members[at].as_ref()
    }

    fn text(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Value::as_str)
    }
}

impl<'de> Deserialize<'de> for Envelope {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(EnvelopeVisitor)
    }
}

struct EnvelopeVisitor;

impl<'de> Visitor<'de> for EnvelopeVisitor {
    type Value = Envelope;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an instance envelope")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Envelope, A::Error> {
        let mut envelope = Envelope::default();
        while let Some(key) = map.next_key_seed(MemberName)? {
            if key == "_instance" {
                // Borrowed from the page (a parse of text in memory, as every envelope's is).
                let text: &'de RawValue = map.next_value()?;
                envelope.instance = Some(Instance::check(text));
            } else if let Some(at) = READ.iter().position(|k| *k == key) {
                envelope.members[at] = Some(map.next_value()?);
            } else {
                map.next_value::<compact::Checked>()?;
            }
        }
        Ok(envelope)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Envelope, A::Error> {
        compact::Checked.visit_seq(seq).map(|_| Envelope::default())
    }

    fn visit_bool<E>(self, _: bool) -> Result<Envelope, E> {
        Ok(Envelope::default())
    }

    fn visit_i64<E>(self, _: i64) -> Result<Envelope, E> {
        Ok(Envelope::default())
    }

    fn visit_u64<E>(self, _: u64) -> Result<Envelope, E> {
        Ok(Envelope::default())
    }

    fn visit_f64<E>(self, _: f64) -> Result<Envelope, E> {
        Ok(Envelope::default())
    }

    fn visit_str<E>(self, _: &str) -> Result<Envelope, E> {
        Ok(Envelope::default())
    }

    fn visit_unit<E>(self) -> Result<Envelope, E> {
        Ok(Envelope::default())
    }
}

/// The live object an envelope makes, with its `repo:createdDate`: its `_instance` becomes
/// the live document as it is, checked as a parse would check it. `own_client`: this client's
/// id, whose changes are marked as offerctl's (not kept).
pub(super) fn parse_envelope(
    kind: Kind,
    mut envelope: Envelope,
    own_client: &str,
) -> Result<(LiveObject, String), String> {
    let (instance_id, etag) = identity_and_etag(
        |key| envelope.get(key),
        "instance",
        "instanceId",
        "repo:etag",
    )?;
    let instance_id = instance_id.to_string();
    let (id, name, document) = match envelope.instance.take() {
        Some(Instance::Object { id, name, document }) => (id, name, document),
        Some(Instance::Unreadable { error, name }) => {
            return Err(unreadable_instance(&instance_id, &error, name.as_deref()));
        }
        Some(Instance::NotObject) | None => {
            return Err(format!("instance {instance_id} has no _instance object"));
        }
    };
    if id.is_empty() {
        return Err(format!("instance {instance_id} has no @id"));
    }
    if let Some(schemas) = envelope.get("schemas").and_then(Value::as_array) {
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
    let modified = crate::backend::Modified::from_parts(
        envelope.text("repo:lastModifiedBy"),
        envelope.text("repo:lastModifiedByClientId"),
        envelope.text("repo:lastModifiedDate"),
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
    let created = envelope.text("repo:createdDate").unwrap_or_default();
    Ok((object, created.to_string()))
}

/// Why a kept `_instance` text cannot be the live document: nested deeper than a JSON reader
/// accepts (the object named, so that it can be found and repaired), or a number out of range.
fn unreadable_instance(instance_id: &str, error: &serde_json::Error, name: Option<&str>) -> String {
    if !compact::is_too_deep(error) {
        return format!(
            "instance {instance_id}: its _instance is not JSON a reader accepts ({error})"
        );
    }
    let name = name
        .map(|name| format!(", xdm:name \"{name}\""))
        .unwrap_or_default();
    compact::too_deep(
        &format!("the object with instanceId \"{instance_id}\"{name}"),
        error,
    )
}

/// The `xdm:name` of an `_instance` nested too deep to parse: only the name is read, past any
/// depth (unknown members are skipped, not parsed).
fn name_past_any_depth(text: &RawValue) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Named {
        #[serde(rename = "xdm:name")]
        name: Option<String>,
    }
    serde_json::from_str::<Named>(text.get()).ok()?.name
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
