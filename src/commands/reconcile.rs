//! What `plan` and `apply` share: connect, read the live state, build and show the plan, and
//! guard against deletes.

use std::io::IsTerminal;
use std::sync::Arc;

use super::environments::{self, Target, Workspace};
use super::{Output, plural};
use crate::backend::{Backend, BackendError, Routed};
use crate::cli::{PlanArgs, PlanFormat};
use crate::exit::{CommandError, Exit};
use crate::live::{self, LiveState};
use crate::manifest::Catalog;
use crate::plan::{self, Action, Plan, PlanOptions, render};
use crate::providers::connect::{self, Repositories, Repository};
use environments::BaseManifests;

/// The providers' repositories and the effective settings of this run (flags, then
/// `offerctl.yaml`, then defaults).
pub struct Session {
    /// The environment this session plans (unnamed when offerctl.yaml defines none).
    pub target: Target,
    pub repositories: Vec<Repository>,
    pub prune: bool,
    pub max_deletes: usize,
    pub parallelism: usize,
    /// The run writes after reading (apply): the backends are told so before they list
    /// ([`Backend::expect_writes`]).
    pub writes: bool,
}

/// Opens every provider's repository of `target` (no network I/O).
pub fn open(
    remote: &crate::providers::RemoteArgs,
    appcharge: &crate::providers::AppchargeArgs,
    workspace: &Workspace,
    target: &Target,
) -> Result<Repositories, CommandError> {
    connect::connect(
        remote,
        appcharge,
        &workspace.config,
        &target.environment,
        &target.layer,
    )
    .map_err(|e| in_environment(target, e))
}

/// `error` said of `target` when the run has named environments.
pub fn in_environment(target: &Target, error: CommandError) -> CommandError {
    match target.name() {
        Some(name) if !error.message.contains(&format!("environment `{name}`")) => {
            CommandError::new(
                error.exit,
                format!("environment `{name}`: {}", error.message),
            )
        }
        _ => error,
    }
}

/// The workspace of `plan` and `apply`: the configuration file read once, the environments
/// chosen (several only where `several`).
pub fn workspace_of(args: &PlanArgs, all: bool, several: bool) -> Result<Workspace, CommandError> {
    super::environments::workspace(
        args.remote.config.as_deref(),
        &args.manifests.environments.envs,
        all,
        several,
    )
}

/// Opens the repositories of `target` and settles this run's settings.
pub fn connect(
    args: &PlanArgs,
    parallelism: Option<u64>,
    workspace: &Workspace,
    target: &Target,
) -> Result<Session, CommandError> {
    let repositories = open(&args.remote, &args.appcharge, workspace, target)?;
    let file = &repositories.file;
    let prune = args.prune || file.prune == Some(true);
    if !prune && !args.prune_kinds.is_empty() {
        return Err(CommandError::new(
            Exit::Invalid,
            "--prune-kind limits pruning: it needs --prune (or `prune: true` in offerctl.yaml)",
        ));
    }
    if !prune && args.prune_deactivate {
        return Err(CommandError::new(
            Exit::Invalid,
            "--prune-deactivate says how to prune: it needs --prune (or `prune: true` in offerctl.yaml)",
        ));
    }
    let as_usize = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
    Ok(Session {
        prune,
        max_deletes: args
            .max_deletes
            .or(file.max_deletes.map(as_usize))
            .unwrap_or(0),
        parallelism: parallelism
            .or(file.parallelism)
            .map(as_usize)
            .unwrap_or(8)
            .max(1),
        target: target.clone(),
        repositories: repositories.list,
        writes: false,
    })
}

