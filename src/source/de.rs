//! Typed values out of a located document: serde's errors become diagnostics at the key or
//! value they concern, an unknown key with a "did you mean".

use regex::Regex;
use serde_json::Value;

use super::diagnostic::{Diagnostic, closest};
use super::file::SourceFile;
use super::map::YamlPath;

/// Reads a typed value out of the document, mapping serde's errors to located diagnostics
/// (and an unknown key to a "did you mean" suggestion).
pub fn deserialize<T: serde::de::DeserializeOwned>(
    value: &Value,
    source: &SourceFile,
    base: &YamlPath,
) -> Result<T, Vec<Diagnostic>> {
    // Tracking the path costs on every value; most values are valid, so only a failure is
    // deserialized again with the tracking on, to say where it failed.
    if let Ok(done) = T::deserialize(value) {
        return Ok(done);
    }
    serde_path_to_error::deserialize(value).map_err(|err| {
        let at = base.join_serde(err.path());
        let inner = err.into_inner().to_string();
        vec![serde_error(&inner, &at, source)]
    })
}

fn serde_error(message: &str, at: &YamlPath, source: &SourceFile) -> Diagnostic {
    static UNKNOWN: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    static MISSING: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    let unknown = UNKNOWN.get_or_init(|| {
        Regex::new(r"^unknown field `([^`]*)`, (?:expected|there are no fields)(.*)$")
            .expect("static regex")
    });
    let missing =
        MISSING.get_or_init(|| Regex::new(r"^missing field `([^`]*)`").expect("static regex"));
    if let Some(c) = unknown.captures(message) {
        let key = &c[1];
        let expected: Vec<&str> = c[2]
            .split('`')
            .skip(1)
            .step_by(2)
            .filter(|s| !s.is_empty())
            .collect();
        // serde_path_to_error stops at the map that holds the unknown key.
        let key_path = at.key(key.to_owned());
        let d = source.error_at_key(&key_path, format!("unknown key `{key}`"));
        return match closest(key, expected.iter().copied()) {
            Some(s) => d.help(format!("did you mean `{s}`?")),
            None if !expected.is_empty() => d.help(format!("valid keys: {}", expected.join(", "))),
            None => d.help("remove it"),
        };
    }
    if let Some(c) = missing.captures(message) {
        return source
            .error_at(at, format!("missing key `{}`", &c[1]))
            .help(format!("add `{}:`", &c[1]));
    }
    let described = if at.is_root() {
        message.to_owned()
    } else {
        format!("invalid value for `{at}`: {message}")
    };
    source.error_at(at, described)
}
