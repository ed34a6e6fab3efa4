//! `capture:` of a step: values taken from a response into variables for later steps.
//!
//! A capture reads a JSONPath (the first node, or every node as a list with `all: true`), a
//! header (its combined value, or every value as a list with `all: true`) or the status. A
//! capture is secret when it says `secret: true`, when its name looks secret
//! ([`is_secret_name`]), or when it reads a field or header named in [`SECRET_FIELDS`];
//! the engine registers secret values with the redactor. `secret: false` does not lift
//! those rules: a token stays redacted whatever the capture is called.

use serde_json::Value;

use super::jsonpath::JsonPathQuery;
use super::{CheckFailure, ResponseView};
use crate::secret::{SECRET_FIELDS, is_secret_name};
use crate::source::{Diagnostic, closest};
use crate::source::{SourceFile, Spot, YamlPath};
use std::sync::Arc;

const CAPTURE_KEYS: &[&str] = &["jsonpath", "header", "status", "all", "secret"];

/// Headers whose values are credentials, beyond the fields of [`SECRET_FIELDS`].
const SECRET_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
];

/// `capture:` of one step.
#[derive(Debug, Clone, Default)]
pub struct CaptureSet {
    captures: Vec<Capture>,
}

#[derive(Debug, Clone)]
struct Capture {
    name: String,
    source: Source,
    all: bool,
    secret: bool,
    /// Its key, where a failure points.
    spot: Spot,
}

#[derive(Debug, Clone)]
enum Source {
    Json(JsonPathQuery),
    Header(String),
    Status,
}

/// Where a capture reads from, for guides that do the same in the shell.
#[derive(Debug, Clone, Copy)]
pub enum CaptureFrom<'a> {
    Json(&'a JsonPathQuery),
    Header(&'a str),
    Status,
}

/// One captured variable.
#[derive(Debug, Clone, PartialEq)]
pub struct Captured {
    pub name: String,
    pub value: Value,
    pub secret: bool,
}

impl CaptureSet {
    /// Parses the step's `capture` value; `path` is where it sits (`steps[3].capture`).
    pub fn parse(
        raw: &Value,
        file: &Arc<SourceFile>,
        path: &YamlPath,
    ) -> Result<CaptureSet, Vec<Diagnostic>> {
        let mut errors = Vec::new();
        let mut captures = Vec::new();
        match raw {
            Value::Null => {}
            Value::Object(map) => {
                for (name, spec) in map {
                    match parse_capture(file, name, spec, &path.key(name.to_string())) {
                        Ok(capture) => captures.push(capture),
                        Err(mut e) => errors.append(&mut e),
                    }
                }
            }
            _ => errors.push(
                file.error_at(
                    path,
                    "`capture` must be a mapping of variable names to sources",
                )
                .help("e.g. `capture: { account_id: $.accounts[0].account_id }`"),
            ),
        }
        if !errors.is_empty() {
            errors.sort_by_key(|d| d.location.as_ref().map(|l| (l.line, l.col)));
            return Err(errors);
        }
        // Mappings keep the file's order (serde_json `preserve_order`): captures run in it.
        Ok(CaptureSet { captures })
    }

    pub fn is_empty(&self) -> bool {
        self.captures.is_empty()
    }

    /// The variable names this step defines, in file order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.captures.iter().map(|c| c.name.as_str())
    }

    /// Every capture as (variable, source, `all`), in file order.
    pub fn sources(&self) -> impl Iterator<Item = (&str, CaptureFrom<'_>, bool)> {
        self.captures.iter().map(|c| {
            let from = match &c.source {
                Source::Json(query) => CaptureFrom::Json(query),
                Source::Header(name) => CaptureFrom::Header(name),
                Source::Status => CaptureFrom::Status,
            };
            (c.name.as_str(), from, c.all)
        })
    }

    /// Every capture in plain words, in file order, for generated guides: "`account_id`
    /// from `$.accounts[0].account_id`".
    pub fn describe(&self) -> Vec<String> {
        use super::matcher::code_span;
        self.captures
            .iter()
            .map(|c| {
                let from = match &c.source {
                    Source::Json(query) => code_span(query.as_str()),
                    Source::Header(name) => format!("header {}", code_span(name)),
                    Source::Status => "the status".to_owned(),
                };
                let every = if c.all { "every match of " } else { "" };
                format!("{} from {every}{from}", code_span(&c.name))
            })
            .collect()
    }

    /// Takes every capture from the response, in file order; the first that finds nothing
    /// (no node, no header, a body that is not JSON) stops and is returned as a failure.
    pub fn evaluate(&self, response: &ResponseView<'_>) -> Result<Vec<Captured>, CheckFailure> {
        self.captures
            .iter()
            .map(|capture| {
                Ok(Captured {
                    name: capture.name.clone(),
                    value: capture.take(response)?,
                    secret: capture.secret,
                })
            })
            .collect()
    }
}

