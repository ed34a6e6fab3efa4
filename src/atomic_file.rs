//! Writing a file so that no reader ever sees half of it: snapshots, reports and guides all
//! go through a temporary file in the same folder (`.obflow-*.tmp`) and a rename.

use std::fs::File;
use std::io::Write;
use std::path::Path;

/// Writes `bytes` to `path` atomically.
pub fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_with(path, |file| file.write_all(bytes))
}

/// Like [`write`], with the writing done by `fill`. If `fill` fails, the temporary file is
/// removed and `path` is left as it was. The folder is created when missing; a file that
/// existed keeps its permissions, a new one is an ordinary shareable file (0644).
pub fn write_with(
    path: &Path,
    fill: impl FnOnce(&mut File) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    // Same folder: a rename within one file system is atomic.
    let mut temp = tempfile::Builder::new()
        .prefix(".obflow-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    fill(temp.as_file_mut())?;
    // Temporary files are created private (0600).
    let permissions = match std::fs::metadata(path) {
        Ok(m) => Some(m.permissions()),
        Err(_) => default_permissions(),
    };
    if let Some(p) = permissions {
        temp.as_file().set_permissions(p)?;
    }
    temp.as_file_mut().sync_all()?;
    temp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// A temporary file this module leaves only when the process dies mid-write: one untouched
/// for this long is a leftover, not another run's write in progress.
const LEFTOVER_AFTER: std::time::Duration = std::time::Duration::from_secs(10 * 60);

/// Removes the temporary files that interrupted writes left in `dir`; returns how many.
pub fn remove_leftovers(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let now = std::time::SystemTime::now();
    entries
        .filter_map(Result::ok)
        .filter(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            name.starts_with(".obflow-") && name.ends_with(".tmp")
        })
        .filter(|e| {
            e.metadata().is_ok_and(|m| {
                m.is_file()
                    && m.modified()
                        .ok()
                        .and_then(|t| now.duration_since(t).ok())
                        .is_some_and(|age| age >= LEFTOVER_AFTER)
            })
        })
        .filter(|e| std::fs::remove_file(e.path()).is_ok())
        .count()
}

#[cfg(unix)]
fn default_permissions() -> Option<std::fs::Permissions> {
    use std::os::unix::fs::PermissionsExt;
    Some(std::fs::Permissions::from_mode(0o644))
}

#[cfg(not(unix))]
fn default_permissions() -> Option<std::fs::Permissions> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(dir: &Path) -> Vec<String> {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn replaces_the_file_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("reports/out.xml");
        write(&path, b"first").unwrap();
        write(&path, b"second").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "second");
        assert_eq!(entries(path.parent().unwrap()), ["out.xml"]);
    }

    #[test]
    fn a_write_that_fails_midway_leaves_the_old_file_intact() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.snap");
        write(&path, b"the old contents").unwrap();
        let result = write_with(&path, |f| {
            f.write_all(b"half")?;
            Err(std::io::Error::other("disk full"))
        });
        assert!(result.is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "the old contents");
        assert_eq!(entries(dir.path()), ["a.snap"]);
    }

    #[test]
    fn leftovers_of_interrupted_writes_are_removed_once_old() {
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join(".obflow-abc.tmp");
        let fresh = dir.path().join(".obflow-def.tmp");
        let other = dir.path().join("keep.snap");
        for f in [&old, &fresh, &other] {
            std::fs::write(f, "x").unwrap();
        }
        let long_ago = std::time::SystemTime::now() - LEFTOVER_AFTER * 2;
        std::fs::File::options()
            .write(true)
            .open(&old)
            .unwrap()
            .set_modified(long_ago)
            .unwrap();
        assert_eq!(remove_leftovers(dir.path()), 1);
        let mut left = entries(dir.path());
        left.sort();
        assert_eq!(left, [".obflow-def.tmp", "keep.snap"]);
    }

    #[cfg(unix)]
    #[test]
    fn a_new_file_is_shareable_and_an_old_one_keeps_its_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.json");
        write(&path, b"{}").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o644);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        write(&path, b"{}").unwrap();
        assert_eq!(mode(&path), 0o600);
    }
}
