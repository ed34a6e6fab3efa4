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

use crate::source::{Diagnostic, closest};
use crate::source::{SourceFile, YamlPath};

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

mod parse;
#[cfg(test)]
mod tests;

pub use parse::LoadContext;

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
