//! Matchers: what an `expect` entry says about a value, parsed and validated at load time and
//! evaluated against a response.
//!
//! A mapping whose keys are all matcher names (`{ gte: 200, lt: 300 }`) is a matcher, every
//! key of it must hold; any other value (a scalar, a list, a mapping with ordinary keys) means
//! equality. A mapping that mixes matcher names with other keys is a load error, because it is
//! almost always a typo (`{ length: 3, lenght: 4 }`); comparing with such an object is still
//! possible with `equals:`.
//!
//! Expected values may hold minijinja templates. They are kept as written at load time (and
//! listed through [`TemplateSite`] so the loader can check their variables) and rendered by
//! the engine's callback just before evaluation ([`Matcher::resolve`]); a regex with a
//! template in it is compiled then too, every other regex at load time.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt;

use regex::Regex;
use serde_json::{Number, Value};

use crate::diagnostic::{Diagnostic, closest};
use crate::scenario::{SourceFile, YamlPath};

/// Every matcher name, in the order the docs list them.
pub const MATCHER_NAMES: &[&str] = &[
    "equals", "exists", "absent", "length", "matches", "contains", "one_of", "gt", "gte", "lt",
    "lte", "type", "each", "not",
];

/// The names `type:` accepts.
const TYPE_NAMES: &[&str] = &[
    "string", "number", "integer", "boolean", "array", "object", "null",
];

/// Values longer than this are cut in failure messages: a failure names the value, it does
/// not dump the response (the whole body is in the verbose log and the report).
const MAX_SHOWN_CHARS: usize = 200;

/// A template string in an expected value, with where it sits in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateSite {
    pub text: String,
    pub path: YamlPath,
}

/// Whether a string holds minijinja syntax and so must be rendered before use.
pub fn is_template(text: &str) -> bool {
    text.contains("{{") || text.contains("{%")
}

/// A value the user expects, as written; rendered at evaluation time when it holds templates.
#[derive(Debug, Clone, PartialEq)]
pub struct Expected {
    value: Value,
    templated: bool,
    /// The value must be a number; a template rendering to a numeric string is accepted
    /// (`length: "{{ count }}"`), since templates render to text.
    numeric: bool,
}

impl Expected {
    fn literal(value: Value) -> Self {
        Expected {
            value,
            templated: false,
            numeric: false,
        }
    }

    pub fn value(&self) -> &Value {
        &self.value
    }

    fn render(&self, render: &mut Renderer<'_>) -> Result<Expected, String> {
        if !self.templated {
            return Ok(self.clone());
        }
        let mut value = render(&self.value)?;
        if self.numeric {
            value = match value {
                Value::String(s) => match s.trim().parse::<Number>() {
                    Ok(n) => Value::Number(n),
                    Err(_) => return Err(format!("expected a number, the template gave {s:?}")),
                },
                Value::Number(n) => Value::Number(n),
                other => {
                    return Err(format!(
                        "expected a number, the template gave {}",
                        show(&other)
                    ));
                }
            };
        }
        Ok(Expected {
            value,
            templated: false,
            numeric: self.numeric,
        })
    }
}

/// A regular expression, compiled at load time unless it holds a template.
#[derive(Debug, Clone)]
pub struct Pattern {
    source: String,
    regex: Option<Regex>,
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

/// `gt`, `gte`, `lt`, `lte`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    Gt,
    Gte,
    Lt,
    Lte,
}

impl Comparison {
    fn holds(self, ordering: Ordering) -> bool {
        match self {
            Comparison::Gt => ordering == Ordering::Greater,
            Comparison::Gte => ordering != Ordering::Less,
            Comparison::Lt => ordering == Ordering::Less,
            Comparison::Lte => ordering != Ordering::Greater,
        }
    }

    fn symbol(self) -> &'static str {
        match self {
            Comparison::Gt => ">",
            Comparison::Gte => ">=",
            Comparison::Lt => "<",
            Comparison::Lte => "<=",
        }
    }
}

/// The JSON types `type:` can name. `integer` is a number without a fractional part
/// (as in JSON Schema, `3.0` is an integer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonType {
    String,
    Number,
    Integer,
    Boolean,
    Array,
    Object,
    Null,
}

