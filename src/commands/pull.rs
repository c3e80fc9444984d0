//! `offerctl pull`: adopt the repository's changes into the manifest files, in place.
//!
//! The rewriting is pure (`crate::pull`); this is the edge: plan, decide where new objects'
//! documents go, then print the diff (`--dry-run`) or write each file atomically.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::environments::{Target, Workspace};
use super::reconcile::{connect, plan_with_inputs, runtime};
use super::{Output, plural};
use crate::cli::{PlanArgs, PlanFormat, PullArgs, PullInto};
use crate::exit::{CommandError, Exit};
use crate::files::write_atomically;
use crate::kind::Kind;
use crate::pull::{self, FileChange, NewTarget, Outcome, Selection};
use crate::source::{FileId, SourceSet};

pub fn run(args: &PullArgs, output: Output) -> Result<Exit, CommandError> {
    let name = super::name_filter(args.name.as_deref())?;

    let plan_args = PlanArgs {
        manifests: args.manifests.clone(),
        remote: args.remote.clone(),
        appcharge: args.appcharge.clone(),
        providers: args.providers.clone(),
        prune: false,
        prune_deactivate: false,
        prune_kinds: Vec::new(),
        allow_delete: false,
        max_deletes: None,
        output: PlanFormat::Text,
    };
    let (workspace, target) = super::environments::single(
        plan_args.remote.config.as_deref(),
        &plan_args.manifests.environments.envs,
    )?;
    let base = std::sync::Arc::new(super::environments::read_base(
        &plan_args.manifests,
        std::slice::from_ref(&target),
    )?);
    let mut session = connect(&plan_args, None, &workspace, &target)?;
    let (planned, mut manifests, live) =
        runtime()?.block_on(plan_with_inputs(&plan_args, &mut session, base, output))?;
    let plan = planned.plan;
    let layered = target.environment.vars.is_some();
    let (overlays, overlay_paths) = if layered {
        patch_files(&mut manifests, &args.manifests.dir, &target, &workspace)
    } else {
        (Vec::new(), Vec::new())
    };
    let vars = target.environment.vars.clone();
    let check = |rewritten: &SourceSet| {
        let overlays = rewritten
            .iter()
            .filter(|(_, f)| overlay_paths.contains(&f.path))
            .map(|(id, _)| id)
            .collect();
        let layering = crate::environment::overlay::Layering {
            overlays,
            vars: vars.clone(),
        };
        crate::check::check_layered(rewritten, &layering, crate::providers::builtin())
    };
    let patch_file = |base: FileId| -> FileId {
        let path = mirror(
            &manifests.sources.get(base).path,
            &args.manifests.dir,
            &target,
            &workspace,
        );
        manifests
            .sources
            .iter()
            .find(|(_, f)| f.path == path)
            .map_or(base, |(id, _)| id)
    };
    let overlaying = pull::overlay::Overlaying {
        overlays: &overlays,
        patched_by: &manifests.patched_by,
        patch_file: &patch_file,
        check: &check,
        into_base: args.into == PullInto::Base,
    };
    let providers = crate::providers::builtin();

    let targets = match &args.include_new {
        Some(path) => Some(new_targets(path, &manifests.sources, &providers.kinds())?),
        None => None,
    };
    let place = |kind: Kind| -> NewTarget {
        targets
            .as_ref()
            .and_then(|t| t.get(&kind).cloned())
            .unwrap_or_else(|| NewTarget::New(String::new()))
    };
    let selection = Selection {
        kinds: args.kinds.clone(),
        name,
        remove_deleted: args.remove_deleted,
    };
    let outcome = pull::pull(
        &manifests.sources,
        &manifests.catalog,
        &manifests.graph,
        &live,
        &plan,
        providers,
        &selection,
        targets
            .as_ref()
            .map(|_| &place as &dyn Fn(Kind) -> NewTarget),
        layered.then_some(&overlaying),
    );

    if args.dry_run {
        for change in &outcome.files {
            print!("{}", unified_diff(change));
        }
    } else {
        for change in &outcome.files {
            write(change, &args.manifests.dir)?;
        }
    }
    if !output.quiet {
        eprint!("{}", report(&outcome, args.dry_run));
    }
    let left = !outcome.refused.is_empty() || outcome.deleted.iter().any(|(_, removed)| !removed);
    crate::parallel::discard((manifests, live, plan));
    Ok(if left { Exit::Changes } else { Exit::Success })
}

