//! Pulling into an environment's overlay: drift of an object the base defines is written as
//! a `patch:` of that object in the environment's overlay (editing the overlay's value in place
//! where it already patches the object), so the base every other environment shares is left
//! byte for byte.

use std::collections::HashMap;

use crate::manifest::emit::{self, Node};
use crate::source::{FileId, Loc, SourceSet};
use crate::yaml::{self, Resolved, Value};

use super::edit::{self, Edit};

/// Where an environment's pull may write, and how its manifests are read back.
pub struct Overlaying<'a> {
    /// The environment's overlay files (including the empty ones [`Overlaying::patch_file`]
    /// names, for new patches).
    pub overlays: &'a [FileId],
    /// The overlay documents that patch each base document.
    pub patched_by: &'a HashMap<Loc, Vec<Loc>>,
    /// The overlay file new patches of objects of a base file go to.
    pub patch_file: &'a dyn Fn(FileId) -> FileId,
    /// The environment's manifests read from rewritten files, as `plan` reads them.
    pub check: &'a dyn Fn(&SourceSet) -> crate::check::Checked,
    /// Write drift of base objects into the base itself (`pull --into base`).
    pub into_base: bool,
}

impl Overlaying<'_> {
    pub fn is_overlay(&self, file: FileId) -> bool {
        self.overlays.contains(&file)
    }

    /// Whether drift of an object written in `file` goes into an overlay patch.
    pub fn patches(&self, file: FileId) -> bool {
        !self.into_base && !self.is_overlay(file)
    }
}

/// A YAML node as the canonical writer's node, in source order.
pub fn from_yaml(node: &yaml::Node) -> Node {
    match &node.value {
        Value::Scalar(scalar) => match scalar.resolve() {
            Resolved::Str(text) => Node::str(text),
            _ => Node::Raw(scalar.text.clone()),
        },
        Value::Seq(items) => Node::Seq(items.iter().map(from_yaml).collect()),
        Value::Map(entries) => Node::Map(
            entries
                .iter()
                .map(|e| (e.key.clone(), from_yaml(&e.value)))
                .collect(),
        ),
    }
}

/// What to merge into `old` to get `new`: changed keys (mappings recursively), `null` for
/// removed ones.
pub fn minimal_patch(old: &[(String, Node)], new: &[(String, Node)]) -> Vec<(String, Node)> {
    let mut patch = Vec::new();
    for (key, value) in new {
        match old.iter().find(|(k, _)| k == key) {
            Some((_, before)) if before == value => {}
            Some((_, Node::Map(before))) => match value {
                Node::Map(after) => {
                    patch.push((key.clone(), Node::Map(minimal_patch(before, after))))
                }
                _ => patch.push((key.clone(), value.clone())),
            },
            _ => patch.push((key.clone(), value.clone())),
        }
    }
    for (key, _) in old {
        if !new.iter().any(|(k, _)| k == key) {
            patch.push((key.clone(), Node::Raw("null".into())));
        }
    }
    patch
}

/// `patch` merged into an overlay's existing `patch:` mapping.
fn merged(existing: &[(String, Node)], patch: &[(String, Node)]) -> Vec<(String, Node)> {
    let mut out = existing.to_vec();
    for (key, value) in patch {
        match out.iter_mut().find(|(k, _)| k == key) {
            Some((_, Node::Map(inner))) if matches!(value, Node::Map(_)) => {
                let Node::Map(more) = value else {
                    unreachable!()
                };
                *inner = merged(inner, more);
            }
            Some((_, slot)) => *slot = value.clone(),
            None => out.push((key.clone(), value.clone())),
        }
    }
    out
}

/// The edits writing `patch` for the base object `key` (`kind`, `name`) into the overlay: into
/// its existing patch document when there is one, else appended to `file`.
pub fn edits(
    sources: &SourceSet,
    overlaying: &Overlaying<'_>,
    base: Loc,
    kind: &str,
    name: &str,
    patch: &[(String, Node)],
) -> Result<(FileId, Vec<Edit>), String> {
    let existing = overlaying
        .patched_by
        .get(&base)
        .and_then(|patches| patches.iter().rev().find(|p| overlaying.is_overlay(p.file)));
    if let Some(at) = existing {
        let text = &sources.get(at.file).text;
        let stream = yaml::parse(text);
        let root = stream
            .documents
            .iter()
            .find(|d| d.root.span.start == at.start)
            .map(|d| &d.root)
            .ok_or_else(|| format!("{} cannot be found again", sources.describe(*at)))?;
        let Node::Map(old) = from_yaml(root) else {
            return Err(format!("{} is not a mapping", sources.describe(*at)));
        };
        let mut new = old.clone();
        for (key, value) in new.iter_mut() {
            if key == "patch"
                && let Node::Map(fields) = value
            {
                *fields = merged(fields, patch);
            }
        }
        let edits = edit::document(text, root, &old, &new)?;
        edit::apply(text, &edits)?;
        return Ok((at.file, edits));
    }
    let file = (overlaying.patch_file)(base.file);
    let text = &sources.get(file).text;
    let mut document = String::new();
    if !text.trim().is_empty() {
        if !text.ends_with('\n') {
            document.push('\n');
        }
        document.push_str("---\n");
    }
    document.push_str("# pulled from the repository: this environment's value\n");
    emit::write_map(
        &mut document,
        &[
            ("kind".to_string(), Node::str(kind)),
            ("name".to_string(), Node::str(name)),
            ("patch".to_string(), Node::Map(patch.to_vec())),
        ],
        0,
    );
    Ok((
        file,
        vec![Edit {
            range: text.len()..text.len(),
            text: document,
        }],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_patch_says_only_what_changed() {
        let old = vec![
            ("name".to_string(), Node::str("a")),
            ("priority".to_string(), Node::Raw("1".into())),
            (
                "cap".to_string(),
                Node::Map(vec![
                    ("global".into(), Node::Raw("5".into())),
                    ("profile".into(), Node::Raw("1".into())),
                ]),
            ),
            ("description".to_string(), Node::str("x")),
        ];
        let new = vec![
            ("name".to_string(), Node::str("a")),
            ("priority".to_string(), Node::Raw("2".into())),
            (
                "cap".to_string(),
                Node::Map(vec![
                    ("global".into(), Node::Raw("9".into())),
                    ("profile".into(), Node::Raw("1".into())),
                ]),
            ),
        ];
        assert_eq!(
            minimal_patch(&old, &new),
            vec![
                ("priority".to_string(), Node::Raw("2".into())),
                (
                    "cap".to_string(),
                    Node::Map(vec![("global".into(), Node::Raw("9".into()))])
                ),
                ("description".to_string(), Node::Raw("null".into())),
            ]
        );
    }
}
