//! `--report-html PATH`: the run as one self-contained HTML page for people (no network, no
//! external file: it works from `file://` and as a CI artifact). A summary with the counts
//! and filters by outcome and tag, then every scenario, failures first: its problems
//! (located, with expected and actual, and snapshot diffs), a sequence diagram of its
//! exchanges (client, auth server, bank dialog, API), and each step with its timing, its
//! checks and the requests and responses it exchanged.
//!
//! As the JUnit and JSON reports, each scenario is rendered when it finishes, from its
//! redacted report, and spooled to disk; the page is written when the run ends. Exchanges of
//! passing scenarios are cut shorter than those of failed ones, so a large suite's page
//! stays readable and bounded.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;

use super::file::write_atomic_with;
use super::spool::Spool;
use super::text::{CheckOutcome, check_results, problems};
use super::{FileReport, ReportError};
use crate::duration::format_duration;
use crate::html::escape;
use crate::run::{Event, InvalidFile, Outcome, RunSummary, ScenarioReport, Shard, StepReport};
use crate::secret::Redacted;

/// What the page says about the run besides its scenarios.
#[derive(Debug, Clone)]
pub struct HtmlRunInfo {
    pub target: String,
    pub shard: Option<Shard>,
}

pub struct HtmlReport {
    path: PathBuf,
    run: HtmlRunInfo,
    /// Each scenario's `<section>`, by (failed first, plan position).
    sections: Spool<(u8, usize)>,
    summary: RunSummary,
    started_at: Option<String>,
    /// The tags seen, for the tag filter (a few words each; at most [`MAX_TAGS`]).
    tags: BTreeSet<String>,
    /// Files that did not load: only in a run that ran nothing.
    invalid: Vec<String>,
}

const MAX_TAGS: usize = 200;
/// How much of each request and response the page shows: whole for failed scenarios (as
/// obflow already bounds transcripts), cut shorter for the others.
const PASSED_EXCHANGE_BYTES: usize = 4 * 1024;
const FAILED_EXCHANGE_BYTES: usize = 64 * 1024;
/// Arrows a scenario's diagram draws at most.
const MAX_DIAGRAM_REQUESTS: usize = 100;

impl HtmlReport {
    pub fn new(path: PathBuf, run: HtmlRunInfo) -> Self {
        HtmlReport {
            path,
            run,
            sections: Spool::open(),
            summary: RunSummary::default(),
            started_at: None,
            tags: BTreeSet::new(),
            invalid: Vec::new(),
        }
    }

    fn spool(&mut self, report: &Redacted<ScenarioReport>) {
        for tag in &report.scenario.tags {
            if self.tags.len() < MAX_TAGS {
                self.tags.insert(tag.clone());
            }
        }
        let rank = match report.outcome {
            Outcome::Failed => 0,
            Outcome::Passed => 1,
            Outcome::Skipped => 2,
        };
        let section = scenario_section(report);
        self.sections.push((rank, report.index), section.as_bytes());
    }

    fn spool_invalid(&mut self, invalid: &Redacted<InvalidFile>) {
        let plain = crate::style::Palette::plain();
        let mut out = format!(
            "<section class=\"invalid\"><h2>{} does not load</h2>",
            escape(&invalid.name())
        );
        for problem in &invalid.problems {
            let _ = write!(
                out,
                "<pre class=\"problem\">{}</pre>",
                escape(&problem.render(&plain))
            );
        }
        out.push_str("</section>\n");
        self.invalid.push(out);
    }

