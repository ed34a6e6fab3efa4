//! Tests of the template environment: syntax, strict undefined, filters and functions.

use std::collections::BTreeSet;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value as Json, json};

use super::*;

fn templates() -> Templates {
    Templates::new()
}

fn ctx() -> Context {
    Context::new(&json!({
        "expires_in": 3600,
        "ratio": 0.5,
        "enabled": true,
        "nothing": null,
        "ids": ["a", "b", "c"],
        "account": { "id": "acc-1", "balance": 12.5 },
        "name": "Jane",
        "env": { "CLIENT_ID": "sandbox-obflow-123" },
        "steps": {
            "token": {
                "status": 200,
                "headers": { "content-type": "application/json" },
                "json": { "access_token": "at-1", "expires_in": 3600 }
            }
        }
    }))
}

fn render(source: &str) -> String {
    templates()
        .render_str(source, &ctx())
        .unwrap_or_else(|e| panic!("{source}: {e}"))
}

fn value(source: &str) -> Json {
    templates()
        .render_value(&json!(source), &ctx())
        .unwrap_or_else(|e| panic!("{source}: {e}"))
}

fn error(source: &str) -> TemplateError {
    match templates().render_str(source, &ctx()) {
        Ok(out) => panic!("{source}: expected an error, rendered {out:?}"),
        Err(e) => e,
    }
}

