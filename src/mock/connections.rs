//! Connection extension: `POST /connections/extend` (also served at
//! `/data/v1/connections/extend`). Depending on the user, the connection is renewed at once
//! (`no_action_needed`, with new tokens) or the user must go through the dialog again
//! (`authentication_needed`, with a `user_input_link`). Works while active or after inactive.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::body::RawBody;
use super::dialog::open_reauth_session;
use super::error::OAuthError;
use super::fixtures::ExtendAction;
use super::state::{CONSENT_LIFETIME, ConnectionStatus, MockState};
use super::token::{authenticate_client, issue_tokens, no_store};

#[derive(Debug, Deserialize)]
struct ExtendRequest {
    client_id: Option<String>,
    client_secret: Option<String>,
    refresh_token: Option<String>,
    redirect_uri: Option<String>,
    user_has_reconfirmed_consent: Option<bool>,
    user: Option<ExtendUser>,
}

#[derive(Debug, Deserialize)]
struct ExtendUser {
    id: Option<String>,
    name: Option<String>,
    email: Option<String>,
}

pub async fn extend(
    State(state): State<Arc<MockState>>,
    headers: HeaderMap,
    body: RawBody,
) -> Response {
    let request: ExtendRequest = match body.json() {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    match answer(&state, &headers, request) {
        Ok(v) => no_store(Json(v).into_response()),
        Err(e) => e.into_response(),
    }
}

fn answer(state: &MockState, headers: &HeaderMap, req: ExtendRequest) -> Result<Value, OAuthError> {
    let client = authenticate_client(
        state,
        headers,
        req.client_id.as_deref(),
        req.client_secret.as_deref(),
    )?;
    let missing = |what: &str| OAuthError::invalid_request(format!("{what} is missing"));
    let refresh_token = req.refresh_token.ok_or_else(|| missing("refresh_token"))?;
    let redirect_uri = req.redirect_uri.ok_or_else(|| missing("redirect_uri"))?;
    if req.user_has_reconfirmed_consent != Some(true) {
        return Err(OAuthError::invalid_request(
            "user_has_reconfirmed_consent must be true: the user has to reconfirm consent",
        ));
    }
    let user = req.user.ok_or_else(|| missing("user"))?;
    for (field, value) in [
        ("id", &user.id),
        ("name", &user.name),
        ("email", &user.email),
    ] {
        if value.as_deref().is_none_or(str::is_empty) {
            return Err(missing(&format!("user.{field}")));
        }
    }
    if !client.redirect_uris.contains(&redirect_uri) {
        return Err(OAuthError::invalid_request(format!(
            "redirect_uri '{redirect_uri}' is not registered for this client"
        )));
    }
    let grant = state
        .refresh_tokens
        .get_cloned(&refresh_token)
        .filter(|g| g.client_id == client.client_id)
        .ok_or_else(|| OAuthError::invalid_grant("unknown refresh token"))?;
    let connection = state
        .connections
        .get_cloned(&grant.connection_id)
        .ok_or_else(|| OAuthError::invalid_grant("the connection behind this token is gone"))?;
    if connection.is_forgotten_at(state.clock.now(&connection.clock)) {
        return Err(OAuthError::invalid_grant(
            "the connection behind this token is gone (inactive for over 30 days)",
        ));
    }
    let (user_index, username) = connection
        .user
        .clone()
        .ok_or_else(|| OAuthError::invalid_grant("the connection was never authorised"))?;
    let action = state
        .fixtures
        .user(user_index)
        .map(|u| u.extend)
        .unwrap_or_default();
    match action {
        ExtendAction::NoActionNeeded => {
            let now = state.clock.now(&connection.clock);
            let renewed = state
                .connections
                .update(&connection.id, |c| {
                    c.consent_created_at = now;
                    c.consent_status_updated_at = now;
                    c.expires_at = now + CONSENT_LIFETIME;
                    c.status = ConnectionStatus::Active;
                    c.refreshed_once = false;
                    c.clone()
                })
                .ok_or_else(|| OAuthError::invalid_grant("the connection is gone"))?;
            let tokens = issue_tokens(state, &renewed)?;
            Ok(json!({
                "action_needed": "no_action_needed",
                "access_token": tokens["access_token"],
                "refresh_token": tokens["refresh_token"],
                "expires_in": tokens["expires_in"],
            }))
        }
        ExtendAction::AuthenticationNeeded => {
            let link = open_reauth_session(state, &connection, &redirect_uri, &username);
            Ok(json!({
                "action_needed": "authentication_needed",
                "user_input_link": link,
            }))
        }
    }
}
