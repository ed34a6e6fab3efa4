//! Secret values and their redaction.
//!
//! Two mechanisms, both needed. [`Secret`] wraps a value we know is secret from the moment we
//! read it (a client secret, a token): its `Display` and `Debug` print a placeholder, so it
//! cannot leak by formatting. [`Redactor`] holds the exact text of every secret seen in a run
//! (declared `secrets`, variables named like `*secret*`, captured tokens and codes) and scrubs
//! it from any text before it is printed or written: terminal, `-v` logs, reports, snapshots,
//! generated docs.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fmt;
use std::sync::{Arc, RwLock};

/// What a secret prints as.
pub const PLACEHOLDER: &str = "***";

/// Secrets shorter than this are not scrubbed from free text: a two-letter "secret" would
/// shred every log line, and no real credential is that short.
const MIN_REDACTED_LEN: usize = 3;

/// A value that must never be printed.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The real value, for the one place that needs it (an HTTP request).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(PLACEHOLDER)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(PLACEHOLDER)
    }
}

/// Whether a variable's name says its value is secret (`*secret*`, `*token*`, `*password*`).
pub fn is_secret_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    ["secret", "token", "password", "passwd", "api_key", "apikey"]
        .iter()
        .any(|w| lower.contains(w))
        || SECRET_FIELDS.contains(&lower.as_str())
}

/// Whether a response, form or query field holds a secret. Narrower than
/// [`is_secret_name`]: `token_type: Bearer` is not a secret, `access_token` is.
pub fn is_secret_field(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    SECRET_FIELDS.contains(&lower.as_str())
        || lower.ends_with("_token")
        || lower.contains("secret")
        || lower.contains("password")
}

/// Response fields whose captured values are secret whatever the capture is called.
pub const SECRET_FIELDS: &[&str] = &[
    "access_token",
    "refresh_token",
    "id_token",
    "code",
    "client_secret",
    "code_verifier",
    "password",
];

/// The set of secret strings known so far; cheap to clone and shared across a run.
#[derive(Clone, Default)]
pub struct Redactor {
    secrets: Arc<RwLock<BTreeSet<String>>>,
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Redactor").finish_non_exhaustive()
    }
}

impl Redactor {
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a secret value. Values that look URL- or form-encoded in transit are
    /// registered in that form too, so they are scrubbed from printed URLs and bodies.
    pub fn add(&self, value: &str) {
        if value.chars().count() < MIN_REDACTED_LEN {
            return;
        }
        let mut set = self.secrets.write().unwrap_or_else(|e| e.into_inner());
        set.insert(value.to_owned());
        let encoded: String =
            url::form_urlencoded::byte_serialize(value.as_bytes()).collect::<String>();
        if encoded != value {
            set.insert(encoded);
        }
        let escaped = serde_json::to_string(value).unwrap_or_default();
        let escaped = escaped.trim_matches('"');
        if escaped != value {
            set.insert(escaped.to_owned());
        }
    }

    /// Registers every string found inside a JSON value.
    pub fn add_json(&self, value: &serde_json::Value) {
        match value {
            serde_json::Value::String(s) => self.add(s),
            serde_json::Value::Array(items) => items.iter().for_each(|v| self.add_json(v)),
            serde_json::Value::Object(map) => map.values().for_each(|v| self.add_json(v)),
            _ => {}
        }
    }

    pub fn is_empty(&self) -> bool {
        self.secrets
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .is_empty()
    }

    /// Replaces every known secret in `text` by the placeholder. Longer secrets are replaced
    /// first so that a secret containing another is not half-redacted.
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        self.redact_with(text, PLACEHOLDER, 0)
    }

    /// Like [`Redactor::redact`], with another placeholder, and only for secrets of at least
    /// `min_chars` characters. Snapshots use it: a short secret (a mock user's password such
    /// as `error` or `accounts`) is an ordinary word that would be scrubbed from unrelated
    /// text, differently depending on which scenarios ran before; snapshots catch secrets
    /// by field name and leave only the long ones (tokens, codes) to this safety net.
    pub fn redact_with<'a>(
        &self,
        text: &'a str,
        placeholder: &str,
        min_chars: usize,
    ) -> Cow<'a, str> {
        let set = self.secrets.read().unwrap_or_else(|e| e.into_inner());
        if set.is_empty() {
            return Cow::Borrowed(text);
        }
        let mut ordered: Vec<&String> = set
            .iter()
            .filter(|s| s.chars().count() >= min_chars)
            .collect();
        ordered.sort_by_key(|s| std::cmp::Reverse(s.len()));
        let mut out = Cow::Borrowed(text);
        for secret in ordered {
            if out.contains(secret.as_str()) {
                out = Cow::Owned(out.replace(secret.as_str(), placeholder));
            }
        }
        out
    }

    /// Redacts every string inside a JSON value (keys are left alone).
    pub fn redact_json(&self, value: &serde_json::Value) -> serde_json::Value {
        match value {
            serde_json::Value::String(s) => serde_json::Value::String(self.redact(s).into_owned()),
            serde_json::Value::Array(items) => {
                serde_json::Value::Array(items.iter().map(|v| self.redact_json(v)).collect())
            }
            serde_json::Value::Object(map) => serde_json::Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), self.redact_json(v)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_never_formats_its_value() {
        let s = Secret::new("hunter2-very-secret");
        assert_eq!(format!("{s}"), PLACEHOLDER);
        assert_eq!(format!("{s:?}"), PLACEHOLDER);
        assert_eq!(s.expose(), "hunter2-very-secret");
    }

    #[test]
    fn redactor_scrubs_plain_and_encoded_forms() {
        let r = Redactor::new();
        r.add("a b/c+secret");
        let line = "body: code=a+b%2Fc%2Bsecret json: \"a b/c+secret\"";
        let out = r.redact(line);
        assert!(!out.contains("secret"), "{out}");
        assert_eq!(out.matches(PLACEHOLDER).count(), 2);
    }

    #[test]
    fn longer_secrets_win_over_their_prefixes() {
        let r = Redactor::new();
        r.add("abcd");
        r.add("abcdefgh");
        assert_eq!(r.redact("x abcdefgh y abcd"), "x *** y ***");
    }

    #[test]
    fn secret_names() {
        for name in [
            "client_secret",
            "access_token",
            "PASSWORD",
            "code",
            "my_api_key",
        ] {
            assert!(is_secret_name(name), "{name}");
        }
        for name in ["account_id", "redirect_uri", "state"] {
            assert!(!is_secret_name(name), "{name}");
        }
        assert!(is_secret_field("refresh_token"));
        assert!(!is_secret_field("token_type"));
        assert!(!is_secret_field("expires_in"));
    }
}