impl JsonType {
    fn from_name(name: &str) -> Option<JsonType> {
        Some(match name {
            "string" => JsonType::String,
            "number" => JsonType::Number,
            "integer" => JsonType::Integer,
            "boolean" => JsonType::Boolean,
            "array" => JsonType::Array,
            "object" => JsonType::Object,
            "null" => JsonType::Null,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            JsonType::String => "string",
            JsonType::Number => "number",
            JsonType::Integer => "integer",
            JsonType::Boolean => "boolean",
            JsonType::Array => "array",
            JsonType::Object => "object",
            JsonType::Null => "null",
        }
    }

    fn admits(self, value: &Value) -> bool {
        match (self, value) {
            (JsonType::String, Value::String(_))
            | (JsonType::Number, Value::Number(_))
            | (JsonType::Boolean, Value::Bool(_))
            | (JsonType::Array, Value::Array(_))
            | (JsonType::Object, Value::Object(_))
            | (JsonType::Null, Value::Null) => true,
            (JsonType::Integer, Value::Number(n)) => {
                n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
            }
            _ => false,
        }
    }
}

/// One expectation about a value.
#[derive(Debug, Clone, PartialEq)]
pub enum Matcher {
    /// Deep equality; numbers compare by value (`3600 == 3600.0`).
    Equals(Expected),
    /// `exists: true|false`; `absent: true` is `Exists(false)`.
    Exists(bool),
    /// The nested matcher applies to the length (string characters, list elements, object
    /// members, or matched nodes for a non-singular path).
    Length(Box<Matcher>),
    Matches(Pattern),
    /// Substring of a string, element of a list, key of an object.
    Contains(Expected),
    /// Equal to one of a list.
    OneOf(Expected),
    Compare(Comparison, Expected),
    Type(JsonType),
    /// The nested matcher applies to every element (or node); fails at the first that fails.
    Each(Box<Matcher>),
    Not(Box<Matcher>),
    /// Several matchers in one mapping: all must hold.
    All(Vec<Matcher>),
}

/// The engine's callback that renders an expected value holding templates.
pub type Renderer<'r> = dyn FnMut(&Value) -> Result<Value, String> + 'r;

/// What a check looks at.
#[derive(Debug, Clone, PartialEq)]
pub enum Subject<'a> {
    /// One value, or `None` when there is nothing (no node, no such header).
    Single(Option<&'a Value>),
    /// Every node a non-singular JSONPath matched.
    Nodes(Vec<&'a Value>),
}

impl<'a> Subject<'a> {
    fn is_present(&self) -> bool {
        match self {
            Subject::Single(node) => node.is_some(),
            Subject::Nodes(nodes) => !nodes.is_empty(),
        }
    }

    /// The value matchers compare with: the node, or the list of nodes.
    fn value(&self) -> Option<Cow<'a, Value>> {
        match self {
            Subject::Single(node) => node.map(Cow::Borrowed),
            Subject::Nodes(nodes) => Some(Cow::Owned(Value::Array(
                nodes.iter().map(|v| (*v).clone()).collect(),
            ))),
        }
    }

    fn shown(&self) -> String {
        self.value()
            .map_or_else(|| "absent".to_owned(), |v| show(&v))
    }
}

/// Why a matcher does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// Appended to the check's name to say where inside the value it failed
    /// (`" length"`, `" each [2]"`); empty when the value itself failed.
    pub detail: String,
    pub expected: String,
    pub actual: String,
}

impl Mismatch {
    fn new(expected: impl fmt::Display, actual: impl Into<String>) -> Self {
        Mismatch {
            detail: String::new(),
            expected: expected.to_string(),
            actual: actual.into(),
        }
    }
}

/// Collects diagnostics and template sites while an `expect` or `capture` is parsed, so that
/// one load reports every problem rather than the first.
pub struct LoadContext<'f> {
    pub file: &'f SourceFile,
    pub errors: Vec<Diagnostic>,
    pub templates: Vec<TemplateSite>,
}

impl<'f> LoadContext<'f> {
    pub fn new(file: &'f SourceFile) -> Self {
        LoadContext {
            file,
            errors: Vec::new(),
            templates: Vec::new(),
        }
    }

    /// An expected value as written, recording every template string inside it.
    fn expected(&mut self, value: &Value, path: &YamlPath) -> Expected {
        let before = self.templates.len();
        self.collect_templates(value, path);
        Expected {
            value: value.clone(),
            templated: self.templates.len() > before,
            numeric: false,
        }
    }

