//! Writing a command's whole output to stdout.

use std::io::Write;

use super::CommandError;

/// Writes `bytes` to stdout. A closed stdout (`| head`) is not an error: the reader has
/// what it wanted.
pub fn print_stdout(bytes: &[u8]) -> Result<(), CommandError> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(CommandError::Environment(
            format!("cannot write to stdout: {e}"),
        )),
        _ => Ok(()),
    }
}
