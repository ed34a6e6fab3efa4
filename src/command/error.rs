//! The one error type of the command layer: what stopped a command, the exit code it means,
//! and how it is printed, once, by `main`.

use std::collections::BTreeSet;
use std::fmt::Write;

use crate::exit;
use crate::report::ReportError;
use crate::run::RunnerError;
use crate::source::Diagnostic;
use crate::style::Palette;

#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// Invalid input, found before anything ran: files, flags, credentials.
    #[error("{} problem(s); nothing was run", .0.len())]
    Invalid(Vec<Diagnostic>),
    /// A command used where it cannot work, with what to do instead.
    #[error("{message}")]
    Usage { message: String, help: &'static str },
    /// The run could not be carried out.
    #[error(transparent)]
    Runner(#[from] RunnerError),
    /// Report files that could not be written (each was attempted).
    #[error("{} report(s) could not be written", .0.len())]
    Reports(Vec<ReportError>),
    /// The run ran out of file descriptors (exit 3, with what to change).
    #[error(transparent)]
    OutOfFiles(#[from] crate::descriptors::OutOfFiles),
    /// The browser a `via: browser` step needs cannot be found (exit 3, with the install
    /// hint).
    #[error(transparent)]
    Browser(#[from] crate::browser::BrowserError),
    /// Anything else outside the scenarios that stopped the command (a file it could not
    /// write, a terminal it needs).
    #[error("{0}")]
    Environment(String),
}

impl From<Diagnostic> for CommandError {
    fn from(d: Diagnostic) -> Self {
        CommandError::Invalid(vec![d])
    }
}

impl From<Vec<Diagnostic>> for CommandError {
    fn from(d: Vec<Diagnostic>) -> Self {
        CommandError::Invalid(d)
    }
}

impl From<ReportError> for CommandError {
    fn from(e: ReportError) -> Self {
        CommandError::Reports(vec![e])
    }
}

impl CommandError {
    pub fn exit_code(&self) -> i32 {
        match self {
            CommandError::Invalid(_) | CommandError::Usage { .. } => exit::INVALID_INPUT,
            CommandError::Runner(_)
            | CommandError::Reports(_)
            | CommandError::OutOfFiles(_)
            | CommandError::Browser(_)
            | CommandError::Environment(_) => exit::ENVIRONMENT,
        }
    }

    /// The error as printed on stderr.
    pub fn render(&self, palette: &Palette) -> String {
        let error = palette.error.paint("error");
        let mut out = String::new();
        match self {
            CommandError::Invalid(diagnostics) => {
                for d in diagnostics {
                    let _ = writeln!(out, "{}", d.render(palette));
                }
                let files: BTreeSet<_> = diagnostics
                    .iter()
                    .filter_map(|d| d.location.as_ref().map(|l| l.file.clone()))
                    .collect();
                let problems = diagnostics.len();
                let _ = writeln!(
                    out,
                    "{error}: {problems} problem{} in {} file{}; nothing was run",
                    plural(problems),
                    files.len().max(1),
                    plural(files.len().max(1)),
                );
            }
            CommandError::Usage { message, help } => {
                let _ = writeln!(out, "{error}: {message}");
                let _ = writeln!(out, "{}: {help}", palette.help.paint("help"));
            }
            CommandError::Runner(e) => {
                let _ = writeln!(out, "{error}: {e}");
            }
            CommandError::Reports(errors) => {
                for e in errors {
                    let _ = writeln!(out, "{error}: {e}");
                }
            }
            CommandError::Environment(message) => {
                let _ = writeln!(out, "{error}: {message}");
            }
            CommandError::OutOfFiles(e) => {
                let _ = writeln!(out, "{error}: {e}");
            }
            CommandError::Browser(e) => {
                let _ = writeln!(
                    out,
                    "{error}: a scenario goes through the dialog in a browser (`via: browser`), but {e}"
                );
                let _ = writeln!(
                    out,
                    "{}: {}",
                    palette.help.paint("help"),
                    crate::browser::INSTALL_HINT
                );
            }
        }
        out
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
