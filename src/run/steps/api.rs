//! Data API and Signup+ calls with the session's access token: `signup_accounts`, `me`,
//! `info`, `accounts`, `account`, `balance`, `transactions`, `pending_transactions`,
//! `standing_orders`, `direct_debits`, `cards`, `card`, `card_balance`, `card_transactions`.
//! Which path each calls is [`ActionKind::api_path`], shared with the guides.

use super::super::executor::{ScenarioState, StepError};
use super::oauth::endpoint;
use crate::exchange::{HttpRequest, HttpResponse};
use crate::scenario::actions::{ApiParams, ApiTarget};
use crate::scenario::model::value_to_text;
use crate::scenario::{ActionKind, Step};

pub async fn run(
    state: &mut ScenarioState<'_>,
    step: &Step,
    params: ApiParams,
) -> Result<HttpResponse, StepError> {
    let id = params.account_id.as_deref();
    let encode = |id: &str| {
        percent_encoding::utf8_percent_encode(id, percent_encoding::NON_ALPHANUMERIC).to_string()
    };
    let account = id.map(encode);
    let card = params.card_id.as_deref().map(encode);
    let kind = step.action.kind;
    // The loader already refuses a step without the id it needs; this guards the engine
    // against a caller that skipped the loader.
    let Some(path) = kind.api_path(account.as_deref(), card.as_deref()) else {
        let needs = match kind.api_target() {
            Some(ApiTarget::Card) => "a `card_id`",
            Some(ApiTarget::AccountOrCard) => "an `account_id` or a `card_id`",
            _ => "an `account_id`",
        };
        return Err(step
            .source
            .error_at(
                &step.action.path,
                format!("`{}` needs {needs}", kind.keyword()),
            )
            .into());
    };
    let mut url = endpoint(&state.run.api_base, &path, step)?;
    {
        let mut query = url.query_pairs_mut();
        if kind == ActionKind::SignupAccounts
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
