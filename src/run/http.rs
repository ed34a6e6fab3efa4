//! HTTP for the engine: one client for the whole run (connections reused), cookies kept per
//! scenario, and responses recorded as [`HttpResponse`] for checks, captures and transcripts.

use std::sync::OnceLock;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;

use super::cookies::CookieJar;
use crate::check::{JsonBody, ResponseView};
use crate::secret::Redactor;

/// Builds the run's one client. Redirects are not followed: OAuth flows need to see them.
pub fn build_client(jobs: usize) -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(jobs.max(1) * 2)
        .user_agent(concat!("obflow/", env!("CARGO_PKG_VERSION")))
        .build()
}

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
    fn content_type(&self) -> Option<&'static str> {
        match self {
            RequestBody::Form(_) => Some("application/x-www-form-urlencoded"),
            RequestBody::Json(_) => Some("application/json"),
            RequestBody::Raw(_) => None,
        }
    }

    fn to_bytes(&self) -> Vec<u8> {
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

    /// The response as checks and captures see it.
    pub fn view(&self) -> ResponseView<'_> {
        ResponseView {
            status: self.status,
            headers: &self.headers,
            body: self.body(),
            json: &self.json,
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
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

/// Why a request could not be completed.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    #[error("could not connect: {0}")]
    Connect(String),
    #[error("{0}")]
    Other(String),
}

/// Sends a request with the scenario's cookies, and records the response.
pub async fn send(
    client: &reqwest::Client,
    cookies: &mut CookieJar,
    request: &HttpRequest,
) -> Result<HttpResponse, HttpError> {
    let mut headers = HeaderMap::new();
    for (name, value) in &request.headers {
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| HttpError::Other(format!("`{name}` is not a valid header name")))?;
        let value = HeaderValue::from_str(value)
            .map_err(|_| HttpError::Other(format!("the value of header `{name}` is not valid")))?;
        headers.append(name, value);
    }
    if let Some(body) = &request.body
        && let Some(ct) = body.content_type()
        && !headers.contains_key(reqwest::header::CONTENT_TYPE)
    {
        headers.insert(reqwest::header::CONTENT_TYPE, HeaderValue::from_static(ct));
    }
    if let Some(cookie) = cookies.header_for(&request.url) {
        headers.insert(reqwest::header::COOKIE, cookie);
    }
    let mut builder = client
        .request(request.method.clone(), request.url.clone())
        .headers(headers)
        .timeout(request.timeout);
    if let Some(body) = &request.body {
        builder = builder.body(body.to_bytes());
    }
    let started = std::time::Instant::now();
    let response = builder
        .send()
        .await
        .map_err(|e| classify(e, request.timeout))?;
    if response.headers().contains_key(reqwest::header::SET_COOKIE) {
        cookies.store_from(response.headers(), &request.url);
    }
    let status = response.status().as_u16();
    let headers: Vec<(String, String)> = response
        .headers()
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_owned(),
                match v.to_str() {
                    Ok(text) => text.to_owned(),
                    Err(_) => String::from_utf8_lossy(v.as_bytes()).into_owned(),
                },
            )
        })
        .collect();
    let bytes = response
        .bytes()
        .await
        .map_err(|e| classify(e, request.timeout))?;
    let elapsed = started.elapsed();
    Ok(HttpResponse::new(status, headers, text_of(bytes), elapsed))
}

