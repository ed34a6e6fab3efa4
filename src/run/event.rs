//! What the engine tells reporters: one stream of events, and the reports they carry.
//! The engine never prints; reporters (terminal, JUnit, JSON) consume these.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crate::check::CheckFailure;
use crate::scenario::Scenario;
use crate::secret::Redacted;
use crate::source::Diagnostic;
use crate::source::SourceFile;

use super::shard::Shard;

#[derive(Debug, Clone)]
pub enum Event {
    RunStarted {
        total: usize,
    },
    ScenarioStarted {
        index: usize,
        name: String,
    },
    /// A scenario's report, scrubbed with the scenario's final set of secrets.
    ScenarioFinished(Arc<Redacted<ScenarioReport>>),
    /// Something the person running obflow must act on now (open a link, paste a URL).
    Notice(Redacted<String>),
    /// A scenario file that did not load: nothing runs, but reports and annotations show
    /// it at its line (the terminal has it from the command's error).
    InvalidFile(Arc<Redacted<InvalidFile>>),
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
    /// The scenario's name, with ` (run k/N)` when `--repeat` runs it several times.
    pub name: String,
    pub outcome: Outcome,
    pub duration: Duration,
    pub steps: Vec<StepReport>,
    /// The scenario as loaded: file reporters read its location and its checks from it.
    pub scenario: Arc<Scenario>,
    /// Which run of the scenario this is, when `--repeat` asks for more than one.
    pub repetition: Option<Repetition>,
    /// Why the scenario did not run, when its outcome is `Skipped`.
    pub skip_reason: Option<SkipReason>,
}

/// Run `run` of `of` (both from 1) of a repeated scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Repetition {
    pub run: usize,
    pub of: usize,
}

/// Why a scenario was not run.
#[derive(Debug, Clone, PartialEq)]
pub enum SkipReason {
    /// `--fail-fast` stopped the run after an earlier failure.
    FailFast,
    /// `--shard K/N`: another shard runs it.
    OutsideShard(Shard),
    /// The run ran out of open files before the scenario could start or finish: not the
    /// scenario's failure, the environment's (the run ends with exit code 3).
    OutOfFiles,
    /// It needs what the target cannot give (the mock's clock, dialog or admin routes).
    TargetLacks {
        target: String,
        unmet: super::needs::Unmet,
    },
}

impl std::fmt::Display for SkipReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SkipReason::FailFast => f.write_str("not run: --fail-fast stopped after a failure"),
            SkipReason::OutsideShard(shard) => {
                write!(f, "not in shard {shard}: another shard runs it")
            }
            SkipReason::OutOfFiles => {
                f.write_str("not run to the end: the run ran out of open files")
            }
            SkipReason::TargetLacks { target, unmet } => write!(
                f,
                "not run on target `{target}`: it needs {}, at {}",
                unmet.need, unmet.location
            ),
        }
    }
}

impl ScenarioReport {
    /// The file the scenario came from, as the user named it.
    pub fn file(&self) -> &Path {
        self.scenario.file()
    }

    /// The scenario file's text, for rendering failures with their source line.
    pub fn source(&self) -> &SourceFile {
        &self.scenario.source
    }

    /// What the run's totals count of it: its outcome, and whether the run's running out of
    /// files stopped it.
    pub fn counted(&self) -> (Outcome, bool) {
        (
            self.outcome,
            self.skip_reason == Some(SkipReason::OutOfFiles),
        )
    }

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
    /// With `retry`, the exchanges of the last attempt.
    pub exchanges: Vec<Transcript>,
    /// How many times the step ran: 1, or more when `retry` re-ran it.
    pub attempts: u32,
    /// The step's snapshot check, when it has `snapshot:` (its failure, if any, is also one
    /// of `failures`; this carries the file, the status and the diff).
    pub snapshot: Option<crate::snapshot::SnapshotReport>,
    /// Every request the step sent (of its last attempt), in order: a few words each,
    /// recorded always (reports list them), unlike the transcripts.
    pub requests: Vec<RequestRecord>,
}

/// One request a step sent: method, URL (redacted with the rest of the report), the status
/// that came back (`None`: no response, or a dry run), and how long it took.
#[derive(Debug, Clone)]
pub struct RequestRecord {
    pub method: String,
    pub url: String,
    pub status: Option<u16>,
    pub duration: Duration,
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

/// A scenario file that could not be loaded, and why: every problem found in it. Problems
/// that belong to no file (a bad `--var`) are gathered under no file.
#[derive(Debug, Clone)]
pub struct InvalidFile {
    pub file: Option<std::path::PathBuf>,
    pub problems: Vec<Diagnostic>,
}

impl InvalidFile {
    /// The problems grouped by the file they are located in, files in the order their first
    /// problem comes.
    pub fn group(problems: &[Diagnostic]) -> Vec<InvalidFile> {
        let mut files: Vec<InvalidFile> = Vec::new();
        for problem in problems {
            let file = problem.location.as_ref().map(|l| l.file.to_path_buf());
            match files.iter_mut().find(|f| f.file == file) {
                Some(f) => f.problems.push(problem.clone()),
                None => files.push(InvalidFile {
                    file,
                    problems: vec![problem.clone()],
                }),
            }
        }
        files
    }

    /// The file as reports name it (`obflow` for problems of no file).
    pub fn name(&self) -> String {
        self.file
            .as_ref()
            .map_or_else(|| "obflow".to_owned(), |f| f.display().to_string())
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
    /// Of `skipped`, those another shard runs (`--shard`).
    pub outside_shard: usize,
    /// Of `skipped`, those cut short because the run ran out of open files.
    pub out_of_files: usize,
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

    /// Counts a scenario by its outcome and, when skipped, by why.
    pub fn record_outcome(&mut self, (outcome, out_of_files): (Outcome, bool)) {
        self.record(outcome);
        if out_of_files {
            self.out_of_files += 1;
        }
    }

    pub fn record_report(&mut self, report: &ScenarioReport) {
        self.record_outcome(report.counted());
    }
}
