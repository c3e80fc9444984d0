//! JSON parsed into a [`Value`] that keeps no spare capacity.
//!
//! A live document is held for a whole run, next to every other one. `serde_json` builds each
//! map and array by growing it one element at a time, so a map of 9 members keeps room for 14
//! and an array of one item room for four: about a third of a list page's documents is spare
//! capacity. Parsing through a scratch stack instead allocates every map and array once, at
//! its final size; the result is the same `Value` (`==`, key order, last duplicate key wins).

use std::fmt;
use std::marker::PhantomData;

use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor,
};
use serde_json::{Map, Number, Value};

use crate::json_member::MemberName;

/// `bytes` as a [`Value`] with every map and array at its exact size.
pub fn from_slice(bytes: &[u8]) -> serde_json::Result<Value> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let mut scratch = Scratch::<Owned<Value>>::default();
    let value = Seed::off_path(&mut scratch).deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok(value)
}

/// Why [`stream_slice`] stopped.
#[derive(Debug)]
pub enum StreamError {
    /// The bytes are not one JSON document (or an item is not what its reader takes).
    Json(serde_json::Error),
    /// The item handler refused an item.
    Item(String),
}

/// [`from_slice`], except for the array at `path` (member names from the root, such as
/// `["_embedded", "results"]`): its items are read as `T` and go to `each` one at a time as
/// soon as each is read, and are not kept (the array is left empty in the document returned).
/// A list page is thus never held whole next to the objects made from it, and a reader that
/// wants a few members of each item reads only those (a `T` of its own; [`Compact`] for the
/// whole item). Returns the rest of the document and how many items `each` took (`None` when
/// there is no array at `path`). An error from `each` stops reading.
pub fn stream_slice<T: DeserializeOwned>(
    bytes: &[u8],
    path: &[&str],
    each: impl FnMut(T) -> Result<(), String>,
) -> Result<(Value, Option<usize>), StreamError> {
    stream_slice_with(bytes, path, &Owned(PhantomData), each)
}

/// How [`stream_slice_with`] reads each item of the streamed array: a reader of the item in
/// place, given the parser (a [`DeserializeSeed`] that any input lifetime may use).
pub trait ItemReader {
    type Item;
    fn read<'de, D: Deserializer<'de>>(&self, deserializer: D) -> Result<Self::Item, D::Error>;
}

/// Items read as a `T` of their own.
pub struct Owned<T>(PhantomData<T>);

impl<T> Default for Owned<T> {
    fn default() -> Self {
        Owned(PhantomData)
    }
}

impl<T: DeserializeOwned> ItemReader for Owned<T> {
    type Item = T;

    fn read<'de, D: Deserializer<'de>>(&self, deserializer: D) -> Result<T, D::Error> {
        T::deserialize(deserializer)
    }
}

/// An [`ItemReader`] as the parser takes it.
struct ReadWith<'r, R>(&'r R);

impl<'de, R: ItemReader> DeserializeSeed<'de> for ReadWith<'_, R> {
    type Value = R::Item;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<R::Item, D::Error> {
        self.0.read(deserializer)
    }
}

/// [`stream_slice`] with each item read by `reader`.
pub fn stream_slice_with<R: ItemReader>(
    bytes: &[u8],
    path: &[&str],
    reader: &R,
    mut each: impl FnMut(R::Item) -> Result<(), String>,
) -> Result<(Value, Option<usize>), StreamError> {
    let mut scratch = Scratch {
        stream: Some(Stream {
            path,
            reader,
            each: &mut each,
            taken: None,
            refused: None,
        }),
        ..Scratch::default()
    };
    // Text checked once as UTF-8 as a whole is read without checking each string again; text
    // that is not goes through the byte reader, whose error says where.
    let read = match std::str::from_utf8(bytes) {
        Ok(text) => read_root(&mut serde_json::Deserializer::from_str(text), &mut scratch),
        Err(_) => read_root(
            &mut serde_json::Deserializer::from_slice(bytes),
            &mut scratch,
        ),
    };
    let stream = scratch.stream.take();
    if let Some(problem) = stream.as_ref().and_then(|s| s.refused.clone()) {
        return Err(StreamError::Item(problem));
    }
    let value = read.map_err(StreamError::Json)?;
    Ok((value, stream.and_then(|s| s.taken)))
}

fn read_root<'de, R: serde_json::de::Read<'de>, I: ItemReader>(
    deserializer: &mut serde_json::Deserializer<R>,
    scratch: &mut Scratch<'_, I>,
) -> serde_json::Result<Value> {
    let value = Seed {
        scratch,
        at: Some(0),
    }
    .deserialize(&mut *deserializer)?;
    deserializer.end()?;
    Ok(value)
}

