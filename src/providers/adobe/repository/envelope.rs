//! The stored form of an instance and its wire renderings (HAL envelope and receipt).

use std::borrow::Cow;
use std::sync::OnceLock;

use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::value::RawValue;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use time::format_description::FormatItem;
use time::macros::format_description;

use crate::providers::adobe::kind::Kind;

/// Who performs a write; recorded in the `repo:*By*` envelope properties.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The account id (`repo:createdBy`).
    pub user: String,
    /// The API key of the calling integration (`repo:createdByClientId`).
    pub client_id: String,
}

impl Actor {
    pub fn new(user: impl Into<String>, client_id: impl Into<String>) -> Self {
        Actor {
            user: user.into(),
            client_id: client_id.into(),
        }
    }
}

/// The body of a create or replace: instance properties plus custom HAL links.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Draft {
    pub instance: Value,
    pub links: Map<String, Value>,
}

impl From<Value> for Draft {
    fn from(instance: Value) -> Self {
        Draft {
            instance,
            links: Map::new(),
        }
    }
}

/// One stored instance with its repository metadata.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    pub instance_id: String,
    /// The schema id as the creator spelled it (a `;version=` suffix is kept and echoed).
    pub schema: String,
    #[serde(with = "kind_name")]
    pub kind: Kind,
    pub etag: u64,
    pub created_date: String,
    pub last_modified_date: String,
    pub created_by: String,
    pub last_modified_by: String,
    pub created_by_client_id: String,
    pub last_modified_by_client_id: String,
    pub instance: Map<String, Value>,
    pub links: Map<String, Value>,
    /// [`Self::uri`], kept once read: list filters on the id (how clients shard) read it for
    /// every instance of a kind on every request, and reaching it inside the instance map
    /// costs several cache misses each time. The `@id` never changes after the create.
    #[serde(skip)]
    pub(super) uri: UriCache,
}

/// A lazily filled copy of an envelope's `@id`; not part of its value (always equal).
#[derive(Debug, Clone, Default)]
pub struct UriCache(OnceLock<String>);

impl PartialEq for UriCache {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Envelope {
    /// The `@id` URI other instances use to reference this one.
    pub fn uri(&self) -> &str {
        self.uri.0.get_or_init(|| {
            self.instance
                .get("@id")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        })
    }

    /// The path of this instance relative to `/data/core/xcore`.
    pub fn href(&self, container_id: &str) -> String {
        format!("/{container_id}/instances/{}", self.instance_id)
    }

    /// The HAL envelope returned by reads, lists and searches.
    pub fn to_hal(&self, container_id: &str) -> Value {
        self.clone().into_hal(container_id)
    }

    /// [`Self::to_hal`], moving the instance and links instead of copying them.
    pub fn into_hal(mut self, container_id: &str) -> Value {
        let links = std::mem::take(&mut self.links);
        let mut hal = self.hal_without_instance(container_id, links);
        if let Some(slot) = hal.get_mut("_instance") {
            *slot = Value::Object(std::mem::take(&mut self.instance));
        }
        Value::Object(hal)
    }

    /// [`Self::to_hal`] as JSON text, with `_score` last when given: written from the envelope
    /// where it is stored, without copying its instance (a list page holds hundreds).
    pub fn hal_text(&self, container_id: &str, score: Option<f64>) -> Box<RawValue> {
        let hal = Hal {
            head: self.hal_without_instance(container_id, self.links.clone()),
            instance: &self.instance,
            score,
        };
        // A map of strings to JSON values always serializes.
        serde_json::value::to_raw_value(&hal).expect("JSON values serialize")
    }

    /// The HAL envelope with `_instance` null, in its place among the members.
    fn hal_without_instance(
        &self,
        container_id: &str,
        mut links: Map<String, Value>,
    ) -> Map<String, Value> {
        links.insert(
            "self".into(),
            json!({
                "name": format!("{}#{}", self.schema, self.instance_id),
                "href": self.href(container_id),
                "@type": self.schema,
            }),
        );
        let mut hal = Map::new();
        hal.insert("instanceId".into(), json!(self.instance_id));
        hal.insert("schemas".into(), json!([self.schema]));
        hal.insert("productContexts".into(), json!(["dma_offers", "acp"]));
        self.insert_repo_properties(&mut hal);
        hal.insert("_instance".into(), Value::Null);
        hal.insert("_links".into(), Value::Object(links));
        hal
    }

