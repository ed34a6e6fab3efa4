//! `POST /connect/token`: the authorisation-code and refresh-token grants, client
//! authentication, PKCE, and the issuing of tokens (shared with `/connections/extend`).

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::body::{Params, RawBody};
use super::error::OAuthError;
use super::fixtures::Client;
use super::jwt::AccessClaims;
use super::state::{
    ACCESS_TOKEN_LIFETIME, CODE_LIFETIME, Connection, ConnectionStatus, MockState,
    REFRESH_FIRST_USE_WINDOW, RefreshGrant, new_id,
};

pub async fn token_endpoint(
    State(state): State<Arc<MockState>>,
    headers: HeaderMap,
    body: RawBody,
) -> Response {
    let params = match body.params() {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    match grant(&state, &headers, &params) {
        Ok(tokens) => no_store(axum::Json(tokens).into_response()),
        Err(e) => e.into_response(),
    }
}

fn grant(state: &MockState, headers: &HeaderMap, params: &Params) -> Result<Value, OAuthError> {
    let grant_type = params
        .get("grant_type")
        .ok_or_else(|| OAuthError::invalid_request("grant_type is missing"))?;
    if grant_type != "authorization_code" && grant_type != "refresh_token" {
        return Err(OAuthError::new(
            "unsupported_grant_type",
            format!(
                "grant_type '{grant_type}' is not supported; use authorization_code or refresh_token"
            ),
        ));
    }
    let client = authenticate_client(
        state,
        headers,
        params.get("client_id"),
        params.get("client_secret"),
    )?;
    if grant_type == "authorization_code" {
        exchange_code(state, client, params)
    } else {
        refresh(state, client, params)
    }
}

/// Checks the client's credentials, from HTTP Basic or from the body.
pub fn authenticate_client<'a>(
    state: &'a MockState,
    headers: &HeaderMap,
    body_id: Option<&str>,
    body_secret: Option<&str>,
) -> Result<&'a Client, OAuthError> {
    let basic = basic_credentials(headers)?;
    let (id, secret) = match (&basic, body_id, body_secret) {
        (Some((id, secret)), body_id, _) => {
            if body_id.is_some_and(|b| b != id) {
                return Err(OAuthError::invalid_request(
                    "client_id in the body differs from the one in the Authorization header",
                ));
            }
            (id.as_str(), Some(secret.as_str()))
        }
        (None, Some(id), secret) => (id, secret),
        (None, None, _) => {
            return Err(OAuthError::invalid_client(
                "client authentication failed: no client_id was sent",
            ));
        }
    };
    let secret = secret.ok_or_else(|| {
        OAuthError::invalid_client("client authentication failed: no client_secret was sent")
    })?;
    match state.fixtures.client(id) {
        Some(client) if client.client_secret == secret => Ok(client),
        _ => Err(OAuthError::invalid_client(
            "client authentication failed: unknown client_id or wrong client_secret",
        )),
    }
}

/// `Authorization: Basic base64(urlencode(id):urlencode(secret))`, if present.
fn basic_credentials(headers: &HeaderMap) -> Result<Option<(String, String)>, OAuthError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let bad = || OAuthError::invalid_client("malformed Basic Authorization header");
    let text = value.to_str().map_err(|_| bad())?;
    let Some(encoded) = text
        .strip_prefix("Basic ")
        .or_else(|| text.strip_prefix("basic "))
    else {
        return Ok(None);
    };
    let decoded = STANDARD.decode(encoded.trim()).map_err(|_| bad())?;
    let pair = String::from_utf8(decoded).map_err(|_| bad())?;
    let (id, secret) = pair.split_once(':').ok_or_else(bad)?;
    let unescape = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8()
            .map(|c| c.into_owned())
            .map_err(|_| bad())
    };
    Ok(Some((unescape(id)?, unescape(secret)?)))
}

fn exchange_code(state: &MockState, client: &Client, params: &Params) -> Result<Value, OAuthError> {
    let code = params
        .get("code")
        .ok_or_else(|| OAuthError::invalid_request("code is missing"))?;
    let redirect_uri = params
        .get("redirect_uri")
        .ok_or_else(|| OAuthError::invalid_request("redirect_uri is missing"))?;
    let verifier = params.get("code_verifier");
    let stale = state.fixtures.options().expired_code_error.code();
    let clock = &state.clock;
    // Checked and consumed under one lock so two concurrent exchanges cannot both succeed.
    let checked = state.codes.update(code, |c| {
        if c.exchanged {
            return Err(OAuthError::new(
                stale,
                "the code has already been exchanged",
            ));
        }
        if clock.now(&c.clock) - c.issued_at > CODE_LIFETIME {
            return Err(OAuthError::new(
                stale,
                "the code has expired (codes are valid for 5 minutes)",
            ));
        }
        if c.client_id != client.client_id {
            return Err(OAuthError::invalid_grant(
                "the code was issued to another client",
            ));
        }
        if c.redirect_uri != redirect_uri {
            return Err(OAuthError::invalid_grant(
                "redirect_uri does not match the one in the auth link",
            ));
        }
        if let Some(challenge) = &c.code_challenge {
            let verifier = verifier.ok_or_else(|| {
                OAuthError::invalid_grant(
                    "code_verifier is required (the auth link had a code_challenge)",
                )
            })?;
            let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
            if &computed != challenge {
                return Err(OAuthError::invalid_grant(
                    "code_verifier does not match the code_challenge",
                ));
            }
        }
        c.exchanged = true;
        Ok(c.connection_id.clone())
    });
    let connection_id = match checked {
        None => return Err(OAuthError::new(stale, "unknown authorisation code")),
        Some(result) => result?,
    };
    let connection = state
        .connections
        .update(&connection_id, |conn| {
            conn.status = ConnectionStatus::Active;
            conn.clone()
        })
        .ok_or_else(|| OAuthError::invalid_grant("the connection behind this code is gone"))?;
    issue_tokens(state, &connection)
}

