//! The whole offline check of a manifest set: load and validate, then order (cycles).
//! Pure, so the CLI and the tests run exactly the same checks.

use crate::diagnostic::{self, Diagnostic};
use crate::graph::DependencyGraph;
use crate::manifest::{self, Catalog, Language, Object, SharedBase};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock};

use crate::environment::overlay::{self, Layering};
use crate::source::{FileId, Loc, SourceSet};

#[derive(Debug, Clone)]
pub struct Checked {
    /// Shared by the environments that have the same effective manifests ([`SharedChecks`]).
    pub catalog: Arc<Catalog>,
    pub graph: Arc<DependencyGraph>,
    /// Every problem found, sorted by location.
    pub diagnostics: Vec<Diagnostic>,
    /// For an environment: the overlay documents that patched each base document.
    pub patched_by: HashMap<Loc, Vec<Loc>>,
}

impl Checked {
    pub fn errors(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }

    pub fn warnings(&self) -> usize {
        self.diagnostics.len() - self.errors()
    }
}

pub fn check(sources: &SourceSet, language: &dyn Language) -> Checked {
    check_beside(sources, language, None)
}

/// Work a run does beside the checks across documents and the ordering, on a thread of its
/// own: given the files and the catalogue as soon as its objects are decoded and named,
/// before anything is known to be valid (references may not resolve; it must not act on what
/// it finds before the check says so). A plan compares the objects with the live ones there,
/// on the core the checks would leave idle.
pub type Beside<'a> = Box<dyn FnOnce(&SourceSet, &Catalog) + Send + 'a>;

/// [`check`], running `beside` meanwhile.
pub fn check_beside(
    sources: &SourceSet,
    language: &dyn Language,
    beside: Option<Beside<'_>>,
) -> Checked {
    let named = manifest::named(sources, language, crate::yaml::PART_SIZE);
    checked_beside(sources, named, language, beside, |_| {}).with(HashMap::new())
}

/// [`check`] of one environment's effective manifests (its overlays applied, its variables
/// replaced).
pub fn check_layered(sources: &SourceSet, layering: &Layering, language: &dyn Language) -> Checked {
    let shared = SharedBase::new(
        sources,
        |file| !layering.overlays.contains(&file),
        manifest::Overlays {
            names: None,
            environments: 1,
        },
        language,
    );
    SharedChecks::new(shared).check(sources, layering, language)
}

/// A base parsed (and decoded) once for several environments, and the checks of those that
/// have it as written. Environments whose overlays leave the same base documents untouched
/// (settings such as the endpoint or sandbox are all that differ, as is common between a
/// staging and a production sandbox) have the same catalogue, problems and graph: that is
/// checked once and handed to each of them.
///
/// The base files must have the same ids in every environment's sources (they come first).
pub struct SharedChecks {
    pub shared: SharedBase,
    /// The check of the environments with these base documents as written, by their indices.
    as_written: Mutex<HashMap<Vec<usize>, Arc<OnceLock<Checked>>>>,
}

impl SharedChecks {
    pub fn new(shared: SharedBase) -> Self {
        SharedChecks {
            shared,
            as_written: Mutex::default(),
        }
    }

    /// [`check_layered`] of one environment of the run.
    pub fn check(
        &self,
        sources: &SourceSet,
        layering: &Layering,
        language: &dyn Language,
    ) -> Checked {
        self.check_beside(sources, layering, language, None)
    }

    /// [`SharedChecks::check`], running `beside` meanwhile (or after, when another
    /// environment's check of the same documents is used).
    pub fn check_beside(
        &self,
        sources: &SourceSet,
        layering: &Layering,
        language: &dyn Language,
        beside: Option<Beside<'_>>,
    ) -> Checked {
        let layered = overlay::layer(&self.shared.base, sources, layering);
        let whole = |layered, beside| {
            let (named, patched_by) = manifest::named_effective(&self.shared, layered, language);
            let amend = manifest::drop_repeats_of_undefined;
            checked_beside(sources, named, language, beside, amend).with(patched_by)
        };
        let Some(documents) = layered.as_written(&self.shared.base) else {
            return whole(layered, beside);
        };
        let once = self
            .as_written
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entry(documents)
            .or_default()
            .clone();
        // Another environment with the same documents may be checking them now: it is waited
        // for rather than done twice.
        let mut beside = beside;
        let checked = once.get_or_init(|| whole(layered, beside.take())).clone();
        if let Some(beside) = beside {
            beside(sources, &checked.catalog);
        }
        checked
    }
}