    /// The `xdm.receipt` body returned by writes.
    pub fn to_receipt(&self) -> Value {
        let mut receipt = Map::new();
        receipt.insert("instanceId".into(), json!(self.instance_id));
        receipt.insert("@id".into(), json!(self.uri()));
        self.insert_repo_properties(&mut receipt);
        Value::Object(receipt)
    }

    /// The repository's properties of the object (`repo:etag`, who changed it when), in the
    /// order both bodies give them.
    fn insert_repo_properties(&self, body: &mut Map<String, Value>) {
        let properties = [
            ("repo:etag", json!(self.etag)),
            ("repo:createdDate", json!(self.created_date)),
            ("repo:lastModifiedDate", json!(self.last_modified_date)),
            ("repo:createdBy", json!(self.created_by)),
            ("repo:lastModifiedBy", json!(self.last_modified_by)),
            ("repo:createdByClientId", json!(self.created_by_client_id)),
            (
                "repo:lastModifiedByClientId",
                json!(self.last_modified_by_client_id),
            ),
        ];
        for (key, value) in properties {
            body.insert(key.into(), value);
        }
    }

    /// The value of an envelope property as list filters and `orderby` name it.
    pub(crate) fn envelope_field(&self, name: &str) -> Option<Value> {
        Some(match name {
            "instanceId" => Value::from(self.instance_id.as_str()),
            "schemas" => json!([self.schema]),
            "repo:etag" => Value::from(self.etag),
            "repo:createdDate" => Value::from(self.created_date.as_str()),
            "repo:lastModifiedDate" => Value::from(self.last_modified_date.as_str()),
            "repo:createdBy" => Value::from(self.created_by.as_str()),
            "repo:lastModifiedBy" => Value::from(self.last_modified_by.as_str()),
            "repo:createdByClientId" => Value::from(self.created_by_client_id.as_str()),
            "repo:lastModifiedByClientId" => Value::from(self.last_modified_by_client_id.as_str()),
            _ => return None,
        })
    }

    /// The envelope properties that are text, as [`Self::envelope_field`] names them.
    pub(crate) fn envelope_text(&self, name: &str) -> Option<&str> {
        Some(match name {
            "instanceId" => &self.instance_id,
            "repo:createdDate" => &self.created_date,
            "repo:lastModifiedDate" => &self.last_modified_date,
            "repo:createdBy" => &self.created_by,
            "repo:lastModifiedBy" => &self.last_modified_by,
            "repo:createdByClientId" => &self.created_by_client_id,
            "repo:lastModifiedByClientId" => &self.last_modified_by_client_id,
            _ => return None,
        })
    }

    /// The first of [`Self::values_at`], without collecting the others.
    pub fn first_value_at(&self, path: &str) -> Option<Cow<'_, Value>> {
        if path == "@id" || path == "_instance.@id" {
            return Some(match self.instance.get("@id") {
                Some(id @ Value::String(_)) => Cow::Borrowed(id),
                _ => Cow::Owned(Value::from(self.uri())),
            });
        }
        if !path.contains('.')
            && !path.starts_with("_instance")
            && !path.starts_with("_links")
            && let Some(value) = self.envelope_field(path)
        {
            return Some(Cow::Owned(value));
        }
        if !path.contains('.') && !matches!(path, "_instance" | "_links") {
            // A member of the instance: an array yields its first item (values_at fans out).
            return match self.instance.get(path)? {
                Value::Array(items) if !items.is_empty() => Some(Cow::Borrowed(&items[0])),
                other => Some(Cow::Borrowed(other)),
            };
        }
        self.values_at(path).into_iter().next()
    }

    /// Every value at a dotted property path. `_instance.` and `_links.` prefixes select the
    /// instance and the links; envelope names (`repo:createdDate`) select metadata; any other
    /// path is read inside the instance, so `xdm:name` works as well as `_instance.xdm:name`.
    /// Arrays on the way fan out, so `_instance.xdm:tags` yields each tag.
    pub fn values_at(&self, path: &str) -> Vec<Cow<'_, Value>> {
        // The `@id` is the envelope's, shown inside the instance: filters on it (as DPS
        // documents, `property=id~...`) see the same value reads return.
        if path == "@id" || path == "_instance.@id" {
            return vec![Cow::Owned(Value::from(self.uri()))];
        }
        if let Some(rest) = path.strip_prefix("_instance.") {
            return values_in_map(&self.instance, rest);
        }
        if let Some(rest) = path.strip_prefix("_links.") {
            return values_in_map(&self.links, rest);
        }
        if let Some(value) = self.envelope_field(path) {
            return vec![Cow::Owned(value)];
        }
        values_in_map(&self.instance, path)
    }
}

