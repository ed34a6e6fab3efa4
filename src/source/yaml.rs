//! Reads a YAML document once into a JSON value and the position of every node.
//!
//! Scenario files, shared flows, `obflow.yaml`, fixture files and snapshot headers are all
//! read here, with saphyr's parser (a pure-Rust YAML 1.2 parser that gives every event a
//! span). One pass over its events builds the [`Value`] the typed model is deserialized from
//! and the [`SourceMap`] that locates every error, so a file is never parsed twice.
//!
//! Beyond what the parser checks, a document is refused when it repeats a key in a mapping
//! (YAML forbids it; a JSON map would keep the last silently), uses a list or mapping as a
//! key, holds more than one document, nests deeper than [`MAX_DEPTH`], or grows past
//! [`MAX_NODES`] by expanding aliases (the "billion laughs" document).

use std::borrow::Cow;
use std::collections::HashMap;

use saphyr::Scalar;
use saphyr_parser::{Event, Marker, Parser, ScalarStyle, Span};
use serde_json::Value;

use super::map::{Mark, NodeSpan, SourceMap, SourceMapBuilder, encode_index, encode_key};

/// Deeper than any real file; a deeper one is refused before anything recurses over it.
pub const MAX_DEPTH: usize = 128;

/// Nodes a document may hold once its aliases are expanded: far more than any scenario or
/// fixture file, few enough that a small file cannot expand into gigabytes.
pub const MAX_NODES: usize = 1_000_000;

/// A document read from YAML: its value and where each of its nodes is written.
#[derive(Debug)]
pub struct Document {
    pub value: Value,
    pub map: SourceMap,
}

/// Why a text is not a document obflow reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum YamlError {
    /// The parser refused the text.
    #[error("invalid YAML: {message}")]
    Syntax {
        message: String,
        at: Mark,
        /// Where the innermost list or mapping still open at the error starts.
        open: Option<Mark>,
    },
    #[error("duplicate key `{key}`")]
    DuplicateKey { key: String, at: Mark, first: Mark },
    #[error("a mapping key must be a plain value, not a list or a mapping")]
    ComplexKey { at: Mark },
    #[error("more than one YAML document in one file")]
    SeveralDocuments { at: Mark },
    #[error("the document nests more than {MAX_DEPTH} levels deep")]
    TooDeep { at: Mark },
    #[error("the document holds more than {MAX_NODES} values once its aliases are expanded")]
    TooLarge { at: Mark },
    #[error("alias `*{name}` names no anchor defined before it")]
    UnknownAlias { name: String, at: Mark },
}

impl YamlError {
    /// Where the problem is.
    pub fn mark(&self) -> Mark {
        match self {
            YamlError::Syntax { at, .. }
            | YamlError::DuplicateKey { at, .. }
            | YamlError::ComplexKey { at }
            | YamlError::SeveralDocuments { at }
            | YamlError::TooDeep { at }
            | YamlError::TooLarge { at }
            | YamlError::UnknownAlias { at, .. } => *at,
        }
    }
}

/// Reads `text`. An empty document is `null`.
pub fn parse(text: &str) -> Result<Document, YamlError> {
    let mut builder = Builder::default();
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|e| YamlError::Syntax {
            message: e.info().to_owned(),
            at: mark(*e.marker()),
            open: builder.stack.last().map(Frame::start),
        })?;
        if builder.on_event(event, span)? == Flow::Done {
            break;
        }
    }
    Ok(Document {
        value: builder.root.unwrap_or(Value::Null),
        map: builder.map.finish(),
    })
}

fn mark(m: Marker) -> Mark {
    // The parser counts lines from 1 and columns from 0.
    Mark {
        line: m.line(),
        col: m.col() + 1,
    }
}

#[derive(PartialEq)]
enum Flow {
    More,
    Done,
}

