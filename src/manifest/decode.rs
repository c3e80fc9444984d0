//! Decoding YAML documents into objects, the provider-neutral part: the fields every document
//! has (`kind`, `name`, `id`, `protect`, `dependsOn`, `ignoreChanges`, `extra`), and the
//! toolkit providers decode their own fields with (typed scalars, lists, mappings, unknown
//! fields with suggestions), every problem located. Problems that need other documents
//! (references, duplicates) are `validate`'s job.

use std::ops::Range;

use super::Language;
use super::model::*;
use crate::diagnostic::{Diagnostic, suggest};
use crate::kind::Kind;
use crate::source::{FileId, Loc};
use crate::yaml::{Document, Entry, Node, Resolved, Value};

/// Decodes the documents of one file, appending problems to `diagnostics`.
pub struct Decoder<'d> {
    file: FileId,
    diagnostics: &'d mut Vec<Diagnostic>,
}

impl<'d> Decoder<'d> {
    pub fn new(file: FileId, diagnostics: &'d mut Vec<Diagnostic>) -> Self {
        Decoder { file, diagnostics }
    }

    pub fn loc(&self, span: &Range<usize>) -> Loc {
        Loc::of_span(self.file, span)
    }

    pub fn report(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    /// How many problems have been reported so far: a field whose decoding reported none
    /// was read as written.
    pub fn reported(&self) -> usize {
        self.diagnostics.len()
    }

    pub fn error_at(
        &mut self,
        span: &Range<usize>,
        code: &'static str,
        message: String,
        label: &str,
    ) {
        let loc = self.loc(span);
        self.report(Diagnostic::error(code, message).with_label(loc, label));
    }

    /// Decodes one document with the provider that owns its kind; `None` when it is too broken
    /// to name an object.
    pub fn document(&mut self, document: &Document, language: &dyn Language) -> Option<Object> {
        for (key, first, again) in &document.duplicate_keys {
            let (first, again) = (self.loc(first), self.loc(again));
            self.report(
                Diagnostic::error("duplicate-key", format!("`{key}` is given twice"))
                    .with_label(again, "repeated here")
                    .with_label(first, "first given here")
                    .with_help("YAML keeps only one of them; remove the other"),
            );
        }
        let root = &document.root;
        let Value::Map(entries) = &root.value else {
            let found = root.describe();
            self.error_at(
                &root.span,
                "not-a-manifest",
                format!("a manifest must be a mapping with `kind` and `name`, found {found}"),
                "expected `kind: ...` and `name: ...`",
            );
            return None;
        };
        let mut fields = Fields::new(entries, &root.span);
        let kind = self.kind(&mut fields, language)?;
        let meta = self.meta(&mut fields, kind, language);
        let manifest = language.decode(kind, self, &mut fields, meta);
        fields.finish(self, kind.as_str());
        let manifest = manifest?;
        language.check_decoded(manifest.as_ref(), self);
        Some(Object {
            manifest: manifest.into(),
            loc: self.loc(&root.span),
            disambiguated: false,
        })
    }

    fn kind(&mut self, fields: &mut Fields<'_>, language: &dyn Language) -> Option<Kind> {
        let node = fields.required(self, "kind", "a manifest")?;
        let text = self.text(node, "kind")?;
        let kinds = language.kinds();
        if let Some(kind) = kinds.iter().find(|k| k.as_str() == text.value) {
            return Some(*kind);
        }
        let names: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
        let mut diagnostic =
            Diagnostic::error("unknown-kind", format!("unknown kind `{}`", text.value))
                .with_label(text.loc, "not a kind offerctl knows");
        diagnostic = match suggest(&text.value, names.iter().copied()) {
            Some(best) => diagnostic.with_help(format!("did you mean `{best}`?")),
            None => diagnostic.with_help(format!("kinds are: {}", names.join(", "))),
        };
        self.report(diagnostic);
        None
    }

    fn meta(
        &mut self,
        fields: &mut Fields<'_>,
        kind: Kind,
        language: &dyn Language,
    ) -> Option<Meta> {
        let name = fields
            .required(self, "name", kind.as_str())
            .and_then(|node| self.non_empty_text(node, "name"))
            .filter(|name| self.printable_name(name));
        let id = fields
            .get("id")
            .and_then(|node| self.text(node, "id"))
            .filter(|id| language.check_pinned_id(kind, id, self));
        let protect = fields
            .get("protect")
            .and_then(|node| self.boolean(node, "protect"))
            .unwrap_or(false);
        let depends_on = fields
            .get("dependsOn")
            .map(|node| self.depends_on(node))
            .unwrap_or_default();
        let ignore_changes = fields
            .get("ignoreChanges")
            .map(|node| self.ignore_changes(node, kind, language))
            .unwrap_or_default();
        let extra = self.extra(fields);
        Some(Meta {
            name: name?,
            id,
            protect,
            depends_on,
            ignore_changes,
            extra,
        })
    }

    /// `extra`: repository properties kept verbatim, as JSON. Whether a key clashes with a
    /// modelled field is checked once the whole manifest is decoded.
    pub fn extra(&mut self, fields: &mut Fields<'_>) -> Extra {
        let mut out = Extra::new();
        let Some(node) = fields.get("extra") else {
            return out;
        };
        let Value::Map(entries) = &node.value else {
            self.expected(
                node,
                "extra",
                "a mapping of repository properties to values",
            );
            return out;
        };
        for entry in entries {
            let loc = self.loc(&entry.key_span);
            if entry.key.is_empty() || entry.key == "@id" {
                self.report(
                    Diagnostic::error(
                        "bad-extra",
                        format!("`extra` cannot set `{}`", entry.key),
                    )
                    .with_label(loc, "not a property offerctl can set")
                    .with_help("`@id` is assigned by the repository; pin the object with `id:` instead"),
                );
                continue;
            }
            out.insert(
                entry.key.clone(),
                Spanned {
                    value: entry.value.to_json(),
                    loc,
                },
            );
        }
        out
    }

    fn ignore_changes(
        &mut self,
        node: &Node,
        kind: Kind,
        language: &dyn Language,
    ) -> Vec<Spanned<String>> {
        let fields = language.ignorable_fields(kind);
        let mut out = Vec::new();
        for item in self.list(node, "ignoreChanges") {
            let Some(field) = self.text(item, "ignoreChanges") else {
                continue;
            };
            if fields.contains(&field.value.as_str()) {
                out.push(field);
                continue;
            }
            let mut diagnostic = Diagnostic::error(
                "unknown-field",
                format!(
                    "`ignoreChanges` names `{}`, which is not a field of {kind}",
                    field.value
                ),
            )
            .with_label(field.loc, "not a field of this kind");
            diagnostic = match suggest(&field.value, fields.iter().copied()) {
                Some(best) => diagnostic.with_help(format!("did you mean `{best}`?")),
                None => diagnostic.with_help(format!(
                    "{kind} fields that can be ignored: {}",
                    fields.join(", ")
                )),
            };
            self.report(diagnostic);
        }
        out
    }

    fn depends_on(&mut self, node: &Node) -> Vec<Spanned<String>> {
        let mut out = Vec::new();
        for item in self.list(node, "dependsOn") {
            let Some(entry) = self.text(item, "dependsOn") else {
                continue;
            };
            let kind_ok = entry
                .value
                .split_once('/')
                .is_some_and(|(kind, name)| kind.parse::<Kind>().is_ok() && !name.is_empty());
            if kind_ok {
                out.push(entry);
            } else {
                self.report(
                    Diagnostic::error(
                        "bad-dependency",
                        format!("`{}` does not name an object", entry.value),
                    )
                    .with_label(entry.loc, "expected `Kind/name`")
                    .with_help("write the kind and the name, such as `<Kind>/<name>`"),
                );
            }
        }
        out
    }

    pub fn references(&mut self, f: &mut Fields<'_>, field: &'static str) -> Vec<Reference> {
        let Some(node) = f.get(field) else {
            return Vec::new();
        };
        let items = self.list(node, field);
        // Sized up front: a growing vector keeps spare capacity for the life of the catalog.
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            out.extend(self.non_empty_text(item, field));
        }
        out
    }

