//! Data API v1: `/data/v1/me`, `/info`, accounts (balance, transactions and pending ones,
//! standing orders, direct debits) and cards (balance, transactions and pending ones), in the
//! `{"results": [...], "status": "Succeeded"}` envelope.
//!
//! Scopes: `/me` needs only a valid token; `/info` needs `info`; the account list and an
//! account need `accounts`, the card list and a card `cards`; `/balance` (account or card)
//! needs `balance`; transactions (booked or pending, account or card) need `transactions`;
//! `/standing_orders` and `/direct_debits` need the scopes of those names. A missing scope is
//! a 403 `insufficient_scope`.
//!
//! A throttled user (fixtures' `throttle`) is refused with 429 `provider_too_many_requests`
//! before anything that would reach the bank; `/me` never reaches the bank and is not.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::bearer::{Denial, Grant, authorize};
use super::clock::rfc3339;
use super::dates::parse_instant;
use super::error::DataError;
use super::fixtures::{Account, Card, Failure, Transaction};
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
            "consent_status_updated_at": rfc3339(c.consent_status_updated_at),
            "consent_created_at": rfc3339(c.consent_created_at),
            "consent_expires_at": rfc3339(c.expires_at),
            "provider": provider_json(&state, &c.provider_id),
            "scopes": c.scopes,
            "privacy_policy": "Feb2019",
        })]))
    })())
}

pub async fn info(State(state): State<Arc<MockState>>, headers: HeaderMap) -> Response {
    respond((|| {
        let grant = bank_call(&state, &headers, "info")?;
        let Some(info) = &grant.user.info else {
            return Ok(envelope(Vec::new()));
        };
        let addresses: Vec<Value> = info
            .addresses
            .iter()
            .map(|a| {
                let mut item = json!({"address": a.address, "city": a.city, "zip": a.zip, "country": a.country});
                if let Some(s) = &a.state {
                    item["state"] = json!(s);
                }
                item
            })
            .collect();
        Ok(envelope(vec![json!({
            "update_timestamp": rfc3339(grant.now),
            "full_name": info.full_name,
            "date_of_birth": info.date_of_birth,
            "addresses": addresses,
            "emails": info.emails,
            "phones": info.phones,
        })]))
    })())
}

