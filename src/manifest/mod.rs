//! Manifests: loading YAML text into a validated [`Catalog`] of objects, whatever their
//! provider. The core reads the common fields and checks what needs several documents
//! (duplicates, references, `dependsOn`); each provider decodes its own fields through
//! [`Language`].
//!
//! Pure: callers read the files (see `sources`) and hand over a [`SourceSet`]; [`load`] returns
//! the objects and every problem found, each located in the source.

pub mod decode;
pub mod emit;
pub mod model;
mod validate;

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

pub use decode::{Decoder, Fields};
pub use model::*;

use crate::diagnostic::{self, Diagnostic};
use crate::environment::overlay;
use crate::kind::Kind;
use crate::source::{FileId, SourceSet};
use crate::yaml;

/// What the loader needs from the providers: their kinds, their documents' own fields, and
/// their checks. A registry of several providers answers for all of them.
pub trait Language: Sync {
    /// Every kind a document may name.
    fn kinds(&self) -> Vec<Kind>;

    /// Decodes the fields of a `kind` document beyond the common ones (`meta`, `None` when
    /// those were broken: decode anyway, to report every problem). Marks the fields it reads.
    fn decode(
        &self,
        kind: Kind,
        decoder: &mut Decoder<'_>,
        fields: &mut Fields<'_>,
        meta: Option<Meta>,
    ) -> Option<Box<dyn Document>>;

    /// Whether `id` can pin an object of `kind`; reports why not.
    fn check_pinned_id(&self, kind: Kind, id: &Spanned<String>, decoder: &mut Decoder<'_>) -> bool;

    /// The fields `ignoreChanges` may name for `kind`.
    fn ignorable_fields(&self, kind: Kind) -> Vec<&'static str>;

    /// Checks that need a whole decoded document.
    fn check_decoded(&self, _document: &dyn Document, _decoder: &mut Decoder<'_>) {}

    /// The kind of the object a literal id names, when the id says it.
    fn kind_of_id(&self, _id: &str) -> Option<Kind> {
        None
    }

    /// A hint for a reference that names an object of the wrong kind.
    fn wrong_kind_help(
        &self,
        _field: &str,
        _expected: Kind,
        _actual: Kind,
    ) -> Option<&'static str> {
        None
    }

    /// The provider's own checks across documents, after references are checked. What it finds
    /// of an object may depend only on that object and what it refers to, directly or not (as
    /// the catalogue resolves its references): `check::recheck` checks again only around the
    /// objects that changed.
    fn validate(&self, _catalog: &Catalog, _diagnostics: &mut Vec<Diagnostic>) {}
}

/// The objects of a manifest set, indexed by kind and name.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    objects: Vec<Object>,
    /// By kind, then name: a lookup by name copies nothing. Hashed with foldhash: every
    /// reference is looked up here several times (checks, graph, plan), and SipHash made
    /// ~3% of a plan's instructions (callgrind).
    by_key: foldhash::HashMap<Kind, foldhash::HashMap<String, usize>>,
    /// Names shared by several objects of a kind (each pinned by id), with those objects.
    shared: foldhash::HashMap<Kind, foldhash::HashMap<String, Vec<usize>>>,
}

/// What a reference points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target<'a> {
    /// An object in the manifests (its index in [`Catalog::objects`]).
    Object(usize),
    /// An object that exists only in the repository, named by its id.
    Literal(&'a str),
}

impl Catalog {
    pub fn objects(&self) -> &[Object] {
        &self.objects
    }

    pub fn get(&self, kind: Kind, name: &str) -> Option<usize> {
        self.by_key.get(&kind)?.get(name).copied()
    }

    /// The objects of `kind` that share `name` (each pinned by id); empty when the name is
    /// unique or unknown. A reference by such a name is ambiguous.
    pub fn sharing(&self, kind: Kind, name: &str) -> &[usize] {
        self.shared
            .get(&kind)
            .and_then(|names| names.get(name))
            .map_or(&[], Vec::as_slice)
    }

