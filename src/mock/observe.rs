//! The layer every request passes through first: it applies a fault set with
//! `/__mock/faults`, records the request and its answer in the journal (`journal.rs`), and
//! with `obflow mock --log` prints one access-log line to stderr. Mock-only, NOT part of
//! TrueLayer.
//!
//! `/__mock/` requests are logged but never journaled or faulted: the journal is what the
//! application under test sent, and the admin routes must keep answering.
//!
//! A request body is read here only when it declares a `Content-Length` within the mock's
//! body limit; any other body passes through untouched (the route's own limit answers it) and
//! the journal notes it was not kept.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::body::{BODY_LIMIT, Params};
use super::clock::rfc3339;
use super::faults::{FaultAction, fault_response};
use super::journal::{self, Arrival};
use super::state::MockState;

pub async fn observe(State(state): State<Arc<MockState>>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let mut arrival = Arrival {
        seq: 0,
        at: state.clock.real().now(),
        method: req.method().clone(),
        path: req.uri().path().to_owned(),
        query: req.uri().query().map(str::to_owned),
        client_id: None,
    };
    if arrival.path.starts_with("/__mock/") {
        let resp = next.run(req).await;
        log_line(&state, &arrival, Some(resp.status()), started);
        return resp;
    }
    if !state.journal.enabled() {
        return unrecorded(&state, &arrival, req, next, started).await;
    }
    arrival.seq = state.journal.next_seq();
    let (method, path) = (arrival.method.clone(), arrival.path.clone());
    let (parts, body) = req.into_parts();
    let (body, kept) = match read_body(&parts.headers, body).await {
        Ok(read) => read,
        Err(resp) => return resp,
    };
    let content_type = header_text(&parts.headers, header::CONTENT_TYPE);
    let request_body = match &kept {
        Some(bytes) => journal::body_preview(&content_type, bytes),
        None => (
            Value::String("[not kept: no Content-Length, or over the body limit]".into()),
            false,
        ),
    };
    let body_params = kept
        .as_ref()
        .filter(|_| content_type.starts_with("application/x-www-form-urlencoded"))
        .map(|b| Params::from_query(std::str::from_utf8(b).ok()))
        .unwrap_or_default();
    arrival.client_id = journal::client_of(
        &parts.headers,
        &Params::from_query(arrival.query.as_deref()),
        &body_params,
    )
    .or_else(|| json_client_id(&content_type, kept.as_ref()));
    let headers = journal::redact_headers(&parts.headers);

    let fault = state.faults.take(&method, &path);
    if let Some(delay) = fault.as_ref().and_then(|f| f.delay) {
        tokio::time::sleep(delay).await;
    }
    let (resp, response_json) = match fault.as_ref().map(|f| &f.action) {
        Some(FaultAction::Reset) => (reset_response(), json!({"reset": true})),
        Some(action @ FaultAction::Status { .. }) => {
            let resp = fault_response(&path, action);
            record_response(resp, started).await
        }
        Some(FaultAction::PassThrough) | None => {
            let req = Request::from_parts(parts, body);
            record_response(next.run(req).await, started).await
        }
    };
    let status = match fault.as_ref().map(|f| &f.action) {
        Some(FaultAction::Reset) => None,
        _ => Some(resp.status()),
    };
    state.journal.record(arrival.entry(
        headers,
        request_body,
        response_json,
        fault.as_ref().map(|f| f.id.as_str()),
    ));
    log_line(&state, &arrival, status, started);
    resp
}

/// A request served without a journal entry: faults still apply, and the access log.
async fn unrecorded(
    state: &MockState,
    arrival: &Arrival,
    req: Request,
    next: Next,
    started: Instant,
) -> Response {
    let fault = state.faults.take(&arrival.method, &arrival.path);
    if let Some(delay) = fault.as_ref().and_then(|f| f.delay) {
        tokio::time::sleep(delay).await;
    }
    let resp = match fault.as_ref().map(|f| &f.action) {
        Some(FaultAction::Reset) => reset_response(),
        Some(action @ FaultAction::Status { .. }) => fault_response(&arrival.path, action),
        Some(FaultAction::PassThrough) | None => next.run(req).await,
    };
    let status = match fault.as_ref().map(|f| &f.action) {
        Some(FaultAction::Reset) => None,
        _ => Some(resp.status()),
    };
    log_line(state, arrival, status, started);
    resp
}

