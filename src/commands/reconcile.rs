//! What `plan` and `apply` share: connect, read the live state, build and show the plan, and
//! guard against deletes.

use std::io::IsTerminal;
use std::path::Path;

use super::{Manifests, Output, load_manifests, plural};
use crate::backend::{Backend, BackendError};
use crate::cli::{PlanArgs, PlanFormat};
use crate::diagnostic;
use crate::exit::{CommandError, Exit};
use crate::live::{self, LiveState};
use crate::plan::{self, Action, Plan, PlanOptions, render};
use crate::providers::adobe::config;

/// A connected repository and the effective settings of this run (flags, then
/// `offerctl.yaml`, then defaults).
pub struct Session {
    pub backend: Box<dyn Backend>,
    pub prune: bool,
    pub max_deletes: usize,
    pub parallelism: usize,
}

/// Opens the configured repository, announcing the embedded one on stderr.
pub fn open(
    remote: &config::RemoteArgs,
    output: Output,
) -> Result<config::Connection, CommandError> {
    let connection = config::connect(remote)?;
    if let Some(line) = &connection.announcement
        && !output.quiet
    {
        eprintln!("{line}");
    }
    Ok(connection)
}

/// Opens the repository and settles this run's settings.
pub fn connect(
    args: &PlanArgs,
    parallelism: Option<u64>,
    output: Output,
) -> Result<Session, CommandError> {
    let connection = open(&args.remote, output)?;
    let file = &connection.file;
    let prune = args.prune || file.prune == Some(true);
    if !prune && !args.prune_kinds.is_empty() {
        return Err(CommandError::new(
            Exit::Invalid,
            "--prune-kind limits pruning: it needs --prune (or `prune: true` in offerctl.yaml)",
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
        backend: connection.backend,
    })
}

pub fn runtime() -> Result<tokio::runtime::Runtime, CommandError> {
    tokio::runtime::Runtime::new()
        .map_err(|e| CommandError::new(Exit::Error, format!("cannot start the async runtime: {e}")))
}

/// A failed repository call as the command's error.
pub fn backend_error(context: &str, error: BackendError) -> CommandError {
    CommandError::new(error.exit(), format!("{context}: {error}"))
}

pub async fn read_live(backend: &dyn Backend) -> Result<LiveState, CommandError> {
    live::read(backend, &crate::providers::builtin().kinds())
        .await
        .map_err(|e| backend_error(&format!("cannot read {}", backend.describe()), e))
}

/// Loads the manifests, reads the repository and builds the plan.
///
/// The manifests are loaded on a blocking thread while the repository is read, since one is
/// local parsing and the other mostly waiting for the server. Invalid manifests still win:
/// their error is returned as soon as it is known, and the read is abandoned.
pub async fn make_plan(
    args: &PlanArgs,
    session: &Session,
    output: Output,
) -> Result<(Manifests, Plan), CommandError> {
    let backend = session.backend.as_ref();
    let manifest_args = args.manifests.clone();
    let mut loading = tokio::task::spawn_blocking(move || {
        let manifests = load_manifests(&manifest_args, output)?;
        let hash = plan::hash_sources(&manifests.sources, &manifest_args.dir);
        Ok::<_, CommandError>((manifests, hash))
    });
    let mut reading = std::pin::pin!(read_live(backend));
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
    let live = match read {
        Some(live) => live?,
        None => reading.await?,
    };
    let options = PlanOptions {
        prune: session.prune,
        prune_kinds: args.prune_kinds.clone(),
    };
    let plan = plan::build(
        &manifests.catalog,
        &manifests.graph,
        &live,
        &crate::providers::builtin(),
        &backend.describe(),
        &hash,
        options,
    )
    .map_err(|diagnostics| {
        eprint!(
            "{}",
            diagnostic::render(&diagnostics, &manifests.sources, output.color)
        );
        CommandError::new(
            Exit::Invalid,
            format!(
                "the manifests cannot be matched to the repository ({})",
                plural(diagnostics.len(), "problem")
            ),
        )
    })?;
    Ok((manifests, plan))
}

/// Prints the plan to stdout in the chosen format.
pub fn show(plan: &Plan, format: PlanFormat, output: Output) {
    let text = match format {
        PlanFormat::Text => {
            let color = output.color && std::io::stdout().is_terminal();
            render::text(plan, &crate::providers::builtin(), color)
        }
        PlanFormat::Json => render::json(plan),
        PlanFormat::Markdown => render::markdown(plan, &crate::providers::builtin()),
    };
    print!("{text}");
}

/// Refuses a plan with more deletes than allowed (exit 6).
pub fn guard_deletes(plan: &Plan, args: &PlanArgs, session: &Session) -> Result<(), CommandError> {
    let deletes = plan
        .actions()
        .filter(|c| c.action == Action::Delete)
        .count();
    let max = session.max_deletes;
    if deletes > max && !args.allow_delete {
        let limit = if max > 0 {
            format!(" (more than --max-deletes {max})")
        } else {
            String::new()
        };
        return Err(CommandError::new(
            Exit::Refused,
            format!(
                "refusing a plan that deletes {}{limit}: review it, then pass --allow-delete (or --max-deletes {deletes})",
                plural(deletes, "object")
            ),
        ));
    }
    Ok(())
}

/// Writes `contents` to `path` atomically: a crash leaves the old file or the new one.
pub fn write_atomically(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut temp = tempfile::NamedTempFile::new_in(dir)?;
    temp.write_all(contents.as_bytes())?;
    temp.as_file().sync_all()?;
    temp.persist(path).map_err(|e| e.error)?;
    Ok(())
}
