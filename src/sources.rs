//! Reading manifest files from disk: the I/O edge in front of the pure `manifest` loader.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::diagnostic::Diagnostic;
use crate::source::{SourceFile, SourceSet};

#[derive(Debug, thiserror::Error)]
pub enum SourcesError {
    #[error("manifest directory `{0}` does not exist")]
    Missing(String),
    #[error("cannot read `{path}`: {source}")]
    Unreadable { path: String, source: io::Error },
}

/// The manifest files read, plus problems with individual files (unreadable, not UTF-8).
#[derive(Debug, Default)]
pub struct ReadSources {
    pub sources: SourceSet,
    pub diagnostics: Vec<Diagnostic>,
}

/// Reads every `*.yaml` / `*.yml` file under `path` (or `path` itself if it is a file),
/// recursively, in a deterministic order, skipping hidden files and directories.
///
/// Nothing is skipped silently. Symbolic links to files are read (a link to nothing, or a loop
/// of links, is an error: a manifest is there but cannot be read). A symbolic link to a
/// directory is an error, not a skip: following it could loop or leave the repository, and
/// skipping it would hide the objects it defines, which `plan --prune` would then delete.
/// Anything else named like a manifest but not a file (a FIFO, a socket, a device) is skipped
/// with a warning, since reading it could block forever.
pub fn read(path: &Path) -> Result<ReadSources, SourcesError> {
    let display = path.display().to_string();
    let metadata = fs::metadata(path).map_err(|source| match source.kind() {
        io::ErrorKind::NotFound => SourcesError::Missing(display.clone()),
        _ => SourcesError::Unreadable {
            path: display.clone(),
            source,
        },
    })?;
    let mut read = ReadSources::default();
    let mut files = Vec::new();
    if metadata.is_file() {
        files.push(path.to_path_buf());
    } else {
        collect(path, &mut files, &mut read.diagnostics).map_err(|source| {
            SourcesError::Unreadable {
                path: display,
                source,
            }
        })?;
        files.sort();
    }
    for file in files {
        let shown = file.display().to_string();
        match fs::read(&file) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => {
                    read.sources.add(SourceFile::new(shown, text));
                }
                Err(error) => read.diagnostics.push(
                    Diagnostic::error(
                        "not-utf8",
                        format!(
                            "{shown} is not UTF-8 text (invalid byte at offset {})",
                            error.utf8_error().valid_up_to()
                        ),
                    )
                    .with_help("save the file as UTF-8"),
                ),
            },
            Err(error) => read.diagnostics.push(Diagnostic::error(
                "unreadable",
                format!("cannot read {shown}: {error}"),
            )),
        }
    }
    Ok(read)
}

/// The manifest files under `root`, walked with an explicit stack (no recursion on a deep
/// tree); what is not read is reported in `diagnostics`.
fn collect(
    root: &Path,
    files: &mut Vec<PathBuf>,
    diagnostics: &mut Vec<Diagnostic>,
) -> io::Result<()> {
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(error) if dir == root => return Err(error),
            Err(error) => {
                diagnostics.push(Diagnostic::error(
                    "unreadable",
                    format!("cannot read the directory {}: {error}", dir.display()),
                ));
                continue;
            }
        };
        for entry in entries {
            let entry = entry?;
            let path = entry.path();
            if entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            let file_type = entry.file_type()?;
            if file_type.is_dir() {
                pending.push(path);
            } else if file_type.is_symlink() {
                linked(path, files, diagnostics);
            } else if file_type.is_file() {
                if is_manifest(&path) {
                    files.push(path);
                }
            } else if is_manifest(&path) {
                diagnostics.push(skipped(
                    &path,
                    "it is not a regular file (a FIFO, socket or device)",
                ));
            }
        }
    }
    Ok(())
}

