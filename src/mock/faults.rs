//! Faults on demand (`/__mock/faults`): make the next N requests matching a path pattern
//! (or a ratio of them) wait, fail with a status and a TrueLayer-shaped error body, or lose
//! their connection, so a QA team can see what its own application does when TrueLayer is
//! slow or failing. Mock-only, NOT part of TrueLayer.
//!
//! At most [`MAX_FAULTS`] faults at once (more is refused: a fault is configuration, which
//! should not silently disappear the way an evicted cache entry may). A fault for N calls is
//! removed after its N-th; a ratio-only fault lasts until deleted or `POST /__mock/reset`.
//! `/__mock/` routes are never faulted, so the admin routes always answer.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

use super::body::RawBody;
use super::clock::parse_duration;
use super::error::{DataError, OAuthError};
use super::state::MockState;

/// The most faults set at once.
pub const MAX_FAULTS: usize = 100;
/// The longest delay a fault may add: long enough for any client timeout worth testing.
pub const MAX_DELAY: Duration = Duration::from_secs(120);

/// A path pattern: exact, or with `*` matching any run of characters (`/` included), e.g.
/// `/data/v1/accounts/*/transactions` or `/data/v1/*`.
#[derive(Debug, Clone)]
pub struct PathPattern(String);

impl PathPattern {
    pub fn new(pattern: &str) -> Self {
        PathPattern(pattern.to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn matches(&self, path: &str) -> bool {
        let mut parts = self.0.split('*');
        let first = parts.next().unwrap_or("");
        let Some(mut rest) = path.strip_prefix(first) else {
            return false;
        };
        let parts: Vec<&str> = parts.collect();
        let Some((last, middle)) = parts.split_last() else {
            return rest.is_empty();
        };
        for part in middle {
            match rest.find(part) {
                Some(at) => rest = &rest[at + part.len()..],
                None => return false,
            }
        }
        rest.ends_with(last)
    }
}

/// `POST /__mock/faults` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultSpec {
    /// Path pattern (required).
    path: String,
    /// Only this method (default: any).
    method: Option<String>,
    /// Answer with this status (400..=599) and a TrueLayer-shaped error body.
    status: Option<u16>,
    /// The body's `error` (Data API, OAuth) or `title` (Signup+); default from the status.
    error: Option<String>,
    /// The body's `error_description` or `detail`.
    error_description: Option<String>,
    /// `Retry-After` seconds on the answer (a 429 gets 1 unless given).
    retry_after: Option<u32>,
    /// Wait this long first (`2s`, `500ms`... or seconds as a number).
    delay: Option<Value>,
    /// Close the connection without an answer.
    #[serde(default)]
    reset: bool,
    /// For this many matching calls (default 1, or unlimited when `ratio` is given).
    times: Option<u64>,
    /// Apply to this share of matching calls, 0 < ratio <= 1 (default 1: every one).
    ratio: Option<f64>,
}

/// What a fault does to a request it takes.
#[derive(Debug, Clone)]
pub enum FaultAction {
    /// Delay only: then the request is served as usual.
    PassThrough,
    Status {
        status: StatusCode,
        error: Option<String>,
        description: Option<String>,
        retry_after: Option<u32>,
    },
    Reset,
}

#[derive(Debug, Clone)]
pub struct Fault {
    pub id: String,
    pattern: PathPattern,
    method: Option<Method>,
    pub delay: Option<Duration>,
    pub action: FaultAction,
    /// Calls left; `None`: unlimited.
    remaining: Option<u64>,
    ratio: f64,
    /// Calls it has taken.
    applied: u64,
}

impl Fault {
    fn json(&self) -> Value {
        let (status, reset) = match &self.action {
            FaultAction::Status { status, .. } => (Some(status.as_u16()), false),
            FaultAction::Reset => (None, true),
            FaultAction::PassThrough => (None, false),
        };
        json!({
            "id": self.id,
            "path": self.pattern.as_str(),
            "method": self.method.as_ref().map(Method::as_str),
            "status": status,
            "reset": reset,
            "delay_ms": self.delay.map(|d| d.as_millis() as u64),
            "remaining": self.remaining,
            "ratio": self.ratio,
            "applied": self.applied,
        })
    }
}

/// The faults set, in the order they were set; the first that takes a request applies.
#[derive(Default)]
pub struct FaultTable {
    faults: Mutex<Vec<Fault>>,
    next_id: AtomicU64,
}

impl FaultTable {
    /// The fault that takes this request, if any (counting it). Admin routes are never taken.
    pub fn take(&self, method: &Method, path: &str) -> Option<Fault> {
        if path.starts_with("/__mock/") {
            return None;
        }
        let mut faults = self.lock();
        if faults.is_empty() {
            return None;
        }
        let index = faults.iter().position(|f| {
            f.pattern.matches(path)
                && f.method.as_ref().is_none_or(|m| m == method)
                && (f.ratio >= 1.0 || rand::random::<f64>() < f.ratio)
        })?;
        let fault = &mut faults[index];
        fault.applied += 1;
        let taken = fault.clone();
        if let Some(left) = &mut fault.remaining {
            *left -= 1;
            if *left == 0 {
                faults.remove(index);
            }
        }
        Some(taken)
    }

