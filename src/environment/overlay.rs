//! An environment's effective documents: the base manifests with the environment's overlays
//! applied and its variables replaced, before any document is decoded.
//!
//! An overlay document is one of:
//! - `kind`, `name`, `patch: {...}`: changes the base object of that kind and name: mappings
//!   merge key by key, scalars and lists replace, `null` removes a key;
//! - `kind`, `name`, `remove: true`: takes the base object out of this environment;
//! - a plain document: an object that exists only in this environment.
//!
//! Patched values keep where they were written (see [`crate::source::tag_span`]), so every
//! later diagnostic points at the overlay's line for a value the overlay set.

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;

use super::vars;
use crate::diagnostic::{Diagnostic, suggest};
use crate::source::{FileId, Loc, SourceSet, tag_span};
use crate::yaml::{self, Document, Entry, Node, Resolved, Value};

/// The code of a `${{ vars.NAME }}` that cannot be replaced.
pub const UNDEFINED_VARIABLE: &str = "undefined-variable";

/// How the files of a source set are layered for one environment.
#[derive(Debug, Clone, Default)]
pub struct Layering {
    /// The overlay files (the others are the base).
    pub overlays: Vec<FileId>,
    /// Values of `${{ vars.NAME }}` (`None`: strings are read as written).
    pub vars: Option<BTreeMap<String, String>>,
}

/// The base files, parsed once for every environment of a run.
#[derive(Debug, Default)]
pub struct Base {
    pub documents: Vec<BaseDocument>,
    /// Whether each document refers to a variable: it is then copied and its references
    /// replaced for each environment; the others are shared as parsed.
    uses_vars: Vec<bool>,
    pub diagnostics: Vec<Diagnostic>,
    pub syntax_errors: bool,
    /// Documents by the kind and name they state.
    index: HashMap<(String, String), Vec<usize>>,
}

/// One base document: where it is, and its parsed tree while an environment may still need it.
#[derive(Debug)]
pub struct BaseDocument {
    pub file: FileId,
    /// The span of the document's root, for diagnostics that point at the base definition.
    pub root: Range<usize>,
    /// `None` once handed to the decoder: no environment of the run patches or removes the
    /// document, and it uses no variable ([`Keep`]).
    pub tree: Option<Document>,
}

/// Which base documents keep their parsed tree for the environments to layer.
pub enum Keep<'a, D> {
    /// Every one (the run's overlays are not known in advance).
    All,
    /// Those some overlay of the run names by kind and name, and those that use variables;
    /// the others go straight to `decode` as they are parsed (their tree is then dropped, as a
    /// run without environments does).
    Named {
        names: &'a std::collections::HashSet<(String, String)>,
        decode: &'a (dyn Fn(FileId, &Document) -> D + Sync),
    },
}

/// One base document as it was read.
struct Read<D> {
    root: Range<usize>,
    uses_vars: bool,
    identity: Option<(String, String)>,
    tree: Option<Document>,
    decoded: Option<D>,
}

/// Parses the base files of `sources` (those `is_base` says), large files in parts on every
/// core ([`yaml::read_files`]); also returns, by document index, what [`Keep::Named`]'s
/// `decode` made of the documents it took.
pub fn parse_base<D: Send>(
    sources: &SourceSet,
    is_base: impl Fn(FileId) -> bool,
    keep: Keep<D>,
) -> (Base, Vec<(usize, D)>) {
    let read = yaml::read_files(sources, is_base, yaml::PART_SIZE, |file, document| {
        let uses_vars = vars::mentions(&document.root);
        let identity = identity(&document.root);
        let root = document.root.span.clone();
        let (tree, decoded) = match &keep {
            Keep::Named { names, decode }
                if !uses_vars && !identity.as_ref().is_some_and(|key| names.contains(key)) =>
            {
                (None, Some(decode(file, &document)))
            }
            _ => (Some(document), None),
        };
        Read {
            root,
            uses_vars,
            identity,
            tree,
            decoded,
        }
    });
    let mut base = Base::default();
    let mut decoded = Vec::new();
    for file in read {
        for document in file.documents {
            let at = base.documents.len();
            if let Some(key) = document.identity {
                base.index.entry(key).or_default().push(at);
            }
            base.uses_vars.push(document.uses_vars);
            decoded.extend(document.decoded.map(|d| (at, d)));
            base.documents.push(BaseDocument {
                file: file.file,
                root: document.root,
                tree: document.tree,
            });
        }
        if let Some(error) = file.error {
            base.syntax_errors = true;
            base.diagnostics.push(syntax_error(file.file, &error));
        }
    }
    (base, decoded)
}

