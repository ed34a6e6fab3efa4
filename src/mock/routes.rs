//! The routing table: every route of the mock on one port, the correlation id on Data API,
//! Signup+ and unknown-route responses, and the JSON errors for unknown routes and methods.

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;

use super::state::MockState;
use super::{
    admin, body, connections, data, dialog, discovery, faults, journal, observe, signup_plus, token,
};
use crate::protocol::CORRELATION_HEADER;

pub(super) fn router(state: Arc<MockState>) -> Router {
    // Data API and Signup+ responses carry a correlation id, as TrueLayer's do.
    let api = Router::new()
        .route("/data/v1/me", get(data::me))
        .route("/data/v1/accounts", get(data::accounts))
        .route("/data/v1/accounts/{id}", get(data::account))
        .route("/data/v1/accounts/{id}/balance", get(data::balance))
        .route(
            "/data/v1/accounts/{id}/transactions",
            get(data::transactions),
        )
        .route(
            "/data/v1/accounts/{id}/transactions/pending",
            get(data::pending_transactions),
        )
        .route(
            "/data/v1/accounts/{id}/standing_orders",
            get(data::standing_orders),
        )
        .route(
            "/data/v1/accounts/{id}/direct_debits",
            get(data::direct_debits),
        )
        .route("/data/v1/info", get(data::info))
        .route("/data/v1/cards", get(data::cards))
        .route("/data/v1/cards/{id}", get(data::card))
        .route("/data/v1/cards/{id}/balance", get(data::card_balance))
        .route(
            "/data/v1/cards/{id}/transactions",
            get(data::card_transactions),
        )
        .route(
            "/data/v1/cards/{id}/transactions/pending",
            get(data::card_pending_transactions),
        )
        .route("/signup-plus/accounts", get(signup_plus::accounts))
        .route("/connections/extend", post(connections::extend))
        .route("/data/v1/connections/extend", post(connections::extend))
        .layer(axum::middleware::map_response(add_correlation_id));
    Router::new()
        .route("/", get(dialog::start))
        .route("/dialog/{id}", get(dialog::show))
        .route("/dialog/{id}/provider", post(dialog::choose_provider))
        .route("/dialog/{id}/consent", post(dialog::consent))
        .route("/dialog/{id}/login", post(dialog::login))
        .route("/connect/token", post(token::token_endpoint))
        .route("/.well-known/jwks.json", get(discovery::jwks))
        .route(
            "/.well-known/openid-configuration",
            get(discovery::openid_configuration),
        )
        .route("/__mock/clock", get(admin::read_clock))
        .route("/__mock/clock/advance", post(admin::advance_clock))
        .route("/__mock/connections", get(admin::list_connections))
        .route("/__mock/reset", post(admin::reset))
        .route("/__mock/stats", get(admin::stats))
        .route(
            "/__mock/requests",
            get(journal::list).delete(journal::clear),
        )
        .route(
            "/__mock/faults",
            post(faults::add).get(faults::list).delete(faults::clear),
        )
        .route("/__mock/faults/{id}", axum::routing::delete(faults::remove))
        .merge(api)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(body::BODY_LIMIT))
        // Outermost: faults, the journal and the access log see every request as sent.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            observe::observe,
        ))
        .with_state(state)
}

async fn add_correlation_id(mut resp: Response) -> Response {
    if let Ok(v) = HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()) {
        resp.headers_mut().insert(CORRELATION_HEADER, v);
    }
    resp
}

/// Unknown routes and methods carry a correlation id too: a client that logs it for every
/// API error (as TrueLayer asks) should find one on these.
async fn not_found() -> Response {
    add_correlation_id(
        (
            StatusCode::NOT_FOUND,
            axum::Json(
                json!({"error": "not_found", "error_description": "no such route on the obflow mock"}),
            ),
        )
            .into_response(),
    )
    .await
}

async fn method_not_allowed() -> Response {
    add_correlation_id(
        (
            StatusCode::METHOD_NOT_ALLOWED,
            axum::Json(json!({"error": "method_not_allowed", "error_description": "this route does not accept that method"})),
        )
            .into_response(),
    )
    .await
}
