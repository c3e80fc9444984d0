//! Whether a live document, still as JSON text, already equals the desired one on every
//! top-level property [`super::diff`] looks at: read once, nothing built, and abandoned at the
//! first difference. Most objects of a plan are up to date, and parsing each live text into a
//! `Value` only to find it equal was a third of the comparisons' time.
//!
//! `true` means [`super::diff`] finds nothing: for each key it looks at, the live value equals
//! the desired one as `Value`s compare (maps whatever their member order, numbers as serde_json
//! reads them). `false` means only "not shown equal here" (a difference, or duplicate members,
//! or text this reader does not take): the caller then compares the parsed documents.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

use super::Rules;
use crate::json_member::MemberName;

/// `live` (JSON text of an object) equals `desired` on every key `diff` compares.
pub fn unchanged_text(rules: &Rules, live: &str, desired: &Value) -> bool {
    let Value::Object(desired) = desired else {
        return false;
    };
    let mut deserializer = serde_json::Deserializer::from_str(live);
    let top = Top { rules, desired };
    matches!(top.deserialize(&mut deserializer), Ok(true)) && deserializer.end().is_ok()
}

/// The reason reading stops early; never shown.
#[derive(Debug)]
struct Differs;

impl fmt::Display for Differs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("differs")
    }
}

/// The top level: only the keys `diff` compares count (`Rules::compares`).
struct Top<'a> {
    rules: &'a Rules,
    desired: &'a Map<String, Value>,
}

impl<'de> DeserializeSeed<'de> for Top<'_> {
    type Value = bool;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Top<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        let mut seen = Seen::new(self.desired)?;
        while let Some(key) = map.next_key_seed(MemberName)? {
            if !self.rules.compares(&key, self.desired) {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            // Modelled but not desired: `diff` compares it with absent.
            let expected = seen.take(self.desired, &key)?;
            map.next_value_seed(Same(expected))?;
        }
        // Every compared desired key was there.
        let wanted = self
            .desired
            .keys()
            .filter(|k| self.rules.compares(k, self.desired))
            .count();
        Ok(seen.count() == wanted)
    }
}

/// The members of an expected map read so far. A member read twice is a difference here:
/// the parsed document keeps the last one, and a duplicate could stand in for a member that is
/// missing. Maps of more than 64 members are left to the parsed comparison.
struct Seen(u64);

impl Seen {
    fn new<E: de::Error>(expected: &Map<String, Value>) -> Result<Self, E> {
        if expected.len() > 64 {
            return Err(differs());
        }
        Ok(Self(0))
    }

    /// The expected value of member `key`, marked as read.
    fn take<'v, E: de::Error>(
        &mut self,
        expected: &'v Map<String, Value>,
        key: &str,
    ) -> Result<&'v Value, E> {
        let (at, value) = expected
            .iter()
            .enumerate()
            .find_map(|(at, (name, value))| (name == key).then_some((at, value)))
            .ok_or_else(differs)?;
        let bit = 1u64 << at;
        if self.0 & bit != 0 {
            return Err(differs());
        }
        self.0 |= bit;
        Ok(value)
    }

    fn count(&self) -> usize {
        self.0.count_ones() as usize
    }
}

fn differs<E: de::Error>() -> E {
    E::custom(Differs)
}

/// Reads one value and checks that it equals `.0`, as `Value`'s `==` would.
struct Same<'a>(&'a Value);

impl<'de> DeserializeSeed<'de> for Same<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl Same<'_> {
    fn scalar<E: de::Error>(&self, read: Value) -> Result<(), E> {
        if *self.0 == read {
            Ok(())
        } else {
            Err(differs())
        }
    }

    fn number<E: de::Error>(&self, read: Number) -> Result<(), E> {
        match self.0 {
            Value::Number(expected) if *expected == read => Ok(()),
            _ => Err(differs()),
        }
    }
}