    /// Resolves a reference to an object of `expected` kind; `None` if it names nothing.
    pub fn resolve<'r>(&self, expected: Kind, reference: &'r str) -> Option<Target<'r>> {
        if expected.is_literal_id(reference) {
            return Some(Target::Literal(reference));
        }
        self.get(expected, reference).map(Target::Object)
    }

    /// Resolves a `dependsOn` entry (`Kind/name`).
    pub fn resolve_dependency(&self, entry: &str) -> Option<usize> {
        let (kind, name) = entry.split_once('/')?;
        self.get(kind.parse().ok()?, name)
    }

    /// Names of all objects of one kind, for suggestions.
    pub fn names(&self, kind: Kind) -> impl Iterator<Item = &str> {
        self.objects
            .iter()
            .filter(move |o| o.kind() == kind)
            .map(Object::name)
    }

    /// This catalogue with the objects at these indexes replaced by others of the same kind,
    /// name and pinned id, each in its place and known as the one it replaces (so lookups and
    /// shared names still hold). `None` if one differs in any of these.
    pub fn replacing(&self, replacements: Vec<(usize, Object)>) -> Option<Catalog> {
        let mut replaced = self.clone();
        for (i, mut object) in replacements {
            let old = replaced.objects.get(i)?;
            let pin = |o: &Object| o.manifest.meta().id.as_ref().map(|id| id.value.clone());
            if old.kind() != object.kind()
                || old.name() != object.name()
                || pin(old) != pin(&object)
            {
                return None;
            }
            object.disambiguated = old.disambiguated;
            replaced.objects[i] = object;
        }
        Some(replaced)
    }

    /// Adds an object. A second object with the same kind and name is refused (the index of
    /// the first is returned), unless both are pinned to ids: then both are kept, each known as
    /// `name [id]` (see [`Object::key`]).
    fn insert(&mut self, mut object: Object) -> Result<(), usize> {
        let (kind, name) = (object.kind(), object.name().to_string());
        let index = self.objects.len();
        let by_name = self.by_key.entry(kind).or_default();
        let shared = self.shared.entry(kind).or_default();
        if let Some(first) = shared.get(&name).and_then(|all| all.first()) {
            if object.manifest.meta().id.is_none() {
                return Err(*first);
            }
            object.disambiguated = true;
        } else if let Some(&existing) = by_name.get(&name) {
            let pinned = |o: &Object| o.manifest.meta().id.is_some();
            if !(pinned(&object) && pinned(&self.objects[existing])) {
                return Err(existing);
            }
            by_name.remove(&name);
            self.objects[existing].disambiguated = true;
            by_name.insert(self.objects[existing].key().name, existing);
            shared.insert(name.clone(), vec![existing]);
            object.disambiguated = true;
        }
        if object.disambiguated {
            shared.entry(name).or_default().push(index);
        }
        by_name.insert(object.key().name, index);
        self.objects.push(object);
        Ok(())
    }
}

/// The result of loading manifests: the objects that could be read, and every problem found.
#[derive(Debug)]
pub struct Loaded {
    pub catalog: Catalog,
    pub diagnostics: Vec<Diagnostic>,
}

impl Loaded {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Parses, decodes and validates every document of every file.
pub fn load(sources: &SourceSet, language: &dyn Language) -> Loaded {
    load_in_parts(sources, language, yaml::PART_SIZE)
}

/// [`load`], reading files in parts of about `part_size` bytes.
pub(crate) fn load_in_parts(
    sources: &SourceSet,
    language: &dyn Language,
    part_size: usize,
) -> Loaded {
    named(sources, language, part_size).checked(language)
}

/// Every document of every file decoded and named into the catalogue, before the checks
/// across documents: [`load_in_parts`] without [`Named::checked`].
pub fn named(sources: &SourceSet, language: &dyn Language, part_size: usize) -> Named {
    let (objects, diagnostics, syntax_errors) =
        decode_files(sources, |_| true, language, part_size);
    Named::of(objects, diagnostics, syntax_errors)
}

/// Every document of the files `wanted` says, decoded, in file order, with what decoding
/// found (a file's syntax error before its other problems) and whether any file is not valid
/// YAML. Large files are read in parts on every core ([`yaml::read_files`]).
pub fn decode_files(
    sources: &SourceSet,
    wanted: impl Fn(FileId) -> bool,
    language: &dyn Language,
    part_size: usize,
) -> (Vec<Object>, Vec<Diagnostic>, bool) {
    let read = yaml::read_files(sources, wanted, part_size, |file, document| {
        decode_one(file, &document, language)
    });
    let mut diagnostics = Vec::new();
    let mut objects = Vec::new();
    let mut syntax_errors = false;
    for file in read {
        if let Some(error) = &file.error {
            syntax_errors = true;
            let loc = crate::source::Loc::of_span(file.file, &error.span);
            diagnostics.push(
                Diagnostic::error("yaml-syntax", format!("invalid YAML: {}", error.message))
                    .with_label(loc, "here"),
            );
        }
        for (object, found) in file.documents {
            objects.extend(object);
            diagnostics.extend(found);
        }
    }
    (objects, diagnostics, syntax_errors)
}

/// One document decoded, and what decoding it found.
type Decoded = (Option<Object>, Vec<Diagnostic>);

/// The base manifests of a run, parsed once, and each base document decoded at most once for
/// all the environments that leave it as written (they share the decoded document: see
/// [`Object`]). A document no overlay of the run names is decoded as it is parsed and its tree
/// dropped; the last environment to use a decoded document takes it out of the base.
pub struct SharedBase {
    pub base: overlay::Base,
    decoded: Vec<Mutex<Option<Decoded>>>,
    /// How many environments are still to take each document as written.
    remaining: Vec<AtomicUsize>,
}

/// The overlays of the environments a [`SharedBase`] serves.
pub struct Overlays<'a> {
    /// The kinds and names every overlay document of the run states (`None`: not known, so
    /// every base tree is kept).
    pub names: Option<&'a HashSet<(String, String)>>,
    /// How many environments will load the base (each once).
    pub environments: usize,
}

