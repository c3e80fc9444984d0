//! The canonical YAML writer: what `offerctl export` writes and `offerctl fmt` rewrites to.
//! Deterministic: the same entries always give the same bytes. Providers say which entries a
//! document has, in which order ([`super::Document::entries`]); this module says how to write them.
//!
//! Scalars are
//! written plain when every YAML reader (1.2 and 1.1 alike) reads them back as the same text,
//! double-quoted otherwise (`on`, `yes`, `null`, `~`, `0755`, `12:30`, `- x`, `a: b`, leading or
//! trailing spaces, control characters...). Multi-line text (and long texts the provider prefers
//! as blocks) is a literal block scalar whose chomping indicator (`|-`, `|`, `|+`) keeps trailing
//! newlines exactly. Short lists of short scalars are written inline (`tags: [a, b]`), others one
//! item per line.

use serde_json::Value;

use super::Document;
use crate::yaml::{Resolved, Scalar};

/// Lines longer than this make lists block-style and long texts block scalars.
const WIDTH: usize = 80;

/// A YAML node to write.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// Text. `prefer_block`: write it as a block scalar when it is long, not only when it has
    /// several lines (for PQL, HTML and descriptions).
    Str {
        text: String,
        prefer_block: bool,
    },
    /// A scalar written as is: numbers, `true`, `false`, `null`.
    Raw(String),
    Seq(Vec<Node>),
    Map(Vec<(String, Node)>),
}

impl Node {
    pub fn str(text: impl Into<String>) -> Node {
        Node::Str {
            text: text.into(),
            prefer_block: false,
        }
    }

    pub fn long_text(text: impl Into<String>) -> Node {
        Node::Str {
            text: text.into(),
            prefer_block: true,
        }
    }

    /// A JSON value, with object members sorted by key.
    pub fn json(value: &Value) -> Node {
        match value {
            Value::Null => Node::Raw("null".into()),
            Value::Bool(b) => Node::Raw(b.to_string()),
            Value::Number(n) => Node::Raw(n.to_string()),
            Value::String(s) => Node::str(s.clone()),
            Value::Array(items) => Node::Seq(items.iter().map(Node::json).collect()),
            Value::Object(map) => {
                let mut entries: Vec<(String, Node)> = map
                    .iter()
                    .map(|(k, v)| (k.clone(), Node::json(v)))
                    .collect();
                entries.sort_by(|a, b| a.0.cmp(&b.0));
                Node::Map(entries)
            }
        }
    }
}

/// The canonical text of several documents, as one YAML stream (`---` between documents).
pub fn documents<'a>(manifests: impl IntoIterator<Item = &'a dyn Document>) -> String {
    let mut out = String::new();
    for (i, manifest) in manifests.into_iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        out.push_str(&document(manifest));
    }
    out
}

/// The canonical text of one document (ends with a newline).
pub fn document(manifest: &dyn Document) -> String {
    let mut out = String::new();
    write_map(&mut out, &manifest.entries(), 0);
    out
}

pub fn write_map(out: &mut String, entries: &[(String, Node)], indent: usize) {
    for (key, value) in entries {
        pad(out, indent);
        out.push_str(&key_text(key));
        out.push(':');
        write_value(out, value, indent, indent + 2);
    }
}

/// Writes a value after `key:` or `- ` (the cursor is on that line). `parent` is the column of
/// the key or dash; nested blocks go to `child`.
fn write_value(out: &mut String, value: &Node, parent: usize, child: usize) {
    match value {
        Node::Str { text, prefer_block } => {
            let long = *prefer_block && parent + text.chars().count() > WIDTH;
            if (text.contains('\n') || long) && block_ok(text) {
                out.push(' ');
                write_block(out, text, child);
            } else {
                out.push(' ');
                out.push_str(&scalar_text(text, false));
                out.push('\n');
            }
        }
        Node::Raw(raw) => {
            out.push(' ');
            out.push_str(raw);
            out.push('\n');
        }
        Node::Seq(items) if items.is_empty() => out.push_str(" []\n"),
        Node::Map(entries) if entries.is_empty() => out.push_str(" {}\n"),
        Node::Seq(items) => match flow_list(items) {
            Some(flow) if parent + flow.len() + 2 <= WIDTH => {
                out.push(' ');
                out.push_str(&flow);
                out.push('\n');
            }
            _ => {
                out.push('\n');
                write_seq(out, items, child);
            }
        },
        Node::Map(entries) => {
            out.push('\n');
            write_map(out, entries, child);
        }
    }
}

