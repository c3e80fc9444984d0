//! Rewriting a file the user owns, as an editor would: atomically (a crash leaves the old file or
//! the new one, never half of each), keeping its mode and ownership, and through a symbolic link
//! to the file it points at (a link is never replaced by a regular file).

use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Writes `contents` to `path` atomically. An existing file keeps its permissions and owner (or
/// the write is refused when the owner cannot be kept); a symbolic link is followed and its
/// target rewritten; a dangling link is an error. A new file gets the usual mode (0666 less the
/// umask), as any program creating it would.
pub fn write_atomically(path: &Path, contents: &str) -> io::Result<()> {
    let target = resolve_links(path)?;
    let existing = match std::fs::metadata(&target) {
        Ok(metadata) => Some(metadata),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(e),
    };
    let dir = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut temp = new_temp_file(dir)?;
    if let Some(metadata) = &existing {
        keep_owner_and_mode(temp.as_file(), metadata, &target)?;
    }
    temp.write_all(contents.as_bytes())?;
    temp.as_file().sync_all()?;
    temp.persist(&target).map_err(|e| e.error)?;
    // The rename itself is durable only once the directory is.
    if let Ok(dir) = std::fs::File::open(dir) {
        let _ = dir.sync_all();
    }
    Ok(())
}

/// The file `path` finally names, following every symbolic link (its directory need not be
/// canonical). A link to nothing is an error rather than a new file created somewhere unexpected.
fn resolve_links(path: &Path) -> io::Result<PathBuf> {
    match std::fs::symlink_metadata(path) {
        Ok(metadata) if metadata.file_type().is_symlink() => {
            std::fs::canonicalize(path).map_err(|e| {
                io::Error::new(
                    e.kind(),
                    format!(
                        "{} is a symbolic link to nothing readable ({e}); not replacing it",
                        path.display()
                    ),
                )
            })
        }
        _ => Ok(path.to_path_buf()),
    }
}

#[cfg(unix)]
fn new_temp_file(dir: &Path) -> io::Result<tempfile::NamedTempFile> {
    use std::os::unix::fs::PermissionsExt;
    // 0666 at creation, so the umask applies as for any new file (tempfile's default is 0600).
    tempfile::Builder::new()
        .permissions(std::fs::Permissions::from_mode(0o666))
        .tempfile_in(dir)
}

#[cfg(not(unix))]
fn new_temp_file(dir: &Path) -> io::Result<tempfile::NamedTempFile> {
    tempfile::NamedTempFile::new_in(dir)
}

#[cfg(unix)]
fn keep_owner_and_mode(
    temp: &std::fs::File,
    original: &std::fs::Metadata,
    path: &Path,
) -> io::Result<()> {
    use std::os::unix::fs::MetadataExt;
    let ours = temp.metadata()?;
    if (ours.uid(), ours.gid()) != (original.uid(), original.gid()) {
        std::os::unix::fs::fchown(temp, Some(original.uid()), Some(original.gid())).map_err(
            |e| {
                io::Error::new(
                    e.kind(),
                    format!(
                        "cannot keep the owner of {} (uid {}, gid {}): {e}; not rewriting it",
                        path.display(),
                        original.uid(),
                        original.gid()
                    ),
                )
            },
        )?;
    }
    // After the owner: changing it may clear set-id bits.
    temp.set_permissions(original.permissions())
}

#[cfg(not(unix))]
fn keep_owner_and_mode(
    temp: &std::fs::File,
    original: &std::fs::Metadata,
    _path: &Path,
) -> io::Result<()> {
    temp.set_permissions(original.permissions())
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::{PermissionsExt, symlink};

    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
    }

    #[test]
    fn a_rewritten_file_keeps_its_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.yaml");
        std::fs::write(&path, "old").unwrap();
        for wanted in [0o644, 0o664, 0o640, 0o600] {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(wanted)).unwrap();
            write_atomically(&path, "new").unwrap();
            assert_eq!(mode(&path), wanted);
            assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        }
    }

    #[test]
    fn a_symlinked_file_is_written_through_and_stays_a_link() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("shared")).unwrap();
        let target = dir.path().join("shared/offers.yaml");
        std::fs::write(&target, "old").unwrap();
        let link = dir.path().join("offers.yaml");
        symlink("shared/offers.yaml", &link).unwrap();
        write_atomically(&link, "new").unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");

        let dangling = dir.path().join("gone.yaml");
        symlink("nowhere/gone.yaml", &dangling).unwrap();
        let error = write_atomically(&dangling, "new").unwrap_err();
        assert!(
            error.to_string().contains("symbolic link to nothing"),
            "{error}"
        );
        assert!(!dir.path().join("nowhere").exists());
    }

    #[test]
    fn a_rewritten_file_keeps_its_owner_where_one_may_give_files_away() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("owned.yaml");
        std::fs::write(&path, "old").unwrap();
        // Only a privileged user (CI runs as root) can give a file to someone else; elsewhere
        // the file stays ours and there is nothing to keep.
        if std::os::unix::fs::chown(&path, Some(4242), Some(4343)).is_err() {
            return;
        }
        write_atomically(&path, "new").unwrap();
        let metadata = std::fs::metadata(&path).unwrap();
        assert_eq!((metadata.uid(), metadata.gid()), (4242, 4343));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
    }

    #[test]
    fn a_new_file_gets_the_usual_mode_not_0600() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plan.json");
        write_atomically(&path, "{}").unwrap();
        // Whatever the umask, group/other bits come from 0666 less it: never forced to 0600
        // unless the umask says so.
        let umask_allows_group_read = {
            let probe = dir.path().join("probe");
            std::fs::File::create(&probe).unwrap();
            mode(&probe) & 0o040 != 0
        };
        assert_eq!(mode(&path) & 0o040 != 0, umask_allows_group_read);
    }
}
