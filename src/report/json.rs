//! `--report-json PATH`: the run as one JSON document for machines: every scenario run, every
//! step run and every check, with outcomes, durations in milliseconds, and located failures
//! and step errors. The format is versioned (`schema_version`) and documented in
//! `docs/reports.md`; fields are only ever added within a version. Recorded texts (expected
//! and actual values, error messages) go through the run's redactor once more before
//! writing; names, labels and paths come from the scenario files and are left alone.

use std::path::PathBuf;
use std::sync::Arc;

use serde::Serialize;

use crate::check::CheckFailure;
use crate::run::{Event, Outcome, RunSummary, ScenarioReport, Shard, SkipReason, StepReport};
use crate::secret::Redactor;
use crate::source::Location;

use super::file::{millis, retained};
use super::{FileReport, ReportError, write_atomic};

/// Bumped when a field changes meaning or goes away; adding fields keeps the version.
pub const SCHEMA_VERSION: u32 = 1;

pub struct JsonReport {
    path: PathBuf,
    redactor: Redactor,
    run: RunInfo,
    scenarios: Vec<Arc<ScenarioReport>>,
    summary: RunSummary,
}

/// What the run was asked to do, echoed at the top of the report.
#[derive(Debug, Clone, Serialize)]
pub struct RunInfo {
    /// The target's name (`mock`, `sandbox`, ...).
    pub target: String,
    pub repeat: usize,
    #[serde(serialize_with = "shard_json")]
    pub shard: Option<Shard>,
}

fn shard_json<S: serde::Serializer>(shard: &Option<Shard>, s: S) -> Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    struct ShardJson {
        index: u32,
        count: u32,
    }
    shard
        .map(|shard| ShardJson {
            index: shard.index(),
            count: shard.count(),
        })
        .serialize(s)
}

#[derive(Serialize)]
struct Document<'a> {
    schema_version: u32,
    tool: Tool,
    run: &'a RunInfo,
    summary: Summary,
    scenarios: Vec<ScenarioJson<'a>>,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Summary {
    total: usize,
    passed: usize,
    failed: usize,
    skipped: usize,
    outside_shard: usize,
    duration_ms: f64,
}

#[derive(Serialize)]
struct ScenarioJson<'a> {
    name: &'a str,
    /// The name written in the file (without ` (run k/N)`).
    scenario: &'a str,
    file: String,
    location: Location,
    tags: &'a [String],
    repetition: Option<RepetitionJson>,
    outcome: Outcome,
    skip_reason: Option<&'static str>,
    duration_ms: f64,
    steps: Vec<StepJson<'a>>,
}

#[derive(Serialize)]
struct RepetitionJson {
    run: usize,
    of: usize,
}

#[derive(Serialize)]
struct StepJson<'a> {
    index: usize,
    label: &'a str,
    id: Option<&'a str>,
    name: Option<&'a str>,
    action: &'static str,
    location: Option<Location>,
    outcome: Outcome,
    duration_ms: f64,
    attempts: u32,
    checks: Vec<CheckJson>,
    failures: Vec<CheckFailure>,
    error: Option<ErrorJson<'a>>,
}

#[derive(Serialize)]
struct CheckJson {
    check: String,
    location: Location,
    outcome: CheckOutcome,
}

#[derive(Serialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
enum CheckOutcome {
    Passed,
    Failed,
    /// The step did not get as far as its checks (skipped, or it failed before a response).
    NotRun,
}

#[derive(Serialize)]
struct ErrorJson<'a> {
    message: String,
    location: Option<&'a Location>,
    notes: Vec<String>,
    help: Option<String>,
}

impl JsonReport {
    pub fn new(path: PathBuf, redactor: Redactor, run: RunInfo) -> Self {
        JsonReport {
            path,
            redactor,
            run,
            scenarios: Vec::new(),
            summary: RunSummary::default(),
        }
    }

    /// The report as JSON text, fields in the documented order.
    pub fn to_json(&self) -> Result<String, ReportError> {
        let mut text = serde_json::to_string_pretty(&self.document())?;
        text.push('\n');
        Ok(text)
    }

