//! Paths into a YAML document and where each node sits in its file.
//!
//! The YAML reader ([`super::yaml`]) records, for every path (`steps[2].expect.json.$.id`),
//! the line and column of its key and of its value while it reads the document. Problems
//! found when a scenario is built (an unknown key, a bad JSONPath) are pinned to
//! `file:line:col` by looking their path up here.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

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
/// keys for each would cost more than reading the file.
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

impl NodeSpan {
    /// A collection, or any node whose text needs no offsets.
    pub fn plain(key: Option<Mark>, value: Mark) -> NodeSpan {
        NodeSpan {
            key,
            value,
            value_offset: 0,
            inline_scalar: false,
        }
    }
}

/// Positions of every node of one YAML document, by path.
///
/// A suite keeps thousands of these for as long as its scenarios may report an error, so the
/// map is stored compactly: each node as the hash of its encoded path (`steps` `0` `request`
/// → one key) and a packed position, sorted by hash and found by binary search. A hash two
/// different paths of one document share (at 64 bits, about never) is dropped from the map
/// when it is built, so a lookup is never answered with another node's position; such a node
/// is located at its nearest ancestor instead.
#[derive(Debug, Default, Clone)]
pub struct SourceMap {
    hashes: Box<[u64]>,
    spans: Box<[PackedSpan]>,
}

/// A [`NodeSpan`] in 20 bytes: lines and columns as `u32` (a longer file is refused long
/// before), `key_line` 0 for a node with no key.
#[derive(Debug, Clone, Copy)]
struct PackedSpan {
    key_line: u32,
    key_col: u32,
    line: u32,
    col: u32,
    quoted: bool,
    inline_scalar: bool,
}

impl PackedSpan {
    fn pack(span: &NodeSpan) -> PackedSpan {
        let n = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
        let key = span.key.unwrap_or(Mark { line: 0, col: 0 });
        PackedSpan {
            key_line: n(key.line),
            key_col: n(key.col),
            line: n(span.value.line),
            col: n(span.value.col),
            quoted: span.value_offset > 0,
            inline_scalar: span.inline_scalar,
        }
    }

    fn unpack(self) -> NodeSpan {
        let mark = |line: u32, col: u32| Mark {
            line: line as usize,
            col: col as usize,
        };
        NodeSpan {
            key: (self.key_line > 0).then(|| mark(self.key_line, self.key_col)),
            value: mark(self.line, self.col),
            value_offset: usize::from(self.quoted),
            inline_scalar: self.inline_scalar,
        }
    }
}

/// Ends every encoded segment; no scenario key contains it.
const SEGMENT_END: char = '\u{1}';

pub(super) fn encode_key(encoded: &mut String, key: &str) {
    encoded.push('k');
    encoded.push_str(key);
    encoded.push(SEGMENT_END);
}

pub(super) fn encode_index(encoded: &mut String, index: usize) {
    use std::fmt::Write;
    let _ = write!(encoded, "i{index}{SEGMENT_END}");
}

fn encode(path: &YamlPath) -> String {
    let segments = path.segments();
    let mut encoded = String::with_capacity(segments.len() * 8);
    for seg in segments {
        match seg {
            PathSeg::Key(k) => encode_key(&mut encoded, k),
            PathSeg::Index(i) => encode_index(&mut encoded, *i),
        }
    }
    encoded
}

/// The same hash for the same encoded path in every map and run.
fn hash(encoded: &str) -> u64 {
    use std::hash::BuildHasher;
    foldhash::quality::FixedState::with_seed(0x6f62_666c_6f77).hash_one(encoded)
}

/// Collects where each node is while a document is read; [`SourceMapBuilder::finish`]
/// makes the [`SourceMap`] kept with the file.
#[derive(Debug, Default)]
pub(super) struct SourceMapBuilder {
    nodes: Vec<(String, NodeSpan)>,
}

impl SourceMapBuilder {
    /// Records where the node at the encoded `path` is, and returns its number for
    /// [`SourceMapBuilder::set_value_mark`]. If a path is recorded twice, the first stays.
    pub(super) fn insert(&mut self, path: String, span: NodeSpan) -> usize {
        self.nodes.push((path, span));
        self.nodes.len() - 1
    }

