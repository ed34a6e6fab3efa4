//! Report files (JUnit, JSON): their contract, their error, and what they share: the check
//! that a path takes a report before the run, the atomic write, and the millisecond figures
//! they show.

use std::io;
use std::path::{Path, PathBuf};

use crate::run::Event;

/// A report file: it collects the run's events and is written once, when the run ends.
pub trait FileReport: Send {
    fn on_event(&mut self, event: &Event);
    /// Writes the file (atomically); called once, after `RunFinished`.
    fn write(&mut self) -> Result<(), ReportError>;
}

/// Why a report file could not be written. The run itself went on; the exit code says the
/// environment failed (3).
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("cannot write the {kind} report `{}`: {source}", path.display())]
    Write {
        kind: &'static str,
        path: PathBuf,
        source: io::Error,
    },
    #[error("cannot keep the {kind} report's scenarios in a temporary file: {source}")]
    Spool {
        kind: &'static str,
        source: io::Error,
    },
    #[error("cannot build the JSON report: {0}")]
    Json(#[from] serde_json::Error),
}

/// Makes sure a report can be written at `path` before the run starts (its directory exists
/// or can be made, and takes new files), so a typo in a path does not cost a whole run.
pub fn check_writable(path: &Path, kind: &'static str) -> Result<(), ReportError> {
    let err = |source| ReportError::Write {
        kind,
        path: path.to_path_buf(),
        source,
    };
    if path.is_dir() {
        return Err(err(io::Error::other("it is a directory")));
    }
    let dir = parent_dir(path);
    std::fs::create_dir_all(dir).map_err(err)?;
    tempfile::NamedTempFile::new_in(dir).map(drop).map_err(err)
}

/// Writes a report atomically ([`crate::atomic_file`]), so a reader (a CI step, a concurrent
/// shard's upload) never sees half a report.
pub fn write_atomic(path: &Path, bytes: &[u8], kind: &'static str) -> Result<(), ReportError> {
    crate::atomic_file::write(path, bytes).map_err(|source| ReportError::Write {
        kind,
        path: path.to_path_buf(),
        source,
    })
}

/// Like [`write_atomic`], with the file filled by `fill`, whose own error wins.
pub(super) fn write_atomic_with(
    path: &Path,
    kind: &'static str,
    fill: impl FnOnce(&mut std::fs::File) -> Result<(), ReportError>,
) -> Result<(), ReportError> {
    let mut failure = None;
    let written = crate::atomic_file::write_with(path, |file| {
        fill(file).map_err(|e| {
            failure = Some(e);
            io::Error::other("the report could not be built")
        })
    });
    match (failure, written) {
        (Some(e), _) => Err(e),
        (None, Err(source)) => Err(ReportError::Write {
            kind,
            path: path.to_path_buf(),
            source,
        }),
        (None, Ok(())) => Ok(()),
    }
}

fn parent_dir(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Milliseconds with microsecond precision, as the JSON report and annotations show them.
pub(super) fn millis(duration: std::time::Duration) -> f64 {
    (duration.as_secs_f64() * 1_000_000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_is_not_a_writable_report() {
        let dir = tempfile::tempdir().unwrap();
        let e = check_writable(dir.path(), "JSON").unwrap_err();
        assert!(
            e.to_string().starts_with("cannot write the JSON report"),
            "{e}"
        );
        assert!(check_writable(&dir.path().join("new/r.json"), "JSON").is_ok());
    }
}
