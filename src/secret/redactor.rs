//! Secret values and their redaction.
//!
//! Two mechanisms, both needed. [`Secret`] wraps a value we know is secret from the moment we
//! read it (a client secret, a token): its `Display` and `Debug` print a placeholder, so it
//! cannot leak by formatting. [`Redactor`] holds the exact text of every secret seen in a run
//! and scrubs it from any text before it is printed or written: terminal, `-v` logs, reports,
//! snapshots, generated docs. The rules (which values, which forms, which lengths) are
//! written down once, in `docs/secrets.md`.
//!
//! A secret is either *declared* (the client secret, `secrets:`, variables named like
//! `*secret*`, `secret: true` captures) or *learnt* from what crossed the wire (tokens, codes,
//! cookies, credentials). Declared secrets are scrubbed whatever their length: the user said
//! so. Learnt ones need [`MIN_REDACTED_LEN`] characters, so a one-letter form field does not
//! shred every line.

use std::borrow::Cow;
use std::fmt;
use std::sync::{Arc, RwLock};

/// What a secret prints as.
pub const PLACEHOLDER: &str = "***";

/// Learnt secrets shorter than this are not scrubbed from free text: a two-letter value of a
/// secret-looking field would shred every log line, and no real credential is that short.
pub const MIN_REDACTED_LEN: usize = 3;

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
    // Called on every key of every response: no allocation on the common (ASCII lower-case)
    // path.
    if name.bytes().any(|b| b.is_ascii_uppercase()) {
        return is_secret_field(&name.to_ascii_lowercase());
    }
    // Field names are short: a plain scan beats setting up a substring searcher.
    let holds = |part: &[u8]| name.as_bytes().windows(part.len()).any(|w| w == part);
    SECRET_FIELDS.contains(&name)
        || name.ends_with("_token")
        || holds(b"secret")
        || holds(b"password")
        || holds(b"api_key")
        || holds(b"apikey")
}

/// Response fields whose captured values are secret whatever the capture is called.
pub const SECRET_FIELDS: &[&str] = &[
    "token",
    "access_token",
    "refresh_token",
    "id_token",
    "code",
    "client_secret",
    "code_verifier",
    "password",
];

/// What a URL component keeps unencoded: RFC 3986's unreserved characters.
const URL_COMPONENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A byte that form encoding (`application/x-www-form-urlencoded`) changes.
const FORM_ENCODED: u8 = 1;
/// A byte that a JSON string escapes.
const JSON_ESCAPED: u8 = 2;

/// What encoding each byte changes under, for [`Redactor::add`].
static BYTE_CLASSES: [u8; 256] = {
    let mut classes = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        let form_safe = byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'*');
        if !form_safe {
            classes[b] |= FORM_ENCODED;
        }
        if byte == b'"' || byte == b'\\' || byte < 0x20 {
            classes[b] |= JSON_ESCAPED;
        }
        b += 1;
    }
    classes
};

/// The secret strings known so far. A run has one; each scenario gets a [`child`]
/// (`Redactor::child`) that also applies its parent's, so a scenario's tokens are scrubbed
/// from its own output without every other scenario paying for them.
#[derive(Clone, Default)]
pub struct Redactor {
    inner: Arc<Scope>,
}

#[derive(Default)]
struct Scope {
    parent: Option<Redactor>,
    /// Longest first, so a secret containing another is not half-redacted.
    secrets: RwLock<Vec<Form>>,
}

/// One form (raw, encoded) of a secret, and whether the secret was declared.
struct Form {
    text: String,
    declared: bool,
}

impl Form {
    /// Whether `redact_with(.., min_chars)` scrubs this form.
    fn applies(&self, min_chars: usize) -> bool {
        self.declared || min_chars == 0 || self.text.chars().count() >= min_chars
    }
}