/// Item `index` of the array at `path` of `bytes` (as [`stream_slice`] streams it), read as
/// [`from_slice`] reads it: the one item a reader of its own declined, read again.
pub fn nth_item(bytes: &[u8], path: &[&str], index: usize) -> Result<Option<Value>, StreamError> {
    let mut at = 0;
    let mut found = None;
    // Stops at the item: what follows it is the page's reader's to judge, not this one's.
    let read = stream_slice(bytes, path, |Compact(item)| {
        if at == index {
            found = Some(item);
            return Err(String::new());
        }
        at += 1;
        Ok(())
    });
    match (read, found) {
        (_, Some(item)) => Ok(Some(item)),
        (Ok(_), None) => Ok(None),
        (Err(e), None) => Err(e),
    }
}

/// A JSON value read as [`from_slice`] reads it (every map and array at its exact size): the
/// item type for [`stream_slice`] of a reader that keeps whole items.
#[derive(Debug, Clone, PartialEq)]
pub struct Compact(pub Value);

impl<'de> de::Deserialize<'de> for Compact {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Stacks sized for a typical document, so that reading one item rarely grows them.
        let mut scratch = Scratch::<Owned<Value>> {
            members: Vec::with_capacity(64),
            items: Vec::with_capacity(64),
            stream: None,
        };
        Seed::off_path(&mut scratch)
            .deserialize(deserializer)
            .map(Compact)
    }
}

/// Why a page read with [`stream_slice`] failed to parse, for people: for a document nested
/// deeper than the parser reads, which one (its members named in `keys`, found by a scan that
/// has no depth limit), since one bad object must not leave a whole listing unexplained.
pub fn unreadable(bytes: &[u8], path: &[&str], error: &serde_json::Error, keys: &[&str]) -> String {
    if !is_too_deep(error) {
        return format!("is not JSON ({error})");
    }
    // The root is level 1, each name of the path one more, the array one more.
    let item_depth = path.len() + 2;
    let named = crate::json_bounds::deepest_item(bytes, item_depth, keys)
        .filter(|found| !found.is_empty())
        .map(|found| {
            let names: Vec<String> = found.iter().map(|(k, v)| format!("{k} \"{v}\"")).collect();
            format!("the object with {}", names.join(", "))
        })
        .unwrap_or_else(|| "an object".to_string());
    too_deep(&named, error)
}

/// Whether serde_json refused a text for nesting deeper than it reads.
pub fn is_too_deep(error: &serde_json::Error) -> bool {
    error.to_string().contains("recursion limit")
}

/// Why a list cannot be used when it holds `named` (`the object with instanceId "…"`), which
/// [`is_too_deep`] for a reader.
pub fn too_deep(named: &str, error: &serde_json::Error) -> String {
    format!(
        "holds {named}, which nests deeper than a JSON reader accepts ({error}); \
         repair or delete that object in the repository"
    )
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

/// Checks that `text` is what [`from_slice`] would read (the same parser and limits: syntax,
/// nesting depth, numbers' range) without building it, and returns, when it is an object, the
/// values of its top-level `members` (`None` for one it lacks; the last of a repeated one).
/// `Ok(None)` when it is not an object.
pub fn check_object(
    text: &str,
    members: &[&str],
) -> serde_json::Result<Option<Vec<Option<Value>>>> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let found = deserializer.deserialize_any(Root { members })?;
    deserializer.end()?;
    Ok(found)
}

/// The root of [`check_object`]'s text.
struct Root<'m> {
    members: &'m [&'m str],
}

impl<'de> Visitor<'de> for Root<'_> {
    type Value = Option<Vec<Option<Value>>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut found = vec![None; self.members.len()];
        while let Some(key) = map.next_key_seed(MemberName)? {
            match self.members.iter().position(|m| *m == key) {
                Some(at) => found[at] = Some(map.next_value::<Value>()?),
                None => {
                    map.next_value::<Checked>()?;
                }
            }
        }
        Ok(Some(found))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        Checked.visit_seq(seq).map(|_| None)
    }

    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}

/// Any JSON value, read through (`deserialize_any`, so with every check of a real read) and
/// not kept.
pub struct Checked;

impl<'de> de::Deserialize<'de> for Checked {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(Checked)
    }
}

