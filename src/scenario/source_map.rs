//! Where each node of a YAML document sits in its file.
//!
//! serde gives us typed values but no positions, so a second, cheap pass over the parser's
//! marked events records, for every path (`steps[2].expect.json.$.id`), the line and column of
//! its key and of its value. Errors found later (an unknown key, a bad JSONPath, a failed
//! check) are pinned to `file:line:col` by looking their path up here.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// One step of a path into a YAML document. Keys are mostly the fixed words of the format
/// (`steps`, `expect`, `json`), which need no allocation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PathSeg {
    Key(Cow<'static, str>),
    Index(usize),
}

/// A path into a YAML document, e.g. `steps[2].request.url`.
///
/// Paths are immutable and share their prefixes: extending one allocates a single node that
/// points at its parent. A scenario keeps a path for every step, check and capture (to
/// locate a failure), and builds one for every key it validates; copying whole vectors of
/// keys for each was a fifth of the cost of loading a file.
#[derive(Clone, Default)]
pub struct YamlPath(Option<Arc<PathNode>>);

struct PathNode {
    parent: YamlPath,
    seg: PathSeg,
}

impl YamlPath {
    pub fn root() -> Self {
        YamlPath(None)
    }

    fn child(&self, seg: PathSeg) -> Self {
        YamlPath(Some(Arc::new(PathNode {
            parent: self.clone(),
            seg,
        })))
    }

    pub fn key(&self, key: impl Into<Cow<'static, str>>) -> Self {
        self.child(PathSeg::Key(key.into()))
    }

    pub fn index(&self, i: usize) -> Self {
        self.child(PathSeg::Index(i))
    }

    /// This path followed by `segments`.
    pub fn join(&self, segments: impl IntoIterator<Item = PathSeg>) -> Self {
        segments
            .into_iter()
            .fold(self.clone(), |path, seg| path.child(seg))
    }

    /// Appends the path serde_path_to_error reports, so typed errors map back to the file.
    pub fn join_serde(&self, path: &serde_path_to_error::Path) -> Self {
        use serde_path_to_error::Segment;
        self.join(path.iter().filter_map(|seg| match seg {
            Segment::Seq { index } => Some(PathSeg::Index(*index)),
            Segment::Map { key } => Some(PathSeg::Key(key.clone().into())),
            Segment::Enum { variant } => Some(PathSeg::Key(variant.clone().into())),
            Segment::Unknown => None,
        }))
    }

    pub fn is_root(&self) -> bool {
        self.0.is_none()
    }

    /// The last segment (`url` in `steps[0].request.url`).
    pub fn last(&self) -> Option<&PathSeg> {
        self.0.as_ref().map(|node| &node.seg)
    }

    /// The segments from the root down.
    pub fn segments(&self) -> Vec<&PathSeg> {
        let mut segments = Vec::new();
        let mut at = self;
        while let Some(node) = &at.0 {
            segments.push(&node.seg);
            at = &node.parent;
        }
        segments.reverse();
        segments
    }
}

impl PartialEq for YamlPath {
    fn eq(&self, other: &Self) -> bool {
        match (&self.0, &other.0) {
            (None, None) => true,
            (Some(a), Some(b)) => Arc::ptr_eq(a, b) || (a.seg == b.seg && a.parent == b.parent),
            _ => false,
        }
    }
}

impl Eq for YamlPath {}

impl std::hash::Hash for YamlPath {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.segments().hash(state);
    }
}

impl fmt::Debug for YamlPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "YamlPath({self})")
    }
}

