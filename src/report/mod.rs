//! Reporters: consumers of the engine's event stream. The terminal reporter prints as
//! scenarios finish; GitHub annotations go to stdout beside it; the JUnit and JSON reports
//! collect the scenarios and are written, atomically, when the run ends. [`Reporters`] fans
//! every event out to all of them, so the engine stays free of printing.

pub mod annotations;
pub mod json;
pub mod junit;
pub mod progress;

pub mod terminal;
mod text;

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::run::Event;

/// Something that prints as the run goes (the terminal, annotations).
pub trait Reporter: Send {
    fn on_event(&mut self, event: &Event) -> io::Result<()>;
    /// Writes out what the reporter buffered.
    fn flush(&mut self) -> io::Result<()>;
}

impl<W: Write + Send> Reporter for terminal::TerminalReporter<W> {
    fn on_event(&mut self, event: &Event) -> io::Result<()> {
        terminal::TerminalReporter::on_event(self, event)
    }

    fn flush(&mut self) -> io::Result<()> {
        terminal::TerminalReporter::flush(self)
    }
}

/// Standard output, buffered, for the console reporters to share: their lines keep the
/// order of events, and go out an event at a time (each reporter flushes at the end of an
/// event it printed) rather than a write a line.
#[derive(Clone)]
pub struct BufferedStdout(std::sync::Arc<std::sync::Mutex<io::BufWriter<io::Stdout>>>);

impl BufferedStdout {
    pub fn new() -> Self {
        BufferedStdout(std::sync::Arc::new(std::sync::Mutex::new(
            io::BufWriter::with_capacity(64 * 1024, io::stdout()),
        )))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, io::BufWriter<io::Stdout>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Default for BufferedStdout {
    fn default() -> Self {
        Self::new()
    }
}

impl Write for BufferedStdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.lock().write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.lock().write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.lock().flush()
    }
}

/// A report file: it collects the run's events and is written once, when the run ends.
pub trait FileReport: Send {
    fn on_event(&mut self, event: &Event);
    /// Writes the file (atomically); called once, after `RunFinished`.
    fn write(&mut self) -> Result<(), ReportError>;
}

/// Why a report file could not be written. The run itself went on; the exit code says the
/// environment failed (3).
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("cannot write the {kind} report `{}`: {source}", path.display())]
    Write {
        kind: &'static str,
        path: PathBuf,
        source: io::Error,
    },
    #[error("cannot build the JUnit report: {0}")]
    Junit(#[from] quick_junit::SerializeError),
    #[error("cannot build the JSON report: {0}")]
    Json(#[from] serde_json::Error),
}

/// Every reporter of a run, fed the same events in the same order.
#[derive(Default)]
pub struct Reporters {
    console: Vec<Box<dyn Reporter>>,
    files: Vec<Box<dyn FileReport>>,
    progress: Option<progress::Progress>,
}

impl Reporters {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add_console(&mut self, reporter: impl Reporter + 'static) {
        self.console.push(Box::new(reporter));
    }

    pub fn add_file(&mut self, report: impl FileReport + 'static) {
        self.files.push(Box::new(report));
    }

    pub fn set_progress(&mut self, progress: progress::Progress) {
        self.progress = Some(progress);
    }

    pub fn on_event(&mut self, event: &Event) {
        for file in &mut self.files {
            file.on_event(event);
        }
        let console = &mut self.console;
        // A closed stdout (`| head`) must not stop the run: console errors are dropped.
        let mut print = |flush: bool| {
            for reporter in console.iter_mut() {
                let _ = reporter.on_event(event);
                if flush {
                    let _ = reporter.flush();
                }
            }
        };
        match &mut self.progress {
            Some(progress) => {
                progress.on_event(event);
                // Lines printed under a live bar would be torn by its redraws: hide it while
                // printing, for the events that print, and write them out before it shows.
                if matches!(
                    event,
                    Event::RunStarted { .. } | Event::ScenarioStarted { .. }
                ) {
                    print(false);
                } else {
                    progress.suspend(|| print(true));
                }
            }
            None => print(false),
        }
    }

    /// Writes the report files; every file is attempted even when one fails.
    pub fn finish(&mut self) -> Vec<ReportError> {
        if let Some(progress) = &self.progress {
            progress.finish();
        }
        self.files
            .iter_mut()
            .filter_map(|file| file.write().err())
            .collect()
    }
}

impl crate::run::EventSink for Reporters {
    fn on_event(&mut self, event: &Event) {
        Reporters::on_event(self, event);
    }
}

/// Makes sure a report can be written at `path` before the run starts (its directory exists
/// or can be made, and takes new files), so a typo in a path does not cost a whole run.
pub fn check_writable(path: &Path, kind: &'static str) -> Result<(), ReportError> {
    let err = |source| ReportError::Write {
        kind,
        path: path.to_path_buf(),
        source,
    };
    if path.is_dir() {
        return Err(err(io::Error::other("it is a directory")));
    }
    let dir = parent_dir(path);
    std::fs::create_dir_all(dir).map_err(err)?;
    tempfile::NamedTempFile::new_in(dir).map(drop).map_err(err)
}

/// Writes a report atomically ([`crate::atomic_file`]), so a reader (a CI step, a concurrent
/// shard's upload) never sees half a report.
pub fn write_atomic(path: &Path, bytes: &[u8], kind: &'static str) -> Result<(), ReportError> {
    crate::atomic_file::write(path, bytes).map_err(|source| ReportError::Write {
        kind,
        path: path.to_path_buf(),
        source,
    })
}

/// What a file report keeps of a finished scenario until the run ends: without its
/// exchanges unless `keep_exchanges`, so a long run recording transcripts does not hold every
/// response in memory.
fn retained(
    report: &std::sync::Arc<crate::run::ScenarioReport>,
    keep_exchanges: bool,
) -> std::sync::Arc<crate::run::ScenarioReport> {
    if keep_exchanges || report.steps.iter().all(|s| s.exchanges.is_empty()) {
        return report.clone();
    }
    let mut slim = (**report).clone();
    for step in &mut slim.steps {
        step.exchanges = Vec::new();
    }
    std::sync::Arc::new(slim)
}

fn parent_dir(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Milliseconds with microsecond precision, as the JSON report and annotations show them.
fn millis(duration: std::time::Duration) -> f64 {
    (duration.as_secs_f64() * 1_000_000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_is_not_a_writable_report() {
        let dir = tempfile::tempdir().unwrap();
        let e = check_writable(dir.path(), "JSON").unwrap_err();
        assert!(
            e.to_string().starts_with("cannot write the JSON report"),
            "{e}"
        );
        assert!(check_writable(&dir.path().join("new/r.json"), "JSON").is_ok());
    }
}
