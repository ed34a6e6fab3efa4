//! What a snapshot never stores: secrets, and values that change on every run. Both are
//! replaced by stable placeholders so that a snapshot is the same run after run and safe to
//! commit.
//!
//! In order, for a JSON body:
//! 1. the step's `redact:` paths and the project's `snapshot_redact` paths → `[redacted]`;
//! 2. fields named like a secret ([`is_secret_field`]: `access_token`, `refresh_token`,
//!    `id_token`, `code`, `client_secret`, `code_verifier`, `password`, `*_token`,
//!    `*secret*`, `*password*`) → `[secret]`, wherever they are;
//! 3. the volatile fields of [`VOLATILE_FIELDS`] → `[timestamp]` or `[id]`, wherever they are;
//! 4. in every string (and key, and text body): secrets the run learnt (tokens, codes) →
//!    `[secret]`; JWTs → `[jwt]`; secret or volatile query parameters (`code=`, `state=`,
//!    `nonce=`...) → their placeholder; the loopback port (`127.0.0.1:[port]`); UUIDs and
//!    32-hex-digit ids → `[uuid]`.
//!
//! Kept headers get the same string treatment, and [`VOLATILE_HEADERS`] are replaced whole.
//! `docs/snapshots.md` lists the defaults for users; keep the two in step.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::OnceLock;

use regex::Regex;
use serde_json::{Map, Value};

use crate::check::JsonPathQuery;
use crate::exchange::{HttpRequest, RequestBody};
use crate::protocol::{CORRELATION_HEADER, DIALOG_HEADER};
use crate::secret::{Redactor, is_secret_field};

pub const REDACTED: &str = "[redacted]";
pub const SECRET: &str = "[secret]";
pub const TIMESTAMP: &str = "[timestamp]";
pub const ID: &str = "[id]";
pub const JWT: &str = "[jwt]";
pub const UUID: &str = "[uuid]";

/// Fields whose values change on every run, with their placeholder: the mock's clock stamps
/// and its random ids (TrueLayer's likewise).
pub const VOLATILE_FIELDS: &[(&str, &str)] = &[
    ("update_timestamp", TIMESTAMP),
    ("consent_created_at", TIMESTAMP),
    ("consent_expires_at", TIMESTAMP),
    ("consent_status_updated_at", TIMESTAMP),
    ("created_at", TIMESTAMP),
    ("expires_at", TIMESTAMP),
    ("now", TIMESTAMP),
    ("trace_id", ID),
    ("correlation_id", ID),
    ("credentials_id", ID),
    ("dialog_id", ID),
    ("jti", ID),
];

/// Query and form parameters whose values change on every run (OAuth's `state` and `nonce`;
/// only as parameters: in a body, `state` is as likely part of an address).
pub const VOLATILE_PARAMS: &[(&str, &str)] = &[("state", ID), ("nonce", ID)];

/// Response headers whose values change on every run, when a step keeps them.
pub const VOLATILE_HEADERS: &[(&str, &str)] = &[
    ("date", TIMESTAMP),
    ("expires", TIMESTAMP),
    ("last-modified", TIMESTAMP),
    ("age", TIMESTAMP),
    (CORRELATION_HEADER, ID),
    ("tl-correlation-id", ID),
    ("x-request-id", ID),
    ("traceparent", ID),
    ("tracestate", ID),
    (DIALOG_HEADER, ID),
];

/// Headers that carry credentials.
const SECRET_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
];

/// Secrets shorter than this are left to the field-name rules (see
/// [`Redactor::redact_with`]): every real token and code is longer.
const MIN_LEARNT_SECRET: usize = 16;

/// The request a snapshot was taken of, as its header's `info` shows it: method and URL
/// first, then the body.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RequestInfo {
    pub method: String,
    pub url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub form: Option<Map<String, Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub json: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

/// The redactions of one snapshot: the default ones, the run's learnt secrets, and the
/// paths of the step and the project.
pub struct Redactions<'a> {
    paths: Vec<&'a JsonPathQuery>,
    secrets: &'a Redactor,
}

impl<'a> Redactions<'a> {
    pub fn new(paths: impl IntoIterator<Item = &'a JsonPathQuery>, secrets: &'a Redactor) -> Self {
        Redactions {
            paths: paths.into_iter().collect(),
            secrets,
        }
    }