    fn document(&self) -> Document<'_> {
        let mut scenarios: Vec<&Arc<ScenarioReport>> = self.scenarios.iter().collect();
        scenarios.sort_by_key(|s| s.index);
        let s = &self.summary;
        Document {
            schema_version: SCHEMA_VERSION,
            tool: Tool {
                name: "obflow",
                version: env!("CARGO_PKG_VERSION"),
            },
            run: &self.run,
            summary: Summary {
                total: s.passed + s.failed + s.skipped,
                passed: s.passed,
                failed: s.failed,
                skipped: s.skipped,
                outside_shard: s.outside_shard,
                duration_ms: millis(s.duration),
            },
            scenarios: scenarios
                .iter()
                .map(|r| scenario_json(r, &self.redactor))
                .collect(),
        }
    }
}

fn scenario_json<'a>(report: &'a ScenarioReport, redactor: &Redactor) -> ScenarioJson<'a> {
    ScenarioJson {
        name: &report.name,
        scenario: &report.scenario.name,
        file: report.file().display().to_string(),
        location: report.scenario.location(),
        tags: &report.scenario.tags,
        repetition: report.repetition.map(|r| RepetitionJson {
            run: r.run,
            of: r.of,
        }),
        outcome: report.outcome,
        skip_reason: report.skip_reason.map(|r| match r {
            SkipReason::FailFast => "fail_fast",
            SkipReason::OutsideShard(_) => "outside_shard",
            SkipReason::OutOfFiles => "out_of_files",
        }),
        duration_ms: millis(report.duration),
        steps: report
            .steps
            .iter()
            .map(|step| step_json(report, step, redactor))
            .collect(),
    }
}

fn step_json<'a>(
    report: &'a ScenarioReport,
    step: &'a StepReport,
    redactor: &Redactor,
) -> StepJson<'a> {
    let clean = |text: &str| redactor.redact(text).into_owned();
    let model = report.scenario.steps.get(step.index);
    // Checks ran when the step got a response: it passed, or it failed on checks alone.
    let checked = step.outcome == Outcome::Passed
        || (step.outcome == Outcome::Failed && step.error.is_none());
    let mut checks = Vec::new();
    if let Some(model) = model {
        let until = model.retry.as_ref().and_then(|r| r.until.as_ref());
        let listed = model
            .expect
            .checks()
            .map(|(name, at)| (name.to_owned(), at))
            .chain(
                until
                    .into_iter()
                    .flat_map(|u| u.checks())
                    .map(|(name, at)| (format!("retry until {name}"), at)),
            );
        for (check, spot) in listed {
            let location = spot.location();
            let outcome = if !checked {
                CheckOutcome::NotRun
            } else if step.failures.iter().any(|f| f.location == location) {
                CheckOutcome::Failed
            } else {
                CheckOutcome::Passed
            };
            checks.push(CheckJson {
                check,
                location,
                outcome,
            });
        }
    }
    StepJson {
        index: step.index,
        label: &step.label,
        id: model.and_then(|m| m.id.as_deref()),
        name: model.and_then(|m| m.name.as_deref()),
        action: step.keyword,
        location: model.map(|m| m.location()),
        outcome: step.outcome,
        duration_ms: millis(step.duration),
        attempts: step.attempts,
        checks,
        failures: step
            .failures
            .iter()
            .map(|f| CheckFailure {
                expected: clean(&f.expected),
                actual: clean(&f.actual),
                ..f.clone()
            })
            .collect(),
        error: step.error.as_ref().map(|d| ErrorJson {
            message: clean(&d.message),
            location: d.location.as_ref(),
            notes: d.notes.iter().map(|n| clean(n)).collect(),
            help: d.help.as_deref().map(clean),
        }),
    }
}

impl FileReport for JsonReport {
    fn on_event(&mut self, event: &Event) {
        match event {
            Event::ScenarioFinished(report) => self.scenarios.push(retained(report, false)),
            Event::RunFinished(summary) => self.summary = *summary,
            _ => {}
        }
    }

    fn write(&mut self) -> Result<(), ReportError> {
        let text = self.to_json()?;
        write_atomic(&self.path, text.as_bytes(), "JSON")
    }
}