fn names(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// The text a char range points at.
fn spanned(source: &str, range: (usize, usize)) -> String {
    source
        .chars()
        .skip(range.0)
        .take(range.1 - range.0)
        .collect()
}

#[test]
fn is_template_detects_expressions_and_statements_only() {
    assert!(Templates::is_template("{{ x }}"));
    assert!(Templates::is_template("a {% if x %}b{% endif %}"));
    assert!(Templates::is_template("{ {{x}}"));
    assert!(!Templates::is_template(""));
    assert!(!Templates::is_template("plain"));
    assert!(!Templates::is_template("{ \"json\": {} }"));
    assert!(!Templates::is_template("ends with {"));
    assert!(!Templates::is_template("{# only a comment #}"));
}

#[test]
fn single_expression_keeps_its_type() {
    assert_eq!(value("{{ expires_in }}"), json!(3600));
    assert_eq!(value("{{ ratio }}"), json!(0.5));
    assert_eq!(value("{{ enabled }}"), json!(true));
    assert_eq!(value("{{ nothing }}"), Json::Null);
    assert_eq!(value("{{ ids }}"), json!(["a", "b", "c"]));
    assert_eq!(
        value("{{ account }}"),
        json!({ "id": "acc-1", "balance": 12.5 })
    );
    assert_eq!(value("{{ name }}"), json!("Jane"));
    assert_eq!(value("{{ expires_in * 2 }}"), json!(7200));
    assert_eq!(value("{{ ids | length }}"), json!(3));
    assert_eq!(value("{{- expires_in -}}"), json!(3600));
    assert_eq!(value("{{ steps.token.json.expires_in }}"), json!(3600));
    assert_eq!(value("{{ [1, 'two', none] }}"), json!([1, "two", null]));
}

#[test]
fn anything_else_renders_to_a_string() {
    assert_eq!(value("{{ expires_in }}s"), json!("3600s"));
    assert_eq!(value(" {{ expires_in }}"), json!(" 3600"));
    assert_eq!(value("{{ expires_in }}{{ expires_in }}"), json!("36003600"));
    assert_eq!(value("{{ expires_in }} {{ name }}"), json!("3600 Jane"));
    assert_eq!(
        value("{% for id in ids %}{{ id }}{% endfor %}"),
        json!("abc")
    );
    // A delimiter inside the expression: rendered as text, still correct.
    assert_eq!(value("{{ '}}' }}"), json!("}}"));
}

#[test]
fn render_value_walks_arrays_and_objects_including_keys() {
    let input = json!({
        "plain": "no template {here}",
        "count": 3,
        "list": ["{{ expires_in }}", "id-{{ account.id }}", false],
        "{{ name | lower }}": { "nested": "{{ ids }}" }
    });
    let out = templates().render_value(&input, &ctx()).unwrap();
    assert_eq!(
        out,
        json!({
            "plain": "no template {here}",
            "count": 3,
            "list": [3600, "id-acc-1", false],
            "jane": { "nested": ["a", "b", "c"] }
        })
    );
}

#[test]
fn undefined_root_variable_is_an_error_naming_it() {
    let source = "Bearer {{ acount_id }}";
    let err = error(source);
    assert_eq!(err.message, "undefined variable `acount_id`");
    assert_eq!(err.undefined.as_deref(), Some("acount_id"));
    assert_eq!(spanned(source, err.char_range.unwrap()), "acount_id");

    // The typed path reports the same error.
    let err = templates()
        .render_value(&json!("{{ acount_id }}"), &ctx())
        .unwrap_err();
    assert_eq!(err.undefined.as_deref(), Some("acount_id"));
}

#[test]
fn missing_attribute_is_an_error_naming_the_path() {
    let source = "{{ steps.token.json.acess_token }}";
    let err = error(source);
    assert_eq!(
        err.message,
        "undefined value `steps.token.json.acess_token`"
    );
    assert_eq!(
        err.undefined.as_deref(),
        Some("steps.token.json.acess_token")
    );
    assert_eq!(spanned(source, err.char_range.unwrap()), "acess_token");

    // A missing step in the middle of the path is named, not its children.
    let source = "{{ steps.tokn.json.access_token }}";
    let err = error(source);
    assert_eq!(err.undefined.as_deref(), Some("steps.tokn"));
    assert_eq!(spanned(source, err.char_range.unwrap()), "tokn");

    // Item access, out-of-range index, and an undefined value handed to a filter.
    assert_eq!(error("{{ ids[7] }}").undefined.as_deref(), Some("ids[7]"));
    let source = "{{ account.iban | b64encode }}";
    let err = error(source);
    assert_eq!(err.undefined.as_deref(), Some("account.iban"));
    assert_eq!(spanned(source, err.char_range.unwrap()), "iban");
}

#[test]
fn undefined_in_statements_is_an_error() {
    let err = error("{% for a in idz %}{{ a }}{% endfor %}");
    assert_eq!(err.undefined.as_deref(), Some("idz"));
    let err = error("{% if verbose %}v{% endif %}");
    assert_eq!(err.undefined.as_deref(), Some("verbose"));
}

#[test]
fn defined_test_and_default_filter_still_work() {
    assert_eq!(
        render("{% if missing is defined %}yes{% else %}no{% endif %}"),
        "no"
    );
    assert_eq!(render("{% if name is defined %}yes{% endif %}"), "yes");
    assert_eq!(
        render("{{ 'x' if steps.token.json.scope is defined else 'none' }}"),
        "none"
    );
    assert_eq!(render("{{ missing | default('fallback') }}"), "fallback");
    assert_eq!(render("{{ account.iban | default('n/a') }}"), "n/a");
    assert_eq!(render("{{ missing | d(expires_in) }}"), "3600");
    assert_eq!(value("{{ missing | default(3) }}"), json!(3));
}

#[test]
fn syntax_errors_carry_a_char_range() {
    // A multi-byte character before the error: offsets are chars, not bytes.
    let source = "é{{ name }";
    let err = templates().validate(source).unwrap_err();
    assert!(err.message.starts_with("syntax error: "), "{}", err.message);
    assert_eq!(err.undefined, None);
    assert_eq!(err.char_range, Some((9, 10)));
    assert_eq!(spanned(source, err.char_range.unwrap()), "}");

    let err = templates()
        .render_str("{{ name name }}", &ctx())
        .unwrap_err();
    assert!(err.message.starts_with("syntax error: "), "{}", err.message);
    assert!(err.char_range.is_some());
}

#[test]
fn other_errors_name_their_kind() {
    assert_eq!(
        error("{{ nope() }}").message,
        "unknown function: nope is unknown"
    );
    assert!(
        error("{{ 1 | nope }}")
            .message
            .starts_with("unknown filter")
    );
    // Templates cannot include anything: there are no template files.
    assert!(
        error("{% include 'other' %}")
            .message
            .starts_with("template not found")
    );
}

#[test]
fn validate_returns_root_names_read() {
    let t = templates();
    assert_eq!(
        t.validate("{{ steps.token.json.access_token }}")
            .unwrap()
            .variables,
        names(&["steps"])
    );
    assert_eq!(
        t.validate("{% for a in ids %}{{ a }}{{ loop.index }}{% endfor %}")
            .unwrap()
            .variables,
        names(&["ids"])
    );
    assert_eq!(
        t.validate("{% set x = y %}{{ x | upper | b64encode }}")
            .unwrap()
            .variables,
        names(&["y"])
    );
    assert_eq!(
        t.validate("{{ uuid() }}{{ now() }}{{ range(3) | list }}{{ random_hex(8) }}")
            .unwrap()
            .variables,
        names(&[])
    );
    assert_eq!(
        t.validate("{{ a is defined }}{{ b | default(c) }}{{ env.HOME }}")
            .unwrap()
            .variables,
        names(&["a", "b", "c", "env"])
    );
    assert_eq!(t.validate("plain text").unwrap().variables, names(&[]));
}

/// The unknown filters, tests and functions validation finds: kind, name, the text its range
/// points at, and the suggestion.
fn unknown(source: &str) -> Vec<(NameKind, String, String, Option<&'static str>)> {
    let found = templates()
        .validate(source)
        .unwrap_or_else(|e| panic!("{source}: {e}"));
    found
        .unknown
        .into_iter()
        .map(|u| (u.kind, u.name, spanned(source, u.char_range), u.suggestion))
        .collect()
}

#[test]
fn validate_finds_unknown_filters_tests_and_functions_with_a_suggestion() {
    assert_eq!(
        unknown("{{ token | b64encod }}"),
        [(
            NameKind::Filter,
            "b64encod".into(),
            "b64encod".into(),
            Some("b64encode")
        )]
    );
    assert_eq!(
        unknown("{{ x is evne }}"),
        [(NameKind::Test, "evne".into(), "evne".into(), Some("even"))]
    );
    assert_eq!(
        unknown("{{ uuidd() }}"),
        [(
            NameKind::Function,
            "uuidd".into(),
            "uuidd".into(),
            Some("uuid")
        )]
    );
    // Found in a branch that would not run, after a multi-byte character (char offsets).
    assert_eq!(
        unknown("é{% if false %}{{ a | zzzzqqq(1) }}{% endif %}"),
        [(NameKind::Filter, "zzzzqqq".into(), "zzzzqqq".into(), None)]
    );
    // A filter block, a test negated, and names given as strings to map/select/selectattr.
    assert_eq!(
        unknown(
            "{% filter uppr %}x{% endfilter %}{{ a is not nne }}\
             {{ l | map('lowr') | select('od') | selectattr('id', 'evn') | list }}"
        ),
        [
            (
                NameKind::Filter,
                "uppr".into(),
                "uppr".into(),
                Some("upper")
            ),
            (NameKind::Test, "nne".into(), "nne".into(), Some("none")),
            (
                NameKind::Filter,
                "lowr".into(),
                "lowr".into(),
                Some("lower")
            ),
            (NameKind::Test, "od".into(), "od".into(), Some("odd")),
            (NameKind::Test, "evn".into(), "evn".into(), Some("even")),
        ]
    );
    // An unknown function is not also an undefined variable.
    let found = templates().validate("{{ nosuch() }}{{ other }}").unwrap();
    assert_eq!(found.variables, names(&["other"]));
}

#[test]
fn names_the_template_binds_are_not_unknown_functions() {
    for source in [
        "{% set f = uuid %}{{ f() }}",
        "{% macro m(a, b=1) %}{{ a }}{{ varargs }}{% endmacro %}{{ m(1) }}",
        "{% macro m() %}{{ caller() }}{% endmacro %}{% call m() %}x{% endcall %}",
        "{% for f in fs %}{{ f() }}{% endfor %}",
        "{% for k, f in fs | items %}{{ f() }}{% endfor %}",
        "{% for x in xs recursive %}{{ loop(x.children) }}{% endfor %}",
        "{% with f = uuid %}{{ f() }}{% endwith %}",
        "{% set ns = namespace(n=0) %}{% set ns.n = 1 %}{{ ns.n }}",
        "{{ x.items() }}{{ (x or y)() }}",
        "{{ l | map(attribute='id') | select | list }}{{ l | select('==', 1) | list }}",
    ] {
        assert_eq!(unknown(source), [], "{source}");
    }
}

#[test]
fn every_name_suggested_or_listed_is_defined() {
    // The lists in functions.rs drive suggestions and help; the environment decides what
    // exists. A minijinja upgrade that drops a builtin fails here, not in a user's check.
    let t = templates();
    let all = |kind: NameKind, lists: &[&[&str]]| {
        for name in lists.iter().flat_map(|l| l.iter()) {
            assert!(t.defines(kind, name), "{} `{name}`", kind.as_str());
        }
    };
    all(
        NameKind::Filter,
        &[super::functions::FILTERS, super::functions::BUILTIN_FILTERS],
    );
    all(NameKind::Test, &[super::functions::BUILTIN_TESTS]);
    all(
        NameKind::Function,
        &[
            super::functions::FUNCTIONS,
            super::functions::BUILTIN_FUNCTIONS,
        ],
    );
    assert!(!t.defines(NameKind::Filter, "no_such_filter"));
    assert!(!t.defines(NameKind::Test, "no_such_test"));
    assert!(!t.defines(NameKind::Function, "no_such_function"));
}

#[test]
fn env_is_reachable_through_the_context() {
    assert_eq!(render("{{ env.CLIENT_ID }}"), "sandbox-obflow-123");
    let err = error("{{ env.CLIENT_SECRET }}");
    assert_eq!(err.undefined.as_deref(), Some("env.CLIENT_SECRET"));
}

#[test]
fn non_object_root_gives_an_empty_context() {
    let ctx = Context::new(&json!([1, 2]));
    let err = templates().render_str("{{ x }}", &ctx).unwrap_err();
    assert_eq!(err.undefined.as_deref(), Some("x"));
}

#[test]
fn context_from_preconverted_values() {
    let step = to_template_value(&json!({ "status": 201 }));
    let ctx = Context::from_values([("step", step)]);
    assert_eq!(
        templates()
            .render_value(&json!("{{ step.status }}"), &ctx)
            .unwrap(),
        json!(201)
    );
}

#[test]
fn cached_templates_render_with_each_context() {
    let t = templates();
    for n in 0..3 {
        let ctx = Context::new(&json!({ "n": n }));
        assert_eq!(t.render_str("n={{ n }}", &ctx).unwrap(), format!("n={n}"));
        assert_eq!(t.render_value(&json!("{{ n }}"), &ctx).unwrap(), json!(n));
    }
}

#[test]
fn templates_are_shareable_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Templates>();
    assert_send_sync::<Context>();
    assert_send_sync::<TemplateError>();
}

