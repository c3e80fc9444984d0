//! A YAML 1.2 document tree in which every node keeps its source span.
//!
//! Why not deserialize straight into structs with serde: serde stops at the first error of a
//! document, and its spans vanish inside enums and flattened fields. Validation must report every
//! problem at once, each located, so manifests are first read into this tree and then decoded by
//! hand (see `manifest::decode`).
//!
//! Scalars keep their source text; [`Scalar::resolve`] applies the YAML 1.2 core schema with one
//! deliberate tightening: numbers with leading zeros (`0755`) stay strings, as YAML 1.1 tools
//! would have read them as octal and people rarely mean either.

use std::collections::HashMap;
use std::ops::Range;

use saphyr_parser::{Event, Parser, ScalarStyle, Span};

/// Deepest nesting accepted; deeper input is refused instead of risking the stack.
pub const MAX_DEPTH: usize = 128;
/// Most nodes one file may expand to, counting alias copies (guards against "billion laughs").
pub const MAX_NODES: usize = 4_000_000;
/// Most bytes of text (keys and scalars) one file may expand to, counting alias copies: a few
/// aliases of one long string would otherwise copy it past any memory while staying few nodes.
pub const MAX_EXPANDED_BYTES: usize = 64 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    /// Byte range in the file.
    pub span: Range<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Scalar(Scalar),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: String,
    pub key_span: Range<usize>,
    pub value: Node,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Scalar {
    pub text: String,
    /// Plain (unquoted, not a block scalar): only plain scalars are resolved to non-strings.
    pub plain: bool,
    /// An explicit tag such as `!!str`, as written.
    pub tag: Option<String>,
}

/// What a scalar means under the YAML 1.2 core schema.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Resolved<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(&'a str),
}

impl Scalar {
    pub fn resolve(&self) -> Resolved<'_> {
        match self.tag.as_deref() {
            Some("tag:yaml.org,2002:str") => return Resolved::Str(&self.text),
            Some(_) => {}
            None if !self.plain => return Resolved::Str(&self.text),
            None => {}
        }
        let text = self.text.as_str();
        match text {
            "" | "~" | "null" | "Null" | "NULL" => return Resolved::Null,
            "true" | "True" | "TRUE" => return Resolved::Bool(true),
            "false" | "False" | "FALSE" => return Resolved::Bool(false),
            _ => {}
        }
        if let Some(value) = resolve_int(text) {
            return Resolved::Int(value);
        }
        if let Some(value) = resolve_float(text) {
            return Resolved::Float(value);
        }
        Resolved::Str(text)
    }
}

fn resolve_int(text: &str) -> Option<i64> {
    if let Some(hex) = text.strip_prefix("0x") {
        return i64::from_str_radix(hex, 16).ok();
    }
    if let Some(octal) = text.strip_prefix("0o") {
        return i64::from_str_radix(octal, 8).ok();
    }
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    let decimal = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
    let leading_zero = digits.len() > 1 && digits.starts_with('0');
    if decimal && !leading_zero {
        text.parse().ok()
    } else {
        None
    }
}

fn resolve_float(text: &str) -> Option<f64> {
    // Core schema: [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(i) => (&unsigned[..i], Some(&unsigned[i + 1..])),
        None => (unsigned, None),
    };
    let (whole, fraction) = match mantissa.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (mantissa, None),
    };
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match fraction {
        Some(f) => all_digits(whole) && all_digits(f) && !(whole.is_empty() && f.is_empty()),
        None => !whole.is_empty() && all_digits(whole),
    };
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && all_digits(e)
    });
    // Leading zeros such as `01.5` stay strings, like `0755`.
    let leading_zero = whole.len() > 1 && whole.starts_with('0');
    if mantissa_ok && exponent_ok && !leading_zero {
        text.parse().ok().filter(|v: &f64| v.is_finite())
    } else {
        None
    }
}

/// A problem found while reading YAML: a syntax error, or input beyond the limits.
#[derive(Debug, Clone, PartialEq)]
pub struct YamlError {
    pub message: String,
    pub span: Range<usize>,
}

/// One document of a stream, and the duplicate keys found in its mappings.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub root: Node,
    /// Pairs of (first, repeated) key spans with the key text.
    pub duplicate_keys: Vec<(String, Range<usize>, Range<usize>)>,
    /// Spans of text that several places of the document read: nodes carrying an anchor
    /// (`&a value`) and aliases (`*a`). Rewriting text there changes more than one value.
    pub shared: Vec<Range<usize>>,
}