    /// A JSON body, redacted.
    pub fn json(&self, value: &Value) -> Value {
        let mut doc = value.clone();
        // Nodes are matched by address: `nodes` borrows into `doc`, and the walk below visits
        // the same, unmoved values mutably. The pointers are only compared, never read.
        let chosen: HashSet<*const Value> = self
            .paths
            .iter()
            .flat_map(|q| q.nodes(&doc))
            .map(|v| v as *const Value)
            .collect();
        if !chosen.is_empty() {
            replace_chosen(&mut doc, &chosen);
        }
        self.walk(&mut doc);
        doc
    }

    fn walk(&self, value: &mut Value) {
        match value {
            Value::Object(map) => {
                let entries = std::mem::take(map);
                for (key, mut v) in entries {
                    if !v.is_null() && !is_placeholder(&v) {
                        if is_secret_field(&key) {
                            v = Value::String(SECRET.into());
                        } else if let Some(p) = volatile_field(&key) {
                            if !v.is_object() && !v.is_array() {
                                v = Value::String(p.into());
                            }
                        }
                    }
                    self.walk(&mut v);
                    map.insert(self.string(&key).into_owned(), v);
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| self.walk(v)),
            Value::String(s) => {
                if let Cow::Owned(new) = self.string(s) {
                    *s = new;
                }
            }
            _ => {}
        }
    }

    /// A text body, redacted.
    pub fn text<'t>(&self, text: &'t str) -> Cow<'t, str> {
        self.string(text)
    }

    /// A kept header's value, redacted.
    pub fn header(&self, name: &str, value: &str) -> String {
        let lower = name.to_ascii_lowercase();
        if SECRET_HEADERS.contains(&lower.as_str()) {
            return SECRET.into();
        }
        if let Some((_, p)) = VOLATILE_HEADERS.iter().find(|(n, _)| *n == lower) {
            return (*p).into();
        }
        self.string(value).into_owned()
    }

    /// The request as the snapshot's `info`: method, URL and body, redacted.
    pub fn request_info(&self, request: &HttpRequest) -> RequestInfo {
        let mut info = RequestInfo {
            method: request.method.to_string(),
            url: self.string(request.url.as_str()).into_owned(),
            form: None,
            json: None,
            body: None,
        };
        match &request.body {
            Some(RequestBody::Form(fields)) => {
                let form: Map<String, Value> = fields
                    .iter()
                    .map(|(k, v)| {
                        let v = if is_secret_field(k) {
                            SECRET.to_owned()
                        } else if let Some(p) = volatile_param(k).or_else(|| volatile_field(k)) {
                            p.to_owned()
                        } else {
                            self.string(v).into_owned()
                        };
                        (k.clone(), Value::String(v))
                    })
                    .collect();
                info.form = Some(form);
            }
            Some(RequestBody::Json(json)) => info.json = Some(self.json(json)),
            Some(RequestBody::Raw(text)) => info.body = Some(self.text(text).into_owned()),
            None => {}
        }
        info
    }

    /// Every string goes through these, in order; each only replaces what it recognises.
    fn string<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let mut out = self.secrets.redact_with(text, SECRET, MIN_LEARNT_SECRET);
        for (pattern, replace) in patterns() {
            if let Cow::Owned(new) = replace_all(pattern, &out, *replace) {
                out = Cow::Owned(new);
            }
        }
        out
    }
}

fn replace_all<'t>(pattern: &Regex, text: &'t str, replace: Replace) -> Cow<'t, str> {
    match replace {
        Replace::With(to) => pattern.replace_all(text, to),
        Replace::QueryParam => pattern.replace_all(text, |c: &regex::Captures<'_>| {
            let name = &c[2];
            let placeholder = if is_secret_field(name) {
                Some(SECRET)
            } else {
                volatile_param(name)
            };
            match placeholder {
                Some(p) if !c[3].is_empty() => format!("{}{name}={p}", &c[1]),
                _ => c[0].to_owned(),
            }
        }),
    }
}