/// A symbolic link found while walking: a manifest file it leads to is read; a directory or a
/// link that leads nowhere is an error, since either may hide manifests.
fn linked(path: PathBuf, files: &mut Vec<PathBuf>, diagnostics: &mut Vec<Diagnostic>) {
    let shown = path.display().to_string();
    match fs::metadata(&path) {
        Ok(target) if target.is_dir() => diagnostics.push(
            Diagnostic::error(
                "linked-directory",
                format!("{shown} is a symbolic link to a directory, which offerctl does not follow"),
            )
            .with_help("a linked directory could loop or lead outside the manifests, and skipping it would hide (and, with --prune, delete) what it defines: move the directory here, or link its files one by one"),
        ),
        Ok(target) if target.is_file() => {
            if is_manifest(&path) {
                files.push(path);
            }
        }
        Ok(_) if is_manifest(&path) => diagnostics.push(skipped(
            &path,
            "it links to something that is not a regular file (a FIFO, socket or device)",
        )),
        Ok(_) => {}
        Err(error) if is_manifest(&path) => diagnostics.push(
            Diagnostic::error(
                "unreadable",
                format!("cannot read {shown}: a symbolic link that leads nowhere ({error})"),
            )
            .with_help("the link is dangling or loops back on itself: fix its target or remove it"),
        ),
        Err(error) => diagnostics.push(skipped(
            &path,
            &format!("it is a symbolic link that leads nowhere ({error})"),
        )),
    }
}

fn skipped(path: &Path, why: &str) -> Diagnostic {
    Diagnostic::warning("skipped-file", format!("skipped {}: {why}", path.display()))
}

fn is_manifest(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_yaml_recursively_in_order_and_reports_bad_files() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("b/nested")).unwrap();
        fs::create_dir_all(root.join(".hidden")).unwrap();
        fs::write(root.join("b/nested/z.yml"), "kind: Tag\nname: z\n").unwrap();
        fs::write(root.join("a.yaml"), "kind: Tag\nname: a\n").unwrap();
        fs::write(root.join("notes.txt"), "ignored").unwrap();
        fs::write(root.join(".hidden/x.yaml"), "ignored").unwrap();
        fs::write(root.join("latin1.yaml"), b"name: caf\xe9\n").unwrap();
        let read = read(root).unwrap();
        let paths: Vec<String> = read.sources.iter().map(|(_, f)| f.path.clone()).collect();
        assert_eq!(paths.len(), 2);
        assert!(paths[0].ends_with("a.yaml") && paths[1].ends_with("z.yml"));
        assert_eq!(read.diagnostics.len(), 1);
        assert!(
            read.diagnostics[0]
                .message
                .contains("latin1.yaml is not UTF-8 text (invalid byte at offset 9)")
        );
    }

    #[cfg(unix)]
    #[test]
    fn links_and_special_files_are_reported_never_skipped_silently() {
        // Issue 26 case 9: a symlink to a directory, a dangling `*.yaml` symlink, a symlink
        // loop and a FIFO.
        use std::os::unix::fs::symlink;
        let outside = tempfile::tempdir().unwrap();
        fs::write(
            outside.path().join("tags.yaml"),
            "kind: Tag\nname: linked\n",
        )
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::write(root.join("a.yaml"), "kind: Tag\nname: a\n").unwrap();
        fs::write(outside.path().join("b.yaml"), "kind: Tag\nname: b\n").unwrap();
        symlink(outside.path(), root.join("shared")).unwrap();
        symlink(outside.path().join("b.yaml"), root.join("b.yaml")).unwrap();
        symlink(root.join("gone.yaml.target"), root.join("gone.yaml")).unwrap();
        symlink(root.join("loop.yaml"), root.join("loop.yaml")).unwrap();
        let fifo = root.join("pipe.yaml");
        let status = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(status.success());

        let read = read(root).unwrap();
        let paths: Vec<&str> = read.sources.iter().map(|(_, f)| f.path.as_str()).collect();
        assert_eq!(paths.len(), 2, "{paths:?}");
        assert!(paths[0].ends_with("a.yaml") && paths[1].ends_with("b.yaml"));
        let found = |code: &str, name: &str| {
            read.diagnostics
                .iter()
                .find(|d| d.code == code && d.message.contains(name))
                .unwrap_or_else(|| panic!("no {code} for {name}: {:?}", read.diagnostics))
        };
        assert!(found("linked-directory", "shared").is_error());
        assert!(found("unreadable", "gone.yaml").is_error());
        assert!(found("unreadable", "loop.yaml").is_error());
        assert!(!found("skipped-file", "pipe.yaml").is_error());
        assert_eq!(read.diagnostics.len(), 4, "{:?}", read.diagnostics);
    }

    #[test]
    fn a_missing_directory_is_a_clear_error() {
        let error = read(Path::new("/definitely/not/here")).unwrap_err();
        assert_eq!(
            error.to_string(),
            "manifest directory `/definitely/not/here` does not exist"
        );
    }
}