    fn collect_templates(&mut self, value: &Value, path: &YamlPath) {
        match value {
            Value::String(s) if is_template(s) => self.templates.push(TemplateSite {
                text: s.clone(),
                path: path.clone(),
            }),
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.collect_templates(item, &path.index(i));
                }
            }
            Value::Object(map) => {
                for (key, item) in map {
                    self.collect_templates(item, &path.key(key));
                }
            }
            _ => {}
        }
    }

    /// A matcher or, for any other value, equality. `path` is the value's path.
    pub fn matcher_or_value(&mut self, raw: &Value, path: &YamlPath) -> Option<Matcher> {
        let Value::Object(map) = raw else {
            return Some(Matcher::Equals(self.expected(raw, path)));
        };
        let (known, unknown): (Vec<&String>, Vec<&String>) = map
            .keys()
            .partition(|k| MATCHER_NAMES.contains(&k.as_str()));
        if known.is_empty() {
            // A lone key one or two typos away from a matcher (`{ lenght: 3 }`) is a misspelt
            // matcher far more often than an object with that key. Short keys and the short
            // matcher names are left out: `{ date: ... }` is an object, not a misspelt `lte`.
            let long_names = MATCHER_NAMES.iter().copied().filter(|m| m.len() >= 4);
            if let [key] = unknown.as_slice()
                && key.chars().count() >= 5
                && let Some(suggestion) = closest(key, long_names)
                && strsim::damerau_levenshtein(key, suggestion) <= 2
            {
                self.errors
                    .push(self.unknown_matcher(key, Some(suggestion), path));
                return None;
            }
            return Some(Matcher::Equals(self.expected(raw, path)));
        }
        if !unknown.is_empty() {
            for key in unknown {
                let suggestion = closest(key, MATCHER_NAMES.iter().copied());
                self.errors
                    .push(self.unknown_matcher(key, suggestion, path));
            }
            return None;
        }
        // Every key is parsed, even after an error, so that all problems are reported.
        let mut matchers = Vec::new();
        let mut failed = false;
        for (name, value) in map {
            match self.named(name, value, &path.key(name)) {
                Some(m) => matchers.push(m),
                None => failed = true,
            }
        }
        if failed {
            return None;
        }
        if matchers.len() == 1 {
            matchers.pop()
        } else {
            Some(Matcher::All(matchers))
        }
    }

    fn unknown_matcher(&self, key: &str, suggestion: Option<&str>, path: &YamlPath) -> Diagnostic {
        let help = match suggestion {
            Some(s) => format!(
                "did you mean `{s}`? (to compare with an object that has a `{key}` key, write `equals: {{ {key}: ... }}`)"
            ),
            None => format!(
                "matchers are {}; to compare with an object that has a `{key}` key, write `equals: {{ {key}: ... }}`",
                MATCHER_NAMES.join(", ")
            ),
        };
        self.file
            .error_at_key(&path.key(key), format!("unknown matcher `{key}`"))
            .help(help)
    }

    fn error(&mut self, path: &YamlPath, message: impl Into<String>, help: impl Into<String>) {
        let diagnostic = self.file.error_at(path, message).help(help);
        self.errors.push(diagnostic);
    }

    /// A numeric operand (`gt: 3`, `length: 3`), or a template that must render to one.
    pub(crate) fn number(&mut self, value: &Value, path: &YamlPath) -> Option<Expected> {
        match value {
            Value::Number(_) => Some(Expected::literal(value.clone())),
            Value::String(s) if is_template(s) => {
                let mut expected = self.expected(value, path);
                expected.numeric = true;
                Some(expected)
            }
            _ => None,
        }
    }

    /// One `name: value` entry of a matcher mapping; `path` is the entry's path.
    fn named(&mut self, name: &str, value: &Value, path: &YamlPath) -> Option<Matcher> {
        let matcher = match (name, value) {
            ("equals", _) => Matcher::Equals(self.expected(value, path)),
            ("exists", Value::Bool(b)) => Matcher::Exists(*b),
            ("exists", _) => {
                self.error(
                    path,
                    format!("`exists` takes true or false, not {}", show(value)),
                    "write `exists: true` (at least one node) or `exists: false` (none)",
                );
                return None;
            }
            // `absent: false` reads as "not absent"; accepting it costs nothing.
            ("absent", Value::Bool(b)) => Matcher::Exists(!b),
            ("absent", _) => {
                self.error(
                    path,
                    format!("`absent` takes true, not {}", show(value)),
                    "write `absent: true`",
                );
                return None;
            }
            ("length", Value::Object(_)) => {
                let inner = self.matcher_or_value(value, path)?;
                Matcher::Length(Box::new(inner))
            }
            ("length", _) => match self.number(value, path) {
                Some(n)
                    if n.value
                        .as_f64()
                        .is_none_or(|f| f >= 0.0 && f.fract() == 0.0) =>
                {
                    Matcher::Length(Box::new(Matcher::Equals(n)))
                }
                _ => {
                    self.error(
                        path,
                        format!("`length` takes a whole number, not {}", show(value)),
                        "write a count such as `length: 3`, or a matcher such as `length: { gte: 1 }`",
                    );
                    return None;
                }
            },
            ("matches", Value::String(source)) => {
                if is_template(source) {
                    self.expected(value, path);
                    Matcher::Matches(Pattern {
                        source: source.clone(),
                        regex: None,
                    })
                } else {
                    match Regex::new(source) {
                        Ok(regex) => Matcher::Matches(Pattern {
                            source: source.clone(),
                            regex: Some(regex),
                        }),
                        Err(e) => {
                            let diagnostic = self
                                .file
                                .error_at(path, "invalid regular expression")
                                .note(regex_error_text(&e))
                                .help(
                                    "the syntax is Rust's `regex` crate; in YAML, single-quote the pattern so backslashes stay as written",
                                );
                            self.errors.push(diagnostic);
                            return None;
                        }
                    }
                }
            }
            ("matches", _) => {
                self.error(
                    path,
                    format!("`matches` takes a regular expression, not {}", show(value)),
                    "write a pattern in single quotes, such as `matches: '^\\d+$'`",
                );
                return None;
            }
            ("contains", _) => Matcher::Contains(self.expected(value, path)),
            ("one_of", Value::Array(items)) if !items.is_empty() => {
                Matcher::OneOf(self.expected(value, path))
            }
            ("one_of", Value::String(s)) if is_template(s) => {
                Matcher::OneOf(self.expected(value, path))
            }
            ("one_of", _) => {
                self.error(
                    path,
                    format!("`one_of` takes a non-empty list, not {}", show(value)),
                    "write the accepted values as a list, such as `one_of: [200, 201]`",
                );
                return None;
            }
            ("gt" | "gte" | "lt" | "lte", _) => {
                let comparison = match name {
                    "gt" => Comparison::Gt,
                    "gte" => Comparison::Gte,
                    "lt" => Comparison::Lt,
                    _ => Comparison::Lte,
                };
                match self.number(value, path) {
                    Some(n) => Matcher::Compare(comparison, n),
                    None => {
                        self.error(
                            path,
                            format!("`{name}` compares numbers, not {}", show(value)),
                            "only numbers are ordered; to check the shape of a date or other text, use `matches`",
                        );
                        return None;
                    }
                }
            }
            ("type", Value::String(t)) if JsonType::from_name(t).is_some() => {
                Matcher::Type(JsonType::from_name(t)?)
            }
            // Unquoted, `type: null` reads as YAML null; it can only mean the null type.
            ("type", Value::Null) => Matcher::Type(JsonType::Null),
            ("type", _) => {
                let suggestion = value
                    .as_str()
                    .and_then(|t| closest(t, TYPE_NAMES.iter().copied()));
                let help = match suggestion {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("types are {}", TYPE_NAMES.join(", ")),
                };
                self.error(path, format!("unknown type {}", show(value)), help);
                return None;
            }
            ("each", _) => Matcher::Each(Box::new(self.matcher_or_value(value, path)?)),
            ("not", _) => Matcher::Not(Box::new(self.matcher_or_value(value, path)?)),
            _ => {
                // Unreachable for callers that filter on MATCHER_NAMES; reported, not panicked.
                self.errors.push(self.unknown_matcher(name, None, path));
                return None;
            }
        };
        Some(matcher)
    }
}

