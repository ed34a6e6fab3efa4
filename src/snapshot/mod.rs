//! Snapshot checks of step responses: `snapshot:` on a step stores the response (status, kept
//! headers, body), redacted, in an insta-compatible `.snap` file and compares later runs with it.
//!
//! The pieces:
//! - `spec.rs`: the step key, `snapshot:`.
//! - `mode.rs`: the update modes and a run's snapshot settings.
//! - `naming.rs`: snapshot names from scenario files and steps; no two steps share one.
//! - `take.rs`: [`take`], the one call the engine makes after a step's checks held.
//! - `outcome.rs`: what happened to a snapshot, for reporters.
//! - `format.rs`: the `.snap` file (YAML header, `---`, contents), read and written.
//! - `store.rs`: the snapshot folder: atomic writes, `.snap.new` pending files, listing.
//! - `redact.rs`: secrets and volatile values replaced by stable placeholders.
//! - `compare.rs`: the unified diff shown when a snapshot changed.
//! - `review.rs`: `obflow snapshots review | accept | reject | prune`.
//!
//! The user-facing guide is `docs/snapshots.md`. insta's runtime API is for `cargo test` only
//! (a mismatch panics, paths are fixed at compile time), so obflow writes the files itself in
//! insta's format, and the project's tests read them back with insta.

pub mod compare;
pub mod format;
mod mode;
pub(crate) mod naming;
mod outcome;
pub mod redact;
pub mod review;
mod spec;
pub mod store;
mod take;

pub use format::SnapFile;
pub use mode::{DEFAULT_DIR, Mode, ModeChoice, SnapshotSettings, is_ci};
pub use naming::{NameUse, StepIdentity, base_name, check_uses, run_name};
pub use outcome::{SnapshotReport, SnapshotStatus};
pub use redact::Redactions;
pub use spec::SnapshotSpec;
pub use store::{SnapshotStore, StoreError};
pub use take::{Taken, take};
