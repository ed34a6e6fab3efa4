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
use crate::source::{Diagnostic, closest};
use crate::source::{SourceFile, Spot, YamlPath};
use std::sync::Arc;

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
    /// Its key, where a failure points.
    spot: Spot,
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
        file: &Arc<SourceFile>,
        path: &YamlPath,
    ) -> Result<Expectation, Vec<Diagnostic>> {
        let mut ctx = LoadContext::new(file);
        let mut checks = Vec::new();
        match raw {
            Value::Null => {}
            Value::Object(map) => {
                for (key, value) in map {
                    let entry = path.key(key.to_string());
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
                                    spot: Spot::key(file, &entry),
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
        // Mappings keep the file's order (serde_json `preserve_order`): checks run in it.
        Ok(Expectation {
            checks,
            templates: ctx.templates,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.checks.is_empty()
    }

    /// Each check's name and the location of its key, in file order (for reports that list
    /// every check, passed or not).
    pub fn checks(&self) -> impl Iterator<Item = (&str, &Spot)> {
        self.checks.iter().map(|c| (c.name.as_str(), &c.spot))
    }

    /// Every template string in an expected value, with its path, so the loader can check
    /// that the variables they use will be defined.
    pub fn templates(&self) -> Vec<(&str, &YamlPath)> {
        self.templates
            .iter()
            .map(|t| (t.text.as_str(), &t.path))
            .collect()
    }

    /// Every check in plain words, in file order, for generated guides: "status is `200`",
    /// "`$.token_type` equals `Bearer`", "`$.accounts` has length `3`". Expected values are
    /// shown as written (templates unrendered).
    pub fn describe(&self) -> Vec<String> {
        self.checks
            .iter()
            .map(|check| {
                let words = check.matcher.describe();
                match &check.target {
                    Target::Status => match &check.matcher {
                        Matcher::Equals(_) => words.replacen("equals", "status is", 1),
                        _ => format!("status {words}"),
                    },
                    Target::Header(name) => {
                        format!("header {} {words}", super::matcher::code_span(name))
                    }
                    Target::Body => format!("the body {words}"),
                    Target::Json(query) => {
                        format!("{} {words}", super::matcher::code_span(query.as_str()))
                    }
                }
            })
            .collect()
    }

    /// Whether the step expects a refusal: its status check holds for 4xx and 5xx codes
    /// only (`400`, `[401, 403]`, `{ gte: 400 }`). Guides show such a step as the request
    /// that fails and the answer to expect.
    pub fn expects_refusal(&self) -> bool {
        fn refusal(matcher: &Matcher) -> bool {
            let at_least_400 =
                |e: &super::matcher::Expected| e.value().as_u64().is_some_and(|n| n >= 400);
            match matcher {
                Matcher::Equals(e) => at_least_400(e),
                Matcher::OneOf(e) => e.value().as_array().is_some_and(|codes| {
                    !codes.is_empty() && codes.iter().all(|c| c.as_u64().is_some_and(|n| n >= 400))
                }),
                Matcher::Compare(super::matcher::Comparison::Gte, e) => at_least_400(e),
                Matcher::Compare(super::matcher::Comparison::Gt, e) => {
                    e.value().as_u64().is_some_and(|n| n >= 399)
                }
                Matcher::All(all) => all.iter().any(refusal),
                _ => false,
            }
        }
        self.checks
            .iter()
            .any(|c| matches!(c.target, Target::Status) && refusal(&c.matcher))
    }

    /// The one status the step expects, when it names exactly one.
    pub fn expected_status(&self) -> Option<u64> {
        self.checks
            .iter()
            .find_map(|c| match (&c.target, &c.matcher) {
                (Target::Status, Matcher::Equals(e)) => e.value().as_u64(),
                _ => None,
            })
    }

    /// The JSON checks that are plain equalities, as (path, expected value as written), in
    /// file order: what a guide can show of an answer without a snapshot.
    pub fn json_equalities(&self) -> Vec<(&JsonPathQuery, &Value)> {
        self.checks
            .iter()
            .filter_map(|c| match (&c.target, &c.matcher) {
                (Target::Json(query), Matcher::Equals(e)) => Some((query, e.value())),
                _ => None,
            })
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
                location: check.spot.location(),
                differences: Vec::new(),
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
                Target::Json(query) => match response.json() {
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
                let mut actual = m.actual;
                // A status alone does not say why: an error answer's own words do.
                if matches!(check.target, Target::Status) {
                    if let Some(why) = response.json().and_then(super::error_answer) {
                        actual = format!("{actual} ({why})");
                    }
                }
                let mut failure = fail(&m.detail, m.expected, actual);
                // Paths inside the value checked: `$.account` + `.currency`.
                let root = match &check.target {
                    Target::Json(query) => query.as_str().to_owned(),
                    _ => "$".to_owned(),
                };
                failure.differences = m
                    .differences
                    .into_iter()
                    .map(|mut d| {
                        if !d.path.starts_with('(') {
                            d.path = format!("{root}{}", d.path);
                        }
                        d
                    })
                    .collect();
                failures.push(failure);
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
        spot: Spot::key(ctx.file, path),
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
        let entry = path.key(name.to_string());
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
            spot: Spot::key(ctx.file, &entry),
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
    let entry = parent.key(key.to_string());
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
        spot: Spot::key(ctx.file, &entry),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::test_support::load;
    use crate::exchange::JsonBody;
    use serde_json::json;

    const SCENARIO: &str = r#"steps:
  - id: accounts
    expect:
      status: 200
      headers:
        Content-Type: { contains: application/json }
        cache-control: no-store
        x-missing: { absent: true }
      json:
        $.token_type: Bearer
        $.expires_in: 3600
        $.accounts: { length: 3 }
        $.accounts[*].currency: { each: { equals: GBP } }
        $.date_of_birth: { matches: '^\d{4}-\d{2}-\d{2}$' }
        $.error: { absent: true }
      "$.result": multiple_accounts_linked
      body: { contains: "Bearer" }
"#;

    fn parse(text: &str) -> Result<Expectation, Vec<Diagnostic>> {
        let (file, raw, path) = load(text, "expect");
        Expectation::parse(&raw, &file, &path)
    }

    fn expect(text: &str) -> Expectation {
        parse(text).unwrap_or_else(|e| panic!("{}", render_errors(&e)))
    }

    fn render_errors(errors: &[Diagnostic]) -> String {
        errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn no_templates(value: &Value) -> Result<Value, String> {
        Ok(value.clone())
    }

    struct Response {
        status: u16,
        headers: Vec<(String, String)>,
        body: String,
        json: JsonBody,
    }

    impl Response {
        fn json(status: u16, body: Value) -> Self {
            Response {
                status,
                headers: vec![
                    (
                        "content-type".into(),
                        "application/json; charset=utf-8".into(),
                    ),
                    ("cache-control".into(), "no-store".into()),
                ],
                body: body.to_string(),
                json: JsonBody::parsed(Some(body)),
            }
        }

        fn view(&self) -> ResponseView<'_> {
            ResponseView {
                status: self.status,
                headers: &self.headers,
                body: &self.body,
                json: &self.json,
            }
        }
    }

    fn good_body() -> Value {
        json!({
            "token_type": "Bearer",
            "expires_in": 3600.0,
            "accounts": [{"currency": "GBP"}, {"currency": "GBP"}, {"currency": "GBP"}],
            "date_of_birth": "1990-01-31",
            "result": "multiple_accounts_linked"
        })
    }

    fn failures(
        expectation: &Expectation,
        response: &Response,
    ) -> Vec<(String, String, String, usize)> {
        expectation
            .evaluate(&response.view(), &mut no_templates)
            .into_iter()
            .map(|f| (f.check, f.expected, f.actual, f.location.line))
            .collect()
    }

    fn failure(
        check: &str,
        expected: &str,
        actual: &str,
        line: usize,
    ) -> (String, String, String, usize) {
        (check.into(), expected.into(), actual.into(), line)
    }

    #[test]
    fn the_documented_example_passes() {
        let expectation = expect(SCENARIO);
        assert!(!expectation.is_empty());
        assert_eq!(
            failures(&expectation, &Response::json(200, good_body())),
            []
        );
    }

    #[test]
    fn failures_name_check_expected_actual_and_line_in_file_order() {
        let expectation = expect(SCENARIO);
        let mut response = Response::json(
            404,
            json!({
                "token_type": "bearer",
                "expires_in": 3600,
                "accounts": [{"currency": "GBP"}, {"currency": "EUR"}],
                "error": "invalid_grant",
                "result": "multiple_accounts_linked"
            }),
        );
        response.headers[0].1 = "text/html".into();
        response.headers.push(("x-missing".into(), "here".into()));
        assert_eq!(
            failures(&expectation, &response),
            [
                failure("status", "200", "404 (invalid_grant)", 4),
                failure(
                    "header content-type",
                    "contains \"application/json\"",
                    "\"text/html\"",
                    6
                ),
                failure("header x-missing", "absent", "\"here\"", 8),
                failure("$.token_type", "\"Bearer\"", "\"bearer\"", 10),
                failure("$.accounts length", "length 3", "2", 12),
                failure("$.accounts[*].currency each [1]", "\"GBP\"", "\"EUR\"", 13),
                failure(
                    "$.date_of_birth",
                    r"matches ^\d{4}-\d{2}-\d{2}$",
                    "absent",
                    14
                ),
                failure("$.error", "absent", "\"invalid_grant\"", 15),
                failure(
                    "body",
                    "contains \"Bearer\"",
                    &crate::check::matcher::show(&json!(response.body)),
                    17
                ),
            ]
        );
    }

    #[test]
    fn status_forms() {
        let text = |status: &str| format!("steps:\n  - expect:\n      status: {status}\n");
        let run = |status: &str, actual: u16| {
            let e = expect(&text(status));
            e.evaluate(&Response::json(actual, json!({})).view(), &mut no_templates)
        };
        assert!(run("201", 201).is_empty());
        assert!(run("[200, 201]", 201).is_empty());
        assert!(run("{ one_of: [200, 201] }", 200).is_empty());
        assert!(run("{ gte: 200, lt: 300 }", 204).is_empty());
        let f = run("[200, 201]", 500);
        assert_eq!(
            (f[0].expected.as_str(), f[0].actual.as_str()),
            ("one of [200,201]", "500")
        );
        let f = run("{ gte: 200, lt: 300 }", 302);
        assert_eq!(f[0].expected, ">= 200 and < 300");
        for bad in ["OK", "2000", "[200, x]", "{ code: 200 }"] {
            let errors = parse(&text(bad)).expect_err(bad);
            assert!(
                errors[0].message.starts_with("invalid status"),
                "{bad}: {errors:?}"
            );
            assert_eq!(errors[0].location.as_ref().unwrap().line, 3);
        }
    }

    #[test]
    fn headers_ignore_case_and_compare_as_text() {
        let e = expect(
            "steps:\n  - expect:\n      headers:\n        X-Count: 42\n        x-flag: { one_of: [true] }\n",
        );
        let mut response = Response::json(200, json!({}));
        response.headers.push(("x-count".into(), "42".into()));
        response.headers.push(("x-flag".into(), "true".into()));
        assert!(e.evaluate(&response.view(), &mut no_templates).is_empty());
        response.headers.retain(|(n, _)| n != "x-count");
        let f = e.evaluate(&response.view(), &mut no_templates);
        assert_eq!(
            (
                f[0].check.as_str(),
                f[0].expected.as_str(),
                f[0].actual.as_str()
            ),
            ("header x-count", "\"42\"", "absent")
        );
    }

    #[test]
    fn singular_paths_see_a_node_and_others_see_the_list() {
        let e = expect(
            r#"steps:
  - expect:
      json:
        $.accounts[0].id: a
        $.accounts[*].id: [a, b]
        $..id: { length: 2, contains: b }
        $.accounts[?@.id == 'z']: { absent: true }
        $.accounts[*].nope: { length: 0 }
        $.nothing[*]: { exists: false }
        $.accounts: { each: { type: object } }
"#,
        );
        let body = json!({"accounts": [{"id": "a"}, {"id": "b"}]});
        assert_eq!(failures(&e, &Response::json(200, body)), []);
        let e = expect(
            "steps:\n  - expect:\n      $.accounts[*].id: { exists: true }\n      $.accounts[0].id: a\n",
        );
        assert_eq!(
            failures(&e, &Response::json(200, json!({"accounts": []}))),
            [
                failure("$.accounts[*].id", "exists", "[]", 3),
                failure("$.accounts[0].id", "\"a\"", "absent", 4),
            ]
        );
    }

    #[test]
    fn json_checks_on_a_body_that_is_not_json_fail() {
        let e = expect("steps:\n  - expect:\n      $.id: { exists: true }\n");
        let response = Response {
            status: 200,
            headers: vec![],
            body: "<html>".into(),
            json: JsonBody::parsed(None),
        };
        assert_eq!(
            failures(&e, &response),
            [failure(
                "$.id",
                "exists",
                "the body is not JSON: \"<html>\"",
                3
            )]
        );
    }

    #[test]
    fn templates_are_listed_and_rendered_by_the_engine() {
        let e = expect(
            "steps:\n  - expect:\n      json:\n        $.id: \"{{ account_id }}\"\n        $.ids: { contains: '{{ other }}' }\n",
        );
        let sites: Vec<(String, String)> = e
            .templates()
            .into_iter()
            .map(|(t, p)| (t.to_owned(), p.to_string()))
            .collect();
        assert_eq!(
            sites,
            [
                (
                    "{{ account_id }}".into(),
                    "steps[0].expect.json.$.id".into()
                ),
                (
                    "{{ other }}".into(),
                    "steps[0].expect.json.$.ids.contains".into()
                ),
            ]
        );
        let response = Response::json(200, json!({"id": "acc-1", "ids": ["acc-2"]}));
        let mut render = |v: &Value| match v.as_str() {
            Some("{{ account_id }}") => Ok(json!("acc-1")),
            _ => Err("undefined variable `other`".to_owned()),
        };
        let f = e.evaluate(&response.view(), &mut render);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].check, "$.ids");
        assert_eq!(f[0].expected, "contains \"{{ other }}\"");
        assert_eq!(
            f[0].actual,
            "could not render the expected value: undefined variable `other`"
        );
    }

    #[test]
    fn checks_read_as_plain_words() {
        insta::assert_snapshot!(expect(SCENARIO).describe().join("\n"), @r"
        status is `200`
        header `content-type` contains `application/json`
        header `cache-control` equals `no-store`
        header `x-missing` is absent
        `$.token_type` equals `Bearer`
        `$.expires_in` equals `3600`
        `$.accounts` has length `3`
        `$.accounts[*].currency` — each item equals `GBP`
        `$.date_of_birth` matches `^\d{4}-\d{2}-\d{2}$`
        `$.error` is absent
        `$.result` equals `multiple_accounts_linked`
        the body contains `Bearer`
        ");
    }

    #[test]
    fn empty_expect() {
        assert!(expect("steps:\n  - expect:\n").is_empty());
        assert!(expect("steps:\n  - expect: {}\n").is_empty());
    }

    #[test]
    fn every_load_error_is_located_and_explained() {
        let errors = parse(
            r#"steps:
  - id: x
    expect:
      stauts: 200
      json:
        $.a[: 1
        $.b: { lenght: 3, each: x }
        $.c: { matches: '(' }
        $.d: { length: "x" }
"#,
        )
        .unwrap_err();
        insta::assert_snapshot!(render_errors(&errors), @r#"
        error: unknown key `stauts` in `expect`
         --> t.yaml:4:7
          |
        4 |       stauts: 200
          |       ^^^^^^
          = help: did you mean `status`?

        error: invalid JSONPath `$.a[`
         --> t.yaml:6:9
          |
        6 |         $.a[: 1
          |         ^^^^
          = note: expected selector (at character 5)
          = help: JSONPath follows RFC 9535, e.g. `$.accounts[0].account_id` or `$.accounts[*].currency`; quote names with odd characters: `$['x-id']`

        error: unknown matcher `lenght`
         --> t.yaml:7:16
          |
        7 |         $.b: { lenght: 3, each: x }
          |                ^^^^^^
          = help: did you mean `length`? (to compare with an object that has a `lenght` key, write `equals: { lenght: ... }`)

        error: invalid regular expression
         --> t.yaml:8:25
          |
        8 |         $.c: { matches: '(' }
          |                         ^^^
          = note: unclosed group
          = help: the syntax is Rust's `regex` crate; in YAML, single-quote the pattern so backslashes stay as written

        error: `length` takes a whole number, not "x"
         --> t.yaml:9:24
          |
        9 |         $.d: { length: "x" }
          |                        ^^^
          = help: write a count such as `length: 3`, or a matcher such as `length: { gte: 1 }`
        "#);
    }

    #[test]
    fn expect_must_be_a_mapping() {
        let errors = parse("steps:\n  - expect: 200\n").unwrap_err();
        assert_eq!(errors[0].message, "`expect` must be a mapping");
        assert_eq!(errors[0].location.as_ref().unwrap().line, 2);
    }
}