impl fmt::Display for YamlPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for seg in self.segments() {
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
///
/// Paths are stored encoded as one string each (`steps` `0` `request` → one key), not as
/// vectors of segments: a suite loads thousands of files and this keeps it to one allocation
/// per node.
#[derive(Debug, Default, Clone)]
pub struct SourceMap {
    nodes: HashMap<String, NodeSpan>,
    /// Keys written twice in one mapping (YAML forbids it; serde would keep the last).
    duplicates: Vec<(YamlPath, Mark)>,
}

/// Ends every encoded segment; no scenario key contains it.
const SEGMENT_END: char = '\u{1}';

fn push_key(encoded: &mut String, key: &str) {
    encoded.push('k');
    encoded.push_str(key);
    encoded.push(SEGMENT_END);
}

fn push_index(encoded: &mut String, index: usize) {
    use std::fmt::Write;
    let _ = write!(encoded, "i{index}{SEGMENT_END}");
}

fn encode(path: &YamlPath) -> String {
    let segments = path.segments();
    let mut encoded = String::with_capacity(segments.len() * 8);
    for seg in segments {
        match seg {
            PathSeg::Key(k) => push_key(&mut encoded, k),
            PathSeg::Index(i) => push_index(&mut encoded, *i),
        }
    }
    encoded
}

fn decode(encoded: &str) -> YamlPath {
    let segments = encoded
        .split(SEGMENT_END)
        .filter(|s| !s.is_empty())
        .map(|s| match s.split_at(1) {
            ("i", n) => n
                .parse()
                .map(PathSeg::Index)
                .unwrap_or(PathSeg::Key(n.to_owned().into())),
            (_, k) => PathSeg::Key(k.to_owned().into()),
        });
    YamlPath::root().join(segments)
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
        self.nodes.get(&encode(path))
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
        let mut encoded = encode(path);
        loop {
            if let Some(n) = self.nodes.get(&encoded) {
                return Some(n);
            }
            if encoded.is_empty() {
                return None;
            }
            // Drop the last segment.
            encoded.pop();
            let cut = encoded.rfind(SEGMENT_END).map_or(0, |i| i + 1);
            encoded.truncate(cut);
        }
    }
}

enum Frame {
    Map {
        /// Length of the builder's path where this mapping's entries start.
        base: usize,
        /// The key just read, waiting for its value.
        pending_key: Option<PendingKey>,
        /// Whether no key has been read yet.
        first: bool,
    },
    Seq {
        base: usize,
        next: usize,
    },
    /// A collection used as a mapping key: nothing inside it is located.
    Ignored,
}

enum PendingKey {
    /// A scalar key, with its mark.
    Named(String, Mark),
    /// A collection used as a key (`? [a, b]`): its value is not located either.
    Complex,
}

/// Where the next node goes.
enum Placement {
    /// At this encoded path, with its key's mark in a mapping.
    At(String, Option<Mark>),
    /// It is a mapping key.
    Key,
    /// Nowhere: inside or under a complex key.
    Ignored,
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    /// The encoded path of the collection being read.
    path: String,
    nodes: HashMap<String, NodeSpan>,
    duplicates: Vec<(YamlPath, Mark)>,
    done: bool,
}

impl Builder {
    fn place(&mut self) -> Placement {
        match self.stack.last_mut() {
            None => Placement::At(String::new(), None),
            Some(Frame::Seq { base, next }) => {
                let mut p = self.path[..*base].to_owned();
                push_index(&mut p, *next);
                *next += 1;
                Placement::At(p, None)
            }
            Some(Frame::Map {
                base, pending_key, ..
            }) => match pending_key.take() {
                Some(PendingKey::Named(k, mark)) => {
                    let mut p = self.path[..*base].to_owned();
                    push_key(&mut p, &k);
                    Placement::At(p, Some(mark))
                }
                Some(PendingKey::Complex) => Placement::Ignored,
                None => Placement::Key,
            },
            Some(Frame::Ignored) => Placement::Ignored,
        }
    }

