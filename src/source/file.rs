//! A YAML file as read from disk: its path, text and source map, and the helpers that turn
//! a YAML path into a [`Location`] or a located [`Diagnostic`]; and [`Spot`], a place in a
//! file, located when it is made.

use std::path::PathBuf;
use std::sync::Arc;

use serde_json::Value;

use super::diagnostic::{Diagnostic, Location};
use super::map::{SourceMap, YamlPath};
use super::yaml::{self, YamlError};

#[derive(Debug)]
pub struct SourceFile {
    pub path: Arc<PathBuf>,
    pub text: String,
    map: SourceMap,
}

impl SourceFile {
    /// Reads `text` as one YAML document: the file, with every node located, and its value.
    pub fn parse(path: PathBuf, text: String) -> Result<(SourceFile, Value), Diagnostic> {
        let mut file = SourceFile::unparsed(path, text);
        match yaml::parse(&file.text) {
            Ok(doc) => {
                file.map = doc.map;
                Ok((file, doc.value))
            }
            Err(err) => Err(file.yaml_error(&err)),
        }
    }

    /// A file whose text is not YAML (or not read as such): nothing in it is located
    /// beyond the line and column a caller gives.
    pub fn unparsed(path: PathBuf, text: String) -> SourceFile {
        SourceFile {
            path: Arc::new(path),
            text,
            map: SourceMap::default(),
        }
    }

    /// Where every node of the file is.
    pub fn map(&self) -> &SourceMap {
        &self.map
    }

    fn yaml_error(&self, err: &YamlError) -> Diagnostic {
        let at = err.mark();
        // An error at the very end of the file (an unclosed bracket) has no line to show:
        // show where the list or mapping left open starts.
        let lines = self.text.lines().count().max(1);
        let (at, open) = match err {
            YamlError::Syntax {
                open: Some(open), ..
            } if at.line > lines => (*open, None),
            YamlError::Syntax { open, .. } => (at, *open),
            _ => (at, None),
        };
        let loc = Location::new(self.path.clone(), at.line.min(lines), at.col);
        let mut d = self.error_at_location(loc, err.to_string());
        if let Some(open) = open.filter(|o| o.line < at.line) {
            d = d.note(format!(
                "in the list or mapping that starts at {}",
                Location::new(self.path.clone(), open.line, open.col)
            ));
        }
        match err {
            YamlError::DuplicateKey { first, .. } => d
                .note(format!(
                    "first written at {}",
                    Location::new(self.path.clone(), first.line, first.col)
                ))
                .help("a key may appear once in a mapping: remove or rename one of them"),
            YamlError::Syntax { .. } => {
                d.help("check the indentation and quoting around this point")
            }
            YamlError::ComplexKey { .. } => d.help("write the key as text"),
            YamlError::SeveralDocuments { .. } => {
                d.help("put each scenario in a file of its own, or remove the `---` line")
            }
            YamlError::TooDeep { .. } | YamlError::TooLarge { .. } => {
                d.help("no scenario needs this much: simplify the document")
            }
            YamlError::UnknownAlias { .. } => d.help("define the anchor (`&name`) before using it"),
        }
    }

    /// Where the value at `path` starts.
    pub fn location(&self, path: &YamlPath) -> Location {
        let m = self.map.value_mark(path);
        Location::new(self.path.clone(), m.line, m.col)
    }

    /// Where the key of the entry at `path` starts.
    pub fn key_location(&self, path: &YamlPath) -> Location {
        let m = self.map.key_mark(path);
        Location::new(self.path.clone(), m.line, m.col)
    }

    /// A diagnostic pointing at the value at `path`, underlining a plain scalar in full.
    pub fn error_at(&self, path: &YamlPath, message: impl Into<String>) -> Diagnostic {
        let loc = self.location(path);
        let len = self.token_len(&loc);
        Diagnostic::new(message).at(loc, &self.text).span(len)
    }

    /// A diagnostic pointing at the key of the entry at `path`.
    pub fn error_at_key(&self, path: &YamlPath, message: impl Into<String>) -> Diagnostic {
        let loc = self.key_location(path);
        let len = self.token_len(&loc);
        Diagnostic::new(message).at(loc, &self.text).span(len)
    }

    /// A diagnostic pointing at a character range inside the scalar at `path` (a template
    /// expression, say), when the scalar is written on one line; the scalar start otherwise.
    pub fn error_in_scalar(
        &self,
        path: &YamlPath,
        char_range: Option<(usize, usize)>,
        message: impl Into<String>,
    ) -> Diagnostic {
        match (self.map.get(path), char_range) {
            (Some(span), Some((start, end))) if span.inline_scalar => {
                let loc = Location::new(
                    self.path.clone(),
                    span.value.line,
                    span.value.col + span.value_offset + start,
                );
                Diagnostic::new(message)
                    .at(loc, &self.text)
                    .span(end.saturating_sub(start))
            }
            _ => self.error_at(path, message),
        }
    }

    /// A diagnostic at a location already known (a check's own position, say).
    pub fn error_at_location(&self, loc: Location, message: impl Into<String>) -> Diagnostic {
        let len = self.token_len(&loc);
        Diagnostic::new(message).at(loc, &self.text).span(len)
    }

    /// Length of the token starting at `loc`: up to the end of a word, quoted string or line.
    fn token_len(&self, loc: &Location) -> usize {
        let Some(line) = self.text.lines().nth(loc.line - 1) else {
            return 1;
        };
        let rest: Vec<char> = line.chars().skip(loc.col - 1).collect();
        match rest.first() {
            Some(q @ ('"' | '\'')) => rest
                .iter()
                .skip(1)
                .position(|c| c == q)
                .map(|p| p + 2)
                .unwrap_or(rest.len()),
            Some(_) => rest
                .iter()
                .position(|c| *c == ':' || *c == '#' || *c == ',' || *c == '}' || *c == ']')
                .unwrap_or(rest.len())
                .max(1)
                .min(
                    rest.iter()
                        .rposition(|c| !c.is_whitespace())
                        .map_or(1, |p| p + 1),
                ),
            None => 1,
        }
    }
}

/// Where something is written in a scenario file (a step, a check, a capture), located when
/// the scenario is built; the file is kept to show its line.
#[derive(Debug, Clone)]
pub struct Spot {
    source: Arc<SourceFile>,
    location: Location,
}

impl Spot {
    /// The value at `path`.
    pub fn value(source: &Arc<SourceFile>, path: &YamlPath) -> Spot {
        Spot {
            source: source.clone(),
            location: source.location(path),
        }
    }

    /// The key of the entry at `path`.
    pub fn key(source: &Arc<SourceFile>, path: &YamlPath) -> Spot {
        Spot {
            source: source.clone(),
            location: source.key_location(path),
        }
    }

    pub fn location(&self) -> Location {
        self.location.clone()
    }

    pub fn source(&self) -> &Arc<SourceFile> {
        &self.source
    }
}

/// The same place in the same file (not merely a file with the same name).
impl PartialEq for Spot {
    fn eq(&self, other: &Spot) -> bool {
        Arc::ptr_eq(&self.source, &other.source) && self.location == other.location
    }
}

impl Eq for Spot {}
