//! A live document held as its JSON text until it is read.
//!
//! A plan holds every live object of a repository at once, and most of them are compared once
//! and then only named. Parsed, a document of a few dozen members is a few kilobytes of maps,
//! keys and strings (each its own allocation); as text it is about a fifth of that. So a live
//! object keeps its document as text, and whoever reads it parses it then — the comparison on
//! the comparing threads, each document once — and drops the parse when done.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;
use serde_json::value::RawValue;

use crate::json_bounds::deeper_than;

/// A document in a provider's canonical form, held compactly; [`LiveDocument::value`] parses it.
#[derive(Clone)]
pub struct LiveDocument(Held);

/// Shared, so that a client that keeps documents for its writes (DPS) holds no second copy.
#[derive(Clone)]
enum Held {
    Text(Arc<str>),
    /// Nested deeper than serde_json parses text (128 levels): a document mapped from a
    /// deep one may gain a level or two, and reading it back must not fail.
    Deep(Arc<Value>),
}

/// Levels serde_json parses before it refuses a text (its recursion limit), minus a margin.
const PARSABLE_DEPTH: usize = 120;

impl LiveDocument {
    pub fn new(value: &Value) -> Self {
        if deeper_than(value, PARSABLE_DEPTH) {
            return Self(Held::Deep(Arc::new(value.clone())));
        }
        match serde_json::value::to_raw_value(value) {
            Ok(text) => Self(Held::Text(Box::<str>::from(text).into())),
            // Writing a `Value` fails only for a map key that is not a string, which a `Value`
            // cannot have; keeping the value is still right.
            Err(_) => Self(Held::Deep(Arc::new(value.clone()))),
        }
    }

    /// A document from its JSON text, which the caller has checked that serde_json reads as a
    /// `Value` (as `live::compact::check_object` does): it is held as it is.
    pub fn from_checked_text(text: &str) -> Self {
        Self(Held::Text(Arc::from(text)))
    }

    /// The document's JSON text, when it is held as text (not when nested too deep for it).
    pub fn text(&self) -> Option<&str> {
        match &self.0 {
            Held::Text(text) => Some(text),
            Held::Deep(_) => None,
        }
    }

    /// The document, parsed (each call parses anew: keep the result while it is needed).
    pub fn value(&self) -> Value {
        match &self.0 {
            Held::Text(text) => serde_json::from_str(text)
                .unwrap_or_else(|_| unreachable!("a document written by serde_json parses")),
            Held::Deep(value) => Value::clone(value),
        }
    }

    /// Changes the document: parses it, lets `change` edit it, and holds the result.
    pub fn edit<T>(&mut self, change: impl FnOnce(&mut Value) -> T) -> T {
        let mut value = self.value();
        let result = change(&mut value);
        *self = Self::new(&value);
        result
    }
}

impl From<Value> for LiveDocument {
    fn from(value: Value) -> Self {
        Self::new(&value)
    }
}

/// Equal when the documents are (member order aside, as for `Value`).
impl PartialEq for LiveDocument {
    fn eq(&self, other: &Self) -> bool {
        let same_text = match (&self.0, &other.0) {
            (Held::Text(a), Held::Text(b)) => a == b,
            _ => false,
        };
        same_text || self.value() == other.value()
    }
}

impl PartialEq<Value> for LiveDocument {
    fn eq(&self, other: &Value) -> bool {
        self.value() == *other
    }
}

impl fmt::Debug for LiveDocument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Held::Text(text) => f.write_str(text),
            Held::Deep(value) => write!(f, "{value}"),
        }
    }
}

impl Serialize for LiveDocument {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match &self.0 {
            Held::Text(text) => RawValue::from_string(text.to_string())
                .map_err(serde::ser::Error::custom)?
                .serialize(serializer),
            Held::Deep(value) => value.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for LiveDocument {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Value::deserialize(deserializer).map(Self::from)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_document_reads_back_as_it_was_given_member_order_included() {
        let value = json!({"z": 1, "a": {"list": [1, "two", null, 3.5]}, "m": true});
        let held = LiveDocument::new(&value);
        let back = held.value();
        assert_eq!(back, value);
        let keys: Vec<&String> = back.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["z", "a", "m"]);
        assert_eq!(
            serde_json::to_string(&held).unwrap(),
            r#"{"z":1,"a":{"list":[1,"two",null,3.5]},"m":true}"#
        );
    }

    #[test]
    fn a_document_too_deep_for_the_parser_is_held_parsed_and_still_reads_back() {
        let mut value = json!("leaf");
        for _ in 0..200 {
            value = json!([value]);
        }
        assert!(serde_json::from_str::<Value>(&value.to_string()).is_err());
        let held = LiveDocument::new(&value);
        assert_eq!(held.value(), value);
        let mut shallow = json!("leaf");
        for _ in 0..PARSABLE_DEPTH - 1 {
            shallow = json!([shallow]);
        }
        assert!(!deeper_than(&shallow, PARSABLE_DEPTH));
        assert!(matches!(LiveDocument::new(&shallow).0, Held::Text(_)));
        assert_eq!(LiveDocument::new(&shallow).value(), shallow);
    }

    #[test]
    fn edits_are_kept_and_serialisation_writes_the_document_itself() {
        let mut held = LiveDocument::new(&json!({"a": 1}));
        held.edit(|v| v["b"] = json!(2));
        assert_eq!(held, json!({"a": 1, "b": 2}));
        assert_eq!(serde_json::to_string(&held).unwrap(), r#"{"a":1,"b":2}"#);
        let back: LiveDocument = serde_json::from_str(r#"{"b": 2, "a": 1}"#).unwrap();
        assert_eq!(back, held);
    }
}
