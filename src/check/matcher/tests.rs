//! Tests of matcher parsing, evaluation and messages.

use super::describe::MAX_SHOWN_CHARS;
use super::*;
use crate::source::{Diagnostic, SourceFile, YamlPath};
use serde_json::{Value, json};
use std::borrow::Cow;
use std::path::PathBuf;

/// Parses `value` as written in YAML at `m: <value>`.
fn parse(value: &str) -> Result<Matcher, Vec<Diagnostic>> {
    let text = format!("m: {value}\n");
    let (file, doc) = SourceFile::parse(PathBuf::from("t.yaml"), text).expect("test YAML parses");
    let file = std::sync::Arc::new(file);
    let mut ctx = LoadContext::new(&file);
    let matcher = ctx.matcher_or_value(&doc["m"], &YamlPath::root().key("m"));
    match matcher {
        Some(m) if ctx.errors.is_empty() => Ok(m),
        _ => Err(ctx.errors),
    }
}

fn matcher(value: &str) -> Matcher {
    parse(value).unwrap_or_else(|e| panic!("{value}: {e:?}"))
}

fn check(value: &str, actual: Value) -> Result<(), Mismatch> {
    matcher(value).check(&Subject::Single(Some(&actual)))
}

fn mismatch(value: &str, actual: Value) -> (String, String, String) {
    let m = check(value, actual).expect_err("the matcher should fail");
    (m.detail, m.expected, m.actual)
}

fn texts(detail: &str, expected: &str, actual: &str) -> (String, String, String) {
    (detail.into(), expected.into(), actual.into())
}

