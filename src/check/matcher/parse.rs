//! Parsing `expect` values into matchers: which mapping is a matcher, what each matcher
//! name accepts, and a located diagnostic (with a suggestion) for everything else.

use serde_json::Value;
use std::sync::Arc;

use super::expected::{PatternError, compiled};
use super::language::TYPE_NAMES;
use super::*;
use crate::source::{Diagnostic, SourceFile, YamlPath, closest};

/// Collects diagnostics and template sites while an `expect` or `capture` is parsed, so that
/// one load reports every problem rather than the first.
pub struct LoadContext<'f> {
    pub file: &'f Arc<SourceFile>,
    pub errors: Vec<Diagnostic>,
    pub templates: Vec<TemplateSite>,
}

impl<'f> LoadContext<'f> {
    pub fn new(file: &'f Arc<SourceFile>) -> Self {
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
                    self.collect_templates(item, &path.key(key.to_string()));
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
            match self.named(name, value, &path.key(name.to_string())) {
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
            .error_at_key(
                &path.key(key.to_string()),
                format!("unknown matcher `{key}`"),
            )
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
                    match compiled(source) {
                        Ok(regex) => Matcher::Matches(Pattern {
                            source: source.clone(),
                            regex: Some(regex),
                        }),
                        Err(e) => {
                            let (message, help) = match e {
                                PatternError::Syntax(_) => (
                                    "invalid regular expression",
                                    "the syntax is Rust's `regex` crate; in YAML, single-quote the pattern so backslashes stay as written",
                                ),
                                PatternError::TooBig | PatternError::OverBudget => (
                                    "regular expression too large",
                                    "a check needs a far smaller pattern: bound the repetitions, or use `[0-9]` and `[A-Za-z]` rather than `\\d` and `\\w` (which match every script's digits and letters)",
                                ),
                            };
                            let diagnostic = self
                                .file
                                .error_at(path, message)
                                .note(e.to_string())
                                .help(help);
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
                            "only numbers are ordered; compare dates with `before`, `after` or `same_instant`, and check the shape of other text with `matches`",
                        );
                        return None;
                    }
                }
            }
            ("before" | "after" | "same_instant", _) => {
                let comparison = DateComparison::from_name(name)?;
                let expected = self.expected(value, path);
                let unreadable = match (&expected.templated, value) {
                    (true, _) => None,
                    (false, Value::String(_) | Value::Number(_)) => {
                        crate::datetime::Moment::from_json(value).err()
                    }
                    (false, other) => Some(format!("{} is not a date", show(other))),
                };
                if let Some(why) = unreadable {
                    self.error(
                        path,
                        format!("`{name}` compares dates: {why}"),
                        "write RFC 3339 (`2024-05-01T12:00:00Z`), `2024-05-01`, Unix seconds or a template; to expect an object with this key, write `equals: {...}`",
                    );
                    return None;
                }
                Matcher::Date(comparison, expected)
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
