//! `offerctl apply`: make the repository match the manifests, or apply a saved plan exactly.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::sync::Mutex;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::json;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::Output;
use super::reconcile::{
    Session, connect, guard_deletes, providers_of, read_live, route, runtime, show,
};
use crate::apply::{self, Event, Options, Report, Status};
use crate::backend::{Backend, BackendError, ErrorKind};
use crate::cli::{ApplyCommand, PlanArgs};
use crate::exit::{CommandError, Exit};
use crate::plan::{self, Action, Plan};

pub fn run(command: &ApplyCommand, output: Output) -> Result<Exit, CommandError> {
    let mut args = command.plan.clone();
    if let Some(path) = &command.plan_file {
        bind_environment(path, &mut args)?;
    }
    let (workspace, target) = super::environments::single(
        args.remote.config.as_deref(),
        &args.manifests.environments.envs,
    )?;
    let mut session = connect(&args, command.parallelism, &workspace, &target)?;
    session.writes = true;
    runtime()?.block_on(run_async(command, &args, &mut session, output))
}

/// A saved plan belongs to the environment it was made for: applying it selects that
/// environment, and naming another one is refused before anything is read or written.
fn bind_environment(path: &Path, args: &mut PlanArgs) -> Result<(), CommandError> {
    let plan = super::show::read_plan_file(path)?;
    let requested = &args.manifests.environments.envs;
    match (&plan.environment, requested.as_slice()) {
        (Some(made), []) => args.manifests.environments.envs = vec![made.clone()],
        (Some(made), [asked]) if asked != made => {
            return Err(CommandError::new(
                Exit::Conflict,
                format!(
                    "{} was made for environment `{made}`, not `{asked}`: nothing was applied; plan `{asked}` on its own",
                    path.display()
                ),
            ));
        }
        (None, [asked]) => {
            return Err(CommandError::new(
                Exit::Conflict,
                format!(
                    "{} was made without an environment, not for `{asked}`: nothing was applied",
                    path.display()
                ),
            ));
        }
        _ => {}
    }
    Ok(())
}

async fn run_async(
    command: &ApplyCommand,
    args: &PlanArgs,
    session: &mut Session,
    output: Output,
) -> Result<Exit, CommandError> {
    let (plan, stale, backend) = match &command.plan_file {
        Some(path) => {
            let (sources, hash) = saved_plan_sources(args, &session.target)?;
            let providers = saved_plan_providers(&sources, args);
            let backend = route(&mut session.repositories, &providers, output)?;
            let (plan, stale) = load_saved_plan(path, args, &hash, &backend, &providers).await?;
            (plan, stale, backend)
        }
        None => {
            let base = std::sync::Arc::new(super::environments::read_base(
                &args.manifests,
                std::slice::from_ref(&session.target),
            )?);
            let tests = &command.tests.dir;
            let planned = super::plan::plan_with_impact(args, tests, session, base, output).await?;
            (planned.plan, HashMap::new(), planned.backend)
        }
    };
    let backend: &dyn Backend = &backend;
    show(&plan, args.output, output);
    guard_deletes(&plan, args, session)?;
    if !plan.summary.has_changes() {
        return Ok(Exit::Success);
    }
    if command.plan_file.is_none() && !command.auto_approve {
        confirm()?;
    }
    let mut journal = match &command.journal {
        Some(path) => Some(Journal::open(path, &plan)?),
        None => None,
    };
    let total = plan.actions().count() as u64;
    let progress = Progress::new(total, output);
    let mut on_event = |event: Event<'_>| {
        if let Some(journal) = journal.as_mut() {
            journal.record(&event);
        }
        progress.update(&event);
    };
    let options = Options {
        parallelism: session.parallelism,
    };
    let report = apply::apply(&plan, backend, &options, stale, &mut on_event).await;
    progress.finish();
    print_report(&report, output);
    Ok(report.exit())
}

/// Reads a saved plan and checks that it still applies: same format, same manifests, same
/// repository, and every object still at the revision the plan saw. Objects that changed are
/// returned as failures (stale), so that nothing of theirs is overwritten.
/// The providers a saved plan is about: as for a new plan, those of the manifests' kinds (the
/// manifests are checked to be the ones the plan was made from) plus those named.
fn saved_plan_providers(sources: &Option<LayeredSources>, args: &PlanArgs) -> Vec<&'static str> {
    let catalog = match sources {
        Some((read, layering)) => match layering {
            Some(layering) => {
                crate::check::check_layered(&read.sources, layering, crate::providers::builtin())
                    .catalog
            }
            None => crate::check::check(&read.sources, crate::providers::builtin()).catalog,
        },
        None => Default::default(),
    };
    providers_of(&catalog, &args.providers)
}

