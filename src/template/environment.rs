//! [`Templates`]: the minijinja environment a run renders with (strict undefined, no
//! escaping, obflow's functions and filters), load-time validation, and rendering, where a
//! scalar made of one expression keeps the expression's type. Compiled templates are cached
//! inside the environment, keyed by source.

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use minijinja::{AutoEscape, Environment, ErrorKind, UndefinedBehavior};

use super::convert::value_to_json;
use super::error::convert_error;
use super::names::{NameKind, called_names};
use super::shape::is_single_expression;
use super::{Context, TemplateError, functions};
use crate::source::closest;

/// Template names are this prefix plus the source. The loader only answers for names with a
/// prefix, so a stray `{% include "x" %}` fails instead of rendering the text "x".
const TEXT_PREFIX: &str = "\u{1}obflow-text:";
/// Templates rendered for their value ([`Templates::render_value`]): the formatter stores the
/// single emitted value in the render state instead of writing it.
const VALUE_PREFIX: &str = "\u{1}obflow-value:";
/// The state temp the value formatter stores into.
const VALUE_TEMP: &str = "obflow.value";
/// Beyond this many distinct sources, templates are compiled per render instead of cached:
/// generated inputs must not grow memory without bound.
const MAX_CACHED: usize = 16_384;

/// The work one render may do (minijinja's instructions): thousands of times what any
/// scenario's template needs.
pub const FUEL: u64 = 1_000_000;

/// The longest text one render may produce: far beyond any request field, small enough that
/// variables built from each other cannot grow into gigabytes.
pub const MAX_RENDERED_BYTES: usize = 1024 * 1024;

/// The template environment for a run: strict undefined, obflow's functions and filters.
///
/// `Send + Sync`; share it through an `Arc`.
pub struct Templates {
    env: Environment<'static>,
    /// Names that look like variables to minijinja's static analysis but are functions or
    /// globals (`uuid`, `range`, ...), left out of [`Templates::validate`]'s answer.
    globals: BTreeSet<String>,
    /// The filters and tests a misspelt name is compared with: minijinja's and obflow's
    /// that this environment defines.
    filters: Vec<&'static str>,
    tests: Vec<&'static str>,
    /// [`Templates::validate`]'s answers, by source: a suite repeats the same few templates
    /// across thousands of files. At most [`MAX_CACHED`].
    validated: Mutex<HashMap<String, Validation>>,
}

/// What load-time validation found in a template that compiles.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validation {
    /// The root variable names the template reads that it does not define itself and that
    /// are not functions or globals (`"{{ steps.token.json.access_token }}"` reads
    /// `{"steps"}`).
    pub variables: BTreeSet<String>,
    /// The fields of `session` it reads (`session.access_token` gives `access_token`).
    pub session_fields: BTreeSet<String>,
    /// The filters, tests and functions it calls that the environment does not define, in
    /// source order.
    pub unknown: Vec<UnknownName>,
}

/// A filter, test or function a template calls that the environment does not define.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownName {
    pub kind: NameKind,
    pub name: String,
    /// Char offsets (start, end) of the name within the template source.
    pub char_range: (usize, usize),
    /// The closest name of that kind the environment does define.
    pub suggestion: Option<&'static str>,
}

impl Templates {
    pub fn new() -> Self {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        // Every render is bounded: a loop over `range(100000)` inside another ends with a
        // located error instead of never.
        env.set_fuel(Some(FUEL));
        // Debug mode records where undefined values come from (for "`a.b.c` is undefined")
        // and the span of errors; it costs nothing until something fails.
        env.set_debug(true);
        // Values go into HTTP requests, not HTML: never escape, whatever the source looks like.
        env.set_auto_escape_callback(|_| AutoEscape::None);
        // Templates are compiled on first use and cached by the environment.
        let cached = Arc::new(AtomicUsize::new(0));
        env.set_loader(move |name: &str| {
            let source = name
                .strip_prefix(TEXT_PREFIX)
                .or_else(|| name.strip_prefix(VALUE_PREFIX));
            match source {
                Some(source) if cached.fetch_add(1, Ordering::Relaxed) < MAX_CACHED => {
                    Ok(Some(source.to_owned()))
                }
                _ => Ok(None),
            }
        });
        env.set_auto_reload(false);
        env.set_formatter(|out, state, value| {
            if state.name().starts_with(VALUE_PREFIX) {
                state.set_temp(VALUE_TEMP, value.clone());
                Ok(())
            } else {
                minijinja::escape_formatter(out, state, value)
            }
        });
        functions::register(&mut env);
        let globals = env.globals().map(|(name, _)| name.to_owned()).collect();
        let mut templates = Templates {
            env,
            globals,
            filters: Vec::new(),
            tests: Vec::new(),
            validated: Mutex::default(),
        };
        templates.filters = (functions::BUILTIN_FILTERS.iter())
            .chain(functions::FILTERS)
            .copied()
            .filter(|name| templates.defines(NameKind::Filter, name))
            .collect();
        templates.tests = (functions::BUILTIN_TESTS.iter())
            .copied()
            .filter(|name| templates.defines(NameKind::Test, name))
            .collect();
        templates
    }

