//! A JSON object's member name as a reader meets it: borrowed from the text where it has no
//! escapes, so that readers which look at a name and skip its value (a page's unread members,
//! a comparison's uncompared keys) never copy it.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, Visitor};

/// Reads one member name (`map.next_key_seed(MemberName)`).
pub struct MemberName;

impl<'de> DeserializeSeed<'de> for MemberName {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for MemberName {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a member name")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_string()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::de::MapAccess;

    /// The names of a JSON object's members, and whether each was borrowed.
    fn names(text: &str) -> Vec<(String, bool)> {
        struct Names;
        impl<'de> Visitor<'de> for Names {
            type Value = Vec<(String, bool)>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(name) = map.next_key_seed(MemberName)? {
                    map.next_value::<de::IgnoredAny>()?;
                    out.push((name.to_string(), matches!(name, Cow::Borrowed(_))));
                }
                Ok(out)
            }
        }
        let mut deserializer = serde_json::Deserializer::from_str(text);
        deserializer.deserialize_map(Names).expect("an object")
    }

    #[test]
    fn names_without_escapes_are_borrowed_and_escaped_ones_decoded() {
        assert_eq!(
            names(r#"{"name": 1, "caf\u00e9": [2], "a\"b": null}"#),
            vec![
                ("name".to_string(), true),
                ("café".to_string(), false),
                ("a\"b".to_string(), false),
            ]
        );
    }
}
