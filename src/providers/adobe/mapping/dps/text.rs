//! A DPS document read straight into the JSON text of its canonical form, without building it:
//! what a list does with each of its items (thousands a plan), as its page is parsed
//! ([`DocumentReader`]).
//!
//! The text is exactly what [`super::from_dps_owned`] followed by serde_json's writer gives
//! (the same key order, numbers and escapes), or nothing: a document this reader does not take
//! on — a key repeated or two keys that map to one, a key that may not pass through, nesting
//! deeper than [`MAX_DEPTH`], anything but an object — is declined (still read to its end, with
//! every check of a parse), and the caller maps it as a `Value`, which reports what is wrong
//! with it. The small members that the mapping rewrites as
//! a whole (an offer's `selectionConstraint`, a decision's `criteria`) are mapped as values.

use std::borrow::Cow;
use std::fmt;

use serde::Serialize;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::{
    At, Direction, FLAT, Field, METADATA, Shape, component_uri, drop_implied_profile_constraint,
    fields_from_dps, filter_type, flat_pair, map_value, reserved_from_dps,
};
use crate::json_member::MemberName;
use crate::live::compact::{Checked, ItemReader};
use crate::providers::adobe::kind::Kind;

/// Nesting (objects and arrays) beyond which a document is declined: a live document this
/// deep is held parsed (`LiveDocument`), not as text.
pub const MAX_DEPTH: usize = 100;

/// A DPS document's canonical text, and the values of the top-level members asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct Canonical {
    pub text: String,
    /// The value of each member asked for, in the order asked (`None` for one it lacks; the
    /// last of a repeated one).
    pub members: Vec<Option<Value>>,
}

/// Reads DPS documents of a kind where a parser is (the items of a list page, as it is
/// parsed), each into [`Canonical`], or `None` where declined (the item is still read
/// through, with every check of a parse).
#[derive(Debug, Clone, Copy)]
pub struct DocumentReader<'m> {
    pub kind: Kind,
    /// The top-level members whose values [`Canonical::members`] gives.
    pub members: &'m [&'m str],
}

impl ItemReader for DocumentReader<'_> {
    type Item = Option<Canonical>;

    fn read<'de, D: Deserializer<'de>>(&self, deserializer: D) -> Result<Self::Item, D::Error> {
        read_document(self.kind, self.members, deserializer)
    }
}

fn read_document<'de, D: Deserializer<'de>>(
    kind: Kind,
    members: &[&str],
    deserializer: D,
) -> Result<Option<Canonical>, D::Error> {
    let mut out = Out {
        buf: Vec::with_capacity(1024),
        names: Vec::with_capacity(32),
        depth: 0,
        declined: false,
    };
    let mut found = vec![None; members.len()];
    let top = Top {
        kind,
        members,
        found: &mut found,
        out: &mut out,
    };
    deserializer.deserialize_any(top)?;
    if out.declined {
        return Ok(None);
    }
    // Only serde_json's writer and strings it read went into the buffer: UTF-8.
    let text = String::from_utf8(out.buf).map_err(|_| de::Error::custom("not UTF-8"))?;
    Ok(Some(Canonical {
        text,
        members: found,
    }))
}

/// The text being written, and the names written in the objects still open.
struct Out {
    buf: Vec<u8>,
    /// Where each member name of the open objects is in `buf` (as written, quotes included),
    /// innermost last: two equal names are two equal texts, since one writer wrote both.
    names: Vec<(usize, usize)>,
    depth: usize,
    declined: bool,
}

impl Out {
    /// Gives the document up to the `Value` mapping. It is still read to its end (what is
    /// written from here on is never used), so that a list's next item can be read.
    fn decline(&mut self) {
        self.declined = true;
    }

    fn write<E: de::Error>(&mut self, value: &(impl Serialize + ?Sized)) -> Result<(), E> {
        serde_json::to_writer(&mut self.buf, value).map_err(E::custom)
    }

    fn enter(&mut self, bracket: u8) {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            self.decline();
        }
        self.buf.push(bracket);
    }

    fn leave(&mut self, bracket: u8) {
        self.depth -= 1;
        self.buf.push(bracket);
    }

    /// Opens an object; returns the mark its names start at.
    fn open(&mut self) -> usize {
        self.enter(b'{');
        self.names.len()
    }

    /// Writes member `name` of the object opened at `mark`, and the colon.
    fn name<E: de::Error>(&mut self, mark: usize, name: Text<'_>) -> Result<(), E> {
        if self.names.len() > mark {
            self.buf.push(b',');
        }
        let start = self.buf.len();
        self.text(name)?;
        self.names.push((start, self.buf.len()));
        self.buf.push(b':');
        Ok(())
    }

    /// Writes a string as serde_json's writer does.
    fn text<E: de::Error>(&mut self, text: Text<'_>) -> Result<(), E> {
        match text {
            Text::Plain(text) => {
                self.buf.push(b'"');
                self.buf.extend_from_slice(text.as_bytes());
                self.buf.push(b'"');
                Ok(())
            }
            Text::Any(text) => self.write(text),
        }
    }

    /// Closes the object opened at `mark`; a name written twice declines.
    fn close(&mut self, mark: usize) {
        let names = &self.names[mark..];
        let text = |&(start, end): &(usize, usize)| &self.buf[start..end];
        let repeated = if names.len() <= 8 {
            names
                .iter()
                .enumerate()
                .any(|(i, a)| names[..i].iter().any(|b| text(a) == text(b)))
        } else {
            let mut sorted: Vec<&[u8]> = names.iter().map(text).collect();
            sorted.sort_unstable();
            sorted.windows(2).any(|pair| pair[0] == pair[1])
        };
        if repeated {
            self.decline();
        }
        self.names.truncate(mark);
        self.leave(b'}');
    }
}