    /// Whether the environment defines `name` as a filter, test or function. minijinja can
    /// enumerate globals (functions are globals) but not filters or tests; those are asked
    /// for by calling them without arguments: a filter or test refuses that (a missing
    /// argument) before its body runs, and a name the environment lacks is `UnknownFilter` or
    /// `UnknownTest`.
    pub fn defines(&self, kind: NameKind, name: &str) -> bool {
        let mut state = self.env.empty_state();
        match kind {
            NameKind::Function => self.globals.contains(name),
            NameKind::Filter => !matches!(
                state.apply_filter(name, &[]),
                Err(e) if e.kind() == ErrorKind::UnknownFilter
            ),
            NameKind::Test => !matches!(
                state.perform_test(name, &[]),
                Err(e) if e.kind() == ErrorKind::UnknownTest
            ),
        }
    }

    /// The names of `kind` worth listing in help: obflow's filters (minijinja's are too many
    /// to list), every function (obflow's and minijinja's), no test.
    pub fn names_for_help(&self, kind: NameKind) -> Vec<&'static str> {
        match kind {
            NameKind::Filter => functions::FILTERS.to_vec(),
            NameKind::Test => Vec::new(),
            NameKind::Function => (functions::FUNCTIONS.iter())
                .chain(functions::BUILTIN_FUNCTIONS)
                .copied()
                .filter(|name| self.globals.contains(*name))
                .collect(),
        }
    }

    /// The closest defined name of `kind` to a name the environment does not define.
    fn suggest(&self, kind: NameKind, name: &str) -> Option<&'static str> {
        match kind {
            NameKind::Filter => closest(name, self.filters.iter().copied()),
            NameKind::Test => closest(name, self.tests.iter().copied()),
            NameKind::Function => closest(
                name,
                functions::FUNCTIONS
                    .iter()
                    .chain(functions::BUILTIN_FUNCTIONS)
                    .copied(),
            )
            .filter(|found| self.globals.contains(*found)),
        }
    }

    /// Whether a scalar of a scenario is a template string (numbers and lists are not).
    pub fn is_template_value(value: &serde_json::Value) -> bool {
        value.as_str().is_some_and(Self::is_template)
    }

    /// Cheap test used on every scalar: does this string contain template syntax (`{{` or
    /// `{%`)? Does not allocate.
    pub fn is_template(source: &str) -> bool {
        let bytes = source.as_bytes();
        let mut rest = bytes;
        while let Some(pos) = rest.iter().position(|&b| b == b'{') {
            match rest.get(pos + 1) {
                Some(b'{' | b'%') => return true,
                _ => rest = &rest[pos + 1..],
            }
        }
        false
    }

    /// Load-time validation without any context: syntax errors, the root variable names the
    /// template reads, and the filters, tests and functions it calls that do not exist.
    pub fn validate(&self, source: &str) -> Result<Validation, TemplateError> {
        let cache = || self.validated.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(found) = cache().get(source) {
            return Ok(found.clone());
        }
        let template = self.compile(source, TEXT_PREFIX)?;
        let unknown: Vec<UnknownName> = called_names(source, self.env.syntax().clone())
            .unwrap_or_default()
            .into_iter()
            .filter(|used| !self.defines(used.kind, &used.name))
            .map(|used| UnknownName {
                kind: used.kind,
                char_range: char_range(source, used.span),
                suggestion: self.suggest(used.kind, &used.name),
                name: used.name,
            })
            .collect();
        // A name called as an unknown function is reported as that, not also as an
        // undefined variable.
        let variables: BTreeSet<String> = template
            .undeclared_variables(false)
            .into_iter()
            .filter(|name| !self.globals.contains(name))
            .filter(|name| {
                !unknown
                    .iter()
                    .any(|u| u.kind == NameKind::Function && &u.name == name)
            })
            .collect();
        let session_fields = match variables.contains("session") {
            true => template
                .undeclared_variables(true)
                .into_iter()
                .filter_map(|path| {
                    let field = path.strip_prefix("session.")?;
                    Some(field.split('.').next().unwrap_or(field).to_owned())
                })
                .collect(),
            false => BTreeSet::new(),
        };
        let found = Validation {
            variables,
            session_fields,
            unknown,
        };
        let mut cache = cache();
        if cache.len() < MAX_CACHED {
            cache.insert(source.to_owned(), found.clone());
        }
        Ok(found)
    }

    /// Renders one template string to text.
    pub fn render_str(&self, source: &str, ctx: &Context) -> Result<String, TemplateError> {
        let template = self.compile(source, TEXT_PREFIX)?;
        let text = template
            .render(ctx.as_value().clone())
            .map_err(|e| convert_error(&e, source))?;
        bounded(text.len())?;
        Ok(text)
    }

    /// Renders every string inside a JSON value (recursively; object keys too when they contain
    /// template syntax). A string that is exactly one `{{ expression }}` becomes the
    /// expression's value with its type (number, bool, list, map, null); any other template
    /// renders to a string. Strings without template syntax are returned unchanged.
    pub fn render_value(
        &self,
        value: &serde_json::Value,
        ctx: &Context,
    ) -> Result<serde_json::Value, TemplateError> {
        match value {
            serde_json::Value::String(s) if Self::is_template(s) => self.render_scalar(s, ctx),
            serde_json::Value::Array(items) => items
                .iter()
                .map(|item| self.render_value(item, ctx))
                .collect::<Result<Vec<_>, _>>()
                .map(serde_json::Value::Array),
            serde_json::Value::Object(map) => {
                let mut out = serde_json::Map::new();
                for (key, item) in map {
                    let key = if Self::is_template(key) {
                        self.render_str(key, ctx)?
                    } else {
                        key.clone()
                    };
                    out.insert(key, self.render_value(item, ctx)?);
                }
                Ok(serde_json::Value::Object(out))
            }
            other => Ok(other.clone()),
        }
    }

    /// Renders one templated scalar, keeping the type of a single expression.
    fn render_scalar(
        &self,
        source: &str,
        ctx: &Context,
    ) -> Result<serde_json::Value, TemplateError> {
        if !is_single_expression(source) {
            return self.render_str(source, ctx).map(serde_json::Value::String);
        }
        let template = self.compile(source, VALUE_PREFIX)?;
        let captured = template
            .render_captured(ctx.as_value().clone())
            .map_err(|e| convert_error(&e, source))?;
        bounded(captured.output().len())?;
        let value = captured
            .state()
            .get_temp(VALUE_TEMP)
            .map_or(serde_json::Value::Null, |v| value_to_json(&v));
        // A value kept with its type (a list, a long string) is measured as JSON.
        if !matches!(
            value,
            serde_json::Value::Null | serde_json::Value::Bool(_) | serde_json::Value::Number(_)
        ) {
            bounded(serde_json::to_string(&value).map_or(0, |t| t.len()))?;
        }
        Ok(value)
    }

    /// The compiled template for `source`, from the environment's cache when possible.
    fn compile<'a>(
        &'a self,
        source: &'a str,
        prefix: &'static str,
    ) -> Result<minijinja::Template<'a, 'a>, TemplateError> {
        let name = format!("{prefix}{source}");
        match self.env.get_template(&name) {
            Ok(template) => Ok(template),
            // The loader declines once the cache is full: compile for this render only.
            Err(e) if e.kind() == ErrorKind::TemplateNotFound => self
                .env
                .template_from_named_str(prefix, source)
                .map_err(|e| convert_error(&e, source)),
            Err(e) => Err(convert_error(&e, source)),
        }
    }
}

impl Default for Templates {
    fn default() -> Self {
        Templates::new()
    }
}

impl fmt::Debug for Templates {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Templates").finish_non_exhaustive()
    }
}

/// A byte range of `source` as char offsets (what [`TemplateError`] and the loader use).
fn char_range(source: &str, bytes: std::ops::Range<usize>) -> (usize, usize) {
    let count = |end: usize| source.get(..end).map_or(0, |text| text.chars().count());
    (count(bytes.start), count(bytes.end).max(count(bytes.start)))
}

/// Refuses a render whose output passed [`MAX_RENDERED_BYTES`].
fn bounded(len: usize) -> Result<(), TemplateError> {
    match len > MAX_RENDERED_BYTES {
        true => Err(TemplateError {
            message: format!(
                "the template renders to more than {} MiB",
                MAX_RENDERED_BYTES / (1024 * 1024)
            ),
            undefined: None,
            char_range: None,
        }),
        false => Ok(()),
    }
}