/// The repositories of `providers` as one backend, announcing the embedded ones on stderr.
/// Fails when one of them could not be opened.
pub fn route(
    repositories: &mut [Repository],
    providers: &[&'static str],
    output: Output,
) -> Result<Routed, CommandError> {
    let mut backends = Vec::new();
    for repository in repositories
        .iter_mut()
        .filter(|r| providers.contains(&r.provider))
    {
        let backend = repository.open()?;
        if let Some(line) = repository.announcement.take()
            && !output.quiet
        {
            eprintln!("{line}");
        }
        backends.push((repository.provider, backend));
    }
    Ok(Routed::new(backends))
}

/// The providers a run over `catalog` talks to: those of its kinds, plus those named.
pub fn providers_of(catalog: &Catalog, named: &[&'static str]) -> Vec<&'static str> {
    let mut providers: Vec<&'static str> = catalog
        .objects()
        .iter()
        .map(|o| o.kind().provider())
        .chain(named.iter().copied())
        .collect();
    providers.sort();
    providers.dedup();
    providers
}

/// The runtime of a command's network calls: one thread. The calls wait on the network far
/// more than they compute, and what computes (parsing the manifests, comparing objects) has
/// threads of its own; worker threads would only add malloc arenas holding freed response
/// bodies (about 3 MB of peak memory on a 10,000-object plan, at the same speed).
pub fn runtime() -> Result<tokio::runtime::Runtime, CommandError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CommandError::new(Exit::Error, format!("cannot start the async runtime: {e}")))
}

/// A failed repository call as the command's error.
pub fn backend_error(context: &str, error: BackendError) -> CommandError {
    CommandError::new(error.exit(), format!("{context}: {error}"))
}

/// The kinds of `providers`.
fn kinds_of(providers: &[&str]) -> Vec<crate::kind::Kind> {
    crate::providers::builtin()
        .kinds()
        .into_iter()
        .filter(|k| providers.contains(&k.provider()))
        .collect()
}

/// Every object of the kinds of `providers`.
pub async fn read_live(
    backend: &dyn Backend,
    providers: &[&str],
) -> Result<LiveState, CommandError> {
    live::read(backend, &kinds_of(providers))
        .await
        .map_err(|e| backend_error(&format!("cannot read {}", backend.describe()), e))
}

/// A plan and the repositories it is about.
pub struct Planned {
    pub plan: Plan,
    pub backend: Routed,
}

/// The providers whose kinds the base manifests name in a top-level `kind:` line: a cheap look
/// before the manifests are parsed, so that only their repositories are read meanwhile. A
/// provider it misses is read once the manifests say so; one it names wrongly costs a read.
fn likely_providers(base: &environments::BaseManifests) -> Vec<&'static str> {
    let kinds = crate::providers::builtin().kinds();
    let mut providers = Vec::new();
    for (_, file) in base.read.sources.iter() {
        for line in file.text.lines() {
            let Some(rest) = line.strip_prefix("kind:") else {
                continue;
            };
            let name = rest.trim().trim_matches(['"', '\'']);
            if let Some(kind) = kinds.iter().find(|k| k.as_str() == name)
                && !providers.contains(&kind.provider())
            {
                providers.push(kind.provider());
            }
        }
    }
    providers
}

pub use crate::parallel::discard;

