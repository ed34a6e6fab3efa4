//! The GitHub Actions job summary: when `GITHUB_STEP_SUMMARY` names a file (GitHub sets it
//! in every step), the run appends a Markdown summary to it when it ends — the counts, the
//! failed scenarios with a link to the line of each one's first problem, and the slowest
//! scenarios — which GitHub shows on the run's page. Appended, as GitHub asks: earlier
//! steps' summaries (another shard's, on a shared runner) stay.
//!
//! It keeps a few words per failed scenario (up to [`MAX_FAILED`]) and the
//! [`SLOWEST`] slowest ones, so memory stays flat however large the suite; names and
//! problems come from the scenarios' redacted reports.

use std::collections::BinaryHeap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use super::text::{one_line_notes, problems};
use super::{FileReport, ReportError};
use crate::duration::format_duration;
use crate::run::{Event, Outcome, RunSummary, ScenarioReport, Shard};
use crate::secret::Redacted;
use crate::source::Location;

/// Failed scenarios listed; the rest are counted.
const MAX_FAILED: usize = 50;
/// Slowest scenarios listed.
const SLOWEST: usize = 5;

/// Where links to a file's lines point: `$GITHUB_SERVER_URL/$GITHUB_REPOSITORY/blob/$GITHUB_SHA`.
#[derive(Debug, Clone, Default)]
pub struct Links {
    pub blob_url: Option<String>,
}

impl Links {
    /// From GitHub's variables; without all three, locations are plain text.
    pub fn from_env(var: impl Fn(&str) -> Option<String>) -> Links {
        let blob_url = match (
            var("GITHUB_SERVER_URL"),
            var("GITHUB_REPOSITORY"),
            var("GITHUB_SHA"),
        ) {
            (Some(server), Some(repo), Some(sha)) if !server.is_empty() && !repo.is_empty() => {
                Some(format!(
                    "{}/{repo}/blob/{sha}",
                    server.trim_end_matches('/')
                ))
            }
            _ => None,
        };
        Links { blob_url }
    }

    /// `[file:line](…/blob/sha/file#Lline)`, or `file:line`.
    fn at(&self, location: &Location) -> String {
        let file = location.file.to_string_lossy().replace('\\', "/");
        let file = file.strip_prefix("./").unwrap_or(&file).to_owned();
        let text = format!("{file}:{}", location.line);
        match &self.blob_url {
            Some(base) if !file.starts_with('/') => {
                format!("[{}]({base}/{file}#L{})", cell(&text), location.line)
            }
            _ => format!("`{}`", text.replace('`', "'")),
        }
    }
}

pub struct StepSummary {
    path: PathBuf,
    links: Links,
    shard: Option<Shard>,
    failed: Vec<Failed>,
    failed_more: usize,
    /// Problems of scenario files that did not load (then nothing ran).
    invalid: Vec<(Option<Location>, String)>,
    /// The slowest scenarios so far, the fastest of them on top (so it is the one to go).
    slowest: BinaryHeap<std::cmp::Reverse<Slow>>,
    summary: RunSummary,
}

struct Failed {
    name: String,
    at: Location,
    problem: String,
}

struct Slow {
    duration: Duration,
    name: String,
    at: Location,
}

// Ordered by duration alone: the heap keeps the slowest.
impl PartialEq for Slow {
    fn eq(&self, other: &Self) -> bool {
        self.duration == other.duration
    }
}

impl Eq for Slow {}

impl PartialOrd for Slow {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Slow {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.duration.cmp(&other.duration)
    }
}

impl StepSummary {
    pub fn new(path: PathBuf, links: Links, shard: Option<Shard>) -> Self {
        StepSummary {
            path,
            links,
            shard,
            failed: Vec::new(),
            failed_more: 0,
            invalid: Vec::new(),
            slowest: BinaryHeap::new(),
            summary: RunSummary::default(),
        }
    }

    fn scenario(&mut self, report: &Redacted<ScenarioReport>) {
        if report.outcome == Outcome::Failed {
            if self.failed.len() == MAX_FAILED {
                self.failed_more += 1;
            } else {
                let first = problems(report).into_iter().next();
                let (at, problem) = match first {
                    Some(p) => {
                        let mut line = format!("step `{}`: {}", p.step.label, p.headline);
                        let notes: Vec<&str> = one_line_notes(&p.notes).collect();
                        if !notes.is_empty() {
                            let _ = write!(line, " ({})", notes.join(", "));
                        }
                        (p.location.unwrap_or(report.scenario.location()), line)
                    }
                    None => (report.scenario.location(), "failed".to_owned()),
                };
                self.failed.push(Failed {
                    name: report.name.clone(),
                    at,
                    problem,
                });
            }
        }
        if report.outcome != Outcome::Skipped {
            self.slowest.push(std::cmp::Reverse(Slow {
                duration: report.duration,
                name: report.name.clone(),
                at: report.scenario.location(),
            }));
            if self.slowest.len() > SLOWEST {
                self.slowest.pop();
            }
        }
    }