fn refresh(state: &MockState, client: &Client, params: &Params) -> Result<Value, OAuthError> {
    let token = params
        .get("refresh_token")
        .ok_or_else(|| OAuthError::invalid_request("refresh_token is missing"))?;
    let grant = state.refresh_tokens.get_cloned(token).ok_or_else(|| {
        OAuthError::invalid_grant("unknown refresh token (or one that was already rotated)")
    })?;
    if grant.client_id != client.client_id {
        return Err(OAuthError::invalid_grant(
            "the refresh token was issued to another client",
        ));
    }
    let connection = state
        .connections
        .get_cloned(&grant.connection_id)
        .ok_or_else(|| OAuthError::invalid_grant("the connection behind this token is gone"))?;
    let now = state.clock.now(&connection.clock);
    if connection.is_forgotten_at(now) {
        return Err(OAuthError::invalid_grant(
            "the connection behind this token is gone (inactive for over 30 days)",
        ));
    }
    if now >= connection.expires_at {
        return Err(OAuthError::invalid_grant(
            "the connection's 90-day consent has expired; extend it or ask the user again",
        ));
    }
    if !connection.refreshed_once && now - grant.issued_at > REFRESH_FIRST_USE_WINDOW {
        return Err(OAuthError::invalid_grant(
            "the refresh token was not used within 30 days of being issued",
        ));
    }
    // Rotation: whoever removes the token first wins; a concurrent second use fails.
    if state.refresh_tokens.remove(token).is_none() {
        return Err(OAuthError::invalid_grant(
            "the refresh token was already used",
        ));
    }
    let connection = state
        .connections
        .update(&connection.id, |c| {
            c.refreshed_once = true;
            c.clone()
        })
        .ok_or_else(|| OAuthError::invalid_grant("the connection behind this token is gone"))?;
    issue_tokens(state, &connection)
}

/// A new access token (and, with `offline_access`, a new refresh token) for a connection.
pub fn issue_tokens(state: &MockState, connection: &Connection) -> Result<Value, OAuthError> {
    let now = state.clock.now(&connection.clock);
    let claims = AccessClaims {
        iss: state.base_url.clone(),
        aud: state.base_url.clone(),
        nbf: now,
        exp: now + ACCESS_TOKEN_LIFETIME,
        client_id: connection.client_id.clone(),
        sub: connection.id.clone(),
        auth_time: connection.auth_time,
        idp: connection.provider_id.clone(),
        // The bank chosen in the dialog (`mock` for the Mock bank, as the sandbox's tokens
        // say); the mock's choice for the others, where TrueLayer's connector names differ.
        connector_id: connection.provider_id.clone(),
        credentials_key: connection.credentials_key.clone(),
        scope: connection.scopes.clone(),
        amr: vec!["pwd".to_owned()],
        jti: new_id(""),
    };
    let access_token = state.signer.sign(&claims).map_err(|e| OAuthError {
        status: StatusCode::INTERNAL_SERVER_ERROR,
        error: "server_error",
        description: format!("could not sign the access token: {e}"),
    })?;
    let mut body = json!({
        "access_token": access_token,
        "expires_in": ACCESS_TOKEN_LIFETIME,
        "token_type": "Bearer",
        "scope": connection.scopes.join(" "),
    });
    if connection.has_scope("offline_access") {
        let refresh_token = new_id("");
        state.refresh_tokens.insert(
            refresh_token.clone(),
            RefreshGrant {
                connection_id: connection.id.clone(),
                client_id: connection.client_id.clone(),
                issued_at: now,
                clock: connection.clock.clone(),
            },
        );
        // One live refresh token per connection: issuing a new one retires the previous
        // (rotation on refresh, and a fresh chain after re-authentication or extension).
        let previous = state
            .connections
            .update(&connection.id, |c| {
                c.refresh_token.replace(refresh_token.clone())
            })
            .flatten();
        if let Some(previous) = previous {
            state.refresh_tokens.remove(&previous);
        }
        body["refresh_token"] = Value::String(refresh_token);
    }
    Ok(body)
}

pub fn no_store(mut resp: Response) -> Response {
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp.headers_mut()
        .insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    resp
}