/// The set's order: longest first, then by text, so lookups can binary-search.
fn set_order(set_entry: &str, value: &str) -> std::cmp::Ordering {
    value
        .len()
        .cmp(&set_entry.len())
        .then_with(|| set_entry.cmp(value))
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

    /// A redactor for one scenario: what it learns stays with it; what the parent knows
    /// (the client secret, secret environment variables) applies too.
    pub fn child(&self) -> Redactor {
        Redactor {
            inner: Arc::new(Scope {
                parent: Some(self.clone()),
                secrets: RwLock::default(),
            }),
        }
    }

    /// Registers a secret learnt from the wire (a token, a code, a credential). Values that
    /// look URL- or form-encoded in transit are registered in that form too, so they are
    /// scrubbed from printed URLs and bodies.
    pub fn add(&self, value: &str) {
        self.register(value, false);
    }

    /// Registers a secret the user declared (or obflow holds as one: the client secret),
    /// scrubbed at any length.
    pub fn declare(&self, value: &str) {
        self.register(value, true);
    }

    fn register(&self, value: &str, declared: bool) {
        // A character is at most 4 bytes: only a short value needs its characters counted.
        let short = value.len() < 4 * MIN_REDACTED_LEN && value.chars().count() < MIN_REDACTED_LEN;
        if value.is_empty() || (short && !declared) || self.knows(value, declared) {
            return;
        }
        let mut set = self
            .inner
            .secrets
            .write()
            .unwrap_or_else(|e| e.into_inner());
        for text in forms(value) {
            match set.binary_search_by(|s| set_order(&s.text, &text)) {
                Ok(at) => set[at].declared |= declared,
                Err(at) => set.insert(at, Form { text, declared }),
            }
        }
    }

    /// Whether this redactor (or a parent) already scrubs `value` as a secret at least as
    /// strong as `declared`.
    fn knows(&self, value: &str, declared: bool) -> bool {
        let set = self.inner.secrets.read().unwrap_or_else(|e| e.into_inner());
        set.binary_search_by(|s| set_order(&s.text, value))
            .is_ok_and(|at| set[at].declared || !declared)
            || self
                .inner
                .parent
                .as_ref()
                .is_some_and(|p| p.knows(value, declared))
    }

    /// Registers every string found inside a JSON value as learnt.
    pub fn add_json(&self, value: &serde_json::Value) {
        for_each_string(value, &mut |s| self.add(s));
    }

    /// Registers every string found inside a JSON value as declared.
    pub fn declare_json(&self, value: &serde_json::Value) {
        for_each_string(value, &mut |s| self.declare(s));
    }

    pub fn is_empty(&self) -> bool {
        self.inner
            .secrets
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .is_empty()
            && self.inner.parent.as_ref().is_none_or(Redactor::is_empty)
    }

    /// Whether `text` holds a known secret, in any of the forms it is redacted in: a
    /// declared one of any length, a learnt one from `min_learnt_chars` characters.
    pub fn finds_secret(&self, text: &str, min_learnt_chars: usize) -> bool {
        matches!(
            self.redact_with(text, PLACEHOLDER, min_learnt_chars),
            Cow::Owned(_)
        )
    }

    /// Replaces every known secret in `text` by the placeholder.
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        self.redact_with(text, PLACEHOLDER, 0)
    }

    /// Like [`Redactor::redact`], with another placeholder, and learnt secrets only from
    /// `min_chars` characters (declared ones always). Snapshots use it: a short learnt secret
    /// (a mock user's password such as `error` or `accounts`) is an ordinary word that would
    /// be scrubbed from unrelated text; snapshots catch secrets by field name and leave only
    /// the long ones (tokens, codes) to this safety net.
    pub fn redact_with<'a>(
        &self,
        text: &'a str,
        placeholder: &str,
        min_chars: usize,
    ) -> Cow<'a, str> {
        let mut out = Cow::Borrowed(text);
        {
            let set = self.inner.secrets.read().unwrap_or_else(|e| e.into_inner());
            for secret in set.iter().filter(|s| s.applies(min_chars)) {
                if out.contains(secret.text.as_str()) {
                    out = Cow::Owned(out.replace(secret.text.as_str(), placeholder));
                }
            }
        }
        match &self.inner.parent {
            Some(parent) => match parent.redact_with(&out, placeholder, min_chars) {
                Cow::Borrowed(_) => out,
                Cow::Owned(o) => Cow::Owned(o),
            },
            None => out,
        }
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