/// The body in memory when it declares a length within the limit, and a body to forward.
async fn read_body(headers: &HeaderMap, body: Body) -> Result<(Body, Option<Bytes>), Response> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    match declared {
        Some(len) if len <= BODY_LIMIT => match axum::body::to_bytes(body, BODY_LIMIT).await {
            Ok(bytes) => Ok((Body::from(bytes.clone()), Some(bytes))),
            Err(e) => Err((
                StatusCode::BAD_REQUEST,
                axum::Json(json!({
                    "error": "invalid_request",
                    "error_description": format!("the request body could not be read: {e}"),
                })),
            )
                .into_response()),
        },
        // A bodiless request (GET) declares nothing.
        None if body_is_empty(&body) => Ok((body, Some(Bytes::new()))),
        _ => Ok((body, None)),
    }
}

fn body_is_empty(body: &Body) -> bool {
    use axum::body::HttpBody as _;
    body.size_hint().exact() == Some(0)
}

/// The answer with its body read back in (responses are built in memory and small), and
/// its journal record: status, time taken, the headers a client acts on, the body redacted.
async fn record_response(resp: Response, started: Instant) -> (Response, Value) {
    let (parts, body) = resp.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let content_type = header_text(&parts.headers, header::CONTENT_TYPE);
    let (body_json, cut) = journal::body_preview(&content_type, &bytes);
    let mut shown = serde_json::Map::new();
    for name in [header::CONTENT_TYPE, header::LOCATION, header::RETRY_AFTER] {
        if let Some(v) = parts.headers.get(&name).and_then(|v| v.to_str().ok()) {
            let v = if name == header::LOCATION {
                redact_location(v)
            } else {
                v.to_owned()
            };
            shown.insert(name.as_str().to_owned(), Value::String(v));
        }
    }
    let mut record = json!({
        "status": parts.status.as_u16(),
        "duration_ms": millis(started.elapsed()),
        "headers": shown,
        "body": body_json,
    });
    if cut {
        record["body_truncated"] = Value::Bool(true);
    }
    (Response::from_parts(parts, Body::from(bytes)), record)
}

/// A redirect's `Location` with its `code` (and any other secret) redacted.
fn redact_location(location: &str) -> String {
    match location.split_once('?') {
        Some((base, query)) => format!("{base}?{}", journal::redact_query(query)),
        None => location.to_owned(),
    }
}

/// An answer whose body fails at once: hyper then closes the connection without completing
/// the response, which the client sees as a reset or an incomplete message.
fn reset_response() -> Response {
    let failing = futures_util::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "connection dropped by a /__mock/faults fault",
        ))
    });
    Response::new(Body::from_stream(failing))
}

fn json_client_id(content_type: &str, body: Option<&Bytes>) -> Option<String> {
    if !content_type.contains("json") {
        return None;
    }
    let v: Value = serde_json::from_slice(body?).ok()?;
    v["client_id"].as_str().map(str::to_owned)
}

fn header_text(headers: &HeaderMap, name: header::HeaderName) -> String {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase()
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// `obflow mock --log`: `TIME METHOD PATH?QUERY STATUS DURATIONms [client=ID]`, the query's
/// secrets redacted; `reset` for a dropped connection.
fn log_line(state: &MockState, arrival: &Arrival, status: Option<StatusCode>, started: Instant) {
    if !state.access_log {
        return;
    }
    use std::io::Write as _;
    let query = arrival
        .query
        .as_deref()
        .filter(|q| !q.is_empty())
        .map(|q| format!("?{}", journal::redact_query(q)))
        .unwrap_or_default();
    let status = status.map_or_else(|| "reset".to_owned(), |s| s.as_u16().to_string());
    let client = arrival
        .client_id
        .as_deref()
        .map(|c| format!(" client={c}"))
        .unwrap_or_default();
    // Paths and client ids come from the client: keep control characters off the terminal.
    let line: String = format!(
        "{} {} {}{query} {status} {}ms{client}",
        rfc3339(arrival.at),
        arrival.method,
        arrival.path,
        millis(started.elapsed())
    )
    .chars()
    .map(|c| if c.is_control() { '?' } else { c })
    .collect();
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{line}");
}
