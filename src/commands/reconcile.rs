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
use crate::source::SourceSet;
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
fn likely_providers(sources: &SourceSet) -> Vec<&'static str> {
    let kinds = crate::providers::builtin().kinds();
    let mut providers = Vec::new();
    for (_, file) in sources.iter() {
        // Found by a substring search, not line by line (4 MB of manifests: ~30 M instructions
        // on the loading's critical path, a tenth of that this way).
        for (at, _) in file.text.match_indices("kind:") {
            if at > 0 && file.text.as_bytes()[at - 1] != b'\n' {
                continue;
            }
            let rest = &file.text[at + "kind:".len()..];
            let line = rest.split_once('\n').map_or(rest, |(line, _)| line);
            let name = line.trim().trim_matches(['"', '\'']);
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

/// Every read repository's live state (or failure), by provider.
type Reads = Vec<(&'static str, Result<LiveState, BackendError>)>;

/// The reads, handed from the reading task to the loading thread, and what that made of them.
#[derive(Default)]
struct Handover {
    /// Put here when the reads are done; taken back by whichever side uses them.
    reads: Option<Reads>,
    /// The live state of the providers the manifests use, compared with the catalogue beside
    /// the checks (when the reads were complete by the time it was named).
    early: Option<Early>,
    /// The manifests' hash, made beside the checks too.
    hash: Option<String>,
}

struct Early {
    providers: Vec<&'static str>,
    live: LiveState,
    comparison: plan::Comparison,
}

fn lock(handover: &std::sync::Mutex<Handover>) -> std::sync::MutexGuard<'_, Handover> {
    handover
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Beside the checks of the manifests (see [`crate::check::Beside`]): when every provider
/// `catalog` uses has been read without error, its live state is compared with the catalogue
/// now, on the core the checks leave idle, rather than after them. Whether the manifests are
/// valid is not known yet: the comparison is used only once they are, and dropped otherwise.
/// Reads not complete, or failed: nothing is done here, the plan is made as without it.
fn compare_early(
    handover: &std::sync::Mutex<Handover>,
    catalog: &Catalog,
    named: &[&'static str],
    prune: bool,
) {
    let Some(mut reads) = lock(handover).reads.take() else {
        tracing::debug!("the reads are not done: objects are compared after the checks");
        return;
    };
    let providers = providers_of(catalog, named);
    let complete = providers
        .iter()
        .all(|p| reads.iter().any(|(read, state)| read == p && state.is_ok()));
    if !complete {
        lock(handover).reads = Some(reads);
        return;
    }
    let states = providers.iter().filter_map(|provider| {
        let at = reads.iter().position(|(read, _)| read == provider)?;
        reads.swap_remove(at).1.ok()
    });
    let live = LiveState::merge(states.collect::<Vec<_>>());
    tracing::debug!("the reads are done: objects are compared beside the checks");
    let comparison = plan::comparison(catalog, &live, crate::providers::builtin(), prune);
    lock(handover).early = Some(Early {
        providers,
        live,
        comparison,
    });
}

/// Loads the manifests, reads the repositories and builds the plan, also
/// returning what the plan was made from. `base` is the base manifests, read once for every
/// environment of the run.
///
/// The manifests are loaded on a blocking thread while every repository that could be opened
/// is read, since one is local parsing and the other mostly waiting for servers. When the
/// reads are done before the manifests are decoded, the objects are compared beside the
/// checks across documents ([`compare_early`]). Once the manifests say which providers the
/// run is about, only their reads count: another provider's read (or its failure) is
/// dropped. Invalid manifests still win: their error is returned once the checks (and a
/// comparison beside them, which is then dropped) end, and the reads are abandoned.
pub async fn plan_with_inputs(
    args: &PlanArgs,
    session: &mut Session,
    base: Arc<BaseManifests>,
    output: Output,
) -> Result<(Planned, super::Manifests, LiveState), CommandError> {
    let manifest_args = args.manifests.clone();
    let target = session.target.clone();
    let scanned = Arc::clone(&base);
    let handover: Arc<std::sync::Mutex<Handover>> = Arc::default();
    let (named, prune) = (args.providers.clone(), session.prune);
    let loader_handover = Arc::clone(&handover);
    let mut loading = tokio::task::spawn_blocking(move || {
        let report = if output.annotate {
            super::Report::Annotations
        } else {
            super::Report::People
        };
        let beside: crate::check::Beside<'_> = Box::new(|sources, catalog| {
            std::thread::scope(|scope| {
                let hash =
                    scope.spawn(|| environments::hash_of(sources, &manifest_args.dir, &target));
                compare_early(&loader_handover, catalog, &named, prune);
                let hash = hash
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                lock(&loader_handover).hash = Some(hash);
            });
        });
        let manifests = environments::load_target(
            &manifest_args,
            &base,
            &target,
            (output, report),
            Some(beside),
        )?;
        let made = lock(&loader_handover).hash.take();
        let hash = made.unwrap_or_else(|| {
            environments::manifests_hash(&manifests, &manifest_args.dir, &target)
        });
        Ok::<_, CommandError>((manifests, hash))
    });
    // Scanned once the loading has started: it delayed it by about 3 ms in a 10,000-object
    // plan (perf samples).
    let likely = likely_providers(&scanned.read.sources);
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
    let mut read_done = false;
    let loaded = loop {
        tokio::select! {
            loaded = &mut loading => break loaded,
            live = &mut reading, if !read_done => {
                lock(&handover).reads = Some(live);
                read_done = true;
            }
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
    let (early, reads) = {
        let mut handover = lock(&handover);
        (handover.early.take(), handover.reads.take())
    };
    let early = early.filter(|early| early.providers == providers);
    let (live, comparison) = match early {
        Some(early) => (early.live, Some(early.comparison)),
        None => {
            let mut reads = match reads {
                Some(reads) => reads,
                // Taken for a comparison that did not fit: read again.
                None if read_done => Vec::new(),
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
            (LiveState::merge(states), None)
        }
    };
    let options = PlanOptions {
        prune: session.prune,
        prune_kinds: args.prune_kinds.clone(),
        deactivate: args.prune_deactivate,
    };
    // Built on a thread of its own: with several environments, the others' reads go on
    // meanwhile on this one.
    let describe = backend.describe();
    let (built, manifests, live) = tokio::task::spawn_blocking(move || {
        let made = plan::Made {
            catalog: &manifests.catalog,
            graph: &manifests.graph,
            live: &live,
            providers: crate::providers::builtin(),
            repository: &describe,
            manifests_hash: &hash,
        };
        let built = plan::build_with(comparison, &made, options);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::ErrorKind;
    use crate::source::SourceFile;
    use std::sync::Mutex;

    /// A catalogue of one Adobe tag, and the name of its provider.
    fn one_tag() -> (Catalog, &'static str) {
        let mut sources = SourceSet::new();
        sources.add(SourceFile::new("tags.yaml", "kind: Tag\nname: a\n"));
        let checked = crate::check::check(&sources, crate::providers::builtin());
        assert_eq!(checked.errors(), 0, "{:?}", checked.diagnostics);
        let provider = checked.catalog.objects()[0].kind().provider();
        let catalog = Arc::try_unwrap(checked.catalog).unwrap_or_else(|c| (*c).clone());
        (catalog, provider)
    }

    #[test]
    fn the_likely_providers_are_those_of_top_level_kind_lines() {
        let provider_of = |name: &str| {
            let kinds = crate::providers::builtin().kinds();
            kinds
                .iter()
                .find(|k| k.as_str() == name)
                .expect("a kind")
                .provider()
        };
        let (adobe, appcharge) = (provider_of("Tag"), provider_of("RollingOffer"));
        let mut sources = SourceSet::new();
        sources.add(SourceFile::new(
            "a.yaml",
            "# kind: RollingOffer\nkind: 'Tag'\r\nname: a\n  kind: RollingOffer\nnote: kind: x\n",
        ));
        assert_eq!(likely_providers(&sources), vec![adobe]);
        sources.add(SourceFile::new("b.yaml", "---\nkind: \"RollingOffer\""));
        assert_eq!(likely_providers(&sources), vec![adobe, appcharge]);
        sources.add(SourceFile::new("c.yaml", "kind:Tag\nkind: Unknown\n"));
        assert_eq!(likely_providers(&sources), vec![adobe, appcharge]);
    }

    #[test]
    fn complete_reads_are_compared_beside_the_checks_and_others_are_left_as_they_were() {
        let (catalog, provider) = one_tag();
        // Not read yet: nothing done.
        let handover = Mutex::new(Handover::default());
        compare_early(&handover, &catalog, &[], false);
        assert!(lock(&handover).early.is_none() && lock(&handover).reads.is_none());

        // Read: the provider's state is taken and compared (a create, as it is empty).
        let handover = Mutex::new(Handover {
            reads: Some(vec![(provider, Ok(LiveState::default()))]),
            ..Handover::default()
        });
        compare_early(&handover, &catalog, &[], false);
        let early = lock(&handover).early.take().expect("compared");
        assert_eq!(early.providers, vec![provider]);
        assert!(early.comparison.problems().is_empty());
        assert!(lock(&handover).reads.as_ref().is_none_or(Vec::is_empty));

        // A failed read, or one of a provider the manifests need missing: nothing compared,
        // the reads handed back for the run to report.
        let failed = BackendError::new(ErrorKind::Unavailable, "cannot list").with_status(503);
        for reads in [
            vec![(provider, Err(failed.clone()))],
            vec![("other", Ok(LiveState::default()))],
        ] {
            let handover = Mutex::new(Handover {
                reads: Some(reads.clone()),
                ..Handover::default()
            });
            compare_early(&handover, &catalog, &[], false);
            assert!(lock(&handover).early.is_none());
            let back = lock(&handover).reads.take().expect("handed back");
            assert_eq!(back.len(), reads.len());
            assert_eq!(back[0].0, reads[0].0);
        }
    }
}