impl Capture {
    fn take(&self, response: &ResponseView<'_>) -> Result<Value, CheckFailure> {
        let fail = |expected: String, actual: String| CheckFailure {
            check: format!("capture {}", self.name),
            expected,
            actual,
            location: self.spot.location(),
            differences: Vec::new(),
        };
        match &self.source {
            Source::Status => Ok(Value::from(response.status)),
            Source::Header(name) => {
                let values = response.header_values(name);
                if self.all {
                    Ok(values.into_iter().map(Value::from).collect())
                } else if values.is_empty() {
                    Err(fail(format!("header {name}"), "absent".into()))
                } else {
                    Ok(Value::String(values.join(", ")))
                }
            }
            Source::Json(query) => {
                let Some(document) = response.json() else {
                    return Err(fail(
                        format!("a node at {}", query.as_str()),
                        response.not_json(),
                    ));
                };
                let nodes = query.nodes(document);
                if self.all {
                    Ok(Value::Array(nodes.into_iter().cloned().collect()))
                } else {
                    match nodes.first() {
                        Some(node) => Ok((*node).clone()),
                        None => Err(fail(
                            format!("a node at {}", query.as_str()),
                            "absent".into(),
                        )),
                    }
                }
            }
        }
    }
}

/// A name templates can use: minijinja identifiers are letters, digits and underscores.
fn is_variable_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn parse_capture(
    file: &Arc<SourceFile>,
    name: &str,
    spec: &Value,
    path: &YamlPath,
) -> Result<Capture, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    if !is_variable_name(name) {
        let fixed: String = name
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        errors.push(
            file.error_at_key(path, format!("`{name}` is not a usable variable name"))
                .help(format!(
                    "templates need letters, digits and underscores, not starting with a digit: try `{fixed}`"
                )),
        );
    }
    let jsonpath = |text: &str, at: &YamlPath, errors: &mut Vec<Diagnostic>| {
        match JsonPathQuery::parse(text) {
            Ok(q) => Some(q),
            Err(e) => {
                errors.push(
                    file.error_at(at, format!("invalid JSONPath `{text}`"))
                        .note(match e.column {
                            Some(col) => format!("{} (at character {col})", e.message),
                            None => e.message,
                        })
                        .help("JSONPath follows RFC 9535, e.g. `$.accounts[0].account_id`"),
                );
                None
            }
        }
    };
    let (source, all, secret_flag) = match spec {
        Value::String(text) if text.starts_with('$') => (
            jsonpath(text, path, &mut errors).map(Source::Json),
            false,
            false,
        ),
        Value::Object(map) => {
            let unknown: Vec<&String> = map
                .keys()
                .filter(|k| !CAPTURE_KEYS.contains(&k.as_str()))
                .collect();
            for &key in &unknown {
                let help = match closest(key, CAPTURE_KEYS.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => "a capture takes `jsonpath`, `header` or `status`, and optionally `all` and `secret`".into(),
                };
                errors.push(
                    file.error_at_key(
                        &path.key(key.to_string()),
                        format!("unknown key `{key}` in a capture"),
                    )
                    .help(help),
                );
            }
            let flag = |key: &str, errors: &mut Vec<Diagnostic>| match map.get(key) {
                None => false,
                Some(Value::Bool(b)) => *b,
                Some(other) => {
                    errors.push(
                        file.error_at(
                            &path.key(key.to_string()),
                            format!("`{key}` takes true or false, not {other}"),
                        )
                        .help(format!("write `{key}: true`")),
                    );
                    false
                }
            };
            let all = flag("all", &mut errors);
            let secret = flag("secret", &mut errors);
            let sources: Vec<&str> = ["jsonpath", "header", "status"]
                .into_iter()
                .filter(|k| map.contains_key(*k))
                .collect();
            let source = match sources.as_slice() {
                ["jsonpath"] => match &map["jsonpath"] {
                    Value::String(text) => {
                        jsonpath(text, &path.key("jsonpath"), &mut errors).map(Source::Json)
                    }
                    other => {
                        errors.push(
                            file.error_at(
                                &path.key("jsonpath"),
                                format!("`jsonpath` takes a path, not {other}"),
                            )
                            .help("e.g. `jsonpath: $.accounts[*].account_id`"),
                        );
                        None
                    }
                },
                ["header"] => match &map["header"] {
                    Value::String(h) if !h.is_empty() => {
                        Some(Source::Header(h.to_ascii_lowercase()))
                    }
                    other => {
                        errors.push(
                            file.error_at(
                                &path.key("header"),
                                format!("`header` takes a header name, not {other}"),
                            )
                            .help("e.g. `header: x-tl-correlation-id`"),
                        );
                        None
                    }
                },
                ["status"] => {
                    if map["status"] != Value::Bool(true) {
                        errors.push(
                            file.error_at(&path.key("status"), "`status` takes true")
                                .help("write `status: true` to capture the status code"),
                        );
                    }
                    if all {
                        errors.push(
                            file.error_at_key(
                                &path.key("all"),
                                "`all` does not apply to the status",
                            )
                            .help("remove `all`; a response has one status"),
                        );
                    }
                    Some(Source::Status)
                }
                // A misspelt source key has been reported already; saying "nothing to capture"
                // as well would only repeat it.
                [] if !unknown.is_empty() => None,
                [] => {
                    errors.push(
                        file.error_at(path, format!("capture `{name}` says nothing to capture"))
                            .help("add `jsonpath: $...`, `header: <name>` or `status: true`"),
                    );
                    None
                }
                _ => {
                    errors.push(
                        file.error_at(path, format!("capture `{name}` has several sources: {}", sources.join(", ")))
                            .help("a capture reads one of `jsonpath`, `header` or `status`; split it into several captures"),
                    );
                    None
                }
            };
            (source, all, secret)
        }
        _ => {
            errors.push(
                file.error_at(path, format!("capture `{name}` must be a JSONPath starting with `$` or a mapping"))
                    .help("write `$.path.to.value`, `{ jsonpath: $..., all: true }`, `{ header: <name> }` or `{ status: true }`"),
            );
            (None, false, false)
        }
    };
    match source {
        Some(source) if errors.is_empty() => {
            let secret = secret_flag || is_secret_name(name) || reads_secret(&source);
            Ok(Capture {
                name: name.to_owned(),
                source,
                all,
                secret,
                spot: Spot::key(file, path),
            })
        }
        _ => Err(errors),
    }
}

