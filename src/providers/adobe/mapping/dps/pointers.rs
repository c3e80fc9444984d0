//! Pointers between the two spellings of a document, for error messages and patches.

use super::{Shape, table};
use crate::providers::adobe::kind::Kind;

/// The DPS spelling of a pointer into a canonical document (`/_instance/xdm:rank/xdm:priority`
/// or `/xdm:rank/xdm:priority` → `/rank/priority`), for error messages. Segments the tables do
/// not know are kept as they are.
pub fn dps_pointer(kind: Kind, pointer: &str) -> String {
    let rest = pointer.strip_prefix("/_instance").unwrap_or(pointer);
    if rest.is_empty() {
        return String::new();
    }
    let segments = decoded(rest);
    let mut out: Vec<String> = Vec::new();
    match segments.first().map(String::as_str) {
        Some("@id") => out.push("id".into()),
        Some("xdm:placement") if kind == Kind::Activity => {
            out.extend(["criteria", "0", "placements", "0"].map(String::from));
        }
        Some("xdm:filter") if kind == Kind::Activity => {
            out.extend(["criteria", "0", "optionSelection", "filter"].map(String::from));
        }
        _ => {
            let mut shape = Shape::Object(table(kind));
            for segment in &segments {
                let (spelt, below) = step(shape, segment, Spelling::Dps);
                out.push(spelt);
                shape = below;
            }
            if segments.is_empty() {
                return String::new();
            }
        }
    }
    encoded(&out)
}

/// The canonical spelling of a pointer into a DPS document (`/rank/priority` →
/// `/xdm:rank/xdm:priority`, `/id` → `/@id`), without the `/_instance` prefix. Segments the
/// tables do not know are kept as they are; `criteria` maps to `xdm:criteria` (the flat form has
/// no counterpart path).
pub fn canonical_pointer(kind: Kind, pointer: &str) -> String {
    if pointer.is_empty() {
        return String::new();
    }
    let segments = decoded(pointer);
    let mut out: Vec<String> = Vec::new();
    let mut shape = Shape::Object(table(kind));
    for (i, segment) in segments.iter().enumerate() {
        if i == 0 && segment == "id" {
            out.push("@id".into());
            shape = Shape::Value;
            continue;
        }
        let (spelt, below) = step(shape, segment, Spelling::Canonical);
        out.push(spelt);
        shape = below;
    }
    encoded(&out)
}

/// The segments of a JSON pointer, unescaped.
fn decoded(pointer: &str) -> Vec<String> {
    pointer
        .split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect()
}

/// The JSON pointer of `segments`, escaped.
fn encoded(segments: &[String]) -> String {
    segments
        .iter()
        .map(|s| format!("/{}", s.replace('~', "~0").replace('/', "~1")))
        .collect()
}

/// The spelling a pointer is translated into.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Spelling {
    Dps,
    Canonical,
}

/// One segment under `shape` in the other spelling (`to`), with the shape below it. Segments
/// the tables do not know are kept as they are.
fn step(shape: Shape, segment: &str, to: Spelling) -> (String, Shape) {
    match shape {
        Shape::Object(fields) => {
            // (this spelling, the other)
            let spellings = |f: &super::Field| match to {
                Spelling::Dps => (f.canonical, f.dps),
                Spelling::Canonical => (f.dps, f.canonical),
            };
            match fields.iter().find(|f| spellings(f).0 == segment) {
                Some(f) => (spellings(f).1.to_string(), f.shape),
                None => (segment.to_string(), Shape::Value),
            }
        }
        Shape::Array(element) => (segment.to_string(), *element),
        Shape::Prefixed if to == Spelling::Dps => (
            segment.strip_prefix("xdm:").unwrap_or(segment).to_string(),
            shape,
        ),
        Shape::Prefixed if segment.parse::<usize>().is_err() => (format!("xdm:{segment}"), shape),
        other => (segment.to_string(), other),
    }
}