/// The kinds and names the documents of `files` state (an overlay's, for [`Keep::Named`]);
/// documents that cannot be parsed or name nothing are left out (layering reports them).
pub fn names_in(texts: impl IntoIterator<Item = impl AsRef<str>>) -> Vec<(String, String)> {
    let mut names = Vec::new();
    for text in texts {
        yaml::parse_each(text.as_ref(), |document| {
            names.extend(identity(&document.root));
        });
    }
    names
}

fn syntax_error(file: FileId, error: &yaml::YamlError) -> Diagnostic {
    Diagnostic::error("yaml-syntax", format!("invalid YAML: {}", error.message))
        .with_label(Loc::of_span(file, &error.span), "here")
}

/// One effective document: a base document as parsed (the same for every environment that
/// leaves it alone), or this environment's own.
#[derive(Debug)]
pub enum Effective {
    Shared(usize),
    Own(FileId, Document),
}

/// The effective documents, in order (the base's, then the environment's own), with where
/// each came from.
#[derive(Debug, Default)]
pub struct Layered {
    pub documents: Vec<Effective>,
    pub diagnostics: Vec<Diagnostic>,
    /// Some file is not valid YAML (the reference checks are then skipped).
    pub syntax_errors: bool,
    /// The overlay documents that patched a base document, by the base document's location.
    pub patched_by: HashMap<Loc, Vec<Loc>>,
}

impl Layered {
    /// The base documents this environment has, when it has them as written and nothing else:
    /// no document of its own (patched, added, or with variables replaced) and no problem
    /// beyond the base's. Environments with the same such list have the same effective
    /// manifests.
    pub fn as_written(&self, base: &Base) -> Option<Vec<usize>> {
        if self.diagnostics.len() != base.diagnostics.len()
            || self.syntax_errors != base.syntax_errors
            || !self.patched_by.is_empty()
        {
            return None;
        }
        self.documents
            .iter()
            .map(|document| match document {
                Effective::Shared(at) => Some(*at),
                Effective::Own(..) => None,
            })
            .collect()
    }
}

enum Overlay {
    Patch(Node),
    Remove,
    Plain,
}

/// The kind and name a document's root states, as text.
fn identity(root: &Node) -> Option<(String, String)> {
    let Value::Map(entries) = &root.value else {
        return None;
    };
    let text = |key: &str| {
        entries
            .iter()
            .find(|e| e.key == key)
            .and_then(|e| match &e.value.value {
                Value::Scalar(s) => Some(match s.resolve() {
                    Resolved::Str(t) => t.to_string(),
                    _ => s.text.clone(),
                }),
                _ => None,
            })
    };
    Some((text("kind")?, text("name")?))
}

fn entry<'a>(root: &'a Node, key: &str) -> Option<&'a Entry> {
    match &root.value {
        Value::Map(entries) => entries.iter().find(|e| e.key == key),
        _ => None,
    }
}

/// Replaces the variables of `document` (read in `file`), reporting what cannot be replaced.
fn replace_vars(
    document: &mut Document,
    file: FileId,
    layering: &Layering,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let Some(vars) = &layering.vars else {
        return;
    };
    let mut problems = Vec::new();
    vars::substitute(&mut document.root, vars, &mut problems);
    for problem in problems {
        let mut diagnostic = Diagnostic::error(UNDEFINED_VARIABLE, problem.message)
            .with_label(Loc::of_span(file, &problem.span), "in this value");
        if let Some(help) = problem.help {
            diagnostic = diagnostic.with_help(help);
        }
        diagnostics.push(diagnostic);
    }
}

