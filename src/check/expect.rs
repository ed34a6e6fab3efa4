//! `expect:` of a step: its sections (`status`, `headers`, `json`, `body`, and `$…` keys as a
//! shorthand for `json`), parsed into located checks at load time and evaluated against a
//! response.
//!
//! Each check keeps the location of its own key, so a failure points at the line that states
//! it. Checks run in file order, and every failing check is reported, not only the first.

use serde_json::Value;

use super::jsonpath::{JsonPathQuery, Selection};
use super::matcher::{LoadContext, Matcher, Renderer, Subject, TemplateSite};
use super::{CheckFailure, ResponseView};
use crate::diagnostic::{Diagnostic, Location, closest};
use crate::scenario::{SourceFile, YamlPath};

const SECTIONS: &[&str] = &["status", "headers", "json", "body"];

/// `expect:` of one step, validated at load time.
#[derive(Debug, Clone, Default)]
pub struct Expectation {
    checks: Vec<Check>,
    templates: Vec<TemplateSite>,
}

#[derive(Debug, Clone)]
struct Check {
    /// How failures name the check: `status`, `header content-type`, `$.accounts`, `body`.
    name: String,
    target: Target,
    matcher: Matcher,
    location: Location,
}

#[derive(Debug, Clone)]
enum Target {
    Status,
    Header(String),
    Body,
    Json(JsonPathQuery),
}

