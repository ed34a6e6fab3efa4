//! What happened to a step's snapshot, as every reporter sees it.

use std::path::PathBuf;

use super::compare;
use crate::check::CheckFailure;
use crate::source::Location;

/// What happened to one step's snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SnapshotStatus {
    /// The response matches the stored snapshot.
    Matched,
    /// No snapshot was stored; one was written (`update`).
    Created,
    /// The snapshot changed and was rewritten (`update`).
    Updated,
    /// No snapshot is stored; the new one waits in a `.snap.new` (`new`).
    PendingNew,
    /// The snapshot changed; the new version waits in a `.snap.new` (`new`).
    PendingChange,
    /// No snapshot is stored, and `check` writes none.
    Missing,
    /// The snapshot changed, and `check` writes nothing.
    Mismatch,
    /// The snapshot could not be read or written.
    Error,
}

impl SnapshotStatus {
    /// Whether the step fails because of its snapshot (insta's rule: only an in-place
    /// update passes).
    pub fn fails(self) -> bool {
        !matches!(
            self,
            SnapshotStatus::Matched | SnapshotStatus::Created | SnapshotStatus::Updated
        )
    }

    /// Whether a `.snap.new` waits for review.
    pub fn is_pending(self) -> bool {
        matches!(
            self,
            SnapshotStatus::PendingNew | SnapshotStatus::PendingChange
        )
    }
}

/// A step's snapshot outcome, carried on its `StepReport` for every reporter.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SnapshotReport {
    /// The snapshot's name (the file name without `.snap`).
    pub name: String,
    /// The `.snap` file.
    pub file: PathBuf,
    pub status: SnapshotStatus,
    /// A unified diff from the stored contents to the new ones, without colours; when
    /// the snapshot changed.
    pub diff: Option<String>,
    /// Why the snapshot could not be read or written, for [`SnapshotStatus::Error`].
    pub error: Option<String>,
}

impl SnapshotReport {
    /// The failed check reporters show, or `None` when the snapshot does not fail the step.
    pub fn failure(&self, location: &Location) -> Option<CheckFailure> {
        if !self.status.fails() {
            return None;
        }
        let file = self.file.display();
        let pending = format!("{}.new", self.file.display());
        let (expected, actual) = match self.status {
            SnapshotStatus::Missing => (
                format!("a stored snapshot `{file}`"),
                "none stored (`--snapshots check` writes none; run without CI or with `--snapshots new` to record it)".to_owned(),
            ),
            SnapshotStatus::PendingNew => (
                format!("a stored snapshot `{file}`"),
                format!("none stored; the new snapshot waits in `{pending}`: `obflow snapshots review`"),
            ),
            SnapshotStatus::Mismatch => (
                format!("the stored snapshot `{file}`"),
                format!("a different response ({})", self.diff_summary()),
            ),
            SnapshotStatus::PendingChange => (
                format!("the stored snapshot `{file}`"),
                format!(
                    "a different response ({}); the new version waits in `{pending}`: `obflow snapshots review`",
                    self.diff_summary()
                ),
            ),
            _ => (
                format!("a readable, writable snapshot `{file}`"),
                self.error.clone().unwrap_or_default(),
            ),
        };
        Some(CheckFailure {
            check: format!("snapshot {file}"),
            expected,
            actual,
            location: location.clone(),
            differences: Vec::new(),
        })
    }

    fn diff_summary(&self) -> String {
        let (added, removed) = self
            .diff
            .as_deref()
            .map(compare::count_changes)
            .unwrap_or_default();
        format!("{removed} line(s) removed, {added} added")
    }
}
