//! Checks (`expect`) and captures (`capture`) of a step: parsed and validated at load time,
//! evaluated against a response by the engine.
//!
//! - [`Expectation`] (`expect.rs`): status, headers, JSONPath and body checks.
//! - [`CaptureSet`] (`capture.rs`): values taken from a response into variables.
//! - `matcher.rs`: the matchers both use (`equals`, `length`, `each`, ...).
//! - `jsonpath.rs`: RFC 9535 paths through jsonpath-rust, and what "singular" means.
//!
//! The user-facing reference is `docs/checks.md`.

pub mod capture;
pub mod expect;
pub mod jsonpath;
pub mod matcher;

pub use capture::{CaptureSet, Captured};
pub use expect::Expectation;
pub use jsonpath::{JsonPathQuery, JsonPathSyntaxError, Selection};
pub use matcher::{Matcher, TemplateSite};

use std::sync::OnceLock;

use serde_json::Value;

use crate::source::Location;

/// A response body's JSON, parsed the first time a check, capture or template reads it:
/// many responses are only checked for their status.
#[derive(Debug, Clone, Default)]
pub struct JsonBody(OnceLock<Option<Value>>);

impl JsonBody {
    /// A body already parsed (or known not to be JSON).
    pub fn parsed(json: Option<Value>) -> Self {
        JsonBody(OnceLock::from(json))
    }

    /// The body as JSON, when it is JSON: declared so, or looking like an object or array.
    pub fn get(&self, headers: &[(String, String)], body: &str) -> Option<&Value> {
        self.0
            .get_or_init(|| parse_json_body(headers, body))
            .as_ref()
    }

    /// Whether the body has been parsed yet.
    pub fn is_parsed(&self) -> bool {
        self.0.get().is_some()
    }
}

/// Whether a body is to be read as JSON: declared so, or looking like an object or array.
pub fn may_be_json(headers: &[(String, String)], body: &str) -> bool {
    let declared_json = headers
        .iter()
        .any(|(n, v)| n == "content-type" && v.contains("json"));
    declared_json || matches!(body.trim_start().as_bytes().first(), Some(b'{' | b'['))
}

fn parse_json_body(headers: &[(String, String)], body: &str) -> Option<Value> {
    if may_be_json(headers, body) {
        serde_json::from_str(body).ok()
    } else {
        None
    }
}

/// The parts of an HTTP response that checks and captures look at.
#[derive(Debug, Clone, Copy)]
pub struct ResponseView<'a> {
    pub status: u16,
    /// Names lower-cased, in arrival order; a name may repeat.
    pub headers: &'a [(String, String)],
    pub body: &'a str,
    /// The body as JSON, parsed on first use ([`ResponseView::json`]).
    pub json: &'a JsonBody,
}

impl<'a> ResponseView<'a> {
    /// The parsed body, or `None` when the body is not JSON.
    pub fn json(&self) -> Option<&'a Value> {
        self.json.get(self.headers, self.body)
    }

    /// Every value of a header, in arrival order; names compare case-insensitively.
    pub fn header_values(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// A header's field value: its values joined with `, ` when it repeats, as HTTP
    /// (RFC 9110 §5.3) combines them. `None` when the header is missing.
    pub fn header(&self, name: &str) -> Option<String> {
        let values = self.header_values(name);
        (!values.is_empty()).then(|| values.join(", "))
    }

    /// Why JSONPath has nothing to look at, for failure messages.
    fn not_json(&self) -> String {
        if self.body.trim().is_empty() {
            "the body is empty, not JSON".to_owned()
        } else {
            format!(
                "the body is not JSON: {}",
                matcher::show(&serde_json::Value::String(self.body.to_owned()))
            )
        }
    }
}

/// One failed check: what was checked, what was expected, what came, and where the check is
/// written.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CheckFailure {
    /// What was checked: `status`, `header content-type`, `$.accounts length`,
    /// `$.accounts[*].currency each [2]`, `body`, `capture account_id`.
    pub check: String,
    /// Human text: `200`, `length 3`, `matches ^\d+$`, `"GBP"`, `>= 200 and < 300`.
    pub expected: String,
    /// Human text: compact JSON for values (cut at 200 characters), `absent` when nothing
    /// was there.
    pub actual: String,
    /// The check's key in the scenario file.
    pub location: Location,
}

#[cfg(test)]
pub(crate) mod test_support {
    use std::path::PathBuf;

    use crate::source::{SourceFile, YamlPath};

    /// A scenario file holding `text`, its `expect`/`capture` value under `key` of the first
    /// step, and that value's path. `text` is the whole file.
    pub fn load(
        text: &str,
        key: &str,
    ) -> (std::sync::Arc<SourceFile>, serde_json::Value, YamlPath) {
        let (file, doc) =
            SourceFile::parse(PathBuf::from("t.yaml"), text.to_string()).expect("test YAML parses");
        let file = std::sync::Arc::new(file);
        let raw = doc["steps"][0][key].clone();
        let path = YamlPath::root().key("steps").index(0).key(key.to_owned());
        (file, raw, path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn repeated_headers_combine_and_names_ignore_case() {
        let headers = vec![
            ("set-cookie".to_owned(), "a=1".to_owned()),
            ("content-type".to_owned(), "text/plain".to_owned()),
            ("set-cookie".to_owned(), "b=2".to_owned()),
        ];
        let view = ResponseView {
            status: 200,
            headers: &headers,
            body: "",
            json: &JsonBody::default(),
        };
        assert_eq!(view.header("Set-Cookie").as_deref(), Some("a=1, b=2"));
        assert_eq!(view.header_values("SET-COOKIE"), ["a=1", "b=2"]);
        assert_eq!(view.header("x-missing"), None);
    }

    #[test]
    fn failures_serialize_with_their_location() {
        let failure = CheckFailure {
            check: "status".into(),
            expected: "200".into(),
            actual: "404".into(),
            location: Location::new(std::sync::Arc::new("t.yaml".into()), 3, 5),
        };
        assert_eq!(
            serde_json::to_value(&failure).unwrap(),
            json!({"check": "status", "expected": "200", "actual": "404",
                   "location": {"file": "t.yaml", "line": 3, "col": 5}})
        );
    }
}