    fn write_to(&mut self, out: &mut impl std::io::Write) -> std::io::Result<()> {
        let s = self.summary;
        let mut head = String::new();
        let _ = write!(
            head,
            "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>obflow report</title>\n<style>{STYLE}</style>\n</head>\n\
             <body data-ready=\"0\">\n<header>\n<h1>obflow report</h1>\n<p class=\"run\">"
        );
        let _ = write!(head, "target <b>{}</b>", escape(&self.run.target));
        if let Some(shard) = self.run.shard {
            let _ = write!(head, ", shard <b>{shard}</b>");
        }
        if let Some(at) = &self.started_at {
            let _ = write!(head, ", started <time>{}</time>", escape(at));
        }
        let _ = writeln!(head, ", {}</p>", escape(&format_duration(s.duration)));
        let skipped = s.skipped.saturating_sub(s.outside_shard);
        let _ = write!(
            head,
            "<p class=\"counts\"><span class=\"badge passed\">{} passed</span> \
             <span class=\"badge failed\">{} failed</span> \
             <span class=\"badge skipped\">{skipped} skipped</span>",
            s.passed, s.failed
        );
        if !self.invalid.is_empty() {
            let _ = write!(
                head,
                " <span class=\"badge failed\">{} invalid file(s)</span>",
                self.invalid.len()
            );
        }
        head.push_str("</p>\n<form class=\"filters\" onsubmit=\"return false\">show ");
        for (outcome, checked) in [("failed", true), ("passed", true), ("skipped", true)] {
            let _ = write!(
                head,
                "<label><input type=\"checkbox\" name=\"status\" value=\"{outcome}\"{}> {outcome}</label> ",
                if checked { " checked" } else { "" }
            );
        }
        head.push_str("<label>tag <select id=\"tag\"><option value=\"\">any</option>");
        for tag in &self.tags {
            let tag = escape(tag);
            let _ = write!(head, "<option value=\"{tag}\">{tag}</option>");
        }
        head.push_str(
            "</select></label> <span class=\"shown\"><span id=\"shown\">0</span> shown</span></form>\n</header>\n<main>\n",
        );
        head.push_str(ARROW);
        out.write_all(head.as_bytes())?;
        for invalid in &self.invalid {
            out.write_all(invalid.as_bytes())?;
        }
        let (parts, mut reader) = self.sections.finish()?;
        parts.sort_by_key(|p| p.meta);
        for part in parts.iter() {
            out.write_all(&reader.read(part)?)?;
        }
        out.write_all(format!("</main>\n<script>{SCRIPT}</script>\n</body>\n</html>\n").as_bytes())
    }
}

/// One scenario's `<section>`.
fn scenario_section(report: &Redacted<ScenarioReport>) -> String {
    let outcome = outcome_name(report.outcome);
    let tags: Vec<String> = report.scenario.tags.iter().map(|t| escape(t)).collect();
    let mut out = String::new();
    let _ = write!(
        out,
        "<section class=\"scenario {outcome}\" data-outcome=\"{outcome}\" data-tags=\"{}\" id=\"scenario-{}\">\n\
         <details{}>\n<summary><span class=\"badge {outcome}\">{}</span> <b class=\"name\">{}</b> \
         <code>{}</code> <span class=\"time\">{}</span>",
        tags.join(" "),
        report.index,
        if report.outcome == Outcome::Failed {
            " open"
        } else {
            ""
        },
        outcome.to_uppercase(),
        escape(&report.name),
        escape(&report.scenario.location().to_string()),
        escape(&format_duration(report.duration)),
    );
    for tag in &tags {
        let _ = write!(out, " <span class=\"tag\">{tag}</span>");
    }
    out.push_str("</summary>\n");
    if let Some(reason) = &report.skip_reason {
        let _ = writeln!(
            out,
            "<p class=\"reason\">{}</p>",
            escape(&reason.to_string())
        );
    }
    let problems = problems(report);
    if !problems.is_empty() {
        out.push_str("<div class=\"problems\">\n");
        for problem in &problems {
            let _ = writeln!(
                out,
                "<pre class=\"problem\">{}</pre>",
                diff_html(&problem.rendered)
            );
        }
        out.push_str("</div>\n");
    }
    out.push_str(&diagram(report));
    out.push_str("<ol class=\"steps\">\n");
    let cut = match report.outcome {
        Outcome::Failed => FAILED_EXCHANGE_BYTES,
        _ => PASSED_EXCHANGE_BYTES,
    };
    for step in &report.steps {
        out.push_str(&step_item(report, step, cut));
    }
    out.push_str("</ol>\n</details>\n</section>\n");
    out
}

fn outcome_name(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Passed => "passed",
        Outcome::Failed => "failed",
        Outcome::Skipped => "skipped",
    }
}