/// A string to write.
#[derive(Clone, Copy)]
enum Text<'a> {
    /// Holds nothing serde_json's writer escapes (a quote, a backslash, a control character):
    /// one of the tables' names, or a string the reader borrowed from the input, which it does
    /// only for one written without escapes (and it refuses control characters in any).
    Plain(&'a str),
    /// Any string.
    Any(&'a str),
}

impl<'a> Text<'a> {
    /// A member name as [`MemberName`] read it: borrowed when written without escapes.
    #[allow(clippy::ptr_arg)] // Whether it was borrowed is what matters.
    fn of_name(name: &'a Cow<'_, str>) -> Self {
        match name {
            Cow::Borrowed(name) => Text::Plain(name),
            Cow::Owned(name) => Text::Any(name),
        }
    }

    fn as_str(self) -> &'a str {
        let (Text::Plain(text) | Text::Any(text)) = self;
        text
    }
}

/// The document's top level: metadata left out (and kept where asked for), `id` first as
/// `@id`, every other member mapped by the kind's table.
struct Top<'a> {
    kind: Kind,
    members: &'a [&'a str],
    found: &'a mut [Option<Value>],
    out: &'a mut Out,
}

impl<'de> Visitor<'de> for Top<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a DPS document")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let Top {
            kind,
            members,
            found,
            out,
        } = self;
        let fields = fields_from_dps(kind);
        let reserved = reserved_from_dps(kind);
        let mark = out.open();
        let mut id: Option<Value> = None;
        while let Some(key) = map.next_key_seed(MemberName)? {
            let asked = members.iter().position(|m| *m == key);
            if key == "id" {
                let value: Value = map.next_value()?;
                if let Some(at) = asked {
                    found[at] = Some(value.clone());
                }
                id = Some(value);
                continue;
            }
            if METADATA.contains(&key.as_ref()) {
                match asked {
                    Some(at) => found[at] = Some(map.next_value()?),
                    None => {
                        map.next_value::<Checked>()?;
                    }
                }
                continue;
            }
            let field = fields.iter().find(|f| f.dps == key);
            let whole = match field {
                Some(f) => whole_member(kind, f),
                None => None,
            };
            if asked.is_some() || whole.is_some() {
                // Read as a value: asked for, or rewritten as a whole.
                let value: Value = map.next_value()?;
                if crate::json_bounds::deeper_than(&value, MAX_DEPTH.saturating_sub(out.depth)) {
                    out.decline();
                    continue;
                }
                if let Some(at) = asked {
                    found[at] = Some(value.clone());
                }
                write_value(
                    out,
                    mark,
                    (field, whole),
                    Text::of_name(&key),
                    (fields, reserved),
                    value,
                )?;
                continue;
            }
            member(
                &mut map,
                out,
                mark,
                field,
                (fields, reserved),
                Text::of_name(&key),
            )?;
        }
        out.close(mark);
        if let Some(id) = id {
            // `@id` first, as the `Value` mapping puts it.
            let mut text = Vec::with_capacity(out.buf.len() + 64);
            text.extend_from_slice(br#"{"@id":"#);
            serde_json::to_writer(&mut text, &id).map_err(de::Error::custom)?;
            if out.buf.len() > 2 {
                text.push(b',');
            }
            text.extend_from_slice(&out.buf[1..]);
            out.buf = text;
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.out.decline();
        while seq.next_element::<Checked>()?.is_some() {}
        Ok(())
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        self.out.decline();
        Ok(())
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        self.out.decline();
        Ok(())
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        self.out.decline();
        Ok(())
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        self.out.decline();
        Ok(())
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        self.out.decline();
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.out.decline();
        Ok(())
    }
}

/// The top-level members the mapping rewrites as a whole once mapped.
#[derive(Clone, Copy)]
enum Whole {
    /// An offer's `selectionConstraint`: its implied `profileConstraintType` left out.
    Selection,
    /// A decision's `criteria`: the flat pair when they say no more than it can.
    Criteria,
}

