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
    let segments: Vec<String> = rest
        .split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect();
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
                match shape {
                    Shape::Object(fields) => {
                        match fields.iter().find(|f| f.canonical == segment.as_str()) {
                            Some(f) => {
                                out.push(f.dps.to_string());
                                shape = f.shape;
                            }
                            None => {
                                out.push(segment.clone());
                                shape = Shape::Value;
                            }
                        }
                    }
                    Shape::Array(element) => {
                        out.push(segment.clone());
                        shape = *element;
                    }
                    Shape::Prefixed => out.push(
                        segment
                            .strip_prefix("xdm:")
                            .unwrap_or(segment.as_str())
                            .to_string(),
                    ),
                    _ => out.push(segment.clone()),
                }
            }
            if segments.is_empty() {
                return String::new();
            }
        }
    }
    out.iter()
        .map(|s| format!("/{}", s.replace('~', "~0").replace('/', "~1")))
        .collect()
}

/// The canonical spelling of a pointer into a DPS document (`/rank/priority` →
/// `/xdm:rank/xdm:priority`, `/id` → `/@id`), without the `/_instance` prefix. Segments the
/// tables do not know are kept as they are; `criteria` maps to `xdm:criteria` (the flat form has
/// no counterpart path).
pub fn canonical_pointer(kind: Kind, pointer: &str) -> String {
    if pointer.is_empty() {
        return String::new();
    }
    let segments: Vec<String> = pointer
        .split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect();
    let mut out: Vec<String> = Vec::new();
    let mut shape = Shape::Object(table(kind));
    for (i, segment) in segments.iter().enumerate() {
        if i == 0 && segment == "id" {
            out.push("@id".into());
            shape = Shape::Value;
            continue;
        }
        match shape {
            Shape::Object(fields) => match fields.iter().find(|f| f.dps == segment.as_str()) {
                Some(f) => {
                    out.push(f.canonical.to_string());
                    shape = f.shape;
                }
                None => {
                    out.push(segment.clone());
                    shape = Shape::Value;
                }
            },
            Shape::Array(element) => {
                out.push(segment.clone());
                shape = *element;
            }
            Shape::Prefixed if segment.parse::<usize>().is_err() => {
                out.push(format!("xdm:{segment}"));
            }
            _ => out.push(segment.clone()),
        }
    }
    out.iter()
        .map(|s| format!("/{}", s.replace('~', "~0").replace('/', "~1")))
        .collect()
}
