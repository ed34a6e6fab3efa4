//! [`Reporters`]: every reporter of a run, fed the same events in the same order, and the
//! progress bar kept out of the way of the lines they print.

use super::progress;
use super::{FileReport, ReportError, Reporter};
use crate::run::Event;

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
