//! Reading a file that obflow is told to read: only a regular file, at most [`MAX_BYTES`],
//! UTF-8 (a bad byte is located), and only inside the project when a scenario names it.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::diagnostic::{Diagnostic, Location};

/// The largest YAML file obflow reads: far more than any scenario, fixture or project file,
/// little enough that a mistaken path cannot fill memory.
pub const MAX_BYTES: u64 = 4 * 1024 * 1024;

/// Why a file was not read. The messages never quote the file's contents.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    #[error("cannot read `{}`: {reason}", path.display())]
    Io { path: PathBuf, reason: String },
    #[error("`{}` is not a regular file ({kind})", path.display())]
    NotAFile { path: PathBuf, kind: &'static str },
    #[error("`{}` is larger than {} MiB", path.display(), MAX_BYTES / (1024 * 1024))]
    TooLarge { path: PathBuf },
    #[error("`{}` is not UTF-8: a bad byte at {line}:{col}", path.display())]
    NotUtf8 {
        path: PathBuf,
        line: usize,
        col: usize,
    },
}

impl ReadError {
    /// The error as a diagnostic; a bad byte is located in its file (no line is quoted).
    pub fn into_diagnostic(self) -> Diagnostic {
        let help = match &self {
            ReadError::Io { .. } => "check that the path exists and can be read",
            ReadError::NotAFile { .. } => "scenario and flow files must be ordinary files",
            ReadError::TooLarge { .. } => "split the file, or check that the path is right",
            ReadError::NotUtf8 { .. } => "save the file as UTF-8",
        };
        let d = match &self {
            ReadError::NotUtf8 { path, line, col } => Diagnostic::new(self.to_string())
                .at_location(Location::new(Arc::new(path.clone()), *line, *col)),
            _ => Diagnostic::new(self.to_string()),
        };
        d.help(help)
    }
}

/// Reads `path` as text: a regular file (symbolic links followed), at most [`MAX_BYTES`],
/// UTF-8. Checked before it is opened, so a FIFO or a device never blocks or floods.
pub fn read_text(path: &Path) -> Result<String, ReadError> {
    let io = |e: std::io::Error| {
        // A run reading a scenario file again when its turn comes must learn of it.
        crate::descriptors::record(&e);
        ReadError::Io {
            path: path.to_path_buf(),
            reason: e.to_string(),
        }
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if !meta.is_file() {
        return Err(ReadError::NotAFile {
            path: path.to_path_buf(),
            kind: kind_of(&meta),
        });
    }
    if meta.len() > MAX_BYTES {
        return Err(ReadError::TooLarge {
            path: path.to_path_buf(),
        });
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // The file may grow between the check and the read.
    std::fs::File::open(path)
        .map_err(io)?
        .take(MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(ReadError::TooLarge {
            path: path.to_path_buf(),
        });
    }
    String::from_utf8(bytes).map_err(|e| {
        let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        // Valid up to here, so this conversion cannot fail.
        let before = std::str::from_utf8(good).unwrap_or_default();
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        ReadError::NotUtf8 {
            path: path.to_path_buf(),
            line,
            col,
        }
    })
}

/// `path` resolved (links followed, `..` removed) when it lies inside `root`; `None` when it
/// does not exist or lies elsewhere.
pub fn inside(root: &Path, path: &Path) -> Option<PathBuf> {
    let root = root.canonicalize().ok()?;
    let resolved = path.canonicalize().ok()?;
    resolved.starts_with(&root).then_some(resolved)
}

fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if meta.is_dir() {
        "a directory"
    } else {
        "not a file"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_only_small_regular_utf8_files() {
        let dir = tempfile::tempdir().unwrap();
        let ok = dir.path().join("a.yaml");
        std::fs::write(&ok, "name: a\n").unwrap();
        assert_eq!(read_text(&ok).unwrap(), "name: a\n");
        assert!(matches!(
            read_text(dir.path()),
            Err(ReadError::NotAFile { .. })
        ));
        assert!(matches!(
            read_text(Path::new("/dev/zero")),
            Err(ReadError::NotAFile {
                kind: "a device",
                ..
            })
        ));
        let big = dir.path().join("big.yaml");
        std::fs::write(&big, vec![b'a'; MAX_BYTES as usize + 1]).unwrap();
        assert!(matches!(read_text(&big), Err(ReadError::TooLarge { .. })));
        let bad = dir.path().join("bad.yaml");
        std::fs::write(&bad, b"name: a\nsteps: \xff\n").unwrap();
        assert_eq!(
            read_text(&bad),
            Err(ReadError::NotUtf8 {
                path: bad.clone(),
                line: 2,
                col: 8
            })
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("x.yaml");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.map(|s| s.success()).unwrap_or(false) {
            assert!(matches!(
                read_text(&fifo),
                Err(ReadError::NotAFile { kind: "a FIFO", .. })
            ));
        } else {
            panic!("mkfifo is needed for this test");
        }
    }

    #[test]
    fn inside_follows_dots_and_links() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("project");
        std::fs::create_dir_all(root.join("flows")).unwrap();
        std::fs::write(root.join("flows/a.yaml"), "x").unwrap();
        std::fs::write(dir.path().join("outside.yaml"), "x").unwrap();
        assert!(inside(&root, &root.join("flows/../flows/a.yaml")).is_some());
        assert!(inside(&root, &root.join("../outside.yaml")).is_none());
        assert!(inside(&root, Path::new("/etc/hostname")).is_none());
        assert!(inside(&root, &root.join("missing.yaml")).is_none());
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(dir.path().join("outside.yaml"), root.join("link.yaml"))
                .unwrap();
            assert!(inside(&root, &root.join("link.yaml")).is_none());
        }
    }
}