    pub fn mapping<'n>(&mut self, node: &'n Node, what: &str) -> Option<Fields<'n>> {
        match &node.value {
            Value::Map(entries) => Some(Fields::new(entries, &node.span)),
            _ => {
                self.expected(node, what, "a mapping");
                None
            }
        }
    }

    pub fn list<'n>(&mut self, node: &'n Node, field: &str) -> &'n [Node] {
        match &node.value {
            Value::Seq(items) => items,
            _ => {
                self.expected(node, field, "a list");
                &[]
            }
        }
    }

    pub fn texts(&mut self, node: &Node, field: &str) -> Vec<Spanned<String>> {
        let items = self.list(node, field);
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            out.extend(self.text(item, field));
        }
        out
    }

    pub fn choice<T: Copy>(
        &mut self,
        node: &Node,
        field: &str,
        options: &[(&'static str, T)],
    ) -> Option<Spanned<T>> {
        let text = self.text(node, field)?;
        if let Some((_, value)) = options.iter().find(|(name, _)| *name == text.value) {
            return Some(Spanned {
                value: *value,
                loc: text.loc,
            });
        }
        let names: Vec<&str> = options.iter().map(|(name, _)| *name).collect();
        let mut diagnostic = Diagnostic::error(
            "bad-value",
            format!("`{}` is not a valid {field}", text.value),
        )
        .with_label(text.loc, format!("expected {}", one_of(&names)));
        if let Some(best) = suggest(&text.value, names.iter().copied()) {
            diagnostic = diagnostic.with_help(format!("did you mean `{best}`?"));
        }
        self.report(diagnostic);
        None
    }

    pub fn non_empty_text(&mut self, node: &Node, field: &str) -> Option<Spanned<String>> {
        let text = self.text(node, field)?;
        if text.value.trim().is_empty() {
            self.expected(node, field, "non-empty text");
            return None;
        }
        Some(text)
    }

    /// Names are display text in every repository: a control character (or a bidirectional
    /// override) in one would redraw a terminal line or break a review comment.
    fn printable_name(&mut self, name: &Spanned<String>) -> bool {
        let Some(c) = name
            .value
            .chars()
            .find(|&c| crate::printable::is_unprintable(c))
        else {
            return true;
        };
        self.report(
            Diagnostic::error(
                "control-character",
                format!(
                    "the name `{}` holds the control character U+{:04X}",
                    crate::printable::printable(&name.value),
                    c as u32
                ),
            )
            .with_label(name.loc, "names are display text")
            .with_help("remove it: names may hold any printable text, but no control characters"),
        );
        false
    }

    /// Text as written. Any scalar is accepted verbatim (`on`, `0755` and `12:30` stay exactly
    /// as typed), but not a list, a mapping or nothing.
    pub fn text(&mut self, node: &Node, field: &str) -> Option<Spanned<String>> {
        match &node.value {
            Value::Scalar(scalar) if scalar.resolve() != Resolved::Null => Some(Spanned {
                value: scalar.text.clone(),
                loc: self.loc(&node.span),
            }),
            _ => {
                self.expected(node, field, "text");
                None
            }
        }
    }

    pub fn integer(&mut self, node: &Node, field: &str) -> Option<Spanned<i64>> {
        match &node.value {
            Value::Scalar(scalar) => match scalar.resolve() {
                Resolved::Int(value) => Some(Spanned {
                    value,
                    loc: self.loc(&node.span),
                }),
                _ => {
                    self.expected(node, field, "a whole number");
                    None
                }
            },
            _ => {
                self.expected(node, field, "a whole number");
                None
            }
        }
    }

    pub fn boolean(&mut self, node: &Node, field: &str) -> Option<bool> {
        match &node.value {
            Value::Scalar(scalar) => match scalar.resolve() {
                Resolved::Bool(value) => Some(value),
                _ => {
                    self.report(
                        Diagnostic::error(
                            "wrong-type",
                            format!("`{field}` must be true or false, not `{}`", scalar.text),
                        )
                        .with_label(self.loc(&node.span), "expected true or false")
                        .with_help("YAML 1.2 reads only `true` and `false` as booleans (not yes/no/on/off)"),
                    );
                    None
                }
            },
            _ => {
                self.expected(node, field, "true or false");
                None
            }
        }
    }

    pub fn expected(&mut self, node: &Node, field: &str, expected: &str) {
        let found = match &node.value {
            Value::Scalar(s) if s.resolve() != Resolved::Null => {
                format!("{} `{}`", node.describe(), s.text)
            }
            _ => node.describe().to_string(),
        };
        let loc = self.loc(&node.span);
        self.report(
            Diagnostic::error(
                "wrong-type",
                format!("`{field}` must be {expected}, found {found}"),
            )
            .with_label(loc, format!("expected {expected}")),
        );
    }
}

pub fn quoted(options: &[&str]) -> Vec<String> {
    options.iter().map(|o| format!("`{o}`")).collect()
}

/// "`a`, `b` or `c`".
pub fn one_of(options: &[&str]) -> String {
    let quoted = quoted(options);
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => quoted.join(""),
    }
}

