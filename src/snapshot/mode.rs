//! How a run treats snapshots: `--snapshots check | new | update | auto`, and the settings
//! a run carries (mode, folder, project-wide redactions).

use crate::check::JsonPathQuery;

use super::store::SnapshotStore;

/// The snapshot folder when `--snapshot-dir` is not given, relative to the working directory.
pub const DEFAULT_DIR: &str = "snapshots";

/// What a run does with snapshots, as asked for on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ModeChoice {
    /// `new` on a workstation, `check` under CI.
    #[default]
    Auto,
    /// Compare only; never write. A missing or changed snapshot fails.
    Check,
    /// Write new and changed snapshots as `.snap.new` for review; they fail the step.
    New,
    /// Write new and changed snapshots in place; they pass.
    Update,
}

/// The effective mode of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Check,
    New,
    Update,
}

impl ModeChoice {
    /// `auto` is `check` under CI (never write there), `new` elsewhere, as with insta.
    pub fn resolve(self, ci: bool) -> Mode {
        match self {
            ModeChoice::Auto if ci => Mode::Check,
            ModeChoice::Auto | ModeChoice::New => Mode::New,
            ModeChoice::Check => Mode::Check,
            ModeChoice::Update => Mode::Update,
        }
    }
}

/// Whether we run under CI: `CI` set to anything but empty, `0` or `false` (insta's rule).
pub fn is_ci() -> bool {
    match std::env::var("CI") {
        Ok(v) => !matches!(v.trim(), "" | "0" | "false"),
        Err(_) => false,
    }
}

/// How a run handles snapshots: the mode, the folder, the project-wide redactions.
#[derive(Debug, Clone)]
pub struct SnapshotSettings {
    pub mode: Mode,
    pub store: SnapshotStore,
    /// JSONPaths redacted in every snapshot (`snapshot_redact` in `obflow.yaml`).
    pub redact: Vec<JsonPathQuery>,
}

impl Default for SnapshotSettings {
    fn default() -> Self {
        SnapshotSettings {
            mode: Mode::Check,
            store: SnapshotStore::new(DEFAULT_DIR),
            redact: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_follow_insta() {
        assert_eq!(ModeChoice::Auto.resolve(true), Mode::Check);
        assert_eq!(ModeChoice::Auto.resolve(false), Mode::New);
        assert_eq!(ModeChoice::Update.resolve(true), Mode::Update);
        assert_eq!(ModeChoice::New.resolve(true), Mode::New);
        assert_eq!(ModeChoice::Check.resolve(false), Mode::Check);
    }
}