/// [`check`] of `sources` where only the files `changed` differ from those (`before`)
/// `previous` and its `graph` were checked from, without errors, under the same ids: only the
/// changed files are parsed and decoded, the other objects are taken from `previous` (decoding
/// a document reads nothing else, so it would decode them the same). When the changed files
/// hold objects of the same kinds, names and pinned ids as before, in the same order (as after
/// rewriting values in place), only the objects whose documents were rewritten, what depends on
/// them and what all of these refer to are checked across documents ([`around_changes`]);
/// otherwise, or when that finds an error, the whole set is, as [`check`] does. So it finds
/// exactly the errors `check` would; without errors, the warnings are those of the documents
/// it checked again.
pub fn recheck(
    previous: &Catalog,
    graph: &DependencyGraph,
    before: &SourceSet,
    sources: &SourceSet,
    changed: &HashSet<FileId>,
    language: &dyn Language,
) -> Rechecked {
    let (fresh, diagnostics, syntax_errors) = manifest::decode_files(
        sources,
        |file| changed.contains(&file),
        language,
        crate::yaml::PART_SIZE,
    );
    if !syntax_errors
        && let Some(rechecked) = around_changes(
            (previous, graph, before),
            sources,
            &fresh,
            &diagnostics,
            changed,
            language,
        )
    {
        return rechecked;
    }
    let mut decoded: HashMap<FileId, Vec<Object>> = HashMap::new();
    for object in fresh {
        decoded.entry(object.loc.file).or_default().push(object);
    }
    let mut kept: HashMap<FileId, Vec<&Object>> = HashMap::new();
    for object in previous.objects() {
        kept.entry(object.loc.file).or_default().push(object);
    }
    let mut objects = Vec::with_capacity(previous.objects().len());
    for (file, _) in sources.iter() {
        if changed.contains(&file) {
            objects.extend(decoded.remove(&file).unwrap_or_default());
        } else {
            objects.extend(kept.remove(&file).into_iter().flatten().cloned());
        }
    }
    let loaded = manifest::assemble(objects, diagnostics, syntax_errors, language);
    Rechecked {
        checked: ordered(loaded, HashMap::new()),
        rewritten: None,
    }
}

/// What [`recheck`] found, and which objects the changed files rewrote.
pub struct Rechecked {
    pub checked: Checked,
    /// The objects (indexes into the catalogue) of the changed files whose documents are not
    /// as they were; `None`: not known, any of the changed files' objects may be.
    pub rewritten: Option<Vec<usize>>,
}