#[test]
fn uuid_is_a_v4_uuid() {
    let id = render("{{ uuid() }}");
    let parsed = uuid::Uuid::parse_str(&id).unwrap();
    assert_eq!(parsed.get_version_num(), 4);
    assert_eq!(id.len(), 36);
    assert_ne!(id, render("{{ uuid() }}"));
}

#[test]
fn now_is_rfc3339_utc_and_formats() {
    use time::format_description::well_known::Rfc3339;
    let now = render("{{ now() }}");
    assert!(now.ends_with('Z'), "{now}");
    assert_eq!(now.len(), "2024-05-01T12:00:00Z".len(), "{now}");
    let parsed = time::OffsetDateTime::parse(&now, &Rfc3339).unwrap();
    assert!((parsed - time::OffsetDateTime::now_utc()).abs() < time::Duration::minutes(1));

    let day = render("{{ now('%Y-%m-%d') }}");
    assert!(now.starts_with(&day), "{now} / {day}");
    assert_eq!(render("{{ now('[year]-[month]-[day]') }}"), day);
    assert!(
        error("{{ now('[nonsense]') }}")
            .message
            .contains("bad time format")
    );
}

#[test]
fn timestamp_is_unix_seconds() {
    let ts = value("{{ timestamp() }}");
    let ts = ts.as_i64().expect("a number");
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    assert!((now - ts).abs() < 60, "{ts}");
    assert_eq!(value("{{ timestamp() + 300 > timestamp() }}"), json!(true));
}

