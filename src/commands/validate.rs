//! `offerctl validate`: report every problem in the manifests, located.

use super::{Output, Report, load_reported, plural};
use crate::cli::{ValidateArgs, ValidateFormat};
use crate::exit::{CommandError, Exit};

pub fn run(command: &ValidateArgs, output: Output) -> Result<Exit, CommandError> {
    let args = &command.manifests;
    let report = match command.output {
        ValidateFormat::Json => Report::Json,
        ValidateFormat::Github => Report::Annotations,
        ValidateFormat::Text if output.annotate => Report::Annotations,
        ValidateFormat::Text => Report::People,
    };
    let manifests = load_reported(args, output, report)?;
    if !output.quiet && report != Report::Json {
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
