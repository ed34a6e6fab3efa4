//! `--report-junit PATH`: the run as JUnit XML, the format CI systems read. One
//! `<testsuite>` per scenario file, one `<testcase>` per scenario, named by the scenario
//! (CI tools then show useful names, not file names); `classname` and `file` are the file
//! path, `line` where the scenario's `name` is written.
//!
//! A failed scenario carries a `<failure>` (a check did not hold) or an `<error>` (a step
//! could not complete, and no check failed), whose message is the first problem on one line
//! and whose text is every problem with its location, expected and actual. `<system-out>`
//! holds the step lines, and for failed scenarios the requests and responses too (whole
//! transcripts of passing scenarios would make reports of large suites huge). Scenarios not
//! run (`--fail-fast`, another `--shard` with `--report-all-scenarios`) are `<skipped>` with
//! the reason; by default a shard lists only its own scenarios, so the shards' files merged
//! equal one unsharded run.
//!
//! `--repeat N` keeps one `<testcase>` per scenario, under the scenario's own name (test
//! history is keyed on it): the first failed run is its `<failure>`/`<error>`, later failed
//! runs are `<rerunFailure>`/`<rerunError>` (Surefire's elements), and properties count the
//! runs. A scenario file that does not load is an `<error type="invalid scenario file">`.
//!
//! Each run's parts are rendered as its scenario finishes (from its redacted report) and
//! spooled to disk; suites need their totals before their cases, and a repeated scenario's
//! runs finish apart, so the document is written when the run ends, one part at a time.
//! The XML is written with quick-xml, texts cleaned of what XML cannot hold by
//! quick-junit's `XmlString`, in the layout quick-junit itself writes.

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use quick_junit::XmlString;
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event as Xml};
use serde::{Deserialize, Serialize};

use crate::run::{Event, InvalidFile, Outcome, Repetition, RunSummary, ScenarioReport};
use crate::secret::Redacted;

use super::spool::{Part, Spool, SpoolReader};
use super::text::{problems, transcript};
use super::{FileReport, ReportError};

pub struct JunitReport {
    path: PathBuf,
    runs: Spool<Run>,
    summary: Option<RunSummary>,
    /// Invalid files seen, numbered in the order they came.
    invalid: usize,
}

/// What the document needs of a spooled run in memory: its place, its testcase's tag and
/// its suite's totals (a few words; the texts are on disk).
struct Run {
    /// Invalid files come first, then scenario runs in plan order.
    order: (bool, usize),
    /// The scenario file, the suite's name.
    file: Arc<str>,
    /// The testcase's name: the scenario's own, without ` (run k/N)`.
    name: Box<str>,
    line: usize,
    verdict: Verdict,
    duration: Duration,
    repetition: Option<Repetition>,
}

#[derive(Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
enum Verdict {
    Passed,
    Failure,
    Error,
    Skipped,
}

/// A run's texts, spooled (as JSON) until the document is written: which element names
/// they get depends on the scenario's other runs.
#[derive(Serialize, Deserialize)]
struct Texts {
    /// `message`, `type` and text of the run's `<failure>`, `<error>` or `<skipped>`.
    message: Option<String>,
    kind: Option<String>,
    text: Option<String>,
    /// Its `<system-out>`.
    out: String,
}

/// The indentation quick-junit writes with.
const INDENT: usize = 4;

impl JunitReport {
    pub fn new(path: PathBuf) -> Self {
        JunitReport {
            path,
            runs: Spool::open(),
            summary: None,
            invalid: 0,
        }
    }

    fn spool(&mut self, report: &Redacted<ScenarioReport>) {
        let (verdict, texts) = run_texts(report);
        let run = Run {
            order: (true, report.index),
            file: report.file().display().to_string().into(),
            name: report.scenario.name.as_str().into(),
            line: report.scenario.location().line,
            verdict,
            duration: report.duration,
            repetition: report.repetition,
        };
        self.push(run, &texts);
    }

    fn spool_invalid(&mut self, invalid: &InvalidFile) {
        let name = invalid.name();
        let rendered: Vec<String> = invalid
            .problems
            .iter()
            .map(|d| d.render(&crate::style::Palette::plain()))
            .collect();
        let first = &invalid.problems[0];
        let mut message = first.message.clone();
        if let Some(at) = &first.location {
            message.push_str(&format!(" at {at}"));
        }
        let texts = Texts {
            message: Some(message),
            kind: Some("invalid scenario file".to_owned()),
            text: Some(rendered.join("\n")),
            out: String::new(),
        };
        let run = Run {
            order: (false, self.invalid),
            file: name.as_str().into(),
            name: name.as_str().into(),
            line: first.location.as_ref().map_or(1, |l| l.line),
            verdict: Verdict::Error,
            duration: Duration::ZERO,
            repetition: None,
        };
        self.invalid += 1;
        self.push(run, &texts);
    }

