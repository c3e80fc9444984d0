//! `offerctl show`: a saved plan (or the plan embedded in an HTML report) rendered in any
//! format, without reading the repository.

use std::path::Path;

use super::Output;
use super::reconcile::rendered;
use crate::cli::ShowCommand;
use crate::exit::{CommandError, Exit};
use crate::files::write_atomically;
use crate::plan::{self, Plan, render};

pub fn run(command: &ShowCommand, output: Output) -> Result<Exit, CommandError> {
    let plan = read_plan_file(&command.plan_file)?;
    match &command.out {
        Some(path) => {
            write_atomically(path, &rendered(&plan, command.output, false)).map_err(|e| {
                CommandError::new(Exit::Error, format!("cannot write {}: {e}", path.display()))
            })?;
            if !output.quiet {
                eprintln!("Wrote {}.", path.display());
            }
        }
        None => {
            use std::io::IsTerminal;
            let color = output.color && std::io::stdout().is_terminal();
            print!("{}", rendered(&plan, command.output, color));
        }
    }
    Ok(Exit::Success)
}

/// Reads a saved plan: the JSON `plan --out` writes, or the one an HTML report embeds (exit 3
/// when it is neither, or of a format this offerctl cannot read).
pub fn read_plan_file(path: &Path) -> Result<Plan, CommandError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        CommandError::new(
            Exit::Invalid,
            format!("cannot read the plan {}: {e}", path.display()),
        )
    })?;
    let json = match render::embedded_plan(&text) {
        Some(json) => json,
        None if text.trim_start().starts_with('<') => {
            return Err(CommandError::new(
                Exit::Invalid,
                format!(
                    "{} holds no single saved plan (an HTML report of several environments embeds one per environment; apply each environment's plan file)",
                    path.display()
                ),
            ));
        }
        None => text,
    };
    let plan: Plan = serde_json::from_str(&json).map_err(|e| {
        CommandError::new(
            Exit::Invalid,
            format!("{} is not an offerctl plan: {e}", path.display()),
        )
    })?;
    let major = |v: &str| v.split('.').next().map(str::to_string);
    if major(&plan.format_version) != major(plan::FORMAT_VERSION) {
        return Err(CommandError::new(
            Exit::Invalid,
            format!(
                "{} has plan format {}; this offerctl reads {}",
                path.display(),
                plan.format_version,
                plan::FORMAT_VERSION
            ),
        ));
    }
    Ok(plan)
}
