//! A scenario file as read from disk: its path, text and source map, and the helpers that
//! turn a YAML path into a [`Location`] or a located [`Diagnostic`]; and [`Spot`], a place in
//! a file that is worked out only when shown.

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use super::source_map::{SourceMap, YamlPath};
use crate::diagnostic::{Diagnostic, Location};

#[derive(Debug)]
pub struct SourceFile {
    pub path: Arc<PathBuf>,
    pub text: String,
    /// Built on first use, which for a valid file is a failure or a report that lists
    /// locations, and released after loading ([`SourceFile::release_map`]) and after each
    /// report: a suite of thousands of files would otherwise keep every node's position in
    /// memory. Building it parses the text a second time, so loading a valid file never does.
    map: RwLock<Option<Arc<SourceMap>>>,
}

impl SourceFile {
    pub fn new(path: PathBuf, text: String) -> Self {
        SourceFile {
            path: Arc::new(path),
            text,
            map: RwLock::new(None),
        }
    }

    /// Where every node of the file is.
    pub fn map(&self) -> Arc<SourceMap> {
        if let Some(map) = self.map.read().unwrap_or_else(|e| e.into_inner()).as_ref() {
            return map.clone();
        }
        let built = Arc::new(SourceMap::build(&self.text));
        *self.map.write().unwrap_or_else(|e| e.into_inner()) = Some(built.clone());
        built
    }

    /// Frees the source map; the next lookup rebuilds it.
    pub fn release_map(&self) {
        *self.map.write().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// Where the value at `path` starts.
    pub fn location(&self, path: &YamlPath) -> Location {
        let m = self.map().value_mark(path);
        Location::new(self.path.clone(), m.line, m.col)
    }

    /// Where the key of the entry at `path` starts.
    pub fn key_location(&self, path: &YamlPath) -> Location {
        let m = self.map().key_mark(path);
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
        let map = self.map();
        match (map.get(path), char_range) {
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

/// Where something is written in a scenario file: the file and the YAML path, resolved to a
/// line and column only when shown. Resolving parses the file a second time; checks, steps
/// and captures all have a spot, and in a passing run almost none is ever shown.
#[derive(Debug, Clone)]
pub struct Spot {
    source: Arc<SourceFile>,
    path: YamlPath,
    /// The key of the entry at `path` (`$.result:`), rather than its value.
    key: bool,
}

impl Spot {
    /// The value at `path`.
    pub fn value(source: &Arc<SourceFile>, path: &YamlPath) -> Spot {
        Spot {
            source: source.clone(),
            path: path.clone(),
            key: false,
        }
    }

    /// The key of the entry at `path`.
    pub fn key(source: &Arc<SourceFile>, path: &YamlPath) -> Spot {
        Spot {
            key: true,
            ..Spot::value(source, path)
        }
    }

    pub fn location(&self) -> Location {
        if self.key {
            self.source.key_location(&self.path)
        } else {
            self.source.location(&self.path)
        }
    }

    pub fn source(&self) -> &Arc<SourceFile> {
        &self.source
    }
}

/// The same place in the same file (not merely a file with the same name).
impl PartialEq for Spot {
    fn eq(&self, other: &Spot) -> bool {
        Arc::ptr_eq(&self.source, &other.source) && self.key == other.key && self.path == other.path
    }
}

impl Eq for Spot {}