fn error_text(value: &str) -> String {
    let errors = parse(value).expect_err("the matcher should not load");
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn plain_values_mean_equality_with_numbers_by_value() {
    assert!(check("3600", json!(3600.0)).is_ok());
    assert!(check("Bearer", json!("Bearer")).is_ok());
    assert!(check("[1, 2]", json!([1.0, 2])).is_ok());
    assert!(check("{ a: 1, b: [x] }", json!({"b": ["x"], "a": 1})).is_ok());
    assert_eq!(
        mismatch("GBP", json!("EUR")),
        texts("", "\"GBP\"", "\"EUR\"")
    );
    assert_eq!(
        mismatch("3600", json!("3600")),
        texts("", "3600", "\"3600\"")
    );
    assert_eq!(mismatch("{ equals: 1 }", json!(2)), texts("", "1", "2"));
    // An object with ordinary keys is a value, not a matcher.
    assert!(check("{ name: x }", json!({"name": "x"})).is_ok());
    let absent = matcher("1").check(&Subject::Single(None)).unwrap_err();
    assert_eq!(absent.actual, "absent");
}

#[test]
fn exists_and_absent() {
    let present = json!(null);
    assert!(
        matcher("{ exists: true }")
            .check(&Subject::Single(Some(&present)))
            .is_ok()
    );
    assert!(
        matcher("{ absent: true }")
            .check(&Subject::Single(None))
            .is_ok()
    );
    assert!(
        matcher("{ exists: false }")
            .check(&Subject::Single(None))
            .is_ok()
    );
    assert!(
        matcher("{ absent: false }")
            .check(&Subject::Single(Some(&present)))
            .is_ok()
    );
    assert_eq!(
        mismatch("{ absent: true }", json!("boom")),
        texts("", "absent", "\"boom\"")
    );
    let m = matcher("{ exists: true }")
        .check(&Subject::Single(None))
        .unwrap_err();
    assert_eq!(
        (m.expected.as_str(), m.actual.as_str()),
        ("exists", "absent")
    );
    // For node lists: at least one node exists.
    assert!(
        matcher("{ exists: false }")
            .check(&Subject::Nodes(vec![]))
            .is_ok()
    );
    let one = json!(1);
    assert!(
        matcher("{ exists: true }")
            .check(&Subject::Nodes(vec![&one]))
            .is_ok()
    );
}

#[test]
fn length_of_lists_strings_objects_and_nodes() {
    assert!(check("{ length: 3 }", json!([1, 2, 3])).is_ok());
    assert!(check("{ length: 2 }", json!("é!")).is_ok());
    assert!(check("{ length: { gte: 1 } }", json!({"a": 1})).is_ok());
    assert_eq!(
        mismatch("{ length: 3 }", json!([1, 2])),
        texts(" length", "length 3", "2")
    );
    assert_eq!(
        mismatch("{ length: { gte: 1 } }", json!([])),
        texts(" length", "length >= 1", "0")
    );
    assert_eq!(
        mismatch("{ length: 3 }", json!(7)),
        texts("", "length 3", "7 (a number has no length)")
    );
    let (a, b) = (json!(1), json!(2));
    assert!(
        matcher("{ length: 2 }")
            .check(&Subject::Nodes(vec![&a, &b]))
            .is_ok()
    );
    assert!(
        matcher("{ length: 0 }")
            .check(&Subject::Nodes(vec![]))
            .is_ok()
    );
}

#[test]
fn matches_strings_only() {
    let date = r"{ matches: '^\d{4}-\d{2}-\d{2}$' }";
    assert!(check(date, json!("1990-01-31")).is_ok());
    assert_eq!(
        mismatch(date, json!("31/01/1990")),
        texts("", r"matches ^\d{4}-\d{2}-\d{2}$", "\"31/01/1990\"")
    );
    assert_eq!(
        mismatch(date, json!(1990)),
        texts(
            "",
            r"matches ^\d{4}-\d{2}-\d{2}$",
            "1990 (a number, not a string)"
        )
    );
}

#[test]
fn contains_substring_element_or_key() {
    assert!(check("{ contains: json }", json!("application/json")).is_ok());
    assert!(check("{ contains: GBP }", json!(["EUR", "GBP"])).is_ok());
    assert!(check("{ contains: { id: 1 } }", json!([{"id": 1.0}])).is_ok());
    assert!(check("{ contains: iban }", json!({"iban": "x"})).is_ok());
    assert!(check("{ contains: 404 }", json!("error 404")).is_ok());
    assert_eq!(
        mismatch("{ contains: USD }", json!(["GBP"])),
        texts("", "contains \"USD\"", "[\"GBP\"]")
    );
}

#[test]
fn one_of_and_comparisons() {
    assert!(check("{ one_of: [200, 201] }", json!(201)).is_ok());
    assert_eq!(
        mismatch("{ one_of: [200, 201] }", json!(404)),
        texts("", "one of [200,201]", "404")
    );
    assert!(check("{ gt: 1 }", json!(2)).is_ok());
    assert!(check("{ gte: 2, lte: 2.0 }", json!(2)).is_ok());
    assert!(check("{ lt: 0.5 }", json!(0.25)).is_ok());
    assert_eq!(
        mismatch("{ gte: 200, lt: 300 }", json!(404)),
        texts("", ">= 200 and < 300", "404")
    );
    assert_eq!(mismatch("{ gt: 2 }", json!(2)), texts("", "> 2", "2"));
    assert_eq!(
        mismatch("{ lte: 5 }", json!("3")),
        texts("", "<= 5", "\"3\" (a string, not a number)")
    );
    // Large integers compare exactly, not through f64.
    assert!(check("{ gt: 9007199254740992 }", json!(9007199254740993u64)).is_ok());
}

#[test]
fn types() {
    for (t, v) in [
        ("string", json!("x")),
        ("number", json!(1.5)),
        ("integer", json!(3)),
        ("integer", json!(3.0)),
        ("boolean", json!(false)),
        ("array", json!([])),
        ("object", json!({})),
        ("null", json!(null)),
    ] {
        assert!(check(&format!("{{ type: {t} }}"), v).is_ok(), "{t}");
    }
    assert_eq!(
        mismatch("{ type: integer }", json!(1.5)),
        texts("", "type integer", "number 1.5")
    );
}

#[test]
fn each_names_the_first_failing_index() {
    assert!(check("{ each: { type: string } }", json!(["a", "b"])).is_ok());
    assert!(check("{ each: GBP }", json!([])).is_ok());
    assert_eq!(
        mismatch(
            "{ each: { equals: GBP } }",
            json!(["GBP", "GBP", "EUR", "USD"])
        ),
        texts(" each [2]", "\"GBP\"", "\"EUR\"")
    );
    assert_eq!(
        mismatch("{ each: { length: 2 } }", json!(["ab", "abc"])),
        texts(" each [1] length", "length 2", "3")
    );
    assert_eq!(
        mismatch("{ each: GBP }", json!("GBP")),
        texts("", "each \"GBP\"", "\"GBP\" (a string, not a list)")
    );
    let (a, b) = (json!("GBP"), json!("EUR"));
    let m = matcher("{ each: GBP }")
        .check(&Subject::Nodes(vec![&a, &b]))
        .unwrap_err();
    assert_eq!(m.detail, " each [1]");
}

#[test]
fn not_negates() {
    assert!(check("{ not: { contains: error } }", json!("fine")).is_ok());
    assert!(check("{ not: EUR }", json!("GBP")).is_ok());
    assert_eq!(
        mismatch("{ not: { contains: error } }", json!("an error")),
        texts("", "not contains \"error\"", "\"an error\"")
    );
}

#[test]
fn shown_values_are_cut() {
    let long = "x".repeat(500);
    let m = mismatch("short", json!(long));
    assert_eq!(m.2.chars().count(), MAX_SHOWN_CHARS + 1);
    assert!(m.2.ends_with('…'));
}

#[test]
fn templates_render_before_evaluation() {
    let m = matcher("{ each: '{{ currency }}', length: '{{ n }}' }");
    let mut render = |v: &Value| -> Result<Value, String> {
        Ok(match v.as_str() {
            Some("{{ currency }}") => json!("GBP"),
            Some("{{ n }}") => json!("2"),
            _ => v.clone(),
        })
    };
    let resolved = m.resolve(&mut render).unwrap();
    let actual = json!(["GBP", "GBP"]);
    assert!(resolved.check(&Subject::Single(Some(&actual))).is_ok());

    let m = matcher("{ matches: '^{{ prefix }}-\\d+$' }");
    let mut render = |_: &Value| -> Result<Value, String> { Ok(json!("acc")) };
    let resolved = m.resolve(&mut render).unwrap();
    assert!(
        resolved
            .check(&Subject::Single(Some(&json!("acc-12"))))
            .is_ok()
    );

    let mut failing = |_: &Value| -> Result<Value, String> { Err("undefined: prefix".into()) };
    assert_eq!(m.resolve(&mut failing).unwrap_err(), "undefined: prefix");
    let mut bad_regex = |_: &Value| -> Result<Value, String> { Ok(json!("(")) };
    assert!(
        m.resolve(&mut bad_regex)
            .unwrap_err()
            .contains("not a valid regular expression")
    );

    // Without templates the matcher is used as is.
    let plain = matcher("{ gte: 1 }");
    let mut never = |_: &Value| -> Result<Value, String> { panic!("nothing to render") };
    assert!(matches!(plain.resolve(&mut never), Ok(Cow::Borrowed(_))));
}

#[test]
fn load_errors_explain_and_suggest() {
    let text = error_text("{ length: 3, lenght: 4 }");
    assert!(text.contains("unknown matcher `lenght`"), "{text}");
    assert!(text.contains("did you mean `length`?"), "{text}");
    // A lone misspelt matcher is not silently taken for an object...
    assert!(error_text("{ exsits: true }").contains("did you mean `exists`?"));
    assert!(error_text("{ lenght: 3 }").contains("did you mean `length`?"));
    // ...but ordinary objects stay values.
    for object in [
        "{ date: x }",
        "{ rate: 1 }",
        "{ name: x }",
        "{ state: x }",
        "{ code: 1 }",
    ] {
        assert!(matches!(parse(object), Ok(Matcher::Equals(_))), "{object}");
    }
    assert!(error_text("{ length: x }").contains("`length` takes a whole number, not \"x\""));
    assert!(error_text("{ length: -1 }").contains("`length` takes a whole number"));
    assert!(error_text("{ exists: yes please }").contains("`exists` takes true or false"));
    assert!(error_text("{ gt: '2024-01-01' }").contains("`gt` compares numbers"));
    assert!(error_text("{ one_of: [] }").contains("non-empty list"));
    assert!(error_text("{ type: strng }").contains("did you mean `string`?"));
    let regex = error_text("{ matches: '(' }");
    assert!(regex.contains("invalid regular expression"), "{regex}");
    assert!(regex.contains("note: unclosed group"), "{regex}");
    // Problems in several keys are all reported.
    let errors = parse("{ length: x, gt: y }").unwrap_err();
    assert_eq!(errors.len(), 2);
}

#[test]
fn header_text_matching() {
    let mut m = matcher("{ one_of: [42, 43] }");
    m.expect_text();
    assert!(m.check(&Subject::Single(Some(&json!("43")))).is_ok());
}

#[test]
fn dates_compare_as_moments_whatever_their_form() {
    assert!(check("{ after: '2024-01-01' }", json!("2024-01-01T00:00:01Z")).is_ok());
    assert!(
        check(
            "{ before: '2024-01-01T01:00:00+01:00' }",
            json!("2023-12-31T23:59:59Z")
        )
        .is_ok()
    );
    assert!(
        check(
            "{ same_instant: '2024-01-01T01:00:00+01:00' }",
            json!("2024-01-01T00:00:00.000Z")
        )
        .is_ok()
    );
    assert!(check("{ same_instant: 1704067200 }", json!("2024-01-01")).is_ok());
    assert_eq!(
        mismatch("{ before: '2024-01-01' }", json!("2024-01-02")),
        texts("", "before \"2024-01-01\"", "\"2024-01-02\"")
    );
    let (_, _, actual) = mismatch("{ after: '2024-01-01' }", json!("tomorrow"));
    assert!(actual.contains("is not a date"), "{actual}");
    assert!(error_text("{ after: soon }").contains("`after` compares dates"));
    assert!(parse("{ before: \"{{ created | date_add('1d') }}\" }").is_ok());
}