pub async fn accounts(State(state): State<Arc<MockState>>, headers: HeaderMap) -> Response {
    respond((|| {
        let grant = bank_call(&state, &headers, "accounts")?;
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
        let grant = bank_call(&state, &headers, "accounts")?;
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
        let grant = bank_call(&state, &headers, "balance")?;
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
    RawQuery(query): RawQuery,
) -> Response {
    respond((|| {
        let grant = bank_call(&state, &headers, "transactions")?;
        let a = find_account(&grant, &id)?;
        let range = DateRange::from_query(query.as_deref(), grant.now)?;
        Ok(envelope(transactions_json(
            &a.transactions,
            &a.currency,
            &range,
        )))
    })())
}

pub async fn pending_transactions(
    State(state): State<Arc<MockState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    respond((|| {
        let grant = bank_call(&state, &headers, "transactions")?;
        let a = find_account(&grant, &id)?;
        let range = DateRange::from_query(query.as_deref(), grant.now)?;
        Ok(envelope(transactions_json(
            &a.pending_transactions,
            &a.currency,
            &range,
        )))
    })())
}

pub async fn standing_orders(
    State(state): State<Arc<MockState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    respond((|| {
        let grant = bank_call(&state, &headers, "standing_orders")?;
        let a = find_account(&grant, &id)?;
        let items = a
            .standing_orders
            .iter()
            .map(|o| {
                let mut item = Map::new();
                item.insert("frequency".into(), json!(o.frequency));
                item.insert("status".into(), json!(o.status));
                item.insert("timestamp".into(), json!(o.timestamp));
                item.insert("currency".into(), json!(a.currency));
                item.insert(
                    "meta".into(),
                    json!({"provider_account_id": a.account_number.number}),
                );
                let optional = [
                    ("reference", o.reference.as_ref().map(|v| json!(v))),
                    ("payee", o.payee.as_ref().map(|v| json!(v))),
                    (
                        "first_payment_date",
                        o.first_payment_date.as_ref().map(|v| json!(v)),
                    ),
                    (
                        "first_payment_amount",
                        o.first_payment_amount.map(|v| json!(v)),
                    ),
                    (
                        "next_payment_date",
                        o.next_payment_date.as_ref().map(|v| json!(v)),
                    ),
                    (
                        "next_payment_amount",
                        o.next_payment_amount.map(|v| json!(v)),
                    ),
                    (
                        "final_payment_date",
                        o.final_payment_date.as_ref().map(|v| json!(v)),
                    ),
                    (
                        "final_payment_amount",
                        o.final_payment_amount.map(|v| json!(v)),
                    ),
                    (
                        "previous_payment_timestamp",
                        o.previous_payment_timestamp.as_ref().map(|v| json!(v)),
                    ),
                    (
                        "previous_payment_amount",
                        o.previous_payment_amount.map(|v| json!(v)),
                    ),
                ];
                for (key, value) in optional {
                    if let Some(value) = value {
                        item.insert(key.into(), value);
                    }
                }
                Value::Object(item)
            })
            .collect();
        Ok(envelope(items))
    })())
}

pub async fn direct_debits(
    State(state): State<Arc<MockState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    respond((|| {
        let grant = bank_call(&state, &headers, "direct_debits")?;
        let a = find_account(&grant, &id)?;
        let items = a
            .direct_debits
            .iter()
            .map(|d| {
                let mut item = json!({
                    "direct_debit_id": d.direct_debit_id,
                    "timestamp": d.timestamp,
                    "name": d.name,
                    "status": d.status,
                    "currency": a.currency,
                    "meta": {"provider_account_id": a.account_number.number},
                });
                if let Some(t) = &d.previous_payment_timestamp {
                    item["previous_payment_timestamp"] = json!(t);
                }
                if let Some(amount) = d.previous_payment_amount {
                    item["previous_payment_amount"] = json!(amount);
                }
                if let Some(m) = &d.mandate_reference {
                    item["meta"]["provider_mandate_identification"] = json!(m);
                }
                item
            })
            .collect();
        Ok(envelope(items))
    })())
}

pub async fn cards(State(state): State<Arc<MockState>>, headers: HeaderMap) -> Response {
    respond((|| {
        let grant = bank_call(&state, &headers, "cards")?;
        let items = grant
            .user
            .cards
            .iter()
            .map(|c| card_json(&state, &grant, c))
            .collect();
        Ok(envelope(items))
    })())
}

pub async fn card(
    State(state): State<Arc<MockState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    respond((|| {
        let grant = bank_call(&state, &headers, "cards")?;
        let c = find_card(&grant, &id)?;
        Ok(envelope(vec![card_json(&state, &grant, c)]))
    })())
}

pub async fn card_balance(
    State(state): State<Arc<MockState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    respond((|| {
        let grant = bank_call(&state, &headers, "balance")?;
        let c = find_card(&grant, &id)?;
        let b = &c.balance;
        let mut item = json!({
            "available": b.available,
            "current": b.current,
            "credit_limit": b.credit_limit,
            "currency": c.currency,
            "update_timestamp": rfc3339(grant.now),
        });
        if let Some(v) = b.last_statement_balance {
            item["last_statement_balance"] = json!(v);
        }
        if let Some(v) = &b.last_statement_date {
            item["last_statement_date"] = json!(v);
        }
        if let Some(v) = b.payment_due {
            item["payment_due"] = json!(v);
        }
        if let Some(v) = &b.payment_due_date {
            item["payment_due_date"] = json!(v);
        }
        Ok(envelope(vec![item]))
    })())
}

pub async fn card_transactions(
    State(state): State<Arc<MockState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    respond((|| {
        let grant = bank_call(&state, &headers, "transactions")?;
        let c = find_card(&grant, &id)?;
        let range = DateRange::from_query(query.as_deref(), grant.now)?;
        Ok(envelope(transactions_json(
            &c.transactions,
            &c.currency,
            &range,
        )))
    })())
}

pub async fn card_pending_transactions(
    State(state): State<Arc<MockState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    respond((|| {
        let grant = bank_call(&state, &headers, "transactions")?;
        let c = find_card(&grant, &id)?;
        let range = DateRange::from_query(query.as_deref(), grant.now)?;
        Ok(envelope(transactions_json(
            &c.pending_transactions,
            &c.currency,
            &range,
        )))
    })())
}

fn respond(result: DataResult) -> Response {
    result.unwrap_or_else(IntoResponse::into_response)
}

fn envelope(results: Vec<Value>) -> Response {
    Json(json!({"results": results, "status": "Succeeded"})).into_response()
}

/// A call the mock "forwards to the bank": authorised for `scope`, then subject to the
/// user's throttle.
fn bank_call<'a>(
    state: &'a MockState,
    headers: &HeaderMap,
    scope: &'static str,
) -> Result<Grant<'a>, DataError> {
    let grant = authorize(state, headers, Some(scope)).map_err(denial)?;
    if let Some(throttle) = grant.user.throttle {
        // Counted in the connection itself (a bounded map), claimed in one update so two
        // concurrent calls cannot both take the last refusal.
        let refused = state
            .connections
            .update(&grant.connection.id, |c| {
                let refuse = c.throttled_calls < throttle.first;
                if refuse {
                    c.throttled_calls += 1;
                }
                refuse
            })
            .unwrap_or(false);
        if refused {
            return Err(DataError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "provider_too_many_requests",
                "the bank is limiting requests for this user; retry after the Retry-After delay",
            )
            .with_retry_after(throttle.retry_after));
        }
    }
    Ok(grant)
}

