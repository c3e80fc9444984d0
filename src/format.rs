//! `offerctl fmt`, the pure part: the text of one manifest file → its canonical text (the form
//! `offerctl export` writes, see [`crate::manifest::emit`]), keeping its comments.
//!
//! The YAML reader does not keep comments, so they are found in the text (a `#` that starts a
//! line or follows a blank, outside every scalar) and attached to the document's top-level
//! fields. Comments before a document and between fields stay where they are; a comment at the
//! end of a one-line field stays at its end. Comments nested inside a field's value (inside a
//! representation, say) move up to just above that field, since the canonical form rebuilds
//! the value: they are moved, never dropped.

use std::collections::HashMap;
use std::ops::Range;

use crate::manifest::Document;
use crate::manifest::emit::{Node, write_map};
use crate::yaml::{self, Value};

/// The canonical text of a file whose documents decode to `manifests` (in order), with the
/// file's comments kept. `None` when the text does not hold exactly those documents.
pub fn format(text: &str, manifests: &[&dyn Document]) -> Option<String> {
    let stream = yaml::parse(text);
    if stream.error.is_some() || stream.documents.len() != manifests.len() {
        return None;
    }
    let mut scalars: Vec<Range<usize>> = Vec::new();
    let mut docs: Vec<DocShape> = Vec::new();
    for document in &stream.documents {
        let mut entries = Vec::new();
        if let Value::Map(map) = &document.root.value {
            for entry in map {
                let mut spans = vec![entry.key_span.clone()];
                scalar_spans(&entry.value, &mut spans);
                let end = spans
                    .iter()
                    .map(|s| s.end)
                    .max()
                    .unwrap_or(entry.key_span.end);
                entries.push((entry.key.clone(), entry.key_span.start, end));
                scalars.extend(spans);
            }
        }
        let start = entries.first().map_or(document.root.span.start, |e| e.1);
        let end = entries.last().map_or(document.root.span.end, |e| e.2);
        docs.push(DocShape {
            start,
            end,
            entries,
        });
    }
    scalars.sort_by_key(|s| s.start);
    let separators: Vec<usize> = line_starts(text)
        .filter(|&(_, line)| line.starts_with("---"))
        .map(|(at, _)| at)
        .collect();

    let mut comments: Vec<DocComments> = (0..docs.len()).map(|_| DocComments::default()).collect();
    for comment in find_comments(text, &scalars) {
        assign(comment, &docs, &separators, &mut comments);
    }

    let mut out = String::new();
    for (i, (manifest, mut comments)) in manifests.iter().zip(comments).enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        push_lines(&mut out, &comments.header);
        let entries = manifest.entries();
        for (key, node) in &entries {
            let leading = comments.leading.remove(key).unwrap_or_default();
            let trailing = comments.trailing.remove(key).unwrap_or_default();
            let mut rendered = String::new();
            write_map(&mut rendered, &[(key.clone(), node.clone())], 0);
            push_lines(&mut out, &leading);
            if !trailing.is_empty() && rendered.matches('\n').count() == 1 && !is_block(node) {
                out.push_str(rendered.trim_end_matches('\n'));
                out.push_str("  ");
                let texts: Vec<&str> = trailing.iter().map(|(_, t)| t.as_str()).collect();
                out.push_str(&texts.join(" "));
                out.push('\n');
            } else {
                push_lines(&mut out, &trailing);
                out.push_str(&rendered);
            }
        }
        // Comments of fields the canonical form leaves out (`protect: false`...), in order.
        let mut orphans: Vec<(usize, String)> = comments
            .leading
            .into_values()
            .chain(comments.trailing.into_values())
            .flatten()
            .collect();
        orphans.sort();
        push_lines(&mut out, &orphans);
        push_lines(&mut out, &comments.trailer);
    }
    Some(out)
}

fn is_block(node: &Node) -> bool {
    matches!(node, Node::Str { text, .. } if text.contains('\n'))
}

