//! What a matcher compares with, as written: expected values and patterns, which may hold
//! templates the engine renders (through a [`Renderer`]) just before evaluation.

use regex::Regex;
use serde_json::{Number, Value};

use super::show;
use crate::source::YamlPath;

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
    pub(super) value: Value,
    pub(super) templated: bool,
    /// The value must be a number; a template rendering to a numeric string is accepted
    /// (`length: "{{ count }}"`), since templates render to text.
    pub(super) numeric: bool,
}

impl Expected {
    pub(super) fn literal(value: Value) -> Self {
        Expected {
            value,
            templated: false,
            numeric: false,
        }
    }

    pub fn value(&self) -> &Value {
        &self.value
    }

    pub(super) fn render(&self, render: &mut Renderer<'_>) -> Result<Expected, String> {
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
    pub(super) source: String,
    pub(super) regex: Option<Regex>,
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

/// The engine's callback that renders an expected value holding templates.
pub type Renderer<'r> = dyn FnMut(&Value) -> Result<Value, String> + 'r;

/// The regex crate's syntax errors are a multi-line snippet ending in `error: <what>`; the
/// diagnostic draws its own snippet, so keep the explanation only.
pub(super) fn regex_error_text(error: &regex::Error) -> String {
    let text = error.to_string();
    text.lines()
        .rev()
        .find_map(|l| l.trim().strip_prefix("error: "))
        .map_or_else(|| text.trim().to_owned(), str::to_owned)
}
