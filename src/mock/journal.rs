//! The request journal (`GET /__mock/requests`, `DELETE` to clear): what a QA team's own
//! application sent the mock, in order, for tests that assert on it, as WireMock's journal
//! serves. Mock-only, NOT part of TrueLayer.
//!
//! Bounded like the rest of the mock's state (docs/mock.md, "What the mock forgets"): at most
//! [`JOURNAL_CAPACITY`] entries, the oldest going first, and none older than
//! [`JOURNAL_MAX_AGE`] real seconds once the purger runs. Each entry holds at most
//! [`BODY_PREVIEW`] bytes of each body.
//!
//! Nothing secret is kept: the values of [`SECRET_FIELDS`] in queries, forms and JSON bodies
//! (request and response), `Authorization` credentials, cookies, and any string shaped like a
//! JWT are replaced by `[redacted]` before the entry is stored, so neither the journal nor the
//! access log can hand back a bearer token or a client secret.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, Method, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Map, Value, json};
use std::sync::Arc;

use super::body::Params;
use super::clock::rfc3339;
use super::faults::PathPattern;
use super::state::MockState;

/// The most requests the journal keeps; past it the oldest go.
pub const JOURNAL_CAPACITY: usize = 1_000;
/// Requests older than this (real seconds) are dropped at the next purge.
pub const JOURNAL_MAX_AGE: i64 = 3_600;
/// The most bytes of a body an entry keeps (after redaction); longer ones are cut.
pub const BODY_PREVIEW: usize = 2_048;
/// What stands in for a secret.
pub const REDACTED: &str = "[redacted]";

/// Field names whose values are credentials, in queries, forms and JSON (any depth).
pub const SECRET_FIELDS: &[&str] = &[
    "client_secret",
    "code",
    "code_verifier",
    "refresh_token",
    "access_token",
    "id_token",
    "password",
    "client_assertion",
];

/// Request headers whose whole value is a secret. `Authorization` keeps its scheme.
const SECRET_HEADERS: &[&str] = &["cookie", "set-cookie", "x-api-key", "proxy-authorization"];

/// One request and its answer, redacted, as `GET /__mock/requests` returns it.
#[derive(Debug, Clone)]
pub struct JournalEntry {
    pub seq: u64,
    /// Real Unix seconds when it arrived.
    pub at: i64,
    pub method: String,
    pub path: String,
    pub client_id: Option<String>,
    /// The JSON document served, everything above included.
    pub document: Value,
}

/// The journal: a capped ring of entries.
pub struct Journal {
    /// Whether requests are recorded at all (`GET /__mock/requests` answers empty if not).
    enabled: bool,
    entries: Mutex<VecDeque<JournalEntry>>,
    next_seq: AtomicU64,
    /// How many entries the cap or the age rule has dropped (not those cleared by DELETE).
    dropped: AtomicU64,
}

impl Default for Journal {
    fn default() -> Self {
        Journal::new(true)
    }
}

