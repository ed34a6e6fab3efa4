//! Mock-only admin routes under `/__mock/` (NOT part of TrueLayer): read and advance the
//! virtual clocks, list connections, reset state, and count what the mock holds. Each
//! accepts `?clock=NAME` or the `x-obflow-clock` header to act on a named clock.

use std::sync::Arc;

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::body::{Params, RawBody};
use super::clock::{Clock, ClockName, parse_duration, rfc3339};
use super::error::OAuthError;
use super::state::MockState;
use crate::protocol::CLOCK_HEADER;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Advance {
    seconds: Option<i64>,
    by: Option<String>,
}

fn clock_of(headers: &HeaderMap, query: Option<&str>) -> Result<ClockName, OAuthError> {
    let params = Params::from_query(query);
    ClockName::from_request(headers, params.get("clock"))
        .map_err(|e| OAuthError::invalid_request(e.to_string()))
}

/// The clock a request names (header or `?clock=`), or `None` when it names none: the
/// admin routes that act on all state by default.
fn named_clock(headers: &HeaderMap, query: Option<&str>) -> Result<Option<ClockName>, OAuthError> {
    let named =
        headers.contains_key(CLOCK_HEADER) || Params::from_query(query).get("clock").is_some();
    Ok(named.then_some(clock_of(headers, query)?))
}

fn clock_json(state: &MockState, clock: &Clock) -> Value {
    json!({
        "clock": clock.label(),
        "now": rfc3339(state.clock.now(clock)),
        "offset_seconds": state.clock.offset(clock),
    })
}

/// `GET /__mock/clock`. A named clock that does not exist (yet, or any more) reads as the
/// fresh clock the next request naming it would get; reading it does not make it.
pub async fn read_clock(
    State(state): State<Arc<MockState>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    match clock_of(&headers, query.as_deref()) {
        Ok(name) => {
            let json = match state.clock.find(&name) {
                Some(clock) => clock_json(&state, &clock),
                None => json!({
                    "clock": name.label(),
                    "now": rfc3339(state.clock.real().now()),
                    "offset_seconds": 0,
                }),
            };
            Json(json).into_response()
        }
        Err(e) => e.into_response(),
    }
}

/// `POST /__mock/clock/advance` with `{"seconds": N}` or `{"by": "6m"}`.
pub async fn advance_clock(
    State(state): State<Arc<MockState>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: RawBody,
) -> Response {
    let advance: Advance = match body.json() {
        Ok(a) => a,
        Err(e) => return e.into_response(),
    };
    let result = (|| {
        let clock = clock_of(&headers, query.as_deref())?;
        let seconds = match (advance.seconds, advance.by.as_deref()) {
            (Some(s), None) => s,
            (None, Some(by)) => {
                parse_duration(by).map_err(|e| OAuthError::invalid_request(e.to_string()))?
            }
            _ => {
                return Err(OAuthError::invalid_request(
                    "send exactly one of {\"seconds\": N} or {\"by\": \"6m\"}",
                ));
            }
        };
        let clock = state
            .clock
            .advance(&clock, seconds)
            .map_err(|e| OAuthError::invalid_request(e.to_string()))?;
        Ok(clock_json(&state, &clock))
    })();
    match result {
        Ok(v) => Json(v).into_response(),
        Err(e) => e.into_response(),
    }
}

/// `GET /__mock/connections`: every connection (or those of one clock) with its status now.
pub async fn list_connections(
    State(state): State<Arc<MockState>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let only = match named_clock(&headers, query.as_deref()) {
        Ok(only) => only,
        Err(e) => return e.into_response(),
    };
    let mut connections = state.connections.values();
    connections.retain(|c| only.as_ref().is_none_or(|o| c.clock.is(o)));
    connections.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
    let items: Vec<Value> = connections
        .iter()
        .map(|c| {
            let now = state.clock.now(&c.clock);
            json!({
                "id": c.id,
                "status": c.status_at(now),
                "user": c.user.as_ref().map(|(_, name)| name.clone()),
                "client_id": c.client_id,
                "provider_id": c.provider_id,
                "scopes": c.scopes,
                "clock": c.clock.label(),
                "created_at": rfc3339(c.created_at),
                "consent_created_at": rfc3339(c.consent_created_at),
                "expires_at": rfc3339(c.expires_at),
            })
        })
        .collect();
    Json(json!({"connections": items})).into_response()
}

/// `POST /__mock/reset`: forgets everything (or only one clock's state with `?clock=`).
pub async fn reset(
    State(state): State<Arc<MockState>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    match named_clock(&headers, query.as_deref()) {
        Ok(Some(clock)) => {
            state.reset(Some(&clock));
            Json(json!({"reset": clock.label()})).into_response()
        }
        Ok(None) => {
            state.reset(None);
            Json(json!({"reset": "all"})).into_response()
        }
        Err(e) => e.into_response(),
    }
}

/// `GET /__mock/stats`: how many entries each map holds, how many its cap has evicted, and
/// the cap.
pub async fn stats(State(state): State<Arc<MockState>>) -> Response {
    Json(json!({
        "sizes": state.sizes(),
        "evicted": state.evicted(),
        "max_entries": state.retention.max_entries,
    }))
    .into_response()
}
