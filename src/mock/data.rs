//! Data API v1: `/data/v1/me`, accounts, balance and transactions, in the
//! `{"results": [...], "status": "Succeeded"}` envelope.
//!
//! Scopes: `/me` needs only a valid token; the account list and an account need `accounts`;
//! `/balance` needs `balance`; `/transactions` needs `transactions`.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::bearer::{Denial, Grant, authorize};
use super::clock::rfc3339;
use super::error::DataError;
use super::fixtures::{Account, Failure};
use super::state::MockState;

type DataResult = Result<Response, DataError>;

pub async fn me(State(state): State<Arc<MockState>>, headers: HeaderMap) -> Response {
    respond((|| {
        let grant = authorize(&state, &headers, None).map_err(denial)?;
        let c = &grant.connection;
        Ok(envelope(vec![json!({
            "client_id": c.client_id,
            "credentials_id": c.id,
            "consent_status": "Authorised",
            "consent_status_updated_at": rfc3339(c.auth_time),
            "consent_created_at": rfc3339(c.consent_created_at),
            "consent_expires_at": rfc3339(c.expires_at),
            "provider": provider_json(&state, &c.provider_id),
            "scopes": c.scopes,
            "privacy_policy": "Feb2019",
        })]))
    })())
}

pub async fn accounts(State(state): State<Arc<MockState>>, headers: HeaderMap) -> Response {
    respond((|| {
        let grant = authorize(&state, &headers, Some("accounts")).map_err(denial)?;
        let items = grant
            .user
            .accounts
            .iter()
            .map(|a| account_json(&state, &grant, a))
            .collect();
        Ok(envelope(items))
    })())
}

pub async fn account(
    State(state): State<Arc<MockState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    respond((|| {
        let grant = authorize(&state, &headers, Some("accounts")).map_err(denial)?;
        let a = find_account(&grant, &id)?;
        Ok(envelope(vec![account_json(&state, &grant, a)]))
    })())
}

pub async fn balance(
    State(state): State<Arc<MockState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    respond((|| {
        let grant = authorize(&state, &headers, Some("balance")).map_err(denial)?;
        let a = find_account(&grant, &id)?;
        Ok(envelope(vec![json!({
            "currency": a.currency,
            "available": a.balance.available,
            "current": a.balance.current,
            "overdraft": a.balance.overdraft,
            "update_timestamp": rfc3339(grant.now),
        })]))
    })())
}

pub async fn transactions(
    State(state): State<Arc<MockState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    respond((|| {
        let grant = authorize(&state, &headers, Some("transactions")).map_err(denial)?;
        let a = find_account(&grant, &id)?;
        let items = a
            .transactions
            .iter()
            .map(|t| {
                let mut item = json!({
                    "transaction_id": t.transaction_id,
                    "timestamp": t.timestamp,
                    "description": t.description,
                    "transaction_type": t.transaction_type,
                    "transaction_category": t.transaction_category,
                    "transaction_classification": [],
                    "amount": t.amount,
                    "currency": a.currency,
                    "meta": {"provider_transaction_category": t.transaction_category},
                });
                if let Some(m) = &t.merchant_name {
                    item["merchant_name"] = json!(m);
                }
                item
            })
            .collect();
        Ok(envelope(items))
    })())
}

fn respond(result: DataResult) -> Response {
    result.unwrap_or_else(IntoResponse::into_response)
}

fn envelope(results: Vec<Value>) -> Response {
    Json(json!({"results": results, "status": "Succeeded"})).into_response()
}

fn find_account<'a>(grant: &Grant<'a>, id: &str) -> Result<&'a Account, DataError> {
    grant
        .user
        .accounts
        .iter()
        .find(|a| a.account_id == id)
        .ok_or_else(|| {
            DataError::new(
                StatusCode::NOT_FOUND,
                "account_not_found",
                format!("account {id:?} was not found"),
            )
        })
}

fn account_json(state: &MockState, grant: &Grant<'_>, a: &Account) -> Value {
    json!({
        "update_timestamp": rfc3339(grant.now),
        "account_id": a.account_id,
        "account_type": a.account_type,
        "display_name": a.display_name,
        "currency": a.currency,
        "account_number": {
            "iban": a.account_number.iban,
            "number": a.account_number.number,
            "sort_code": a.account_number.sort_code,
            "swift_bic": a.account_number.swift_bic,
        },
        "provider": provider_json(state, &grant.connection.provider_id),
    })
}

fn provider_json(state: &MockState, provider_id: &str) -> Value {
    match state.fixtures.provider(provider_id) {
        Some(p) => json!({
            "display_name": p.display_name,
            "logo_uri": p.logo_uri,
            "provider_id": p.provider_id,
        }),
        None => json!({"provider_id": provider_id}),
    }
}

/// The Data API's answer to a refused token.
fn denial(d: Denial) -> DataError {
    use StatusCode as S;
    match d {
        Denial::Missing => DataError::new(
            S::UNAUTHORIZED,
            "unauthorized",
            "an Authorization: Bearer access token is required",
        ),
        Denial::Invalid => DataError::new(
            S::UNAUTHORIZED,
            "invalid_token",
            "the access token is not valid",
        ),
        Denial::Expired => DataError::new(
            S::UNAUTHORIZED,
            "invalid_token",
            "the access token has expired",
        ),
        Denial::ConsentExpired => DataError::new(
            S::FORBIDDEN,
            "access_denied",
            "the connection's consent has expired; extend the connection or ask the user again",
        ),
        Denial::MissingScope(scope) => DataError::new(
            S::FORBIDDEN,
            "insufficient_scope",
            format!("the access token does not have the {scope} scope"),
        ),
        Denial::UserFailure(f) => {
            let (status, code) = failure_status(f);
            DataError::new(status, code, failure_description(f))
        }
    }
}

/// Status and error code of an `error.*` user's failure (Data API and Signup+).
pub fn failure_status(f: Failure) -> (StatusCode, &'static str) {
    match f {
        Failure::AccountPermanentlyLocked => (StatusCode::FORBIDDEN, "account_permanently_locked"),
        Failure::AccountTemporarilyLocked => (StatusCode::FORBIDDEN, "account_temporarily_locked"),
        Failure::InternalError => (StatusCode::INTERNAL_SERVER_ERROR, "internal_server_error"),
        Failure::ProviderError => (StatusCode::SERVICE_UNAVAILABLE, "provider_error"),
        Failure::UserInputRequired => (StatusCode::FORBIDDEN, "user_input_required"),
        Failure::WrongCredentials => (StatusCode::FORBIDDEN, "wrong_credentials"),
    }
}

pub fn failure_description(f: Failure) -> &'static str {
    match f {
        Failure::AccountPermanentlyLocked => "the account is permanently locked at the bank",
        Failure::AccountTemporarilyLocked => "the account is temporarily locked at the bank",
        Failure::InternalError => "an internal error occurred (mock user error.internal_error)",
        Failure::ProviderError => "the bank returned an error",
        Failure::UserInputRequired => "the bank needs the user to take an action",
        Failure::WrongCredentials => "the bank rejected the stored credentials",
    }
}
