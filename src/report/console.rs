//! The console reporter's contract: something that prints as the run goes (the terminal,
//! annotations), flushed at the end of each event it printed.

use std::io::{self, Write};

use super::terminal;
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