    pub fn clear(&self) -> usize {
        let mut faults = self.lock();
        let n = faults.len();
        faults.clear();
        n
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Fault>> {
        self.faults
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn add(&self, spec: FaultSpec) -> Result<Fault, String> {
        if !spec.path.starts_with('/') && !spec.path.starts_with('*') {
            return Err(format!(
                "path must start with '/' (or be a pattern such as *), e.g. /data/v1/accounts or /data/v1/*; got '{}'",
                spec.path
            ));
        }
        let method = spec
            .method
            .as_deref()
            .map(|m| {
                Method::from_bytes(m.to_ascii_uppercase().as_bytes())
                    .map_err(|_| format!("method '{m}' is not an HTTP method"))
            })
            .transpose()?;
        let delay = match &spec.delay {
            None => None,
            Some(v) => Some(delay_of(v)?),
        };
        let action = match (spec.status, spec.reset) {
            (Some(_), true) => return Err("give either status or reset: true, not both".into()),
            (Some(code), false) => {
                let status = StatusCode::from_u16(code)
                    .ok()
                    .filter(|s| s.is_client_error() || s.is_server_error())
                    .ok_or_else(|| format!("status must be 400..=599, got {code}"))?;
                FaultAction::Status {
                    status,
                    error: spec.error,
                    description: spec.error_description,
                    retry_after: spec
                        .retry_after
                        .or((status == StatusCode::TOO_MANY_REQUESTS).then_some(1)),
                }
            }
            (None, true) => FaultAction::Reset,
            (None, false) if delay.is_some() => FaultAction::PassThrough,
            (None, false) => {
                return Err("a fault needs a status, a delay or reset: true".into());
            }
        };
        let ratio = spec.ratio.unwrap_or(1.0);
        if !(ratio > 0.0 && ratio <= 1.0) {
            return Err(format!("ratio must be over 0 and at most 1, got {ratio}"));
        }
        if spec.times == Some(0) {
            return Err("times must be at least 1".into());
        }
        let remaining = match (spec.times, spec.ratio) {
            (Some(n), _) => Some(n),
            (None, Some(_)) => None,
            (None, None) => Some(1),
        };
        let mut faults = self.lock();
        if faults.len() >= MAX_FAULTS {
            return Err(format!(
                "at most {MAX_FAULTS} faults at once; DELETE /__mock/faults to clear them"
            ));
        }
        let fault = Fault {
            id: format!("fault-{}", self.next_id.fetch_add(1, Ordering::Relaxed) + 1),
            pattern: PathPattern::new(&spec.path),
            method,
            delay,
            action,
            remaining,
            ratio,
            applied: 0,
        };
        faults.push(fault.clone());
        Ok(fault)
    }
}

fn delay_of(v: &Value) -> Result<Duration, String> {
    let text = match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return Err("delay is a duration such as \u{201c}2s\u{201d} or 500ms".into()),
    };
    let delay = match text.strip_suffix("ms") {
        Some(ms) => ms
            .trim()
            .parse::<u64>()
            .map(Duration::from_millis)
            .map_err(|_| format!("delay '{text}' is not a duration"))?,
        None => {
            let secs = parse_duration(&text).map_err(|e| e.to_string())?;
            Duration::from_secs(u64::try_from(secs).map_err(|_| "delay is negative")?)
        }
    };
    if delay > MAX_DELAY {
        return Err(format!(
            "delay '{text}' is over {} seconds",
            MAX_DELAY.as_secs()
        ));
    }
    Ok(delay)
}

/// The answer of a status fault, in the shape the route's API uses (the shapes of
/// `error.rs`): OAuth for `/connect/token` and extension, Problem JSON for Signup+, the Data
/// API's otherwise. Built here rather than through those types because a fault names its own
/// error code at run time.
pub fn fault_response(path: &str, action: &FaultAction) -> Response {
    use axum::http::header;
    let FaultAction::Status {
        status,
        error,
        description,
        retry_after,
    } = action
    else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let status = *status;
    let description = description
        .clone()
        .unwrap_or_else(|| format!("a fault set with POST /__mock/faults ({status})"));
    let code = error
        .clone()
        .unwrap_or_else(|| default_code(status).to_owned());
    let mut resp = if path == "/connect/token" || path.ends_with("/connections/extend") {
        let mut resp = (
            status,
            Json(json!({"error": code, "error_description": description})),
        )
            .into_response();
        resp.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        resp.headers_mut()
            .insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
        resp
    } else if path.starts_with("/signup-plus/") {
        let title = error
            .clone()
            .unwrap_or_else(|| status.canonical_reason().unwrap_or("Error").to_owned());
        let slug = title.to_ascii_lowercase().replace(' ', "-");
        let body = json!({
            "type": format!("https://docs.truelayer.com/docs/error-types#{slug}"),
            "title": title,
            "status": status.as_u16(),
            "detail": description,
            "trace_id": uuid::Uuid::new_v4().simple().to_string(),
        });
        let mut resp = (status, body.to_string()).into_response();
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        resp
    } else {
        let mut resp = (
            status,
            Json(json!({"error": code, "error_description": description, "error_details": {}})),
        )
            .into_response();
        if status == StatusCode::UNAUTHORIZED
            && let Ok(v) = HeaderValue::from_str(&format!("Bearer error=\"{code}\""))
        {
            resp.headers_mut().insert(header::WWW_AUTHENTICATE, v);
        }
        resp
    };
    if let Some(seconds) = retry_after {
        resp.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(*seconds));
    }
    if let Ok(v) = HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()) {
        resp.headers_mut()
            .insert(crate::protocol::CORRELATION_HEADER, v);
    }
    resp
}