    /// The Markdown appended to the summary file.
    fn markdown(&mut self) -> String {
        let s = &self.summary;
        let mut out = String::new();
        let shard = self
            .shard
            .map(|s| format!(" (shard {s})"))
            .unwrap_or_default();
        if !self.invalid.is_empty() {
            let n = self.invalid.len();
            let _ = writeln!(
                out,
                "## obflow{shard}: ❌ {n} problem{} in the scenario files; nothing was run\n",
                if n == 1 { "" } else { "s" }
            );
            let _ = writeln!(out, "| where | problem |");
            let _ = writeln!(out, "|---|---|");
            for (at, message) in &self.invalid {
                let at = at.as_ref().map_or_else(String::new, |at| self.links.at(at));
                let _ = writeln!(out, "| {at} | {} |", cell(message));
            }
            out.push('\n');
            return out;
        }
        let verdict = match s.failed {
            0 => "✅ passed".to_owned(),
            n => format!("❌ {n} failed"),
        };
        let _ = writeln!(out, "## obflow{shard}: {verdict}\n");
        let _ = writeln!(out, "| passed | failed | skipped | duration |");
        let _ = writeln!(out, "|---:|---:|---:|---:|");
        let skipped = s.skipped.saturating_sub(s.outside_shard);
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |\n",
            s.passed,
            s.failed,
            skipped,
            format_duration(s.duration)
        );
        if !self.failed.is_empty() {
            let _ = writeln!(out, "### Failed scenarios\n");
            let _ = writeln!(out, "| scenario | where | first problem |");
            let _ = writeln!(out, "|---|---|---|");
            for f in &self.failed {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} |",
                    cell(&f.name),
                    self.links.at(&f.at),
                    cell(&f.problem)
                );
            }
            if self.failed_more > 0 {
                let _ = writeln!(out, "\nand {} more failed scenarios.", self.failed_more);
            }
            out.push('\n');
        }
        let mut slowest: Vec<Slow> = std::mem::take(&mut self.slowest)
            .into_iter()
            .map(|r| r.0)
            .collect();
        slowest.sort_by_key(|s| std::cmp::Reverse(s.duration));
        if !slowest.is_empty() {
            let _ = writeln!(out, "### Slowest scenarios\n");
            let _ = writeln!(out, "| scenario | file | duration |");
            let _ = writeln!(out, "|---|---|---:|");
            for slow in &slowest {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} |",
                    cell(&slow.name),
                    self.links.at(&slow.at),
                    format_duration(slow.duration)
                );
            }
            out.push('\n');
        }
        out
    }
}

/// Text made safe for a Markdown table cell: one line, no column break, no HTML.
fn cell(text: &str) -> String {
    text.replace('\r', "")
        .replace('\n', " ")
        .replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

impl FileReport for StepSummary {
    fn on_event(&mut self, event: &Event) {
        match event {
            Event::ScenarioFinished(report) => self.scenario(report),
            Event::InvalidFile(file) => {
                for d in file.problems.iter().take(MAX_FAILED) {
                    self.invalid.push((d.location.clone(), d.message.clone()));
                }
            }
            Event::RunFinished(summary) => self.summary = *summary,
            _ => {}
        }
    }

    /// Appends (GitHub gathers the step's summary from what was appended to the file).
    fn write(&mut self) -> Result<(), ReportError> {
        let text = self.markdown();
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .and_then(|mut file| file.write_all(text.as_bytes()))
            .map_err(|source| ReportError::Write {
                kind: "GitHub step summary",
                path: self.path.clone(),
                source,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn links_need_all_of_github_s_variables() {
        let vars = |name: &str| match name {
            "GITHUB_SERVER_URL" => Some("https://github.com/".to_owned()),
            "GITHUB_REPOSITORY" => Some("acme/flows".to_owned()),
            "GITHUB_SHA" => Some("abc123".to_owned()),
            _ => None,
        };
        let at = Location::new(Arc::new(PathBuf::from("./scenarios/a.yaml")), 9, 3);
        assert_eq!(
            Links::from_env(vars).at(&at),
            "[scenarios/a.yaml:9](https://github.com/acme/flows/blob/abc123/scenarios/a.yaml#L9)"
        );
        assert_eq!(Links::from_env(|_| None).at(&at), "`scenarios/a.yaml:9`");
    }

    #[test]
    fn cells_stay_in_their_column() {
        assert_eq!(cell("a | b\n<c>"), "a \\| b &lt;c&gt;");
    }
}
