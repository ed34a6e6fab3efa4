//! What the engine tells reporters: one stream of events, and the reports they carry.
//! The engine never prints; reporters (terminal, JUnit, JSON) consume these.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::check::CheckFailure;
use crate::diagnostic::Diagnostic;
use crate::scenario::SourceFile;

#[derive(Debug, Clone)]
pub enum Event {
    RunStarted {
        total: usize,
    },
    ScenarioStarted {
        index: usize,
        name: String,
    },
    ScenarioFinished(Arc<ScenarioReport>),
    /// Something the person running obflow must act on now (open a link, paste a URL).
    Notice(String),
    RunFinished(RunSummary),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Passed,
    Failed,
    Skipped,
}

/// How one scenario went.
#[derive(Debug, Clone)]
pub struct ScenarioReport {
    /// Position in the run's plan, so reports can keep file order.
    pub index: usize,
    pub name: String,
    pub file: PathBuf,
    pub source: Arc<SourceFile>,
    pub outcome: Outcome,
    pub duration: Duration,
    pub steps: Vec<StepReport>,
}

impl ScenarioReport {
    /// The step that failed, if any.
    pub fn failed_step(&self) -> Option<&StepReport> {
        self.steps.iter().find(|s| s.outcome == Outcome::Failed)
    }
}

/// How one step went.
#[derive(Debug, Clone)]
pub struct StepReport {
    pub index: usize,
    pub label: String,
    pub keyword: &'static str,
    pub outcome: Outcome,
    pub duration: Duration,
    /// Checks that did not hold.
    pub failures: Vec<CheckFailure>,
    /// Why the step could not complete (request failed, template error, capture missing).
    pub error: Option<Diagnostic>,
    /// Requests and responses, redacted; recorded only when a reporter asks for them.
    pub exchanges: Vec<Transcript>,
    /// The step's snapshot check, when it has `snapshot:` (its failure, if any, is also one
    /// of `failures`; this carries the file, the status and the diff).
    pub snapshot: Option<crate::snapshot::SnapshotReport>,
}

impl StepReport {
    /// Whether the scenario stops here. A step whose only failure is its snapshot does not
    /// stop it: the response was what the checks wanted, so later steps can run, and one
    /// run records every new or changed snapshot of the scenario for review.
    pub fn stops_scenario(&self) -> bool {
        let snapshot_failed = self.snapshot.as_ref().is_some_and(|s| s.status.fails());
        self.outcome == Outcome::Failed
            && (self.error.is_some() || self.failures.len() > usize::from(snapshot_failed))
    }
}

/// One HTTP exchange as text, with every secret already redacted.
#[derive(Debug, Clone, Default)]
pub struct Transcript {
    pub request: String,
    pub response: String,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct RunSummary {
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
    pub duration: Duration,
}

impl RunSummary {
    pub fn record(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Passed => self.passed += 1,
            Outcome::Failed => self.failed += 1,
            Outcome::Skipped => self.skipped += 1,
        }
    }
}
