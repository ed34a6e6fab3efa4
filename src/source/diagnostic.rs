//! Source locations and user-facing diagnostics.
//!
//! Every error a user can fix (bad YAML, unknown key, undefined template variable, a failed
//! check) carries a [`Location`]; [`Diagnostic`] renders it once, at the edge, rustc-style:
//! message, `--> file:line:col`, the source line and a caret under the offending span.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A position in a scenario file. Lines and columns are 1-based, columns count characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Location {
    pub file: Arc<PathBuf>,
    pub line: usize,
    pub col: usize,
}

impl Location {
    pub fn new(file: Arc<PathBuf>, line: usize, col: usize) -> Self {
        Location {
            file,
            line: line.max(1),
            col: col.max(1),
        }
    }

    /// The start of a file, for errors that concern the file as a whole.
    pub fn file_start(file: Arc<PathBuf>) -> Self {
        Location::new(file, 1, 1)
    }

    pub fn path(&self) -> &Path {
        &self.file
    }
}

impl serde::Serialize for Location {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("Location", 3)?;
        s.serialize_field("file", &self.file.display().to_string())?;
        s.serialize_field("line", &self.line)?;
        s.serialize_field("col", &self.col)?;
        s.end()
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.col)
    }
}

/// A located, explained error: what is wrong, where, and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub message: String,
    pub location: Option<Location>,
    /// The text of the source line the location points into, captured when the diagnostic
    /// is made so that rendering never has to read the file again.
    pub source_line: Option<String>,
    /// How many characters the caret underlines (at least one).
    pub span_len: usize,
    /// Extra lines shown as `= note:` after the snippet (expected/actual for checks).
    pub notes: Vec<String>,
    /// What to do about it, shown as `= help:`.
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn new(message: impl Into<String>) -> Self {
        Diagnostic {
            message: message.into(),
            location: None,
            source_line: None,
            span_len: 1,
            notes: Vec::new(),
            help: None,
        }
    }

    /// Attaches a location and the source line it points into.
    pub fn at(mut self, location: Location, source: &str) -> Self {
        self.source_line = source
            .lines()
            .nth(location.line.saturating_sub(1))
            .map(str::to_owned);
        self.location = Some(location);
        self
    }

    /// Attaches a location without a source line (the file is not at hand).
    pub fn at_location(mut self, location: Location) -> Self {
        self.location = Some(location);
        self
    }

    pub fn span(mut self, len: usize) -> Self {
        self.span_len = len.max(1);
        self
    }

    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Renders the diagnostic the way rustc does. `style` decides colours.
    pub fn render(&self, style: &crate::style::Palette) -> String {
        self.render_as(style.error.paint("error"), style)
    }

    /// Renders the diagnostic as a warning: something passed over, nothing stopped.
    pub fn render_warning(&self, style: &crate::style::Palette) -> String {
        self.render_as(style.help.paint("warning"), style)
    }

    fn render_as(&self, label: impl std::fmt::Display, style: &crate::style::Palette) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        // Control characters from a file or a server are shown escaped, never sent raw.
        use crate::style::printable;
        let _ = writeln!(
            out,
            "{label}: {}",
            style.bold.paint(&printable(&self.message))
        );
        let gutter_width = self
            .location
            .as_ref()
            .map(|l| l.line.to_string().len())
            .unwrap_or(1);
        let pad = " ".repeat(gutter_width);
        if let Some(loc) = &self.location {
            let _ = writeln!(out, "{pad}{} {loc}", style.gutter.paint("-->"));
            if let Some(line) = &self.source_line {
                let before: String = line.chars().take(loc.col.saturating_sub(1)).collect();
                let (before, line) = (printable(&before), printable(line));
                let col = before.chars().count() + 1;
                let bar = style.gutter.paint("|");
                let _ = writeln!(out, "{pad} {bar}");
                let _ = writeln!(
                    out,
                    "{} {bar} {}",
                    style.gutter.paint(&loc.line.to_string()),
                    line
                );
                // Tabs before the caret are kept as tabs so the caret lines up.
                let lead: String = before
                    .chars()
                    .map(|c| if c == '\t' { '\t' } else { ' ' })
                    .collect();
                let available = line.chars().count().saturating_sub(col - 1).max(1);
                let carets = "^".repeat(self.span_len.min(available).max(1));
                let _ = writeln!(out, "{pad} {bar} {lead}{}", style.error.paint(&carets));
            }
        }
        for note in &self.notes {
            let note = printable(note);
            let _ = writeln!(out, "{pad} = {}: {note}", style.bold.paint("note"));
        }
        if let Some(help) = &self.help {
            let help = printable(help);
            let _ = writeln!(out, "{pad} = {}: {help}", style.help.paint("help"));
        }
        out
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(&crate::style::Palette::plain()))
    }
}

/// Suggests the closest of `candidates` to `word`, when one is close enough to be a typo.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(word, c), c))
        .filter(|(d, c)| *d <= (c.len().max(word.len()) / 3).max(1) + 1 && *d < c.len().max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_finds_typos_and_ignores_strangers() {
        let keys = ["method", "url", "query", "headers", "form", "json", "body"];
        assert_eq!(closest("metod", keys), Some("method"));
        assert_eq!(closest("header", keys), Some("headers"));
        assert_eq!(closest("zzzzzz", keys), None);
    }

    #[test]
    fn renders_caret_under_column() {
        let loc = Location::new(Arc::new(PathBuf::from("a.yaml")), 2, 5);
        let d = Diagnostic::new("unknown key `metod`")
            .at(loc, "steps:\n    metod: GET\n")
            .span(5)
            .help("did you mean `method`?");
        let text = d.to_string();
        assert!(text.contains("--> a.yaml:2:5"), "{text}");
        assert!(text.contains("2 |     metod: GET"), "{text}");
        assert!(text.contains("  |     ^^^^^"), "{text}");
        assert!(text.contains("= help: did you mean `method`?"), "{text}");
    }
}