/// Every form a secret can travel in: raw, form-encoded (`+` for a space), percent-encoded
/// (`%20`, minijinja's `urlencode`), base64 and base64url (`b64encode`, a Basic credential of
/// its own), and JSON-escaped. Sorted, without duplicates.
fn forms(value: &str) -> Vec<String> {
    use base64::Engine as _;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    // Most secrets (tokens, codes) read the same encoded: only build the forms that differ.
    // One pass over the value tells which do (tokens run to a kilobyte, and every one is
    // learnt).
    let classes = value
        .bytes()
        .fold(0, |seen, b| seen | BYTE_CLASSES[usize::from(b)]);
    let mut forms = vec![value.to_owned()];
    if classes & FORM_ENCODED != 0 {
        forms.push(url::form_urlencoded::byte_serialize(value.as_bytes()).collect());
        forms.push(percent_encoding::utf8_percent_encode(value, URL_COMPONENT).to_string());
    }
    forms.push(STANDARD.encode(value));
    forms.push(URL_SAFE_NO_PAD.encode(value));
    if classes & JSON_ESCAPED != 0 {
        let escaped = serde_json::to_string(value).unwrap_or_default();
        // Without the string's own quotes; an escaped `\"` at an end keeps its quote.
        if let Some(inner) = escaped.strip_prefix('"').and_then(|e| e.strip_suffix('"')) {
            forms.push(inner.to_owned());
        }
    }
    forms.sort();
    forms.dedup();
    forms
}

fn for_each_string(value: &serde_json::Value, f: &mut impl FnMut(&str)) {
    match value {
        serde_json::Value::String(s) => f(s),
        serde_json::Value::Array(items) => items.iter().for_each(|v| for_each_string(v, f)),
        serde_json::Value::Object(map) => map.values().for_each(|v| for_each_string(v, f)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_is_known_in_every_encoding_it_travels_in() {
        use base64::Engine as _;
        use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
        let r = Redactor::new();
        let secret = "s3cret value/with+odd=chars\"";
        r.add(secret);
        let percent = "s3cret%20value%2Fwith%2Bodd%3Dchars%22";
        let form = "s3cret+value%2Fwith%2Bodd%3Dchars%22";
        let json = "s3cret value/with+odd=chars\\\"";
        for form in [
            secret.to_owned(),
            percent.to_owned(),
            form.to_owned(),
            json.to_owned(),
            STANDARD.encode(secret),
            URL_SAFE_NO_PAD.encode(secret),
        ] {
            assert_eq!(r.redact(&format!("<{form}>")), "<***>", "{form}");
        }
    }

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
    fn redactor_scrubs_json_escaped_forms_and_skips_short_values() {
        let r = Redactor::new();
        r.add("quote\"back\\slash\ttab");
        r.add("ab");
        r.add("éé");
        r.add("ééé");
        let out = r.redact(r#"{"v": "quote\"back\\slash\ttab"} ab éé ééé"#);
        assert_eq!(out, r#"{"v": "***"} ab éé ***"#);
    }

    #[test]
    fn longer_secrets_win_over_their_prefixes() {
        let r = Redactor::new();
        r.add("abcd");
        r.add("abcdefgh");
        assert_eq!(r.redact("x abcdefgh y abcd"), "x *** y ***");
    }

    #[test]
    fn a_child_applies_its_parent_and_keeps_its_own() {
        let run = Redactor::new();
        run.add("client-secret-value");
        let a = run.child();
        let b = run.child();
        a.add("token-of-scenario-a");
        assert_eq!(
            a.redact("client-secret-value token-of-scenario-a"),
            "*** ***"
        );
        assert_eq!(b.redact("token-of-scenario-a"), "token-of-scenario-a");
        assert_eq!(run.redact("token-of-scenario-a"), "token-of-scenario-a");
        assert!(!b.is_empty());
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
        assert!(is_secret_field("token") && is_secret_field("x_api_key"));
        assert!(!is_secret_field("expires_in"));
    }
}