    fn open(&mut self, mark: Mark, map: bool) {
        match self.place() {
            Placement::At(p, key) => {
                self.nodes.entry(p.clone()).or_insert(plain(key, mark));
                self.path = p;
                let base = self.path.len();
                self.stack.push(if map {
                    Frame::Map {
                        base,
                        pending_key: None,
                        first: true,
                    }
                } else {
                    Frame::Seq { base, next: 0 }
                });
            }
            Placement::Key => {
                if let Some(Frame::Map { pending_key, .. }) = self.stack.last_mut() {
                    *pending_key = Some(PendingKey::Complex);
                }
                self.stack.push(Frame::Ignored);
            }
            Placement::Ignored => self.stack.push(Frame::Ignored),
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
                Placement::At(path, key) => {
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
                Placement::Key => {
                    if let Some(Frame::Map {
                        base,
                        pending_key,
                        first,
                    }) = self.stack.last_mut()
                    {
                        let mut entry = self.path[..*base].to_owned();
                        if *first {
                            // The parser marks a block mapping oddly; its first key is
                            // where a reader sees it start.
                            *first = false;
                            if let Some(node) = self.nodes.get_mut(&entry) {
                                node.value = mark;
                            }
                        }
                        push_key(&mut entry, &text);
                        if self.nodes.contains_key(&entry) {
                            self.duplicates.push((decode(&entry), mark));
                        }
                        *pending_key = Some(PendingKey::Named(text, mark));
                    }
                }
                Placement::Ignored => {}
            },
            Event::Alias(_) => match self.place() {
                Placement::At(path, key) => {
                    self.nodes.entry(path).or_insert(plain(key, mark));
                }
                // An alias as a key: its value is not located, like a complex key's.
                Placement::Key => {
                    if let Some(Frame::Map { pending_key, .. }) = self.stack.last_mut() {
                        *pending_key = Some(PendingKey::Complex);
                    }
                }
                Placement::Ignored => {}
            },
            Event::SequenceStart(..) => self.open(mark, false),
            Event::MappingStart(..) => self.open(mark, true),
            Event::SequenceEnd | Event::MappingEnd => {
                self.stack.pop();
                // Back in the parent collection: its path is the prefix it started with.
                let len = match self.stack.last() {
                    Some(Frame::Map { base, .. } | Frame::Seq { base, .. }) => *base,
                    _ => 0,
                };
                self.path.truncate(len);
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
    fn paths_share_prefixes_and_compare_by_segments() {
        let step = YamlPath::root().key("steps").index(2);
        let url = step.key("request").key(String::from("url"));
        assert_eq!(url.to_string(), "steps[2].request.url");
        assert_eq!(url.last(), Some(&PathSeg::Key("url".into())));
        assert_eq!(url.segments().len(), 4);
        // Built apart, equal by content; hashing agrees.
        let again = YamlPath::root().join([
            PathSeg::Key("steps".into()),
            PathSeg::Index(2),
            PathSeg::Key("request".into()),
            PathSeg::Key("url".into()),
        ]);
        assert_eq!(url, again);
        use std::hash::{BuildHasher, RandomState};
        let state = RandomState::new();
        assert_eq!(state.hash_one(&url), state.hash_one(&again));
        assert_ne!(url, step.key("request").key("method"));
        assert_ne!(step, step.index(0));
        assert!(YamlPath::root().is_root() && !step.is_root());
        assert_eq!(YamlPath::root().to_string(), "");
    }

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

    #[test]
    fn nested_paths_flow_collections_and_complex_keys() {
        let text = "steps:\n  - id: a\n  - request: { url: x, query: { a: 1 } }\n    expect:\n      json:\n        ? [complex, key]\n        : 1\n        $.b: [1, 2]\n    id: b\n    id: c\n";
        let map = SourceMap::build(text);
        let step = YamlPath::root().key("steps").index(1);
        let query_a = step.key("request").key("query").key("a");
        assert_eq!(map.get(&query_a).map(|n| n.value.line), Some(3));
        let second = step.key("expect").key("json").key("$.b").index(1);
        assert_eq!(
            map.get(&second).map(|n| (n.value.line, n.value.col)),
            Some((8, 18))
        );
        // The key after a complex key is still found, and the duplicate is reported.
        assert_eq!(map.get(&step.key("id")).map(|n| n.value.line), Some(9));
        assert_eq!(
            map.duplicate_keys(),
            &[(step.key("id"), Mark { line: 10, col: 5 })]
        );
    }
}