/// The error code TrueLayer's tables give a status.
fn default_code(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "invalid_request",
        401 => "unauthorized",
        403 => "access_denied",
        404 => "not_found",
        429 => "provider_too_many_requests",
        500 => "internal_server_error",
        501..=599 => "provider_error",
        _ => "mock_fault",
    }
}

/// `POST /__mock/faults`: sets a fault; answers 201 with it.
pub async fn add(State(state): State<Arc<MockState>>, body: RawBody) -> Response {
    let spec: FaultSpec = match body.json() {
        Ok(s) => s,
        Err(e) => return e.into_response(),
    };
    match state.faults.add(spec) {
        Ok(fault) => (StatusCode::CREATED, Json(fault.json())).into_response(),
        Err(message) => OAuthError::invalid_request(message).into_response(),
    }
}

/// `GET /__mock/faults`: the faults set, with what each has left and has taken.
pub async fn list(State(state): State<Arc<MockState>>) -> Response {
    let faults: Vec<Value> = state.faults.lock().iter().map(Fault::json).collect();
    Json(json!({"faults": faults})).into_response()
}

/// `DELETE /__mock/faults`: removes every fault.
pub async fn clear(State(state): State<Arc<MockState>>) -> Response {
    Json(json!({"cleared": state.faults.clear()})).into_response()
}

/// `DELETE /__mock/faults/{id}`.
pub async fn remove(State(state): State<Arc<MockState>>, Path(id): Path<String>) -> Response {
    let mut faults = state.faults.lock();
    let before = faults.len();
    faults.retain(|f| f.id != id);
    if faults.len() == before {
        drop(faults);
        return DataError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no fault '{id}'"),
        )
        .into_response();
    }
    Json(json!({"cleared": 1})).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_exactly_or_with_stars() {
        let p = PathPattern::new;
        assert!(p("/data/v1/accounts").matches("/data/v1/accounts"));
        assert!(!p("/data/v1/accounts").matches("/data/v1/accounts/a"));
        assert!(p("/data/v1/*").matches("/data/v1/accounts/a/balance"));
        assert!(p("/data/v1/accounts/*/transactions").matches("/data/v1/accounts/x/transactions"));
        assert!(!p("/data/v1/accounts/*/transactions").matches("/data/v1/accounts/x/balance"));
        assert!(p("*").matches("/anything"));
        assert!(!p("/connect/*").matches("/data/v1/me"));
    }

    fn spec(json: Value) -> FaultSpec {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn a_fault_takes_its_n_calls_then_goes() {
        let table = FaultTable::default();
        table
            .add(spec(
                json!({"path": "/data/v1/*", "status": 503, "times": 2}),
            ))
            .unwrap();
        let get = Method::GET;
        assert!(table.take(&get, "/connect/token").is_none());
        assert!(table.take(&get, "/__mock/requests").is_none());
        assert!(table.take(&get, "/data/v1/me").is_some());
        assert!(table.take(&get, "/data/v1/me").is_some());
        assert!(table.take(&get, "/data/v1/me").is_none());
    }

    #[test]
    fn bad_specs_are_refused_with_the_reason() {
        let table = FaultTable::default();
        for (bad, says) in [
            (json!({"path": "data"}), "start with '/'"),
            (json!({"path": "/x"}), "needs a status"),
            (json!({"path": "/x", "status": 200}), "400..=599"),
            (
                json!({"path": "/x", "status": 500, "reset": true}),
                "not both",
            ),
            (json!({"path": "/x", "reset": true, "ratio": 0}), "ratio"),
            (json!({"path": "/x", "delay": "10m"}), "over 120"),
            (
                json!({"path": "/x", "status": 500, "times": 0}),
                "at least 1",
            ),
        ] {
            let err = table.add(spec(bad.clone())).unwrap_err();
            assert!(err.contains(says), "{bad}: {err}");
        }
        for _ in 0..MAX_FAULTS {
            table
                .add(spec(json!({"path": "/x", "reset": true})))
                .unwrap();
        }
        let err = table
            .add(spec(json!({"path": "/x", "reset": true})))
            .unwrap_err();
        assert!(err.contains("at most"), "{err}");
    }
}
