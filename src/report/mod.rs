//! Reporters: consumers of the engine's event stream. The terminal reporter prints as
//! scenarios finish; GitHub annotations go to stdout beside it; the JUnit and JSON reports
//! render each scenario as it finishes, spool it to disk, and are written, atomically, when
//! the run ends. Every scenario arrives redacted (`secret::Redacted`): reporters do not
//! redact, and cannot be handed a report that was not. [`Reporters`] fans
//! every event out to all of them, so the engine stays free of printing.
//!
//! The pieces:
//! - `fan_out.rs`: [`Reporters`], the fan-out the engine feeds.
//! - `console.rs`: [`Reporter`], what prints as the run goes.
//! - `stdout.rs`: [`BufferedStdout`], the standard output the console reporters share.
//! - `file.rs`: [`FileReport`], [`ReportError`] and the atomic write the report files share.
//! - `spool.rs`: where report files keep their rendered scenarios until the run ends.
//! - `terminal.rs`, `progress.rs`, `annotations.rs`: the console reporters and the bar.
//! - `junit.rs`, `json.rs`, `html.rs`: the report files; `step_summary.rs`: the Markdown summary
//!   appended to `GITHUB_STEP_SUMMARY`.
//! - `text.rs`: the plain text of problems and transcripts, for files and annotations.

pub mod annotations;
pub mod html;
pub mod json;
pub mod junit;
pub mod progress;
pub mod step_summary;

pub mod terminal;
mod text;

mod console;
mod fan_out;
mod file;
mod spool;
mod stdout;

pub use console::Reporter;
pub use fan_out::Reporters;
pub use file::{FileReport, ReportError, check_writable, write_atomic};
pub use stdout::BufferedStdout;
