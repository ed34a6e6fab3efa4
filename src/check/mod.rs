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
mod response;

pub use capture::{CaptureSet, Captured};
pub use expect::Expectation;
pub use jsonpath::{JsonPathQuery, JsonPathSyntaxError, Selection};
pub use matcher::{Matcher, TemplateSite};
pub use response::ResponseView;

use crate::source::Location;

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
    use crate::exchange::JsonBody;
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
