//! Plain text for file reports and annotations: a scenario's problems (failed checks and
//! step errors) and its transcript, without colour. The terminal reporter keeps its own,
//! coloured rendering.
//!
//! Reports arrive redacted (`Redacted`, scrubbed with the scenario's final set of secrets);
//! the one text rendered here from elsewhere, the scenario file's line under a failed check,
//! goes through the same redactor.

use std::fmt::Write;

use crate::check::CheckFailure;
use crate::duration::format_duration;
use crate::run::{Outcome, ScenarioReport, StepReport};
use crate::secret::{Redact, Redacted};
use crate::source::Location;

use crate::style::Palette;

/// One reason a scenario failed: a check that did not hold, or a step that could not
/// complete.
pub(crate) struct Problem<'a> {
    pub step: &'a StepReport,
    /// `check` for a failed check, `error` for a step error.
    pub kind: &'static str,
    pub location: Option<Location>,
    /// One line: `check failed: status`, `request failed: ...`.
    pub headline: String,
    /// `expected: 200`, `  actual: 404`, or the error's notes and help.
    pub notes: Vec<String>,
    /// The rustc-style rendering, with the source line and caret.
    pub rendered: String,
    /// For a snapshot that changed, the unified diff from the stored one, whole (reporters
    /// cut it with [`cut_diff`]).
    pub diff: Option<&'a str>,
}

/// Lines of a snapshot diff shown in JUnit and JSON reports, and in annotations.
pub(crate) const REPORT_DIFF_LINES: usize = 200;
pub(crate) const ANNOTATION_DIFF_LINES: usize = 40;
/// And at most this many bytes of it, whatever the lines (a one-line body can be large).
const DIFF_BYTES: usize = 16 * 1024;

/// `diff` cut to `max_lines` lines and [`DIFF_BYTES`], with a note saying what was left out
/// and where the whole diff is, when something was.
pub(crate) fn cut_diff(diff: &str, max_lines: usize) -> String {
    let total = diff.lines().count();
    let mut out = String::new();
    let mut shown = 0;
    for line in diff.lines().take(max_lines) {
        if out.len() + line.len() + 1 > DIFF_BYTES {
            break;
        }
        out.push_str(line);
        out.push('\n');
        shown += 1;
    }
    if shown < total {
        let _ = writeln!(
            out,
            "... diff cut: {} more line(s) not shown; `obflow run` prints it whole, `obflow snapshots review` shows pending ones",
            total - shown
        );
    }
    out
}

impl Problem<'_> {
    /// `step `token`: check failed: status (expected: 200, actual: 404)`, for one-line
    /// messages.
    pub fn summary(&self) -> String {
        let mut line = format!("step `{}`: {}", self.step.label, self.headline);
        if !self.notes.is_empty() {
            let notes: Vec<&str> = one_line_notes(&self.notes).collect();
            let _ = write!(line, " ({})", notes.join(", "));
        }
        if let Some(at) = &self.location {
            let _ = write!(line, " at {at}");
        }
        line
    }
}

/// The notes that fit on one line: expected and actual, not the paths that differ.
pub(crate) fn one_line_notes(notes: &[String]) -> impl Iterator<Item = &str> {
    notes
        .iter()
        .map(|n| n.trim())
        .filter(|n| !n.starts_with("differs at "))
}

/// Every problem of a scenario, in step order: a step's error first, then its failed checks.
pub(crate) fn problems(report: &Redacted<ScenarioReport>) -> Vec<Problem<'_>> {
    let plain = Palette::plain();
    let mut out = Vec::new();
    for step in report.steps.iter().filter(|s| s.outcome == Outcome::Failed) {
        let context = step_context(report, step);
        if let Some(error) = &step.error {
            let mut notes = error.notes.clone();
            if let Some(help) = &error.help {
                notes.push(format!("help: {help}"));
            }
            out.push(Problem {
                step,
                kind: "error",
                location: error.location.clone(),
                headline: error.message.clone(),
                notes,
                rendered: error.clone().note(context.clone()).render(&plain),
                diff: None,
            });
        }
        for failure in &step.failures {
            let d = failure_diagnostic(report, failure);
            let diff = snapshot_diff(step, failure);
            let mut rendered = d.clone().note(context.clone()).render(&plain);
            if let Some(diff) = diff {
                rendered.push_str(&cut_diff(diff, REPORT_DIFF_LINES));
            }
            out.push(Problem {
                step,
                kind: "check",
                location: Some(failure.location.clone()),
                headline: d.message.clone(),
                notes: d.notes.clone(),
                rendered,
                diff,
            });
        }
    }
    out
}

