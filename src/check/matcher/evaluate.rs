//! Evaluating a resolved matcher against what a check looks at ([`Subject`]), and why it
//! failed ([`Mismatch`]); numbers compare by value, so `3600` equals `3600.0`.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt;

use serde_json::{Number, Value};

use super::{Matcher, show};

/// What a check looks at.
#[derive(Debug, Clone, PartialEq)]
pub enum Subject<'a> {
    /// One value, or `None` when there is nothing (no node, no such header).
    Single(Option<&'a Value>),
    /// Every node a non-singular JSONPath matched.
    Nodes(Vec<&'a Value>),
}

impl<'a> Subject<'a> {
    pub(super) fn is_present(&self) -> bool {
        match self {
            Subject::Single(node) => node.is_some(),
            Subject::Nodes(nodes) => !nodes.is_empty(),
        }
    }

    /// The value matchers compare with: the node, or the list of nodes.
    pub(super) fn value(&self) -> Option<Cow<'a, Value>> {
        match self {
            Subject::Single(node) => node.map(Cow::Borrowed),
            Subject::Nodes(nodes) => Some(Cow::Owned(Value::Array(
                nodes.iter().map(|v| (*v).clone()).collect(),
            ))),
        }
    }

    pub(super) fn shown(&self) -> String {
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
    /// For an object or array unequal to the expected one: the paths that differ.
    pub differences: Vec<crate::check::Difference>,
}

impl Mismatch {
    pub(super) fn new(expected: impl fmt::Display, actual: impl Into<String>) -> Self {
        Mismatch {
            detail: String::new(),
            expected: expected.to_string(),
            actual: actual.into(),
            differences: Vec::new(),
        }
    }
}

impl Matcher {
    /// Checks a resolved matcher (see [`Matcher::resolve`]) against a subject.
    pub fn check(&self, subject: &Subject<'_>) -> Result<(), Mismatch> {
        match self {
            Matcher::Equals(e) => match subject.value() {
                Some(actual) if json_eq(&actual, &e.value) => Ok(()),
                Some(actual) => Err(Mismatch {
                    differences: crate::check::differences(&e.value, &actual),
                    ..Mismatch::new(self, subject.shown())
                }),
                None => Err(Mismatch::new(self, subject.shown())),
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
                        differences: m.differences,
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
            Matcher::Date(op, e) => {
                let expected = crate::datetime::Moment::from_json(&e.value).map_err(|why| {
                    Mismatch::new(self, format!("(the expected value is no date: {why})"))
                })?;
                match subject.value().as_deref() {
                    Some(value) => match crate::datetime::Moment::from_json(value) {
                        Ok(actual) if op.holds(actual.at.cmp(&expected.at)) => Ok(()),
                        Ok(_) => Err(Mismatch::new(self, show(value))),
                        Err(why) => Err(Mismatch::new(self, format!("{} ({why})", show(value)))),
                    },
                    None => Err(Mismatch::new(self, "absent")),
                }
            }
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
}

pub(super) fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

pub(super) fn not_a(value: &Value, wanted: &str) -> String {
    format!("{} (a {}, not a {wanted})", show(value), type_name(value))
}

pub(super) fn length_of(value: &Value) -> Option<usize> {
    match value {
        Value::String(s) => Some(s.chars().count()),
        Value::Array(items) => Some(items.len()),
        Value::Object(map) => Some(map.len()),
        _ => None,
    }
}

/// Orders two JSON numbers exactly when both are integers, as floats otherwise.
pub(super) fn compare_numbers(a: &Number, b: &Number) -> Option<Ordering> {
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