/// One environment's effective documents: `base` with the overlay files of `sources` applied
/// and the variables replaced.
pub fn layer(base: &Base, sources: &SourceSet, layering: &Layering) -> Layered {
    let mut out = Layered {
        diagnostics: base.diagnostics.clone(),
        syntax_errors: base.syntax_errors,
        ..Layered::default()
    };
    // Copies of the base documents this environment changes, by index.
    let mut own: HashMap<usize, Document> = HashMap::new();
    for (at, document) in base.documents.iter().enumerate() {
        if let Some(tree) = &document.tree
            && base.uses_vars[at]
            && layering.vars.is_some()
        {
            let mut copy = tree.clone();
            replace_vars(&mut copy, document.file, layering, &mut out.diagnostics);
            own.insert(at, copy);
        }
    }
    let mut overlays = Vec::new();
    for &file in &layering.overlays {
        let mut documents = Vec::new();
        if let Some(error) = yaml::parse_each(&sources.get(file).text, |d| documents.push(d)) {
            out.syntax_errors = true;
            out.diagnostics.push(syntax_error(file, &error));
        }
        for mut document in documents {
            replace_vars(&mut document, file, layering, &mut out.diagnostics);
            overlays.push((file, document));
        }
    }
    let mut removed = vec![false; base.documents.len()];
    let mut extra = Vec::new();
    for (file, document) in overlays {
        let Some(overlay) = classify(file, &document, &mut out.diagnostics) else {
            continue;
        };
        let key = identity(&document.root);
        let targets = key
            .as_ref()
            .and_then(|k| base.index.get(k))
            .map_or(&[][..], Vec::as_slice);
        let name_loc = entry(&document.root, "name")
            .map_or(Loc::of_span(file, &document.root.span), |e| {
                Loc::of_span(file, &e.value.span)
            });
        match overlay {
            Overlay::Plain => {
                if let Some(&first) = targets.first() {
                    let original = &base.documents[first];
                    let (kind, name) = key.unwrap_or_default();
                    out.diagnostics.push(
                        Diagnostic::error(
                            "overlay-redefines",
                            format!("{kind} `{name}` is already defined by the base manifests"),
                        )
                        .with_label(name_loc, "defined again here")
                        .with_label(Loc::of_span(original.file, &original.root), "base definition")
                        .with_help("to change it in this environment, write `patch:` with only the fields that differ; to drop it, `remove: true`"),
                    );
                } else {
                    extra.push((file, document));
                }
            }
            Overlay::Patch(_) | Overlay::Remove => {
                let (kind, name) = key.clone().unwrap_or_default();
                let target = match targets {
                    [one] => *one,
                    [] => {
                        let names = base
                            .index
                            .keys()
                            .filter(|(k, _)| *k == kind)
                            .map(|(_, n)| n.as_str());
                        let mut diagnostic = Diagnostic::error(
                            "overlay-unknown-object",
                            format!("the base manifests define no {kind} named `{name}`"),
                        )
                        .with_label(name_loc, "nothing to change");
                        diagnostic = match suggest(&name, names) {
                            Some(best) => diagnostic.with_help(format!("did you mean `{best}`? (an overlay never creates an object by `patch:`; a plain document does)")),
                            None => diagnostic.with_help("an overlay never creates an object by `patch:`; write a plain document for an object only this environment has"),
                        };
                        out.diagnostics.push(diagnostic);
                        continue;
                    }
                    _ => {
                        out.diagnostics.push(
                            Diagnostic::error(
                                "overlay-ambiguous",
                                format!("several base {kind} objects are named `{name}`"),
                            )
                            .with_label(name_loc, "which one?")
                            .with_help("objects that share a name cannot be changed by an overlay; rename them in the base"),
                        );
                        continue;
                    }
                };
                let overlay_loc = Loc::of_span(file, &document.root.span);
                let original = &base.documents[target];
                let base_loc = Loc::of_span(original.file, &original.root);
                if removed[target] {
                    out.diagnostics.push(
                        Diagnostic::error(
                            "overlay-removed",
                            format!("{kind} `{name}` is removed by this environment"),
                        )
                        .with_label(name_loc, "changed after its removal"),
                    );
                    continue;
                }
                match overlay {
                    Overlay::Patch(patch) => {
                        let copy = match own.entry(target) {
                            std::collections::hash_map::Entry::Occupied(copy) => copy.into_mut(),
                            std::collections::hash_map::Entry::Vacant(slot) => {
                                let Some(tree) = &original.tree else {
                                    // Keep::Named keeps every document an overlay of the run
                                    // names; one that was not is a bug, said as such.
                                    out.diagnostics.push(
                                        Diagnostic::error(
                                            "overlay-internal",
                                            format!("offerctl did not keep {kind} `{name}` for this environment's patch (a bug: please report it)"),
                                        )
                                        .with_label(name_loc, "this patch"),
                                    );
                                    continue;
                                };
                                slot.insert(tree.clone())
                            }
                        };
                        merge(&mut copy.root, &patch, file);
                        out.patched_by
                            .entry(base_loc)
                            .or_default()
                            .push(overlay_loc);
                    }
                    _ => removed[target] = true,
                }
            }
        }
    }
    for (at, document) in base.documents.iter().enumerate() {
        if removed[at] {
            continue;
        }
        out.documents.push(match own.remove(&at) {
            Some(copy) => Effective::Own(document.file, copy),
            None => Effective::Shared(at),
        });
    }
    out.documents.extend(
        extra
            .into_iter()
            .map(|(file, document)| Effective::Own(file, document)),
    );
    out
}

