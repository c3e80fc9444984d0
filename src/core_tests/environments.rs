//! Environments in the core: an environment's effective manifests (patches, removals,
//! environment-only objects, variables) and every located error, through the toy provider.

use std::collections::BTreeMap;

use super::toy::providers;
use crate::check::{Checked, check_layered};
use crate::environment::overlay::Layering;
use crate::source::{FileId, SourceFile, SourceSet};

const BASE: &str = "\
kind: Shelf
name: fiction
label: Novels
---
kind: Book
name: Dune
shelf: fiction
pages: 412
---
kind: Book
name: Emma
shelf: ${{ vars.shelf }}
";

fn layered(overlay: &str, vars: &[(&str, &str)]) -> (SourceSet, Checked) {
    let mut sources = SourceSet::new();
    sources.add(SourceFile::new("offers.d/library.yaml", BASE));
    let overlay = sources.add(SourceFile::new("envs/prod/library.yaml", overlay));
    let layering = Layering {
        overlays: vec![overlay],
        vars: Some(
            vars.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<BTreeMap<_, _>>(),
        ),
    };
    let checked = check_layered(&sources, &layering, &providers());
    (sources, checked)
}

fn errors(sources: &SourceSet, checked: &Checked) -> Vec<String> {
    checked
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| {
            let at = d
                .labels
                .first()
                .map(|l| sources.describe(l.loc))
                .unwrap_or_default();
            format!("{at}: {}", d.message)
        })
        .collect()
}

fn json_of(checked: &Checked, name: &str) -> serde_json::Value {
    let object = checked
        .catalog
        .objects()
        .iter()
        .find(|o| o.name() == name)
        .unwrap_or_else(|| panic!("{name} is not in the catalogue"));
    let resolve = |_: crate::kind::Kind, r: &str| r.to_string();
    object.manifest.desired(&resolve)
}

#[test]
fn patches_removals_own_objects_and_variables_make_the_effective_catalogue() {
    let overlay = "\
kind: Book
name: Dune
patch:
  pages: 500
---
kind: Shelf
name: fiction
patch:
  label: null
---
kind: Book
name: Emma
remove: true
---
kind: Book
name: Solaris
shelf: ${{ vars.shelf }}
";
    let (sources, checked) = layered(overlay, &[("shelf", "fiction")]);
    assert_eq!(errors(&sources, &checked), Vec::<String>::new());
    let names: Vec<&str> = checked.catalog.objects().iter().map(|o| o.name()).collect();
    assert_eq!(names, ["fiction", "Dune", "Solaris"]);
    assert_eq!(json_of(&checked, "Dune")["pages"], 500);
    assert!(
        json_of(&checked, "fiction").get("label").is_none(),
        "null removes a key"
    );
    // Where each object came from, for `render`.
    let dune = &checked.catalog.objects()[1];
    let patches = &checked.patched_by[&dune.loc];
    assert_eq!(sources.describe(patches[0]), "envs/prod/library.yaml:1:1");
}

#[test]
fn a_patched_value_is_located_in_the_overlay() {
    let (sources, checked) = layered(
        "kind: Book\nname: Dune\npatch:\n  pages: many\n",
        &[("shelf", "fiction")],
    );
    let errors = errors(&sources, &checked);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with("envs/prod/library.yaml:4:10:"),
        "{errors:?}"
    );
}