impl Journal {
    pub fn new(enabled: bool) -> Self {
        Journal {
            enabled,
            entries: Mutex::new(VecDeque::new()),
            next_seq: AtomicU64::new(1),
            dropped: AtomicU64::new(0),
        }
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    pub fn next_seq(&self) -> u64 {
        self.next_seq.fetch_add(1, Ordering::Relaxed)
    }

    pub fn record(&self, entry: JournalEntry) {
        let mut entries = self.lock();
        // Requests finish out of order; keep the journal in arrival order.
        let at = entries.partition_point(|e| e.seq < entry.seq);
        entries.insert(at, entry);
        while entries.len() > JOURNAL_CAPACITY {
            entries.pop_front();
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Drops entries older than [`JOURNAL_MAX_AGE`] at real time `now`.
    pub fn purge(&self, now: i64) {
        let mut entries = self.lock();
        while entries
            .front()
            .is_some_and(|e| now - e.at >= JOURNAL_MAX_AGE)
        {
            entries.pop_front();
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Forgets every entry; returns how many there were.
    pub fn clear(&self) -> usize {
        let mut entries = self.lock();
        let n = entries.len();
        entries.clear();
        n
    }

    fn matching(&self, filter: &Filter) -> Vec<Value> {
        let entries = self.lock();
        let mut found: Vec<Value> = entries
            .iter()
            .filter(|e| filter.matches(e))
            .map(|e| e.document.clone())
            .collect();
        if let Some(limit) = filter.limit
            && found.len() > limit
        {
            found.drain(..found.len() - limit);
        }
        found
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<JournalEntry>> {
        // A panic while holding the lock leaves a consistent deque; keep serving.
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// `GET /__mock/requests` filters.
struct Filter {
    path: Option<PathPattern>,
    method: Option<String>,
    client_id: Option<String>,
    /// Only entries after this sequence number.
    since: Option<u64>,
    /// Only the last N.
    limit: Option<usize>,
}

impl Filter {
    fn from_query(query: Option<&str>) -> Result<Filter, String> {
        let params = Params::from_query(query);
        let number = |key: &str| -> Result<Option<u64>, String> {
            params
                .get(key)
                .map(|v| {
                    v.parse::<u64>()
                        .map_err(|_| format!("{key} must be a whole number, got '{v}'"))
                })
                .transpose()
        };
        Ok(Filter {
            path: params.get("path").map(PathPattern::new),
            method: params.get("method").map(str::to_ascii_uppercase),
            client_id: params.get("client_id").map(str::to_owned),
            since: number("since")?,
            limit: number("limit")?.map(|n| usize::try_from(n).unwrap_or(usize::MAX)),
        })
    }

    fn matches(&self, e: &JournalEntry) -> bool {
        self.path.as_ref().is_none_or(|p| p.matches(&e.path))
            && self.method.as_ref().is_none_or(|m| *m == e.method)
            && self
                .client_id
                .as_ref()
                .is_none_or(|c| e.client_id.as_ref() == Some(c))
            && self.since.is_none_or(|s| e.seq > s)
    }
}

/// `GET /__mock/requests[?path=/data/v1/*&method=GET&client_id=ID&since=SEQ&limit=N]`.
pub async fn list(State(state): State<Arc<MockState>>, RawQuery(query): RawQuery) -> Response {
    match Filter::from_query(query.as_deref()) {
        Ok(filter) => Json(json!({
            "requests": state.journal.matching(&filter),
            "capacity": JOURNAL_CAPACITY,
            "dropped": state.journal.dropped.load(Ordering::Relaxed),
        }))
        .into_response(),
        Err(message) => super::error::OAuthError::invalid_request(message).into_response(),
    }
}

/// `DELETE /__mock/requests`.
pub async fn clear(State(state): State<Arc<MockState>>) -> Response {
    Json(json!({"cleared": state.journal.clear()})).into_response()
}

/// The client a request speaks for, as far as it says: `client_id` in the query or the
/// body, HTTP Basic's user, or a bearer token's `client_id` claim (read, not verified: the
/// journal only files the request under it).
pub fn client_of(headers: &HeaderMap, query: &Params, body: &Params) -> Option<String> {
    if let Some(c) = query.get("client_id").or_else(|| body.get("client_id")) {
        return Some(c.to_owned());
    }
    let auth = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, value) = auth.split_once(' ')?;
    if scheme.eq_ignore_ascii_case("basic") {
        let decoded = STANDARD.decode(value.trim()).ok()?;
        let text = String::from_utf8(decoded).ok()?;
        let (user, _) = text.split_once(':')?;
        let user = url::form_urlencoded::parse(format!("u={user}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())?;
        return Some(user);
    }
    if scheme.eq_ignore_ascii_case("bearer") {
        let payload = value.trim().split('.').nth(1)?;
        let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
        return claims["client_id"].as_str().map(str::to_owned);
    }
    None
}

/// Whether a field name is one whose value is a credential.
pub fn is_secret_field(name: &str) -> bool {
    SECRET_FIELDS.iter().any(|s| name.eq_ignore_ascii_case(s))
}

/// A string shaped like a JWT (three base64url parts, the first a JSON header).
fn looks_like_jwt(s: &str) -> bool {
    s.starts_with("eyJ") && s.split('.').count() == 3
}

/// A JSON value with every secret field's value (at any depth) and every JWT redacted.
pub fn redact_json(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                if is_secret_field(k) && !v.is_null() {
                    *v = Value::String(REDACTED.to_owned());
                } else {
                    redact_json(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_json),
        Value::String(s) if looks_like_jwt(s) => *s = REDACTED.to_owned(),
        _ => {}
    }
}

/// Query or form pairs as a JSON object, secrets redacted (a repeated name keeps the last).
pub fn redact_pairs(text: &str) -> Value {
    let mut map = Map::new();
    for (k, v) in url::form_urlencoded::parse(text.as_bytes()) {
        let v = if is_secret_field(&k) || looks_like_jwt(&v) {
            REDACTED.to_owned()
        } else {
            v.into_owned()
        };
        map.insert(k.into_owned(), Value::String(v));
    }
    Value::Object(map)
}

/// A query string with secret values replaced, for the access log.
pub fn redact_query(text: &str) -> String {
    url::form_urlencoded::parse(text.as_bytes())
        .map(|(k, v)| {
            let v = if is_secret_field(&k) || looks_like_jwt(&v) {
                REDACTED.into()
            } else {
                v
            };
            url::form_urlencoded::Serializer::new(String::new())
                .append_pair(&k, &v)
                .finish()
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Request headers as a JSON object, credentials redacted.
pub fn redact_headers(headers: &HeaderMap) -> Value {
    let mut map = Map::new();
    for (name, value) in headers {
        let name = name.as_str();
        let Ok(text) = value.to_str() else { continue };
        let shown = if name == "authorization" {
            match text.split_once(' ') {
                Some((scheme, _)) => format!("{scheme} {REDACTED}"),
                None => REDACTED.to_owned(),
            }
        } else if SECRET_HEADERS.contains(&name) || is_secret_field(name) {
            REDACTED.to_owned()
        } else {
            text.to_owned()
        };
        map.insert(name.to_owned(), Value::String(shown));
    }
    Value::Object(map)
}

/// A body as the journal keeps it: JSON or a form as a redacted object, an HTML page as its
/// size only, other text as redacted text; cut to [`BODY_PREVIEW`] bytes (then a string with
/// `…`), with whether it was cut.
pub fn body_preview(content_type: &str, bytes: &[u8]) -> (Value, bool) {
    if bytes.is_empty() {
        return (Value::Null, false);
    }
    let Ok(text) = std::str::from_utf8(bytes) else {
        return (
            Value::String(format!("[{} bytes, not text]", bytes.len())),
            false,
        );
    };
    // A page can carry a secret in markup (form_post's hidden `code` field), which word by
    // word redaction would miss: pages are described, not kept.
    if content_type.starts_with("text/html") {
        return (
            Value::String(format!("[HTML page, {} bytes]", bytes.len())),
            false,
        );
    }
    let value = if content_type.contains("json") {
        match serde_json::from_str::<Value>(text) {
            Ok(mut v) => {
                redact_json(&mut v);
                v
            }
            Err(_) => Value::String(redact_text(text)),
        }
    } else if content_type.starts_with("application/x-www-form-urlencoded") {
        redact_pairs(text)
    } else {
        Value::String(redact_text(text))
    };
    let rendered = match &value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if rendered.len() <= BODY_PREVIEW {
        return (value, false);
    }
    let mut cut = BODY_PREVIEW;
    while !rendered.is_char_boundary(cut) {
        cut -= 1;
    }
    (Value::String(format!("{}…", &rendered[..cut])), true)
}

/// Free text (an HTML page, an unparsable body): JWTs and `name=value` secrets replaced.
fn redact_text(text: &str) -> String {
    // Word by word, keeping each separator: a JWT or a `secret=value` is replaced where it
    // stands.
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        let end = rest
            .find(|c: char| c.is_whitespace() || "&\"'<>?,;()".contains(c))
            .unwrap_or(rest.len());
        let (word, tail) = rest.split_at(end);
        let replaced = match word.split_once('=') {
            Some((k, _)) if is_secret_field(k) => format!("{k}={REDACTED}"),
            _ if looks_like_jwt(word) => REDACTED.to_owned(),
            _ => word.to_owned(),
        };
        out.push_str(&replaced);
        let mut chars = tail.chars();
        if let Some(sep) = chars.next() {
            out.push(sep);
        }
        rest = chars.as_str();
    }
    out
}

/// What is known of a request as it arrives, before its answer.
pub struct Arrival {
    /// 0 for a request the journal does not keep (`/__mock/`).
    pub seq: u64,
    /// Real Unix seconds.
    pub at: i64,
    pub method: Method,
    pub path: String,
    pub query: Option<String>,
    pub client_id: Option<String>,
}

impl Arrival {
    /// The journal entry for this request: its redacted `headers` and `body` (with whether
    /// it was cut), the answer's record, and the fault that answered, if one did.
    pub fn entry(
        &self,
        headers: Value,
        body: (Value, bool),
        response: Value,
        fault: Option<&str>,
    ) -> JournalEntry {
        let mut doc = json!({
            "seq": self.seq,
            "at": rfc3339(self.at),
            "method": self.method.as_str(),
            "path": self.path,
            "query": self.query.as_deref().map_or(Value::Object(Map::new()), redact_pairs),
            "client_id": self.client_id,
            "headers": headers,
            "body": body.0,
            "response": response,
        });
        if body.1 {
            doc["body_truncated"] = Value::Bool(true);
        }
        if let Some(id) = fault {
            doc["fault"] = Value::String(id.to_owned());
        }
        JournalEntry {
            seq: self.seq,
            at: self.at,
            method: self.method.as_str().to_owned(),
            path: self.path.clone(),
            client_id: self.client_id.clone(),
            document: doc,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_redacted_at_any_depth_and_jwts_anywhere() {
        let mut v = json!({
            "client_id": "c",
            "client_secret": "s3cret",
            "nested": [{"refresh_token": "r"}, "eyJhbGciOi.eyJzdWIi.sig"],
            "code": null,
        });
        redact_json(&mut v);
        assert_eq!(
            v,
            json!({
                "client_id": "c",
                "client_secret": REDACTED,
                "nested": [{"refresh_token": REDACTED}, REDACTED],
                "code": null,
            })
        );
    }

    #[test]
    fn forms_queries_and_text_lose_their_secrets() {
        assert_eq!(
            redact_pairs("grant_type=authorization_code&code=abc&client_secret=x"),
            json!({"grant_type": "authorization_code", "code": REDACTED, "client_secret": REDACTED})
        );
        assert_eq!(
            redact_query("code=abc&state=st"),
            "code=%5Bredacted%5D&state=st"
        );
        let text = redact_text("see https://x/cb?code=abc&state=1 and eyJa.eyJb.c done");
        assert_eq!(
            text,
            format!("see https://x/cb?code={REDACTED}&state=1 and {REDACTED} done")
        );
    }

    #[test]
    fn html_pages_are_described_not_kept() {
        let page = br#"<form method="post"><input type="hidden" name="code" value="c0de"></form>"#;
        let (v, cut) = body_preview("text/html; charset=utf-8", page);
        assert_eq!(v, json!(format!("[HTML page, {} bytes]", page.len())));
        assert!(!cut);
    }

    #[test]
    fn a_long_body_is_cut_on_a_character_boundary() {
        let long = "é".repeat(BODY_PREVIEW);
        let (v, cut) = body_preview("text/plain", long.as_bytes());
        assert!(cut);
        let s = v.as_str().unwrap();
        assert!(s.len() <= BODY_PREVIEW + "…".len());
        assert!(s.ends_with('…'));
    }

    #[test]
    fn the_journal_keeps_the_newest_in_arrival_order() {
        let journal = Journal::default();
        let entry = |seq| JournalEntry {
            seq,
            at: 0,
            method: "GET".into(),
            path: "/".into(),
            client_id: None,
            document: json!({"seq": seq}),
        };
        let last = JOURNAL_CAPACITY as u64 + 10;
        for seq in (1..=last).rev() {
            journal.record(entry(seq));
        }
        let all = journal.matching(&Filter::from_query(None).unwrap());
        assert_eq!(all.len(), JOURNAL_CAPACITY);
        // Recorded newest first, yet the kept ones are in order; the cap took the oldest
        // of those present each time.
        let seqs: Vec<u64> = all.iter().map(|d| d["seq"].as_u64().unwrap()).collect();
        assert!(seqs.windows(2).all(|w| w[0] < w[1]));
        journal.purge(JOURNAL_MAX_AGE);
        assert!(
            journal
                .matching(&Filter::from_query(None).unwrap())
                .is_empty()
        );
    }
}
