//! [`default_check`]: what a typed step checks when it has no `expect` of its own.

use serde_json::Value;

use crate::check::CheckFailure;
use crate::exchange::HttpResponse;
use crate::scenario::{ActionKind, Step};

/// The check a typed step makes when it has no `expect` of its own: that it succeeded.
/// Writing `expect` replaces it, which is how expected failures (a `400 invalid_grant`)
/// pass.
pub fn default_check(step: &Step, response: &HttpResponse) -> Option<CheckFailure> {
    let kind = step.action.kind;
    // Only a failure needs the location.
    let location = || step.source.key_location(&step.action.path);
    if kind == ActionKind::AwaitCode {
        let json = response.json()?;
        if json.get("code").is_some_and(|c| c.is_string()) {
            return None;
        }
        let error = json.get("error").and_then(Value::as_str).unwrap_or("none");
        return Some(CheckFailure {
            check: "await_code returned a code".into(),
            expected: "a code".into(),
            actual: format!("error={error}"),
            location: location(),
            differences: Vec::new(),
        });
    }
    if kind.is_http() && kind != ActionKind::Request && !(200..300).contains(&response.status) {
        let error = response
            .json()
            .and_then(crate::check::error_answer)
            .map(|why| format!(" ({why})"))
            .unwrap_or_default();
        return Some(CheckFailure {
            check: format!("{} succeeded", kind.keyword()),
            expected: "a 2xx status (write `expect` to check for another)".into(),
            actual: format!("{}{error}", response.status),
            location: location(),
            differences: Vec::new(),
        });
    }
    None
}
