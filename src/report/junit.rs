//! `--report-junit PATH`: the run as JUnit XML, the format CI systems read. One
//! `<testsuite>` per scenario file, one `<testcase>` per scenario run, named by the scenario
//! (CI tools then show useful names, not file names); `classname` and `file` are the file
//! path, `line` where the scenario's `name` is written.
//!
//! A failed scenario carries a `<failure>` (a check did not hold) or an `<error>` (a step
//! could not complete, and no check failed), whose message is the first problem on one line
//! and whose text is every problem with its location, expected and actual. `<system-out>`
//! holds the step lines, and for failed scenarios the requests and responses too (whole
//! transcripts of passing scenarios would make reports of large suites huge). Scenarios not
//! run (`--fail-fast`, another `--shard`) are `<skipped>` with the reason.
//!
//! Each `<testcase>` is rendered as its scenario finishes (from its redacted report) and
//! spooled to disk; suites need their totals before their cases, so the document is written
//! when the run ends. The XML is written with quick-xml, texts cleaned of what XML cannot
//! hold by quick-junit's `XmlString`, in the layout quick-junit itself writes.

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use quick_junit::XmlString;
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event as Xml};

use crate::run::{Event, Outcome, RunSummary, ScenarioReport};
use crate::secret::Redacted;

use super::spool::Spool;
use super::text::{problems, transcript};
use super::{FileReport, ReportError};

pub struct JunitReport {
    path: PathBuf,
    cases: Spool<Case>,
    summary: Option<RunSummary>,
}

/// What the document needs of a spooled `<testcase>`: its place and its suite's totals.
struct Case {
    index: usize,
    /// The scenario file, the suite's name.
    file: Arc<str>,
    verdict: Verdict,
    duration: Duration,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Passed,
    Failure,
    Error,
    Skipped,
}

/// The indentation quick-junit writes with.
const INDENT: usize = 4;

impl JunitReport {
    pub fn new(path: PathBuf) -> Self {
        JunitReport {
            path,
            cases: Spool::open(),
            summary: None,
        }
    }

    fn spool(&mut self, report: &Redacted<ScenarioReport>) {
        // Rendered two levels deep, where a case sits in the document, so its indentation
        // is right when spliced in.
        let mut xml = Writer::new_with_indent(Vec::new(), b' ', INDENT);
        let nested = xml
            .write_event(Xml::Start(BytesStart::new("testsuites")))
            .and_then(|()| xml.write_event(Xml::Start(BytesStart::new("testsuite"))));
        let start = xml.get_ref().len();
        let verdict = nested.and_then(|()| test_case(&mut xml, report));
        match verdict {
            Ok(verdict) => {
                let file: Arc<str> = report.file().display().to_string().into();
                let case = Case {
                    index: report.index,
                    file,
                    verdict,
                    duration: report.duration,
                };
                self.cases.push(case, &xml.get_ref()[start..]);
            }
            Err(e) => self.cases.fail(e),
        }
    }

    fn write_to(&mut self, out: impl Write) -> std::io::Result<()> {
        let duration = self.summary.map(|s| s.duration);
        let (cases, mut reader) = self.cases.finish()?;
        cases.sort_by_key(|c| c.meta.index);
        // Suites in the order their files first appear in the plan.
        let mut suites: Vec<Suite> = Vec::new();
        let mut suite_of: HashMap<Arc<str>, usize> = HashMap::new();
        for (at, case) in cases.iter().enumerate() {
            let suite = *suite_of.entry(case.meta.file.clone()).or_insert_with(|| {
                suites.push(Suite::default());
                suites.len() - 1
            });
            suites[suite].add(&case.meta, at);
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
            let file = &cases[suite.cases[0]].meta.file;
            let mut tag = BytesStart::new("testsuite");
            tag.push_attribute(("name", XmlString::new(file).as_str()));
            suite.attributes(&mut tag);
            tag.push_attribute(("time", seconds(suite.time).as_str()));
            xml.write_event(Xml::Start(tag))?;
            for &at in &suite.cases {
                xml.get_mut().write_all(&reader.read(&cases[at])?)?;
            }
            xml.write_event(Xml::End(BytesEnd::new("testsuite")))?;
        }
        xml.write_event(Xml::End(BytesEnd::new("testsuites")))?;
        // A trailing newline, as quick-junit writes.
        xml.write_indent()?;
        xml.into_inner().flush()
    }
}

/// A suite's cases (positions in the sorted list) and totals.
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
    fn add(&mut self, case: &Case, at: usize) {
        self.cases.push(at);
        self.tests += 1;
        match case.verdict {
            Verdict::Passed => {}
            Verdict::Failure => self.failures += 1,
            Verdict::Error => self.errors += 1,
            Verdict::Skipped => self.skipped += 1,
        }
        self.time += case.duration;
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

/// Writes one `<testcase>`; returns its verdict.
fn test_case(
    xml: &mut Writer<Vec<u8>>,
    scenario: &Redacted<ScenarioReport>,
) -> std::io::Result<Verdict> {
    let file = XmlString::new(scenario.file().display().to_string());
    let mut tag = BytesStart::new("testcase");
    tag.push_attribute(("name", XmlString::new(&scenario.name).as_str()));
    tag.push_attribute(("classname", file.as_str()));
    tag.push_attribute(("time", seconds(scenario.duration).as_str()));
    tag.push_attribute(("file", file.as_str()));
    let line = scenario.scenario.location().line.to_string();
    tag.push_attribute(("line", line.as_str()));
    xml.write_event(Xml::Start(tag))?;

    let verdict = match scenario.outcome {
        Outcome::Passed => Verdict::Passed,
        Outcome::Skipped => {
            let mut tag = BytesStart::new("skipped");
            let reason = scenario
                .skip_reason
                .as_ref()
                .map(|r| XmlString::new(r.to_string()));
            if let Some(reason) = &reason {
                tag.push_attribute(("message", reason.as_str()));
            }
            xml.write_event(Xml::Empty(tag))?;
            Verdict::Skipped
        }
        Outcome::Failed => {
            let problems = problems(scenario);
            let any_check = problems.iter().any(|p| p.kind == "check");
            let (verdict, name) = if any_check || problems.is_empty() {
                (Verdict::Failure, "failure")
            } else {
                (Verdict::Error, "error")
            };
            let mut tag = BytesStart::new(name);
            if let Some(first) = problems.first() {
                tag.push_attribute(("message", XmlString::new(first.summary()).as_str()));
                let kind = if any_check {
                    "check failed"
                } else {
                    "step error"
                };
                tag.push_attribute(("type", kind));
            }
            let text: Vec<&str> = problems.iter().map(|p| p.rendered.as_str()).collect();
            xml.write_event(Xml::Start(tag))?;
            let text = XmlString::new(text.join("\n"));
            xml.write_event(Xml::Text(BytesText::new(text.as_str())))?;
            xml.write_event(Xml::End(BytesEnd::new(name)))?;
            verdict
        }
    };

    // Only failed scenarios' exchanges are written.
    let failed = scenario.outcome == Outcome::Failed;
    let out = XmlString::new(transcript(scenario, failed));
    xml.write_event(Xml::Start(BytesStart::new("system-out")))?;
    xml.write_event(Xml::Text(BytesText::new(out.as_str())))?;
    xml.write_event(Xml::End(BytesEnd::new("system-out")))?;
    xml.write_event(Xml::End(BytesEnd::new("testcase")))?;
    Ok(verdict)
}

impl FileReport for JunitReport {
    fn on_event(&mut self, event: &Event) {
        match event {
            Event::ScenarioFinished(report) => self.spool(report),
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