/// The documents of a YAML stream, in order, and the error that stopped reading, if any.
/// Documents read before a syntax error are kept; empty documents are skipped.
#[derive(Debug, Default)]
pub struct Stream {
    pub documents: Vec<Document>,
    pub error: Option<YamlError>,
}

/// Reads every document of a YAML stream.
pub fn parse(text: &str) -> Stream {
    let mut documents = Vec::new();
    let error = parse_each(text, |document| documents.push(document));
    Stream { documents, error }
}

/// Reads a YAML stream one document at a time, handing each to `each` as soon as it ends (so
/// that only one document's tree exists at once), and returns the error that stopped reading,
/// if any. The same documents as [`parse`], in the same order.
pub fn parse_each(text: &str, each: impl FnMut(Document)) -> Option<YamlError> {
    parse_each_at(text, 0, each)
}

/// [`parse_each`] of a part of a larger text (see [`parts`]) that starts at byte `offset` of
/// it: every span is the larger text's.
fn parse_each_at(text: &str, offset: usize, mut each: impl FnMut(Document)) -> Option<YamlError> {
    let offsets = CharOffsets::new(text);
    let mut builder = Builder::default();
    let shifted = |range: Range<usize>| range.start + offset..range.end + offset;
    for event in Parser::new_from_str(text) {
        let step = match event {
            Ok((event, span)) => builder.on_event(event, shifted(offsets.range(span))),
            Err(error) => {
                let at = offsets.byte(error.marker().index()) + offset;
                Err(YamlError {
                    message: error.info().to_string(),
                    span: at..at,
                })
            }
        };
        match step {
            Ok(Some(document)) => each(document),
            Ok(None) => {}
            Err(error) => return Some(error),
        }
    }
    None
}

/// The size of the parts large files are read in, on several threads ([`parts`]): large
/// enough that a thread is worth starting, small enough that a large file splits.
pub const PART_SIZE: usize = 256 * 1024;

/// `text` cut into parts of about `size` bytes (at least one part) that parse alone into the
/// same documents as the whole: each cut is at the start of a line `---`, which starts a
/// document and which no scalar may contain (YAML 1.2, `c-forbidden`). A text with directives
/// (a line starting with `%`, which applies to the next document) is not cut.
pub fn parts(text: &str, size: usize) -> Vec<Range<usize>> {
    if text.len() <= size || text.lines().any(|line| line.starts_with('%')) {
        return std::iter::once(0..text.len()).collect();
    }
    let mut parts = Vec::new();
    let mut start = 0;
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let marker = line
            .strip_prefix("---")
            .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '\r', '\n']));
        if marker && at - start >= size {
            parts.push(start..at);
            start = at;
        }
        at += line.len();
    }
    parts.push(start..text.len());
    parts
}

/// One file's documents as [`read_files`] made them, and the syntax error that stopped it.
pub struct FileRead<T> {
    pub file: crate::source::FileId,
    pub documents: Vec<T>,
    pub error: Option<YamlError>,
}

/// The files of `sources` that `wanted` says, in order, each document handed to `each` as it
/// is read (so only one tree per thread exists at once). Files larger than `part_size` are
/// read in [`parts`] on every core; a file whose reading stops at a syntax error is read again
/// whole, so that nothing after its first error is read, as when one thread reads it.
pub fn read_files<T: Send>(
    sources: &crate::source::SourceSet,
    wanted: impl Fn(crate::source::FileId) -> bool,
    part_size: usize,
    each: impl Fn(crate::source::FileId, Document) -> T + Sync,
) -> Vec<FileRead<T>> {
    let read = |file, text: &str, offset| {
        let mut documents = Vec::new();
        let error = parse_each_at(text, offset, |document| {
            documents.push(each(file, document))
        });
        (documents, error)
    };
    let parts: Vec<(crate::source::FileId, Range<usize>)> = sources
        .iter()
        .filter(|(file, _)| wanted(*file))
        .flat_map(|(file, source)| {
            parts(&source.text, part_size)
                .into_iter()
                .map(move |range| (file, range))
        })
        .collect();
    let read_parts = crate::parallel::map(parts.len(), 2, |i| {
        let (file, range) = &parts[i];
        read(*file, &sources.get(*file).text[range.clone()], range.start)
    });
    let mut files: Vec<FileRead<T>> = Vec::new();
    for ((documents, error), (file, _)) in read_parts.into_iter().zip(&parts) {
        match files.last_mut() {
            Some(last) if last.file == *file => {
                last.error = last.error.take().or(error);
                last.documents.extend(documents);
            }
            _ => files.push(FileRead {
                file: *file,
                documents,
                error,
            }),
        }
    }
    for file in files.iter_mut().filter(|f| f.error.is_some()) {
        (file.documents, file.error) = read(file.file, &sources.get(file.file).text, 0);
    }
    files
}

