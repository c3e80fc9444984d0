//! `offerctl plan`: what apply would change, for review, drift detection and saving; for one
//! environment or several (each against its own repository, shown one after the other).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::Output;
use super::environments::{self, Target};
use super::reconcile::{
    Planned, Session, connect, discard, excess_deletes, plan_with_inputs, runtime, show,
    workspace_of,
};
use crate::cli::{PlanArgs, PlanCommand, PlanFormat};
use crate::exit::{CommandError, Exit};
use crate::files::write_atomically;
use crate::plan::{Plan, render};

pub fn run(command: &PlanCommand, output: Output) -> Result<Exit, CommandError> {
    let workspace = workspace_of(&command.plan, command.all_envs, true)?;
    let base = Arc::new(environments::read_base(
        &command.plan.manifests,
        &workspace.targets,
    )?);
    let mut sessions = workspace
        .targets
        .iter()
        .map(|target| connect(&command.plan, None, &workspace, target))
        .collect::<Result<Vec<Session>, _>>()?;
    // Each environment is planned on a thread of its own, with its own runtime: one
    // environment's pages are parsed while another's are, on every core, rather than all of
    // them on one thread.
    let results = crate::parallel::each(sessions.iter_mut(), |session| {
        runtime()?.block_on(plan_one(command, session, base.clone(), output))
    });
    // What the environments' manifests were made from (shared between them) is freed meanwhile.
    discard(base);
    let mut plans = Vec::new();
    let mut failure = None;
    for (result, session) in results.into_iter().zip(&sessions) {
        match result {
            Ok(plan) => plans.push((session.target.clone(), plan)),
            Err(error) if workspace.targets.len() > 1 => {
                // Every environment's problem is reported; the first decides the exit code.
                eprintln!("error: {}", error.message);
                failure.get_or_insert(CommandError::reported(error.exit));
            }
            Err(error) => return Err(error),
        }
    }
    // With --output html, --out names the report, which embeds the saved plan.
    let report = command.plan.output == PlanFormat::Html && command.out.is_some();
    if !report && workspace.targets.len() == 1 {
        let (_, plan) = &plans[0];
        show(plan, command.plan.output, output);
    } else if !report {
        show_environments(&plans, command.plan.output, output);
    }
    // A plan changes nothing, so it is shown and saved whatever it deletes; `apply` enforces
    // the limit (exit 6), and the warning says so before anyone tries.
    for ((target, plan), session) in plans.iter().zip(&sessions) {
        if let Some(excess) = excess_deletes(plan, &command.plan, session)
            && !output.quiet
        {
            let env = target
                .name()
                .map(|n| format!(" (environment {n})"))
                .unwrap_or_default();
            eprintln!(
                "warning: `offerctl apply` will refuse this plan{env} (exit 6, before any write): it {excess}"
            );
        }
    }
    if let Some(path) = &command.out {
        for (target, plan) in &plans {
            save(path, target, plan, plans.len(), report, output)?;
        }
    }
    if let Some(failure) = failure {
        return Err(failure);
    }
    let changes = plans.iter().any(|(_, p)| p.summary.has_changes());
    // Every change of every plan: freeing them is not worth waiting for before exiting.
    discard(plans);
    Ok(if command.detailed_exitcode && changes {
        Exit::Changes
    } else {
        Exit::Success
    })
}

/// One environment's plan, with the decision impact of its changes.
async fn plan_one(
    command: &PlanCommand,
    session: &mut Session,
    base: Arc<environments::BaseManifests>,
    output: Output,
) -> Result<Plan, CommandError> {
    Ok(
        plan_with_impact(&command.plan, &command.tests.dir, session, base, output)
            .await?
            .plan,
    )
}

