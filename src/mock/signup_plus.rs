//! Signup+ "data only": `GET /signup-plus/accounts[?account_id=...]` answers the identity of
//! the account holder, or `multiple_accounts_linked` when the user linked several accounts.
//! Errors are Problem JSON.

use std::sync::Arc;

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::bearer::{Denial, Grant, authorize};
use super::body::Params;
use super::data::{failure_description, failure_status};
use super::error::Problem;
use super::fixtures::{Account, CountryField};
use super::state::MockState;

pub async fn accounts(
    State(state): State<Arc<MockState>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let params = Params::from_query(query.as_deref());
    match answer(&state, &headers, params.get("account_id")) {
        Ok(body) => Json(body).into_response(),
        Err(problem) => problem.into_response(),
    }
}

fn answer(
    state: &MockState,
    headers: &HeaderMap,
    account_id: Option<&str>,
) -> Result<Value, Problem> {
    let grant = authorize(state, headers, Some("signupplus")).map_err(denial)?;
    let accounts = &grant.user.accounts;
    if let Some(id) = account_id {
        let account = accounts
            .iter()
            .find(|a| a.account_id == id)
            .ok_or_else(|| {
                Problem::new(
                    StatusCode::BAD_REQUEST,
                    "Invalid Parameters",
                    format!("account_id '{id}' is not one of the user's linked accounts"),
                )
            })?;
        return identity(state, &grant, account, true);
    }
    match accounts.as_slice() {
        [] => Err(not_found()),
        [only] => identity(state, &grant, only, false),
        several => {
            let mut links = Map::new();
            for a in several {
                links.insert(
                    a.account_id.clone(),
                    json!(format!(
                        "{}/signup-plus/accounts?account_id={}",
                        state.base_url, a.account_id
                    )),
                );
            }
            let listed: Vec<Value> = several
                .iter()
                .map(|a| {
                    json!({
                        "account_id": a.account_id,
                        "currency": a.currency,
                        "account_type": signup_account_type(&a.account_type),
                        "display_name": a.display_name,
                        "account_number": a.account_number.number,
                        "sort_code": a.account_number.sort_code,
                    })
                })
                .collect();
            Ok(json!({
                "result": "multiple_accounts_linked",
                "detail": "Multiple valid accounts linked, please resend the request specifying an account_id.",
                "links": links,
                "accounts": listed,
            }))
        }
    }
}

/// The holder's identity with the account's details; `with_id` adds `account_id` (when the
/// client chose the account).
fn identity(
    state: &MockState,
    grant: &Grant<'_>,
    account: &Account,
    with_id: bool,
) -> Result<Value, Problem> {
    if account.joint {
        return Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Joint Accounts Not Supported",
            "the account is a joint account; Signup+ does not support joint accounts",
        ));
    }
    let person = account.identity.as_ref().ok_or_else(not_found)?;
    let a = &person.address;
    let mut address = Map::new();
    address.insert("address_line1".into(), json!(a.address_line1));
    if let Some(line2) = &a.address_line2 {
        address.insert("address_line2".into(), json!(line2));
    }
    address.insert("city".into(), json!(a.city));
    if let Some(s) = &a.state {
        address.insert("state".into(), json!(s));
    }
    address.insert("zip".into(), json!(a.zip));
    let country_key = match state.fixtures.options().address_country_field {
        CountryField::CountryCode => "country_code",
        CountryField::Country => "country",
    };
    address.insert(country_key.into(), json!(a.country_code));
    // The bank the user chose. Only the Mock bank stands in for the bank a fixture names
    // (the seed's Joe Blogs banks with Monzo, reached through the sandbox's Mock bank).
    let provider_id = match &account.provider_id {
        Some(fixture) if grant.connection.provider_id == "mock" => fixture.clone(),
        _ => grant.connection.provider_id.clone(),
    };
    let mut body = json!({
        "title": person.title,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "date_of_birth": person.date_of_birth,
        "address": address,
        "account_details": {
            "sort_code": account.account_number.sort_code,
            "account_number": account.account_number.number,
            "iban": account.account_number.iban,
            "provider_id": provider_id,
        },
    });
    if with_id {
        body["account_id"] = json!(account.account_id);
    }
    Ok(body)
}

/// Signup+ lists current accounts as CURRENT (the Data API says TRANSACTION).
fn signup_account_type(data_api_type: &str) -> &str {
    match data_api_type {
        "TRANSACTION" | "BUSINESS_TRANSACTION" => "CURRENT",
        "SAVINGS" | "BUSINESS_SAVINGS" => "SAVINGS",
        other => other,
    }
}

fn not_found() -> Problem {
    Problem::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "User Data Not Found",
        "no identity data is available for this account",
    )
}

fn denial(d: Denial) -> Problem {
    match d {
        Denial::Missing => Problem::new(
            StatusCode::UNAUTHORIZED,
            "Unauthorized",
            "an Authorization: Bearer access token is required",
        ),
        Denial::Invalid | Denial::Expired => Problem::new(
            StatusCode::UNAUTHORIZED,
            "Unauthorized",
            "the access token is invalid or has expired",
        ),
        Denial::ConsentExpired => Problem::new(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "access has expired or was revoked",
        ),
        Denial::MissingScope(scope) => Problem::new(
            StatusCode::FORBIDDEN,
            "Forbidden",
            format!("the access token does not have the {scope} scope"),
        ),
        Denial::UserFailure(f) => {
            let (status, _) = failure_status(f);
            let title = status.canonical_reason().unwrap_or("Error");
            Problem::new(status, title, failure_description(f))
        }
    }
}