/// Writes a block sequence whose dashes are at column `indent`.
pub fn write_seq(out: &mut String, items: &[Node], indent: usize) {
    for item in items {
        pad(out, indent);
        out.push('-');
        match item {
            Node::Map(entries) if !entries.is_empty() => {
                // The first entry shares the dash's line; the others align with it.
                let mut first = String::new();
                write_map(&mut first, &entries[..1], indent + 2);
                out.push(' ');
                out.push_str(&first[indent + 2..]);
                write_map(out, &entries[1..], indent + 2);
            }
            _ => write_value(out, item, indent, indent + 2),
        }
    }
}

/// `[a, b, c]` when every item is a scalar that fits on one line.
pub fn flow_list(items: &[Node]) -> Option<String> {
    let mut parts = Vec::with_capacity(items.len());
    for item in items {
        match item {
            Node::Str { text, .. } if !text.contains('\n') => parts.push(scalar_text(text, true)),
            Node::Raw(raw) => parts.push(raw.clone()),
            _ => return None,
        }
    }
    Some(format!("[{}]", parts.join(", ")))
}

fn pad(out: &mut String, indent: usize) {
    out.extend(std::iter::repeat_n(' ', indent));
}

/// A mapping key: plain when safe, double-quoted otherwise.
fn key_text(key: &str) -> String {
    scalar_text(key, false)
}

/// A one-line scalar: plain when every reader reads it back as this text, double-quoted
/// otherwise. `flow`: inside `[...]`, where `,[]{}` also need quoting.
pub fn scalar_text(text: &str, flow: bool) -> String {
    if plain_ok(text, flow) {
        text.to_string()
    } else if (text.contains('"') || text.contains('\\'))
        && text.chars().all(|c| printable(c) && c != '\t' && c != '\n')
    {
        // Text with quotes or backslashes (JSON, say) reads better single-quoted: only `'` is
        // escaped there, as `''`.
        format!("'{}'", text.replace('\'', "''"))
    } else {
        double_quoted(text)
    }
}

fn plain_ok(text: &str, flow: bool) -> bool {
    let Some(first) = text.chars().next() else {
        return false;
    };
    let resolved = Scalar {
        text: text.to_string(),
        plain: true,
        tag: None,
    };
    if !matches!(resolved.resolve(), Resolved::Str(_)) || special_word(text) || numberish(text) {
        return false;
    }
    if first.is_whitespace() || text.ends_with(char::is_whitespace) {
        return false;
    }
    if "-?:,[]{}#&*!|>'\"%@`".contains(first) {
        return false;
    }
    if text.contains(": ") || text.contains(" #") || text.ends_with(':') {
        return false;
    }
    if flow && !flow_safe(text) {
        return false;
    }
    text.chars().all(|c| printable(c) && c != '\t' && c != '\n')
}

/// Inside `[...]`, plain text is limited to letters, digits, spaces and `._/@+()`, with `-` and
/// `:` only between letters or digits (`fr-CA`, `abc:def:1`): readers disagree about the rest.
fn flow_safe(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    chars.iter().enumerate().all(|(i, c)| match c {
        c if c.is_alphanumeric() => true,
        ' ' | '.' | '_' | '/' | '@' | '+' | '(' | ')' => true,
        '-' | ':' => {
            let before = i.checked_sub(1).and_then(|j| chars.get(j));
            let after = chars.get(i + 1);
            before.is_some_and(|c| c.is_alphanumeric())
                && after.is_some_and(|c| c.is_alphanumeric())
        }
        _ => false,
    })
}

/// Words some YAML reader takes for something other than text (YAML 1.1 booleans and null,
/// infinities, the merge and value keys).
fn special_word(text: &str) -> bool {
    const WORDS: &[&str] = &[
        "y", "n", "yes", "no", "on", "off", "true", "false", "null", "~", ".inf", "+.inf", "-.inf",
        ".nan", "<<", "=",
    ];
    WORDS.contains(&text.to_ascii_lowercase().as_str())
}

