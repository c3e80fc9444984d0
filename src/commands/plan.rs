//! `offerctl plan`: what apply would change, for review, drift detection and saving.

use super::Output;
use super::reconcile::{connect, guard_deletes, make_plan, runtime, show, write_atomically};
use crate::cli::PlanCommand;
use crate::exit::{CommandError, Exit};
use crate::plan::render;

pub fn run(command: &PlanCommand, output: Output) -> Result<Exit, CommandError> {
    let mut session = connect(&command.plan, None)?;
    let plan = runtime()?
        .block_on(make_plan(&command.plan, &mut session, output))?
        .plan;
    show(&plan, command.plan.output, output);
    guard_deletes(&plan, &command.plan, &session)?;
    if let Some(path) = &command.out {
        write_atomically(path, &render::json(&plan)).map_err(|e| {
            CommandError::new(
                Exit::Error,
                format!("cannot save the plan to {}: {e}", path.display()),
            )
        })?;
        if !output.quiet {
            eprintln!(
                "Saved the plan to {}. Apply exactly this plan with: offerctl apply {}",
                path.display(),
                path.display()
            );
        }
    }
    Ok(if command.detailed_exitcode && plan.summary.has_changes() {
        Exit::Changes
    } else {
        Exit::Success
    })
}