#[test]
fn every_overlay_mistake_is_a_located_error() {
    let cases: &[(&str, &str)] = &[
        (
            "kind: Book\nname: Dnue\npatch:\n  pages: 1\n",
            "envs/prod/library.yaml:2:7: the base manifests define no Book named `Dnue`",
        ),
        (
            "kind: Book\nname: Dune\nshelf: fiction\n",
            "envs/prod/library.yaml:2:7: Book `Dune` is already defined by the base manifests",
        ),
        (
            "kind: Book\nname: Dune\nremove: yes please\n",
            "envs/prod/library.yaml:3:9: `remove` must be `true`, found text",
        ),
        (
            "kind: Book\nname: Dune\npatch:\n  name: Dune II\n",
            "envs/prod/library.yaml:4:3: `name` identifies the object and cannot be patched",
        ),
        (
            "kind: Book\nname: Dune\npages: 3\npatch:\n  pages: 1\n",
            "envs/prod/library.yaml:3:1: `pages` beside `patch:`/`remove:`",
        ),
        (
            // The shelf the books stand on is removed: the books' references are located.
            "kind: Shelf\nname: fiction\nremove: true\n",
            "offers.d/library.yaml:7:8:",
        ),
    ];
    for (overlay, expected) in cases {
        let (sources, checked) = layered(overlay, &[("shelf", "fiction")]);
        let errors = errors(&sources, &checked);
        assert!(
            errors.iter().any(|e| e.starts_with(expected)),
            "{overlay}: expected {expected:?} in {errors:#?}"
        );
    }
}

#[test]
fn an_undefined_variable_is_named_where_it_is_used() {
    let (sources, checked) = layered("", &[("shelves", "fiction")]);
    let errors = errors(&sources, &checked);
    assert_eq!(
        errors,
        ["offers.d/library.yaml:12:8: undefined variable `shelf`"],
        "{errors:?}"
    );
    let help = checked.diagnostics[0].help.clone().unwrap_or_default();
    assert!(help.contains("did you mean `shelves`?"), "{help}");
}

#[test]
fn overlay_files_are_told_apart_by_id() {
    // The second file of the set is the overlay; its documents never join the base.
    let (_, checked) = layered("kind: Shelf\nname: poetry\n", &[("shelf", "fiction")]);
    let poetry = checked
        .catalog
        .objects()
        .iter()
        .find(|o| o.name() == "poetry")
        .unwrap();
    assert_eq!(poetry.loc.file, FileId(1));
}

#[test]
fn a_shared_base_keeps_only_the_trees_an_overlay_names_and_serves_each_environment_once() {
    use crate::manifest::{Overlays, SharedBase, load_layered};
    let mut sources = SourceSet::new();
    sources.add(SourceFile::new("offers.d/library.yaml", BASE));
    let dev = sources.add(SourceFile::new(
        "envs/dev/library.yaml",
        "kind: Book\nname: Dune\npatch:\n  pages: 500\n",
    ));
    let prod = sources.add(SourceFile::new(
        "envs/prod/library.yaml",
        "kind: Book\nname: Dune\nremove: true\n",
    ));
    let names = crate::environment::overlay::names_in(
        [dev, prod].map(|file| sources.get(file).text.clone()),
    )
    .into_iter()
    .collect();
    let overlays = [dev, prod];
    let shared = SharedBase::new(
        &sources,
        |file| !overlays.contains(&file),
        Overlays {
            names: Some(&names),
            environments: 2,
        },
        &providers(),
    );
    // `fiction` is named by no overlay and uses no variable: decoded as parsed, tree dropped.
    let trees: Vec<bool> = shared
        .base
        .documents
        .iter()
        .map(|d| d.tree.is_some())
        .collect();
    assert_eq!(trees, [false, true, true]);
    let vars = Some(BTreeMap::from([(
        "shelf".to_string(),
        "fiction".to_string(),
    )]));
    let load = |overlay: FileId| {
        let layering = Layering {
            overlays: vec![overlay],
            vars: vars.clone(),
        };
        load_layered(&shared, &sources, &layering, &providers()).0
    };
    let (dev_loaded, prod_loaded) = (load(dev), load(prod));
    let names_of = |loaded: &crate::manifest::Loaded| {
        loaded
            .catalog
            .objects()
            .iter()
            .map(|o| o.name().to_string())
            .collect::<Vec<_>>()
    };
    assert!(dev_loaded.diagnostics.iter().all(|d| !d.is_error()));
    assert_eq!(names_of(&dev_loaded), ["fiction", "Dune", "Emma"]);
    assert_eq!(names_of(&prod_loaded), ["fiction", "Emma"]);
    // Each environment got `fiction` (the second one took it); a third load, beyond the
    // run's environments, is a located error, never an object silently missing.
    let third = load(dev);
    assert!(
        third
            .diagnostics
            .iter()
            .any(|d| d.code == "base-internal" && d.is_error()),
        "{:?}",
        third.diagnostics
    );
}

