//! Errors: [`MockError`] for starting the mock (library callers see it), and the three shapes
//! of HTTP error body TrueLayer uses — OAuth (`/connect/token`, extend), Data API, and
//! Problem JSON (Signup+).

use std::net::SocketAddr;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// Why the mock could not start.
#[derive(thiserror::Error, Debug)]
pub enum MockError {
    #[error("could not bind the mock to {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("could not read the fixture file: {0}")]
    FixturesRead(crate::source::ReadError),
    #[error("invalid fixtures at {at}: {message}")]
    FixturesInvalid { at: String, message: String },
    #[error("the mock's signing key is unusable: {0}")]
    Key(String),
    #[error("the mock server failed: {0}")]
    Serve(#[source] std::io::Error),
}

impl MockError {
    /// True for errors in what the user gave us (fixture file), as opposed to the environment.
    pub fn is_invalid_input(&self) -> bool {
        matches!(
            self,
            MockError::FixturesRead { .. } | MockError::FixturesInvalid { .. }
        )
    }
}

/// An OAuth-style error: `{"error": ..., "error_description": ...}`, never cached.
#[derive(Debug, Clone)]
pub struct OAuthError {
    pub status: StatusCode,
    pub error: &'static str,
    pub description: String,
}

impl OAuthError {
    pub fn new(error: &'static str, description: impl Into<String>) -> Self {
        OAuthError {
            status: StatusCode::BAD_REQUEST,
            error,
            description: description.into(),
        }
    }

    pub fn invalid_request(description: impl Into<String>) -> Self {
        Self::new("invalid_request", description)
    }

    pub fn invalid_grant(description: impl Into<String>) -> Self {
        Self::new("invalid_grant", description)
    }

    pub fn invalid_client(description: impl Into<String>) -> Self {
        Self::new("invalid_client", description)
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let body = json!({"error": self.error, "error_description": self.description});
        let mut resp = (self.status, axum::Json(body)).into_response();
        // As on a successful token answer (RFC 6749 §5.1 asks both of 200s; TrueLayer sends
        // them on errors too, and a cache between the client and us must not keep either).
        resp.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        resp.headers_mut()
            .insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
        resp
    }
}

/// A Data API error: `{"error", "error_description", "error_details": {}}`.
#[derive(Debug, Clone)]
pub struct DataError {
    pub status: StatusCode,
    pub error: &'static str,
    pub description: String,
    /// Seconds for a `Retry-After` header (429 `provider_too_many_requests`).
    pub retry_after: Option<u32>,
}

impl DataError {
    pub fn new(status: StatusCode, error: &'static str, description: impl Into<String>) -> Self {
        DataError {
            status,
            error,
            description: description.into(),
            retry_after: None,
        }
    }

    pub fn with_retry_after(mut self, seconds: u32) -> Self {
        self.retry_after = Some(seconds);
        self
    }
}

impl IntoResponse for DataError {
    fn into_response(self) -> Response {
        let body = json!({
            "error": self.error,
            "error_description": self.description,
            "error_details": {},
        });
        let mut resp = (self.status, axum::Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            let challenge = format!("Bearer error=\"{}\"", self.error);
            if let Ok(v) = HeaderValue::from_str(&challenge) {
                resp.headers_mut().insert(header::WWW_AUTHENTICATE, v);
            }
        }
        if let Some(seconds) = self.retry_after {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        resp
    }
}

/// A Problem JSON (RFC 9457) error as Signup+ answers them.
#[derive(Debug, Clone)]
pub struct Problem {
    pub status: StatusCode,
    pub title: &'static str,
    pub detail: String,
}

impl Problem {
    pub fn new(status: StatusCode, title: &'static str, detail: impl Into<String>) -> Self {
        Problem {
            status,
            title,
            detail: detail.into(),
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let slug = self.title.to_ascii_lowercase().replace(' ', "-");
        let body = json!({
            "type": format!("https://docs.truelayer.com/docs/error-types#{slug}"),
            "title": self.title,
            "status": self.status.as_u16(),
            "detail": self.detail,
            "trace_id": uuid::Uuid::new_v4().simple().to_string(),
        });
        let mut resp = (self.status, body.to_string()).into_response();
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        resp
    }
}
