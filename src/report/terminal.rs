//! The terminal reporter: one line per scenario, details for failures, transcripts with
//! `-v`, a recap of the failed scenarios at the end (each with its first problem and where,
//! as nextest closes a run: in a long run the last failure is far up), and a closing
//! `N passed, M failed` line. `--quiet` prints only the failures, the recap and the totals.
//! It writes to the writer it is given (for stdout, a buffer of the caller's) and flushes it
//! at the end of each event it prints, so a scenario's lines are out as it finishes, in one
//! write.

use std::io::Write;

use super::text::{failure_diagnostic, problems, step_context};
use crate::duration::format_duration;
use crate::run::{Event, Outcome, ScenarioReport, SkipReason, StepReport};
use crate::secret::Redacted;
use crate::style::Palette;

pub struct TerminalReporter<W: Write> {
    out: W,
    palette: Palette,
    verbose: bool,
    /// `--quiet`: no line for scenarios that passed or were skipped.
    quiet: bool,
    /// Snapshot files written so far, for the closing lines.
    snapshots: SnapshotTally,
    /// The failed scenarios, for the recap: the first [`RECAP_MAX`], then only a count.
    recap: Vec<RecapEntry>,
    recap_more: usize,
}

/// The recap lists this many failed scenarios; a run with more says how many it left out
/// (they are above, and in the reports), so memory stays flat however many fail.
const RECAP_MAX: usize = 100;

/// One failed scenario in the recap: its name, where its first problem is, and that
/// problem on one line (all redacted: they come from the scenario's report).
struct RecapEntry {
    name: String,
    at: String,
    problem: String,
}

/// Snapshots the run left pending (`.snap.new`) or wrote in place.
#[derive(Default)]
struct SnapshotTally {
    pending: usize,
    written: usize,
    dir: Option<std::path::PathBuf>,
}

impl<W: Write> TerminalReporter<W> {
    pub fn new(out: W, palette: Palette, verbose: bool) -> Self {
        TerminalReporter {
            out,
            palette,
            verbose,
            quiet: false,
            snapshots: SnapshotTally::default(),
            recap: Vec::new(),
            recap_more: 0,
        }
    }

    /// `--quiet`: print only failures, the recap and the totals.
    pub fn quiet(mut self, quiet: bool) -> Self {
        self.quiet = quiet;
        self
    }

