//! Where each node of a YAML document sits in its file.
//!
//! serde gives us typed values but no positions, so a second, cheap pass over the parser's
//! marked events records, for every path (`steps[2].expect.json.$.id`), the line and column of
//! its key and of its value. Errors found later (an unknown key, a bad JSONPath, a failed
//! check) are pinned to `file:line:col` by looking their path up here.

use std::collections::HashMap;
use std::fmt;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// One step of a path into a YAML document.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PathSeg {
    Key(String),
    Index(usize),
}

/// A path into a YAML document, e.g. `steps[2].request.url`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct YamlPath(pub Vec<PathSeg>);

impl YamlPath {
    pub fn root() -> Self {
        YamlPath(Vec::new())
    }

    pub fn key(&self, key: impl Into<String>) -> Self {
        let mut p = self.clone();
        p.0.push(PathSeg::Key(key.into()));
        p
    }

    pub fn index(&self, i: usize) -> Self {
        let mut p = self.clone();
        p.0.push(PathSeg::Index(i));
        p
    }

    /// Appends the path serde_path_to_error reports, so typed errors map back to the file.
    pub fn join_serde(&self, path: &serde_path_to_error::Path) -> Self {
        use serde_path_to_error::Segment;
        let mut p = self.clone();
        for seg in path.iter() {
            match seg {
                Segment::Seq { index } => p.0.push(PathSeg::Index(*index)),
                Segment::Map { key } => p.0.push(PathSeg::Key(key.clone())),
                Segment::Enum { variant } => p.0.push(PathSeg::Key(variant.clone())),
                Segment::Unknown => {}
            }
        }
        p
    }
}

impl fmt::Display for YamlPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for seg in &self.0 {
            match seg {
                PathSeg::Key(k) if first => write!(f, "{k}")?,
                PathSeg::Key(k) => write!(f, ".{k}")?,
                PathSeg::Index(i) => write!(f, "[{i}]")?,
            }
            first = false;
        }
        Ok(())
    }
}

/// Position of a node: where its key starts (for mapping entries), where its value starts,
/// and how a scalar value was written (so template offsets can be mapped to columns).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeSpan {
    pub key: Option<Mark>,
    pub value: Mark,
    /// Characters before the scalar's text starts: 1 for quoted scalars, 0 otherwise.
    pub value_offset: usize,
    /// Whether the scalar's text is written on the same line as its mark (plain or quoted),
    /// so a column within the text maps to a column in the file.
    pub inline_scalar: bool,
}

/// A 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mark {
    pub line: usize,
    pub col: usize,
}

impl From<Marker> for Mark {
    fn from(m: Marker) -> Self {
        // yaml-rust2 counts lines from 1 and columns from 0.
        Mark {
            line: m.line(),
            col: m.col() + 1,
        }
    }
}

/// Positions of every node of one YAML document, by path.
#[derive(Debug, Default, Clone)]
pub struct SourceMap {
    nodes: HashMap<YamlPath, NodeSpan>,
    /// Keys written twice in one mapping (YAML forbids it; serde would keep the last).
    duplicates: Vec<(YamlPath, Mark)>,
}

impl SourceMap {
    /// Builds the map. A document the marked parser cannot read yields an empty map: serde's
    /// parser has already reported the syntax error, so positions fall back to the file start.
    pub fn build(text: &str) -> SourceMap {
        let mut builder = Builder::default();
        let mut parser = Parser::new_from_str(text);
        if parser.load(&mut builder, false).is_err() {
            return SourceMap::default();
        }
        SourceMap {
            nodes: builder.nodes,
            duplicates: builder.duplicates,
        }
    }

    /// Keys that appear twice in the same mapping, with where the second one is.
    pub fn duplicate_keys(&self) -> &[(YamlPath, Mark)] {
        &self.duplicates
    }

    pub fn get(&self, path: &YamlPath) -> Option<&NodeSpan> {
        self.nodes.get(path)
    }

    /// The position of the value at `path`, or of its nearest ancestor that has one.
    pub fn value_mark(&self, path: &YamlPath) -> Mark {
        self.nearest(path)
            .map(|n| n.value)
            .unwrap_or(Mark { line: 1, col: 1 })
    }

    /// The position of the key at `path` (falling back to its value, then to ancestors).
    pub fn key_mark(&self, path: &YamlPath) -> Mark {
        self.nearest(path)
            .map(|n| n.key.unwrap_or(n.value))
            .unwrap_or(Mark { line: 1, col: 1 })
    }

    fn nearest(&self, path: &YamlPath) -> Option<&NodeSpan> {
        let mut p = path.0.as_slice();
        loop {
            if let Some(n) = self.nodes.get(&YamlPath(p.to_vec())) {
                return Some(n);
            }
            if p.is_empty() {
                return None;
            }
            p = &p[..p.len() - 1];
        }
    }
}

