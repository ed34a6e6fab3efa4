//! Templates: the minijinja environment a run renders scenario values with.
//!
//! This module owns how a scalar becomes a value: whether it is a template at all
//! ([`Templates::is_template`]), load-time validation (syntax and the root names a template
//! reads), rendering with strict undefined, the rule that a scalar made of one expression keeps
//! the expression's type, the template [`Context`], and obflow's functions and filters
//! (see `functions.rs`). It does not know files or lines: a [`TemplateError`] carries a char
//! range within the template source and the caller maps it onto the scenario file.
//!
//! Compiled templates are cached inside the minijinja environment, keyed by source: a scenario
//! set has a bounded number of distinct scalars, and each is rendered many times.

mod functions;

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use minijinja::value::ValueKind;
use minijinja::{AutoEscape, Environment, ErrorKind, UndefinedBehavior, Value};

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

/// The template environment for a run: strict undefined, obflow's functions and filters.
///
/// `Send + Sync`; share it through an `Arc`.
pub struct Templates {
    env: Environment<'static>,
    /// Names that look like variables to minijinja's static analysis but are functions or
    /// globals (`uuid`, `range`, ...), left out of [`Templates::validate`]'s answer.
    globals: BTreeSet<String>,
    /// [`Templates::validate`]'s answers, by source: a suite repeats the same few templates
    /// across thousands of files. At most [`MAX_CACHED`].
    validated: Mutex<HashMap<String, BTreeSet<String>>>,
}

/// Why a template could not be compiled or rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct TemplateError {
    /// What went wrong, e.g. "undefined variable `acount_id`" or
    /// "syntax error: unexpected `}`, expected end of variable block".
    pub message: String,
    /// The undefined expression, when that is the cause: a root name (`acount_id`) or the
    /// path as written (`steps.token.json.acess_token`).
    pub undefined: Option<String>,
    /// Char offsets (start, end) within the template source of the offending part.
    pub char_range: Option<(usize, usize)>,
}

/// What templates can see: a map whose keys are the root names (vars, captures, `env`,
/// `steps`, ...), already converted to minijinja values so rendering never converts.
#[derive(Clone)]
pub struct Context {
    root: Value,
}

impl Context {
    /// `root` must be a JSON object; its keys are the template's root names. Anything else
    /// gives an empty context.
    pub fn new(root: &serde_json::Value) -> Self {
        match root {
            serde_json::Value::Object(_) => Context {
                root: json_to_value(root),
            },
            _ => Context::empty(),
        }
    }

    /// A context with no names at all.
    pub fn empty() -> Self {
        Context {
            root: Value::from(std::collections::BTreeMap::<String, Value>::new()),
        }
    }

    /// A context from already-converted values, so that an engine can convert each step
    /// result once (with [`to_template_value`]) and reuse it in every later step's context.
    pub fn from_values<I, K>(entries: I) -> Self
    where
        I: IntoIterator<Item = (K, Value)>,
        K: Into<String>,
    {
        Context {
            root: Value::from(
                entries
                    .into_iter()
                    .map(|(k, v)| (k.into(), v))
                    .collect::<std::collections::BTreeMap<String, Value>>(),
            ),
        }
    }

    /// The root map as a minijinja value.
    pub fn as_value(&self) -> &Value {
        &self.root
    }
}

impl Default for Context {
    fn default() -> Self {
        Context::empty()
    }
}

impl fmt::Debug for Context {
    // Contexts hold tokens and secrets: never print their values.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<String> = self
            .root
            .try_iter()
            .map(|keys| keys.map(|k| k.to_string()).collect())
            .unwrap_or_default();
        f.debug_struct("Context")
            .field("names", &names)
            .finish_non_exhaustive()
    }
}

/// Converts JSON into the value templates see. Public so that callers can convert large,
/// unchanging data (earlier step results) once and build contexts with [`Context::from_values`].
pub fn to_template_value(json: &serde_json::Value) -> Value {
    json_to_value(json)
}

pub(crate) fn json_to_value(json: &serde_json::Value) -> Value {
    match json {
        serde_json::Value::Null => Value::from(()),
        serde_json::Value::Bool(b) => Value::from(*b),
        serde_json::Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else if let Some(u) = n.as_u64() {
                Value::from(u)
            } else {
                Value::from(n.as_f64().unwrap_or(f64::NAN))
            }
        }
        serde_json::Value::String(s) => Value::from(s.as_str()),
        serde_json::Value::Array(items) => items.iter().map(json_to_value).collect(),
        serde_json::Value::Object(map) => map_to_template_value(map),
    }
}

