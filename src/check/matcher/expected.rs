//! What a matcher compares with, as written: expected values and patterns, which may hold
//! templates the engine renders (through a [`Renderer`]) just before evaluation.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock, PoisonError};

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

/// The engine under the `regex` crate: the same syntax and matching, and a compiled size
/// that can be read, so what a file's patterns cost is bounded.
pub type Regex = regex_automata::meta::Regex;

/// The most one compiled pattern may take, and the most the lazy DFA that runs it may grow
/// to: far more than a check needs (`^\d{4}-\d{2}-\d{2}$` takes a few kilobytes), far less
/// than `\w{150}` (10 MB, which the `regex` crate's default would allow).
pub const MAX_PATTERN_BYTES: usize = 1 << 20;

/// The most the distinct patterns compiled at load may take together, in one process: a
/// small file of distinct large patterns could otherwise hold gigabytes.
pub const MAX_PATTERNS_BYTES: usize = 64 << 20;

/// Why a pattern was not compiled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatternError {
    /// Not a regular expression: the parser's explanation, without its snippet (the
    /// diagnostic draws its own).
    #[error("{0}")]
    Syntax(String),
    #[error(
        "compiled, the pattern would take more than {} MiB",
        MAX_PATTERN_BYTES / (1024 * 1024)
    )]
    TooBig,
    #[error(
        "the scenario files' patterns would take more than {} MiB compiled",
        MAX_PATTERNS_BYTES / (1024 * 1024)
    )]
    OverBudget,
}

/// `source` compiled, bounded by [`MAX_PATTERN_BYTES`]: for a pattern rendered from a
/// template just before it is used, and dropped after.
pub(super) fn compile(source: &str) -> Result<Regex, PatternError> {
    let config = regex_automata::meta::Config::new()
        .nfa_size_limit(Some(MAX_PATTERN_BYTES))
        .onepass_size_limit(Some(MAX_PATTERN_BYTES))
        .dfa_size_limit(Some(MAX_PATTERN_BYTES))
        .hybrid_cache_capacity(MAX_PATTERN_BYTES);
    regex_automata::meta::Builder::new()
        .configure(config)
        .build(source)
        .map_err(|e| match (e.size_limit(), e.syntax_error()) {
            (Some(_), _) => PatternError::TooBig,
            (None, Some(syntax)) => PatternError::Syntax(syntax_error_text(&syntax.to_string())),
            (None, None) => PatternError::Syntax(syntax_error_text(&e.to_string())),
        })
}

/// Patterns compiled at load, by source, and what they take together.
#[derive(Default)]
struct CompiledPatterns {
    by_source: HashMap<String, Regex>,
    bytes: usize,
}

/// `source` compiled at load, once per process: a suite repeats its patterns (every file
/// that checks a date has `^\d{4}-\d{2}-\d{2}$`), so each is compiled once and shared (a
/// clone shares the compiled program). Every distinct pattern counts against
/// [`MAX_PATTERNS_BYTES`], one refused as too big at the most it could have taken: compiling
/// it was that much work, and once the budget is spent nothing more is compiled.
pub(super) fn compiled(source: &str) -> Result<Regex, PatternError> {
    static COMPILED: OnceLock<Mutex<CompiledPatterns>> = OnceLock::new();
    let table = COMPILED.get_or_init(Default::default);
    // A panic elsewhere leaves the table as it was: every entry is whole.
    let lock = || table.lock().unwrap_or_else(PoisonError::into_inner);
    {
        let table = lock();
        if let Some(regex) = table.by_source.get(source) {
            return Ok(regex.clone());
        }
        if table.bytes >= MAX_PATTERNS_BYTES {
            return Err(PatternError::OverBudget);
        }
    }
    // Compiled outside the lock: the other loader threads go on meanwhile.
    let compiled = compile(source);
    let mut table = lock();
    let regex = match compiled {
        Ok(regex) => regex,
        Err(PatternError::TooBig) => {
            table.bytes = table.bytes.saturating_add(MAX_PATTERN_BYTES);
            return Err(PatternError::TooBig);
        }
        Err(e) => return Err(e),
    };
    if let Some(regex) = table.by_source.get(source) {
        return Ok(regex.clone());
    }
    let bytes = table.bytes.saturating_add(regex.memory_usage());
    if bytes > MAX_PATTERNS_BYTES {
        return Err(PatternError::OverBudget);
    }
    table.bytes = bytes;
    table.by_source.insert(source.to_owned(), regex.clone());
    Ok(regex)
}

/// The engine's callback that renders an expected value holding templates.
pub type Renderer<'r> = dyn FnMut(&Value) -> Result<Value, String> + 'r;

/// The parser's syntax errors are a multi-line snippet ending in `error: <what>`; the
/// diagnostic draws its own snippet, so keep the explanation only.
fn syntax_error_text(text: &str) -> String {
    text.lines()
        .rev()
        .find_map(|l| l.trim().strip_prefix("error: "))
        .map_or_else(|| text.trim().to_owned(), str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pattern_compiled_again_matches_as_written_and_is_counted_once() {
        let date = compiled(r"^\d{4}-\d{2}-\d{2}$").unwrap();
        let again = compiled(r"^\d{4}-\d{2}-\d{2}$").unwrap();
        assert!(date.is_match("2024-05-01") && again.is_match("2024-05-01"));
        assert!(!again.is_match("2024-5-1"));
        assert!(date.memory_usage() < 64 * 1024, "{}", date.memory_usage());
        assert!(
            matches!(compiled("(unclosed"), Err(PatternError::Syntax(e)) if e.contains("unclosed"))
        );
    }

    #[test]
    fn a_pattern_too_big_to_compile_is_refused_quickly() {
        let started = std::time::Instant::now();
        assert_eq!(compile(r"^\w{150}$").err(), Some(PatternError::TooBig));
        assert_eq!(compile(r"^\w{1000}$").err(), Some(PatternError::TooBig));
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
        assert!(compile(r"^\w+@\w+\.\w{2,}$").is_ok());
    }
}