/// The fields of one YAML mapping, tracking which were read so that the rest can be reported
/// as unknown, with suggestions drawn from the fields that were asked for.
pub struct Fields<'a> {
    entries: &'a [Entry],
    used: Vec<bool>,
    known: Vec<&'static str>,
    span: Range<usize>,
}

impl<'a> Fields<'a> {
    pub fn new(entries: &'a [Entry], span: &Range<usize>) -> Self {
        Fields {
            entries,
            used: vec![false; entries.len()],
            known: Vec::new(),
            span: span.clone(),
        }
    }

    pub fn entry(&mut self, key: &'static str) -> Option<&'a Entry> {
        self.known.push(key);
        // The last occurrence wins, as in YAML loaders; duplicates are reported separately.
        let index = self.entries.iter().rposition(|e| e.key == key)?;
        for (i, entry) in self.entries.iter().enumerate() {
            if entry.key == key {
                self.used[i] = true;
            }
        }
        Some(&self.entries[index])
    }

    /// The value of `key`; a null value counts as absent.
    pub fn get(&mut self, key: &'static str) -> Option<&'a Node> {
        self.entry(key).map(|e| &e.value).filter(|n| !n.is_null())
    }

    /// Marks `key` as read and returns where the key is written, if present.
    pub fn take_key_span(&mut self, key: &'static str) -> Option<Range<usize>> {
        self.entry(key).map(|e| e.key_span.clone())
    }

    pub fn required(
        &mut self,
        decoder: &mut Decoder<'_>,
        key: &'static str,
        owner: &str,
    ) -> Option<&'a Node> {
        if let Some(node) = self.get(key) {
            return Some(node);
        }
        let diagnostic = match self.entries.iter().rfind(|e| e.key == key) {
            Some(entry) => Diagnostic::error("missing-field", format!("`{key}` has no value"))
                .with_label(decoder.loc(&entry.key_span), "give it a value"),
            None => {
                let at = self
                    .entries
                    .first()
                    .map_or(self.span.clone(), |e| e.key_span.clone());
                Diagnostic::error(
                    "missing-field",
                    format!("{owner} is missing required field `{key}`"),
                )
                .with_label(
                    decoder.loc(&at),
                    format!("add `{key}: ...` to this mapping"),
                )
            }
        };
        decoder.report(diagnostic);
        None
    }

    /// Reports the fields nobody asked for.
    pub fn finish(self, decoder: &mut Decoder<'_>, owner: &str) {
        for (entry, used) in self.entries.iter().zip(&self.used) {
            if *used || entry.key == "kind" {
                continue;
            }
            let mut diagnostic = Diagnostic::error(
                "unknown-field",
                format!("unknown field `{}` in {owner}", entry.key),
            )
            .with_label(decoder.loc(&entry.key_span), "not a field here");
            diagnostic = match suggest(&entry.key, self.known.iter().copied()) {
                Some(best) => diagnostic.with_help(format!("did you mean `{best}`?")),
                None => {
                    diagnostic.with_help(format!("{owner} fields are: {}", self.known.join(", ")))
                }
            };
            decoder.report(diagnostic);
        }
    }
}