/// Where each kind's new documents go: the file given, or `DIR/<kind's file name>.yaml`.
fn new_targets(
    path: &Path,
    sources: &SourceSet,
    kinds: &[Kind],
) -> Result<HashMap<Kind, NewTarget>, CommandError> {
    let is_file = path.is_file()
        || (!path.exists() && path.extension().is_some_and(|e| e == "yaml" || e == "yml"));
    let existing: HashMap<PathBuf, FileId> = sources
        .iter()
        .filter_map(|(id, file)| Some((std::fs::canonicalize(&file.path).ok()?, id)))
        .collect();
    let target = |file: PathBuf| -> NewTarget {
        match std::fs::canonicalize(&file)
            .ok()
            .and_then(|c| existing.get(&c))
        {
            Some(id) => NewTarget::Existing(*id),
            None => NewTarget::New(file.display().to_string()),
        }
    };
    let providers = crate::providers::builtin();
    Ok(kinds
        .iter()
        .map(|kind| {
            let file = if is_file {
                path.to_path_buf()
            } else {
                path.join(format!("{}.yaml", providers.of(*kind).file_name(*kind)))
            };
            (*kind, target(file))
        })
        .collect())
}

/// Writes or removes one file. A directory a removal leaves empty is removed too (up to the
/// manifest directory, which stays), so no empty folder is left behind.
fn write(change: &FileChange, root: &Path) -> Result<(), CommandError> {
    let path = Path::new(&change.path);
    let failed = |e: std::io::Error| {
        CommandError::new(Exit::Error, format!("cannot write {}: {e}", path.display()))
    };
    match &change.after {
        Some(text) => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(failed)?;
            }
            write_atomically(path, text).map_err(failed)
        }
        None => {
            std::fs::remove_file(path).map_err(failed)?;
            let root = std::fs::canonicalize(root).ok();
            let mut dir = path.parent();
            while let Some(current) = dir.filter(|d| !d.as_os_str().is_empty()) {
                let inside = std::fs::canonicalize(current)
                    .ok()
                    .zip(root.as_ref())
                    .is_some_and(|(current, root)| current != *root && current.starts_with(root));
                // `remove_dir` removes only an empty directory: anything else stops the climb.
                if !inside || std::fs::remove_dir(current).is_err() {
                    break;
                }
                dir = current.parent();
            }
            Ok(())
        }
    }
}

/// `diff -u` of one file (a/ and b/ prefixes, as git shows it).
fn unified_diff(change: &FileChange) -> String {
    let before = change.before.as_deref().unwrap_or("");
    let after = change.after.as_deref().unwrap_or("");
    let old = if change.before.is_some() {
        format!("a/{}", change.path)
    } else {
        "/dev/null".to_string()
    };
    let new = if change.after.is_some() {
        format!("b/{}", change.path)
    } else {
        "/dev/null".to_string()
    };
    similar::TextDiff::from_lines(before, after)
        .unified_diff()
        .context_radius(3)
        .header(&old, &new)
        .to_string()
}

/// What was pulled, refused and left, for people.
fn report(outcome: &Outcome, dry_run: bool) -> String {
    let mut out = String::new();
    let verb = if dry_run { "Would pull" } else { "Pulled" };
    for pulled in &outcome.pulled {
        let who = match &pulled.drift {
            Some(modified) => {
                let by = modified
                    .by
                    .as_deref()
                    .or(modified.client_id.as_deref())
                    .unwrap_or("someone else");
                match &modified.at {
                    Some(at) => format!("changed by {by} at {at}"),
                    None => format!("changed by {by}"),
                }
            }
            None => "a manifest change not applied yet: reverted to the repository's".into(),
        };
        out.push_str(&format!(
            "~ {} ({}, {who}): {}\n",
            pulled.address,
            pulled.path,
            pulled.fields.join(", ")
        ));
    }
    for (address, removed) in &outcome.deleted {
        if *removed {
            out.push_str(&format!(
                "- {address}: deleted in the repository; document removed\n"
            ));
        } else {
            out.push_str(&format!(
                "! {address}: not in the repository (deleted outside git?); kept (--remove-deleted removes it)\n"
            ));
        }
    }
    for (address, added) in &outcome.new {
        // Repository names are not validated: show them escaped.
        let address = crate::printable::printable(address);
        if *added {
            out.push_str(&format!("+ {address}: added\n"));
        } else {
            out.push_str(&format!(
                "? {address}: in the repository only (--include-new FILE_OR_DIR adds it)\n"
            ));
        }
    }
    for refused in &outcome.refused {
        out.push_str(&format!(
            "! {}: left as it was: {}\n",
            crate::printable::printable(&refused.address),
            refused.reason
        ));
    }
    out.push_str(&summary(outcome, verb, dry_run));
    out
}