/// Everything a check found, comparably: each object with where it is and what it sends, the
/// problems, and the creation order.
fn found(checked: &Checked) -> (Vec<String>, String, String) {
    let resolve = |_: crate::kind::Kind, r: &str| r.to_string();
    let objects = checked
        .catalog
        .objects()
        .iter()
        .map(|o| format!("{} {:?} {}", o.key(), o.loc, o.manifest.desired(&resolve)))
        .collect();
    let order = format!("{:?}", checked.graph.topological_order());
    (objects, format!("{:?}", checked.diagnostics), order)
}

#[test]
fn environments_that_leave_the_base_as_written_share_one_check_and_the_others_get_their_own() {
    use crate::check::SharedChecks;
    use crate::manifest::{Overlays, SharedBase};
    // No variables; removing the shelf breaks what the books refer to, so problems are
    // compared too.
    let base = super::CATALOGUE;
    let overlays: [(&str, &[&str]); 6] = [
        ("none", &[]),
        ("empty", &["# nothing differs here\n"]),
        ("patch", &["kind: Book\nname: Dune\npatch:\n  pages: 500\n"]),
        ("remove", &["kind: Book\nname: Emma\nremove: true\n"]),
        ("remove-again", &["kind: Book\nname: Emma\nremove: true\n"]),
        ("broken", &["kind: Shelf\nname: fiction\nremove: true\n"]),
    ];
    let sources_of = |texts: &[&str]| {
        let mut sources = SourceSet::new();
        sources.add(SourceFile::new("offers.d/library.yaml", base));
        let files: Vec<FileId> = texts
            .iter()
            .enumerate()
            .map(|(i, text)| sources.add(SourceFile::new(format!("envs/{i}.yaml"), *text)))
            .collect();
        let layering = Layering {
            overlays: files,
            vars: Some(BTreeMap::new()),
        };
        (sources, layering)
    };
    let names = crate::environment::overlay::names_in(overlays.iter().flat_map(|(_, t)| t.iter()))
        .into_iter()
        .collect();
    let (base_sources, _) = sources_of(&[]);
    let shared = SharedChecks::new(SharedBase::new(
        &base_sources,
        |_| true,
        Overlays {
            names: Some(&names),
            environments: overlays.len(),
        },
        &providers(),
    ));
    let mut as_written = Vec::new();
    for (name, texts) in overlays {
        let (sources, layering) = sources_of(texts);
        let layered = crate::environment::overlay::layer(&shared.shared.base, &sources, &layering);
        as_written.push(layered.as_written(&shared.shared.base));
        let alone = check_layered(&sources, &layering, &providers());
        // Whether its check is shared or its own, the work beside it sees its catalogue.
        let seen = std::sync::Mutex::new(None);
        let beside: crate::check::Beside<'_> = Box::new(|files, catalog| {
            *seen.lock().unwrap() = Some((files.len(), catalog.objects().len()));
        });
        let together = shared.check_beside(&sources, &layering, &providers(), Some(beside));
        assert_eq!(found(&together), found(&alone), "environment {name}");
        assert_eq!(
            seen.into_inner().unwrap(),
            Some((sources.len(), alone.catalog.objects().len())),
            "environment {name}"
        );
        assert_eq!(
            together.errors() > 0,
            name == "broken",
            "environment {name}"
        );
    }
    // Which environments share a check: those with the same base documents as written.
    assert_eq!(as_written[0], Some(vec![0, 1, 2]));
    assert_eq!(
        as_written[1], as_written[0],
        "an overlay that changes nothing"
    );
    assert_eq!(
        as_written[2], None,
        "a patched document is the environment's own"
    );
    assert_eq!(as_written[3], Some(vec![0, 1]));
    assert_eq!(as_written[4], as_written[3]);
    assert_eq!(as_written[5], Some(vec![1, 2]));
}