/// What an overlay document does; `None` (with diagnostics) when its shape is wrong.
fn classify(
    file: FileId,
    document: &Document,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Overlay> {
    let root = &document.root;
    let loc = |span: &Range<usize>| Loc::of_span(file, span);
    let patch = entry(root, "patch");
    let remove = entry(root, "remove");
    if patch.is_none() && remove.is_none() {
        return Some(Overlay::Plain);
    }
    let mut ok = true;
    for required in ["kind", "name"] {
        if entry(root, required).is_none() {
            diagnostics.push(
                Diagnostic::error(
                    "overlay-shape",
                    format!(
                        "an overlay document needs `{required}` to say which object it changes"
                    ),
                )
                .with_label(loc(&root.span), "in this document"),
            );
            ok = false;
        }
    }
    if let Value::Map(entries) = &root.value {
        for e in entries {
            if !matches!(e.key.as_str(), "kind" | "name" | "patch" | "remove") {
                diagnostics.push(
                    Diagnostic::error("overlay-shape", format!("`{}` beside `patch:`/`remove:`: an overlay document has only `kind`, `name` and `patch:` or `remove: true`", e.key))
                        .with_label(loc(&e.key_span), "move this under `patch:`"),
                );
                ok = false;
            }
        }
    }
    match (patch, remove) {
        (Some(p), Some(r)) => {
            diagnostics.push(
                Diagnostic::error(
                    "overlay-shape",
                    "an overlay document either patches or removes an object, not both",
                )
                .with_label(loc(&p.key_span), "patch")
                .with_label(loc(&r.key_span), "remove"),
            );
            None
        }
        (Some(p), None) => {
            let Value::Map(fields) = &p.value.value else {
                diagnostics.push(
                    Diagnostic::error(
                        "overlay-shape",
                        format!(
                            "`patch` must be a mapping of the fields to change, found {}",
                            p.value.describe()
                        ),
                    )
                    .with_label(loc(&p.value.span), "expected `field: value` lines"),
                );
                return None;
            };
            for field in fields {
                if matches!(field.key.as_str(), "kind" | "name") {
                    diagnostics.push(
                        Diagnostic::error("overlay-shape", format!("`{}` identifies the object and cannot be patched", field.key))
                            .with_label(loc(&field.key_span), "not patchable")
                            .with_help("remove the object in this environment and add a plain document for the new one"),
                    );
                    ok = false;
                }
            }
            ok.then(|| Overlay::Patch(p.value.clone()))
        }
        (None, Some(r)) => {
            let yes =
                matches!(&r.value.value, Value::Scalar(s) if s.resolve() == Resolved::Bool(true));
            if !yes {
                diagnostics.push(
                    Diagnostic::error(
                        "overlay-shape",
                        format!("`remove` must be `true`, found {}", r.value.describe()),
                    )
                    .with_label(loc(&r.value.span), "expected `remove: true`"),
                );
                return None;
            }
            ok.then_some(Overlay::Remove)
        }
        (None, None) => unreachable!("checked above"),
    }
}

/// Merges `patch` (a mapping read in `file`) into `base`: mappings key by key, anything else
/// replaced, `null` removing the key.
fn merge(base: &mut Node, patch: &Node, file: FileId) {
    let (Value::Map(fields), Value::Map(patches)) = (&mut base.value, &patch.value) else {
        *base = grafted(patch, file);
        return;
    };
    for change in patches {
        let at = fields.iter().position(|f| f.key == change.key);
        match at {
            Some(at) if change.value.is_null() => {
                fields.remove(at);
            }
            None if change.value.is_null() => {}
            Some(at)
                if matches!(change.value.value, Value::Map(_))
                    && matches!(fields[at].value.value, Value::Map(_)) =>
            {
                merge(&mut fields[at].value, &change.value, file);
            }
            Some(at) => {
                fields[at].value = grafted(&change.value, file);
            }
            None => fields.push(Entry {
                key: change.key.clone(),
                key_span: tag_span(file, &change.key_span),
                value: grafted(&change.value, file),
            }),
        }
    }
}

/// A copy of `node` (read in `file`) whose spans still name `file` inside another file's tree.
fn grafted(node: &Node, file: FileId) -> Node {
    let value = match &node.value {
        Value::Scalar(s) => Value::Scalar(s.clone()),
        Value::Seq(items) => Value::Seq(items.iter().map(|n| grafted(n, file)).collect()),
        Value::Map(entries) => Value::Map(
            entries
                .iter()
                .map(|e| Entry {
                    key: e.key.clone(),
                    key_span: tag_span(file, &e.key_span),
                    value: grafted(&e.value, file),
                })
                .collect(),
        ),
    };
    Node {
        value,
        span: tag_span(file, &node.span),
    }
}