type LayeredSources = (
    crate::sources::ReadSources,
    Option<crate::environment::overlay::Layering>,
);

/// The manifests of the environment as files (when they can be read), and their hash as a
/// saved plan records it.
fn saved_plan_sources(
    args: &PlanArgs,
    target: &super::environments::Target,
) -> Result<(Option<LayeredSources>, Option<String>), CommandError> {
    let Ok(base) = super::environments::read_base(&args.manifests, std::slice::from_ref(target))
    else {
        return Ok((None, None));
    };
    let (read, layering) = super::environments::sources_of(&base.read, target)?;
    let hash = super::environments::hash_of(&read.sources, &args.manifests.dir, target);
    Ok((Some((read, layering)), Some(hash)))
}

async fn load_saved_plan(
    path: &Path,
    args: &PlanArgs,
    hash: &Option<String>,
    backend: &dyn Backend,
    providers: &[&'static str],
) -> Result<(Plan, HashMap<String, BackendError>), CommandError> {
    // Read (JSON or an HTML report) and its format version checked by `show`.
    let plan = super::show::read_plan_file(path)?;
    if let Some(why) = plan::saved::altered(&plan) {
        return Err(CommandError::new(
            Exit::Invalid,
            format!(
                "refusing {}: {why}. Nothing was changed; run `offerctl plan --out` again",
                path.display()
            ),
        ));
    }
    if let Some(hash) = hash
        && *hash != plan.manifests_hash
    {
        return Err(CommandError::new(
            Exit::Conflict,
            format!(
                "the manifests in {} changed since {} was made; run `offerctl plan` again",
                args.manifests.dir.display(),
                path.display()
            ),
        ));
    }
    // After the read: the repository's identity may only be complete once it has been used.
    let live = read_live(backend, providers).await?;
    if plan.repository != backend.describe() {
        return Err(CommandError::new(
            Exit::Conflict,
            format!(
                "{} was made for {}, not {}",
                path.display(),
                plan.repository,
                backend.describe()
            ),
        ));
    }
    let stale = plan::saved::stale(&plan, &live)
        .into_iter()
        .map(|(address, message)| {
            let error = BackendError::new(ErrorKind::Conflict, format!("stale: {message}"));
            (address, error)
        })
        .collect();
    Ok((plan, stale))
}

fn confirm() -> Result<(), CommandError> {
    if !std::io::stdin().is_terminal() {
        return Err(CommandError::new(
            Exit::Error,
            "refusing to apply without confirmation: stdin is not a terminal. Review the plan, then pass --auto-approve",
        ));
    }
    eprint!("Apply these changes? Only 'yes' will be accepted: ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| CommandError::new(Exit::Error, format!("cannot read the answer: {e}")))?;
    if answer.trim() != "yes" {
        return Err(CommandError::new(
            Exit::Error,
            "apply cancelled: nothing was changed",
        ));
    }
    Ok(())
}

/// A progress bar on a terminal, one line per finished change otherwise.
struct Progress {
    bar: Option<ProgressBar>,
    quiet: bool,
}

impl Progress {
    fn new(total: u64, output: Output) -> Self {
        let bar = (std::io::stderr().is_terminal() && !output.quiet).then(|| {
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
            if let Ok(style) = ProgressStyle::with_template("{bar:30} {pos}/{len} {wide_msg}") {
                bar.set_style(style);
            }
            bar
        });
        Progress {
            bar,
            quiet: output.quiet,
        }
    }

    fn update(&self, event: &Event<'_>) {
        let Event::Finished(outcome) = event else {
            return;
        };
        let line = match &outcome.status {
            Status::Succeeded { .. } => {
                format!("{} {}", past_tense(outcome.action), outcome.address)
            }
            Status::Failed { error } => format!(
                "FAILED {} {}: {error}",
                verb(outcome.action),
                outcome.address
            ),
            Status::Skipped { because } => format!("skipped {}: {because}", outcome.address),
        };
        // One line whatever a name or an error holds (names are display text).
        let line = crate::printable::printable(&line).into_owned();
        match &self.bar {
            Some(bar) => {
                bar.inc(1);
                bar.set_message(line);
            }
            None if !self.quiet => eprintln!("{line}"),
            None => {}
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

fn verb(action: Action) -> &'static str {
    match action {
        Action::Create => "create",
        Action::Update => "update",
        Action::Delete => "delete",
        Action::NoOp => "check",
    }
}

fn past_tense(action: Action) -> &'static str {
    match action {
        Action::Create => "created",
        Action::Update => "updated",
        Action::Delete => "deleted",
        Action::NoOp => "unchanged",
    }
}

fn print_report(report: &Report, output: Output) {
    let mut out = String::new();
    let problems: Vec<_> = report
        .outcomes
        .iter()
        .filter(|o| !matches!(o.status, Status::Succeeded { .. }))
        .collect();
    if !problems.is_empty() {
        out.push_str("\nNot applied:\n");
        for outcome in problems {
            let (label, detail) = match &outcome.status {
                Status::Failed { error } => ("failed ", error.to_string()),
                Status::Skipped { because } => ("skipped", because.clone()),
                Status::Succeeded { .. } => continue,
            };
            let line = format!(
                "{label}  {} {}: {detail}",
                verb(outcome.action),
                outcome.address
            );
            out.push_str(&format!("  {}\n", crate::printable::printable(&line)));
        }
    }
    out.push_str(&format!(
        "\nApply finished: {} succeeded, {} failed, {} skipped.\n",
        report.succeeded(),
        report.failed(),
        report.skipped()
    ));
    if report.failed() > 0 {
        out.push_str("Run `offerctl plan` to see what remains; applying again resumes.\n");
    }
    if !output.quiet || report.failed() > 0 {
        print!("{out}");
    }
}

/// `--journal FILE`: one JSON object per line for every call, flushed as it happens, so an
/// interrupted run can be audited.
struct Journal {
    file: Mutex<File>,
}

impl Journal {
    fn open(path: &Path, plan: &Plan) -> Result<Self, CommandError> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| {
                CommandError::new(
                    Exit::Error,
                    format!("cannot open the journal {}: {e}", path.display()),
                )
            })?;
        let journal = Journal {
            file: Mutex::new(file),
        };
        journal.write(json!({
            "time": now(),
            "event": "apply",
            "repository": plan.repository,
            "manifestsHash": plan.manifests_hash,
            "changes": plan.actions().count(),
        }));
        Ok(journal)
    }

    fn record(&mut self, event: &Event<'_>) {
        let line = match event {
            Event::Started(change) => json!({
                "time": now(),
                "event": "start",
                "intent": verb(change.action),
                "address": change.address,
                "instanceId": change.live.as_ref().map(|l| &l.instance_id),
                "ifMatch": change.live.as_ref().map(|l| &l.etag),
            }),
            Event::Finished(outcome) => {
                let mut line = json!({
                    "time": now(),
                    "event": "finish",
                    "intent": verb(outcome.action),
                    "address": outcome.address,
                });
                match &outcome.status {
                    Status::Succeeded { receipt } => {
                        line["status"] = json!("succeeded");
                        if let Some(r) = receipt {
                            line["instanceId"] = json!(r.instance_id);
                            line["id"] = json!(r.id);
                            line["etag"] = json!(r.etag);
                            line["requestId"] = json!(r.request_id);
                        }
                    }
                    Status::Failed { error } => {
                        line["status"] = json!("failed");
                        line["error"] = json!(error.message);
                        line["httpStatus"] = json!(error.status);
                        line["requestId"] = json!(error.request_id);
                    }
                    Status::Skipped { because } => {
                        line["status"] = json!("skipped");
                        line["because"] = json!(because);
                    }
                }
                line
            }
        };
        self.write(line);
    }

    fn write(&self, line: serde_json::Value) {
        if let Ok(mut file) = self.file.lock() {
            // A journal that cannot be written must not stop the apply; say so once per line.
            if writeln!(file, "{line}").and_then(|_| file.flush()).is_err() {
                eprintln!("warning: could not write to the journal");
            }
        }
    }
}

fn now() -> String {
    OffsetDateTime::now_utc()
        .format(&Rfc3339)
        .unwrap_or_default()
}