    /// Moves where the node numbered `node` is said to start.
    pub(super) fn set_value_mark(&mut self, node: usize, mark: Mark) {
        if let Some((_, span)) = self.nodes.get_mut(node) {
            span.value = mark;
        }
    }

    /// Where the key of the entry at the encoded `path` is written (for an error: a scan).
    pub(super) fn key_mark_encoded(&self, path: &str) -> Option<Mark> {
        self.nodes
            .iter()
            .find(|(p, _)| p == path)
            .and_then(|(_, span)| span.key)
    }

    pub(super) fn finish(self) -> SourceMap {
        self.finish_with(hash)
    }

    fn finish_with(self, hash: impl Fn(&str) -> u64) -> SourceMap {
        let mut nodes: Vec<(u64, String, NodeSpan)> = self
            .nodes
            .into_iter()
            .map(|(path, span)| (hash(&path), path, span))
            .collect();
        // Stable: of one path recorded twice, the first stays first.
        nodes.sort_by_key(|(h, _, _)| *h);
        let mut hashes = Vec::with_capacity(nodes.len());
        let mut spans = Vec::with_capacity(nodes.len());
        for run in nodes.chunk_by(|a, b| a.0 == b.0) {
            let (h, path, span) = &run[0];
            if run.iter().all(|(_, p, _)| p == path) {
                hashes.push(*h);
                spans.push(PackedSpan::pack(span));
            }
        }
        SourceMap {
            hashes: hashes.into_boxed_slice(),
            spans: spans.into_boxed_slice(),
        }
    }
}

impl SourceMap {
    fn lookup(&self, encoded: &str) -> Option<NodeSpan> {
        let i = self.hashes.binary_search(&hash(encoded)).ok()?;
        Some(self.spans[i].unpack())
    }

    pub fn get(&self, path: &YamlPath) -> Option<NodeSpan> {
        self.lookup(&encode(path))
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

    fn nearest(&self, path: &YamlPath) -> Option<NodeSpan> {
        let mut encoded = encode(path);
        loop {
            if let Some(n) = self.lookup(&encoded) {
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

    fn mark(line: usize, col: usize) -> Mark {
        Mark { line, col }
    }

    fn builder(nodes: &[(&YamlPath, Mark)]) -> SourceMapBuilder {
        let mut builder = SourceMapBuilder::default();
        for (path, at) in nodes {
            builder.insert(encode(path), NodeSpan::plain(Some(mark(at.line, 1)), *at));
        }
        builder
    }

    #[test]
    fn the_first_record_of_a_path_stays_and_lookups_fall_back_to_ancestors() {
        let steps = YamlPath::root().key("steps");
        let step = steps.index(0);
        let map = builder(&[
            (&YamlPath::root(), mark(1, 1)),
            (&steps, mark(2, 1)),
            (&step, mark(3, 5)),
            (&step, mark(9, 9)),
        ])
        .finish();
        assert_eq!(map.value_mark(&step), mark(3, 5));
        assert_eq!(map.key_mark(&step), mark(3, 1));
        assert_eq!(map.value_mark(&step.key("request").key("url")), mark(3, 5));
        assert_eq!(map.value_mark(&steps.index(7)), mark(2, 1));
        assert_eq!(map.get(&steps.index(7)), None);
    }

    #[test]
    fn paths_whose_hashes_collide_are_located_at_their_ancestor_not_at_each_other() {
        let steps = YamlPath::root().key("steps");
        let (a, b) = (steps.index(0), steps.index(1));
        // Every path but the root hashes alike: `steps`, `steps[0]` and `steps[1]` collide.
        let map = builder(&[
            (&YamlPath::root(), mark(1, 1)),
            (&steps, mark(2, 1)),
            (&a, mark(3, 5)),
            (&b, mark(4, 5)),
        ])
        .finish_with(|p| u64::from(!p.is_empty()));
        assert_eq!(map.get(&a), None);
        assert_eq!(map.get(&b), None);
        assert_eq!(map.value_mark(&b), mark(1, 1));
    }
}
