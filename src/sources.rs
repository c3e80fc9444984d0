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
/// recursively, in a deterministic order, skipping hidden files and directories and not
/// following symbolic links to directories (which could loop).
pub fn read(path: &Path) -> Result<ReadSources, SourcesError> {
    let display = path.display().to_string();
    let metadata = fs::metadata(path).map_err(|source| match source.kind() {
        io::ErrorKind::NotFound => SourcesError::Missing(display.clone()),
        _ => SourcesError::Unreadable {
            path: display.clone(),
            source,
        },
    })?;
    let mut files = Vec::new();
    if metadata.is_file() {
        files.push(path.to_path_buf());
    } else {
        collect(path, &mut files).map_err(|source| SourcesError::Unreadable {
            path: display,
            source,
        })?;
        files.sort();
    }
    let mut read = ReadSources::default();
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

fn collect(dir: &Path, files: &mut Vec<PathBuf>) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let file_type = entry.file_type()?;
        if file_type.is_dir() {
            collect(&path, files)?;
        } else if is_manifest(&path) && (file_type.is_file() || path.is_file()) {
            files.push(path);
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

    #[test]
    fn a_missing_directory_is_a_clear_error() {
        let error = read(Path::new("/definitely/not/here")).unwrap_err();
        assert_eq!(
            error.to_string(),
            "manifest directory `/definitely/not/here` does not exist"
        );
    }
}
