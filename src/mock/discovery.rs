//! Discovery: the JWKS that verifies the mock's ID tokens and the OpenID configuration that
//! lists its endpoints, scopes and methods.

use std::sync::Arc;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::pages;
use super::state::MockState;

pub(super) async fn jwks(State(state): State<Arc<MockState>>) -> Response {
    axum::Json(state.signer.jwks()).into_response()
}

pub(super) async fn openid_configuration(State(state): State<Arc<MockState>>) -> Response {
    let base = &state.base_url;
    let scopes: Vec<&str> = pages::SCOPES.iter().map(|(s, _)| *s).collect();
    axum::Json(json!({
        "issuer": base,
        "authorization_endpoint": format!("{base}/"),
        "token_endpoint": format!("{base}/connect/token"),
        "jwks_uri": format!("{base}/.well-known/jwks.json"),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query", "form_post"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "scopes_supported": scopes,
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
    }))
    .into_response()
}