impl SharedBase {
    /// The files of `sources` that `is_base` says, parsed, for the environments of `overlays`.
    pub fn new(
        sources: &SourceSet,
        is_base: impl Fn(crate::source::FileId) -> bool,
        overlays: Overlays,
        language: &dyn Language,
    ) -> Self {
        let decode = |file, document: &yaml::Document| decode_one(file, document, language);
        let keep = match overlays.names {
            Some(names) => overlay::Keep::Named {
                names,
                decode: &decode,
            },
            None => overlay::Keep::All,
        };
        let (base, early) = overlay::parse_base(sources, is_base, keep);
        let decoded: Vec<Mutex<Option<Decoded>>> =
            base.documents.iter().map(|_| Mutex::new(None)).collect();
        for (at, found) in early {
            *lock(&decoded[at]) = Some(found);
        }
        let remaining = base
            .documents
            .iter()
            .map(|_| AtomicUsize::new(overlays.environments))
            .collect();
        SharedBase {
            base,
            decoded,
            remaining,
        }
    }

    /// Base document `at` decoded, for one environment that leaves it as written: shared with
    /// the environments before, and taken out of the base by the last one to ask.
    fn take(&self, at: usize, language: &dyn Language) -> Decoded {
        let document = &self.base.documents[at];
        let mut slot = lock(&self.decoded[at]);
        if slot.is_none()
            && let Some(tree) = &document.tree
        {
            *slot = Some(decode_one(document.file, tree, language));
        }
        let last = self.remaining[at]
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1))
            == Ok(1);
        match (last, slot.as_ref()) {
            (true, Some(_)) => slot.take().unwrap_or_default(),
            (false, Some(found)) => found.clone(),
            (_, None) => {
                // Asked once more than the run's environments: a bug, said as such rather than
                // an object silently missing from the plan.
                let loc = crate::source::Loc::of_span(document.file, &document.root);
                let bug = Diagnostic::error(
                    "base-internal",
                    "offerctl read this document for more environments than the run has (a bug: please report it)",
                )
                .with_label(loc, "this document");
                (None, vec![bug])
            }
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn decode_one(
    file: crate::source::FileId,
    document: &yaml::Document,
    language: &dyn Language,
) -> Decoded {
    let mut diagnostics = Vec::new();
    let object = decode::Decoder::new(file, &mut diagnostics).document(document, language);
    (object, diagnostics)
}

/// [`load`] for one environment: the base files with the environment's overlays applied and
/// its variables replaced (see [`crate::environment::overlay`]). Also returns, by base
/// document, the overlay documents that patched it.
pub fn load_layered(
    shared: &SharedBase,
    sources: &SourceSet,
    layering: &overlay::Layering,
    language: &dyn Language,
) -> (Loaded, HashMap<crate::source::Loc, Vec<crate::source::Loc>>) {
    load_effective(
        shared,
        overlay::layer(&shared.base, sources, layering),
        language,
    )
}

/// [`load_layered`] of an environment's effective documents, already layered.
pub fn load_effective(
    shared: &SharedBase,
    layered: overlay::Layered,
    language: &dyn Language,
) -> (Loaded, HashMap<crate::source::Loc, Vec<crate::source::Loc>>) {
    let (named, patched_by) = named_effective(shared, layered, language);
    let mut loaded = named.checked(language);
    drop_repeats_of_undefined(&mut loaded.diagnostics);
    (loaded, patched_by)
}

/// An environment's effective documents decoded (the base's shared ones, the overlays' own)
/// and named into the catalogue, before the checks across documents; and, by base document,
/// the overlay documents that patched it.
pub fn named_effective(
    shared: &SharedBase,
    layered: overlay::Layered,
    language: &dyn Language,
) -> (Named, HashMap<crate::source::Loc, Vec<crate::source::Loc>>) {
    let mut diagnostics = layered.diagnostics;
    let mut objects = Vec::with_capacity(layered.documents.len());
    for effective in &layered.documents {
        match effective {
            overlay::Effective::Shared(at) => {
                let (object, found) = shared.take(*at, language);
                diagnostics.extend(found);
                objects.extend(object);
            }
            overlay::Effective::Own(file, document) => {
                let (object, found) = decode_one(*file, document, language);
                diagnostics.extend(found);
                objects.extend(object);
            }
        }
    }
    let named = Named::of(objects, diagnostics, layered.syntax_errors);
    (named, layered.patched_by)
}

/// A value whose variable is undefined is reported once, not again by every check that then
/// reads the unreplaced text: the other problems located where an undefined variable is are
/// dropped.
pub fn drop_repeats_of_undefined(diagnostics: &mut Vec<Diagnostic>) {
    let undefined = crate::environment::overlay::UNDEFINED_VARIABLE;
    let unreplaced: Vec<crate::source::Loc> = diagnostics
        .iter()
        .filter(|d| d.code == undefined)
        .filter_map(|d| d.labels.first().map(|l| l.loc))
        .collect();
    if !unreplaced.is_empty() {
        diagnostics.retain(|d| {
            d.code == undefined
                || d.labels
                    .first()
                    .is_none_or(|l| !unreplaced.contains(&l.loc))
        });
    }
}

/// The catalogue of decoded objects, checked across documents.
pub fn assemble(
    objects: Vec<Object>,
    diagnostics: Vec<Diagnostic>,
    syntax_errors: bool,
    language: &dyn Language,
) -> Loaded {
    Named::of(objects, diagnostics, syntax_errors).checked(language)
}

/// Decoded objects named into a catalogue (objects named twice found, names shared by pinned
/// objects warned of), before the checks across documents: what a run may already work with
/// while they run (see `check::Beside`).
pub struct Named {
    pub catalog: Catalog,
    /// What decoding and naming found.
    pub diagnostics: Vec<Diagnostic>,
    /// Some file is not valid YAML: the checks across documents are skipped.
    pub syntax_errors: bool,
}

impl Named {
    pub fn of(objects: Vec<Object>, diagnostics: Vec<Diagnostic>, syntax_errors: bool) -> Self {
        let (catalog, diagnostics) = catalogue(objects, diagnostics);
        Named {
            catalog,
            diagnostics,
            syntax_errors,
        }
    }

    /// The catalogue checked across documents.
    pub fn checked(self, language: &dyn Language) -> Loaded {
        let Named {
            catalog,
            mut diagnostics,
            syntax_errors,
        } = self;
        check_across(&catalog, &mut diagnostics, syntax_errors, language);
        Loaded {
            catalog,
            diagnostics,
        }
    }
}

/// The decoded objects by kind and name, and what naming them found ([`Named::of`]).
fn catalogue(objects: Vec<Object>, mut diagnostics: Vec<Diagnostic>) -> (Catalog, Vec<Diagnostic>) {
    let mut catalog = Catalog::default();
    let mut shared_names = Vec::new();
    for object in objects {
        let (loc, kind, name) = (
            object.manifest.meta().name.loc,
            object.kind(),
            object.name().to_string(),
        );
        let inserted = catalog.insert(object);
        if let Ok(()) = inserted
            && catalog.sharing(kind, &name).len() == 2
        {
            shared_names.push((kind, name.clone(), loc));
        }
        if let Err(existing) = inserted {
            let first = catalog.objects[existing].manifest.meta().name.loc;
            diagnostics.push(
                Diagnostic::error(
                    "duplicate-name",
                    format!("two {kind} objects are named `{name}`"),
                )
                .with_label(loc, "second definition")
                .with_label(first, "first definition")
                .with_help(
                    "names identify objects within a kind; rename one of them or remove the copy \
                     (objects that really share a name in the repository must each be pinned with `id:`)",
                ),
            );
        }
    }
    for (kind, name, loc) in shared_names {
        let ids: Vec<String> = catalog
            .sharing(kind, &name)
            .iter()
            .filter_map(|&i| catalog.objects[i].manifest.meta().id.as_ref())
            .map(|id| id.value.clone())
            .collect();
        diagnostics.push(
            Diagnostic::warning(
                "shared-name",
                format!(
                    "{} {kind} objects are named `{name}` ({}); they are told apart by their pinned ids",
                    ids.len(),
                    ids.join(", ")
                ),
            )
            .with_label(loc, "this name is not unique")
            .with_help("references to them must use their ids; renaming them makes the catalogue easier to read"),
        );
    }
    (catalog, diagnostics)
}

/// The checks across documents (references, the language's own), unless some file is not
/// valid YAML; `diagnostics` sorted by location.
pub fn check_across(
    catalog: &Catalog,
    diagnostics: &mut Vec<Diagnostic>,
    syntax_errors: bool,
    language: &dyn Language,
) {
    if syntax_errors {
        diagnostics.push(Diagnostic::warning(
            "checks-skipped",
            "references between objects were not checked, because some files are not valid YAML",
        ));
    } else {
        validate::check(catalog, language, diagnostics);
    }
    diagnostic::sort(diagnostics);
}