/// [`to_template_value`] of a JSON object, from its map: no copy of the map first.
pub fn map_to_template_value(map: &serde_json::Map<String, serde_json::Value>) -> Value {
    Value::from(
        map.iter()
            .map(|(k, v)| (k.clone(), json_to_value(v)))
            .collect::<std::collections::BTreeMap<String, Value>>(),
    )
}

/// Converts a rendered value back to JSON. Undefined and none become null; values JSON has no
/// form for (functions, non-finite floats) become their string form or null.
fn value_to_json(value: &Value) -> serde_json::Value {
    match value.kind() {
        ValueKind::Undefined | ValueKind::None => serde_json::Value::Null,
        ValueKind::Bool => serde_json::Value::Bool(value.is_true()),
        ValueKind::Number => number_to_json(value),
        ValueKind::String => serde_json::Value::String(value.as_str().unwrap_or("").to_owned()),
        ValueKind::Bytes => serde_json::Value::String(
            String::from_utf8_lossy(value.as_bytes().unwrap_or_default()).into_owned(),
        ),
        ValueKind::Seq | ValueKind::Iterable => match value.try_iter() {
            Ok(items) => serde_json::Value::Array(items.map(|v| value_to_json(&v)).collect()),
            Err(_) => serde_json::Value::String(value.to_string()),
        },
        ValueKind::Map => match value.try_iter() {
            Ok(keys) => serde_json::Value::Object(
                keys.map(|key| {
                    let item = value.get_item(&key).unwrap_or_default();
                    let key = match key.as_str() {
                        Some(s) => s.to_owned(),
                        None => key.to_string(),
                    };
                    (key, value_to_json(&item))
                })
                .collect(),
            ),
            Err(_) => serde_json::Value::String(value.to_string()),
        },
        _ => serde_json::Value::String(value.to_string()),
    }
}

fn number_to_json(value: &Value) -> serde_json::Value {
    if value.is_integer() {
        if let Ok(i) = i64::try_from(value.clone()) {
            return i.into();
        }
        if let Ok(u) = u64::try_from(value.clone()) {
            return u.into();
        }
    }
    f64::try_from(value.clone())
        .ok()
        .and_then(serde_json::Number::from_f64)
        .map_or(serde_json::Value::Null, serde_json::Value::Number)
}