    fn push(&mut self, run: Run, texts: &Texts) {
        match serde_json::to_vec(texts) {
            Ok(bytes) => self.runs.push(run, &bytes),
            Err(e) => self.runs.fail(e.into()),
        }
    }

    fn write_to(&mut self, out: impl Write) -> std::io::Result<()> {
        let duration = self.summary.map(|s| s.duration);
        let (runs, mut reader) = self.runs.finish()?;
        runs.sort_by_key(|r| r.meta.order);
        let cases = cases(runs);
        // Suites in the order their files first appear in the plan.
        let mut suites: Vec<Suite> = Vec::new();
        let mut suite_of: HashMap<Arc<str>, usize> = HashMap::new();
        for (at, case) in cases.iter().enumerate() {
            let file = &runs[case.runs.start].meta.file;
            let suite = *suite_of.entry(file.clone()).or_insert_with(|| {
                suites.push(Suite::default());
                suites.len() - 1
            });
            suites[suite].add(at, case, runs);
        }
        let mut total = Suite::default();
        suites.iter().for_each(|s| total.merge(s));

        let mut xml = Writer::new_with_indent(out, b' ', INDENT);
        xml.write_event(Xml::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
        let mut tag = BytesStart::new("testsuites");
        tag.push_attribute(("name", "obflow"));
        total.attributes(&mut tag);
        if let Some(duration) = duration {
            tag.push_attribute(("time", seconds(duration).as_str()));
        }
        xml.write_event(Xml::Start(tag))?;
        for suite in &suites {
            let file = &runs[cases[suite.cases[0]].runs.start].meta.file;
            let mut tag = BytesStart::new("testsuite");
            tag.push_attribute(("name", XmlString::new(file).as_str()));
            suite.attributes(&mut tag);
            tag.push_attribute(("time", seconds(suite.time).as_str()));
            xml.write_event(Xml::Start(tag))?;
            for &at in &suite.cases {
                test_case(&mut xml, &cases[at], runs, &mut reader)?;
            }
            xml.write_event(Xml::End(BytesEnd::new("testsuite")))?;
        }
        xml.write_event(Xml::End(BytesEnd::new("testsuites")))?;
        // A trailing newline, as quick-junit writes.
        xml.write_indent()?;
        xml.into_inner().flush()
    }
}

/// A run's verdict and texts, from its redacted report.
fn run_texts(scenario: &Redacted<ScenarioReport>) -> (Verdict, Texts) {
    let mut texts = Texts {
        message: None,
        kind: None,
        text: None,
        // Only failed scenarios' exchanges are written.
        out: transcript(scenario, scenario.outcome == Outcome::Failed),
    };
    let verdict = match scenario.outcome {
        Outcome::Passed => Verdict::Passed,
        Outcome::Skipped => {
            texts.message = scenario.skip_reason.as_ref().map(|r| r.to_string());
            Verdict::Skipped
        }
        Outcome::Failed => {
            let problems = problems(scenario);
            let any_check = problems.iter().any(|p| p.kind == "check");
            let verdict = if any_check || problems.is_empty() {
                Verdict::Failure
            } else {
                Verdict::Error
            };
            if let Some(first) = problems.first() {
                texts.message = Some(first.summary());
                let kind = if any_check {
                    "check failed"
                } else {
                    "step error"
                };
                texts.kind = Some(kind.to_owned());
            }
            let text: Vec<&str> = problems.iter().map(|p| p.rendered.as_str()).collect();
            texts.text = Some(text.join("\n"));
            verdict
        }
    };
    (verdict, texts)
}

/// One `<testcase>`: a run, or the runs of a repeated scenario (positions in the sorted
/// runs), with the verdict they add up to.
struct Case {
    runs: std::ops::Range<usize>,
    verdict: Verdict,
    /// The run whose failure is the case's (the first that failed), else the first.
    main: usize,
}

/// Groups the sorted runs into testcases: a repeated scenario's runs sit side by side in
/// plan order, run 1 first.
fn cases(runs: &[Part<Run>]) -> Vec<Case> {
    let mut cases: Vec<Case> = Vec::new();
    for (at, run) in runs.iter().enumerate() {
        let continues = run.meta.repetition.is_some_and(|r| r.run > 1)
            && cases.last().is_some_and(|c| {
                let prev = &runs[c.runs.end - 1].meta;
                prev.file == run.meta.file && prev.name == run.meta.name
            });
        match cases.last_mut() {
            Some(case) if continues => case.runs.end = at + 1,
            _ => cases.push(Case {
                runs: at..at + 1,
                verdict: Verdict::Passed,
                main: at,
            }),
        }
    }
    for case in &mut cases {
        let verdicts = || case.runs.clone().map(|i| (i, runs[i].meta.verdict));
        let failed = verdicts().find(|(_, v)| matches!(v, Verdict::Failure | Verdict::Error));
        (case.main, case.verdict) = match failed {
            Some((at, verdict)) => (at, verdict),
            None if verdicts().all(|(_, v)| v == Verdict::Skipped) => {
                (case.runs.start, Verdict::Skipped)
            }
            None => (case.runs.start, Verdict::Passed),
        };
    }
    cases
}

/// A suite's cases (positions in the case list) and totals.
#[derive(Default)]
struct Suite {
    cases: Vec<usize>,
    tests: usize,
    skipped: usize,
    errors: usize,
    failures: usize,
    time: Duration,
}

impl Suite {
    fn add(&mut self, at: usize, case: &Case, runs: &[Part<Run>]) {
        self.cases.push(at);
        self.tests += 1;
        match case.verdict {
            Verdict::Passed => {}
            Verdict::Failure => self.failures += 1,
            Verdict::Error => self.errors += 1,
            Verdict::Skipped => self.skipped += 1,
        }
        self.time += case_time(case, runs);
    }