/// A body as text. Bodies are almost always UTF-8: check that with the fast validator and
/// keep the buffer; only a body that is not pays for the lossy conversion.
fn text_of(bytes: impl Into<Vec<u8>>) -> String {
    match String::from_utf8(bytes.into()) {
        Ok(text) => text,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

fn classify(err: reqwest::Error, timeout: Duration) -> HttpError {
    if err.is_timeout() {
        HttpError::Timeout(timeout)
    } else if err.is_connect() {
        let mut msg = err.to_string();
        let mut source = std::error::Error::source(&err);
        while let Some(s) = source {
            msg = s.to_string();
            source = s.source();
        }
        HttpError::Connect(msg)
    } else {
        HttpError::Other(err.to_string())
    }
}

/// The request as text, for `-v` and reports; every secret replaced by the placeholder.
pub fn describe_request(request: &HttpRequest, redactor: &Redactor) -> String {
    let mut out = format!("{} {}\n", request.method, request.url);
    for (name, value) in &request.headers {
        let value = if is_credential_header(name) {
            // Keep the scheme ("Bearer ***"): it says what kind of credential was sent.
            match value.split_once(' ') {
                Some((scheme, _)) => format!("{scheme} {}", crate::secret::PLACEHOLDER),
                None => crate::secret::PLACEHOLDER.to_owned(),
            }
        } else {
            value.clone()
        };
        out.push_str(&format!("{name}: {value}\n"));
    }
    if let Some(body) = &request.body {
        out.push('\n');
        match body {
            RequestBody::Form(fields) => {
                for (i, (k, v)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push('&');
                    }
                    let v = if crate::secret::is_secret_field(k) {
                        crate::secret::PLACEHOLDER
                    } else {
                        v
                    };
                    out.push_str(&format!("{k}={v}"));
                }
                out.push('\n');
            }
            RequestBody::Json(v) => {
                out.push_str(&serde_json::to_string_pretty(v).unwrap_or_default());
                out.push('\n');
            }
            RequestBody::Raw(s) => {
                out.push_str(s);
                out.push('\n');
            }
        }
    }
    redactor.redact(&out).into_owned()
}

/// The response as text, for `-v` and reports; every secret replaced by the placeholder.
pub fn describe_response(response: &HttpResponse, redactor: &Redactor) -> String {
    let mut out = format!("HTTP {}\n", response.status);
    for (name, value) in &response.headers {
        out.push_str(&format!("{name}: {value}\n"));
    }
    out.push('\n');
    match response.json() {
        Some(json) => out.push_str(&serde_json::to_string_pretty(json).unwrap_or_default()),
        None => out.push_str(&shorten(response.body())),
    }
    out.push('\n');
    redactor.redact(&out).into_owned()
}

/// Text bodies (HTML pages, mostly) are cut in transcripts: the start says what page it
/// was, the rest is noise in a log.
const TEXT_BODY_LIMIT: usize = 1500;

fn shorten(body: &str) -> String {
    if body.len() <= TEXT_BODY_LIMIT {
        return body.to_owned();
    }
    let cut = (0..=TEXT_BODY_LIMIT)
        .rev()
        .find(|i| body.is_char_boundary(*i))
        .unwrap_or(0);
    format!("{}\n… ({} more bytes)", &body[..cut], body.len() - cut)
}

fn is_credential_header(name: &str) -> bool {
    ["authorization", "cookie", "proxy-authorization"]
        .iter()
        .any(|known| name.eq_ignore_ascii_case(known))
}

/// The credential of an `Authorization` value (`Bearer <token>`, `Basic <b64>`): its last
/// word. Header values separate words with spaces and tabs; searching for those from the end
/// costs little, where walking a long token a character at a time cost more than the rest
/// of learning a request's secrets.
fn last_word(value: &str) -> Option<&str> {
    let value = value.trim_end_matches([' ', '\t']);
    let start = memchr::memrchr2(b' ', b'\t', value.as_bytes()).map_or(0, |at| at + 1);
    Some(&value[start..]).filter(|word| !word.is_empty())
}

/// Learns the secrets a response carries (tokens, codes) before anything prints it.
pub fn learn_response_secrets(response: &HttpResponse, redactor: &Redactor) {
    // Most bodies hold no field a secret could be in: those are not parsed for this.
    if crate::check::may_be_json(&response.headers, response.body())
        && may_hold_secret_fields(response.body())
        && let Some(json) = response.json()
    {
        learn_json_secrets(json, redactor);
    }
    if let Some(location) = response.header("location") {
        learn_url_secrets(location, redactor);
    }
}

/// Learns the secrets a request carries: credential headers and secret-named fields.
pub fn learn_request_secrets(request: &HttpRequest, redactor: &Redactor) {
    for (name, value) in &request.headers {
        if is_credential_header(name)
            && let Some(cred) = last_word(value)
        {
            redactor.add(cred);
        }
    }
    if let Some(RequestBody::Form(fields)) = &request.body {
        for (k, v) in fields {
            // A form's `password` is the mock user's, typed by `await_code: auto` (`doe`,
            // `accounts`): ordinary words that must not be scrubbed from every line.
            // Transcripts mask the field by name; real passwords come from secret vars.
            if crate::secret::is_secret_field(k) && k != "password" {
                redactor.add(v);
            }
        }
    }
    if let Some(RequestBody::Json(json)) = &request.body {
        learn_json_secrets(json, redactor);
    }
    learn_url_secrets(request.url.as_str(), redactor);
}

fn learn_url_secrets(url: &str, redactor: &Redactor) {
    // Parameters come in the query, and in the fragment of an implicit-style redirect.
    let (rest, fragment) = url.split_once('#').unwrap_or((url, ""));
    let query = rest.split_once('?').map_or("", |(_, q)| q);
    let pairs = query.split('&').chain(fragment.split('&'));
    for pair in pairs.filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        // Decoding every value of every URL is most of the cost: decode a name only when it
        // is encoded, and a value only when its name says it is secret.
        let secret = if name.bytes().any(|b| b == b'%' || b == b'+') {
            let decoded: String = url::form_urlencoded::parse(name.as_bytes())
                .map(|(k, _)| k.into_owned())
                .collect();
            crate::secret::is_secret_field(&decoded)
        } else {
            crate::secret::is_secret_field(name)
        };
        if secret {
            redactor.add(&decode_form_value(value));
        }
    }
}