/// The parser reports positions in characters; spans here are byte offsets.
enum CharOffsets {
    Ascii(usize),
    Table(Vec<usize>),
}

impl CharOffsets {
    fn new(text: &str) -> Self {
        if text.is_ascii() {
            CharOffsets::Ascii(text.len())
        } else {
            let mut table: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
            table.push(text.len());
            CharOffsets::Table(table)
        }
    }

    fn byte(&self, char_index: usize) -> usize {
        match self {
            CharOffsets::Ascii(len) => char_index.min(*len),
            CharOffsets::Table(table) => table[char_index.min(table.len() - 1)],
        }
    }

    fn range(&self, span: Span) -> Range<usize> {
        self.byte(span.start.index())..self.byte(span.end.index())
    }
}

/// Mappings up to this many entries are checked for repeated keys without a hash map.
const SMALL_MAPPING: usize = 16;

enum Frame {
    Seq {
        start: usize,
        anchor: usize,
        items: Vec<Node>,
    },
    Map {
        start: usize,
        anchor: usize,
        entries: Vec<Entry>,
        key: Option<(String, Range<usize>)>,
    },
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    anchors: HashMap<usize, (Node, Size)>,
    expanded: Size,
    root: Option<Node>,
    duplicate_keys: Vec<(String, Range<usize>, Range<usize>)>,
    shared: Vec<Range<usize>>,
}

impl Builder {
    fn on_event(
        &mut self,
        event: Event<'_>,
        span: Range<usize>,
    ) -> Result<Option<Document>, YamlError> {
        let at = span.clone();
        let error = move |message: String| YamlError {
            message,
            span: at.clone(),
        };
        match event {
            Event::DocumentStart(_) => {
                self.anchors.clear();
                self.root = None;
            }
            Event::DocumentEnd => {
                let duplicate_keys = std::mem::take(&mut self.duplicate_keys);
                let shared = std::mem::take(&mut self.shared);
                let root = self.root.take().filter(|root| !root.is_null());
                return Ok(root.map(|root| Document {
                    root,
                    duplicate_keys,
                    shared,
                }));
            }
            Event::Scalar(text, style, anchor, tag) => {
                let tag = tag.map(|t| format!("{}{}", t.handle, t.suffix));
                let tag = tag.map(|t| match t.strip_prefix("!!") {
                    Some(core) => format!("tag:yaml.org,2002:{core}"),
                    None => t,
                });
                let node = Node {
                    value: Value::Scalar(Scalar {
                        text: text.into_owned(),
                        plain: style == ScalarStyle::Plain,
                        tag,
                    }),
                    span,
                };
                let size = Size::of(&node.value);
                self.count(size).map_err(error)?;
                self.complete(node, anchor, size)?;
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if self.stack.len() >= MAX_DEPTH {
                    return Err(error(format!("nesting deeper than {MAX_DEPTH} levels")));
                }
                let start = span.start;
                self.stack.push(match event {
                    Event::SequenceStart(..) => Frame::Seq {
                        start,
                        anchor,
                        items: Vec::new(),
                    },
                    _ => Frame::Map {
                        start,
                        anchor,
                        entries: Vec::new(),
                        key: None,
                    },
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (value, start, anchor) = match self.stack.pop() {
                    Some(Frame::Seq {
                        start,
                        anchor,
                        items,
                    }) => (Value::Seq(items), start, anchor),
                    Some(Frame::Map {
                        start,
                        anchor,
                        entries,
                        ..
                    }) => {
                        self.find_duplicate_keys(&entries);
                        (Value::Map(entries), start, anchor)
                    }
                    None => return Err(error("unbalanced collection end".into())),
                };
                let size = Size::of(&value);
                self.count(Size { nodes: 1, bytes: 0 }).map_err(error)?;
                let end = span.end.max(start);
                self.complete(
                    Node {
                        value,
                        span: start..end,
                    },
                    anchor,
                    size,
                )?;
            }
            Event::Alias(anchor) => {
                let Some((node, size)) = self.anchors.get(&anchor).cloned() else {
                    return Err(error("alias to an unknown anchor".into()));
                };
                self.count(size).map_err(error)?;
                // The copy points at the alias, so problems inside it are shown where it is used.
                self.shared.push(span.clone());
                let node = Node { span, ..node };
                self.complete(node, 0, size)?;
            }
            Event::StreamStart | Event::StreamEnd | Event::Nothing => {}
        }
        Ok(None)
    }

    /// Adds what one event expands to, refusing the file once it expands past the limits.
    fn count(&mut self, size: Size) -> Result<(), String> {
        self.expanded.nodes = self.expanded.nodes.saturating_add(size.nodes);
        self.expanded.bytes = self.expanded.bytes.saturating_add(size.bytes);
        if self.expanded.nodes > MAX_NODES {
            Err(format!(
                "the file expands to more than {MAX_NODES} YAML nodes (aliases included)"
            ))
        } else if self.expanded.bytes > MAX_EXPANDED_BYTES {
            Err(format!(
                "the file expands to more than {} MiB of text (aliases included)",
                MAX_EXPANDED_BYTES / (1024 * 1024)
            ))
        } else {
            Ok(())
        }
    }

    fn complete(&mut self, node: Node, anchor: usize, size: Size) -> Result<(), YamlError> {
        if anchor != 0 {
            self.shared.push(node.span.clone());
            self.anchors.insert(anchor, (node.clone(), size));
        }
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                Some((key, key_span)) => entries.push(Entry {
                    key,
                    key_span,
                    value: node,
                }),
                None => match node.value {
                    Value::Scalar(scalar) => *key = Some((scalar.text, node.span)),
                    _ => {
                        return Err(YamlError {
                            message: "mapping keys must be plain text, not lists or mappings"
                                .into(),
                            span: node.span,
                        });
                    }
                },
            },
        }
        Ok(())
    }