/// [`recheck`] when the objects `fresh` (decoded, in file order, with what decoding found)
/// take the places of `previous`'s objects of the `changed` files one for one, each with the
/// same kind, name and pinned id. Then no name or pinned id is new, and the objects outside
/// [`DependencyGraph::around`] those whose text changed check as they did: a reference resolves by
/// kind and name, and a provider's checks of an object read only it and what it refers to
/// (see [`manifest::Language::validate`]). So those are checked across documents alone, and
/// the graph is updated, not rebuilt. `None` when the objects do not match so, or when this
/// finds an error: the whole check then says it as `check` would.
fn around_changes(
    (previous, graph, before): (&Catalog, &DependencyGraph, &SourceSet),
    sources: &SourceSet,
    fresh: &[Object],
    decoded: &[Diagnostic],
    changed: &HashSet<FileId>,
    language: &dyn Language,
) -> Option<Rechecked> {
    if decoded.iter().any(Diagnostic::is_error) {
        return None;
    }
    // The places of the changed files' objects, in file order as `fresh` is.
    let mut places: Vec<usize> = (0..previous.objects().len())
        .filter(|&i| changed.contains(&previous.objects()[i].loc.file))
        .collect();
    places.sort_by_key(|&i| previous.objects()[i].loc.file);
    if places.len() != fresh.len()
        || places
            .iter()
            .zip(fresh)
            .any(|(&i, o)| previous.objects()[i].loc.file != o.loc.file)
    {
        return None;
    }
    let catalog =
        previous.replacing(places.iter().copied().zip(fresh.iter().cloned()).collect())?;
    let (graph, rewired) = graph.with_changed(&catalog, &places)?;
    // A new cycle must go through a changed object that now depends on something else.
    if rewired && !graph.cycles().is_empty() {
        return None;
    }
    // The objects whose text is not as it was: the others decoded as before (only their
    // places in the file may differ), so they check as before.
    fn text(set: &SourceSet, loc: Loc) -> Option<&str> {
        set.get(loc.file).text.get(loc.start..loc.end)
    }
    let rewritten: Vec<usize> = places
        .iter()
        .zip(fresh)
        .filter(|&(&i, o)| {
            let old = text(before, previous.objects()[i].loc);
            old.is_none() || old != text(sources, o.loc)
        })
        .map(|(&i, _)| i)
        .collect();
    let around: Vec<Object> = graph
        .around(&rewritten)
        .into_iter()
        .map(|i| catalog.objects()[i].clone())
        .collect();
    // A name shared by pinned objects is known apart only with all of them: not checked alone.
    if around.iter().any(|o| o.disambiguated) {
        return None;
    }
    let loaded = manifest::assemble(around, decoded.to_vec(), false, language);
    if loaded.has_errors() {
        return None;
    }
    Some(Rechecked {
        checked: Checked {
            catalog: Arc::new(catalog),
            graph: Arc::new(graph),
            diagnostics: loaded.diagnostics,
            patched_by: HashMap::new(),
        },
        rewritten: Some(rewritten),
    })
}

/// The checks across documents of a `catalog`, its dependency graph and cycles, with
/// `beside` on a thread of its own meanwhile; `amend` edits the checks' diagnostics before
/// the cycles are looked for. With `beside` (a plan), the creation order is made too, while
/// `beside` may still be comparing.
fn checked_beside(
    sources: &SourceSet,
    named: manifest::Named,
    language: &dyn Language,
    beside: Option<Beside<'_>>,
    amend: impl FnOnce(&mut Vec<Diagnostic>),
) -> Ordered {
    let manifest::Named {
        catalog,
        mut diagnostics,
        syntax_errors,
    } = named;
    let graph = std::thread::scope(|scope| {
        let plans = beside.is_some();
        if let Some(beside) = beside {
            scope.spawn(|| beside(sources, &catalog));
        }
        manifest::check_across(&catalog, &mut diagnostics, syntax_errors, language);
        amend(&mut diagnostics);
        let graph = DependencyGraph::build(&catalog);
        add_cycles(&graph, &mut diagnostics);
        if plans && !diagnostics.iter().any(Diagnostic::is_error) {
            graph.order_ahead();
        }
        graph
    });
    Ordered {
        catalog,
        graph,
        diagnostics,
    }
}

/// A checked catalogue and its graph.
struct Ordered {
    catalog: Catalog,
    graph: DependencyGraph,
    diagnostics: Vec<Diagnostic>,
}

impl Ordered {
    fn with(self, patched_by: HashMap<Loc, Vec<Loc>>) -> Checked {
        Checked {
            catalog: Arc::new(self.catalog),
            graph: Arc::new(self.graph),
            diagnostics: self.diagnostics,
            patched_by,
        }
    }
}

fn ordered(loaded: manifest::Loaded, patched_by: HashMap<Loc, Vec<Loc>>) -> Checked {
    let graph = DependencyGraph::build(&loaded.catalog);
    let mut diagnostics = loaded.diagnostics;
    add_cycles(&graph, &mut diagnostics);
    Ordered {
        catalog: loaded.catalog,
        graph,
        diagnostics,
    }
    .with(patched_by)
}