/// Whether the source is a field or header known to carry a credential.
fn reads_secret(source: &Source) -> bool {
    match source {
        Source::Json(query) => query
            .last_names()
            .iter()
            .any(|n| SECRET_FIELDS.contains(&n.to_ascii_lowercase().as_str())),
        Source::Header(name) => {
            SECRET_FIELDS.contains(&name.as_str()) || SECRET_HEADERS.contains(&name.as_str())
        }
        Source::Status => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::test_support::load;
    use crate::exchange::JsonBody;
    use serde_json::json;

    fn parse(text: &str) -> Result<CaptureSet, Vec<Diagnostic>> {
        let (file, raw, path) = load(text, "capture");
        CaptureSet::parse(&raw, &file, &path)
    }

    fn captures(text: &str) -> CaptureSet {
        parse(text)
            .unwrap_or_else(|e| panic!("{}", e.iter().map(ToString::to_string).collect::<String>()))
    }

    fn body() -> Value {
        json!({
            "access_token": "eyJ-secret",
            "accounts": [{"account_id": "a1"}, {"account_id": "a2"}]
        })
    }

    fn headers() -> Vec<(String, String)> {
        vec![
            ("x-tl-correlation-id".into(), "corr-1".into()),
            ("set-cookie".into(), "a=1".into()),
            ("set-cookie".into(), "b=2".into()),
        ]
    }

    fn parsed(body: &Value) -> JsonBody {
        JsonBody::parsed(Some(body.clone()))
    }

    fn view<'a>(headers: &'a [(String, String)], json: &'a JsonBody) -> ResponseView<'a> {
        ResponseView {
            status: 201,
            headers,
            body: "{}",
            json,
        }
    }

    #[test]
    fn captures_first_node_all_nodes_header_and_status() {
        let set = captures(
            r#"steps:
  - capture:
      account_id: $.accounts[1].account_id
      first_id: $.accounts[*].account_id
      ids: { jsonpath: "$.accounts[*].account_id", all: true }
      correlation: { header: X-TL-Correlation-Id }
      cookies: { header: set-cookie, all: true }
      http_status: { status: true }
"#,
        );
        assert_eq!(
            set.names().collect::<Vec<_>>(),
            [
                "account_id",
                "first_id",
                "ids",
                "correlation",
                "cookies",
                "http_status"
            ]
        );
        let (body, headers) = (body(), headers());
        let got: Vec<(String, Value)> = set
            .evaluate(&view(&headers, &parsed(&body)))
            .unwrap()
            .into_iter()
            .map(|c| (c.name, c.value))
            .collect();
        assert_eq!(
            got,
            [
                ("account_id".into(), json!("a2")),
                ("first_id".into(), json!("a1")),
                ("ids".into(), json!(["a1", "a2"])),
                ("correlation".into(), json!("corr-1")),
                ("cookies".into(), json!(["a=1", "b=2"])),
                ("http_status".into(), json!(201)),
            ]
        );
    }

    #[test]
    fn secrets_are_detected_by_flag_name_field_and_header() {
        let set = captures(
            r#"steps:
  - capture:
      token: $.access_token
      my_secret: $.accounts[0].account_id
      forced: { jsonpath: "$.accounts[0].account_id", secret: true }
      plain: $.accounts[0].account_id
      cookie: { header: set-cookie }
"#,
        );
        let (body, headers) = (body(), headers());
        let secret: Vec<(String, bool)> = set
            .evaluate(&view(&headers, &parsed(&body)))
            .unwrap()
            .into_iter()
            .map(|c| (c.name, c.secret))
            .collect();
        assert_eq!(
            secret,
            [
                ("token".into(), true),
                ("my_secret".into(), true),
                ("forced".into(), true),
                ("plain".into(), false),
                ("cookie".into(), true),
            ]
        );
        // The field decides even when the capture's name says nothing.
        let set = captures("steps:\n  - capture:\n      bearer: $.access_token\n");
        assert!(set.evaluate(&view(&headers, &parsed(&body))).unwrap()[0].secret);
    }

    #[test]
    fn a_missing_node_or_header_stops_with_a_located_failure() {
        let set = captures(
            "steps:\n  - capture:\n      first: $.accounts[0].account_id\n      missing: $.accounts[5].account_id\n      later: { header: x-nope }\n",
        );
        let (body, headers) = (body(), headers());
        let failure = set.evaluate(&view(&headers, &parsed(&body))).unwrap_err();
        assert_eq!(failure.check, "capture missing");
        assert_eq!(failure.expected, "a node at $.accounts[5].account_id");
        assert_eq!(failure.actual, "absent");
        assert_eq!((failure.location.line, failure.location.col), (4, 7));

        let set = captures("steps:\n  - capture:\n      h: { header: x-nope }\n");
        let failure = set.evaluate(&view(&headers, &parsed(&body))).unwrap_err();
        assert_eq!(
            (failure.expected.as_str(), failure.actual.as_str()),
            ("header x-nope", "absent")
        );

        let set = captures("steps:\n  - capture:\n      id: $.id\n");
        let failure = set
            .evaluate(&view(&headers, &JsonBody::parsed(None)))
            .unwrap_err();
        assert_eq!(failure.actual, "the body is not JSON: \"{}\"");

        // `all: true` with no match is an empty list, not a failure.
        let set =
            captures("steps:\n  - capture:\n      ids: { jsonpath: '$.nope[*]', all: true }\n");
        assert_eq!(
            set.evaluate(&view(&headers, &parsed(&body))).unwrap()[0].value,
            json!([])
        );
    }

    #[test]
    fn load_errors_are_located() {
        let errors = parse(
            r#"steps:
  - capture:
      account-id: $.accounts[0].account_id
      bad_path: "$.accounts[0"
      typo: { jsonpth: $.a }
      both: { header: x, status: true }
      plain: account_id
      status_all: { status: true, all: true }
"#,
        )
        .unwrap_err();
        let summary: Vec<(usize, &str)> = errors
            .iter()
            .map(|d| (d.location.as_ref().unwrap().line, d.message.as_str()))
            .collect();
        assert_eq!(
            summary,
            [
                (3, "`account-id` is not a usable variable name"),
                (4, "invalid JSONPath `$.accounts[0`"),
                (5, "unknown key `jsonpth` in a capture"),
                (6, "capture `both` has several sources: header, status"),
                (
                    7,
                    "capture `plain` must be a JSONPath starting with `$` or a mapping"
                ),
                (8, "`all` does not apply to the status"),
            ]
        );
        assert_eq!(
            errors[0].help.as_deref(),
            Some(
                "templates need letters, digits and underscores, not starting with a digit: try `account_id`"
            )
        );
        assert_eq!(errors[2].help.as_deref(), Some("did you mean `jsonpath`?"));
    }
}