/// A form or query value, decoded (`+` and `%XX`); `=` inside it is kept.
fn decode_form_value(value: &str) -> String {
    url::form_urlencoded::parse(format!("v={value}").as_bytes())
        .map(|(_, v)| v.into_owned())
        .next()
        .unwrap_or_default()
}

/// Whether `text` could hold a field [`crate::secret::is_secret_field`] names: it has one
/// of their telling parts (in any case), or a `\u` escape that could spell one. Far cheaper
/// than parsing the body to find out.
fn may_hold_secret_fields(text: &str) -> bool {
    // Lower-casing a copy and searching it once per part beats one case-blind automaton
    // pass (measured): `contains` searches with SIMD, the automaton a byte at a time.
    const TELLING: [&str; 6] = [
        "token",
        "\"code\"",
        "code_verifier",
        "secret",
        "password",
        "\\u",
    ];
    let lower = text.to_ascii_lowercase();
    TELLING.iter().any(|part| lower.contains(part))
}

fn learn_json_secrets(json: &Value, redactor: &Redactor) {
    match json {
        Value::Object(map) => {
            for (k, v) in map {
                if crate::secret::is_secret_field(k) {
                    redactor.add_json(v);
                } else {
                    learn_json_secrets(v, redactor);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| learn_json_secrets(v, redactor)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(body: &str) -> HttpResponse {
        let headers = vec![("content-type".to_owned(), "application/json".to_owned())];
        HttpResponse::new(200, headers, body.to_owned(), Duration::ZERO)
    }

    #[test]
    fn secrets_in_responses_are_learnt_whatever_the_key_case_or_escapes() {
        let redactor = Redactor::new();
        for body in [
            r#"{"Access_Token": "tok-upper-1"}"#,
            r#"{"nested": [{"\u0061ccess_token": "tok-escaped-2"}]}"#,
            r#"{"code": "code-3", "client_secret": "sec-4"}"#,
        ] {
            learn_response_secrets(&response(body), &redactor);
        }
        let shown = redactor.redact("tok-upper-1 tok-escaped-2 code-3 sec-4");
        assert_eq!(shown, "*** *** *** ***");
    }

    #[test]
    fn secrets_in_urls_are_learnt_decoded_with_encoded_names_too() {
        let redactor = Redactor::new();
        learn_url_secrets(
            "http://x/cb?state=s-1&code=ab%2Bc%3D%3D&%63lient_secret=sec+ret+1#id_token=jwt-1",
            &redactor,
        );
        learn_url_secrets("http://x/cb?refresh_token=rt==9&scope=a+b", &redactor);
        let shown = redactor.redact("s-1 ab+c== sec ret 1 jwt-1 rt==9 a b");
        assert_eq!(shown, "s-1 *** *** *** *** a b");
    }

    #[test]
    fn credential_headers_give_their_last_word_in_any_case() {
        let redactor = Redactor::new();
        let request = HttpRequest {
            method: reqwest::Method::GET,
            url: url::Url::parse("http://x/").unwrap(),
            headers: vec![
                ("Authorization".into(), "Bearer tok-1 ".into()),
                ("PROXY-AUTHORIZATION".into(), "Basic\tb64-2".into()),
                ("cookie".into(), "sid-3".into()),
                ("x-other".into(), "not-secret".into()),
            ],
            body: None,
            timeout: Duration::from_secs(1),
        };
        learn_request_secrets(&request, &redactor);
        assert_eq!(
            redactor.redact("Bearer tok-1 Basic b64-2 sid-3 not-secret"),
            "Bearer *** Basic *** *** not-secret"
        );
        assert_eq!(last_word("  "), None);
        assert_eq!(last_word("one"), Some("one"));
    }

    #[test]
    fn telling_parts_are_found_in_any_case() {
        for body in [
            r#"{"ACCESS_TOKEN": 1}"#,
            r#"{"Code": 1}"#,
            r#"{"x": "\u0074oken"}"#,
            r#"{"Client_Secret": 1}"#,
            r#"{"PassWord": 1}"#,
        ] {
            assert!(may_hold_secret_fields(body), "{body}");
        }
        assert!(!may_hold_secret_fields(
            r#"{"postal_code": "N1", "codes": []}"#
        ));
    }

    #[test]
    fn a_body_without_secret_fields_is_not_parsed_to_learn_nothing() {
        let redactor = Redactor::new();
        let plain = response(r#"{"accounts": [{"account_id": "acc-1", "postal_code": "N1"}]}"#);
        learn_response_secrets(&plain, &redactor);
        assert!(
            !plain.json.is_parsed(),
            "parsed only when something reads it"
        );
        assert_eq!(
            plain
                .json()
                .and_then(|j| j["accounts"][0]["account_id"].as_str()),
            Some("acc-1")
        );
        assert_eq!(redactor.redact("acc-1 N1"), "acc-1 N1");
    }
}
