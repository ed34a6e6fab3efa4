//! The snapshot folder: `<name>.snap` files and their pending `<name>.snap.new` versions.
//!
//! Every write goes to a temporary file in the same folder and is then renamed over the
//! target, so a reader (or a run interrupted mid-write) sees the old file or the new one,
//! never a truncated one. Names are unique per step (a load-time check), so concurrent
//! scenarios never write the same file.

use std::path::{Path, PathBuf};

use super::format::{FormatError, SnapFile};

pub const SNAP_EXT: &str = ".snap";
pub const PENDING_EXT: &str = ".snap.new";

/// Why the snapshot folder could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot read `{path}`: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write `{path}`: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("`{path}` is not a snapshot file: {source}")]
    Format { path: PathBuf, source: FormatError },
    /// Refused unread: not a regular file, too large, not UTF-8, or a link out of the folder.
    #[error("{0}")]
    Refused(String),
}

/// The folder snapshots live in.
#[derive(Debug, Clone)]
pub struct SnapshotStore {
    dir: PathBuf,
}

/// A pending snapshot: the `.snap.new` and the `.snap` it would replace (if any).
#[derive(Debug, Clone)]
pub struct Pending {
    pub name: String,
    pub pending: PathBuf,
    pub stored: PathBuf,
}

impl SnapshotStore {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        SnapshotStore { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn snap_path(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{name}{SNAP_EXT}"))
    }

    pub fn pending_path(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{name}{PENDING_EXT}"))
    }

    /// The stored snapshot, or `None` when there is none.
    pub fn read(&self, name: &str) -> Result<Option<SnapFile>, StoreError> {
        self.read_path(&self.snap_path(name))
    }

    /// Reads and parses the snapshot file at `path`, which must lie in this folder: a link
    /// leading out of it (a pull request can commit one) is refused unread, like anything
    /// that is not a small regular UTF-8 file. `None` when there is no file.
    pub fn read_path(&self, path: &Path) -> Result<Option<SnapFile>, StoreError> {
        let Ok(meta) = std::fs::symlink_metadata(path) else {
            return Ok(None);
        };
        // Names hold no `/`: only a link can lead elsewhere.
        if meta.file_type().is_symlink() && crate::source::inside(&self.dir, path).is_none() {
            return Err(StoreError::Refused(format!(
                "`{}` leads out of the snapshot folder `{}`",
                path.display(),
                self.dir.display()
            )));
        }
        let text =
            crate::source::read_text(path).map_err(|e| StoreError::Refused(e.to_string()))?;
        SnapFile::parse(&text)
            .map(Some)
            .map_err(|source| StoreError::Format {
                path: path.to_path_buf(),
                source,
            })
    }

    /// Writes `<name>.snap`, atomically.
    pub fn write(&self, name: &str, snap: &SnapFile) -> Result<PathBuf, StoreError> {
        let path = self.snap_path(name);
        write_atomic(&path, snap.to_text().as_bytes())?;
        // The pending version, if any, is now stale.
        let _ = self.discard_pending(name);
        Ok(path)
    }

    /// Writes `<name>.snap.new`, atomically.
    pub fn write_pending(&self, name: &str, snap: &SnapFile) -> Result<PathBuf, StoreError> {
        let path = self.pending_path(name);
        write_atomic(&path, snap.to_text().as_bytes())?;
        Ok(path)
    }

    /// Removes `<name>.snap.new`; an absent one is no error.
    pub fn discard_pending(&self, name: &str) -> Result<(), StoreError> {
        let path = self.pending_path(name);
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(source) => Err(StoreError::Write { path, source }),
        }
    }

    /// Makes the pending version the stored one: one rename, so never half-done.
    pub fn accept(&self, name: &str) -> Result<PathBuf, StoreError> {
        let from = self.pending_path(name);
        let to = self.snap_path(name);
        std::fs::rename(&from, &to).map_err(|source| StoreError::Write {
            path: to.clone(),
            source,
        })?;
        Ok(to)
    }

    /// Removes what interrupted writes left in the folder (see [`crate::atomic_file`]).
    pub fn remove_leftovers(&self) -> usize {
        crate::atomic_file::remove_leftovers(&self.dir)
    }

    /// Every pending snapshot, sorted by name.
    pub fn pending(&self) -> Result<Vec<Pending>, StoreError> {
        Ok(self
            .names_with(PENDING_EXT)?
            .into_iter()
            .map(|name| Pending {
                pending: self.pending_path(&name),
                stored: self.snap_path(&name),
                name,
            })
            .collect())
    }

    /// The names of every stored snapshot, sorted.
    pub fn stored(&self) -> Result<Vec<String>, StoreError> {
        self.names_with(SNAP_EXT)
    }

    fn names_with(&self, ext: &str) -> Result<Vec<String>, StoreError> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => {
                return Err(StoreError::Read {
                    path: self.dir.clone(),
                    source,
                });
            }
        };
        let mut names: Vec<String> = entries
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .filter_map(|e| {
                let file = e.file_name().to_string_lossy().into_owned();
                file.strip_suffix(ext).map(str::to_owned)
            })
            .filter(|name| !name.is_empty())
            .collect();
        names.sort();
        Ok(names)
    }
}

/// Writes `bytes` to `path` atomically ([`crate::atomic_file`]).
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    crate::atomic_file::write(path, bytes).map_err(|source| StoreError::Write {
        path: path.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::format::Header;

    fn snap(contents: &str) -> SnapFile {
        SnapFile {
            header: Header::default(),
            contents: contents.into(),
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_link_out_of_the_folder_is_refused_unread() {
        let dir = tempfile::tempdir().unwrap();
        let store = SnapshotStore::new(dir.path().join("snapshots"));
        store.write("inside", &snap("kept")).unwrap();
        std::fs::write(dir.path().join("secret.snap"), "---\n---\nroot:x:0:0\n").unwrap();
        std::os::unix::fs::symlink(dir.path().join("secret.snap"), store.snap_path("out")).unwrap();
        assert_eq!(store.read("inside").unwrap().unwrap().contents, "kept");
        let err = store.read("out").unwrap_err().to_string();
        assert!(err.contains("leads out of the snapshot folder"), "{err}");
        assert!(!err.contains("root:x"), "{err}");
        assert!(store.read("missing").unwrap().is_none());
    }

    #[test]
    fn write_read_pending_accept() {
        let dir = tempfile::tempdir().unwrap();
        let store = SnapshotStore::new(dir.path().join("snapshots"));
        assert!(store.read("a").unwrap().is_none());
        store.write("a", &snap("one")).unwrap();
        assert_eq!(store.read("a").unwrap().unwrap().contents, "one");
        store.write_pending("a", &snap("two")).unwrap();
        store.write_pending("b", &snap("new")).unwrap();
        let names: Vec<_> = store
            .pending()
            .unwrap()
            .into_iter()
            .map(|p| p.name)
            .collect();
        assert_eq!(names, ["a", "b"]);
        store.accept("a").unwrap();
        assert_eq!(store.read("a").unwrap().unwrap().contents, "two");
        store.discard_pending("b").unwrap();
        assert!(store.pending().unwrap().is_empty());
        assert_eq!(store.stored().unwrap(), ["a"]);
    }

    #[test]
    fn a_corrupt_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let store = SnapshotStore::new(dir.path());
        std::fs::write(store.snap_path("x"), "not a snapshot").unwrap();
        assert!(matches!(store.read("x"), Err(StoreError::Format { .. })));
    }
}
