//! `offerctl render`: an environment's effective manifests (the base with its overlays and
//! variables applied), canonical, each object with a comment saying where it came from — for
//! review and debugging, like `kustomize build`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{Output, load_manifests, plural};
use crate::cli::RenderArgs;
use crate::exit::{CommandError, Exit};
use crate::manifest::emit;

pub fn run(args: &RenderArgs, output: Output) -> Result<Exit, CommandError> {
    let (target, manifests) =
        load_manifests(&args.manifests, args.config.config.as_deref(), output)?;
    let providers = crate::providers::builtin();
    let order = manifests
        .graph
        .topological_order()
        .map_err(|_| CommandError::reported(Exit::Invalid))?;
    // By file (one per kind with --out), in creation order.
    let mut files: BTreeMap<String, String> = BTreeMap::new();
    for key in &order {
        let Some(at) = manifests.catalog.get(key.kind, &key.name) else {
            continue;
        };
        let object = &manifests.catalog.objects()[at];
        let file = format!(
            "{}.yaml",
            providers.of(object.kind()).file_name(object.kind())
        );
        let text = files.entry(file).or_default();
        if !text.is_empty() {
            text.push_str("---\n");
        }
        let _ = writeln!(
            text,
            "# {}: {}",
            object.key(),
            origin(&manifests, object.loc)
        );
        text.push_str(&emit::document(object.manifest.as_ref()));
    }
    let environment = target.name().unwrap_or("(no environment)");
    match &args.out {
        None => {
            println!("# offerctl render: environment {environment}");
            for (i, text) in files.values().enumerate() {
                if i > 0 {
                    println!("---");
                }
                print!("{text}");
            }
        }
        Some(dir) => {
            std::fs::create_dir_all(dir).map_err(|e| {
                CommandError::new(Exit::Error, format!("cannot create {}: {e}", dir.display()))
            })?;
            for (name, text) in &files {
                let path = dir.join(name);
                let text = format!("# offerctl render: environment {environment}\n{text}");
                super::reconcile::write_atomically(&path, &text).map_err(|e| {
                    CommandError::new(Exit::Error, format!("cannot write {}: {e}", path.display()))
                })?;
            }
            if !output.quiet {
                eprintln!(
                    "Rendered {} of environment {environment} into {} in {}.",
                    plural(manifests.catalog.objects().len(), "object"),
                    plural(files.len(), "file"),
                    dir.display()
                );
            }
        }
    }
    Ok(Exit::Success)
}

/// `from offers.d/tags.yaml:3, patched by envs/prod/tags.yaml:1`.
fn origin(manifests: &super::Manifests, loc: crate::source::Loc) -> String {
    let mut text = format!("from {}", manifests.sources.describe(loc));
    if manifests.overlays.contains(&loc.file) {
        text.push_str(" (this environment only)");
    }
    if let Some(patches) = manifests.patched_by.get(&loc) {
        let places: Vec<String> = patches
            .iter()
            .map(|p| manifests.sources.describe(*p))
            .collect();
        let _ = write!(text, ", patched by {}", places.join(", "));
    }
    text
}
