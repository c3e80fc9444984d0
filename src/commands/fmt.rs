//! `offerctl fmt`: rewrite manifests in canonical form (what `export` writes), keeping comments.

use super::reconcile::write_atomically;
use super::{Output, load_manifests, plural};
use crate::cli::FmtArgs;
use crate::exit::{CommandError, Exit};
use crate::format;
use crate::manifest::Document;

pub fn run(args: &FmtArgs, output: Output) -> Result<Exit, CommandError> {
    let (_, manifests) = load_manifests(&args.manifests, args.config.config.as_deref(), output)?;
    let mut changed = Vec::new();
    for (file, source) in manifests.sources.iter() {
        let objects: Vec<&dyn Document> = manifests
            .catalog
            .objects()
            .iter()
            .filter(|o| o.loc.file == file)
            .map(|o| o.manifest.as_ref())
            .collect();
        if objects.is_empty() {
            continue; // only comments: nothing to format
        }
        if manifests.environment.is_some() && !written_as_is(&manifests, file, objects.len()) {
            // The effective object differs from what the file says (patched by an overlay,
            // or using variables): formatting it would write this environment's values.
            continue;
        }
        let Some(text) = format::format(&source.text, &objects) else {
            return Err(CommandError::new(
                Exit::Error,
                format!(
                    "cannot format {}: its documents could not be matched",
                    source.path
                ),
            ));
        };
        if text != *source.text {
            changed.push((source.path.clone(), text));
        }
    }
    if args.check {
        for (path, _) in &changed {
            println!("{path}");
        }
        if changed.is_empty() {
            return Ok(Exit::Success);
        }
        return Err(CommandError::new(
            Exit::Invalid,
            format!(
                "{} not in canonical form; run `offerctl fmt --dir {}`",
                if changed.len() == 1 {
                    "1 file is".to_string()
                } else {
                    format!("{} files are", changed.len())
                },
                args.manifests.dir.display()
            ),
        ));
    }
    for (path, text) in &changed {
        write_atomically(std::path::Path::new(path), text)
            .map_err(|e| CommandError::new(Exit::Error, format!("cannot write {path}: {e}")))?;
        println!("{path}");
    }
    if !output.quiet {
        eprintln!(
            "{} rewritten, {} already canonical.",
            plural(changed.len(), "file"),
            plural(manifests.sources.len() - changed.len(), "file")
        );
    }
    Ok(Exit::Success)
}

/// Whether every document of `file` is an object exactly as written: not patched by an overlay,
/// no `${{ vars }}` replaced, and no overlay `patch:`/`remove:` documents beside them.
fn written_as_is(
    manifests: &super::Manifests,
    file: crate::source::FileId,
    objects: usize,
) -> bool {
    let text = &manifests.sources.get(file).text;
    if text.contains("${{") {
        return false;
    }
    let patched = manifests.patched_by.keys().any(|loc| loc.file == file);
    !patched && crate::yaml::parse(text).documents.len() == objects
}
