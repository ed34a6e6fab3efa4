//! [`Difference`]: where two JSON values differ, path by path, so a failed equality of
//! objects or arrays says which fields are wrong instead of printing two long blobs.

use serde_json::Value;

use super::matcher::json_eq;

/// One place where the actual value is not the expected one: a path relative to the checked
/// value (`.currency`, `[1].id`; empty for the value itself), and both sides as compact JSON
/// (`absent` where one side has nothing).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Difference {
    pub path: String,
    pub expected: String,
    pub actual: String,
}

/// A failure lists at most this many differences; past them, one more entry counts the rest.
const MAX_DIFFERENCES: usize = 20;

/// Where `actual` differs from `expected`, when both are objects or both arrays (empty
/// otherwise: a scalar's expected and actual say it all). Paths come in the expected
/// value's order, then what only `actual` has.
pub fn differences(expected: &Value, actual: &Value) -> Vec<Difference> {
    let containers = matches!(
        (expected, actual),
        (Value::Object(_), Value::Object(_)) | (Value::Array(_), Value::Array(_))
    );
    if !containers {
        return Vec::new();
    }
    let mut found = Found::default();
    walk(String::new(), expected, actual, &mut found);
    let mut out = found.shown;
    if found.more > 0 {
        out.push(Difference {
            path: format!("({} more)", found.more),
            expected: "…".to_owned(),
            actual: "…".to_owned(),
        });
    }
    out
}

#[derive(Default)]
struct Found {
    shown: Vec<Difference>,
    more: usize,
}

impl Found {
    fn add(&mut self, path: String, expected: Option<&Value>, actual: Option<&Value>) {
        if self.shown.len() == MAX_DIFFERENCES {
            self.more += 1;
            return;
        }
        let side = |v: Option<&Value>| v.map_or_else(|| "absent".to_owned(), super::matcher::show);
        self.shown.push(Difference {
            path,
            expected: side(expected),
            actual: side(actual),
        });
    }
}

fn walk(path: String, expected: &Value, actual: &Value, found: &mut Found) {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (key, value) in e {
                let at = format!("{path}{}", key_segment(key));
                match a.get(key) {
                    Some(other) => walk(at, value, other, found),
                    None => found.add(at, Some(value), None),
                }
            }
            for (key, value) in a.iter().filter(|(k, _)| !e.contains_key(*k)) {
                found.add(format!("{path}{}", key_segment(key)), None, Some(value));
            }
        }
        (Value::Array(e), Value::Array(a)) => {
            for i in 0..e.len().max(a.len()) {
                let at = format!("{path}[{i}]");
                match (e.get(i), a.get(i)) {
                    (Some(e), Some(a)) => walk(at, e, a, found),
                    (e, a) => found.add(at, e, a),
                }
            }
        }
        _ if json_eq(expected, actual) => {}
        _ => found.add(path, Some(expected), Some(actual)),
    }
}

/// `.name` for a plain key, `['odd key']` otherwise, as JSONPath writes them.
fn key_segment(key: &str) -> String {
    let plain = key
        .chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
        && key.chars().all(|c| c.is_alphanumeric() || c == '_');
    match plain {
        true => format!(".{key}"),
        false => format!("['{}']", key.replace('\\', "\\\\").replace('\'', "\\'")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn paths(expected: Value, actual: Value) -> Vec<(String, String, String)> {
        differences(&expected, &actual)
            .into_iter()
            .map(|d| (d.path, d.expected, d.actual))
            .collect()
    }

    #[test]
    fn objects_and_arrays_differ_path_by_path() {
        let expected = json!({"a": 1, "b": {"c": "GBP", "d": [1, 2]}, "gone": true, "x y": 1});
        let actual = json!({"a": 1.0, "b": {"c": "EUR", "d": [1]}, "new": null, "x y": 2});
        assert_eq!(
            paths(expected, actual),
            [
                (".b.c".into(), "\"GBP\"".into(), "\"EUR\"".into()),
                (".b.d[1]".into(), "2".into(), "absent".into()),
                (".gone".into(), "true".into(), "absent".into()),
                ("['x y']".into(), "1".into(), "2".into()),
                (".new".into(), "absent".into(), "null".into()),
            ]
        );
        assert_eq!(
            paths(json!([{"id": "a"}]), json!([{"id": "b"}])),
            [("[0].id".into(), "\"a\"".into(), "\"b\"".into())]
        );
    }

    #[test]
    fn scalars_and_mixed_kinds_have_no_structure_to_show() {
        assert!(differences(&json!(1), &json!(2)).is_empty());
        assert!(differences(&json!({"a": 1}), &json!([1])).is_empty());
    }

    #[test]
    fn past_the_limit_the_rest_are_counted() {
        let expected: Value = (0..25).map(|i| i.into()).collect::<Vec<Value>>().into();
        let found = differences(&expected, &json!([]));
        assert_eq!(found.len(), MAX_DIFFERENCES + 1);
        assert_eq!(found[MAX_DIFFERENCES].path, "(5 more)");
    }
}
