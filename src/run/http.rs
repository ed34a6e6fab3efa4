//! HTTP for the engine: one client for the whole run (connections reused), cookies kept per
//! scenario, and responses recorded as [`HttpResponse`] for checks, captures and transcripts.

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use super::cookies::CookieJar;
use crate::exchange::{HttpRequest, HttpResponse};

/// Builds the run's one client. Redirects are not followed: OAuth flows need to see them.
pub fn build_client(jobs: usize) -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(jobs.max(1) * 2)
        .user_agent(concat!("obflow/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// Why a request could not be completed.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    #[error("could not connect: {0}")]
    Connect(String),
    /// The process (or the system) has no file descriptor left for the connection.
    #[error("out of open files: {0}")]
    OutOfFiles(String),
    #[error("the response body is larger than {}, the most {}", crate::size::display(.0.bytes), .0.set_by.describe())]
    BodyTooLarge(BodyCap),
    #[error("{0}")]
    Other(String),
}

/// The most a step reads of a response body, and who said so (for the failure's message).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyCap {
    pub bytes: u64,
    pub set_by: CapSetBy,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CapSetBy {
    /// `--max-body`, or its default.
    Flag,
    /// The step's own `max_body`.
    Step,
}

impl CapSetBy {
    fn describe(self) -> &'static str {
        match self {
            CapSetBy::Flag => "a step reads (`--max-body`)",
            CapSetBy::Step => "this step reads (its `max_body`)",
        }
    }
}

/// Sends a request with the scenario's cookies, and records the response, reading at most
/// `cap` bytes of its body (checked as it streams, not after).
pub async fn send(
    client: &reqwest::Client,
    cookies: &mut CookieJar,
    request: &HttpRequest,
    cap: BodyCap,
) -> Result<HttpResponse, HttpError> {
    let max_body = cap.bytes;
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
    if response.content_length().is_some_and(|n| n > max_body) {
        return Err(HttpError::BodyTooLarge(cap));
    }
    let mut response = response;
    let mut bytes = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| classify(e, request.timeout))?
    {
        if (bytes.len() + chunk.len()) as u64 > max_body {
            return Err(HttpError::BodyTooLarge(cap));
        }
        bytes.extend_from_slice(&chunk);
    }
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
    // Once the process has run out of descriptors, a connection that fails or never gets an
    // answer is its victim too: the embedded mock turns clients away when it cannot accept.
    if crate::descriptors::record(&err) || crate::descriptors::ran_out() {
        return HttpError::OutOfFiles(match err.is_timeout() {
            true => format!("no answer in {timeout:?}"),
            false => causes(&err),
        });
    }
    if err.is_timeout() {
        return HttpError::Timeout(timeout);
    }
    let cause = causes(&err);
    if err.is_connect() {
        HttpError::Connect(cause)
    } else if err.is_body() || err.is_decode() {
        HttpError::Other(format!("the response body could not be read: {cause}"))
    } else {
        HttpError::Other(format!("the exchange failed: {cause}"))
    }
}

/// What went wrong, from reqwest's error down to its root cause (a reset, an invalid chunk,
/// a header too large): reqwest's own message says only that sending failed, and names the
/// URL, which the step's location already gives.
fn causes(err: &reqwest::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    match parts.is_empty() {
        true => err.to_string(),
        false => parts.join(": "),
    }
}
