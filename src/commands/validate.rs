//! `offerctl validate`: report every problem in the manifests, located; with environments,
//! in each environment chosen (the base read once, each environment's overlays on top).

use super::environments::{check_target, read_base, workspace};
use super::{Output, Report, finish_loading, plural};
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
    let workspace = workspace(
        command.config.config.as_deref(),
        &args.environments.envs,
        command.all_envs,
        report != Report::Json,
    )?;
    let base = read_base(args, &workspace.targets)?;
    // Every environment is checked at once (the base parsed once, shared); each is reported
    // in order.
    let checked = crate::parallel::each(&workspace.targets, |target| {
        check_target(&base, target, None)
    });
    let mut failure = None;
    for (target, checked) in workspace.targets.iter().zip(checked) {
        let loaded = checked.and_then(|(read, checked, overlays)| {
            finish_loading(args, read, checked, overlays, output, report)
        });
        let manifests = match loaded {
            Ok(manifests) => manifests,
            Err(error) if workspace.targets.len() > 1 => {
                eprintln!("error: {}: {}", target.label(), error.message);
                failure.get_or_insert(CommandError::reported(error.exit));
                continue;
            }
            Err(error) => return Err(error),
        };
        if !output.quiet && report != Report::Json {
            let warnings = match manifests.warnings {
                0 => String::new(),
                n => format!(" ({})", plural(n, "warning")),
            };
            let environment = target
                .name()
                .map(|n| format!(" (environment {n})"))
                .unwrap_or_default();
            println!(
                "{}{environment}: {} in {} valid{warnings}",
                args.dir.display(),
                plural(manifests.catalog.objects().len(), "object"),
                plural(manifests.sources.len(), "file"),
            );
        }
    }
    match failure {
        Some(failure) => Err(failure),
        None => Ok(Exit::Success),
    }
}
