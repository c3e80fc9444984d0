//! The files a pull writes: each rewritten object's edits applied to its file, documents of
//! objects gone from the repository removed, documents of new ones appended.

use std::collections::BTreeMap;

use super::edit::{self, Edit};
use super::{Candidate, FileChange};
use crate::source::{FileId, SourceSet};
use crate::yaml;

/// Where a new object's document goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NewTarget {
    /// Appended to a manifest file that exists.
    Existing(FileId),
    /// A file that is not among the manifests (created, or appended to if several go there).
    New(String),
}

/// A new object's document and where it goes.
#[derive(Debug, Clone)]
pub(crate) struct Addition {
    pub address: String,
    pub target: NewTarget,
    pub text: String,
}

/// The changed files, in path order. `removals` are (file, document start) of documents to
/// delete. Rewrites whose edits overlap are not possible here: each object's edits lie inside
/// its own document.
pub(crate) fn files(
    sources: &SourceSet,
    candidates: &[Candidate],
    removals: &[(FileId, usize)],
    additions: &[Addition],
) -> Vec<FileChange> {
    let mut edits: BTreeMap<FileId, Vec<Edit>> = BTreeMap::new();
    for candidate in candidates {
        edits
            .entry(candidate.file)
            .or_default()
            .extend(candidate.edits.iter().cloned());
    }
    for (file, start) in removals {
        let text = &sources.get(*file).text;
        if let Some(range) = document_range(text, *start) {
            edits.entry(*file).or_default().push(Edit {
                range,
                text: String::new(),
            });
        }
    }
    let mut appended: BTreeMap<FileId, Vec<&str>> = BTreeMap::new();
    let mut created: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for addition in additions {
        match &addition.target {
            NewTarget::Existing(file) => {
                edits.entry(*file).or_default();
                appended.entry(*file).or_default().push(&addition.text);
            }
            NewTarget::New(path) => created.entry(path).or_default().push(&addition.text),
        }
    }

    let mut changes = Vec::new();
    for (file, file_edits) in edits {
        let source = sources.get(file);
        let Ok(mut text) = edit::apply(&source.text, &file_edits) else {
            continue;
        };
        for document in appended.get(&file).into_iter().flatten() {
            append_document(&mut text, document);
        }
        if text == *source.text {
            continue;
        }
        let removed_all = removals.iter().any(|(f, _)| *f == file)
            && yaml::parse(&text).documents.is_empty()
            && !appended.contains_key(&file);
        changes.push(FileChange {
            path: source.path.clone(),
            before: Some(source.text.to_string()),
            after: (!removed_all).then_some(text),
        });
    }
    for (path, documents) in created {
        let mut text = String::new();
        for document in documents {
            append_document(&mut text, document);
        }
        changes.push(FileChange {
            path: path.to_string(),
            before: None,
            after: Some(text),
        });
    }
    changes.sort_by(|a, b| a.path.cmp(&b.path));
    changes
}

fn append_document(text: &mut String, document: &str) {
    if !text.trim().is_empty() {
        if !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str("---\n");
    }
    text.push_str(document);
}

/// The text of the document whose content starts at `start`, with one `---` separator next
/// to it, so that removing it leaves the other documents as they were. A first document keeps
/// the comments heading the file.
fn document_range(text: &str, start: usize) -> Option<std::ops::Range<usize>> {
    let mut markers = Vec::new();
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        if line.starts_with("---") {
            markers.push(at..at + line.len());
        }
        at += line.len();
    }
    let before = markers.iter().rev().find(|m| m.end <= start).cloned();
    let after = markers.iter().find(|m| m.start >= start).cloned();
    match (before, after) {
        // Between two markers: the document and the marker after it.
        (Some(before), Some(after)) => Some(before.end..after.end),
        // The last document: the marker before it and everything to the end.
        (Some(before), None) => Some(before.start..text.len()),
        // The first document: from its first line (the file's heading comments stay).
        (None, Some(after)) => {
            let line = text[..start].rfind('\n').map_or(0, |i| i + 1);
            Some(line..after.end)
        }
        (None, None) => {
            let line = text[..start].rfind('\n').map_or(0, |i| i + 1);
            Some(line..text.len())
        }
    }
}