impl Matcher {
    fn has_templates(&self) -> bool {
        match self {
            Matcher::Equals(e)
            | Matcher::Contains(e)
            | Matcher::OneOf(e)
            | Matcher::Compare(_, e) => e.templated,
            Matcher::Matches(p) => p.regex.is_none(),
            Matcher::Exists(_) | Matcher::Type(_) => false,
            Matcher::Length(m) | Matcher::Each(m) | Matcher::Not(m) => m.has_templates(),
            Matcher::All(ms) => ms.iter().any(Matcher::has_templates),
        }
    }

    /// The matcher with every template rendered and every regex compiled. An error is the
    /// render callback's message, or why the rendered value does not fit the matcher.
    pub fn resolve(&self, render: &mut Renderer<'_>) -> Result<Cow<'_, Matcher>, String> {
        if !self.has_templates() {
            return Ok(Cow::Borrowed(self));
        }
        let resolved = match self {
            Matcher::Equals(e) => Matcher::Equals(e.render(render)?),
            Matcher::Contains(e) => Matcher::Contains(e.render(render)?),
            Matcher::OneOf(e) => {
                let e = e.render(render)?;
                if !e.value.is_array() {
                    return Err(format!(
                        "`one_of` needs a list, the template gave {}",
                        show(&e.value)
                    ));
                }
                Matcher::OneOf(e)
            }
            Matcher::Compare(op, e) => Matcher::Compare(*op, e.render(render)?),
            Matcher::Matches(p) => {
                let rendered = render(&Value::String(p.source.clone()))?;
                let Value::String(source) = rendered else {
                    return Err(format!(
                        "`matches` needs a pattern, the template gave {}",
                        show(&rendered)
                    ));
                };
                let regex = Regex::new(&source).map_err(|e| {
                    format!(
                        "the rendered pattern {source:?} is not a valid regular expression: {}",
                        regex_error_text(&e)
                    )
                })?;
                Matcher::Matches(Pattern {
                    source,
                    regex: Some(regex),
                })
            }
            Matcher::Exists(_) | Matcher::Type(_) => self.clone(),
            Matcher::Length(m) => Matcher::Length(Box::new(m.resolve(render)?.into_owned())),
            Matcher::Each(m) => Matcher::Each(Box::new(m.resolve(render)?.into_owned())),
            Matcher::Not(m) => Matcher::Not(Box::new(m.resolve(render)?.into_owned())),
            Matcher::All(ms) => Matcher::All(
                ms.iter()
                    .map(|m| m.resolve(render).map(Cow::into_owned))
                    .collect::<Result<_, _>>()?,
            ),
        };
        Ok(Cow::Owned(resolved))
    }

    /// Checks a resolved matcher (see [`Matcher::resolve`]) against a subject.
    pub fn check(&self, subject: &Subject<'_>) -> Result<(), Mismatch> {
        match self {
            Matcher::Equals(e) => match subject.value() {
                Some(actual) if json_eq(&actual, &e.value) => Ok(()),
                _ => Err(Mismatch::new(self, subject.shown())),
            },
            Matcher::Exists(wanted) => {
                if subject.is_present() == *wanted {
                    Ok(())
                } else {
                    Err(Mismatch::new(self, subject.shown()))
                }
            }
            Matcher::Length(inner) => {
                let Some(actual) = subject.value() else {
                    return Err(Mismatch::new(self, "absent"));
                };
                let Some(length) = length_of(&actual) else {
                    return Err(Mismatch::new(
                        self,
                        format!("{} (a {} has no length)", show(&actual), type_name(&actual)),
                    ));
                };
                let length = Value::from(length);
                inner
                    .check(&Subject::Single(Some(&length)))
                    .map_err(|m| Mismatch {
                        detail: format!(" length{}", m.detail),
                        expected: format!("length {}", m.expected),
                        actual: m.actual,
                    })
            }
            Matcher::Matches(pattern) => match subject.value().as_deref() {
                Some(Value::String(s)) => match &pattern.regex {
                    Some(regex) if regex.is_match(s) => Ok(()),
                    _ => Err(Mismatch::new(self, subject.shown())),
                },
                Some(other) => Err(Mismatch::new(self, not_a(other, "string"))),
                None => Err(Mismatch::new(self, "absent")),
            },
            Matcher::Contains(e) => {
                let holds = match subject.value().as_deref() {
                    Some(Value::String(s)) => match &e.value {
                        Value::String(needle) => s.contains(needle.as_str()),
                        // `contains: 404` on text means the digits.
                        Value::Number(_) | Value::Bool(_) => s.contains(&e.value.to_string()),
                        _ => false,
                    },
                    Some(Value::Array(items)) => items.iter().any(|item| json_eq(item, &e.value)),
                    Some(Value::Object(map)) => {
                        e.value.as_str().is_some_and(|k| map.contains_key(k))
                    }
                    _ => false,
                };
                if holds {
                    Ok(())
                } else {
                    Err(Mismatch::new(self, subject.shown()))
                }
            }
            Matcher::OneOf(e) => {
                let options = e.value.as_array().map(Vec::as_slice).unwrap_or_default();
                match subject.value() {
                    Some(actual) if options.iter().any(|o| json_eq(&actual, o)) => Ok(()),
                    _ => Err(Mismatch::new(self, subject.shown())),
                }
            }
            Matcher::Compare(op, e) => match (subject.value().as_deref(), &e.value) {
                (Some(Value::Number(actual)), Value::Number(bound)) => {
                    if compare_numbers(actual, bound).is_some_and(|o| op.holds(o)) {
                        Ok(())
                    } else {
                        Err(Mismatch::new(self, actual.to_string()))
                    }
                }
                (Some(other), _) => Err(Mismatch::new(self, not_a(other, "number"))),
                (None, _) => Err(Mismatch::new(self, "absent")),
            },
            Matcher::Type(t) => match subject.value() {
                Some(actual) if t.admits(&actual) => Ok(()),
                Some(actual) => Err(Mismatch::new(
                    self,
                    format!("{} {}", type_name(&actual), show(&actual)),
                )),
                None => Err(Mismatch::new(self, "absent")),
            },
            Matcher::Each(inner) => {
                let elements: Vec<&Value> = match subject {
                    Subject::Nodes(nodes) => nodes.clone(),
                    Subject::Single(Some(Value::Array(items))) => items.iter().collect(),
                    Subject::Single(Some(other)) => {
                        return Err(Mismatch::new(self, not_a(other, "list")));
                    }
                    Subject::Single(None) => return Err(Mismatch::new(self, "absent")),
                };
                for (i, element) in elements.into_iter().enumerate() {
                    inner
                        .check(&Subject::Single(Some(element)))
                        .map_err(|m| Mismatch {
                            detail: format!(" each [{i}]{}", m.detail),
                            ..m
                        })?;
                }
                Ok(())
            }
            Matcher::Not(inner) => match inner.check(subject) {
                Ok(()) => Err(Mismatch::new(self, subject.shown())),
                Err(_) => Ok(()),
            },
            Matcher::All(matchers) => {
                for matcher in matchers {
                    if let Err(m) = matcher.check(subject) {
                        // A failure inside a value (a length, an element) is most precise on
                        // its own; a failure of the value itself reads best against the
                        // whole mapping (`>= 200 and < 300`, actual 404).
                        return Err(if m.detail.is_empty() {
                            Mismatch::new(self, m.actual)
                        } else {
                            m
                        });
                    }
                }
                Ok(())
            }
        }
    }

    /// Turns literal numbers and booleans into their text, for subjects that are always text
    /// (header values): `content-length: 42` means the header reads `42`.
    pub fn expect_text(&mut self) {
        fn stringify(value: &mut Value) {
            if matches!(value, Value::Number(_) | Value::Bool(_)) {
                *value = Value::String(value.to_string());
            }
        }
        match self {
            Matcher::Equals(e) | Matcher::Contains(e) if !e.templated => stringify(&mut e.value),
            Matcher::OneOf(e) if !e.templated => {
                if let Value::Array(items) = &mut e.value {
                    items.iter_mut().for_each(stringify);
                }
            }
            Matcher::Not(m) | Matcher::Each(m) => m.expect_text(),
            Matcher::All(ms) => ms.iter_mut().for_each(Matcher::expect_text),
            _ => {}
        }
    }

    /// The matcher in plain words, as a predicate ("equals `Bearer`", "has length `3`"), for
    /// generated guides. Values appear as Markdown code spans, unrendered templates included.
    pub fn describe(&self) -> String {
        match self {
            Matcher::Equals(e) => format!("equals {}", code_value(&e.value)),
            Matcher::Exists(true) => "exists".to_owned(),
            Matcher::Exists(false) => "is absent".to_owned(),
            Matcher::Length(inner) => match inner.as_ref() {
                Matcher::Equals(e) => format!("has length {}", code_value(&e.value)),
                other => format!("has a length that {}", other.describe()),
            },
            Matcher::Matches(p) => format!("matches {}", code_span(&p.source)),
            Matcher::Contains(e) => format!("contains {}", code_value(&e.value)),
            Matcher::OneOf(e) => format!("is one of {}", code_value(&e.value)),
            Matcher::Compare(op, e) => {
                let words = match op {
                    Comparison::Gt => "is greater than",
                    Comparison::Gte => "is at least",
                    Comparison::Lt => "is less than",
                    Comparison::Lte => "is at most",
                };
                format!("{words} {}", code_value(&e.value))
            }
            Matcher::Type(t) => format!("is of type {}", code_span(t.name())),
            Matcher::Each(inner) => format!("— each item {}", inner.describe()),
            Matcher::Not(inner) => match inner.as_ref() {
                Matcher::Equals(e) => format!("does not equal {}", code_value(&e.value)),
                Matcher::Exists(b) => Matcher::Exists(!b).describe(),
                Matcher::Contains(e) => format!("does not contain {}", code_value(&e.value)),
                Matcher::Matches(p) => format!("does not match {}", code_span(&p.source)),
                Matcher::OneOf(e) => format!("is not one of {}", code_value(&e.value)),
                other => format!("fails this check: {}", other.describe()),
            },
            Matcher::All(ms) => ms
                .iter()
                .map(Matcher::describe)
                .collect::<Vec<_>>()
                .join(" and "),
        }
    }
}

/// A value as a Markdown code span: strings as they are, anything else as compact JSON.
fn code_value(value: &Value) -> String {
    match value {
        Value::String(s) => code_span(s),
        other => code_span(&other.to_string()),
    }
}

/// `text` as a Markdown code span, with a longer fence when it holds backticks.
pub fn code_span(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    if longest == 0 {
        return format!("`{text}`");
    }
    let fence = "`".repeat(longest + 1);
    format!("{fence} {text} {fence}")
}

impl fmt::Display for Matcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Matcher::Equals(e) => f.write_str(&show(&e.value)),
            Matcher::Exists(true) => f.write_str("exists"),
            Matcher::Exists(false) => f.write_str("absent"),
            Matcher::Length(m) => write!(f, "length {m}"),
            Matcher::Matches(p) => write!(f, "matches {}", p.source),
            Matcher::Contains(e) => write!(f, "contains {}", show(&e.value)),
            Matcher::OneOf(e) => write!(f, "one of {}", show(&e.value)),
            Matcher::Compare(op, e) => write!(f, "{} {}", op.symbol(), show(&e.value)),
            Matcher::Type(t) => write!(f, "type {}", t.name()),
            Matcher::Each(m) => write!(f, "each {m}"),
            Matcher::Not(m) => write!(f, "not {m}"),
            Matcher::All(ms) => {
                for (i, m) in ms.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" and ")?;
                    }
                    write!(f, "{m}")?;
                }
                Ok(())
            }
        }
    }
}