/// Where one document's content lies: from its first key to the end of its last scalar, and
/// each top-level entry as (key, key start, end of its last scalar).
struct DocShape {
    start: usize,
    end: usize,
    entries: Vec<(String, usize, usize)>,
}

/// Comments attached to one document, each with its offset (for ordering) and text.
#[derive(Default)]
struct DocComments {
    header: Vec<(usize, String)>,
    leading: HashMap<String, Vec<(usize, String)>>,
    trailing: HashMap<String, Vec<(usize, String)>>,
    trailer: Vec<(usize, String)>,
}

struct Comment {
    at: usize,
    text: String,
    /// Nothing but blanks (or a `---` marker) before it on its line.
    full_line: bool,
    line_start: usize,
}

fn push_lines(out: &mut String, lines: &[(usize, String)]) {
    for (_, line) in lines {
        out.push_str(line);
        out.push('\n');
    }
}

fn scalar_spans(node: &yaml::Node, out: &mut Vec<Range<usize>>) {
    match &node.value {
        Value::Scalar(_) => out.push(node.span.clone()),
        Value::Seq(items) => items.iter().for_each(|item| scalar_spans(item, out)),
        Value::Map(entries) => {
            for entry in entries {
                out.push(entry.key_span.clone());
                scalar_spans(&entry.value, out);
            }
        }
    }
}

/// Each line with the offset it starts at.
fn line_starts(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut at = 0;
    text.split_inclusive('\n').map(move |line| {
        let start = at;
        at += line.len();
        (start, line.trim_end_matches(['\n', '\r']))
    })
}

fn find_comments(text: &str, scalars: &[Range<usize>]) -> Vec<Comment> {
    let inside = |at: usize| {
        let i = scalars.partition_point(|s| s.start <= at);
        scalars[..i].iter().rev().take(64).any(|s| s.contains(&at))
    };
    let mut out = Vec::new();
    for (line_start, line) in line_starts(text) {
        let bytes = line.as_bytes();
        for (i, &b) in bytes.iter().enumerate() {
            let starts = b == b'#' && (i == 0 || bytes[i - 1] == b' ' || bytes[i - 1] == b'\t');
            if starts && !inside(line_start + i) {
                let before = line[..i].trim();
                out.push(Comment {
                    at: line_start + i,
                    text: line[i..].trim_end().to_string(),
                    full_line: before.is_empty() || before == "---",
                    line_start,
                });
                break;
            }
        }
    }
    out
}

fn assign(comment: Comment, docs: &[DocShape], separators: &[usize], out: &mut [DocComments]) {
    let item = (comment.at, comment.text);
    let Some(d) = docs.iter().position(|doc| comment.at <= doc.end) else {
        if let Some(last) = out.last_mut() {
            last.trailer.push(item);
        }
        return;
    };
    let doc = &docs[d];
    if comment.at < doc.start {
        // Before this document's content: after the previous document's separator it belongs
        // to this document, before it to the previous one.
        let previous_end = d.checked_sub(1).map_or(0, |p| docs[p].end);
        let before_separator = separators.iter().any(|&s| {
            s > previous_end && s >= comment.line_start && s < doc.start && s > comment.at
        });
        if d > 0 && before_separator {
            out[d - 1].trailer.push(item);
        } else {
            out[d].header.push(item);
        }
        return;
    }
    let j = doc
        .entries
        .iter()
        .rposition(|(_, start, _)| *start <= comment.at)
        .unwrap_or(0);
    let (key, key_start, end) = &doc.entries[j];
    let comments = &mut out[d];
    let key_line = comment.line_start <= *key_start;
    if !comment.full_line && key_line {
        comments.trailing.entry(key.clone()).or_default().push(item);
    } else if comment.at < *end || !comment.full_line {
        comments.leading.entry(key.clone()).or_default().push(item);
    } else {
        match doc.entries.get(j + 1) {
            Some((next, _, _)) => comments.leading.entry(next.clone()).or_default().push(item),
            None => comments.trailer.push(item),
        }
    }
}
