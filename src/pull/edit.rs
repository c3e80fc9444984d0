//! Rewrites one manifest document in place, as text: given the document's source tree (with
//! spans) and two canonical renderings of it — what the manifest says (`old`) and what it must
//! say (`new`) — only the values that differ are rewritten. Everything else stays byte for
//! byte: comments, key order, blank lines, quoting style, other documents.
//!
//! Scalars are replaced inside their span in the style they were written in (plain, single- or
//! double-quoted, block); a key missing from the source is inserted after its canonical
//! predecessor; lists are aligned item by item (longest common subsequence), so one item added
//! or removed touches only its own lines. Where the source spells a value in a way the
//! canonical rendering does not mirror (a flow mapping, a key the source writes under another
//! name), the document is refused with the reason instead of guessed at.

use std::ops::Range;

use crate::manifest::emit::{self, Node};
use crate::yaml;

/// Replace `range` of the file's text with `text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub range: Range<usize>,
    pub text: String,
}

/// The text with `edits` applied. Fails when two edits overlap (nothing is applied then).
pub fn apply(text: &str, edits: &[Edit]) -> Result<String, String> {
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    // Stable: insertions at one place keep the order they were made in.
    sorted.sort_by_key(|e| (e.range.start, e.range.end));
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for edit in sorted {
        if edit.range.start < at {
            return Err("two rewritten values overlap".into());
        }
        out.push_str(&text[at..edit.range.start]);
        out.push_str(&edit.text);
        at = edit.range.end;
    }
    out.push_str(&text[at..]);
    Ok(out)
}

/// The edits that turn the document at `root` (in `text`) from saying `old` into saying `new`.
pub fn document(
    text: &str,
    root: &yaml::Node,
    old: &[(String, Node)],
    new: &[(String, Node)],
) -> Result<Vec<Edit>, String> {
    let mut editor = Editor {
        text,
        edits: Vec::new(),
    };
    editor.map(root, old, new, "")?;
    // A file written with CRLF line breaks keeps them in what is rewritten.
    if text.contains("\r\n") {
        for edit in &mut editor.edits {
            edit.text = edit.text.replace("\r\n", "\n").replace('\n', "\r\n");
        }
    }
    Ok(editor.edits)
}

/// How a scalar is written in the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    Plain,
    Single,
    Double,
    /// A block scalar; the offset of its `|` or `>` indicator.
    Block(usize),
}

struct Editor<'t> {
    text: &'t str,
    edits: Vec<Edit>,
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn is_scalar(node: &Node) -> bool {
    matches!(node, Node::Str { .. } | Node::Raw(_))
}