/// A plan with the decision impact of its changes on the expectations in `tests` (when that
/// exists): what `plan` shows, and what `apply` shows before asking to apply it.
pub(super) async fn plan_with_impact(
    args: &PlanArgs,
    tests: &Path,
    session: &mut Session,
    base: Arc<environments::BaseManifests>,
    output: Output,
) -> Result<Planned, CommandError> {
    let (mut planned, manifests, live) = plan_with_inputs(args, session, base, output).await?;
    // Nothing changes for customers when nothing changes: the expectations are not even read.
    let changed = crate::plan::impact::changed(&planned.plan);
    if !changed.is_empty() && tests.exists() {
        planned.plan.impact = impact(tests, &manifests.catalog, &live, &changed, output);
    }
    discard((manifests, live));
    Ok(planned)
}

/// Where a plan of `target` is saved: `path`, or with several environments `path` with
/// `{env}` replaced by the environment's name.
fn saved_path(path: &Path, target: &Target, several: bool) -> Result<PathBuf, CommandError> {
    let text = path.display().to_string();
    match target.name() {
        Some(name) if text.contains("{env}") => Ok(PathBuf::from(text.replace("{env}", name))),
        _ if several => Err(CommandError::new(
            Exit::Invalid,
            format!(
                "--out {text}: a saved plan belongs to one environment; with several, put `{{env}}` in the path (--out 'plan.{{env}}.json')"
            ),
        )),
        _ => Ok(path.to_path_buf()),
    }
}

fn save(
    path: &Path,
    target: &Target,
    plan: &Plan,
    count: usize,
    report: bool,
    output: Output,
) -> Result<(), CommandError> {
    let path = saved_path(path, target, count > 1)?;
    let saved = if report {
        render::html(plan, crate::providers::builtin())
    } else {
        render::json(plan)
    };
    write_atomically(&path, &saved).map_err(|e| {
        CommandError::new(
            Exit::Error,
            format!("cannot save the plan to {}: {e}", path.display()),
        )
    })?;
    if !output.quiet {
        let env = target
            .name()
            .map(|n| format!(" (environment {n})"))
            .unwrap_or_default();
        eprintln!(
            "Saved the plan{env} to {}. Apply exactly this plan with: offerctl apply {}",
            path.display(),
            path.display()
        );
    }
    Ok(())
}

/// Several environments' plans: a section each (never interleaved), one JSON document with a
/// plan per environment, or a markdown summary table and a section each.
fn show_environments(plans: &[(Target, Plan)], format: PlanFormat, output: Output) {
    let named: Vec<(&str, &Plan)> = plans
        .iter()
        .map(|(target, plan)| (target.name().unwrap_or(""), plan))
        .collect();
    match format {
        PlanFormat::Json => {
            let mut map = serde_json::Map::new();
            for (name, plan) in &named {
                map.insert(
                    name.to_string(),
                    serde_json::to_value(plan).unwrap_or_default(),
                );
            }
            let document = serde_json::json!({ "environments": map });
            println!(
                "{}",
                serde_json::to_string_pretty(&document).unwrap_or_default()
            );
        }
        PlanFormat::Markdown => {
            let parts = render::markdown_environments(&named, crate::providers::builtin());
            print!("{}", parts.join("\n"));
        }
        PlanFormat::Html => {
            print!(
                "{}",
                render::html_environments(&named, crate::providers::builtin())
            );
        }
        PlanFormat::Text => {
            for (i, (name, plan)) in named.iter().enumerate() {
                if i > 0 {
                    println!();
                }
                println!("=== Environment {name} ({}) ===", plan.repository);
                show(plan, format, output);
            }
        }
    }
}

/// The expectations whose outcome the plan changes; none (with a warning) when the
/// expectations cannot be read, since they must not stand in the way of a plan.
fn impact(
    dir: &std::path::Path,
    catalog: &crate::manifest::Catalog,
    live: &crate::live::LiveState,
    changed: &crate::plan::impact::Changed,
    output: Output,
) -> Vec<crate::plan::impact::Impact> {
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
    cases.impact(catalog, live, changed, time::OffsetDateTime::now_utc())
}