/// The overlay file that patches of objects written in base file `path` go to: the same path
/// under the environment's first overlay directory (`envs/<name>/` by default).
fn mirror(path: &str, dir: &Path, target: &Target, workspace: &Workspace) -> String {
    let overlay_dir = target
        .environment
        .overlays
        .first()
        .cloned()
        .unwrap_or_else(|| {
            workspace
                .config
                .base_dir()
                .join("envs")
                .join(target.name().unwrap_or("default"))
        });
    let relative = Path::new(path)
        .strip_prefix(dir)
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| {
            Path::new(path)
                .file_name()
                .map_or_else(|| PathBuf::from("pulled.yaml"), PathBuf::from)
        });
    overlay_dir.join(relative).display().to_string()
}

/// The environment's overlay files, with an empty one added for every base file whose mirror
/// does not exist yet (new patches go there), and their paths.
fn patch_files(
    manifests: &mut super::Manifests,
    dir: &Path,
    target: &Target,
    workspace: &Workspace,
) -> (Vec<FileId>, Vec<String>) {
    let mut overlays = manifests.overlays.clone();
    let base: Vec<String> = manifests
        .sources
        .iter()
        .filter(|(id, _)| !overlays.contains(id))
        .map(|(_, f)| f.path.clone())
        .collect();
    for path in base {
        let mirrored = mirror(&path, dir, target, workspace);
        if !manifests.sources.iter().any(|(_, f)| f.path == mirrored) {
            overlays.push(
                manifests
                    .sources
                    .add(crate::source::SourceFile::new(mirrored, "")),
            );
        }
    }
    let paths = overlays
        .iter()
        .map(|id| manifests.sources.get(*id).path.clone())
        .collect();
    (overlays, paths)
}

/// The last line: what was written, and what was not and why, counted exactly.
fn summary(outcome: &Outcome, verb: &str, dry_run: bool) -> String {
    let count =
        |list: &[(String, bool)], value: bool| list.iter().filter(|(_, v)| *v == value).count();
    let updated = outcome.pulled.len();
    let removed = count(&outcome.deleted, true);
    let added = count(&outcome.new, true);
    let refused = outcome.refused.len();
    let kept = count(&outcome.deleted, false);
    let repository_only = outcome
        .new
        .iter()
        .filter(|(address, added)| !added && !outcome.refused.iter().any(|r| r.address == *address))
        .count();
    let files = outcome.files.len();
    let done = updated + removed + added;
    let mut left = Vec::new();
    if refused > 0 {
        left.push(format!(
            "{} refused (left as written)",
            plural(refused, "object")
        ));
    }
    if kept > 0 {
        left.push(format!(
            "{} deleted in the repository but kept",
            plural(kept, "object")
        ));
    }
    if repository_only > 0 {
        left.push(format!(
            "{} in the repository only, not added",
            plural(repository_only, "object")
        ));
    }
    let mut line = if done == 0 && files == 0 {
        if left.is_empty() {
            return "Nothing to pull: the manifests already say what the repository holds.\n"
                .into();
        }
        "Nothing pulled".to_string()
    } else {
        let parts: Vec<String> = [(updated, "updated"), (removed, "removed"), (added, "added")]
            .into_iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, what)| format!("{n} {what}"))
            .collect();
        let detail = if removed + added > 0 {
            format!(" ({})", parts.join(", "))
        } else {
            String::new()
        };
        format!(
            "{verb} {}{detail} into {}",
            plural(done, "object"),
            plural(files, "file")
        )
    };
    if !left.is_empty() {
        line.push_str(&format!("; {}", left.join("; ")));
    }
    if dry_run && files > 0 {
        line.push_str(" (dry run: nothing written)");
    }
    line + ".\n"
}