#[derive(Clone, Copy)]
enum Replace {
    With(&'static str),
    QueryParam,
}

fn patterns() -> &'static [(Regex, Replace)] {
    static PATTERNS: OnceLock<Vec<(Regex, Replace)>> = OnceLock::new();
    PATTERNS.get_or_init(|| {
        let re = |p: &str| Regex::new(p).expect("static regex");
        vec![
            (
                re(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"),
                Replace::With(JWT),
            ),
            (
                re(r#"([?&])([A-Za-z0-9_.\-]+)=([^&#\s"'<>]*)"#),
                Replace::QueryParam,
            ),
            (re(r"127\.0\.0\.1:\d+"), Replace::With("127.0.0.1:[port]")),
            (
                re(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"),
                Replace::With(UUID),
            ),
            (re(r"\b[0-9a-f]{32}\b"), Replace::With(UUID)),
        ]
    })
}

/// Reads a list of JSONPaths (`snapshot_redact` in `obflow.yaml`); a bad path is an error
/// at its own list entry.
pub fn deserialize_paths<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<JsonPathQuery>, D::Error> {
    struct Entry(JsonPathQuery);
    impl<'de> serde::Deserialize<'de> for Entry {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            let text = String::deserialize(d)?;
            JsonPathQuery::parse(&text)
                .map(Entry)
                .map_err(|e| serde::de::Error::custom(format!("invalid JSONPath `{text}`: {e}")))
        }
    }
    use serde::Deserialize;
    Ok(Vec::<Entry>::deserialize(deserializer)?
        .into_iter()
        .map(|e| e.0)
        .collect())
}

fn volatile_field(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    VOLATILE_FIELDS
        .iter()
        .find(|(n, _)| *n == lower)
        .map(|(_, p)| *p)
}

fn volatile_param(name: &str) -> Option<&'static str> {
    VOLATILE_PARAMS
        .iter()
        .chain(VOLATILE_FIELDS)
        .find(|(n, _)| name.eq_ignore_ascii_case(n))
        .map(|(_, p)| *p)
}

fn is_placeholder(v: &Value) -> bool {
    v.as_str() == Some(REDACTED)
}

fn replace_chosen(value: &mut Value, chosen: &HashSet<*const Value>) {
    if chosen.contains(&(value as *const Value)) {
        *value = Value::String(REDACTED.into());
        return;
    }
    match value {
        Value::Object(map) => map.values_mut().for_each(|v| replace_chosen(v, chosen)),
        Value::Array(items) => items.iter_mut().for_each(|v| replace_chosen(v, chosen)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn q(p: &str) -> JsonPathQuery {
        JsonPathQuery::parse(p).unwrap()
    }

    #[test]
    fn secrets_and_volatile_fields_anywhere() {
        let secrets = Redactor::new();
        let r = Redactions::new([], &secrets);
        let out = r.json(&json!({
            "access_token": "eyJhbGciOi.eyJzdWIiOi.sig",
            "refresh_token": "abc",
            "token_type": "Bearer",
            "results": [{"update_timestamp": "2026-01-01T00:00:00Z", "consent_expires_at": null}],
            "error": {"trace_id": "0123456789abcdef0123456789abcdef"},
        }));
        assert_eq!(
            out,
            json!({
                "access_token": "[secret]",
                "refresh_token": "[secret]",
                "token_type": "Bearer",
                "results": [{"update_timestamp": "[timestamp]", "consent_expires_at": null}],
                "error": {"trace_id": "[id]"},
            })
        );
    }

    #[test]
    fn paths_choose_nodes() {
        let secrets = Redactor::new();
        let paths = [q("$.a.iban"), q("$.list[*].id")];
        let r = Redactions::new(paths.iter(), &secrets);
        let out = r.json(&json!({"a": {"iban": "GB1", "x": 1}, "list": [{"id": 1}, {"id": 2}]}));
        assert_eq!(
            out,
            json!({"a": {"iban": "[redacted]", "x": 1}, "list": [{"id": "[redacted]"}, {"id": "[redacted]"}]})
        );
    }

    #[test]
    fn strings_lose_ports_ids_jwts_and_learnt_secrets() {
        let secrets = Redactor::new();
        secrets.add("code-0123456789abcdefSECRET");
        secrets.add("accounts"); // a short "secret" (a mock password) is left alone
        let r = Redactions::new([], &secrets);
        let s = "http://127.0.0.1:41234/cb?code=xyz&state=s1&scope=accounts&x=code-0123456789abcdefSECRET";
        assert_eq!(
            r.text(s),
            "http://127.0.0.1:[port]/cb?code=[secret]&state=[id]&scope=accounts&x=[secret]"
        );
        assert_eq!(
            r.text("dlg-0123456789abcdef0123456789abcdef and 0b734000-3110-4eac-a6d6-46dc0a637a61"),
            "dlg-[uuid] and [uuid]"
        );
        assert_eq!(r.text("token eyJa.eyJb.c-d_e"), "token [jwt]");
    }

    #[test]
    fn headers() {
        let secrets = Redactor::new();
        let r = Redactions::new([], &secrets);
        assert_eq!(r.header("Date", "Sat, 21 Nov 2026"), "[timestamp]");
        assert_eq!(r.header("set-cookie", "s=1"), "[secret]");
        assert_eq!(r.header("x-tl-correlation-id", "abc"), "[id]");
        assert_eq!(r.header("cache-control", "no-store"), "no-store");
    }
}