/// A collection being read.
enum Frame {
    Map {
        /// Length of the encoded path where this mapping's entries start.
        base: usize,
        /// The mapping's own number in the source map.
        node: usize,
        entries: serde_json::Map<String, Value>,
        /// The key just read, waiting for its value, with where it is written.
        key: Option<(String, Mark)>,
        /// Whether no key has been read yet.
        first: bool,
        anchor: usize,
        start: Mark,
    },
    Seq {
        base: usize,
        items: Vec<Value>,
        anchor: usize,
        start: Mark,
    },
}

impl Frame {
    fn start(&self) -> Mark {
        match self {
            Frame::Map { start, .. } | Frame::Seq { start, .. } => *start,
        }
    }
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    /// The encoded path of the collection being read.
    path: String,
    map: SourceMapBuilder,
    root: Option<Value>,
    /// Anchored values, with the number of nodes each holds.
    anchors: HashMap<usize, (Value, usize)>,
    /// Nodes read so far, aliases counted at their expanded size.
    nodes: usize,
    documents: usize,
}

impl Builder {
    fn on_event(&mut self, event: Event<'_>, span: Span) -> Result<Flow, YamlError> {
        let at = mark(span.start);
        match event {
            Event::DocumentStart(_) => {
                self.documents += 1;
                if self.documents > 1 {
                    return Err(YamlError::SeveralDocuments { at });
                }
            }
            Event::Scalar(text, style, anchor, tag) => {
                if self.expects_key() {
                    self.key(text.into_owned(), at)?;
                } else {
                    let value = resolve(text, style, tag.as_deref());
                    let quoted =
                        matches!(style, ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted);
                    let inline = quoted || style == ScalarStyle::Plain;
                    let path = self.child_path();
                    self.map.insert(
                        path,
                        NodeSpan {
                            key: self.pending_key_mark(),
                            value: at,
                            value_offset: usize::from(quoted),
                            inline_scalar: inline,
                        },
                    );
                    self.count(1, at)?;
                    self.value(value, anchor, 1);
                }
            }
            Event::Alias(id) => {
                if self.expects_key() {
                    return Err(YamlError::ComplexKey { at });
                }
                let Some((value, size)) = self.anchors.get(&id).cloned() else {
                    return Err(YamlError::UnknownAlias {
                        name: id.to_string(),
                        at,
                    });
                };
                let path = self.child_path();
                self.map
                    .insert(path, NodeSpan::plain(self.pending_key_mark(), at));
                self.count(size, at)?;
                self.value(value, 0, size);
            }
            Event::MappingStart(anchor, _) => self.open(at, anchor, true)?,
            Event::SequenceStart(anchor, _) => self.open(at, anchor, false)?,
            Event::MappingEnd | Event::SequenceEnd => self.close(),
            Event::StreamEnd => return Ok(Flow::Done),
            Event::Nothing | Event::StreamStart | Event::DocumentEnd => {}
        }
        Ok(Flow::More)
    }

    /// Whether the next node is a mapping key.
    fn expects_key(&self) -> bool {
        matches!(self.stack.last(), Some(Frame::Map { key: None, .. }))
    }

    fn pending_key_mark(&self) -> Option<Mark> {
        match self.stack.last() {
            Some(Frame::Map {
                key: Some((_, m)), ..
            }) => Some(*m),
            _ => None,
        }
    }

    /// The encoded path of the node about to be read.
    fn child_path(&self) -> String {
        match self.stack.last() {
            None => String::new(),
            Some(Frame::Seq { base, items, .. }) => {
                let mut p = self.path[..*base].to_owned();
                encode_index(&mut p, items.len());
                p
            }
            Some(Frame::Map { base, key, .. }) => {
                let mut p = self.path[..*base].to_owned();
                if let Some((k, _)) = key {
                    encode_key(&mut p, k);
                }
                p
            }
        }
    }