/// Numbers as YAML 1.1 reads them too: `0755`, `1_000`, `1e5`, `12:30` (base 60), `0x1f`...
fn numberish(text: &str) -> bool {
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    let mut chars = unsigned.chars();
    let starts_numeric = match chars.next() {
        Some(c) if c.is_ascii_digit() => true,
        Some('.') => chars.next().is_some_and(|c| c.is_ascii_digit()),
        _ => false,
    };
    if !starts_numeric {
        return false;
    }
    let lower = unsigned.to_ascii_lowercase();
    if lower.starts_with("0x") || lower.starts_with("0o") || lower.starts_with("0b") {
        return true;
    }
    // Digits, `_`, `.`, `:` and an exponent, and nothing else.
    let (mantissa, exponent) = match lower.find('e') {
        Some(i) => (&lower[..i], Some(&lower[i + 1..])),
        None => (lower.as_str(), None),
    };
    let mantissa_ok = mantissa
        .chars()
        .all(|c| c.is_ascii_digit() || "_.:".contains(c))
        && mantissa.matches('.').count() <= 1;
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && e.chars().all(|c| c.is_ascii_digit())
    });
    mantissa_ok && exponent_ok
}

/// Characters YAML allows unescaped (c-printable), minus the ones some readers take for line
/// breaks or byte-order marks.
fn printable(c: char) -> bool {
    match c {
        '\t' | '\n' => true,
        '\u{20}'..='\u{7e}' => true,
        '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{feff}' => false,
        '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'.. => true,
        _ => false,
    }
}

