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
    ordered(manifest::load(sources, language), HashMap::new())
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
        let layered = overlay::layer(&self.shared.base, sources, layering);
        let whole = |layered| {
            let (loaded, patched_by) = manifest::load_effective(&self.shared, layered, language);
            ordered(loaded, patched_by)
        };
        let Some(documents) = layered.as_written(&self.shared.base) else {
            return whole(layered);
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
        once.get_or_init(|| whole(layered)).clone()
    }
}

/// [`check`] of `sources` where only the files `changed` differ from those `previous` was
/// checked from, without errors, under the same ids: only the changed files are parsed and
/// decoded, the other objects are taken from `previous` (decoding a document reads nothing
/// else, so it would decode them the same); the checks across documents and the ordering run
/// on the whole set, as [`check`]'s do. So it finds the errors `check` would.
pub fn recheck(
    previous: &Catalog,
    sources: &SourceSet,
    changed: &HashSet<FileId>,
    language: &dyn Language,
) -> Checked {
    let (fresh, diagnostics, syntax_errors) = manifest::decode_files(
        sources,
        |file| changed.contains(&file),
        language,
        crate::yaml::PART_SIZE,
    );
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
    ordered(loaded, HashMap::new())
}

fn ordered(loaded: manifest::Loaded, patched_by: HashMap<Loc, Vec<Loc>>) -> Checked {
    let graph = DependencyGraph::build(&loaded.catalog);
    let mut diagnostics = loaded.diagnostics;
    // Cycles are only meaningful once every reference resolves.
    if !diagnostics.iter().any(Diagnostic::is_error) {
        diagnostics.extend(graph.cycles().iter().map(|cycle| cycle.to_diagnostic()));
        diagnostic::sort(&mut diagnostics);
    }
    Checked {
        catalog: Arc::new(loaded.catalog),
        graph: Arc::new(graph),
        diagnostics,
        patched_by,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core_tests::toy;
    use crate::source::SourceFile;

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
                found(&recheck(&previous.catalog, &sources, &changed, &providers)),
                found(&whole),
                "{text:?}"
            );
        }
    }
}