    fn key(&mut self, text: String, at: Mark) -> Result<(), YamlError> {
        let Some(Frame::Map {
            base,
            node,
            entries,
            key,
            first,
            ..
        }) = self.stack.last_mut()
        else {
            return Ok(());
        };
        let mapping = &self.path[..*base];
        if *first {
            // A block mapping's start is reported where its first key is preceded by
            // indentation; a reader sees the mapping start at that key.
            *first = false;
            self.map.set_value_mark(*node, at);
        }
        if entries.contains_key(&text) {
            let mut entry = mapping.to_owned();
            encode_key(&mut entry, &text);
            let first = self.map.key_mark_encoded(&entry).unwrap_or(at);
            return Err(YamlError::DuplicateKey {
                key: text,
                at,
                first,
            });
        }
        *key = Some((text, at));
        Ok(())
    }

    fn open(&mut self, at: Mark, anchor: usize, is_map: bool) -> Result<(), YamlError> {
        if self.expects_key() {
            return Err(YamlError::ComplexKey { at });
        }
        if self.stack.len() >= MAX_DEPTH {
            return Err(YamlError::TooDeep { at });
        }
        self.count(1, at)?;
        let path = self.child_path();
        let node = self
            .map
            .insert(path.clone(), NodeSpan::plain(self.pending_key_mark(), at));
        self.path = path;
        let base = self.path.len();
        self.stack.push(if is_map {
            Frame::Map {
                base,
                node,
                entries: serde_json::Map::new(),
                key: None,
                first: true,
                anchor,
                start: at,
            }
        } else {
            Frame::Seq {
                base,
                items: Vec::new(),
                anchor,
                start: at,
            }
        });
        Ok(())
    }

    fn close(&mut self) {
        let (value, anchor) = match self.stack.pop() {
            Some(Frame::Map {
                entries, anchor, ..
            }) => (Value::Object(entries), anchor),
            Some(Frame::Seq { items, anchor, .. }) => (Value::Array(items), anchor),
            None => return,
        };
        // Back in the parent collection: its path is the prefix it started with.
        let len = match self.stack.last() {
            Some(Frame::Map { base, .. } | Frame::Seq { base, .. }) => *base,
            None => 0,
        };
        self.path.truncate(len);
        let size = if anchor == 0 { 0 } else { node_count(&value) };
        self.value(value, anchor, size);
    }

    fn count(&mut self, nodes: usize, at: Mark) -> Result<(), YamlError> {
        self.nodes = self.nodes.saturating_add(nodes);
        if self.nodes > MAX_NODES {
            return Err(YamlError::TooLarge { at });
        }
        Ok(())
    }

    /// Puts a finished node where it belongs: under its key, at the end of its list, or at
    /// the root. An anchored node (anchor ids start at 1) is remembered for its aliases.
    fn value(&mut self, value: Value, anchor: usize, size: usize) {
        if anchor != 0 {
            self.anchors.insert(anchor, (value.clone(), size));
        }
        match self.stack.last_mut() {
            Some(Frame::Map { entries, key, .. }) => {
                if let Some((k, _)) = key.take() {
                    entries.insert(k, value);
                }
            }
            Some(Frame::Seq { items, .. }) => items.push(value),
            None => self.root = Some(value),
        }
    }
}

/// A scalar's value under the YAML 1.2 core schema (quoted scalars are text; `!!str` and the
/// other core tags are honoured). A number JSON cannot hold (`.nan`, `.inf`) is null, as in
/// serde_json.
fn resolve(text: Cow<'_, str>, style: ScalarStyle, tag: Option<&saphyr_parser::Tag>) -> Value {
    let tag = tag.filter(|t| t.is_yaml_core_schema()).map(Cow::Borrowed);
    let fallback = || Value::String(text.to_string());
    match Scalar::parse_from_cow_and_metadata(text.clone(), style, tag.as_ref()) {
        Some(Scalar::Null) => Value::Null,
        Some(Scalar::Boolean(b)) => Value::Bool(b),
        Some(Scalar::Integer(i)) => Value::from(i),
        Some(Scalar::FloatingPoint(f)) => Value::from(f.into_inner()),
        Some(Scalar::String(s)) => Value::String(s.into_owned()),
        None => fallback(),
    }
}

/// `text` read as a plain (unquoted) YAML scalar: `3` is a number, `true` a boolean.
pub fn plain_scalar(text: &str) -> Value {
    resolve(Cow::Borrowed(text), ScalarStyle::Plain, None)
}