pub fn double_quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            c if printable(c) => out.push(c),
            c if (c as u32) <= 0xffff => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push_str(&format!("\\U{:08X}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// Whether `text` can be a literal block scalar that reads back exactly: printable, with at
/// least one visible character, and no line made only of blanks (their meaning depends on the
/// indentation around them).
pub fn block_ok(text: &str) -> bool {
    text.chars().any(|c| !c.is_whitespace())
        && text.chars().all(|c| printable(c) && c != '\r')
        && text
            .split('\n')
            .all(|line| line.is_empty() || !line.chars().all(|c| c == ' ' || c == '\t'))
        && !text.split('\n').any(|line| line.starts_with('\t'))
}

/// A literal block scalar whose lines start at column `indent` (the cursor is after `key:`).
pub fn write_block(out: &mut String, text: &str, indent: usize) {
    let body = text.trim_end_matches('\n');
    let trailing = text.len() - body.len();
    let chomp = match trailing {
        0 => "-",
        1 => "",
        _ => "+",
    };
    // The indentation is guessed from the first non-empty line unless given; give it when that
    // line starts with a space.
    let first = body.split('\n').find(|line| !line.is_empty());
    let indicator = if first.is_some_and(|line| line.starts_with(' ')) {
        "2"
    } else {
        ""
    };
    out.push('|');
    out.push_str(indicator);
    out.push_str(chomp);
    out.push('\n');
    for line in body.split('\n') {
        if !line.is_empty() {
            pad(out, indent);
            out.push_str(line);
        }
        out.push('\n');
    }
    for _ in 1..trailing {
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Emits `text` as the value of a key at `indent` (inside enough structure to be valid) and
    /// reads it back.
    fn round_trip(text: &str, prefer_block: bool) -> (String, String) {
        let node = Node::Str {
            text: text.to_string(),
            prefer_block,
        };
        let doc = vec![
            ("a".to_string(), node.clone()),
            (
                "nested".to_string(),
                Node::Map(vec![
                    ("b".to_string(), node.clone()),
                    (
                        "list".to_string(),
                        Node::Seq(vec![node.clone(), node.clone()]),
                    ),
                    (
                        "maps".to_string(),
                        Node::Seq(vec![Node::Map(vec![
                            ("c".to_string(), node.clone()),
                            ("d".to_string(), node.clone()),
                        ])]),
                    ),
                ]),
            ),
            (text.to_string(), Node::Raw("1".into())),
        ];
        let mut yaml = String::new();
        write_map(&mut yaml, &doc, 0);
        let stream = crate::yaml::parse(&yaml);
        assert_eq!(stream.error, None, "{yaml}");
        let json = stream.documents[0].root.to_json();
        let expected = serde_json::json!({
            "a": text,
            "nested": {"b": text, "list": [text, text], "maps": [{"c": text, "d": text}]},
            text: 1,
        });
        (json.to_string(), expected.to_string())
    }

    #[test]
    fn tricky_scalars_read_back_as_the_same_text() {
        for text in [
            "",
            " ",
            "on",
            "yes",
            "No",
            "null",
            "~",
            "0755",
            "1_000",
            "12:30",
            "1e5",
            ".5",
            "-3",
            "+1",
            "0x1F",
            "true",
            "- item",
            "a: b",
            "a #b",
            "ends:",
            "#x",
            "[x]",
            "{x}",
            "x, y",
            "'q'",
            "\"q\"",
            "%x",
            "@x",
            "`x",
            "!x",
            "&x",
            "*x",
            "|x",
            ">x",
            "?x",
            " lead",
            "trail ",
            "tab\there",
            "line\nbreak",
            "trailing\n",
            "two\n\n",
            "\nleading",
            "  indented\nmore",
            "crème brûlée",
            "\u{85}next",
            "\u{feff}bom",
            "a\rb",
            "\u{7}",
            "2026-01-01T00:00:00Z",
            "abc:tag:124e",
            "https://example.com/a?b=c#d",
            "<<",
            "---",
            "...",
            "a\n  b\n\tc",
            "x\n \ny",
            "emoji 🎉",
        ] {
            for prefer_block in [false, true] {
                let (got, want) = round_trip(text, prefer_block);
                assert_eq!(got, want, "{text:?}");
            }
        }
    }

    #[test]
    fn plain_where_safe_quoted_where_not() {
        assert_eq!(scalar_text("credit card", false), "credit card");
        assert_eq!(
            scalar_text("2026-01-01T00:00:00Z", false),
            "2026-01-01T00:00:00Z"
        );
        assert_eq!(scalar_text("on", false), "\"on\"");
        assert_eq!(scalar_text("0755", false), "\"0755\"");
        assert_eq!(scalar_text("a, b", true), "\"a, b\"");
        assert_eq!(scalar_text("a, b", false), "a, b");
        assert_eq!(
            scalar_text("{\"a\": \"it's\"}", false),
            "'{\"a\": \"it''s\"}'"
        );
    }

    #[test]
    fn block_scalars_keep_trailing_newlines_exactly() {
        let mut out = String::new();
        write_map(
            &mut out,
            &[
                ("a".into(), Node::str("x\ny")),
                ("b".into(), Node::str("x\n")),
                ("c".into(), Node::str("x\n\n")),
                ("d".into(), Node::str("  x\ny")),
            ],
            0,
        );
        assert_eq!(
            out,
            "a: |-\n  x\n  y\nb: |\n  x\nc: |+\n  x\n\nd: |2-\n    x\n  y\n"
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn any_string_reads_back_unchanged(text in "\\PC{0,40}|[ \\t\\n\\r#:,\\-a-z0-9'\"\\[\\]{}|>]{0,30}", prefer_block: bool) {
            let (got, want) = round_trip(&text, prefer_block);
            prop_assert_eq!(got, want);
        }

        #[test]
        fn any_json_reads_back_unchanged(value in json_value()) {
            let mut yaml = String::new();
            write_map(&mut yaml, &[("v".to_string(), Node::json(&value))], 0);
            let stream = crate::yaml::parse(&yaml);
            prop_assert_eq!(&stream.error, &None, "{}", yaml);
            let read = stream.documents[0].root.to_json();
            prop_assert_eq!(&read["v"], &value, "{}", yaml);
        }
    }

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            (-1.0e6f64..1.0e6).prop_map(Value::from),
            "\\PC{0,12}|[ \\n#:'\"a-z0-9-]{0,10}".prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map("[a-z:@~/ ]{1,8}", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }
}