/// The diff of the step's snapshot, when `failure` is that snapshot's.
pub(crate) fn snapshot_diff<'a>(step: &'a StepReport, failure: &CheckFailure) -> Option<&'a str> {
    let snapshot = step.snapshot.as_ref()?;
    let check = format!("snapshot {}", snapshot.file.display());
    (failure.check == check)
        .then_some(snapshot.diff.as_deref())
        .flatten()
}

/// How one check of a step's `expect` (or `retry.until`) went.
#[derive(serde::Serialize, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "snake_case")]
pub(crate) enum CheckOutcome {
    Passed,
    Failed,
    /// The step did not get as far as its checks (skipped, or it failed before a response).
    NotRun,
}

pub(crate) struct CheckResult {
    pub check: String,
    pub location: Location,
    pub outcome: CheckOutcome,
}

/// Every check the step states, in file order, with how it went: reports list the checks
/// that held too, not only the failures.
pub(crate) fn check_results(report: &ScenarioReport, step: &StepReport) -> Vec<CheckResult> {
    let Some(model) = report.scenario.steps.get(step.index) else {
        return Vec::new();
    };
    // Checks ran when the step got a response: it passed, or it failed on checks alone.
    let checked = step.outcome == Outcome::Passed
        || (step.outcome == Outcome::Failed && step.error.is_none());
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
    listed
        .map(|(check, spot)| {
            let location = spot.location();
            let outcome = if !checked {
                CheckOutcome::NotRun
            } else if step.failures.iter().any(|f| f.location == location) {
                CheckOutcome::Failed
            } else {
                CheckOutcome::Passed
            };
            CheckResult {
                check,
                location,
                outcome,
            }
        })
        .collect()
}

/// How a failure names where it happened: the scenario, the step and its attempts.
pub(crate) fn step_context(report: &ScenarioReport, step: &StepReport) -> String {
    let mut context = format!(
        "scenario `{}`, step {} `{}`",
        report.name,
        step.index + 1,
        step.label
    );
    if step.attempts > 1 {
        let _ = write!(context, ", after {} attempts", step.attempts);
    }
    context
}

/// One line per step (`── step token (exchange) ok in 12ms`), each followed by its
/// exchanges when `exchanges` is set.
pub(crate) fn transcript(report: &ScenarioReport, exchanges: bool) -> String {
    let mut out = String::new();
    for step in &report.steps {
        let status = match step.outcome {
            Outcome::Passed => "ok",
            Outcome::Failed => "failed",
            Outcome::Skipped => "skipped",
        };
        let _ = write!(
            out,
            "── step {} ({}) {status} in {}",
            step.label,
            step.keyword,
            format_duration(step.duration)
        );
        if step.attempts > 1 {
            let _ = write!(out, " after {} attempts", step.attempts);
        }
        out.push('\n');
        if !exchanges {
            continue;
        }
        for exchange in &step.exchanges {
            for line in exchange.request.lines() {
                let _ = writeln!(out, "  > {line}");
            }
            for line in exchange.response.lines() {
                let _ = writeln!(out, "  < {line}");
            }
        }
    }
    out
}

/// A failed check as a located diagnostic: the check, expected, actual, and the scenario
/// file's line (redacted like the rest: a literal secret may be written on it).
pub fn failure_diagnostic(
    report: &Redacted<ScenarioReport>,
    failure: &crate::check::CheckFailure,
) -> crate::source::Diagnostic {
    let mut d = report
        .source()
        .error_at_location(
            failure.location.clone(),
            format!("check failed: {}", failure.check),
        )
        .note(format!("expected: {}", failure.expected))
        .note(format!("  actual: {}", failure.actual));
    for difference in &failure.differences {
        d = d.note(match difference.path.starts_with('(') {
            true => format!("  differs at {} other paths", difference.path),
            false => format!(
                "  differs at {}: expected {}, actual {}",
                difference.path, difference.expected, difference.actual
            ),
        });
    }
    d.source_line.redact(report.redactor());
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_diff_is_cut_with_a_note() {
        let diff: String = (0..10).map(|i| format!("+line {i}\n")).collect();
        assert_eq!(cut_diff(&diff, 10), diff, "a diff that fits is whole");
        let cut = cut_diff(&diff, 3);
        assert_eq!(
            cut.lines().collect::<Vec<_>>()[..3],
            ["+line 0", "+line 1", "+line 2"]
        );
        assert!(
            cut.lines()
                .nth(3)
                .unwrap()
                .starts_with("... diff cut: 7 more line(s) not shown"),
            "{cut}"
        );
        let wide = format!("+{}\n+short\n", "x".repeat(DIFF_BYTES));
        assert!(cut_diff(&wide, 10).starts_with("... diff cut: 2 more line(s)"));
    }
}