/// `value` written as a YAML document's body (no `---` line), as saphyr's emitter writes it.
pub fn to_yaml(value: &Value) -> String {
    let mut out = String::new();
    // Writing into a String cannot fail, nor can a JSON value hold what YAML cannot.
    let _ = saphyr::YamlEmitter::new(&mut out).dump(&to_saphyr(value));
    let body = out.strip_prefix("---").unwrap_or(&out);
    let body = body.strip_prefix('\n').unwrap_or(body.trim_start());
    let mut body = body.to_owned();
    body.push('\n');
    body
}

fn to_saphyr(value: &Value) -> saphyr::Yaml<'_> {
    use saphyr::Yaml;
    match value {
        Value::Null => Yaml::Value(Scalar::Null),
        Value::Bool(b) => Yaml::Value(Scalar::Boolean(*b)),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Yaml::Value(Scalar::Integer(i)),
            // Beyond i64 (or a fraction): a float, as YAML would read it back.
            None => Yaml::Value(Scalar::FloatingPoint(n.as_f64().unwrap_or(f64::NAN).into())),
        },
        Value::String(s) => Yaml::Value(Scalar::String(Cow::Borrowed(s))),
        Value::Array(items) => Yaml::Sequence(items.iter().map(to_saphyr).collect()),
        Value::Object(map) => Yaml::Mapping(
            map.iter()
                .map(|(k, v)| (Yaml::Value(Scalar::String(Cow::Borrowed(k))), to_saphyr(v)))
                .collect(),
        ),
    }
}

