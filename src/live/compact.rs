//! JSON parsed into a [`Value`] that keeps no spare capacity.
//!
//! A live document is held for a whole run, next to every other one. `serde_json` builds each
//! map and array by growing it one element at a time, so a map of 9 members keeps room for 14
//! and an array of one item room for four: about a third of a list page's documents is spare
//! capacity. Parsing through a scratch stack instead allocates every map and array once, at
//! its final size; the result is the same `Value` (`==`, key order, last duplicate key wins).

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// `bytes` as a [`Value`] with every map and array at its exact size.
pub fn from_slice(bytes: &[u8]) -> serde_json::Result<Value> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = Seed(&mut Scratch::default()).deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok(value)
}

/// A deep copy of `value` with every map and array at its exact size (`Value::clone` keeps a
/// map's spare capacity, and may add some).
pub fn copy(value: &Value) -> Value {
    match value {
        Value::Array(items) => Value::Array(items.iter().map(copy).collect()),
        Value::Object(map) => {
            let mut object = Map::with_capacity(map.len());
            for (key, member) in map {
                object.insert(key.clone(), copy(member));
            }
            Value::Object(object)
        }
        other => other.clone(),
    }
}

/// Members and items of the collections being read, innermost last: each collection moves its
/// own out when it ends, so the stacks' capacity is reused from one collection to the next.
#[derive(Default)]
struct Scratch {
    members: Vec<(String, Value)>,
    items: Vec<Value>,
}

struct Seed<'s>(&'s mut Scratch);

impl<'de> DeserializeSeed<'de> for Seed<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Seed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        self.deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let scratch = self.0;
        let start = scratch.items.len();
        while let Some(item) = seq.next_element_seed(Seed(scratch))? {
            scratch.items.push(item);
        }
        // `Vec::from_iter` over a drain of known length allocates exactly once.
        let items: Vec<Value> = scratch.items.drain(start..).collect();
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let scratch = self.0;
        let start = scratch.members.len();
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value_seed(Seed(scratch))?;
            scratch.members.push((key, value));
        }
        let mut object = Map::with_capacity(scratch.members.len() - start);
        for (key, value) in scratch.members.drain(start..) {
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_same_values_as_serde_json() {
        for text in [
            r#"{"b": 1, "a": [1, 2.5, -3, "x", null, true, false], "c": {"d": {}, "e": []}}"#,
            r#"[{"k": 1, "k": 2, "j": 0}, [], [[1], [2, [3]]], "\u00e9\n", 1e400, 18446744073709551615]"#,
            r#"{"_embedded": {"results": [{"_instance": {"@id": "x", "n": [1, {"m": null}]}}]}}"#,
            "\"just a string\"",
            "12",
            "null",
        ] {
            let ours = from_slice(text.as_bytes());
            let theirs: serde_json::Result<Value> = serde_json::from_str(text);
            match (ours, theirs) {
                (Ok(ours), Ok(theirs)) => {
                    assert_eq!(ours, theirs, "{text}");
                    // Same key order, too.
                    assert_eq!(ours.to_string(), theirs.to_string(), "{text}");
                    assert_eq!(copy(&theirs).to_string(), theirs.to_string(), "{text}");
                }
                (ours, theirs) => assert_eq!(ours.is_err(), theirs.is_err(), "{text}"),
            }
        }
    }

    #[test]
    fn refuses_what_serde_json_refuses() {
        for text in ["", "{", "[1,]", "{\"a\" 1}", "{} trailing", "[1] [2]"] {
            assert!(from_slice(text.as_bytes()).is_err(), "{text}");
            assert!(serde_json::from_str::<Value>(text).is_err(), "{text}");
        }
    }
}