#[test]
fn random_strings_have_length_and_charset() {
    let s = render("{{ random_string(40) }}");
    assert_eq!(s.len(), 40);
    assert!(s.chars().all(|c| c.is_ascii_alphanumeric()), "{s}");
    assert_eq!(render("{{ random_string() }}").len(), 16);

    let h = render("{{ random_hex(12) }}");
    assert_eq!(h.len(), 12);
    assert!(h.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f')), "{h}");
    assert_eq!(render("{{ random_hex() }}").len(), 32);

    assert!(
        error("{{ random_string(100000) }}")
            .message
            .contains("too long")
    );
    assert!(error("{{ random_hex(-1) }}").message.contains("invalid"));
}

#[test]
fn base64_round_trips() {
    assert_eq!(
        render("{{ 'client:secret' | b64encode }}"),
        "Y2xpZW50OnNlY3JldA=="
    );
    assert_eq!(
        render("{{ 'Y2xpZW50OnNlY3JldA==' | b64decode }}"),
        "client:secret"
    );
    assert_eq!(
        render("{{ 'Y2xpZW50OnNlY3JldA' | b64decode }}"),
        "client:secret"
    );
    // `??>` is where the two alphabets differ.
    assert_eq!(render("{{ '??>' | b64encode }}"), "Pz8+");
    assert_eq!(render("{{ '??>' | b64url_encode }}"), "Pz8-");
    assert_eq!(render("{{ 'Pz8-' | b64url_decode }}"), "??>");
    assert_eq!(render("{{ 'a' | b64url_encode }}"), "YQ");
    assert_eq!(render("{{ 'YQ==' | b64url_decode }}"), "a");
    assert_eq!(
        render("{{ name | b64url_encode | b64url_decode }}{{ name | b64encode | b64decode }}"),
        "JaneJane"
    );
    assert!(
        error("{{ '!!' | b64decode }}")
            .message
            .contains("not base64")
    );
}

#[test]
fn urlencode_is_available() {
    assert_eq!(render("{{ 'a b&c=d' | urlencode }}"), "a%20b%26c%3Dd");
    assert_eq!(
        render("{{ {'scope': 'info accounts', 'x': 1} | urlencode }}"),
        "scope=info%20accounts&x=1"
    );
}

#[test]
fn sha256_hex_known_vector() {
    assert_eq!(
        render("{{ 'abc' | sha256 }}"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}

#[test]
fn pkce_challenge_matches_rfc7636_appendix_b() {
    let ctx = Context::new(&json!({ "verifier": "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk" }));
    let t = templates();
    // RFC 7636 appendix B.
    let expected = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
    assert_eq!(
        t.render_str("{{ verifier | pkce_challenge }}", &ctx)
            .unwrap(),
        expected
    );
    // The same through the raw digest bytes.
    assert_eq!(
        t.render_str("{{ verifier | sha256_bytes | b64url_encode }}", &ctx)
            .unwrap(),
        expected
    );
}

fn hand_built_jwt() -> String {
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256","typ":"JWT"}"#);
    let claims = URL_SAFE_NO_PAD
        .encode(r#"{"sub":"user-1","exp":1700000000,"scope":"info accounts","amr":["pwd"]}"#);
    format!("{header}.{claims}.c2lnbmF0dXJl")
}

#[test]
fn jwt_claims_decodes_the_payload_without_verifying() {
    let ctx = Context::new(&json!({ "token": hand_built_jwt() }));
    let t = templates();
    assert_eq!(
        t.render_value(&json!("{{ token | jwt_claims }}"), &ctx)
            .unwrap(),
        json!({ "sub": "user-1", "exp": 1700000000, "scope": "info accounts", "amr": ["pwd"] })
    );
    assert_eq!(
        t.render_str("{{ (token | jwt_claims).sub }}", &ctx)
            .unwrap(),
        "user-1"
    );
    assert_eq!(
        t.render_value(&json!("{{ (token | jwt_claims).exp }}"), &ctx)
            .unwrap(),
        json!(1700000000)
    );
    assert_eq!(
        t.render_str("{{ (token | jwt_header).alg }}", &ctx)
            .unwrap(),
        "RS256"
    );
    let err = t
        .render_str("{{ 'not-a-jwt' | jwt_claims }}", &ctx)
        .unwrap_err();
    assert!(err.message.contains("not a JWT"), "{}", err.message);
    let err = t
        .render_str("{{ 'a.!!.c' | jwt_claims }}", &ctx)
        .unwrap_err();
    assert!(err.message.contains("not base64url"), "{}", err.message);
}

#[test]
fn json_filters_round_trip() {
    assert_eq!(
        value("{{ '{\"a\": [1, 2]}' | fromjson }}"),
        json!({ "a": [1, 2] })
    );
    assert_eq!(value("{{ ('[1, 2]' | fromjson)[1] }}"), json!(2));
    assert_eq!(render("{{ ids | tojson }}"), r#"["a", "b", "c"]"#);
    assert_eq!(
        value("{{ account | tojson | fromjson }}"),
        value("{{ account }}")
    );
    assert!(error("{{ '{' | fromjson }}").message.contains("not JSON"));
}

#[test]
fn values_are_never_html_escaped() {
    let ctx = Context::new(&json!({ "q": "<a href=\"x\">&</a>" }));
    assert_eq!(
        templates().render_str("{{ q }}", &ctx).unwrap(),
        "<a href=\"x\">&</a>"
    );
    // Even when the source looks like an HTML file name.
    assert_eq!(
        templates().render_str("{{ q }}.html", &ctx).unwrap(),
        "<a href=\"x\">&</a>.html"
    );
}

#[test]
fn every_render_is_bounded_in_work_and_size() {
    let looped =
        "{% for a in range(100000) %}{% for b in range(100000) %}x{% endfor %}{% endfor %}";
    let err = templates().render_str(looped, &ctx()).unwrap_err();
    assert!(
        err.message.contains("more work than a render may"),
        "{}",
        err.message
    );
    let big = "{% for a in range(2000) %}{{ 'x' * 1000 }}{% endfor %}";
    let err = templates().render_str(big, &ctx()).unwrap_err();
    assert!(
        err.message.contains("renders to more than 1 MiB"),
        "{}",
        err.message
    );
    let value = serde_json::json!("{{ 'x' * 2000000 }}");
    let err = templates().render_value(&value, &ctx()).unwrap_err();
    assert!(
        err.message.contains("renders to more than 1 MiB") || err.message.contains("more work"),
        "{}",
        err.message
    );
    // An ordinary template is far inside both.
    assert_eq!(render("{% for i in range(3) %}{{ i }}{% endfor %}"), "012");
}

#[test]
fn date_filters_read_add_compare_and_write_dates() {
    let created = "'2024-01-01T10:30:00.000+01:00'";
    assert_eq!(
        render(&format!("{{{{ {created} | date_add('90d') }}}}")),
        "2024-03-31T09:30:00Z"
    );
    assert_eq!(
        render(&format!("{{{{ {created} | date_sub(3600) }}}}")),
        "2024-01-01T08:30:00Z"
    );
    assert_eq!(
        render(&format!("{{{{ {created} | date }}}}")),
        "2024-01-01T09:30:00Z"
    );
    assert_eq!(render("{{ '2024-03-01' | date_sub('1d') }}"), "2024-02-29");
    assert_eq!(value("{{ '1970-01-02' | timestamp }}"), json!(86400));
    assert_eq!(
        value("{{ ('2024-04-01' | timestamp) - ('2024-01-01' | timestamp) }}"),
        json!(91 * 86400)
    );
    assert_eq!(
        render("{{ 86400 | date_format('%d %b %Y') }}"),
        "02 Jan 1970"
    );
    assert_eq!(
        render("{{ '31/12/2024' | date_parse('%d/%m/%Y') }}"),
        "2024-12-31"
    );
    assert_eq!(
        render("{{ '31/12/2024 23:59' | date_parse('%d/%m/%Y %H:%M') }}"),
        "2024-12-31T23:59:00Z"
    );
    assert!(
        error("{{ 'soon' | date_add('1d') }}")
            .to_string()
            .contains("not a date")
    );
    assert!(
        error("{{ '2024-01-01' | date_add('a week') }}")
            .to_string()
            .contains("duration")
    );
}
