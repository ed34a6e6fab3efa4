//! The engine: runs scenarios concurrently (up to `--jobs`), steps in order, and emits
//! [`Event`]s. It owns nothing that prints.

pub mod base_url;
mod config;
mod context;
pub mod cookies;
pub mod event;
pub mod executor;
pub mod http;
pub mod needs;
mod plan;
mod redact;
pub mod render;
mod runner;
mod runtime;
mod scheduler;
pub mod session;
pub mod shard;
mod steps;
pub mod transcript;

pub use config::{DEFAULT_TIMEOUT, RunConfig, RunContext};
pub use event::{
    Event, InvalidFile, Outcome, Repetition, RequestRecord, RunSummary, ScenarioReport, SkipReason,
    StepReport, Transcript,
};
pub use plan::{Kept, ScenarioRef};
pub use runner::{EventSink, MOCK_ENTRIES_PER_JOB, Runner, RunnerError, Suite};
pub use runtime::engine_runtime;
pub use scheduler::run;
pub use shard::Shard;
pub use steps::DEFAULT_SCOPES;