impl Expectation {
    /// Parses the step's `expect` value. `path` is where it sits (`steps[3].expect`); every
    /// check records the location of its own key. Returns every problem found, each located
    /// and with a help line.
    pub fn parse(
        raw: &Value,
        file: &SourceFile,
        path: &YamlPath,
    ) -> Result<Expectation, Vec<Diagnostic>> {
        let mut ctx = LoadContext::new(file);
        let mut checks = Vec::new();
        match raw {
            Value::Null => {}
            Value::Object(map) => {
                for (key, value) in map {
                    let entry = path.key(key);
                    match key.as_str() {
                        "status" => checks.extend(status_check(&mut ctx, value, &entry)),
                        "headers" => header_checks(&mut ctx, value, &entry, &mut checks),
                        "json" => json_checks(&mut ctx, value, &entry, &mut checks),
                        "body" => {
                            if let Some(mut matcher) = ctx.matcher_or_value(value, &entry) {
                                matcher.expect_text();
                                checks.push(Check {
                                    name: "body".into(),
                                    target: Target::Body,
                                    matcher,
                                    location: file.key_location(&entry),
                                });
                            }
                        }
                        k if k.starts_with('$') => {
                            checks.extend(json_check(&mut ctx, k, value, path))
                        }
                        k => {
                            let help = match closest(k, SECTIONS.iter().copied()) {
                                Some(s) => format!("did you mean `{s}`?"),
                                None => "`expect` takes `status`, `headers`, `json`, `body`, or a JSONPath key starting with `$`".into(),
                            };
                            let diagnostic = file
                                .error_at_key(&entry, format!("unknown key `{k}` in `expect`"))
                                .help(help);
                            ctx.errors.push(diagnostic);
                        }
                    }
                }
            }
            _ => {
                let diagnostic = file
                    .error_at(path, "`expect` must be a mapping")
                    .help("write checks under `status`, `headers`, `json` or `body`, e.g. `expect: { status: 200 }`");
                ctx.errors.push(diagnostic);
            }
        }
        if !ctx.errors.is_empty() {
            let mut errors = ctx.errors;
            errors.sort_by_key(|d| d.location.as_ref().map(|l| (l.line, l.col)));
            return Err(errors);
        }
        // Keys arrive sorted by name; file order is what the user reads.
        checks.sort_by_key(|c| (c.location.line, c.location.col));
        Ok(Expectation {
            checks,
            templates: ctx.templates,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.checks.is_empty()
    }

    /// Every template string in an expected value, with its path, so the loader can check
    /// that the variables they use will be defined.
    pub fn templates(&self) -> Vec<(&str, &YamlPath)> {
        self.templates
            .iter()
            .map(|t| (t.text.as_str(), &t.path))
            .collect()
    }

    /// Evaluates every check and returns the failures (empty = pass). `render` renders an
    /// expected value holding templates; its error becomes a failure of that check.
    pub fn evaluate(
        &self,
        response: &ResponseView<'_>,
        render: &mut Renderer<'_>,
    ) -> Vec<CheckFailure> {
        let mut failures = Vec::new();
        for check in &self.checks {
            let fail = |detail: &str, expected: String, actual: String| CheckFailure {
                check: format!("{}{detail}", check.name),
                expected,
                actual,
                location: check.location.clone(),
            };
            let matcher = match check.matcher.resolve(render) {
                Ok(m) => m,
                Err(message) => {
                    failures.push(fail(
                        "",
                        check.matcher.to_string(),
                        format!("could not render the expected value: {message}"),
                    ));
                    continue;
                }
            };
            // Owned subjects live here so the Subject can borrow them.
            let owned: Option<Value> = match &check.target {
                Target::Status => Some(Value::from(response.status)),
                Target::Header(name) => response.header(name).map(Value::String),
                Target::Body => Some(Value::String(response.body.to_owned())),
                Target::Json(_) => None,
            };
            let subject = match &check.target {
                Target::Json(query) => match response.json {
                    Some(document) => match query.select(document) {
                        Selection::Single(node) => Subject::Single(node),
                        Selection::Nodes(nodes) => Subject::Nodes(nodes),
                    },
                    None => {
                        failures.push(fail("", matcher.to_string(), response.not_json()));
                        continue;
                    }
                },
                _ => Subject::Single(owned.as_ref()),
            };
            if let Err(m) = matcher.check(&subject) {
                failures.push(fail(&m.detail, m.expected, m.actual));
            }
        }
        failures
    }
}

fn status_check(ctx: &mut LoadContext<'_>, value: &Value, path: &YamlPath) -> Option<Check> {
    let is_status = |v: &Value| v.as_u64().is_some_and(|n| (100..=599).contains(&n));
    let matcher = match value {
        Value::Number(_) if is_status(value) => ctx.matcher_or_value(value, path),
        Value::Array(items) if !items.is_empty() && items.iter().all(is_status) => {
            ctx.matcher_or_value(&serde_json::json!({ "one_of": value }), path)
        }
        Value::String(s) if super::matcher::is_template(s) => {
            ctx.number(value, path).map(Matcher::Equals)
        }
        // A mapping of ordinary keys would be an equality with an object: never a status.
        Value::Object(map)
            if map
                .keys()
                .any(|k| super::matcher::MATCHER_NAMES.contains(&k.as_str())) =>
        {
            ctx.matcher_or_value(value, path)
        }
        _ => {
            let diagnostic = ctx
                .file
                .error_at(path, format!("invalid status {}", super::matcher::show(value)))
                .help("write a status code (`200`), a list of accepted codes (`[200, 201]`), or a matcher (`{ gte: 200, lt: 300 }`)");
            ctx.errors.push(diagnostic);
            None
        }
    }?;
    Some(Check {
        name: "status".into(),
        target: Target::Status,
        matcher,
        location: ctx.file.key_location(path),
    })
}

fn header_checks(
    ctx: &mut LoadContext<'_>,
    value: &Value,
    path: &YamlPath,
    checks: &mut Vec<Check>,
) {
    let Value::Object(map) = value else {
        let diagnostic = ctx
            .file
            .error_at(
                path,
                "`headers` must be a mapping of header names to values",
            )
            .help("e.g. `headers: { content-type: { contains: application/json } }`");
        ctx.errors.push(diagnostic);
        return;
    };
    for (name, expected) in map {
        let entry = path.key(name);
        if expected.is_null() {
            let diagnostic = ctx
                .file
                .error_at_key(&entry, format!("header `{name}` has no expected value"))
                .help("write the value it must equal, a matcher, or `{ absent: true }` to check it is missing");
            ctx.errors.push(diagnostic);
            continue;
        }
        let Some(mut matcher) = ctx.matcher_or_value(expected, &entry) else {
            continue;
        };
        matcher.expect_text();
        let name = name.to_ascii_lowercase();
        checks.push(Check {
            name: format!("header {name}"),
            target: Target::Header(name),
            matcher,
            location: ctx.file.key_location(&entry),
        });
    }
}

fn json_checks(ctx: &mut LoadContext<'_>, value: &Value, path: &YamlPath, checks: &mut Vec<Check>) {
    let Value::Object(map) = value else {
        let diagnostic = ctx
            .file
            .error_at(path, "`json` must be a mapping of JSONPaths to values")
            .help("e.g. `json: { $.token_type: Bearer, $.accounts: { length: 3 } }`");
        ctx.errors.push(diagnostic);
        return;
    };
    for (key, expected) in map {
        checks.extend(json_check(ctx, key, expected, path));
    }
}

/// One `<jsonpath>: <value or matcher>` entry; `parent` is the mapping holding it.
fn json_check(
    ctx: &mut LoadContext<'_>,
    key: &str,
    expected: &Value,
    parent: &YamlPath,
) -> Option<Check> {
    let entry = parent.key(key);
    let query = match JsonPathQuery::parse(key) {
        Ok(q) => Some(q),
        Err(e) => {
            let mut diagnostic = ctx
                .file
                .error_at_key(&entry, format!("invalid JSONPath `{key}`"))
                .note(match e.column {
                    Some(col) => format!("{} (at character {col})", e.message),
                    None => e.message,
                })
                .help("JSONPath follows RFC 9535, e.g. `$.accounts[0].account_id` or `$.accounts[*].currency`; quote names with odd characters: `$['x-id']`");
            // Quoted keys make the caret land on the quote; underlining the whole key reads fine.
            diagnostic.span_len = diagnostic.span_len.max(key.chars().count());
            ctx.errors.push(diagnostic);
            None
        }
    };
    // The value is parsed even when the path is bad, so its own problems are reported too.
    let matcher = ctx.matcher_or_value(expected, &entry)?;
    Some(Check {
        name: key.to_owned(),
        target: Target::Json(query?),
        matcher,
        location: ctx.file.key_location(&entry),
    })
}