/// The `from`/`to` bounds of a transactions request, in Unix seconds. Either may be
/// absent. Refused (400 `invalid_date_range`, the mock's choice of code): a value that is not
/// a date, `from` after `to`, and a range that starts in the future.
struct DateRange {
    from: Option<i64>,
    to: Option<i64>,
}

impl DateRange {
    fn from_query(query: Option<&str>, now: i64) -> Result<DateRange, DataError> {
        let invalid = |description: String| {
            DataError::new(StatusCode::BAD_REQUEST, "invalid_date_range", description)
        };
        let mut range = DateRange {
            from: None,
            to: None,
        };
        for (key, value) in url::form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
            let (slot, end_of_day) = match key.as_ref() {
                "from" => (&mut range.from, false),
                "to" => (&mut range.to, true),
                _ => continue,
            };
            let at = parse_instant(&value, end_of_day).ok_or_else(|| {
                invalid(format!(
                    "{key} '{value}' is not a date; use an ISO 8601 date or date-time, e.g. 2024-03-01 or 2024-03-01T00:00:00Z"
                ))
            })?;
            *slot = Some(at);
        }
        if let (Some(from), Some(to)) = (range.from, range.to)
            && from > to
        {
            return Err(invalid("from is after to".to_owned()));
        }
        if range.from.is_some_and(|from| from > now) {
            return Err(invalid(format!(
                "from is in the future (now is {})",
                rfc3339(now)
            )));
        }
        Ok(range)
    }

    fn contains(&self, at: i64) -> bool {
        self.from.is_none_or(|from| at >= from) && self.to.is_none_or(|to| at <= to)
    }
}

fn transactions_json(items: &[Transaction], currency: &str, range: &DateRange) -> Vec<Value> {
    items
        .iter()
        // Fixture timestamps were checked at load, so an unreadable one cannot occur.
        .filter(|t| parse_instant(&t.timestamp, false).is_some_and(|at| range.contains(at)))
        .map(|t| {
            let mut item = json!({
                "transaction_id": t.transaction_id,
                "timestamp": t.timestamp,
                "description": t.description,
                "transaction_type": t.transaction_type,
                "transaction_category": t.transaction_category,
                "transaction_classification": [],
                "amount": t.amount,
                "currency": currency,
                "meta": {"provider_transaction_category": t.transaction_category},
            });
            if let Some(m) = &t.merchant_name {
                item["merchant_name"] = json!(m);
            }
            if let Some(b) = t.running_balance {
                item["running_balance"] = json!({"amount": b, "currency": currency});
            }
            item
        })
        .collect()
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
                format!("account '{id}' was not found"),
            )
        })
}

/// A card's id is an `account_id` in TrueLayer's API, and an unknown one is the same 404.
fn find_card<'a>(grant: &Grant<'a>, id: &str) -> Result<&'a Card, DataError> {
    grant
        .user
        .cards
        .iter()
        .find(|c| c.account_id == id)
        .ok_or_else(|| {
            DataError::new(
                StatusCode::NOT_FOUND,
                "account_not_found",
                format!("card '{id}' was not found"),
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

fn card_json(state: &MockState, grant: &Grant<'_>, c: &Card) -> Value {
    let mut item = json!({
        "update_timestamp": rfc3339(grant.now),
        "account_id": c.account_id,
        "card_network": c.card_network,
        "card_type": c.card_type,
        "currency": c.currency,
        "display_name": c.display_name,
        "partial_card_number": c.partial_card_number,
        "provider": provider_json(state, &grant.connection.provider_id),
    });
    if let Some(v) = &c.name_on_card {
        item["name_on_card"] = json!(v);
    }
    if let Some(v) = &c.valid_from {
        item["valid_from"] = json!(v);
    }
    if let Some(v) = &c.valid_to {
        item["valid_to"] = json!(v);
    }
    item
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
