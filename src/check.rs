//! The whole offline check of a manifest set: load and validate, then order (cycles).
//! Pure, so the CLI and the tests run exactly the same checks.

use crate::diagnostic::{self, Diagnostic};
use crate::graph::DependencyGraph;
use crate::manifest::{self, Catalog, Language, SharedBase};
use std::collections::HashMap;

use crate::environment::overlay::Layering;
use crate::source::{Loc, SourceSet};

#[derive(Debug)]
pub struct Checked {
    pub catalog: Catalog,
    pub graph: DependencyGraph,
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
    check_shared(&shared, sources, layering, language)
}

/// [`check_layered`] with the base parsed (and decoded) once for several environments.
pub fn check_shared(
    shared: &SharedBase,
    sources: &SourceSet,
    layering: &Layering,
    language: &dyn Language,
) -> Checked {
    let (loaded, patched_by) = manifest::load_layered(shared, sources, layering, language);
    ordered(loaded, patched_by)
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
        catalog: loaded.catalog,
        graph,
        diagnostics,
        patched_by,
    }
}
