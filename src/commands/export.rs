//! `offerctl export`: read the repository and write its objects as manifests.
//!
//! The mapping is pure (`crate::export`); this is the edge: connect, read, and write the files
//! so that a crash leaves either the old directory or the new one, never a mix.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::reconcile::{open, read_live, route, runtime};
use super::{Output, plural};
use crate::cli::ExportCommand;
use crate::exit::{CommandError, Exit};
use crate::export::{self, File, Selection};

/// The providers to read: those named, those of the kinds asked for, or by default every
/// provider with a service configured (all of them when none has one: the embedded
/// repository).
fn export_providers(
    command: &ExportCommand,
    repositories: &[crate::providers::connect::Repository],
) -> Vec<&'static str> {
    let mut providers: Vec<&'static str> = command
        .providers
        .iter()
        .copied()
        .chain(command.kinds.iter().map(|k| k.provider()))
        .collect();
    if providers.is_empty() {
        let remote: Vec<&'static str> = repositories
            .iter()
            .filter(|r| !r.is_embedded() && r.usable())
            .map(|r| r.provider)
            .collect();
        providers = if remote.is_empty() {
            repositories.iter().map(|r| r.provider).collect()
        } else {
            remote
        };
    }
    providers.sort();
    providers.dedup();
    providers
}

pub fn run(command: &ExportCommand, output: Output) -> Result<Exit, CommandError> {
    let name = super::name_filter(command.name.as_deref())?;

    let out = &command.out;
    if !command.force && !is_empty_or_missing(out)? {
        return Err(CommandError::new(
            Exit::Refused,
            format!(
                "{} is not empty: refusing to overwrite it (pass --force to replace the manifests in it)",
                out.display()
            ),
        ));
    }
    let (workspace, target) =
        super::environments::single(command.remote.config.as_deref(), &command.environments.envs)?;
    let mut repositories = open(&command.remote, &command.appcharge, &workspace, &target)?.list;
    let providers = export_providers(command, &repositories);
    let backend = route(&mut repositories, &providers, output)?;
    let live = runtime()?.block_on(read_live(&backend, &providers))?;
    let selection = Selection {
        kinds: command.kinds.clone(),
        name,
    };
    let exported = export::export(
        &live,
        crate::providers::builtin(),
        &selection,
        command.layout,
    )
    .map_err(|problems| {
        for problem in &problems {
            eprintln!("error: cannot export {problem}");
        }
        CommandError::new(
            Exit::Error,
            format!(
                "{} cannot be exported without losing data; nothing was written",
                plural(problems.len(), "object")
            ),
        )
    })?;
    if !output.quiet {
        for warning in &exported.warnings {
            eprintln!("warning: {warning}");
        }
    }
    write_tree(out, &exported.files, command.force).map_err(|e| {
        CommandError::new(
            Exit::Error,
            format!("cannot write the manifests to {}: {e}", out.display()),
        )
    })?;
    if !output.quiet {
        let objects = plural(exported.objects, "object");
        let files = plural(exported.files.len(), "file");
        let to = out.display();
        // One repository fits in the sentence; several get a line each, so that no
        // repository's description runs into another's.
        match backend.descriptions().as_slice() {
            [one] => eprintln!("Exported {objects} from {one} to {to} ({files})."),
            several => {
                eprintln!(
                    "Exported {objects} to {to} ({files}), from {} repositories:",
                    several.len()
                );
                for repository in several {
                    eprintln!("  {repository}");
                }
            }
        }
        eprintln!("Check the round trip with: offerctl plan --dir {to}");
    }
    Ok(Exit::Success)
}

