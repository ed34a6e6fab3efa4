//! An HTTP exchange as obflow records it: the request a step sends, fully rendered, and the
//! response it gets, whose JSON body is parsed only when something reads it.

use std::sync::OnceLock;
use std::time::Duration;

use serde_json::Value;

/// A request about to be sent, fully rendered.
#[derive(Debug, Clone)]
pub struct HttpRequest {
    pub method: reqwest::Method,
    pub url: url::Url,
    pub headers: Vec<(String, String)>,
    pub body: Option<RequestBody>,
    pub timeout: Duration,
}

#[derive(Debug, Clone)]
pub enum RequestBody {
    Form(Vec<(String, String)>),
    Json(Value),
    Raw(String),
}

impl RequestBody {
    pub fn content_type(&self) -> Option<&'static str> {
        match self {
            RequestBody::Form(_) => Some("application/x-www-form-urlencoded"),
            RequestBody::Json(_) => Some("application/json"),
            RequestBody::Raw(_) => None,
        }
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            RequestBody::Form(fields) => url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(fields)
                .finish()
                .into_bytes(),
            RequestBody::Json(v) => serde_json::to_vec(v).unwrap_or_default(),
            RequestBody::Raw(s) => s.clone().into_bytes(),
        }
    }
}

/// A response as checks and captures see it.
#[derive(Debug, Clone)]
pub struct HttpResponse {
    pub status: u16,
    /// Lower-cased names, in arrival order.
    pub headers: Vec<(String, String)>,
    /// The body as received; for a local response, written from its JSON on first read
    /// ([`HttpResponse::body`]): most are only ever read as JSON.
    body: OnceLock<String>,
    /// The body as JSON, parsed on first use ([`HttpResponse::json`]).
    json: JsonBody,
    pub elapsed: Duration,
}

impl HttpResponse {
    /// A response received; its body is parsed as JSON when something reads it.
    pub fn new(
        status: u16,
        headers: Vec<(String, String)>,
        body: String,
        elapsed: Duration,
    ) -> Self {
        HttpResponse {
            status,
            headers,
            body: OnceLock::from(body),
            json: JsonBody::default(),
            elapsed,
        }
    }

    /// A response made up by a step that sends nothing (`auth_link`, `await_code`, `wait`),
    /// so checks and captures work on it like on any other.
    pub fn from_json(json: Value) -> Self {
        HttpResponse {
            status: 200,
            headers: vec![("content-type".into(), "application/json".into())],
            body: OnceLock::new(),
            json: JsonBody::parsed(Some(json)),
            elapsed: Duration::ZERO,
        }
    }

    /// The body as text.
    pub fn body(&self) -> &str {
        self.body.get_or_init(|| {
            // Only a local response has no body yet, and its JSON is already parsed.
            self.json
                .get(&self.headers, "")
                .map(Value::to_string)
                .unwrap_or_default()
        })
    }

    /// The body as JSON, when it is JSON (declared so, or looking like an object or array).
    pub fn json(&self) -> Option<&Value> {
        match self.json.is_parsed() {
            // A local response's JSON needs no body written out to be read.
            true => self.json.get(&self.headers, ""),
            false => self.json.get(&self.headers, self.body()),
        }
    }

    /// The body's JSON, parsed or not yet.
    pub fn json_body(&self) -> &JsonBody {
        &self.json
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// How long the server asks to be left alone before the next try: `Retry-After` on a
    /// 429 or a 503, in seconds or as an HTTP date (RFC 9110 §10.2.3); a date already past
    /// asks for no wait. `None` when it asks nothing, or writes something else.
    pub fn retry_after(&self, now: std::time::SystemTime) -> Option<Duration> {
        if !matches!(self.status, 429 | 503) {
            return None;
        }
        let value = self.header("retry-after")?.trim();
        if let Ok(seconds) = value.parse::<u64>() {
            return Some(Duration::from_secs(seconds));
        }
        let at = httpdate::parse_http_date(value).ok()?;
        Some(at.duration_since(now).unwrap_or(Duration::ZERO))
    }

    /// The response as templates see it under `steps.<id>`.
    pub fn to_template_value(&self) -> Value {
        let mut headers = serde_json::Map::new();
        for (name, value) in &self.headers {
            headers
                .entry(name.clone())
                .or_insert_with(|| Value::String(value.clone()));
        }
        serde_json::json!({
            "status": self.status,
            "headers": headers,
            "json": self.json().cloned().unwrap_or(Value::Null),
            "body": self.body(),
        })
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{SystemTime, UNIX_EPOCH};

    fn answer(status: u16, retry_after: &str) -> HttpResponse {
        let headers = vec![("retry-after".to_owned(), retry_after.to_owned())];
        HttpResponse::new(status, headers, String::new(), Duration::ZERO)
    }

    #[test]
    fn retry_after_is_read_as_seconds_or_a_date_on_429_and_503_only() {
        // 2015-10-21 07:28:00 UTC, the RFC's own example date.
        let now = UNIX_EPOCH + Duration::from_secs(1_445_412_480);
        let secs = |s: u64| Some(Duration::from_secs(s));
        assert_eq!(answer(429, "120").retry_after(now), secs(120));
        assert_eq!(answer(503, " 3 ").retry_after(now), secs(3));
        let date = "Wed, 21 Oct 2015 07:30:00 GMT";
        assert_eq!(answer(503, date).retry_after(now), secs(120));
        // Past already: no wait. Not a number or a date, or another status: nothing asked.
        assert_eq!(
            answer(429, date).retry_after(now + Duration::from_secs(600)),
            secs(0)
        );
        assert_eq!(answer(429, "soon").retry_after(now), None);
        assert_eq!(answer(429, "-1").retry_after(now), None);
        assert_eq!(answer(500, "5").retry_after(now), None);
        assert_eq!(answer(200, "5").retry_after(SystemTime::now()), None);
    }
}
