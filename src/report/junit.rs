//! `--report-junit PATH`: the run as JUnit XML (through quick-junit), the format CI systems
//! read. One `<testsuite>` per scenario file, one `<testcase>` per scenario run, named by the
//! scenario (CI tools then show useful names, not file names); `classname` and `file` are the
//! file path, `line` where the scenario's `name` is written.
//!
//! A failed scenario carries a `<failure>` (a check did not hold) or an `<error>` (a step
//! could not complete, and no check failed), whose message is the first problem on one line
//! and whose text is every problem with its location, expected and actual. `<system-out>`
//! holds the step lines, and for failed scenarios the requests and responses too (recorded
//! redacted; whole transcripts of passing scenarios would make reports of large suites huge).
//! Scenarios not run (`--fail-fast`, another `--shard`) are `<skipped>` with the reason.
//! Recorded texts go through the run's redactor once more before writing (see `text`).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use crate::run::{Event, Outcome, RunSummary, ScenarioReport};
use crate::secret::Redactor;

use super::file::retained;
use super::text::{problems, transcript};
use super::{FileReport, ReportError, write_atomic};

pub struct JunitReport {
    path: PathBuf,
    redactor: Redactor,
    scenarios: Vec<Arc<ScenarioReport>>,
    summary: Option<RunSummary>,
}

impl JunitReport {
    pub fn new(path: PathBuf, redactor: Redactor) -> Self {
        JunitReport {
            path,
            redactor,
            scenarios: Vec::new(),
            summary: None,
        }
    }

    /// The XML document for what was collected so far.
    pub fn to_xml(&self) -> Result<String, ReportError> {
        let mut scenarios: Vec<&Arc<ScenarioReport>> = self.scenarios.iter().collect();
        scenarios.sort_by_key(|s| s.index);

        // Suites in the order their files first appear in the plan.
        let mut suites: Vec<TestSuite> = Vec::new();
        let mut suite_of: HashMap<&std::path::Path, usize> = HashMap::new();
        for scenario in scenarios {
            let file = scenario.file().display().to_string();
            let at = *suite_of.entry(scenario.file()).or_insert_with(|| {
                suites.push(TestSuite::new(file.clone()));
                suites.len() - 1
            });
            let mut case = TestCase::new(scenario.name.clone(), status(scenario, &self.redactor));
            let failed = scenario.outcome == Outcome::Failed;
            case.set_classname(file.clone())
                .set_time(scenario.duration)
                .set_system_out(transcript(scenario, failed, &self.redactor));
            case.extra.insert("file".into(), file.into());
            case.extra.insert(
                "line".into(),
                scenario.scenario.location().line.to_string().into(),
            );
            let suite = &mut suites[at];
            let time = suite.time.unwrap_or_default() + scenario.duration;
            suite.set_time(time);
            suite.add_test_case(case);
        }

        let mut report = Report::new("obflow");
        if let Some(summary) = &self.summary {
            report.set_time(summary.duration);
        }
        report.add_test_suites(suites);
        Ok(report.to_string()?)
    }
}

fn status(scenario: &ScenarioReport, redactor: &Redactor) -> TestCaseStatus {
    match scenario.outcome {
        Outcome::Passed => TestCaseStatus::success(),
        Outcome::Skipped => {
            let mut status = TestCaseStatus::skipped();
            if let Some(reason) = &scenario.skip_reason {
                status.set_message(reason.to_string());
            }
            status
        }
        Outcome::Failed => {
            let problems = problems(scenario, redactor);
            let any_check = problems.iter().any(|p| p.kind == "check");
            let kind = if any_check || problems.is_empty() {
                NonSuccessKind::Failure
            } else {
                NonSuccessKind::Error
            };
            let mut status = TestCaseStatus::non_success(kind);
            if let Some(first) = problems.first() {
                status.set_message(first.summary());
                status.set_type(if any_check {
                    "check failed"
                } else {
                    "step error"
                });
            }
            let text: Vec<String> = problems.iter().map(|p| p.rendered.clone()).collect();
            status.set_description(text.join("\n"));
            status
        }
    }
}

impl FileReport for JunitReport {
    fn on_event(&mut self, event: &Event) {
        match event {
            // Only failed scenarios' exchanges are written.
            Event::ScenarioFinished(report) => self
                .scenarios
                .push(retained(report, report.outcome == Outcome::Failed)),
            Event::RunFinished(summary) => self.summary = Some(*summary),
            _ => {}
        }
    }

    fn write(&mut self) -> Result<(), ReportError> {
        let xml = self.to_xml()?;
        write_atomic(&self.path, xml.as_bytes(), "JUnit")
    }
}
