//! `offerctl validate`: report every problem in the manifests, located.

use super::{Output, load_manifests, plural};
use crate::cli::ManifestArgs;
use crate::exit::{CommandError, Exit};

pub fn run(args: &ManifestArgs, output: Output) -> Result<Exit, CommandError> {
    let manifests = load_manifests(args, output)?;
    if !output.quiet {
        let warnings = match manifests.warnings {
            0 => String::new(),
            n => format!(" ({})", plural(n, "warning")),
        };
        println!(
            "{}: {} in {} valid{warnings}",
            args.dir.display(),
            plural(manifests.catalog.objects().len(), "object"),
            plural(manifests.sources.len(), "file"),
        );
    }
    Ok(Exit::Success)
}