impl<'de> Visitor<'de> for Checked {
    type Value = Checked;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Checked, E> {
        Ok(Checked)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Checked, E> {
        Ok(Checked)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Checked, E> {
        Ok(Checked)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Checked, E> {
        Ok(Checked)
    }

    fn visit_str<E>(self, _: &str) -> Result<Checked, E> {
        Ok(Checked)
    }

    fn visit_unit<E>(self) -> Result<Checked, E> {
        Ok(Checked)
    }

    fn visit_none<E>(self) -> Result<Checked, E> {
        Ok(Checked)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Checked, D::Error> {
        deserializer.deserialize_any(Checked)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Checked, A::Error> {
        while seq.next_element::<Checked>()?.is_some() {}
        Ok(Checked)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Checked, A::Error> {
        while map.next_key::<Checked>()?.is_some() {
            map.next_value::<Checked>()?;
        }
        Ok(Checked)
    }
}

/// Members and items of the collections being read, innermost last: each collection moves its
/// own out when it ends, so the stacks' capacity is reused from one collection to the next.
struct Scratch<'f, R: ItemReader> {
    members: Vec<(String, Value)>,
    items: Vec<Value>,
    stream: Option<Stream<'f, R>>,
}

impl<R: ItemReader> Default for Scratch<'_, R> {
    fn default() -> Self {
        Scratch {
            members: Vec::new(),
            items: Vec::new(),
            stream: None,
        }
    }
}

/// The array [`stream_slice`] hands out item by item.
struct Stream<'f, R: ItemReader> {
    path: &'f [&'f str],
    reader: &'f R,
    each: &'f mut dyn FnMut(R::Item) -> Result<(), String>,
    /// Items handed out, once the array is found.
    taken: Option<usize>,
    refused: Option<String>,
}

struct Seed<'s, 'f, R: ItemReader> {
    scratch: &'s mut Scratch<'f, R>,
    /// How many names of the stream's path lead here (`None`: off the path).
    at: Option<usize>,
}

impl<'s, 'f, R: ItemReader> Seed<'s, 'f, R> {
    fn off_path(scratch: &'s mut Scratch<'f, R>) -> Self {
        Seed { scratch, at: None }
    }

    /// Whether this value is the streamed array's place.
    fn is_streamed(&self) -> bool {
        match (&self.scratch.stream, self.at) {
            (Some(stream), Some(at)) => at == stream.path.len(),
            _ => false,
        }
    }

    /// The path position of member `key` of this object.
    fn member_at(&self, key: &str) -> Option<usize> {
        let stream = self.scratch.stream.as_ref()?;
        let at = self.at?;
        (stream.path.get(at) == Some(&key)).then_some(at + 1)
    }
}

impl<'de, R: ItemReader> DeserializeSeed<'de> for Seed<'_, '_, R> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de, R: ItemReader> Visitor<'de> for Seed<'_, '_, R> {
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
        let streamed = self.is_streamed();
        let scratch = self.scratch;
        if streamed {
            let mut taken = 0;
            let reader = scratch.stream.as_ref().expect("streaming").reader;
            while let Some(item) = seq.next_element_seed(ReadWith(reader))? {
                taken += 1;
                let stream = scratch.stream.as_mut().expect("streaming");
                if let Err(problem) = (stream.each)(item) {
                    stream.refused = Some(problem);
                    return Err(de::Error::custom("an item was refused"));
                }
            }
            if let Some(stream) = scratch.stream.as_mut() {
                stream.taken = Some(taken);
            }
            return Ok(Value::Array(Vec::new()));
        }
        let start = scratch.items.len();
        while let Some(item) = seq.next_element_seed(Seed::off_path(scratch))? {
            scratch.items.push(item);
        }
        // `Vec::from_iter` over a drain of known length allocates exactly once.
        let items: Vec<Value> = scratch.items.drain(start..).collect();
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let start = self.scratch.members.len();
        while let Some(key) = map.next_key_seed(MemberName)? {
            let key = key.into_owned();
            let at = self.member_at(&key);
            let value = map.next_value_seed(Seed {
                scratch: &mut *self.scratch,
                at,
            })?;
            self.scratch.members.push((key, value));
        }
        let scratch = self.scratch;
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
    use serde_json::json;

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
    fn the_nth_item_is_read_again_as_a_value() {
        let text = br#"{"r": [{"a": 1}, [2], {"b": {"c": 3}}], "n": 4}"#;
        assert_eq!(
            nth_item(text, &["r"], 2).unwrap(),
            Some(json!({"b": {"c": 3}}))
        );
        assert_eq!(nth_item(text, &["r"], 0).unwrap(), Some(json!({"a": 1})));
        assert_eq!(nth_item(text, &["r"], 3).unwrap(), None);
        assert!(nth_item(br#"{"r": [1, "#, &["r"], 1).is_err());
        // Found before the page goes wrong: the item is read, the rest is not looked at.
        assert_eq!(
            nth_item(br#"{"r": [1, "#, &["r"], 0).unwrap(),
            Some(json!(1))
        );
    }

    #[test]
    fn streams_the_array_at_a_path_item_by_item() {
        let text = br#"{"a": [9], "_embedded": {"total": 3, "results": [{"x": 1}, [2], 3], "n": {"results": [4]}}, "z": null}"#;
        let mut items = Vec::new();
        let (rest, taken) = stream_slice(text, &["_embedded", "results"], |item: Value| {
            items.push(item);
            Ok(())
        })
        .expect("read");
        assert_eq!(
            items,
            vec![
                serde_json::json!({"x": 1}),
                serde_json::json!([2]),
                3.into()
            ]
        );
        assert_eq!(taken, Some(3));
        assert_eq!(
            rest,
            serde_json::json!({"a": [9], "_embedded": {"total": 3, "results": [], "n": {"results": [4]}}, "z": null})
        );
        // No array there: nothing streamed, the document whole.
        let (rest, taken) = stream_slice(
            br#"{"_embedded": {"results": 5}}"#,
            &["_embedded", "results"],
            |_: Value| Ok(()),
        )
        .expect("read");
        assert_eq!(
            (rest, taken),
            (serde_json::json!({"_embedded": {"results": 5}}), None)
        );
        // The handler's refusal stops reading and is returned as is; so are JSON errors.
        let refused = stream_slice(br#"{"r": [1, 2, 3]}"#, &["r"], |item: u8| {
            if item == 2 { Err("two".into()) } else { Ok(()) }
        });
        assert!(matches!(refused, Err(StreamError::Item(p)) if p == "two"));
        let broken = stream_slice(br#"{"r": [1, 2"#, &["r"], |_: Value| Ok(()));
        assert!(matches!(broken, Err(StreamError::Json(_))));
    }

    #[test]
    fn items_are_read_as_the_readers_type() {
        /// A reader that wants one member of each item (the others are skipped).
        #[derive(serde::Deserialize, Debug, PartialEq)]
        struct Named {
            name: String,
        }
        let text = br#"{"r": [{"name": "a", "x": [1, {"y": 2}]}, {"z": null, "name": "b"}], "n": {"name": 9}}"#;
        let mut items = Vec::new();
        let (rest, taken) = stream_slice(text, &["r"], |item: Named| {
            items.push(item.name);
            Ok(())
        })
        .expect("read");
        assert_eq!(
            (items, taken),
            (vec!["a".to_string(), "b".to_string()], Some(2))
        );
        assert_eq!(rest, serde_json::json!({"r": [], "n": {"name": 9}}));
        // An item its reader does not take fails the read as JSON, naming the problem.
        let read = stream_slice(br#"{"r": [{"name": 1}]}"#, &["r"], |_: Named| Ok(()));
        assert!(
            matches!(read, Err(StreamError::Json(e)) if e.to_string().contains("invalid type"))
        );
    }

    #[test]
    fn compact_items_are_the_values_serde_json_reads_at_their_exact_size() {
        let text = r#"{"r": [{"k": 1, "k": 2, "a": [1, 2, 3, {"b": "\u00e9"}]}, [], 7], "t": 3}"#;
        let mut items = Vec::new();
        stream_slice(text.as_bytes(), &["r"], |Compact(item)| {
            items.push(item);
            Ok(())
        })
        .expect("read");
        let whole: Value = serde_json::from_str(text).expect("JSON");
        assert_eq!(&items, whole["r"].as_array().expect("items"));
        let Value::Array(members) = &items[0]["a"] else {
            panic!("an array: {items:?}")
        };
        assert_eq!(members.capacity(), members.len(), "no spare capacity");
    }

    #[test]
    fn text_that_is_not_utf8_is_refused_where_it_is() {
        let mut text = br#"{"r": [{"name": "x"}], "s": "ab"}"#.to_vec();
        let at = text.len() - 3;
        text[at] = 0xff;
        let read = stream_slice(&text, &["r"], |_: Compact| Ok(()));
        let Err(StreamError::Json(error)) = read else {
            panic!("refused: {read:?}")
        };
        assert_eq!((error.line(), error.column() > 0), (1, true), "{error}");
    }

    #[test]
    fn check_object_accepts_what_a_parse_accepts_and_finds_members() {
        let deep = format!("{{\"a\": {}1{}}}", "[".repeat(130), "]".repeat(130));
        for text in [
            r#"{"@id": "x", "n": [1, {"m": null}], "@id": "y"}"#,
            r#"{"v": 1e400}"#,
            r#"{"v": "\u00e9\n", "w": -0.5e-3}"#,
            r#"[1, 2]"#,
            "12",
            r#"{"a": 1,}"#,
            deep.as_str(),
        ] {
            let checked = check_object(text, &["@id", "absent"]);
            let parsed = serde_json::from_str::<Value>(text);
            assert_eq!(checked.is_ok(), parsed.is_ok(), "{text}");
            if let (Ok(checked), Ok(parsed)) = (checked, parsed) {
                match parsed.as_object() {
                    Some(object) => {
                        assert_eq!(
                            checked,
                            Some(vec![object.get("@id").cloned(), None]),
                            "{text}"
                        )
                    }
                    None => assert_eq!(checked, None, "{text}"),
                }
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
