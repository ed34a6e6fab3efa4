//! Matchers in words: as failure messages show them (`>= 200 and < 300`, values cut short)
//! and as generated guides describe them ("has length `3`", with Markdown code spans).

use std::fmt;

use serde_json::Value;

use super::{Comparison, DateComparison, Matcher};

/// Values longer than this are cut in failure messages: a failure names the value, it does
/// not dump the response (the whole body is in the verbose log and the report).
pub(super) const MAX_SHOWN_CHARS: usize = 200;

impl Matcher {
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
            Matcher::Date(op, e) => {
                let words = match op {
                    DateComparison::Before => "is a date before",
                    DateComparison::After => "is a date after",
                    DateComparison::SameInstant => "is the same instant as",
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
            Matcher::Date(op, e) => write!(f, "{} {}", op.name(), show(&e.value)),
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