impl Editor<'_> {
    fn replace(&mut self, range: Range<usize>, text: String) {
        self.edits.push(Edit { range, text });
    }

    fn line_start(&self, at: usize) -> usize {
        self.text[..at].rfind('\n').map_or(0, |i| i + 1)
    }

    /// The start of the line after the one holding `at` (`at` itself when it starts a line).
    fn next_line(&self, at: usize) -> usize {
        if at > 0 && self.text.as_bytes()[at - 1] == b'\n' {
            return at;
        }
        self.text[at..]
            .find('\n')
            .map_or(self.text.len(), |i| at + i + 1)
    }

    fn column(&self, at: usize) -> usize {
        at - self.line_start(at)
    }

    /// Whether only blanks precede `at` on its line.
    fn starts_line(&self, at: usize) -> bool {
        self.text[self.line_start(at)..at]
            .chars()
            .all(|c| c == ' ' || c == '\t')
    }

    fn is_flow(&self, node: &yaml::Node) -> bool {
        matches!(self.text.as_bytes().get(node.span.start), Some(b'[' | b'{'))
    }

    /// Just after a flow collection's closing bracket (its span may run on to the next token).
    fn flow_end(&self, node: &yaml::Node) -> usize {
        self.text[..node.span.end]
            .rfind([']', '}'])
            .map_or(node.span.end, |at| at + 1)
    }

    fn style(&self, node: &yaml::Node) -> Style {
        match self.text.as_bytes().get(node.span.start) {
            Some(b'"') => return Style::Double,
            Some(b'\'') => return Style::Single,
            _ => {}
        }
        let yaml::Value::Scalar(scalar) = &node.value else {
            return Style::Plain;
        };
        if scalar.plain {
            return Style::Plain;
        }
        // A block scalar's span starts at its content; the indicator ends the line before.
        let header = &self.text[..node.span.start];
        match header.rfind(['|', '>']) {
            Some(at) => Style::Block(at),
            None => Style::Plain,
        }
    }

    /// Where a value's text ends: the end of its last scalar (block scalars: of their last
    /// non-blank line), not the start of what follows, as collection spans say.
    fn value_end(&self, node: &yaml::Node) -> usize {
        if self.is_flow(node) {
            return self.flow_end(node);
        }
        match &node.value {
            yaml::Value::Scalar(_) => match self.style(node) {
                Style::Block(_) => {
                    let content = &self.text[node.span.clone()];
                    node.span.start + content.trim_end().len()
                }
                _ => node.span.end,
            },
            yaml::Value::Map(entries) => entries
                .last()
                .map_or(node.span.end, |e| self.value_end(&e.value)),
            yaml::Value::Seq(items) => items
                .last()
                .map_or(node.span.end, |item| self.value_end(item)),
        }
    }

    fn map(
        &mut self,
        source: &yaml::Node,
        old: &[(String, Node)],
        new: &[(String, Node)],
        path: &str,
    ) -> Result<(), String> {
        let yaml::Value::Map(entries) = &source.value else {
            return Err(format!("`{path}` is not written as a mapping"));
        };
        if self.is_flow(source) {
            return Err(format!(
                "`{path}` is written as a flow mapping ({{...}}); write it in block style to pull into it"
            ));
        }
        for (i, (key, new_value)) in new.iter().enumerate() {
            let old_value = old.iter().find(|(k, _)| k == key).map(|(_, v)| v);
            if old_value == Some(new_value) {
                continue;
            }
            let child = join(path, key);
            match (entries.iter().find(|e| e.key == *key), old_value) {
                (Some(entry), Some(old_value)) => {
                    self.entry(entry, old_value, new_value, &child)?
                }
                (Some(entry), None) => self.replace_entry(entry, new_value),
                (None, Some(_)) => {
                    return Err(format!(
                        "the manifest does not write `{child}` where offerctl would (it spells it differently)"
                    ));
                }
                (None, None) => {
                    // After the nearest canonical predecessor the source has, else at the end.
                    let anchor = new[..i]
                        .iter()
                        .rev()
                        .find_map(|(k, _)| entries.iter().find(|e| e.key == *k))
                        .or(entries.last())
                        .ok_or_else(|| format!("`{path}` is empty"))?;
                    let at = self.next_line(self.value_end(&anchor.value));
                    let indent = self.column(entries[0].key_span.start);
                    let mut out = String::new();
                    emit::write_map(&mut out, &[(key.clone(), new_value.clone())], indent);
                    self.replace(at..at, out);
                }
            }
        }
        for (key, _) in old.iter().filter(|(k, _)| !new.iter().any(|(n, _)| n == k)) {
            match entries.iter().position(|e| e.key == *key) {
                Some(i) => self.delete_entry(entries, i, &join(path, key))?,
                None => {
                    return Err(format!(
                        "the manifest does not write `{}` where offerctl would (it spells it differently)",
                        join(path, key)
                    ));
                }
            }
        }
        Ok(())
    }

    /// A value under a key: recurse into matching collections, rewrite scalars in their style,
    /// rewrite the whole entry otherwise.
    fn entry(
        &mut self,
        entry: &yaml::Entry,
        old: &Node,
        new: &Node,
        path: &str,
    ) -> Result<(), String> {
        match (old, new, &entry.value.value) {
            (Node::Map(o), Node::Map(n), yaml::Value::Map(_)) => self.map(&entry.value, o, n, path),
            (Node::Seq(o), Node::Seq(n), yaml::Value::Seq(_)) => {
                if self.is_flow(&entry.value) && emit::flow_list(n).is_none() {
                    self.replace_entry(entry, new);
                    Ok(())
                } else {
                    self.seq(&entry.value, o, n, path)
                }
            }
            (o, n, yaml::Value::Scalar(_)) if is_scalar(o) && is_scalar(n) => {
                if !self.scalar(&entry.value, n, false) {
                    self.replace_entry(entry, new);
                }
                Ok(())
            }
            _ => {
                self.replace_entry(entry, new);
                Ok(())
            }
        }
    }

    /// An item of a block list, like [`Self::entry`].
    fn item(
        &mut self,
        item: &yaml::Node,
        old: &Node,
        new: &Node,
        flow: bool,
        path: &str,
    ) -> Result<(), String> {
        match (old, new, &item.value) {
            (Node::Map(o), Node::Map(n), yaml::Value::Map(_)) => self.map(item, o, n, path),
            (Node::Seq(o), Node::Seq(n), yaml::Value::Seq(_)) => self.seq(item, o, n, path),
            (o, n, yaml::Value::Scalar(_)) if is_scalar(o) && is_scalar(n) => {
                if self.scalar(item, n, flow) {
                    Ok(())
                } else if flow {
                    Err(format!("`{path}` cannot be written inside a flow list"))
                } else {
                    self.replace_item(item, new);
                    Ok(())
                }
            }
            _ if flow => Err(format!("`{path}` cannot be written inside a flow list")),
            _ => {
                self.replace_item(item, new);
                Ok(())
            }
        }
    }

    fn seq(
        &mut self,
        source: &yaml::Node,
        old: &[Node],
        new: &[Node],
        path: &str,
    ) -> Result<(), String> {
        let yaml::Value::Seq(items) = &source.value else {
            return Err(format!("`{path}` is not written as a list"));
        };
        if items.len() != old.len() {
            return Err(format!(
                "`{path}` has {} items in the manifest file but {} as offerctl reads it",
                items.len(),
                old.len()
            ));
        }
        let flow = self.is_flow(source);
        if flow && old.len() != new.len() {
            // A flow list is short: rewrite it whole, in its own style.
            let text = emit::flow_list(new)
                .ok_or_else(|| format!("`{path}` cannot be written as a flow list"))?;
            self.replace(source.span.start..self.flow_end(source), text);
            return Ok(());
        }
        let render = |nodes: &[Node]| -> Vec<String> {
            nodes
                .iter()
                .map(|n| {
                    let mut out = String::new();
                    emit::write_seq(&mut out, std::slice::from_ref(n), 0);
                    out
                })
                .collect()
        };
        let (old_keys, new_keys) = (render(old), render(new));
        let ops = similar::capture_diff_slices(similar::Algorithm::Myers, &old_keys, &new_keys);
        for op in ops {
            match op {
                similar::DiffOp::Equal { .. } => {}
                similar::DiffOp::Delete {
                    old_index, old_len, ..
                } => {
                    self.delete_items(items, old_index..old_index + old_len, path)?;
                }
                similar::DiffOp::Insert {
                    old_index,
                    new_index,
                    new_len,
                } => self.insert_items(items, old_index, &new[new_index..new_index + new_len]),
                similar::DiffOp::Replace {
                    old_index,
                    old_len,
                    new_index,
                    new_len,
                } => {
                    let paired = old_len.min(new_len);
                    for k in 0..paired {
                        let (i, j) = (old_index + k, new_index + k);
                        self.item(&items[i], &old[i], &new[j], flow, &format!("{path}[{i}]"))?;
                    }
                    self.delete_items(items, old_index + paired..old_index + old_len, path)?;
                    if new_len > paired {
                        let from = new_index + paired;
                        self.insert_items(
                            items,
                            old_index + old_len,
                            &new[from..new_index + new_len],
                        );
                    }
                }
            }
        }
        Ok(())
    }

    /// Rewrites a scalar inside its span, in the style it is written in. False when the new
    /// value cannot be written in that place (several lines where only one fits).
    fn scalar(&mut self, source: &yaml::Node, new: &Node, flow: bool) -> bool {
        let text = match new {
            Node::Raw(raw) => raw.clone(),
            Node::Str { text, .. } => match self.style(source) {
                Style::Block(indicator) => {
                    if !emit::block_ok(text) {
                        return false;
                    }
                    let indent = self.column(source.span.start);
                    let mut out = String::new();
                    emit::write_block(&mut out, text, indent);
                    // From the indicator through the last content line and its line break.
                    let keep = self.text[indicator..source.span.start].contains('+');
                    let end = if keep {
                        source.span.end
                    } else {
                        self.next_line(self.value_end(source))
                    };
                    self.replace(indicator..end, out);
                    return true;
                }
                _ if text.contains('\n') => return false,
                Style::Plain => emit::scalar_text(text, flow),
                Style::Double => emit::double_quoted(text),
                Style::Single => {
                    let quoted = emit::scalar_text(text, flow);
                    if quoted.starts_with('"') {
                        quoted
                    } else {
                        format!("'{}'", text.replace('\'', "''"))
                    }
                }
            },
            _ => return false,
        };
        self.replace(source.span.clone(), text);
        true
    }

    /// Rewrites `key: value` whole (from the key to the value's end), at the key's column.
    fn replace_entry(&mut self, entry: &yaml::Entry, new: &Node) {
        let start = entry.key_span.start;
        let indent = self.column(start);
        let mut out = String::new();
        emit::write_map(&mut out, &[(entry.key.clone(), new.clone())], indent);
        let text = out[indent..].trim_end_matches('\n').to_string();
        let end = self.value_end(&entry.value);
        self.replace(start..end, text);
    }

    /// Rewrites a block list's item whole (after its dash).
    fn replace_item(&mut self, item: &yaml::Node, new: &Node) {
        let dash = self.dash_column(item);
        let mut out = String::new();
        emit::write_seq(&mut out, std::slice::from_ref(new), dash);
        let text = out[dash + 2..].trim_end_matches('\n').to_string();
        let end = self.value_end(item);
        self.replace(item.span.start..end, text);
    }

    fn delete_entry(
        &mut self,
        entries: &[yaml::Entry],
        i: usize,
        path: &str,
    ) -> Result<(), String> {
        let entry = &entries[i];
        let start = entry.key_span.start;
        if self.starts_line(start) {
            let end = self.next_line(self.value_end(&entry.value));
            self.replace(self.line_start(start)..end, String::new());
            return Ok(());
        }
        // The first key of a list item shares the dash's line: the next key moves up to it.
        match entries.get(i + 1) {
            Some(next) => {
                self.replace(start..next.key_span.start, String::new());
                Ok(())
            }
            None => Err(format!("`{path}` is the only key of its list item")),
        }
    }

    fn delete_items(
        &mut self,
        items: &[yaml::Node],
        range: Range<usize>,
        path: &str,
    ) -> Result<(), String> {
        for (i, item) in items[range.clone()].iter().enumerate() {
            self.delete_item(item, &format!("{path}[{}]", range.start + i))?;
        }
        Ok(())
    }

    fn delete_item(&mut self, item: &yaml::Node, path: &str) -> Result<(), String> {
        let line = self.line_start(item.span.start);
        let before = &self.text[line..item.span.start];
        if before.trim() != "-" {
            return Err(format!("`{path}` shares its line with another item"));
        }
        let end = self.next_line(self.value_end(item));
        self.replace(line..end, String::new());
        Ok(())
    }

    /// Inserts block list items before `items[before]` (after the last item when past it).
    fn insert_items(&mut self, items: &[yaml::Node], before: usize, new: &[Node]) {
        let Some(first) = items.first() else {
            return;
        };
        let dash = self.dash_column(first);
        let at = match items.get(before) {
            Some(item) => self.line_start(item.span.start),
            None => self.next_line(self.value_end(&items[items.len() - 1])),
        };
        let mut out = String::new();
        emit::write_seq(&mut out, new, dash);
        self.replace(at..at, out);
    }

    /// The column of the dash introducing a block list item.
    fn dash_column(&self, item: &yaml::Node) -> usize {
        let line = self.line_start(item.span.start);
        match self.text[line..item.span.start].rfind('-') {
            Some(at) => at,
            None => self.column(item.span.start).saturating_sub(2),
        }
    }
}