fn step_item(report: &ScenarioReport, step: &StepReport, cut: usize) -> String {
    let outcome = outcome_name(step.outcome);
    let mut out = format!(
        "<li class=\"step {outcome}\"><div class=\"step-head\"><span class=\"badge {outcome}\">{outcome}</span> \
         <b>{}</b> <code>{}</code> <span class=\"time\">{}</span>",
        escape(&step.label),
        step.keyword,
        escape(&format_duration(step.duration)),
    );
    if step.attempts > 1 {
        let _ = write!(
            out,
            " <span class=\"attempts\">after {} attempts</span>",
            step.attempts
        );
    }
    out.push_str("</div>\n");
    let checks = check_results(report, step);
    if !checks.is_empty() || !step.failures.is_empty() {
        out.push_str(
            "<table class=\"checks\"><tr><th>check</th><th>outcome</th><th>expected</th><th>actual</th></tr>\n",
        );
        for check in &checks {
            let failure = step.failures.iter().find(|f| f.location == check.location);
            let (class, word) = match check.outcome {
                CheckOutcome::Passed => ("passed", "passed"),
                CheckOutcome::Failed => ("failed", "failed"),
                CheckOutcome::NotRun => ("skipped", "not run"),
            };
            let (expected, actual) = failure.map_or((String::new(), String::new()), |f| {
                (escape(&f.expected), escape(&f.actual))
            });
            let _ = writeln!(
                out,
                "<tr class=\"{class}\"><td><code>{}</code></td><td>{word}</td><td>{expected}</td><td>{actual}</td></tr>",
                escape(&check.check)
            );
        }
        // Failures of checks the step states implicitly (a typed step's default check, a
        // capture, the snapshot) are not in its `expect`.
        for failure in step
            .failures
            .iter()
            .filter(|f| !checks.iter().any(|c| c.location == f.location))
        {
            let _ = writeln!(
                out,
                "<tr class=\"failed\"><td><code>{}</code></td><td>failed</td><td>{}</td><td>{}</td></tr>",
                escape(&failure.check),
                escape(&failure.expected),
                escape(&failure.actual)
            );
        }
        out.push_str("</table>\n");
    }
    if let Some(diff) = step.snapshot.as_ref().and_then(|s| s.diff.as_deref()) {
        let _ = writeln!(out, "<pre class=\"diff\">{}</pre>", diff_html(diff));
    }
    for (i, request) in step.requests.iter().enumerate() {
        let status = request
            .status
            .map_or_else(|| "no response".to_owned(), |s| s.to_string());
        let _ = write!(
            out,
            "<details class=\"exchange\"><summary><code>{} {}</code> → <b>{status}</b> <span class=\"time\">{}</span></summary>",
            escape(&request.method),
            escape(&request.url),
            escape(&format_duration(request.duration)),
        );
        if let Some(exchange) = step.exchanges.get(i) {
            let _ = write!(
                out,
                "<pre class=\"request\">{}</pre><pre class=\"response\">{}</pre>",
                escape(&cut_text(&exchange.request, cut)),
                escape(&cut_text(&exchange.response, cut))
            );
        }
        out.push_str("</details>\n");
    }
    // Steps that exchange nothing over HTTP (an auth link built locally) still say what
    // they did.
    if step.requests.is_empty() {
        for exchange in &step.exchanges {
            let _ = writeln!(
                out,
                "<pre class=\"request\">{}</pre><pre class=\"response\">{}</pre>",
                escape(&cut_text(&exchange.request, cut)),
                escape(&cut_text(&exchange.response, cut))
            );
        }
    }
    out.push_str("</li>\n");
    out
}

/// `text` cut to `max` bytes (at a character boundary), with a note when it was.
fn cut_text(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!(
        "{}\n… {} more bytes not shown (the JSON report and `-v` have them)\n",
        &text[..end],
        text.len() - end
    )
}

/// Escaped text whose unified-diff lines are marked, for colouring.
fn diff_html(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let class = if line.starts_with("+++") || line.starts_with("---") {
            Some("head")
        } else if line.starts_with('+') {
            Some("add")
        } else if line.starts_with('-') {
            Some("del")
        } else if line.starts_with("@@") {
            Some("hunk")
        } else {
            None
        };
        match class {
            Some(class) => {
                let _ = writeln!(out, "<span class=\"{class}\">{}</span>", escape(line));
            }
            None => {
                let _ = writeln!(out, "{}", escape(line));
            }
        }
    }
    out
}

/// The parties of an open-banking flow, left to right in the diagram.
const PARTIES: [&str; 4] = ["client (obflow)", "auth server", "bank dialog", "API"];

/// Who a request of a step went to: the dialog for `await_code`, the auth server for token
/// calls (and `/connect/…` URLs), the API otherwise.
fn party(keyword: &str, url: &str) -> usize {
    let path = url
        .split_once("://")
        .map_or(url, |(_, rest)| rest.find('/').map_or("", |i| &rest[i..]));
    match keyword {
        "await_code" => 2,
        "exchange" | "refresh" | "extend" => 1,
        _ if path.starts_with("/connect") => 1,
        _ => 3,
    }
}

