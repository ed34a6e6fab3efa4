//! [`CheckFailure`]: one check that did not hold, as the engine records it and reporters show
//! it.

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
    /// For an object or array that is not the expected one: the paths that differ.
    pub differences: Vec<super::Difference>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn failures_serialize_with_their_location() {
        let failure = CheckFailure {
            check: "status".into(),
            expected: "200".into(),
            actual: "404".into(),
            location: Location::new(std::sync::Arc::new("t.yaml".into()), 3, 5),
            differences: Vec::new(),
        };
        assert_eq!(
            serde_json::to_value(&failure).unwrap(),
            json!({"check": "status", "expected": "200", "actual": "404",
                   "location": {"file": "t.yaml", "line": 3, "col": 5}, "differences": []})
        );
    }
}
