//! `--report-json PATH`: the run as one JSON document for machines: every scenario run, every
//! step run with the requests it sent, and every check, with outcomes, durations in
//! milliseconds, and located failures and step errors. The format is versioned
//! (`schema_version`), documented in `docs/reports.md` and described by
//! `schema/report.schema.json` (which the tests hold every report they write to); fields are
//! only ever added within a version.
//!
//! Each scenario is rendered as it finishes (from its redacted report) and spooled to disk;
//! the document is written when the run ends, scenarios in plan order, so memory does not
//! grow with the suite.

use std::io::Write;
use std::path::PathBuf;

use serde::Serialize;

use crate::check::CheckFailure;
use crate::run::{Event, Outcome, RunSummary, ScenarioReport, Shard, SkipReason, StepReport};
use crate::source::Location;

use super::file::millis;
use super::spool::Spool;
use super::text::{CheckOutcome, check_results};
use super::{FileReport, ReportError};

/// Bumped when a field changes meaning or goes away; adding fields keeps the version.
pub const SCHEMA_VERSION: u32 = 1;

pub struct JsonReport {
    path: PathBuf,
    run: RunInfo,
    /// Each scenario's JSON, indented for its place in the document, by plan position.
    scenarios: Spool<usize>,
    summary: RunSummary,
    started_at: Option<String>,
    /// Of the failed scenarios, those failed by a check and by a step error.
    failures: usize,
    errors: usize,
    /// Files that did not load: only ever in a run that ran nothing, so kept in memory.
    invalid_files: Vec<InvalidFileJson>,
}

/// What the run was asked to do, echoed at the top of the report.
#[derive(Debug, Clone, Serialize)]
pub struct RunInfo {
    /// The target's name (`mock`, `sandbox`, ...).
    pub target: String,
    pub repeat: usize,
    #[serde(serialize_with = "shard_json")]
    pub shard: Option<Shard>,
    /// `--report-all-scenarios`: other shards' scenarios are listed too, as skipped.
    pub all_scenarios: bool,
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

/// The document around the scenarios (which are spliced into its empty `scenarios`).
#[derive(Serialize)]
struct Document<'a> {
    schema_version: u32,
    tool: Tool,
    run: RunJson<'a>,
    summary: Summary,
    /// Scenario files that did not load (nothing ran then).
    invalid_files: &'a [InvalidFileJson],
    scenarios: [(); 0],
}

#[derive(Serialize)]
struct RunJson<'a> {
    #[serde(flatten)]
    info: &'a RunInfo,
    /// When the run started, RFC 3339 in UTC.
    started_at: Option<String>,
}

#[derive(Serialize)]
struct InvalidFileJson {
    file: Option<String>,
    problems: Vec<ProblemJson>,
}

/// A located problem: a step error, or why a file did not load.
#[derive(Serialize)]
struct ProblemJson {
    message: String,
    location: Option<Location>,
    notes: Vec<String>,
    help: Option<String>,
}

/// How deep the scenarios' objects sit in the document, as the pretty printer indents them.
const SCENARIO_INDENT: &[u8] = b"    ";

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
    /// Of `failed`: those where a check did not hold, and those where a step could not
    /// complete and no check failed (JUnit's `<failure>` and `<error>`).
    failures: usize,
    errors: usize,
    skipped: usize,
    outside_shard: usize,
    invalid_files: usize,
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
    /// For a failed scenario: `check` (a check did not hold) or `error` (a step could not
    /// complete, and no check failed).
    failed_by: Option<&'static str>,
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
    failures: Vec<FailureJson<'a>>,
    error: Option<ErrorJson<'a>>,
    requests: Vec<RequestJson<'a>>,
}

/// A request a step sent (of its last attempt).
#[derive(Serialize)]
struct RequestJson<'a> {
    method: &'a str,
    /// Redacted, as every text of the report.
    url: &'a str,
    /// `null` when no response came (or in a dry run).
    status: Option<u16>,
    duration_ms: f64,
}

#[derive(Serialize)]
struct FailureJson<'a> {
    #[serde(flatten)]
    failure: &'a CheckFailure,
    /// For a changed snapshot: the unified diff from the stored one (cut, with a note).
    diff: Option<String>,
}

#[derive(Serialize)]
struct CheckJson {
    check: String,
    location: Location,
    outcome: CheckOutcome,
}

#[derive(Serialize)]
struct ErrorJson<'a> {
    message: &'a str,
    location: Option<&'a Location>,
    notes: &'a [String],
    help: Option<&'a str>,
}

impl JsonReport {
    pub fn new(path: PathBuf, run: RunInfo) -> Self {
        JsonReport {
            path,
            run,
            scenarios: Spool::open(),
            summary: RunSummary::default(),
            started_at: None,
            failures: 0,
            errors: 0,
            invalid_files: Vec::new(),
        }
    }

    /// One scenario's object, pretty-printed as it sits in the document. JSON strings hold
    /// no raw line break, so indenting every line is safe.
    fn spool(&mut self, report: &ScenarioReport) {
        let scenario = scenario_json(report);
        match scenario.failed_by {
            Some("check") => self.failures += 1,
            Some(_) => self.errors += 1,
            None => {}
        }
        let bytes = match serde_json::to_vec_pretty(&scenario) {
            Ok(bytes) => bytes,
            Err(e) => {
                self.scenarios.fail(e.into());
                return;
            }
        };
        let mut part = Vec::with_capacity(bytes.len() + bytes.len() / 16);
        for line in bytes.split(|b| *b == b'\n') {
            if !part.is_empty() {
                part.push(b'\n');
            }
            part.extend_from_slice(SCENARIO_INDENT);
            part.extend_from_slice(line);
        }
        self.scenarios.push(report.index, &part);
    }