/// The graph's cycles, as errors: only meaningful once every reference resolves.
fn add_cycles(graph: &DependencyGraph, diagnostics: &mut Vec<Diagnostic>) {
    if !diagnostics.iter().any(Diagnostic::is_error) {
        diagnostics.extend(graph.cycles().iter().map(|cycle| cycle.to_diagnostic()));
        diagnostic::sort(diagnostics);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core_tests::toy;
    use crate::provider::Providers;
    use crate::source::SourceFile;
    use proptest::prelude::*;

    fn set(texts: &[&str]) -> SourceSet {
        let mut sources = SourceSet::new();
        for (i, text) in texts.iter().enumerate() {
            sources.add(SourceFile::new(format!("f{i}.yaml"), text.to_string()));
        }
        sources
    }

    /// Everything a check found, comparably.
    fn found(checked: &Checked) -> (Vec<(String, Loc)>, String) {
        let objects = checked
            .catalog
            .objects()
            .iter()
            .map(|o| (o.key().to_string(), o.loc))
            .collect();
        (objects, format!("{:?}", checked.diagnostics))
    }

    #[test]
    fn a_recheck_of_changed_files_finds_what_a_whole_check_finds() {
        let providers = toy::providers();
        let before = [
            "kind: Shelf\nname: s1\n---\nkind: Shelf\nname: s2\n",
            "kind: Book\nname: b1\nshelf: s1\n",
            "kind: Shelf\nname: s3\n",
        ];
        let previous = check(&set(&before), &providers);
        assert_eq!(previous.errors(), 0, "{:?}", previous.diagnostics);
        let cases: [(usize, &str); 5] = [
            // Breaks a reference in a file that did not change.
            (0, "kind: Shelf\nname: s9\n---\nkind: Shelf\nname: s2\n"),
            // Duplicates a name of another file.
            (2, "kind: Shelf\nname: s2\n"),
            (2, "kind: Shelf\nname: [unclosed\n"),
            (1, "kind: Book\nname: b1\nshelf: s3\npages: 12\n"),
            (1, ""),
        ];
        for (file, text) in cases {
            let mut after = before;
            after[file] = text;
            let sources = set(&after);
            let changed = HashSet::from([FileId(file)]);
            let whole = check(&sources, &providers);
            assert!(
                whole.errors() > 0 || file == 1,
                "case {text:?} should break something"
            );
            assert_eq!(
                found(
                    &recheck(
                        &previous.catalog,
                        &previous.graph,
                        &set(&before),
                        &sources,
                        &changed,
                        &providers
                    )
                    .checked
                ),
                found(&whole),
                "{text:?}"
            );
        }
    }

    #[test]
    fn the_work_beside_the_checks_gets_the_catalogue_they_check_valid_or_not() {
        let providers = toy::providers();
        for (text, errors) in [
            (
                "kind: Shelf\nname: s1\n---\nkind: Book\nname: b1\nshelf: s1\n",
                0,
            ),
            // A reference to nothing: the work beside sees the object all the same.
            (
                "kind: Shelf\nname: s1\n---\nkind: Book\nname: b1\nshelf: s9\n",
                1,
            ),
        ] {
            let sources = set(&[text]);
            let seen = Mutex::new(None);
            let beside: Beside<'_> = Box::new(|files, catalog| {
                let keys: Vec<String> = catalog
                    .objects()
                    .iter()
                    .map(|o| o.key().to_string())
                    .collect();
                *seen.lock().unwrap() = Some((files.len(), keys));
            });
            let checked = check_beside(&sources, &providers, Some(beside));
            let alone = check(&sources, &providers);
            assert_eq!(found(&checked), found(&alone));
            assert_eq!(checked.errors(), errors, "{text:?}");
            let keys = alone
                .catalog
                .objects()
                .iter()
                .map(|o| o.key().to_string())
                .collect();
            assert_eq!(seen.into_inner().unwrap(), Some((1, keys)), "{text:?}");
            assert_eq!(
                checked.graph.topological_positions().ok(),
                alone.graph.topological_positions().ok()
            );
        }
    }

    /// The toy language, and one check across documents that reads what an object refers to:
    /// a book may not stand on a shelf labelled `closed` (as a provider's checks may read the
    /// objects referred to, such as an offer's design).
    struct Strict(Providers);

    impl Language for Strict {
        fn kinds(&self) -> Vec<crate::kind::Kind> {
            self.0.kinds()
        }
        fn decode(
            &self,
            kind: crate::kind::Kind,
            decoder: &mut manifest::Decoder<'_>,
            fields: &mut manifest::Fields<'_>,
            meta: Option<manifest::Meta>,
        ) -> Option<Box<dyn manifest::Document>> {
            self.0.decode(kind, decoder, fields, meta)
        }
        fn check_pinned_id(
            &self,
            kind: crate::kind::Kind,
            id: &manifest::Spanned<String>,
            decoder: &mut manifest::Decoder<'_>,
        ) -> bool {
            self.0.check_pinned_id(kind, id, decoder)
        }
        fn ignorable_fields(&self, kind: crate::kind::Kind) -> Vec<&'static str> {
            self.0.ignorable_fields(kind)
        }
        fn validate(&self, catalog: &Catalog, diagnostics: &mut Vec<Diagnostic>) {
            for object in catalog.objects() {
                for site in object.manifest.references() {
                    let Some(manifest::Target::Object(shelf)) =
                        catalog.resolve(site.expected, site.reference)
                    else {
                        continue;
                    };
                    let shelf = catalog.objects()[shelf].manifest.desired(&|_, r| r.into());
                    if shelf["label"] == "closed" {
                        diagnostics.push(
                            Diagnostic::error("closed-shelf", "this shelf is closed")
                                .with_label(site.reference.loc, "here"),
                        );
                    }
                }
            }
        }
    }

    /// One document of the generated sets: a shelf or a book, by number.
    #[derive(Debug, Clone)]
    enum Doc {
        Shelf {
            name: u8,
            label: bool,
            pin: Option<u8>,
        },
        Book {
            name: u8,
            shelf: u8,
            after: Option<u8>,
        },
    }

    impl Doc {
        fn text(&self) -> String {
            match self {
                Doc::Shelf { name, label, pin } => {
                    let label = if *label { "closed" } else { "open" };
                    let pin = pin.map_or(String::new(), |p| format!("id: toy:shelf:{p}\n"));
                    format!("kind: Shelf\nname: s{name}\n{pin}label: {label}\n")
                }
                Doc::Book { name, shelf, after } => {
                    let after =
                        after.map_or(String::new(), |b| format!("dependsOn: [Book/b{b}]\n"));
                    format!("kind: Book\nname: b{name}\nshelf: s{shelf}\n{after}")
                }
            }
        }
    }

    fn file(docs: &[Doc]) -> String {
        docs.iter().map(Doc::text).collect::<Vec<_>>().join("---\n")
    }

    /// A valid set of three files: shelves 0 to 3 (open, some pinned), books 0 to 5 on them,
    /// each depending on an earlier book or none.
    fn valid_set() -> impl Strategy<Value = Vec<Vec<Doc>>> {
        (
            proptest::collection::vec(any::<bool>(), 4),
            proptest::collection::vec((0..4u8, proptest::option::of(0..6u8)), 6),
        )
            .prop_map(|(pins, books)| {
                let shelves: Vec<Doc> = (0..4u8)
                    .map(|i| Doc::Shelf {
                        name: i,
                        label: false,
                        pin: pins[i as usize].then_some(i),
                    })
                    .collect();
                let books: Vec<Doc> = books
                    .into_iter()
                    .enumerate()
                    .map(|(i, (shelf, after))| Doc::Book {
                        name: i as u8,
                        shelf,
                        after: after.filter(|&b| (b as usize) < i),
                    })
                    .collect();
                vec![
                    shelves[..3].to_vec(),
                    books[..4].to_vec(),
                    [&shelves[3..], &books[4..]].concat(),
                ]
            })
    }

    /// A change to one document (by position, modulo the file's length) of the rewritten file.
    #[derive(Debug, Clone)]
    enum Rewrite {
        Label(usize, bool),
        Shelf(usize, u8),
        After(usize, Option<u8>),
        Rename(usize, u8),
        Pin(usize, Option<u8>),
        Remove(usize),
        Add(Doc),
    }

    fn rewrite() -> impl Strategy<Value = Rewrite> {
        prop_oneof![
            (any::<usize>(), any::<bool>()).prop_map(|(i, l)| Rewrite::Label(i, l)),
            (any::<usize>(), 0..5u8).prop_map(|(i, s)| Rewrite::Shelf(i, s)),
            (any::<usize>(), proptest::option::of(0..6u8)).prop_map(|(i, b)| Rewrite::After(i, b)),
            (any::<usize>(), 0..7u8).prop_map(|(i, n)| Rewrite::Rename(i, n)),
            (any::<usize>(), proptest::option::of(0..4u8)).prop_map(|(i, p)| Rewrite::Pin(i, p)),
            any::<usize>().prop_map(Rewrite::Remove),
            (0..7u8, 0..5u8).prop_map(|(name, shelf)| Rewrite::Add(Doc::Book {
                name,
                shelf,
                after: None
            })),
        ]
    }

    fn apply(docs: &mut Vec<Doc>, rewrite: &Rewrite) {
        let n = docs.len().max(1);
        match rewrite.clone() {
            Rewrite::Label(i, closed) => {
                if let Some(Doc::Shelf { label, .. }) = docs.get_mut(i % n) {
                    *label = closed;
                }
            }
            Rewrite::Shelf(i, to) => {
                if let Some(Doc::Book { shelf, .. }) = docs.get_mut(i % n) {
                    *shelf = to;
                }
            }
            Rewrite::After(i, to) => {
                if let Some(Doc::Book { after, .. }) = docs.get_mut(i % n) {
                    *after = to;
                }
            }
            Rewrite::Rename(i, to) => match docs.get_mut(i % n) {
                Some(Doc::Shelf { name, .. } | Doc::Book { name, .. }) => *name = to,
                None => {}
            },
            Rewrite::Pin(i, to) => {
                if let Some(Doc::Shelf { pin, .. }) = docs.get_mut(i % n) {
                    *pin = to;
                }
            }
            Rewrite::Remove(i) => {
                if !docs.is_empty() {
                    docs.remove(i % n);
                }
            }
            Rewrite::Add(doc) => docs.push(doc),
        }
    }

    /// What a check found that the two checks must agree on: the objects, the errors, the graph.
    fn agreed(checked: &Checked) -> (Vec<(String, Loc)>, String, String) {
        let errors: Vec<&Diagnostic> = checked
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .collect();
        (
            found(checked).0,
            format!("{errors:?}"),
            checked.graph.to_dot(),
        )
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]
        /// Rewrites that keep every key and reference, change references, rename, duplicate a
        /// name or a pinned id, close a shelf books stand on, make a cycle, remove or add
        /// documents: the recheck of the rewritten file finds what a whole check finds.
        #[test]
        fn a_recheck_finds_the_errors_a_whole_check_finds(
            files in valid_set(),
            at in 0..3usize,
            rewrites in proptest::collection::vec(rewrite(), 1..4),
        ) {
            let language = Strict(toy::providers());
            let texts: Vec<String> = files.iter().map(|docs| file(docs)).collect();
            let old = set_of(&texts);
            // As a plan checks: its creation order made ahead, which a recheck must not keep.
            let before = check_beside(&old, &language, Some(Box::new(|_, _| {})));
            proptest::prop_assert_eq!(before.errors(), 0, "{:?}", before.diagnostics);
            let mut after = files.clone();
            for rewrite in &rewrites {
                apply(&mut after[at], rewrite);
            }
            let texts: Vec<String> = after.iter().map(|docs| file(docs)).collect();
            let sources = set_of(&texts);
            let whole = check(&sources, &language);
            let changed = HashSet::from([FileId(at)]);
            let again = recheck(&before.catalog, &before.graph, &old, &sources, &changed, &language);
            proptest::prop_assert_eq!(agreed(&again.checked), agreed(&whole));
            proptest::prop_assert_eq!(
                again.checked.graph.topological_positions().ok(),
                whole.graph.topological_positions().ok()
            );
        }
    }

    fn set_of(texts: &[String]) -> SourceSet {
        set(&texts.iter().map(String::as_str).collect::<Vec<_>>())
    }
}
