//! Standard output shared by the console reporters, buffered so their lines keep the order
//! of events and go out an event at a time.

use std::io::{self, Write};

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
