//! `offerctl plan`: what apply would change, for review, drift detection and saving.

use super::Output;
use super::reconcile::{connect, guard_deletes, plan_with_inputs, runtime, show, write_atomically};
use crate::cli::{PlanCommand, PlanFormat};
use crate::exit::{CommandError, Exit};
use crate::plan::render;

pub fn run(command: &PlanCommand, output: Output) -> Result<Exit, CommandError> {
    let mut session = connect(&command.plan, None)?;
    let (planned, manifests, live) =
        runtime()?.block_on(plan_with_inputs(&command.plan, &mut session, output))?;
    let mut plan = planned.plan;
    if command.tests.dir.exists() {
        plan.impact = impact(&command.tests.dir, &manifests.catalog, &live, output);
    }
    // With --output html, --out names the report (which embeds the saved plan).
    let report = command.plan.output == PlanFormat::Html && command.out.is_some();
    if !report {
        show(&plan, command.plan.output, output);
    }
    guard_deletes(&plan, &command.plan, &session)?;
    if let Some(path) = &command.out {
        let saved = if report {
            render::html(&plan, &crate::providers::builtin())
        } else {
            render::json(&plan)
        };
        write_atomically(path, &saved).map_err(|e| {
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

/// The expectations whose outcome the plan changes; none (with a warning) when the
/// expectations cannot be read, since they must not stand in the way of a plan.
fn impact(
    dir: &std::path::Path,
    catalog: &crate::manifest::Catalog,
    live: &crate::live::LiveState,
    output: Output,
) -> Vec<crate::plan::impact::Impact> {
    use crate::providers::adobe::decide::{catalogue::Catalogue, impact};
    let cases = match super::test::load_cases(dir, output) {
        Ok(cases) => cases,
        Err(error) => {
            if !output.quiet {
                eprintln!(
                    "warning: no decision impact in this plan: {}",
                    error.message
                );
            }
            return Vec::new();
        }
    };
    let (live_catalogue, _) = Catalogue::of_live(live);
    let ids = live_catalogue.known_ids();
    let desired = Catalogue::of_catalog(catalog).with_ids(ids);
    impact::impact(
        &cases,
        &live_catalogue,
        &desired,
        time::OffsetDateTime::now_utc(),
    )
}
