//! One integration-test binary for the offline commands (see the modules below).

mod apply;
mod ci_examples;
mod cli;
#[path = "../support/mod.rs"]
mod common;
mod diff;
mod environments;
mod export;
mod fuzz;
mod graph;
mod plan;
mod readme;
mod render;
mod report;
mod schema;
mod unmodelled;
mod validate;

use std::path::{Path, PathBuf};

use offerctl::check::{Checked, check};
use offerctl::source::{SourceFile, SourceSet};

/// The repository root, where `offers.d/` and `examples/` live.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The sample catalogue and every example catalogue (examples/ci holds workflow files;
/// examples/environments is read per environment, in `environments.rs`).
pub fn catalogue_dirs() -> Vec<PathBuf> {
    let mut dirs = vec![root().join("offers.d")];
    for entry in std::fs::read_dir(root().join("examples")).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() && !path.ends_with("ci") && !path.ends_with("environments") {
            dirs.push(path);
        }
    }
    dirs
}

/// Reads a manifest directory (or file) exactly as the CLI does.
pub fn read(path: &Path) -> SourceSet {
    let read = offerctl::sources::read(path).expect("readable manifests");
    assert!(read.diagnostics.is_empty(), "{:?}", read.diagnostics);
    read.sources
}

/// Checks one in-memory file shown as `display`.
pub fn check_text(display: &str, text: &str) -> (SourceSet, Checked) {
    let mut sources = SourceSet::new();
    sources.add(SourceFile::new(display, text));
    let checked = check(&sources, offerctl::providers::builtin());
    (sources, checked)
}
