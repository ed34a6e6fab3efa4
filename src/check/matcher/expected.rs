//! What a matcher compares with, as written: expected values and patterns, which may hold
//! templates the engine renders (through a [`Renderer`]) just before evaluation.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock, PoisonError};

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

/// Patterns compiled at load, by source, at most this many: beyond, the table starts over.
const MAX_COMPILED: usize = 1024;

/// `source` compiled, once per process. A suite repeats its patterns (every file that checks
/// a date has `^\d{4}-\d{2}-\d{2}$`) and a compiled regex takes tens of kilobytes, so
/// each is compiled once and shared: a clone of a [`Regex`] shares the compiled program.
pub(super) fn compiled(source: &str) -> Result<Regex, regex::Error> {
    static COMPILED: OnceLock<Mutex<HashMap<String, Regex>>> = OnceLock::new();
    let table = COMPILED.get_or_init(Default::default);
    // A panic elsewhere leaves the table as it was: every entry is whole.
    let lock = || table.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(regex) = lock().get(source) {
        return Ok(regex.clone());
    }
    // Compiled outside the lock: the other loader threads go on meanwhile.
    let regex = Regex::new(source)?;
    let mut table = lock();
    if table.len() >= MAX_COMPILED {
        table.clear();
    }
    table.insert(source.to_owned(), regex.clone());
    Ok(regex)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pattern_compiled_again_or_after_the_table_filled_matches_as_written() {
        let date = compiled(r"^\d{4}-\d{2}-\d{2}$").unwrap();
        let again = compiled(r"^\d{4}-\d{2}-\d{2}$").unwrap();
        assert!(date.is_match("2024-05-01") && again.is_match("2024-05-01"));
        assert!(!again.is_match("2024-5-1"));
        for i in 0..MAX_COMPILED + 1 {
            assert!(
                compiled(&format!("^p{i}$"))
                    .unwrap()
                    .is_match(&format!("p{i}"))
            );
        }
        assert!(
            compiled(r"^\d{4}-\d{2}-\d{2}$")
                .unwrap()
                .is_match("1999-12-31")
        );
        assert!(compiled("(unclosed").is_err());
    }
}