impl Templates {
    pub fn new() -> Self {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
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
        Templates {
            env,
            globals,
            validated: Mutex::default(),
        }
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

    /// Load-time validation without any context: syntax errors, and the set of root variable
    /// names the template reads that it does not define itself and that are not functions or
    /// globals (`"{{ steps.token.json.access_token }}"` reads `{"steps"}`).
    pub fn validate(&self, source: &str) -> Result<BTreeSet<String>, TemplateError> {
        let cache = || self.validated.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(names) = cache().get(source) {
            return Ok(names.clone());
        }
        let template = self.compile(source, TEXT_PREFIX)?;
        let names: BTreeSet<String> = template
            .undeclared_variables(false)
            .into_iter()
            .filter(|name| !self.globals.contains(name))
            .collect();
        let mut cache = cache();
        if cache.len() < MAX_CACHED {
            cache.insert(source.to_owned(), names.clone());
        }
        Ok(names)
    }

    /// Renders one template string to text.
    pub fn render_str(&self, source: &str, ctx: &Context) -> Result<String, TemplateError> {
        let template = self.compile(source, TEXT_PREFIX)?;
        template
            .render(ctx.root.clone())
            .map_err(|e| convert_error(&e, source))
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
            .render_captured(ctx.root.clone())
            .map_err(|e| convert_error(&e, source))?;
        Ok(captured
            .state()
            .get_temp(VALUE_TEMP)
            .map_or(serde_json::Value::Null, |v| value_to_json(&v)))
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

/// Whether `source` is exactly one `{{ ... }}` and nothing else. A source whose expression
/// itself contains delimiter-like text (`{{ "}}" }}`) is conservatively treated as text.
/// The variable a template names when it is nothing else (`{{ account_id }}`): it renders
/// to that variable's value, which a caller holding the values can look up without building
/// a context. `None` for anything else, literals such as `{{ true }}` included.
pub fn plain_variable(source: &str) -> Option<&str> {
    let name = source.strip_prefix("{{")?.strip_suffix("}}")?.trim();
    let mut chars = name.chars();
    let first = chars.next()?;
    let identifier = (first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    let literal = matches!(name, "true" | "false" | "none" | "True" | "False" | "None");
    (identifier && !literal).then_some(name)
}

fn is_single_expression(source: &str) -> bool {
    let Some(inner) = source
        .strip_prefix("{{")
        .and_then(|rest| rest.strip_suffix("}}"))
    else {
        return false;
    };
    !["{{", "}}", "{%", "%}", "{#", "#}"]
        .iter()
        .any(|delimiter| inner.contains(delimiter))
}

/// Converts a minijinja error into a [`TemplateError`]: kind and detail as the message, the
/// undefined expression when that is the cause, and the span as char offsets into `source`.
fn convert_error(err: &minijinja::Error, source: &str) -> TemplateError {
    let char_range = |range: std::ops::Range<usize>| {
        let start = source.get(..range.start)?.chars().count();
        let len = source.get(range.clone())?.chars().count();
        Some((start, start + len))
    };
    if err.kind() == ErrorKind::UndefinedError {
        // minijinja describes the origin as "`steps.token.json.acess_token` is undefined";
        // failing that, the failing span is the expression.
        let undefined = err.detail().and_then(undefined_expression).or_else(|| {
            let text = source.get(err.range()?)?.trim();
            is_path(text).then(|| text.to_owned())
        });
        let message = match &undefined {
            Some(name) if is_identifier(name) => format!("undefined variable `{name}`"),
            Some(path) => format!("undefined value `{path}`"),
            None => match err.detail() {
                Some(detail) => format!("undefined value: {detail}"),
                None => "undefined value".to_owned(),
            },
        };
        let range = err
            .range()
            .map(|range| narrow_to_missing(source, range, undefined.as_deref()));
        return TemplateError {
            message,
            undefined,
            char_range: range.and_then(char_range),
        };
    }
    let message = match err.detail() {
        Some(detail) => format!("{}: {detail}", err.kind()),
        None => err.kind().to_string(),
    };
    TemplateError {
        message,
        undefined: None,
        char_range: err.range().and_then(char_range),
    }
}

/// minijinja's span for a failed lookup covers the attribute access around it
/// (`.json.acess_token`); point at the name that is missing when it is in there.
fn narrow_to_missing(
    source: &str,
    range: std::ops::Range<usize>,
    path: Option<&str>,
) -> std::ops::Range<usize> {
    let Some(path) = path else { return range };
    let last = path
        .rsplit(['.', '['])
        .next()
        .unwrap_or(path)
        .trim_end_matches(']')
        .trim_matches(['"', '\'']);
    if last.is_empty() {
        return range;
    }
    let Some(text) = source.get(range.clone()) else {
        return range;
    };
    // Only an attribute or item access counts: `.name`, `["name"]`, `[0]`, not the `b` in
    // a filter called `b64encode`.
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    let found = text.rmatch_indices(last).find(|&(offset, _)| {
        let start = range.start + offset;
        let before = source[..start].chars().next_back();
        let after = source[start + last.len()..].chars().next();
        matches!(before, Some('.' | '[' | '"' | '\'')) && !after.is_some_and(is_ident)
    });
    if let Some((offset, _)) = found {
        return range.start + offset..range.start + offset + last.len();
    }
    // The error was raised elsewhere (a filter receiving the undefined value): point at the
    // path itself when it is written exactly once.
    let mut occurrences = source.match_indices(path);
    match (occurrences.next(), occurrences.next()) {
        (Some((start, _)), None) => {
            let end = start + path.len();
            match source[start..end].rfind(last) {
                Some(offset) => start + offset..start + offset + last.len(),
                None => start..end,
            }
        }
        _ => range,
    }
}

/// The expression in minijinja's "`expr` is undefined" description.
fn undefined_expression(detail: &str) -> Option<String> {
    let end = detail.find("` is undefined")?;
    let start = detail[..end].rfind('`')? + 1;
    Some(detail[start..end].to_owned())
}

fn is_identifier(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
}

/// A plain variable path such as `a.b[0].c` or `a["b"]`.
fn is_path(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '_')
        && text
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '[' | ']' | '"' | '\'' | '-'))
}

#[cfg(test)]
mod tests;