/// A sequence diagram of the scenario's requests (`wait`s left out), as inline SVG (nothing
/// to load); its arrowheads are the page's one marker, [`ARROW`].
fn diagram(report: &ScenarioReport) -> String {
    let requests: Vec<(&StepReport, &crate::run::RequestRecord)> = report
        .steps
        .iter()
        // A `wait`'s request moves the mock's clock: plumbing, not part of the flow.
        .filter(|s| s.keyword != "wait")
        .flat_map(|s| s.requests.iter().map(move |r| (s, r)))
        .take(MAX_DIAGRAM_REQUESTS)
        .collect();
    if requests.is_empty() {
        return String::new();
    }
    const COL: usize = 170;
    const ROW: usize = 26;
    const TOP: usize = 40;
    let x = |party: usize| 85 + party * COL;
    let width = 85 * 2 + COL * (PARTIES.len() - 1);
    let height = TOP + ROW * 2 * requests.len() + 20;
    let mut svg = format!(
        "<svg class=\"diagram\" role=\"img\" aria-label=\"sequence diagram\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" xmlns=\"http://www.w3.org/2000/svg\">\n"
    );
    for (i, name) in PARTIES.iter().enumerate() {
        let _ = writeln!(
            svg,
            "<rect x=\"{}\" y=\"4\" width=\"150\" height=\"24\" rx=\"4\" class=\"party\"/>\
             <text x=\"{}\" y=\"21\" text-anchor=\"middle\">{name}</text>\
             <line x1=\"{}\" y1=\"28\" x2=\"{}\" y2=\"{height}\" class=\"lifeline\"/>",
            x(i) - 75,
            x(i),
            x(i),
            x(i)
        );
    }
    for (n, (step, request)) in requests.iter().enumerate() {
        let to = party(step.keyword, &request.url);
        let y = TOP + ROW * 2 * n + 10;
        let path = request
            .url
            .split_once("://")
            .map_or(request.url.as_str(), |(_, rest)| {
                rest.find('/').map_or("/", |i| &rest[i..])
            });
        let path = path.split('?').next().unwrap_or(path);
        let mut label = format!("{} {path}", request.method);
        if label.chars().count() > 40 {
            label = format!("{}…", label.chars().take(39).collect::<String>());
        }
        let status = request
            .status
            .map_or_else(|| "no response".to_owned(), |s| s.to_string());
        let failed = request.status.is_none_or(|s| s >= 400);
        let _ = writeln!(
            svg,
            "<line x1=\"{}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" class=\"call\" marker-end=\"url(#obflow-arrow)\"/>\
             <text x=\"{}\" y=\"{}\" class=\"label\">{}</text>\
             <line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" class=\"answer{}\" marker-end=\"url(#obflow-arrow)\"/>\
             <text x=\"{}\" y=\"{}\" class=\"label\">{}</text>",
            x(0),
            x(to) - 4,
            x(0) + 6,
            y - 4,
            escape(&label),
            x(to),
            y + ROW,
            x(0) + 4,
            y + ROW,
            if failed { " failed" } else { "" },
            x(0) + 6,
            y + ROW - 4,
            escape(&status)
        );
    }
    svg.push_str("</svg>\n");
    svg
}

impl FileReport for HtmlReport {
    fn on_event(&mut self, event: &Event) {
        match event {
            Event::RunStarted { .. } => self.started_at = Some(super::json::now_rfc3339()),
            Event::ScenarioFinished(report) => self.spool(report),
            Event::InvalidFile(invalid) => self.spool_invalid(invalid),
            Event::RunFinished(summary) => self.summary = *summary,
            _ => {}
        }
    }

    fn write(&mut self) -> Result<(), ReportError> {
        let path = self.path.clone();
        write_atomic_with(&path, "HTML", |file| {
            let mut out = std::io::BufWriter::new(file);
            self.write_to(&mut out)
                .and_then(|()| out.flush())
                .map_err(|source| ReportError::Spool {
                    kind: "HTML",
                    source,
                })
        })
    }
}

/// The arrowhead every diagram uses, defined once in the page.
const ARROW: &str = "<svg width=\"0\" height=\"0\" style=\"position:absolute\" aria-hidden=\"true\"><defs>\
<marker id=\"obflow-arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\">\
<path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#57606a\"/></marker></defs></svg>";