    /// Writes the document: what serde_json's pretty printer gives for the whole, the
    /// scenarios streamed from the spool in plan order.
    fn write_to(&mut self, out: &mut impl Write) -> Result<(), ReportError> {
        let s = &self.summary;
        // The skipped runs listed: another shard's are listed only when asked for.
        let skipped = match self.run.all_scenarios {
            true => s.skipped,
            false => s.skipped.saturating_sub(s.outside_shard),
        };
        let head = serde_json::to_string_pretty(&Document {
            schema_version: SCHEMA_VERSION,
            tool: Tool {
                name: "obflow",
                version: env!("CARGO_PKG_VERSION"),
            },
            run: RunJson {
                info: &self.run,
                started_at: self.started_at.clone(),
            },
            summary: Summary {
                total: s.passed + s.failed + skipped,
                passed: s.passed,
                failed: s.failed,
                failures: self.failures,
                errors: self.errors,
                skipped,
                outside_shard: s.outside_shard,
                invalid_files: self.invalid_files.len(),
                duration_ms: millis(s.duration),
            },
            invalid_files: &self.invalid_files,
            scenarios: [],
        })?;
        let (parts, mut reader) = self.scenarios.finish().map_err(io_error)?;
        if parts.is_empty() {
            writeln!(out, "{head}").map_err(io_error)?;
            return Ok(());
        }
        let head = head
            .strip_suffix("[]\n}")
            .expect("the document ends with its empty scenarios");
        out.write_all(head.as_bytes()).map_err(io_error)?;
        out.write_all(b"[\n").map_err(io_error)?;
        parts.sort_by_key(|p| p.meta);
        for (i, part) in parts.iter().enumerate() {
            if i > 0 {
                out.write_all(b",\n").map_err(io_error)?;
            }
            out.write_all(&reader.read(part).map_err(io_error)?)
                .map_err(io_error)?;
        }
        out.write_all(b"\n  ]\n}\n").map_err(io_error)?;
        Ok(())
    }
}

/// Now, as RFC 3339 in UTC with milliseconds.
pub(super) fn now_rfc3339() -> String {
    let now = time::OffsetDateTime::now_utc();
    let now = now
        .replace_nanosecond(now.millisecond() as u32 * 1_000_000)
        .unwrap_or(now);
    now.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn problem_json(d: &crate::source::Diagnostic) -> ProblemJson {
    ProblemJson {
        message: d.message.clone(),
        location: d.location.clone(),
        notes: d.notes.clone(),
        help: d.help.clone(),
    }
}

fn io_error(source: std::io::Error) -> ReportError {
    ReportError::Spool {
        kind: "JSON",
        source,
    }
}

fn scenario_json(report: &ScenarioReport) -> ScenarioJson<'_> {
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
        failed_by: (report.outcome == Outcome::Failed).then(|| {
            match report.steps.iter().any(|s| !s.failures.is_empty()) {
                true => "check",
                false => "error",
            }
        }),
        skip_reason: report.skip_reason.as_ref().map(|r| match r {
            SkipReason::FailFast => "fail_fast",
            SkipReason::OutsideShard(_) => "outside_shard",
            SkipReason::OutOfFiles => "out_of_files",
            SkipReason::TargetLacks { .. } => "target_lacks",
        }),
        duration_ms: millis(report.duration),
        steps: report
            .steps
            .iter()
            .map(|step| step_json(report, step))
            .collect(),
    }
}

fn step_json<'a>(report: &'a ScenarioReport, step: &'a StepReport) -> StepJson<'a> {
    let model = report.scenario.steps.get(step.index);
    let checks = check_results(report, step)
        .into_iter()
        .map(|c| CheckJson {
            check: c.check,
            location: c.location,
            outcome: c.outcome,
        })
        .collect();
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
            .map(|failure| FailureJson {
                failure,
                diff: super::text::snapshot_diff(step, failure)
                    .map(|d| super::text::cut_diff(d, super::text::REPORT_DIFF_LINES)),
            })
            .collect(),
        error: step.error.as_ref().map(|d| ErrorJson {
            message: &d.message,
            location: d.location.as_ref(),
            notes: &d.notes,
            help: d.help.as_deref(),
        }),
        requests: step
            .requests
            .iter()
            .map(|r| RequestJson {
                method: &r.method,
                url: &r.url,
                status: r.status,
                duration_ms: millis(r.duration),
            })
            .collect(),
    }
}

impl FileReport for JsonReport {
    fn on_event(&mut self, event: &Event) {
        match event {
            Event::RunStarted { .. } => self.started_at = Some(now_rfc3339()),
            Event::ScenarioFinished(report) => self.spool(report),
            Event::InvalidFile(invalid) => self.invalid_files.push(InvalidFileJson {
                file: invalid.file.as_ref().map(|f| f.display().to_string()),
                problems: invalid.problems.iter().map(problem_json).collect(),
            }),
            Event::RunFinished(summary) => self.summary = *summary,
            _ => {}
        }
    }

    fn write(&mut self) -> Result<(), ReportError> {
        let path = self.path.clone();
        super::file::write_atomic_with(&path, "JSON", |file| {
            let mut out = std::io::BufWriter::new(file);
            self.write_to(&mut out)?;
            out.flush().map_err(io_error)
        })
    }
}
