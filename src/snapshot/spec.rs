//! `snapshot:` on a step: `true`, a name, or `{ name, redact, headers }`, read and checked
//! when the scenario loads.

use serde::Deserialize;
use serde_json::Value;

use crate::check::JsonPathQuery;
use crate::source::{Diagnostic, SourceFile, Spot, YamlPath};

/// `snapshot:` of one step, as loaded.
#[derive(Debug, Clone)]
pub struct SnapshotSpec {
    /// The name the user chose; otherwise the step's id or name gives one.
    pub name: Option<String>,
    /// Extra JSONPaths whose values are replaced by `[redacted]`.
    pub redact: Vec<JsonPathQuery>,
    /// Response headers stored with the body (lower-cased); none by default.
    pub headers: Vec<String>,
    /// Where `snapshot:` is written, for failures.
    pub spot: Spot,
}

/// The long form, `snapshot: { name, redact, headers }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SpecFields {
    name: Option<String>,
    #[serde(default)]
    redact: Vec<String>,
    #[serde(default)]
    headers: Vec<String>,
}

impl SnapshotSpec {
    /// Reads `snapshot:`: `true`, `false` (none), a name, or the long form.
    pub fn parse(
        raw: &Value,
        source: &std::sync::Arc<SourceFile>,
        path: &YamlPath,
    ) -> Result<Option<SnapshotSpec>, Vec<Diagnostic>> {
        let spot = Spot::key(source, path);
        let fields = match raw {
            Value::Bool(false) => return Ok(None),
            Value::Bool(true) | Value::Null => SpecFields {
                name: None,
                redact: vec![],
                headers: vec![],
            },
            Value::String(name) => SpecFields {
                name: Some(name.clone()),
                redact: vec![],
                headers: vec![],
            },
            Value::Object(_) => crate::source::deserialize(raw, source, path)?,
            _ => {
                return Err(vec![
                    source
                        .error_at(path, "`snapshot` must be `true`, a name or a mapping")
                        .help("e.g. `snapshot: true` or `snapshot: { redact: [$.account_id] }`"),
                ]);
            }
        };
        let mut errors = Vec::new();
        if let Some(name) = &fields.name {
            let at = if raw.is_string() {
                path.clone()
            } else {
                path.key("name")
            };
            if let Err(why) = check_name(name) {
                errors.push(
                    source
                        .error_at(&at, format!("invalid snapshot name `{name}`: {why}"))
                        .help(
                            "use letters, digits, `_`, `-` and `.`; the name becomes a file name",
                        ),
                );
            }
        }
        let mut redact = Vec::new();
        for (i, text) in fields.redact.iter().enumerate() {
            match JsonPathQuery::parse(text) {
                Ok(q) => redact.push(q),
                Err(e) => errors.push(
                    source
                        .error_at(&path.key("redact").index(i), format!("invalid JSONPath `{text}`"))
                        .note(e.message)
                        .help("JSONPath follows RFC 9535, e.g. `$.account_details.iban` or `$.results[*].update_timestamp`"),
                ),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Some(SnapshotSpec {
            name: fields.name,
            redact,
            headers: fields
                .headers
                .iter()
                .map(|h| h.to_ascii_lowercase())
                .collect(),
            spot,
        }))
    }
}

/// Snapshot names become file names: keep them to a portable alphabet.
fn check_name(name: &str) -> Result<(), &'static str> {
    if name.is_empty() {
        return Err("it is empty");
    }
    if name.starts_with('.') {
        return Err("it starts with `.`");
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
    {
        return Err("it has characters other than letters, digits, `_`, `-` and `.`");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked() {
        assert!(check_name("identity-0.v2").is_ok());
        assert!(check_name("").is_err());
        assert!(check_name("../escape").is_err());
        assert!(check_name("a/b").is_err());
    }
}