    /// Each repeated key with the nearest earlier occurrence of it.
    fn find_duplicate_keys(&mut self, entries: &[Entry]) {
        let mut report = |entry: &Entry, first: &Range<usize>| {
            self.duplicate_keys
                .push((entry.key.clone(), first.clone(), entry.key_span.clone()));
        };
        if entries.len() <= SMALL_MAPPING {
            // Most mappings are small: comparing keys beats hashing every one of them.
            for (i, entry) in entries.iter().enumerate() {
                if let Some(first) = entries[..i].iter().rev().find(|e| e.key == entry.key) {
                    report(entry, &first.key_span);
                }
            }
            return;
        }
        let mut seen: HashMap<&str, &Range<usize>> = HashMap::new();
        for entry in entries {
            if let Some(first) = seen.insert(&entry.key, &entry.key_span) {
                report(entry, first);
            }
        }
    }
}

/// What a node expands to: nodes, and bytes of key and scalar text.
#[derive(Debug, Clone, Copy, Default)]
struct Size {
    nodes: usize,
    bytes: usize,
}

impl Size {
    /// Recursion is bounded by [`MAX_DEPTH`].
    fn of(value: &Value) -> Size {
        let mut size = Size { nodes: 1, bytes: 0 };
        let mut add = |inner: Size| {
            size.nodes = size.nodes.saturating_add(inner.nodes);
            size.bytes = size.bytes.saturating_add(inner.bytes);
        };
        match value {
            Value::Scalar(scalar) => add(Size {
                nodes: 0,
                bytes: scalar.text.len(),
            }),
            Value::Seq(items) => items.iter().for_each(|n| add(Size::of(&n.value))),
            Value::Map(entries) => entries.iter().for_each(|e| {
                add(Size {
                    nodes: 0,
                    bytes: e.key.len(),
                });
                add(Size::of(&e.value.value));
            }),
        }
        size
    }
}

impl Node {
    pub fn is_null(&self) -> bool {
        matches!(&self.value, Value::Scalar(s) if s.resolve() == Resolved::Null)
    }