const STYLE: &str = r#"
:root { --pass: #1a7f37; --fail: #cf222e; --skip: #6e7781; --bg: #f6f8fa; }
body { font: 14px/1.45 system-ui, sans-serif; margin: 0; color: #1f2328; }
header { position: sticky; top: 0; background: #fff; border-bottom: 1px solid #d0d7de; padding: 8px 16px; z-index: 1; }
h1 { font-size: 18px; margin: 0 0 4px; }
main { padding: 8px 16px 32px; }
.badge { display: inline-block; padding: 0 6px; border-radius: 10px; color: #fff; font-size: 12px; font-weight: 600; }
.badge.passed { background: var(--pass); } .badge.failed { background: var(--fail); } .badge.skipped { background: var(--skip); }
section.scenario { border: 1px solid #d0d7de; border-radius: 6px; margin: 8px 0; }
section.scenario.failed { border-color: var(--fail); }
section.scenario > details > summary { padding: 6px 10px; cursor: pointer; background: var(--bg); }
.time, .attempts, code { color: #57606a; }
.tag { font-size: 12px; background: #ddf4ff; border-radius: 4px; padding: 0 4px; }
pre { background: var(--bg); padding: 8px; overflow-x: auto; margin: 6px 10px; white-space: pre-wrap; overflow-wrap: anywhere; }
details.exchange > summary code { overflow-wrap: anywhere; }
pre.problem { border-left: 3px solid var(--fail); }
.add { color: var(--pass); } .del { color: var(--fail); } .hunk, .head { color: #8250df; }
ol.steps { margin: 6px 0; }
li.step { margin: 4px 0; }
table.checks { border-collapse: collapse; margin: 4px 0; }
table.checks td, table.checks th { border: 1px solid #d0d7de; padding: 2px 6px; text-align: left; vertical-align: top; }
tr.failed td { background: #ffebe9; } tr.skipped td { color: var(--skip); }
details.exchange > summary { cursor: pointer; }
svg.diagram { display: block; margin: 6px 10px; font: 12px system-ui, sans-serif; }
svg .party { fill: #ddf4ff; stroke: #54aeff; } svg .lifeline { stroke: #d0d7de; stroke-dasharray: 4 3; }
svg .call { stroke: #1f2328; } svg .answer { stroke: var(--pass); stroke-dasharray: 5 3; }
svg .answer.failed { stroke: var(--fail); } svg .label { fill: #1f2328; }
.filters label { margin-right: 8px; }
"#;

/// Filters by outcome and tag (also from the address: `#status=failed&tag=smoke`); any
/// error is kept on `<body data-errors>` for the tests to see.
const SCRIPT: &str = r#"
(function () {
  var errors = [];
  window.addEventListener('error', function (e) {
    errors.push(String(e.message));
    document.body.setAttribute('data-errors', errors.join('\n'));
  });
  var boxes = Array.prototype.slice.call(document.querySelectorAll('input[name=status]'));
  var tag = document.getElementById('tag');
  function apply() {
    var on = {};
    boxes.forEach(function (b) { on[b.value] = b.checked; });
    var wanted = tag.value, shown = 0;
    document.querySelectorAll('section.scenario').forEach(function (s) {
      var tags = ' ' + s.getAttribute('data-tags') + ' ';
      var visible = on[s.getAttribute('data-outcome')] && (!wanted || tags.indexOf(' ' + wanted + ' ') >= 0);
      s.hidden = !visible;
      if (visible) { shown++; }
    });
    document.getElementById('shown').textContent = String(shown);
  }
  var params = new URLSearchParams(location.hash.slice(1));
  if (params.get('status')) {
    var want = params.get('status').split(',');
    boxes.forEach(function (b) { b.checked = want.indexOf(b.value) >= 0; });
  }
  if (params.get('tag')) { tag.value = params.get('tag'); }
  boxes.forEach(function (b) { b.addEventListener('change', apply); });
  tag.addEventListener('change', apply);
  apply();
  document.body.setAttribute('data-ready', '1');
})();
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_go_to_the_party_that_answers_them() {
        assert_eq!(party("exchange", "http://127.0.0.1:9/connect/token"), 1);
        assert_eq!(party("request", "https://auth.example/connect/token"), 1);
        assert_eq!(party("await_code", "http://127.0.0.1:9/dialog?x=1"), 2);
        assert_eq!(party("me", "http://127.0.0.1:9/data/v1/me"), 3);
    }

    #[test]
    fn long_exchanges_are_cut_with_a_note() {
        assert_eq!(cut_text("short", 10), "short");
        let cut = cut_text(&"é".repeat(10), 5);
        assert!(cut.starts_with("éé\n… 16 more bytes not shown"), "{cut}");
    }
}