impl<'de> Visitor<'de> for Same<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        self.scalar(Value::Bool(v))
    }

    // Numbers as serde_json's own `Value` reads them (so 1 and 1.0 differ, as they do there).
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.number(Number::from(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.number(Number::from(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        match Number::from_f64(v) {
            Some(n) => self.number(n),
            None => self.scalar(Value::Null),
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        match self.0 {
            Value::String(expected) if expected == v => Ok(()),
            _ => Err(differs()),
        }
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.scalar(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        self.scalar(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let Value::Array(expected) = self.0 else {
            return Err(differs());
        };
        for item in expected {
            if seq.next_element_seed(Same(item))?.is_none() {
                return Err(differs());
            }
        }
        match seq.next_element::<IgnoredAny>()? {
            None => Ok(()),
            Some(_) => Err(differs()),
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let Value::Object(expected) = self.0 else {
            return Err(differs());
        };
        let mut seen = Seen::new(expected)?;
        while let Some(key) = map.next_key_seed(MemberName)? {
            let value = seen.take(expected, &key)?;
            map.next_value_seed(Same(value))?;
        }
        if seen.count() == expected.len() {
            Ok(())
        } else {
            Err(differs())
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::{Value, json};

    use super::unchanged_text;
    use crate::diff::{Rules, diff};

    fn no_members(_: &str) -> Option<&'static [&'static str]> {
        None
    }

    const RULES: Rules = Rules {
        root: "",
        properties: &["name", "tags", "rank"],
        members: no_members,
        types: &[],
        sets: &["tags"],
        keyed: &[],
        keep_container: &[],
        assigned: &["@id"],
        assigned_members: &[],
        neutral: crate::diff::nothing_neutral,
    };

    #[test]
    fn equal_on_the_compared_keys_whatever_the_order_and_what_is_assigned_or_unmodelled() {
        let desired =
            json!({"name": "a", "rank": {"priority": 1, "order": [1, 2.5, "x"]}, "extra": null});
        let live = r#"{"@id": "x:1", "rank": {"order": [1, 2.5, "x"], "priority": 1}, "extra": null, "repo:etag": 3, "name": "a"}"#;
        assert!(unchanged_text(&RULES, live, &desired));
    }

    #[test]
    fn any_difference_on_a_compared_key_is_not_unchanged() {
        let desired = json!({"name": "a", "rank": {"priority": 1}});
        for live in [
            r#"{"name": "b", "rank": {"priority": 1}}"#,
            r#"{"name": "a", "rank": {"priority": 1.0}}"#,
            r#"{"name": "a", "rank": {"priority": 1, "x": 2}}"#,
            r#"{"name": "a", "rank": {}}"#,
            r#"{"name": "a"}"#,
            // Modelled, not desired: `diff` compares it with absent.
            r#"{"name": "a", "rank": {"priority": 1}, "tags": ["t"]}"#,
            // Duplicate members: the parsed document decides (one may stand in for a member
            // that is missing).
            r#"{"name": "a", "name": "a", "rank": {"priority": 1}}"#,
            r#"{"name": "a", "name": "a"}"#,
            r#"{"name": "a", "rank": {"priority": 1, "priority": 1}}"#,
            r#"{"name": "a", "rank": {"priority": 1}} trailing"#,
            r#"["name"]"#,
        ] {
            assert!(!unchanged_text(&RULES, live, &desired), "{live}");
        }
        let desired = json!({"rank": {"priority": 1, "order": 2}});
        assert!(!unchanged_text(
            &RULES,
            r#"{"rank": {"priority": 1, "priority": 1}}"#,
            &desired
        ));
        // A set in another order means the same to `diff`, but is not shown equal here: the
        // parsed documents decide.
        let desired = json!({"tags": ["a", "b"]});
        assert!(!unchanged_text(&RULES, r#"{"tags": ["b", "a"]}"#, &desired));
        assert!(diff(&RULES, &json!({"tags": ["b", "a"]}), &desired).is_empty());
    }

    fn scalar() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            any::<u64>().prop_map(|n| json!(n)),
            // Quarters: exact in binary, so their text reads back as the same number.
            (-4000i32..4000).prop_map(|n| json!(f64::from(n) / 4.0)),
            "[a-c\"\\\\é]{0,3}".prop_map(Value::String),
        ]
    }

    fn value() -> impl Strategy<Value = Value> {
        scalar().prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::vec(("[a-d@\"]{1,2}", inner), 0..4)
                    .prop_map(|members| Value::Object(members.into_iter().collect())),
            ]
        })
    }

    fn document() -> impl Strategy<Value = Value> {
        prop::collection::vec(
            (
                prop_oneof![
                    Just("name".to_string()),
                    Just("tags".to_string()),
                    Just("rank".to_string()),
                    Just("@id".to_string()),
                    "[a-c]{1,2}"
                ],
                value(),
            ),
            0..5,
        )
        .prop_map(|members| Value::Object(members.into_iter().collect()))
    }

    /// JSON text whose objects may repeat a member (small member names: often).
    fn text_with_duplicates() -> impl Strategy<Value = String> {
        let leaf = scalar().prop_map(|v| v.to_string());
        let nested = leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4)
                    .prop_map(|items| format!("[{}]", items.join(","))),
                prop::collection::vec(("[ab]", inner), 0..4).prop_map(|members| {
                    let members: Vec<String> = members
                        .iter()
                        .map(|(k, v)| format!("{}:{v}", json!(k)))
                        .collect();
                    format!("{{{}}}", members.join(","))
                }),
            ]
        });
        prop::collection::vec(
            (
                prop_oneof![Just("name"), Just("rank"), Just("tags"), Just("a")],
                nested,
            ),
            0..5,
        )
        .prop_map(|members| {
            let members: Vec<String> = members
                .iter()
                .map(|(k, v)| format!("{}:{v}", json!(k)))
                .collect();
            format!("{{{}}}", members.join(","))
        })
    }

    proptest! {
        /// With repeated members too (the parsed document keeps the last): shown unchanged
        /// against a desired document, or against the parsed live one itself, means `diff`
        /// finds nothing.
        #[test]
        fn repeated_members_never_hide_a_difference(text in text_with_duplicates(), other in document()) {
            let live: Value = serde_json::from_str(&text).unwrap();
            // The live document with one member more, which a repeated one could stand in for.
            let more: Vec<Value> = ["name", "rank", "tags", "a"]
                .iter()
                .filter(|k| live.get(**k).is_none())
                .map(|k| {
                    let mut more = live.clone();
                    more[*k] = json!(1);
                    more
                })
                .collect();
            for desired in [&live, &other].into_iter().chain(&more) {
                if unchanged_text(&RULES, &text, desired) {
                    prop_assert!(diff(&RULES, &live, desired).is_empty(), "{text} vs {desired}");
                }
            }
        }


        /// Shown unchanged ⇒ `diff` finds nothing; and a live text written from the desired
        /// document itself (with anything unmodelled beside it) is always shown unchanged.
        #[test]
        fn unchanged_means_diff_finds_nothing(live in document(), desired in document(), noise in document()) {
            let text = serde_json::to_string(&live).unwrap();
            if unchanged_text(&RULES, &text, &desired) {
                prop_assert!(diff(&RULES, &live, &desired).is_empty(), "{text} vs {desired}");
            }
            let mut same = desired.clone();
            if let (Value::Object(same), Value::Object(noise)) = (&mut same, noise) {
                for (key, value) in noise {
                    if !same.contains_key(&key) && !RULES.properties.contains(&key.as_str()) {
                        same.insert(key, value);
                    }
                }
            }
            let text = serde_json::to_string(&same).unwrap();
            prop_assert!(unchanged_text(&RULES, &text, &desired), "{text} vs {desired}");
            prop_assert!(diff(&RULES, &same, &desired).is_empty());
        }
    }
}
