//! Data API and Signup+ calls with the session's access token: `signup_accounts`, `me`,
//! `accounts`, `account`, `balance`, `transactions`.

use super::super::executor::{ScenarioState, StepError};
use super::oauth::endpoint;
use crate::exchange::{HttpRequest, HttpResponse};
use crate::scenario::actions::ApiParams;
use crate::scenario::model::value_to_text;
use crate::scenario::{ActionKind, Step};

pub async fn run(
    state: &mut ScenarioState<'_>,
    step: &Step,
    params: ApiParams,
) -> Result<HttpResponse, StepError> {
    let id = params.account_id.as_deref();
    let encoded = id.map(|id| {
        percent_encoding::utf8_percent_encode(id, percent_encoding::NON_ALPHANUMERIC).to_string()
    });
    let path = match (step.action.kind, encoded.as_deref()) {
        (ActionKind::SignupAccounts, _) => "/signup-plus/accounts".to_owned(),
        (ActionKind::Me, _) => "/data/v1/me".to_owned(),
        (ActionKind::Accounts, _) => "/data/v1/accounts".to_owned(),
        (ActionKind::Account, Some(id)) => format!("/data/v1/accounts/{id}"),
        (ActionKind::Balance, Some(id)) => format!("/data/v1/accounts/{id}/balance"),
        (ActionKind::Transactions, Some(id)) => format!("/data/v1/accounts/{id}/transactions"),
        (kind, _) => {
            return Err(step
                .source
                .error_at(
                    &step.action.path,
                    format!("`{}` needs an `account_id`", kind.keyword()),
                )
                .into());
        }
    };
    let mut url = endpoint(&state.run.api_base, &path, step)?;
    {
        let mut query = url.query_pairs_mut();
        if step.action.kind == ActionKind::SignupAccounts
            && let Some(id) = id
        {
            query.append_pair("account_id", id);
        }
        if let Some(from) = &params.from {
            query.append_pair("from", from);
        }
        if let Some(to) = &params.to {
            query.append_pair("to", to);
        }
    }
    if url.query() == Some("") {
        url.set_query(None);
    }
    let token = params
        .access_token
        .or_else(|| {
            state
                .session
                .access_token
                .as_ref()
                .map(|t| t.expose().to_owned())
        })
        .or_else(|| state.run.dry_run.then(|| "<access_token>".to_owned()));
    let mut headers: Vec<(String, String)> = params
        .headers
        .iter()
        .map(|(k, v)| (k.clone(), value_to_text(v)))
        .collect();
    match token {
        Some(token) if !token.is_empty() => {
            state.redactor.add(&token);
            headers.push(("authorization".to_owned(), format!("Bearer {token}")));
        }
        // An explicit empty token sends the request without one (to test the 401).
        Some(_) => {}
        None => {
            return Err(step
                .source
                .error_at(&step.action.path, "there is no access token in the session")
                .help("run `exchange` first (or give `access_token:` to test a bad one)")
                .into());
        }
    }
    let request = HttpRequest {
        method: reqwest::Method::GET,
        url,
        headers,
        body: None,
        timeout: state.run.default_timeout,
    };
    state.send(request, &step.action.path, &step.source).await
}