    fn merge(&mut self, other: &Suite) {
        self.tests += other.tests;
        self.skipped += other.skipped;
        self.errors += other.errors;
        self.failures += other.failures;
    }

    /// The counts, in the order quick-junit writes them on `<testsuites>` and `<testsuite>`
    /// alike (its `<testsuites>` puts `skipped` second: kept, readers match by name).
    fn attributes(&self, tag: &mut BytesStart<'_>) {
        let name = tag.name().as_ref().to_owned();
        let counts: [(&str, usize); 4] = if name == b"testsuites" {
            [
                ("tests", self.tests),
                ("skipped", self.skipped),
                ("failures", self.failures),
                ("errors", self.errors),
            ]
        } else {
            [
                ("tests", self.tests),
                ("skipped", self.skipped),
                ("errors", self.errors),
                ("failures", self.failures),
            ]
        };
        for (key, count) in counts {
            tag.push_attribute((key, count.to_string().as_str()));
        }
    }
}

/// Seconds with three decimals.
fn seconds(duration: Duration) -> String {
    format!("{:.3}", duration.as_secs_f64())
}

/// A case's time: all its runs'.
fn case_time(case: &Case, runs: &[Part<Run>]) -> Duration {
    runs[case.runs.clone()]
        .iter()
        .map(|r| r.meta.duration)
        .sum()
}

fn read_texts(reader: &mut SpoolReader, part: &Part<Run>) -> std::io::Result<Texts> {
    serde_json::from_slice(&reader.read(part)?).map_err(std::io::Error::other)
}

/// Writes one `<testcase>`, reading its runs' texts back one at a time.
fn test_case<W: Write>(
    xml: &mut Writer<W>,
    case: &Case,
    runs: &[Part<Run>],
    reader: &mut SpoolReader,
) -> std::io::Result<()> {
    let main = &runs[case.main].meta;
    let file = XmlString::new(&*main.file);
    let mut tag = BytesStart::new("testcase");
    tag.push_attribute(("name", XmlString::new(&*main.name).as_str()));
    tag.push_attribute(("classname", file.as_str()));
    tag.push_attribute(("time", seconds(case_time(case, runs)).as_str()));
    tag.push_attribute(("file", file.as_str()));
    tag.push_attribute(("line", main.line.to_string().as_str()));
    xml.write_event(Xml::Start(tag))?;

    let repeated = main.repetition.map(|r| r.of);
    if let Some(of) = repeated {
        let count = |v: Verdict| {
            runs[case.runs.clone()]
                .iter()
                .filter(|r| r.meta.verdict == v)
                .count()
        };
        let failed = count(Verdict::Failure) + count(Verdict::Error);
        xml.write_event(Xml::Start(BytesStart::new("properties")))?;
        for (name, value) in [
            ("obflow.repeat", of),
            ("obflow.runs_passed", count(Verdict::Passed)),
            ("obflow.runs_failed", failed),
            ("obflow.runs_skipped", count(Verdict::Skipped)),
        ] {
            let mut tag = BytesStart::new("property");
            tag.push_attribute(("name", name));
            tag.push_attribute(("value", value.to_string().as_str()));
            xml.write_event(Xml::Empty(tag))?;
        }
        xml.write_event(Xml::End(BytesEnd::new("properties")))?;
    }

    let main_texts = read_texts(reader, &runs[case.main])?;
    let element = match case.verdict {
        Verdict::Passed => None,
        Verdict::Skipped => Some("skipped"),
        Verdict::Failure => Some("failure"),
        Verdict::Error => Some("error"),
    };
    if let Some(element) = element {
        status(xml, element, &main_texts, None)?;
    }
    // The other failed runs of a repeated scenario, as Surefire writes reruns.
    if element.is_some_and(|e| e != "skipped") {
        for at in case.runs.clone().filter(|&at| at != case.main) {
            let element = match runs[at].meta.verdict {
                Verdict::Failure => "rerunFailure",
                Verdict::Error => "rerunError",
                Verdict::Passed | Verdict::Skipped => continue,
            };
            let texts = read_texts(reader, &runs[at])?;
            status(xml, element, &texts, Some(runs[at].meta.duration))?;
        }
    }

    // Every run's step lines; a repeated scenario's under a line naming the run. An invalid
    // file has none.
    if !main.order.0 {
        xml.write_event(Xml::End(BytesEnd::new("testcase")))?;
        return Ok(());
    }
    xml.write_event(Xml::Start(BytesStart::new("system-out")))?;
    for at in case.runs.clone() {
        let run = &runs[at].meta;
        let texts = match at == case.main {
            true => None,
            false => Some(read_texts(reader, &runs[at])?),
        };
        let out = &texts.as_ref().unwrap_or(&main_texts).out;
        let mut text = String::new();
        if let Some(r) = run.repetition.filter(|_| repeated.is_some()) {
            let outcome = match run.verdict {
                Verdict::Passed => "passed",
                Verdict::Failure | Verdict::Error => "failed",
                Verdict::Skipped => "skipped",
            };
            text.push_str(&format!("══ run {}/{}: {outcome}\n", r.run, r.of));
        }
        text.push_str(out);
        let text = XmlString::new(text);
        xml.write_event(Xml::Text(BytesText::new(text.as_str())))?;
    }
    xml.write_event(Xml::End(BytesEnd::new("system-out")))?;
    xml.write_event(Xml::End(BytesEnd::new("testcase")))?;
    Ok(())
}

/// A `<failure>`, `<error>`, `<skipped>` or rerun element with a run's message and text.
fn status<W: Write>(
    xml: &mut Writer<W>,
    element: &str,
    texts: &Texts,
    time: Option<Duration>,
) -> std::io::Result<()> {
    let mut tag = BytesStart::new(element);
    if let Some(time) = time {
        tag.push_attribute(("time", seconds(time).as_str()));
    }
    if let Some(message) = &texts.message {
        tag.push_attribute(("message", XmlString::new(message).as_str()));
    }
    if let Some(kind) = &texts.kind {
        tag.push_attribute(("type", kind.as_str()));
    }
    match &texts.text {
        None => xml.write_event(Xml::Empty(tag))?,
        Some(text) => {
            xml.write_event(Xml::Start(tag))?;
            let text = XmlString::new(text);
            xml.write_event(Xml::Text(BytesText::new(text.as_str())))?;
            xml.write_event(Xml::End(BytesEnd::new(element)))?;
        }
    }
    Ok(())
}

impl FileReport for JunitReport {
    fn on_event(&mut self, event: &Event) {
        match event {
            Event::ScenarioFinished(report) => self.spool(report),
            Event::InvalidFile(invalid) => self.spool_invalid(invalid),
            Event::RunFinished(summary) => self.summary = Some(*summary),
            _ => {}
        }
    }

    fn write(&mut self) -> Result<(), ReportError> {
        let path = self.path.clone();
        super::file::write_atomic_with(&path, "JUnit", |file| {
            self.write_to(std::io::BufWriter::new(file))
                .map_err(|source| ReportError::Spool {
                    kind: "JUnit",
                    source,
                })
        })
    }
}