/// A value as failure messages show it: compact JSON, cut at [`MAX_SHOWN_CHARS`].
pub fn show(value: &Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(MAX_SHOWN_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn not_a(value: &Value, wanted: &str) -> String {
    format!("{} (a {}, not a {wanted})", show(value), type_name(value))
}

fn length_of(value: &Value) -> Option<usize> {
    match value {
        Value::String(s) => Some(s.chars().count()),
        Value::Array(items) => Some(items.len()),
        Value::Object(map) => Some(map.len()),
        _ => None,
    }
}

/// Orders two JSON numbers exactly when both are integers, as floats otherwise.
fn compare_numbers(a: &Number, b: &Number) -> Option<Ordering> {
    if let (Some(a), Some(b)) = (a.as_i64(), b.as_i64()) {
        return Some(a.cmp(&b));
    }
    if let (Some(a), Some(b)) = (a.as_u64(), b.as_u64()) {
        return Some(a.cmp(&b));
    }
    a.as_f64()?.partial_cmp(&b.as_f64()?)
}

/// Deep equality where numbers compare by value, so `3600` equals `3600.0`.
pub fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(a), Value::Number(b)) => compare_numbers(a, b) == Some(Ordering::Equal),
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(a, b)| json_eq(a, b))
        }
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len()
                && a.iter()
                    .all(|(k, v)| b.get(k).is_some_and(|other| json_eq(v, other)))
        }
        _ => a == b,
    }
}