    pub fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }

    pub fn on_event(&mut self, event: &Event) -> std::io::Result<()> {
        match event {
            // An invalid file is printed by the command's error, once.
            Event::RunStarted { .. } | Event::ScenarioStarted { .. } | Event::InvalidFile(_) => {
                Ok(())
            }
            Event::ScenarioFinished(report) => {
                self.scenario(report)?;
                self.out.flush()
            }
            Event::Notice(message) => {
                // On stderr, so it shows even when stdout is captured.
                eprintln!(
                    "{} {}",
                    self.palette.help.paint("action needed:"),
                    message.as_str()
                );
                Ok(())
            }
            Event::RunFinished(summary) => {
                // Before the totals, so the last line stays `N passed, M failed`.
                self.recap()?;
                self.snapshot_summary()?;
                let p = &self.palette;
                writeln!(
                    self.out,
                    "{}",
                    p.dim.paint(&{
                        let total = summary.passed + summary.failed + summary.skipped
                            - summary.outside_shard;
                        let mut line = format!(
                            "ran {total} scenario{} in {}",
                            if total == 1 { "" } else { "s" },
                            format_duration(summary.duration)
                        );
                        if summary.outside_shard > 0 {
                            line.push_str(&format!(
                                " ({} skipped: in other shards)",
                                summary.outside_shard
                            ));
                        }
                        line
                    })
                )?;
                let mut line = format!("{} passed, {} failed", summary.passed, summary.failed);
                if summary.skipped > 0 {
                    line.push_str(&format!(", {} skipped", summary.skipped));
                }
                let paint = if summary.failed > 0 { p.error } else { p.pass };
                writeln!(self.out, "{}", paint.paint(&line))?;
                self.out.flush()
            }
        }
    }

    fn scenario(&mut self, report: &Redacted<ScenarioReport>) -> std::io::Result<()> {
        // Another shard's scenarios would drown this shard's lines; the summary counts them.
        if matches!(report.skip_reason, Some(SkipReason::OutsideShard(_))) {
            return Ok(());
        }
        let p = self.palette;
        for s in report.steps.iter().filter_map(|s| s.snapshot.as_ref()) {
            if s.status.is_pending() {
                self.snapshots.pending += 1;
            } else if matches!(
                s.status,
                crate::snapshot::SnapshotStatus::Created | crate::snapshot::SnapshotStatus::Updated
            ) {
                self.snapshots.written += 1;
            }
            if self.snapshots.dir.is_none() {
                self.snapshots.dir = s.file.parent().map(|d| d.to_path_buf());
            }
        }
        if report.outcome == Outcome::Failed {
            self.remember_failure(report);
        } else if self.quiet {
            return Ok(());
        }
        let tag = match report.outcome {
            Outcome::Passed => p.pass.paint("PASS"),
            Outcome::Failed => p.error.paint("FAIL"),
            Outcome::Skipped => p.skip.paint("SKIP"),
        };
        writeln!(
            self.out,
            "{tag}  {}  {}  {}",
            p.bold.paint(&report.name),
            p.dim.paint(&crate::style::printable(
                &report.file().display().to_string()
            )),
            format_duration(report.duration)
        )?;
        // Why a scenario is left to another target is worth a line: the run is not the
        // whole suite.
        if let Some(reason @ SkipReason::TargetLacks { .. }) = &report.skip_reason {
            writeln!(self.out, "      {}", p.dim.paint(&reason.to_string()))?;
        }
        if self.verbose {
            for step in &report.steps {
                self.transcript(step)?;
            }
        }
        if report.outcome == Outcome::Failed {
            for step in &report.steps {
                self.step_failure(report, step)?;
            }
            let skipped: Vec<&str> = report
                .steps
                .iter()
                .filter(|s| s.outcome == Outcome::Skipped)
                .map(|s| s.label.as_str())
                .collect();
            if !skipped.is_empty() {
                writeln!(
                    self.out,
                    "      {} {}",
                    p.skip.paint("skipped:"),
                    skipped.join(", ")
                )?;
            }
            writeln!(self.out)?;
        }
        Ok(())
    }

    fn transcript(&mut self, step: &StepReport) -> std::io::Result<()> {
        let p = self.palette;
        let status = match step.outcome {
            Outcome::Passed => "ok",
            Outcome::Failed => "failed",
            Outcome::Skipped => "skipped",
        };
        writeln!(
            self.out,
            "  {} step {} ({}) {status} in {}",
            p.dim.paint("──"),
            step.label,
            step.keyword,
            format_duration(step.duration)
        )?;
        if step.attempts > 1 {
            writeln!(
                self.out,
                "     {}",
                p.dim.paint(&format!("after {} attempts", step.attempts))
            )?;
        }
        for exchange in &step.exchanges {
            for line in exchange.request.lines() {
                writeln!(self.out, "    {} {line}", p.dim.paint(">"))?;
            }
            for line in exchange.response.lines() {
                writeln!(self.out, "    {} {line}", p.dim.paint("<"))?;
            }
        }
        Ok(())
    }

    fn step_failure(
        &mut self,
        report: &Redacted<ScenarioReport>,
        step: &StepReport,
    ) -> std::io::Result<()> {
        let context = step_context(report, step);
        if let Some(error) = &step.error {
            let rendered = error.clone().note(context.clone()).render(&self.palette);
            write_indented(&mut self.out, &rendered)?;
        }
        for failure in &step.failures {
            let d = failure_diagnostic(report, failure).note(context.clone());
            write_indented(&mut self.out, &d.render(&self.palette))?;
        }
        if let Some(diff) = step.snapshot.as_ref().and_then(|s| s.diff.as_deref()) {
            let colored = crate::snapshot::compare::colored(diff, &self.palette);
            write_indented(&mut self.out, &colored)?;
        }
        Ok(())
    }

    fn remember_failure(&mut self, report: &Redacted<ScenarioReport>) {
        if self.recap.len() == RECAP_MAX {
            self.recap_more += 1;
            return;
        }
        let first = problems(report).into_iter().next();
        let (at, problem) = match first {
            Some(problem) => {
                let at = problem
                    .location
                    .clone()
                    .unwrap_or(report.scenario.location());
                let mut line = format!("step `{}`: {}", problem.step.label, problem.headline);
                if !problem.notes.is_empty() {
                    let notes: Vec<&str> = super::text::one_line_notes(&problem.notes).collect();
                    line.push_str(&format!(" ({})", notes.join(", ")));
                }
                (at, line)
            }
            None => (report.scenario.location(), "failed".to_owned()),
        };
        self.recap.push(RecapEntry {
            name: report.name.clone(),
            at: at.to_string(),
            problem,
        });
    }

    /// The failed scenarios again, one entry each, with the first problem and where it is.
    fn recap(&mut self) -> std::io::Result<()> {
        if self.recap.is_empty() {
            return Ok(());
        }
        let p = self.palette;
        let failed = self.recap.len() + self.recap_more;
        let heading = format!(
            "{failed} failed scenario{}:",
            if failed == 1 { "" } else { "s" }
        );
        writeln!(self.out, "{}", p.bold.paint(&heading))?;
        for entry in &self.recap {
            writeln!(
                self.out,
                "  {}  {}  {}",
                p.error.paint("FAIL"),
                p.bold.paint(&entry.name),
                p.dim.paint(&entry.at)
            )?;
            writeln!(self.out, "        {}", entry.problem)?;
        }
        if self.recap_more > 0 {
            writeln!(
                self.out,
                "  ... and {} more (above, and in the reports)",
                self.recap_more
            )?;
        }
        Ok(())
    }

    /// Says what the run wrote in the snapshot folder, and what to do about pending files.
    fn snapshot_summary(&mut self) -> std::io::Result<()> {
        let p = self.palette;
        let dir = self
            .snapshots
            .dir
            .as_ref()
            .map(|d| d.display().to_string())
            .unwrap_or_default();
        let plural = |n: usize| if n == 1 { "" } else { "s" };
        if self.snapshots.written > 0 {
            let n = self.snapshots.written;
            writeln!(self.out, "{n} snapshot{} written in {dir}", plural(n))?;
        }
        if self.snapshots.pending > 0 {
            let n = self.snapshots.pending;
            writeln!(
                self.out,
                "{}",
                p.help.paint(&format!(
                    "{n} snapshot{} pending review in {dir} (.snap.new): run `obflow snapshots review`, or `obflow snapshots accept` / `reject`",
                    plural(n)
                ))
            )?;
        }
        Ok(())
    }
}

