//! The whole offline check of a manifest set: load and validate, then order (cycles).
//! Pure, so the CLI and the tests run exactly the same checks.

use crate::diagnostic::{self, Diagnostic};
use crate::graph::DependencyGraph;
use crate::manifest::{self, Catalog, Language};
use crate::source::SourceSet;

#[derive(Debug)]
pub struct Checked {
    pub catalog: Catalog,
    pub graph: DependencyGraph,
    /// Every problem found, sorted by location.
    pub diagnostics: Vec<Diagnostic>,
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
    let loaded = manifest::load(sources, language);
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
    }
}