fn is_empty_or_missing(dir: &Path) -> Result<bool, CommandError> {
    match fs::read_dir(dir) {
        Ok(mut entries) => Ok(entries.next().is_none()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::NotADirectory => Err(CommandError::new(
            Exit::Refused,
            format!("{} exists and is not a directory", dir.display()),
        )),
        Err(e) => Err(CommandError::new(
            Exit::Error,
            format!("cannot read {}: {e}", dir.display()),
        )),
    }
}

/// Writes `files` as the new content of `out`, atomically: everything is written and synced
/// in a staging directory next to `out`, which then takes its place in one rename (an atomic
/// exchange on Linux). The old directory's files other than manifests (`*.yaml`, `*.yml`) are
/// carried over, so a README or `.gitkeep` survives `--force`.
pub fn write_tree(out: &Path, files: &[File], keep_others: bool) -> io::Result<()> {
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent)?;
    let stem = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "export".into());
    let staging = tempfile::Builder::new()
        .prefix(&format!(".{stem}.offerctl-export-"))
        .tempdir_in(&parent)?;
    for file in files {
        let path = staging.path().join(&file.path);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir)?;
        }
        let mut handle = fs::File::create(&path)?;
        io::Write::write_all(&mut handle, file.text.as_bytes())?;
        if !cfg!(target_os = "linux") {
            handle.sync_all()?;
        }
    }
    let exists = out.exists();
    if exists && keep_others {
        carry_over(out, staging.path())?;
    }
    // Everything must be on disk before the rename makes it visible.
    #[cfg(target_os = "linux")]
    sync_file_system(staging.path())?;
    #[cfg(not(target_os = "linux"))]
    sync_tree(staging.path())?;
    let staging = staging.keep();
    if !exists {
        fs::rename(&staging, out)?;
    } else {
        swap(&staging, out)?;
        // `staging` now holds the old tree.
        fs::remove_dir_all(&staging)?;
    }
    sync_dir(&parent)
}

/// Copies what is not a manifest from `old` into `new` (where nothing is in the way).
fn carry_over(old: &Path, new: &Path) -> io::Result<()> {
    for entry in fs::read_dir(old)? {
        let entry = entry?;
        let from = entry.path();
        let to = new.join(entry.file_name());
        let file_type = entry.file_type()?;
        if file_type.is_dir() {
            fs::create_dir_all(&to)?;
            carry_over(&from, &to)?;
        } else if is_manifest(&from) || to.exists() {
            continue;
        } else if file_type.is_symlink() {
            #[cfg(unix)]
            std::os::unix::fs::symlink(fs::read_link(&from)?, &to)?;
        } else {
            fs::copy(&from, &to)?;
        }
    }
    Ok(())
}

fn is_manifest(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml")
    )
}

/// One `syncfs` for the whole staging tree: much faster than a `fsync` per file when an export
/// writes one file per object.
#[cfg(target_os = "linux")]
fn sync_file_system(dir: &Path) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    let handle = fs::File::open(dir)?;
    // SAFETY: the descriptor is open for the duration of the call.
    if unsafe { libc::syncfs(handle.as_raw_fd()) } == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn sync_tree(dir: &Path) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            sync_tree(&entry.path())?;
        }
    }
    sync_dir(dir)
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    fs::File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Exchanges two directories: atomically on Linux (`renameat2(RENAME_EXCHANGE)`); elsewhere,
/// or where the file system cannot, with two renames (a crash between them leaves the old tree
/// under the staging name, next to `b`).
fn swap(a: &Path, b: &Path) -> io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        use std::ffi::CString;
        use std::os::unix::ffi::OsStrExt;
        let to_c = |p: &Path| {
            CString::new(p.as_os_str().as_bytes())
                .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "path contains NUL"))
        };
        let (ca, cb) = (to_c(a)?, to_c(b)?);
        // SAFETY: both pointers are valid NUL-terminated strings that outlive the call.
        let result = unsafe {
            libc::syscall(
                libc::SYS_renameat2,
                libc::AT_FDCWD,
                ca.as_ptr(),
                libc::AT_FDCWD,
                cb.as_ptr(),
                libc::RENAME_EXCHANGE,
            )
        };
        if result == 0 {
            return Ok(());
        }
    }
    let old = a.with_extension("old");
    fs::rename(b, &old)?;
    fs::rename(a, b)?;
    fs::rename(&old, a)
}
