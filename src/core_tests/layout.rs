//! The layout the architecture promises: a core that names no vendor, top-level modules without
//! import cycles, and no source file over 800 lines. Read from the source tree itself.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The top-level module a file belongs to (`plan` for `src/plan/render.rs`).
fn module_of(path: &Path) -> String {
    let relative = path.strip_prefix(src()).unwrap();
    let first = relative
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_string()
}

/// Composition edges (the binary, flags, commands) and vendors are not the core.
fn is_core(module: &str) -> bool {
    !matches!(
        module,
        "providers" | "commands" | "cli" | "main" | "lib" | "core_tests"
    )
}

#[test]
fn the_core_names_no_vendor() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let forbidden = [
        "xdm:",
        "ns.adobe.com",
        "providers::adobe",
        "xcore:",
        "/_instance",
        "FallbackOffer",
    ];
    let mut found = Vec::new();
    for file in files.iter().filter(|f| is_core(&module_of(f))) {
        let text = std::fs::read_to_string(file).unwrap();
        for word in forbidden {
            if text.contains(word) {
                found.push(format!("{} mentions `{word}`", file.display()));
            }
        }
    }
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn top_level_modules_have_no_import_cycle_and_files_stay_small() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let mut uses: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut long = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        if text.lines().count() > 800 {
            long.push(file.display().to_string());
        }
        let from = module_of(file);
        for (i, _) in text.match_indices("crate::") {
            let name: String = text[i + 7..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty()
                && name != from
                && !matches!(from.as_str(), "core_tests" | "lib" | "main")
            {
                uses.entry(from.clone()).or_default().insert(name);
            }
        }
    }
    assert!(long.is_empty(), "files over 800 lines: {long:?}");
    // Depth-first search for a path back to where it started.
    fn reaches(
        uses: &BTreeMap<String, BTreeSet<String>>,
        from: &str,
        to: &str,
        seen: &mut BTreeSet<String>,
    ) -> bool {
        uses.get(from)
            .into_iter()
            .flatten()
            .any(|next| next == to || (seen.insert(next.clone()) && reaches(uses, next, to, seen)))
    }
    let cycles: Vec<&String> = uses
        .keys()
        .filter(|m| reaches(&uses, m, m, &mut BTreeSet::new()))
        .collect();
    assert!(
        cycles.is_empty(),
        "modules in an import cycle: {cycles:?}\n{uses:#?}"
    );
}