enum Frame {
    Map {
        path: YamlPath,
        /// The key just read, waiting for its value, with the key's mark.
        pending_key: Option<(String, Mark)>,
        seen: std::collections::HashSet<String>,
    },
    Seq {
        path: YamlPath,
        next: usize,
    },
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    nodes: HashMap<YamlPath, NodeSpan>,
    duplicates: Vec<(YamlPath, Mark)>,
    done: bool,
}

impl Builder {
    /// Where the next node goes. Returns None when the node is a mapping key.
    fn place(&mut self) -> Option<(YamlPath, Option<Mark>)> {
        match self.stack.last_mut() {
            None => Some((YamlPath::root(), None)),
            Some(Frame::Seq { path, next }) => {
                let p = path.index(*next);
                *next += 1;
                Some((p, None))
            }
            Some(Frame::Map {
                path, pending_key, ..
            }) => pending_key
                .take()
                .map(|(k, mark)| (path.key(k), Some(mark))),
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, marker: Marker) {
        if self.done {
            return;
        }
        let mark = Mark::from(marker);
        match ev {
            Event::Scalar(text, style, ..) => match self.place() {
                Some((path, key)) => {
                    let quoted = matches!(
                        style,
                        TScalarStyle::SingleQuoted | TScalarStyle::DoubleQuoted
                    );
                    let inline = matches!(
                        style,
                        TScalarStyle::Plain
                            | TScalarStyle::SingleQuoted
                            | TScalarStyle::DoubleQuoted
                    );
                    // On a duplicate key the first stays mapped: errors point there.
                    self.nodes.entry(path).or_insert(NodeSpan {
                        key,
                        value: mark,
                        value_offset: usize::from(quoted),
                        inline_scalar: inline,
                    });
                }
                None => {
                    if let Some(Frame::Map {
                        path,
                        pending_key,
                        seen,
                    }) = self.stack.last_mut()
                    {
                        if seen.is_empty() {
                            // The parser marks a block mapping oddly; its first key is where
                            // a reader sees it start.
                            if let Some(node) = self.nodes.get_mut(path) {
                                node.value = mark;
                            }
                        }
                        if !seen.insert(text.clone()) {
                            self.duplicates.push((path.key(text.clone()), mark));
                        }
                        *pending_key = Some((text, mark));
                    }
                }
            },
            Event::Alias(_) => {
                if let Some((path, key)) = self.place() {
                    self.nodes.entry(path).or_insert(plain(key, mark));
                }
            }
            Event::SequenceStart(..) => {
                let path = self.place().map(|(p, key)| {
                    self.nodes.entry(p.clone()).or_insert(plain(key, mark));
                    p
                });
                // A collection used as a mapping key: track it under a throwaway path.
                let path = path.unwrap_or_else(|| YamlPath::root().key("\u{0}complex-key"));
                self.stack.push(Frame::Seq { path, next: 0 });
            }
            Event::MappingStart(..) => {
                let path = self.place().map(|(p, key)| {
                    self.nodes.entry(p.clone()).or_insert(plain(key, mark));
                    p
                });
                let path = path.unwrap_or_else(|| YamlPath::root().key("\u{0}complex-key"));
                self.stack.push(Frame::Map {
                    path,
                    pending_key: None,
                    seen: Default::default(),
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                self.stack.pop();
            }
            Event::DocumentEnd => self.done = true,
            _ => {}
        }
    }
}

fn plain(key: Option<Mark>, value: Mark) -> NodeSpan {
    NodeSpan {
        key,
        value,
        value_offset: 0,
        inline_scalar: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_keys_and_values_to_lines() {
        let text = "name: demo\nsteps:\n  - id: a\n    request:\n      url: \"http://x\"\n";
        let map = SourceMap::build(text);
        let url = YamlPath::root()
            .key("steps")
            .index(0)
            .key("request")
            .key("url");
        let span = map.get(&url).expect("url is mapped");
        assert_eq!(span.key, Some(Mark { line: 5, col: 7 }));
        assert_eq!(span.value, Mark { line: 5, col: 12 });
        assert_eq!(span.value_offset, 1);
        let step = YamlPath::root().key("steps").index(0);
        assert_eq!(map.value_mark(&step).line, 3);
        // An unknown path falls back to its nearest ancestor.
        assert_eq!(map.value_mark(&url.key("nope")).line, 5);
        assert!(map.duplicate_keys().is_empty());
    }

    #[test]
    fn finds_duplicate_keys() {
        let map = SourceMap::build("name: a\nsteps: []\nname: b\n");
        let dups = map.duplicate_keys();
        assert_eq!(dups.len(), 1);
        assert_eq!(dups[0].0, YamlPath::root().key("name"));
        assert_eq!(dups[0].1, Mark { line: 3, col: 1 });
    }
}