/// Loads the manifests, reads the repositories and builds the plan, also
/// returning what the plan was made from. `base` is the base manifests, read once for every
/// environment of the run.
///
/// The manifests are loaded on a blocking thread while every repository that could be opened
/// is read, since one is local parsing and the other mostly waiting for servers. Once the
/// manifests say which providers the run is about, only their reads count: another
/// provider's read (or its failure) is dropped. Invalid manifests still win: their error is
/// returned as soon as it is known, and the reads are abandoned.
pub async fn plan_with_inputs(
    args: &PlanArgs,
    session: &mut Session,
    base: Arc<BaseManifests>,
    output: Output,
) -> Result<(Planned, super::Manifests, LiveState), CommandError> {
    let manifest_args = args.manifests.clone();
    let target = session.target.clone();
    let scanned = Arc::clone(&base);
    let mut loading = tokio::task::spawn_blocking(move || {
        let report = if output.annotate {
            super::Report::Annotations
        } else {
            super::Report::People
        };
        let manifests = environments::load_target(&manifest_args, &base, &target, output, report)?;
        let hash = environments::manifests_hash(&manifests, &manifest_args.dir, &target);
        Ok::<_, CommandError>((manifests, hash))
    });
    // Scanned once the loading has started: it delayed it by about 3 ms in a 10,000-object
    // plan (perf samples).
    let likely = likely_providers(&scanned);
    // Vendors' services are read meanwhile; embedded repositories only once a run needs them
    // (opening one creates files under the state directory), and they are quick to read.
    // Only the providers the manifests seem to use (or that are named): a configured vendor
    // the run does not use is not listed.
    let open: Vec<(&'static str, Arc<dyn Backend>)> = session
        .repositories
        .iter()
        .filter(|r| likely.contains(&r.provider) || args.providers.contains(&r.provider))
        .filter_map(|r| Some((r.provider, r.ready()?)))
        .collect();
    if session.writes {
        for (_, backend) in &open {
            backend.expect_writes();
        }
    }
    let reads = open.iter().map(|(provider, backend)| async move {
        let kinds = kinds_of(&[provider]);
        (*provider, live::read(backend.as_ref(), &kinds).await)
    });
    let mut reading = std::pin::pin!(futures::future::join_all(reads));
    let mut read = None;
    let loaded = loop {
        tokio::select! {
            loaded = &mut loading => break loaded,
            live = &mut reading, if read.is_none() => read = Some(live),
        }
    };
    let (manifests, hash) = match loaded {
        Ok(loaded) => loaded?,
        Err(failed) => std::panic::resume_unwind(failed.into_panic()),
    };
    let providers = providers_of(&manifests.catalog, &args.providers);
    let backend = route(&mut session.repositories, &providers, output)
        .map_err(|e| in_environment(&session.target, e))?;
    if session.writes {
        // Repositories opened only now (embedded ones) list below.
        backend.expect_writes();
    }
    let mut reads = match read {
        Some(reads) => reads,
        None => reading.await,
    };
    let mut states = Vec::new();
    for provider in &providers {
        let result = match reads.iter().position(|(p, _)| p == provider) {
            Some(at) => reads.swap_remove(at).1,
            None => live::read(&backend, &kinds_of(&[provider])).await,
        };
        let state = result.map_err(|e| {
            let describe = open
                .iter()
                .find(|(p, _)| p == provider)
                .map_or_else(|| backend.describe(), |(_, b)| b.describe());
            in_environment(
                &session.target,
                backend_error(&format!("cannot read {describe}"), e),
            )
        })?;
        states.push(state);
    }
    let live = LiveState::merge(states);
    let options = PlanOptions {
        prune: session.prune,
        prune_kinds: args.prune_kinds.clone(),
        deactivate: args.prune_deactivate,
    };
    // Built on a thread of its own: with several environments, the others' reads go on
    // meanwhile on this one.
    let describe = backend.describe();
    let (built, manifests, live) = tokio::task::spawn_blocking(move || {
        let built = plan::build(
            &manifests.catalog,
            &manifests.graph,
            &live,
            crate::providers::builtin(),
            &describe,
            &hash,
            options,
        );
        (built, manifests, live)
    })
    .await
    .unwrap_or_else(|failed| std::panic::resume_unwind(failed.into_panic()));
    let mut plan = built.map_err(|diagnostics| {
        let report = if output.annotate {
            super::Report::Annotations
        } else {
            super::Report::People
        };
        super::report_diagnostics(&diagnostics, &manifests.sources, output, report);
        CommandError::new(
            Exit::Invalid,
            format!(
                "the manifests cannot be matched to the repository ({})",
                plural(diagnostics.len(), "problem")
            ),
        )
    })?;
    plan.environment = session.target.name().map(str::to_string);
    Ok((Planned { plan, backend }, manifests, live))
}

/// Prints the plan to stdout in the chosen format.
pub fn show(plan: &Plan, format: PlanFormat, output: Output) {
    let color = output.color && std::io::stdout().is_terminal();
    print!("{}", rendered(plan, format, color));
}

/// The plan in the chosen format (coloured text when `color`).
pub fn rendered(plan: &Plan, format: PlanFormat, color: bool) -> String {
    match format {
        PlanFormat::Text => render::text(plan, crate::providers::builtin(), color),
        PlanFormat::Json => render::json(plan),
        PlanFormat::Markdown => render::markdown(plan, crate::providers::builtin()),
        PlanFormat::Html => render::html(plan, crate::providers::builtin()),
    }
}

/// Refuses a plan with more deletes than allowed (exit 6): what `apply` does before any write.
pub fn guard_deletes(plan: &Plan, args: &PlanArgs, session: &Session) -> Result<(), CommandError> {
    match excess_deletes(plan, args, session) {
        Some(excess) => Err(CommandError::new(
            Exit::Refused,
            format!("refusing a plan that {excess}"),
        )),
        None => Ok(()),
    }
}

/// Why `apply` would refuse `plan`, if it would: it deletes more objects than allowed. Said as
/// "deletes N objects (more than ...): review it, then pass ...".
pub fn excess_deletes(plan: &Plan, args: &PlanArgs, session: &Session) -> Option<String> {
    let deletes = plan
        .actions()
        .filter(|c| c.action == Action::Delete)
        .count();
    let max = session.max_deletes;
    if deletes <= max || args.allow_delete {
        return None;
    }
    let limit = if max > 0 {
        format!(" (more than --max-deletes {max})")
    } else {
        String::new()
    };
    Some(format!(
        "deletes {}{limit}: review it, then pass --allow-delete (or --max-deletes {deletes})",
        plural(deletes, "object")
    ))
}
