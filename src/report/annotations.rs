//! GitHub Actions workflow annotations: when `GITHUB_ACTIONS=true`, every failed check,
//! every step error and every problem of a scenario file that does not load is also printed
//! as an `::error file=…,line=…,col=…,title=…::message` command, so it shows on the pull
//! request's diff at the line that states the check (or holds the typo).
//!
//! GitHub reads commands from stdout line by line, so values are escaped by its rules:
//! `%`, `\r` and `\n` everywhere, and `:` and `,` in properties too.

use std::io::Write;

use crate::run::{Event, InvalidFile, Outcome, ScenarioReport};
use crate::secret::Redacted;

use super::Reporter;
use super::text::{ANNOTATION_DIFF_LINES, cut_diff, problems};

/// Whether annotations are wanted: GitHub Actions sets `GITHUB_ACTIONS=true` in every step.
pub fn enabled(github_actions: Option<&str>) -> bool {
    github_actions == Some("true")
}

pub struct AnnotationReporter<W: Write> {
    out: W,
}

impl<W: Write> AnnotationReporter<W> {
    pub fn new(out: W) -> Self {
        AnnotationReporter { out }
    }

    fn scenario(&mut self, report: &Redacted<ScenarioReport>) -> std::io::Result<()> {
        for problem in problems(report) {
            let title = format!("{} › step {}", report.name, problem.step.label);
            let mut message = problem.headline.clone();
            for note in &problem.notes {
                message.push('\n');
                message.push_str(note.trim());
            }
            if problem.step.attempts > 1 {
                message.push_str(&format!("\nafter {} attempts", problem.step.attempts));
            }
            if let Some(diff) = problem.diff {
                message.push('\n');
                message.push_str(&cut_diff(diff, ANNOTATION_DIFF_LINES));
            }
            let line = command(problem.location.as_ref(), &title, &message);
            writeln!(self.out, "{line}")?;
        }
        self.out.flush()
    }

    fn invalid_file(&mut self, invalid: &Redacted<InvalidFile>) -> std::io::Result<()> {
        for problem in &invalid.problems {
            let mut message = problem.message.clone();
            for note in &problem.notes {
                message.push('\n');
                message.push_str(note.trim());
            }
            if let Some(help) = &problem.help {
                message.push_str(&format!("\nhelp: {help}"));
            }
            let line = command(problem.location.as_ref(), "invalid scenario file", &message);
            writeln!(self.out, "{line}")?;
        }
        self.out.flush()
    }
}

impl<W: Write + Send> Reporter for AnnotationReporter<W> {
    fn on_event(&mut self, event: &Event) -> std::io::Result<()> {
        match event {
            Event::ScenarioFinished(report) if report.outcome == Outcome::Failed => {
                self.scenario(report)
            }
            Event::InvalidFile(invalid) => self.invalid_file(invalid),
            _ => Ok(()),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

/// One `::error` command. Paths use `/` as GitHub expects, whatever the platform.
pub fn command(location: Option<&crate::source::Location>, title: &str, message: &str) -> String {
    let mut properties = Vec::new();
    if let Some(at) = location {
        let file = at.file.to_string_lossy().replace('\\', "/");
        let file = file.strip_prefix("./").unwrap_or(&file);
        properties.push(format!("file={}", escape_property(file)));
        properties.push(format!("line={}", at.line));
        properties.push(format!("col={}", at.col));
    }
    properties.push(format!("title={}", escape_property(title)));
    format!("::error {}::{}", properties.join(","), escape_data(message))
}

/// Escapes a command's message.
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value: as the message, plus the separators `:` and `,`.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Location;
    use std::path::PathBuf;
    use std::sync::Arc;

    #[test]
    fn only_github_actions_turns_annotations_on() {
        assert!(enabled(Some("true")));
        assert!(!enabled(Some("false")));
        assert!(!enabled(Some("")));
        assert!(!enabled(None));
    }

    #[test]
    fn messages_and_properties_are_escaped() {
        assert_eq!(escape_data("100% done\r\nnext"), "100%25 done%0D%0Anext");
        assert_eq!(escape_property("a: b, c%\n"), "a%3A b%2C c%25%0A");
    }

    #[test]
    fn a_command_names_file_line_col_and_title() {
        let at = Location::new(Arc::new(PathBuf::from("./scenarios/a,b.yaml")), 12, 7);
        let line = command(
            Some(&at),
            "Token: expiry › step token",
            "check failed: status\nexpected: 200\nactual: 400",
        );
        assert_eq!(
            line,
            "::error file=scenarios/a%2Cb.yaml,line=12,col=7,title=Token%3A expiry › step token\
             ::check failed: status%0Aexpected: 200%0Aactual: 400"
        );
        assert_eq!(
            command(None, "t", "50%"),
            "::error title=t::50%25",
            "without a location there are no file, line and col"
        );
    }
}