fn whole_member(kind: Kind, field: &Field) -> Option<Whole> {
    match (kind, field.dps) {
        (Kind::Offer | Kind::FallbackOffer, "selectionConstraint") => Some(Whole::Selection),
        (Kind::Activity, "criteria") => Some(Whole::Criteria),
        _ => None,
    }
}

/// A key that may not pass through: the canonical spelling of a table entry, or reserved.
fn is_foreign(fields: &[Field], reserved: &[&str], key: &str) -> bool {
    fields.iter().any(|f| f.canonical == key) || reserved.contains(&key)
}

/// Writes a top-level member read as a `value`, mapped as [`super::from_dps_owned`] maps it.
fn write_value<E: de::Error>(
    out: &mut Out,
    mark: usize,
    (field, whole): (Option<&Field>, Option<Whole>),
    key: Text<'_>,
    (table, reserved): (&[Field], &[&str]),
    value: Value,
) -> Result<(), E> {
    let Some(field) = field else {
        if is_foreign(table, reserved, key.as_str()) {
            out.decline();
        }
        out.name(mark, key)?;
        return out.write(&value);
    };
    let Ok(mut mapped) = map_value(Direction::FromDps, field.shape, value, &At::Root) else {
        out.decline();
        return Ok(());
    };
    match whole {
        Some(Whole::Selection) => drop_implied_profile_constraint(&mut mapped),
        Some(Whole::Criteria) => {
            if let Value::Array(criteria) = &mapped
                && let Some((placement, filter)) = flat_pair(criteria)
            {
                out.name(mark, Text::Plain(FLAT[0]))?;
                out.write(&placement)?;
                out.name(mark, Text::Plain(FLAT[1]))?;
                return out.write(&filter);
            }
        }
        None => {}
    }
    out.name(mark, Text::Plain(field.canonical))?;
    out.write(&mapped)
}

/// Member `key` of the object opened at `mark`, mapped by `field` (its entry in `table`), or
/// passed through when it has none and may.
fn member<'de, A: MapAccess<'de>>(
    map: &mut A,
    out: &mut Out,
    mark: usize,
    field: Option<&Field>,
    (table, reserved): (&[Field], &[&str]),
    key: Text<'_>,
) -> Result<(), A::Error> {
    match field {
        Some(f) => {
            out.name(mark, Text::Plain(f.canonical))?;
            map.next_value_seed(Mapped {
                out,
                shape: f.shape,
            })
        }
        None => {
            if is_foreign(table, reserved, key.as_str()) {
                out.decline();
            }
            out.name(mark, key)?;
            map.next_value_seed(Verbatim(out))
        }
    }
}

/// A value copied as it is.
struct Verbatim<'a>(&'a mut Out);

impl<'de> DeserializeSeed<'de> for Verbatim<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(Mapped {
            out: self.0,
            shape: Shape::Value,
        })
    }
}

/// A value mapped by `shape`; a value of another JSON type than the shape's is copied.
struct Mapped<'a> {
    out: &'a mut Out,
    shape: Shape,
}

impl<'de> DeserializeSeed<'de> for Mapped<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl Mapped<'_> {
    fn string<E: de::Error>(self, v: Text<'_>) -> Result<(), E> {
        let text = v.as_str();
        match self.shape {
            Shape::ComponentType | Shape::ContentComponentType => {
                self.out.write(&component_uri(text))
            }
            Shape::FilterType => self.out.write(&filter_type(Direction::FromDps, text)),
            _ => self.out.text(v),
        }
    }
}

impl<'de> Visitor<'de> for Mapped<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        self.out.write(&v)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.out.write(&v)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.out.write(&v)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        // As a `Value` holds it (`Number::from_f64`): null if not finite, which a read never
        // gives.
        self.out.write(&v)
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<(), E> {
        self.string(Text::Plain(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.string(Text::Any(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.out.buf.extend_from_slice(b"null");
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let Mapped { out, shape } = self;
        let element = match shape {
            Shape::Array(element) => *element,
            Shape::Prefixed => {
                out.decline();
                Shape::Value
            }
            _ => Shape::Value,
        };
        out.enter(b'[');
        let mut first = true;
        loop {
            if !first {
                out.buf.push(b',');
            }
            let seed = Mapped {
                out: &mut *out,
                shape: element,
            };
            if seq.next_element_seed(seed)?.is_none() {
                if !first {
                    // The comma written for an element that did not come.
                    out.buf.pop();
                }
                break;
            }
            first = false;
        }
        out.leave(b']');
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let Mapped { out, shape } = self;
        let fields: &[Field] = match shape {
            Shape::Object(fields) => fields,
            Shape::Prefixed => {
                out.decline();
                &[]
            }
            _ => &[],
        };
        let mark = out.open();
        while let Some(key) = map.next_key_seed(MemberName)? {
            let field = fields.iter().find(|f| f.dps == key);
            member(
                &mut map,
                out,
                mark,
                field,
                (fields, &[]),
                Text::of_name(&key),
            )?;
        }
        out.close(mark);
        Ok(())
    }
}

#[cfg(test)]
mod tests;