/// The regex crate's syntax errors are a multi-line snippet ending in `error: <what>`; the
/// diagnostic draws its own snippet, so keep the explanation only.
fn regex_error_text(error: &regex::Error) -> String {
    let text = error.to_string();
    text.lines()
        .rev()
        .find_map(|l| l.trim().strip_prefix("error: "))
        .map_or_else(|| text.trim().to_owned(), str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::path::PathBuf;

    /// Parses `value` as written in YAML at `m: <value>`.
    fn parse(value: &str) -> Result<Matcher, Vec<Diagnostic>> {
        let text = format!("m: {value}\n");
        let file = SourceFile::new(PathBuf::from("t.yaml"), text.clone());
        let doc: Value = serde_yaml_ng::from_str(&text).expect("test YAML parses");
        let mut ctx = LoadContext::new(&file);
        let matcher = ctx.matcher_or_value(&doc["m"], &YamlPath::root().key("m"));
        match matcher {
            Some(m) if ctx.errors.is_empty() => Ok(m),
            _ => Err(ctx.errors),
        }
    }

    fn matcher(value: &str) -> Matcher {
        parse(value).unwrap_or_else(|e| panic!("{value}: {e:?}"))
    }

    fn check(value: &str, actual: Value) -> Result<(), Mismatch> {
        matcher(value).check(&Subject::Single(Some(&actual)))
    }

    fn mismatch(value: &str, actual: Value) -> (String, String, String) {
        let m = check(value, actual).expect_err("the matcher should fail");
        (m.detail, m.expected, m.actual)
    }

    fn texts(detail: &str, expected: &str, actual: &str) -> (String, String, String) {
        (detail.into(), expected.into(), actual.into())
    }

    fn error_text(value: &str) -> String {
        let errors = parse(value).expect_err("the matcher should not load");
        errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn plain_values_mean_equality_with_numbers_by_value() {
        assert!(check("3600", json!(3600.0)).is_ok());
        assert!(check("Bearer", json!("Bearer")).is_ok());
        assert!(check("[1, 2]", json!([1.0, 2])).is_ok());
        assert!(check("{ a: 1, b: [x] }", json!({"b": ["x"], "a": 1})).is_ok());
        assert_eq!(
            mismatch("GBP", json!("EUR")),
            texts("", "\"GBP\"", "\"EUR\"")
        );
        assert_eq!(
            mismatch("3600", json!("3600")),
            texts("", "3600", "\"3600\"")
        );
        assert_eq!(mismatch("{ equals: 1 }", json!(2)), texts("", "1", "2"));
        // An object with ordinary keys is a value, not a matcher.
        assert!(check("{ name: x }", json!({"name": "x"})).is_ok());
        let absent = matcher("1").check(&Subject::Single(None)).unwrap_err();
        assert_eq!(absent.actual, "absent");
    }

    #[test]
    fn exists_and_absent() {
        let present = json!(null);
        assert!(
            matcher("{ exists: true }")
                .check(&Subject::Single(Some(&present)))
                .is_ok()
        );
        assert!(
            matcher("{ absent: true }")
                .check(&Subject::Single(None))
                .is_ok()
        );
        assert!(
            matcher("{ exists: false }")
                .check(&Subject::Single(None))
                .is_ok()
        );
        assert!(
            matcher("{ absent: false }")
                .check(&Subject::Single(Some(&present)))
                .is_ok()
        );
        assert_eq!(
            mismatch("{ absent: true }", json!("boom")),
            texts("", "absent", "\"boom\"")
        );
        let m = matcher("{ exists: true }")
            .check(&Subject::Single(None))
            .unwrap_err();
        assert_eq!(
            (m.expected.as_str(), m.actual.as_str()),
            ("exists", "absent")
        );
        // For node lists: at least one node exists.
        assert!(
            matcher("{ exists: false }")
                .check(&Subject::Nodes(vec![]))
                .is_ok()
        );
        let one = json!(1);
        assert!(
            matcher("{ exists: true }")
                .check(&Subject::Nodes(vec![&one]))
                .is_ok()
        );
    }

    #[test]
    fn length_of_lists_strings_objects_and_nodes() {
        assert!(check("{ length: 3 }", json!([1, 2, 3])).is_ok());
        assert!(check("{ length: 2 }", json!("é!")).is_ok());
        assert!(check("{ length: { gte: 1 } }", json!({"a": 1})).is_ok());
        assert_eq!(
            mismatch("{ length: 3 }", json!([1, 2])),
            texts(" length", "length 3", "2")
        );
        assert_eq!(
            mismatch("{ length: { gte: 1 } }", json!([])),
            texts(" length", "length >= 1", "0")
        );
        assert_eq!(
            mismatch("{ length: 3 }", json!(7)),
            texts("", "length 3", "7 (a number has no length)")
        );
        let (a, b) = (json!(1), json!(2));
        assert!(
            matcher("{ length: 2 }")
                .check(&Subject::Nodes(vec![&a, &b]))
                .is_ok()
        );
        assert!(
            matcher("{ length: 0 }")
                .check(&Subject::Nodes(vec![]))
                .is_ok()
        );
    }

    #[test]
    fn matches_strings_only() {
        let date = r"{ matches: '^\d{4}-\d{2}-\d{2}$' }";
        assert!(check(date, json!("1990-01-31")).is_ok());
        assert_eq!(
            mismatch(date, json!("31/01/1990")),
            texts("", r"matches ^\d{4}-\d{2}-\d{2}$", "\"31/01/1990\"")
        );
        assert_eq!(
            mismatch(date, json!(1990)),
            texts(
                "",
                r"matches ^\d{4}-\d{2}-\d{2}$",
                "1990 (a number, not a string)"
            )
        );
    }

    #[test]
    fn contains_substring_element_or_key() {
        assert!(check("{ contains: json }", json!("application/json")).is_ok());
        assert!(check("{ contains: GBP }", json!(["EUR", "GBP"])).is_ok());
        assert!(check("{ contains: { id: 1 } }", json!([{"id": 1.0}])).is_ok());
        assert!(check("{ contains: iban }", json!({"iban": "x"})).is_ok());
        assert!(check("{ contains: 404 }", json!("error 404")).is_ok());
        assert_eq!(
            mismatch("{ contains: USD }", json!(["GBP"])),
            texts("", "contains \"USD\"", "[\"GBP\"]")
        );
    }

    #[test]
    fn one_of_and_comparisons() {
        assert!(check("{ one_of: [200, 201] }", json!(201)).is_ok());
        assert_eq!(
            mismatch("{ one_of: [200, 201] }", json!(404)),
            texts("", "one of [200,201]", "404")
        );
        assert!(check("{ gt: 1 }", json!(2)).is_ok());
        assert!(check("{ gte: 2, lte: 2.0 }", json!(2)).is_ok());
        assert!(check("{ lt: 0.5 }", json!(0.25)).is_ok());
        assert_eq!(
            mismatch("{ gte: 200, lt: 300 }", json!(404)),
            texts("", ">= 200 and < 300", "404")
        );
        assert_eq!(mismatch("{ gt: 2 }", json!(2)), texts("", "> 2", "2"));
        assert_eq!(
            mismatch("{ lte: 5 }", json!("3")),
            texts("", "<= 5", "\"3\" (a string, not a number)")
        );
        // Large integers compare exactly, not through f64.
        assert!(check("{ gt: 9007199254740992 }", json!(9007199254740993u64)).is_ok());
    }

    #[test]
    fn types() {
        for (t, v) in [
            ("string", json!("x")),
            ("number", json!(1.5)),
            ("integer", json!(3)),
            ("integer", json!(3.0)),
            ("boolean", json!(false)),
            ("array", json!([])),
            ("object", json!({})),
            ("null", json!(null)),
        ] {
            assert!(check(&format!("{{ type: {t} }}"), v).is_ok(), "{t}");
        }
        assert_eq!(
            mismatch("{ type: integer }", json!(1.5)),
            texts("", "type integer", "number 1.5")
        );
    }

    #[test]
    fn each_names_the_first_failing_index() {
        assert!(check("{ each: { type: string } }", json!(["a", "b"])).is_ok());
        assert!(check("{ each: GBP }", json!([])).is_ok());
        assert_eq!(
            mismatch(
                "{ each: { equals: GBP } }",
                json!(["GBP", "GBP", "EUR", "USD"])
            ),
            texts(" each [2]", "\"GBP\"", "\"EUR\"")
        );
        assert_eq!(
            mismatch("{ each: { length: 2 } }", json!(["ab", "abc"])),
            texts(" each [1] length", "length 2", "3")
        );
        assert_eq!(
            mismatch("{ each: GBP }", json!("GBP")),
            texts("", "each \"GBP\"", "\"GBP\" (a string, not a list)")
        );
        let (a, b) = (json!("GBP"), json!("EUR"));
        let m = matcher("{ each: GBP }")
            .check(&Subject::Nodes(vec![&a, &b]))
            .unwrap_err();
        assert_eq!(m.detail, " each [1]");
    }

    #[test]
    fn not_negates() {
        assert!(check("{ not: { contains: error } }", json!("fine")).is_ok());
        assert!(check("{ not: EUR }", json!("GBP")).is_ok());
        assert_eq!(
            mismatch("{ not: { contains: error } }", json!("an error")),
            texts("", "not contains \"error\"", "\"an error\"")
        );
    }

    #[test]
    fn shown_values_are_cut() {
        let long = "x".repeat(500);
        let m = mismatch("short", json!(long));
        assert_eq!(m.2.chars().count(), MAX_SHOWN_CHARS + 1);
        assert!(m.2.ends_with('…'));
    }

    #[test]
    fn templates_render_before_evaluation() {
        let m = matcher("{ each: '{{ currency }}', length: '{{ n }}' }");
        let mut render = |v: &Value| -> Result<Value, String> {
            Ok(match v.as_str() {
                Some("{{ currency }}") => json!("GBP"),
                Some("{{ n }}") => json!("2"),
                _ => v.clone(),
            })
        };
        let resolved = m.resolve(&mut render).unwrap();
        let actual = json!(["GBP", "GBP"]);
        assert!(resolved.check(&Subject::Single(Some(&actual))).is_ok());

        let m = matcher("{ matches: '^{{ prefix }}-\\d+$' }");
        let mut render = |_: &Value| -> Result<Value, String> { Ok(json!("acc")) };
        let resolved = m.resolve(&mut render).unwrap();
        assert!(
            resolved
                .check(&Subject::Single(Some(&json!("acc-12"))))
                .is_ok()
        );

        let mut failing = |_: &Value| -> Result<Value, String> { Err("undefined: prefix".into()) };
        assert_eq!(m.resolve(&mut failing).unwrap_err(), "undefined: prefix");
        let mut bad_regex = |_: &Value| -> Result<Value, String> { Ok(json!("(")) };
        assert!(
            m.resolve(&mut bad_regex)
                .unwrap_err()
                .contains("not a valid regular expression")
        );

        // Without templates the matcher is used as is.
        let plain = matcher("{ gte: 1 }");
        let mut never = |_: &Value| -> Result<Value, String> { panic!("nothing to render") };
        assert!(matches!(plain.resolve(&mut never), Ok(Cow::Borrowed(_))));
    }

    #[test]
    fn load_errors_explain_and_suggest() {
        let text = error_text("{ length: 3, lenght: 4 }");
        assert!(text.contains("unknown matcher `lenght`"), "{text}");
        assert!(text.contains("did you mean `length`?"), "{text}");
        // A lone misspelt matcher is not silently taken for an object...
        assert!(error_text("{ exsits: true }").contains("did you mean `exists`?"));
        assert!(error_text("{ lenght: 3 }").contains("did you mean `length`?"));
        // ...but ordinary objects stay values.
        for object in [
            "{ date: x }",
            "{ rate: 1 }",
            "{ name: x }",
            "{ state: x }",
            "{ code: 1 }",
        ] {
            assert!(matches!(parse(object), Ok(Matcher::Equals(_))), "{object}");
        }
        assert!(error_text("{ length: x }").contains("`length` takes a whole number, not \"x\""));
        assert!(error_text("{ length: -1 }").contains("`length` takes a whole number"));
        assert!(error_text("{ exists: yes please }").contains("`exists` takes true or false"));
        assert!(error_text("{ gt: '2024-01-01' }").contains("`gt` compares numbers"));
        assert!(error_text("{ one_of: [] }").contains("non-empty list"));
        assert!(error_text("{ type: strng }").contains("did you mean `string`?"));
        let regex = error_text("{ matches: '(' }");
        assert!(regex.contains("invalid regular expression"), "{regex}");
        assert!(regex.contains("note: unclosed group"), "{regex}");
        // Problems in several keys are all reported.
        let errors = parse("{ length: x, gt: y }").unwrap_err();
        assert_eq!(errors.len(), 2);
    }

    #[test]
    fn header_text_matching() {
        let mut m = matcher("{ one_of: [42, 43] }");
        m.expect_text();
        assert!(m.check(&Subject::Single(Some(&json!("43")))).is_ok());
    }
}
