//! Which texts of a scenario's report a reporter may print, for the one redaction pass every
//! report goes through when its scenario ends ([`crate::secret::Redacted`]): by then the
//! scenario's redactor knows every secret the scenario declared or learnt, including those
//! learnt after a text was recorded (a `secret: true` capture of the response it came from).

use crate::check::CheckFailure;
use crate::secret::{Redact, Redactor};
use crate::snapshot::SnapshotReport;
use crate::source::Diagnostic;

use super::{InvalidFile, ScenarioReport, StepReport, Transcript};

impl Redact for ScenarioReport {
    fn redact(&mut self, redactor: &Redactor) {
        self.name.redact(redactor);
        self.steps.redact(redactor);
    }
}

impl Redact for StepReport {
    fn redact(&mut self, redactor: &Redactor) {
        self.label.redact(redactor);
        self.failures.redact(redactor);
        self.error.redact(redactor);
        self.exchanges.redact(redactor);
        self.snapshot.redact(redactor);
        for request in &mut self.requests {
            request.url.redact(redactor);
        }
    }
}

impl Redact for CheckFailure {
    fn redact(&mut self, redactor: &Redactor) {
        self.check.redact(redactor);
        self.expected.redact(redactor);
        self.actual.redact(redactor);
        for d in &mut self.differences {
            d.path.redact(redactor);
            d.expected.redact(redactor);
            d.actual.redact(redactor);
        }
    }
}

impl Redact for Diagnostic {
    fn redact(&mut self, redactor: &Redactor) {
        self.message.redact(redactor);
        // The source line too: a literal secret written in the scenario file is echoed by
        // the snippet under the error.
        self.source_line.redact(redactor);
        self.notes.redact(redactor);
        self.help.redact(redactor);
    }
}

impl Redact for InvalidFile {
    fn redact(&mut self, redactor: &Redactor) {
        self.problems.redact(redactor);
    }
}

impl Redact for Transcript {
    fn redact(&mut self, redactor: &Redactor) {
        self.request.redact(redactor);
        self.response.redact(redactor);
    }
}

impl Redact for SnapshotReport {
    fn redact(&mut self, redactor: &Redactor) {
        self.diff.redact(redactor);
        self.error.redact(redactor);
    }
}
