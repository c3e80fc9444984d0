//! What the mapping tests share: manifests from text, and the ids they are given.

use crate::check::{Checked, check};
use crate::providers::adobe::kind::Kind;
use crate::providers::adobe::manifest::Manifest;
use crate::source::{SourceFile, SourceSet};

/// Every manifest of `text`, which must be valid.
pub(super) fn manifests(text: &str) -> Vec<Manifest> {
    let checked = checked(text);
    assert!(checked.diagnostics.is_empty(), "{:?}", checked.diagnostics);
    checked
        .catalog
        .objects()
        .iter()
        .map(|o| o.document::<Manifest>().expect("Adobe's").clone())
        .collect()
}

/// Names become `xcore:<type>:<name>`, and back.
pub(super) fn resolve(kind: Kind, reference: &str) -> String {
    if crate::providers::adobe::kind::is_literal_id(reference) {
        return reference.to_string();
    }
    format!(
        "xcore:{}:{}",
        kind.short_name(),
        reference.replace(' ', "-")
    )
}

/// The offline check of one manifest file, `t.yaml`.
pub(super) fn checked(text: &str) -> Checked {
    let mut sources = SourceSet::new();
    sources.add(SourceFile::new("t.yaml", text));
    check(&sources, crate::providers::builtin())
}