/// Every value at a dotted path inside a JSON object (see [`Envelope::values_at`]).
pub fn values_in_map<'a>(map: &'a Map<String, Value>, path: &str) -> Vec<Cow<'a, Value>> {
    let mut segments = path.split('.');
    let Some(first) = segments.next() else {
        return Vec::new();
    };
    let mut current: Vec<&'a Value> = map.get(first).into_iter().collect();
    for segment in segments {
        let mut next = Vec::new();
        for value in current {
            match value {
                Value::Object(object) => next.extend(object.get(segment)),
                Value::Array(items) => match segment.parse::<usize>() {
                    Ok(index) => next.extend(items.get(index)),
                    Err(_) => next.extend(
                        items
                            .iter()
                            .filter_map(|item| item.as_object()?.get(segment)),
                    ),
                },
                _ => {}
            }
        }
        current = next;
    }
    let mut out = Vec::new();
    for value in current {
        match value {
            Value::Array(items) if !items.is_empty() => out.extend(items.iter().map(Cow::Borrowed)),
            other => out.push(Cow::Borrowed(other)),
        }
    }
    out
}

static TIMESTAMP: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");

/// The repository's timestamp format: UTC with milliseconds, so that string order is time order.
pub fn format_timestamp(at: OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC)
        .format(TIMESTAMP)
        .unwrap_or_else(|_| "1970-01-01T00:00:00.000Z".into())
}

/// Epoch milliseconds in the repository's timestamp format (XCore's `next` links carry dates so).
pub fn millis_to_timestamp(millis: i64) -> Option<String> {
    let nanos = i128::from(millis).checked_mul(1_000_000)?;
    OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .ok()
        .map(format_timestamp)
}

pub fn parse_rfc3339(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()
}

mod kind_name {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::providers::adobe::kind::Kind;

    pub fn serialize<S: Serializer>(kind: &Kind, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(kind.short_name())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Kind, D::Error> {
        let name = String::deserialize(deserializer)?;
        Kind::ALL
            .into_iter()
            .find(|kind| kind.short_name() == name)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown kind {name:?}")))
    }
}

/// An envelope's HAL form with its instance borrowed: see [`Envelope::hal_text`].
struct Hal<'a> {
    head: Map<String, Value>,
    instance: &'a Map<String, Value>,
    score: Option<f64>,
}

impl Serialize for Hal<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map =
            serializer.serialize_map(Some(self.head.len() + usize::from(self.score.is_some())))?;
        for (key, value) in &self.head {
            if key == "_instance" {
                map.serialize_entry(key, self.instance)?;
            } else {
                map.serialize_entry(key, value)?;
            }
        }
        if let Some(score) = self.score {
            map.serialize_entry("_score", &json!(score))?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_sort_as_strings() {
        let early = format_timestamp(time::macros::datetime!(2019-06-05 03:44:25.343 UTC));
        assert_eq!(early, "2019-06-05T03:44:25.343Z");
        assert_eq!(
            millis_to_timestamp(1_559_706_265_343).as_deref(),
            Some(early.as_str())
        );
    }

    #[test]
    fn dotted_paths_fan_out_over_arrays() {
        let instance = json!({
            "xdm:tags": ["a", "b"],
            "xdm:representations": [{"xdm:placement": "p1"}, {"xdm:placement": "p2"}],
            "xdm:rank": {"xdm:priority": 3}
        });
        let map = instance.as_object().expect("object");
        let texts = |path| {
            values_in_map(map, path)
                .into_iter()
                .map(|v| v.into_owned())
                .collect::<Vec<_>>()
        };
        assert_eq!(texts("xdm:tags"), vec![json!("a"), json!("b")]);
        assert_eq!(
            texts("xdm:representations.xdm:placement"),
            vec![json!("p1"), json!("p2")]
        );
        assert_eq!(texts("xdm:rank.xdm:priority"), vec![json!(3)]);
        assert!(texts("xdm:missing.x").is_empty());
    }
}
