//! Which texts of a scenario's report a reporter may print, for the one pass every report
//! goes through when its scenario ends ([`crate::secret::Redacted`]): secrets are scrubbed
//! (by then the scenario's redactor knows every secret the scenario declared or learnt,
//! including those learnt after a text was recorded, such as a `secret: true` capture of the
//! response it came from), and control characters are escaped, so nothing a server sent or a
//! file holds can drive the terminal of whoever reads the report.

use crate::check::CheckFailure;
use crate::secret::{Redact, Redactor};
use crate::snapshot::SnapshotReport;
use crate::source::Diagnostic;
use crate::style::printable;

use super::{InvalidFile, ScenarioReport, StepReport, Transcript};

/// Scrubs a text: its secrets, then its control characters.
fn clean(text: &mut String, redactor: &Redactor) {
    text.redact(redactor);
    if let std::borrow::Cow::Owned(shown) = printable(text) {
        *text = shown;
    }
}

fn clean_all(texts: &mut [String], redactor: &Redactor) {
    texts.iter_mut().for_each(|t| clean(t, redactor));
}

fn clean_some(text: &mut Option<String>, redactor: &Redactor) {
    if let Some(text) = text {
        clean(text, redactor);
    }
}

impl Redact for ScenarioReport {
    fn redact(&mut self, redactor: &Redactor) {
        clean(&mut self.name, redactor);
        self.steps.redact(redactor);
        // What a target lacks quotes the scenario file (a user's name, a URL).
        if let Some(super::SkipReason::TargetLacks { unmet, .. }) = &mut self.skip_reason {
            clean(&mut unmet.need, redactor);
        }
    }
}

impl Redact for StepReport {
    fn redact(&mut self, redactor: &Redactor) {
        clean(&mut self.label, redactor);
        self.failures.redact(redactor);
        self.error.redact(redactor);
        self.exchanges.redact(redactor);
        self.snapshot.redact(redactor);
        for request in &mut self.requests {
            clean(&mut request.url, redactor);
        }
    }
}

impl Redact for CheckFailure {
    fn redact(&mut self, redactor: &Redactor) {
        clean(&mut self.check, redactor);
        clean(&mut self.expected, redactor);
        clean(&mut self.actual, redactor);
        for d in &mut self.differences {
            clean(&mut d.path, redactor);
            clean(&mut d.expected, redactor);
            clean(&mut d.actual, redactor);
        }
    }
}

impl Redact for Diagnostic {
    fn redact(&mut self, redactor: &Redactor) {
        clean(&mut self.message, redactor);
        // The source line too: a literal secret written in the scenario file is echoed by
        // the snippet under the error. (Its control characters are escaped when it is
        // rendered, where the caret is placed to match.)
        self.source_line.redact(redactor);
        clean_all(&mut self.notes, redactor);
        clean_some(&mut self.help, redactor);
    }
}

impl Redact for InvalidFile {
    fn redact(&mut self, redactor: &Redactor) {
        self.problems.redact(redactor);
    }
}

impl Redact for Transcript {
    fn redact(&mut self, redactor: &Redactor) {
        clean(&mut self.request, redactor);
        clean(&mut self.response, redactor);
    }
}

impl Redact for SnapshotReport {
    fn redact(&mut self, redactor: &Redactor) {
        clean_some(&mut self.diff, redactor);
        clean_some(&mut self.error, redactor);
    }
}