fn write_indented<W: Write>(out: &mut W, text: &str) -> std::io::Result<()> {
    for line in text.lines() {
        writeln!(out, "    {line}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use super::*;
    use crate::check::CheckFailure;
    use crate::run::RunSummary;
    use crate::scenario::load::{LoadOptions, load_source};
    use crate::source::Location;

    /// What the reporter wrote, and how much of it it had flushed.
    #[derive(Default)]
    struct Captured {
        written: Vec<u8>,
        flushed: usize,
    }

    #[derive(Clone, Default)]
    struct Capture(Arc<Mutex<Captured>>);

    impl Write for Capture {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().written.extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            let mut c = self.0.lock().unwrap();
            c.flushed = c.written.len();
            Ok(())
        }
    }

    const FAILING: &str = "name: token count is wrong
steps:
  - id: doc
    request:
      url: http://127.0.0.1:1/json
    expect:
      json:
        $.items: { length: 2 }
  - id: after
    request:
      url: http://127.0.0.1:1/json
";

    fn report(
        file: &str,
        text: &str,
        outcome: Outcome,
        steps: Vec<StepReport>,
    ) -> Arc<Redacted<ScenarioReport>> {
        let templates = crate::template::Templates::new();
        let scenario = load_source(
            PathBuf::from(file),
            text.to_owned(),
            &LoadOptions::default(),
            &templates,
        )
        .expect("valid");
        let report = ScenarioReport {
            index: 0,
            name: scenario.name.clone(),
            outcome,
            duration: Duration::from_millis(42),
            steps,
            scenario: Arc::new(scenario),
            repetition: None,
            skip_reason: (outcome == Outcome::Skipped).then_some(SkipReason::FailFast),
        };
        Arc::new(Redacted::new(report, &crate::secret::Redactor::new()))
    }

    fn step(index: usize, label: &str, outcome: Outcome) -> StepReport {
        StepReport {
            index,
            label: label.to_owned(),
            keyword: "request",
            outcome,
            duration: Duration::from_millis(7),
            failures: Vec::new(),
            error: None,
            exchanges: Vec::new(),
            attempts: 1,
            snapshot: None,
            requests: Vec::new(),
        }
    }

    #[test]
    fn a_pass_a_located_failure_and_a_skip() {
        let passing = report(
            "pass.yaml",
            "name: everything holds\nsteps:\n  - request: { url: http://127.0.0.1:1/ }\n",
            Outcome::Passed,
            vec![step(0, "1", Outcome::Passed)],
        );
        let mut doc = step(0, "doc", Outcome::Failed);
        doc.failures.push(CheckFailure {
            check: "$.items length".into(),
            expected: "length 2".into(),
            actual: "length 3".into(),
            location: Location::new(Arc::new(PathBuf::from("checks/fail.yaml")), 8, 9),
            differences: Vec::new(),
        });
        let failing = report(
            "checks/fail.yaml",
            FAILING,
            Outcome::Failed,
            vec![doc, step(1, "after", Outcome::Skipped)],
        );
        let skipped = report(
            "later.yaml",
            "name: not reached\nsteps:\n  - request: { url: http://127.0.0.1:1/ }\n",
            Outcome::Skipped,
            Vec::new(),
        );
        let events = [
            Event::RunStarted { total: 3 },
            Event::ScenarioStarted {
                index: 0,
                name: passing.name.clone(),
            },
            Event::ScenarioFinished(passing),
            Event::ScenarioFinished(failing),
            Event::ScenarioFinished(skipped),
            Event::RunFinished(RunSummary {
                passed: 1,
                failed: 1,
                skipped: 1,
                outside_shard: 0,
                out_of_files: 0,
                duration: Duration::from_millis(1234),
            }),
        ];

        let out = Capture::default();
        let mut reporter = TerminalReporter::new(out.clone(), Palette::plain(), false);
        for event in &events {
            reporter.on_event(event).unwrap();
            // Every event's lines are out when it has been handled: nothing waits in a buffer.
            let c = out.0.lock().unwrap();
            assert_eq!(c.flushed, c.written.len(), "after {event:?}");
        }
        let text = String::from_utf8(out.0.lock().unwrap().written.clone()).unwrap();
        insta::assert_snapshot!(text);

        // --quiet: the failure, the recap and the totals only.
        let out = Capture::default();
        let mut reporter = TerminalReporter::new(out.clone(), Palette::plain(), false).quiet(true);
        for event in &events {
            reporter.on_event(event).unwrap();
        }
        let quiet = String::from_utf8(out.0.lock().unwrap().written.clone()).unwrap();
        insta::assert_snapshot!("quiet", quiet);
    }

    #[test]
    fn the_recap_lists_so_many_failures_then_counts_the_rest() {
        let out = Capture::default();
        let mut reporter = TerminalReporter::new(out.clone(), Palette::plain(), false).quiet(true);
        let failing = report(
            "checks/fail.yaml",
            FAILING,
            Outcome::Failed,
            vec![step(0, "doc", Outcome::Failed)],
        );
        for _ in 0..RECAP_MAX + 3 {
            reporter
                .on_event(&Event::ScenarioFinished(failing.clone()))
                .unwrap();
        }
        reporter
            .on_event(&Event::RunFinished(RunSummary::default()))
            .unwrap();
        let text = String::from_utf8(out.0.lock().unwrap().written.clone()).unwrap();
        assert!(text.contains("103 failed scenarios:"), "{text}");
        assert!(
            text.contains("  ... and 3 more (above, and in the reports)"),
            "{text}"
        );
        assert_eq!(reporter.recap.len(), RECAP_MAX);
    }
}