fn node_count(value: &Value) -> usize {
    match value {
        Value::Array(items) => 1 + items.iter().map(node_count).sum::<usize>(),
        Value::Object(map) => 1 + map.values().map(node_count).sum::<usize>(),
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::YamlPath;
    use serde_json::json;

    fn value(text: &str) -> Value {
        parse(text).expect("valid YAML").value
    }

    #[test]
    fn reads_the_core_schema() {
        let doc = "a: 1\nb: -2\nc: 1.5\nd: true\ne: ~\nf: null\ng: '1'\nh: \"x\\ty\"\ni: 0x1F\nj: text here\nk: .inf\nl: !!str 12\nm: \nn: [1, two, {x: y}]\n";
        assert_eq!(
            value(doc),
            json!({
                "a": 1, "b": -2, "c": 1.5, "d": true, "e": null, "f": null, "g": "1",
                "h": "x\ty", "i": 31, "j": "text here", "k": null, "l": "12", "m": null,
                "n": [1, "two", {"x": "y"}]
            })
        );
    }

    #[test]
    fn reads_block_scalars_and_keeps_key_order() {
        let doc = "z: |\n  line one\n  line two\ny: >\n  folded\n  text\nx: 1\n";
        let v = value(doc);
        assert_eq!(v["z"], "line one\nline two\n");
        assert_eq!(v["y"], "folded text\n");
        let keys: Vec<_> = v.as_object().unwrap().keys().cloned().collect();
        assert_eq!(keys, ["z", "y", "x"]);
    }

    #[test]
    fn scalar_keys_are_their_text() {
        assert_eq!(
            value("200: ok\ntrue: yes\n"),
            json!({"200": "ok", "true": "yes"})
        );
    }

    #[test]
    fn expands_aliases() {
        let doc = "base: &b {a: 1, b: [x]}\ncopy: *b\n";
        assert_eq!(value(doc)["copy"], json!({"a": 1, "b": ["x"]}));
    }

    #[test]
    fn an_empty_document_is_null() {
        assert_eq!(value(""), Value::Null);
        assert_eq!(value("# only a comment\n"), Value::Null);
    }

    #[test]
    fn maps_keys_and_values_to_lines() {
        let text = "name: demo\nsteps:\n  - id: a\n    request:\n      url: \"http://x\"\n";
        let map = parse(text).unwrap().map;
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
        assert_eq!(map.value_mark(&step), Mark { line: 3, col: 5 });
        // An unknown path falls back to its nearest ancestor.
        assert_eq!(map.value_mark(&url.key("nope")).line, 5);
    }

    #[test]
    fn nested_flow_collections_are_located() {
        let text = "steps:\n  - id: a\n  - request: { url: x, query: { a: 1 } }\n    expect:\n      json:\n        $.b: [1, 2]\n";
        let map = parse(text).unwrap().map;
        let step = YamlPath::root().key("steps").index(1);
        let query_a = step.key("request").key("query").key("a");
        assert_eq!(map.get(&query_a).map(|n| n.value.line), Some(3));
        let second = step.key("expect").key("json").key("$.b").index(1);
        assert_eq!(
            map.get(&second).map(|n| (n.value.line, n.value.col)),
            Some((6, 18))
        );
    }

    #[test]
    fn refuses_duplicate_keys_naming_both() {
        let err = parse("name: a\nsteps: []\nname: b\n").unwrap_err();
        assert_eq!(
            err,
            YamlError::DuplicateKey {
                key: "name".into(),
                at: Mark { line: 3, col: 1 },
                first: Mark { line: 1, col: 1 },
            }
        );
        let nested = parse("a:\n  x: 1\n  y: 2\n  x: 3\n").unwrap_err();
        assert_eq!(nested.mark(), Mark { line: 4, col: 3 });
    }

    #[test]
    fn refuses_what_a_json_value_cannot_hold() {
        assert!(matches!(
            parse("? [a, b]\n: 1\n"),
            Err(YamlError::ComplexKey { .. })
        ));
        assert!(matches!(
            parse("a: 1\n---\nb: 2\n"),
            Err(YamlError::SeveralDocuments { at }) if at.line == 2
        ));
        let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        assert!(matches!(parse(&deep), Err(YamlError::TooDeep { .. })));
    }

    #[test]
    fn refuses_an_alias_bomb() {
        let mut doc = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let p = i - 1;
            doc.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        assert!(matches!(parse(&doc), Err(YamlError::TooLarge { .. })));
    }

    #[test]
    fn writes_what_it_reads() {
        let v = json!({"source": "scenarios/a: b.yaml", "n": [1, 2.5, true, null], "m": {"url": "http://x/?a=1#f", "s": "123", "e": ""}});
        let text = to_yaml(&v);
        assert!(!text.starts_with("---"), "{text}");
        assert_eq!(value(&text), v);
    }

    /// Whatever the text, reading it returns a document or an error: never a panic, and an
    /// error's mark lies within the text.
    #[test]
    fn random_text_never_panics() {
        use rand::{Rng, SeedableRng};
        const PIECES: &[&str] = &[
            "a",
            "b: ",
            ":",
            "- ",
            "-",
            "\n",
            "\n  ",
            "\n    ",
            " ",
            "\t",
            "[",
            "]",
            "{",
            "}",
            ",",
            "'",
            "\"",
            "#",
            "&x ",
            "*x",
            "!!str ",
            "? ",
            "|",
            ">",
            "---",
            "...",
            "%YAML 1.2",
            "\\",
            "1",
            "1e999",
            "0x",
            "~",
            "\u{feff}",
            "é",
            "\r",
            "@",
            "`",
        ];
        let mut rng = rand::rngs::StdRng::seed_from_u64(17);
        for _ in 0..20_000 {
            let len = rng.random_range(0..40);
            let text: String = (0..len)
                .map(|_| PIECES[rng.random_range(0..PIECES.len())])
                .collect();
            if let Err(e) = parse(&text) {
                // YAML breaks lines at `\n`, `\r` and `\r\n`.
                let lines = text
                    .replace("\r\n", "\n")
                    .replace('\r', "\n")
                    .split('\n')
                    .count()
                    + 1;
                assert!(e.mark().line <= lines, "{text:?}: {e:?}");
            }
        }
    }

    #[test]
    fn a_syntax_error_is_located() {
        let err = parse("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(matches!(err, YamlError::Syntax { .. }), "{err:?}");
        assert!(err.mark().line >= 1);
    }
}