    /// The node as plain JSON (YAML 1.2 resolution; `.inf`/`.nan` stay strings).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Scalar(scalar) => match scalar.resolve() {
                Resolved::Null => J::Null,
                Resolved::Bool(b) => J::Bool(b),
                Resolved::Int(i) => J::from(i),
                Resolved::Float(f) => J::from(f),
                Resolved::Str(s) => J::String(s.to_string()),
            },
            Value::Seq(items) => J::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(entries) => J::Object(
                entries
                    .iter()
                    .map(|e| (e.key.clone(), e.value.to_json()))
                    .collect(),
            ),
        }
    }

    /// A short description of what kind of value this is, for "expected X, found Y" messages.
    pub fn describe(&self) -> &'static str {
        match &self.value {
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
            Value::Scalar(scalar) => match scalar.resolve() {
                Resolved::Null => "nothing (null)",
                Resolved::Bool(_) => "a boolean",
                Resolved::Int(_) => "an integer",
                Resolved::Float(_) => "a number",
                Resolved::Str(_) => "text",
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn one(text: &str) -> serde_json::Value {
        let stream = parse(text);
        assert_eq!(stream.error, None);
        stream.documents[0].root.to_json()
    }

    #[test]
    fn repeated_keys_pair_with_the_nearest_earlier_one_in_small_and_large_mappings() {
        let pairs = |text: &str| {
            let stream = parse(text);
            let keys: Vec<(String, usize, usize)> = stream.documents[0]
                .duplicate_keys
                .iter()
                .map(|(key, first, again)| (key.clone(), first.start, again.start))
                .collect();
            keys
        };
        let small = "a: 1\nb: 2\na: 3\na: 4\n";
        assert_eq!(
            pairs(small),
            [("a".to_string(), 0, 10), ("a".to_string(), 10, 15)]
        );
        // More entries than SMALL_MAPPING: the hash map path gives the same pairs.
        let filler: String = (0..SMALL_MAPPING)
            .map(|i| format!("k{i:02}: x\n"))
            .collect();
        let large = format!("{small}{filler}");
        assert!(large.lines().count() > SMALL_MAPPING);
        assert_eq!(pairs(&large), pairs(small));
    }

    #[test]
    fn yaml_1_2_scalars_do_not_become_booleans_or_octal_numbers() {
        let value = one(
            "[x, on, yes, no, off, 0755, 1_000, 0x1F, 0o17, 1.0, ~, true, 2024-01-01, .inf, '5', -3]",
        );
        assert_eq!(
            value,
            json!([
                "x",
                "on",
                "yes",
                "no",
                "off",
                "0755",
                "1_000",
                31,
                15,
                1.0,
                null,
                true,
                "2024-01-01",
                ".inf",
                "5",
                -3
            ])
        );
    }

    #[test]
    fn spans_are_byte_offsets_even_after_multibyte_text() {
        let text = "name: crème\nkey: value\n";
        let stream = parse(text);
        let Value::Map(entries) = &stream.documents[0].root.value else {
            panic!("expected a mapping")
        };
        assert_eq!(&text[entries[1].key_span.clone()], "key");
        assert_eq!(&text[entries[1].value.span.clone()], "value");
    }

    #[test]
    fn several_documents_and_empty_ones() {
        let stream = parse("a: 1\n---\n---\n# only a comment\n---\nb: 2\n");
        assert_eq!(stream.documents.len(), 2);
    }

    #[test]
    fn duplicate_keys_are_reported_with_both_places() {
        let stream = parse("a: 1\nb: 2\na: 3\n");
        let duplicates = &stream.documents[0].duplicate_keys;
        assert_eq!(duplicates.len(), 1);
        assert_eq!(duplicates[0].0, "a");
        assert_eq!((duplicates[0].1.start, duplicates[0].2.start), (0, 10));
    }

    #[test]
    fn syntax_errors_keep_earlier_documents_and_locate_the_error() {
        let stream = parse("a: 1\n---\nb: [1, 2\nc: 3\n");
        assert_eq!(stream.documents.len(), 1);
        assert!(stream.error.is_some());
    }

    #[test]
    fn alias_bombs_and_deep_nesting_are_refused() {
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for (i, prev) in ('b'..='k').zip('a'..) {
            bomb.push_str(&format!("{i}: &{i} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
        }
        assert!(parse(&bomb).error.unwrap().message.contains("expands"));
        let deep = "[".repeat(MAX_DEPTH + 5);
        assert!(parse(&deep).error.is_some());
    }

    #[test]
    fn aliases_of_a_long_string_are_refused_by_expanded_size() {
        // Issue 26 case 2: a 1 MB string aliased 10×10×10 times is few nodes but 1 GB of text.
        let mut bomb = format!("a: &a \"{}\"\n", "x".repeat(1_000_000));
        for (i, prev) in ('b'..='d').zip('a'..) {
            let items = vec![format!("*{prev}"); 10].join(", ");
            bomb.push_str(&format!("{i}: &{i} [{items}]\n"));
        }
        let error = parse(&bomb).error.expect("refused");
        assert!(error.message.contains("MiB of text"), "{}", error.message);
        assert_eq!(
            &bomb[error.span.clone()],
            "*b",
            "located at the alias that crosses the limit"
        );
    }

    #[test]
    fn explicit_str_tag_keeps_text() {
        assert_eq!(one("a: !!str 123"), json!({"a": "123"}));
    }
}
