//! `await_code: { via: auto }`: plays the user in the mock's auth dialog over plain HTTP —
//! picks the bank, accepts (or declines) consent, logs in as a mock user — and reads the
//! code from the redirect. The mock names the next form in an `x-obflow-next` header, so
//! nothing here depends on the pages' markup beyond the documented field names.

use std::sync::OnceLock;

use regex::Regex;

use super::super::super::executor::{ScenarioState, StepError};
use super::Callback;
use crate::exchange::{HttpRequest, HttpResponse, RequestBody};
use crate::html::unescape;
use crate::protocol::{ERROR_HEADER, NEXT_HEADER};
use crate::scenario::Step;
use crate::scenario::actions::AwaitCodeParams;

/// A dialog has three pages; a few more rounds allow for a retried page, no more.
const MAX_PAGES: usize = 8;

pub async fn run(
    state: &mut ScenarioState<'_>,
    step: &Step,
    params: &AwaitCodeParams,
    link: &str,
) -> Result<Callback, StepError> {
    let at = &step.action.path;
    if !state.run.target.is_mock() {
        return Err(step
            .source
            .error_at(at, format!("`via: auto` plays the user in obflow's mock dialog, but target `{}` is not a mock", state.run.target.name))
            .help("against the sandbox, use `via: listen` (a browser) or `via: prompt` (paste the redirect)")
            .into());
    }
    let user = params.user.clone().unwrap_or_else(|| "john".to_owned());
    // An empty password (a flow's default) means "the mock user's own".
    let given = params.password.clone().filter(|p| !p.is_empty());
    let password = match given.or_else(|| crate::protocol::builtin_password(&user)) {
        Some(p) => p,
        None => {
            return Err(step
                .source
                .error_at(at, format!("no password known for mock user `{user}`"))
                .help("give `password:`, or use a user of the mock's fixtures (see the README)")
                .into());
        }
    };
    let decision = params
        .decision
        .clone()
        .unwrap_or_else(|| "accept".to_owned());
    let url = match &state.session.link_url {
        Some(built) if built.as_str() == link => built.clone(),
        _ => parse(link, step)?,
    };
    let mut response = state.send(get(url, state), at, &step.source).await?;
    for _ in 0..MAX_PAGES {
        if (300..400).contains(&response.status) {
            let location = response.header("location").unwrap_or_default();
            return Ok(Callback::from_url(location));
        }
        if let Some(next) = response.header(NEXT_HEADER).map(str::to_owned) {
            let form = if next.ends_with("/provider") {
                let provider = params
                    .provider
                    .clone()
                    .or_else(|| first_provider(response.body()))
                    .unwrap_or_default();
                vec![("provider_id".to_owned(), provider)]
            } else if next.ends_with("/consent") {
                vec![("decision".to_owned(), decision.clone())]
            } else if next.ends_with("/login") {
                if response.header(ERROR_HEADER).is_some() {
                    return Err(step
                        .source
                        .error_at(at, format!("the mock bank refused the login of `{user}`"))
                        .help(
                            "check `user` and `password` against the mock's users (see the README)",
                        )
                        .into());
                }
                vec![
                    ("username".to_owned(), user.clone()),
                    ("password".to_owned(), password.clone()),
                ]
            } else {
                return Err(unexpected(step, &format!("a form at `{next}`")));
            };
            let url = state.run.auth_base.join(&next).map_err(|e| {
                step.source
                    .error_at(at, format!("invalid dialog URL `{next}`: {e}"))
            })?;
            response = state.send(post(url, form, state), at, &step.source).await?;
            continue;
        }
        if response.body().contains("id=\"form_post\"") {
            let fields: Vec<(String, String)> = hidden_inputs(response.body());
            let query = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(fields)
                .finish();
            return Ok(Callback::from_query(&query));
        }
        if response.status >= 400 {
            return Ok(dialog_error(&response));
        }
        return Err(unexpected(
            step,
            &format!("a {} page with no form", response.status),
        ));
    }
    Err(unexpected(step, "a dialog that never ends"))
}

fn get(url: url::Url, state: &ScenarioState<'_>) -> HttpRequest {
    HttpRequest {
        method: reqwest::Method::GET,
        url,
        headers: vec![],
        body: None,
        timeout: state.run.default_timeout,
    }
}

fn post(url: url::Url, form: Vec<(String, String)>, state: &ScenarioState<'_>) -> HttpRequest {
    HttpRequest {
        method: reqwest::Method::POST,
        url,
        headers: vec![],
        body: Some(RequestBody::Form(form)),
        timeout: state.run.default_timeout,
    }
}

fn parse(link: &str, step: &Step) -> Result<url::Url, StepError> {
    url::Url::parse(link).map_err(|e| {
        step.source
            .error_at(&step.action.path, format!("invalid auth link: {e}"))
            .into()
    })
}

fn unexpected(step: &Step, what: &str) -> StepError {
    step.source
        .error_at(
            &step.action.path,
            format!("the mock dialog showed {what}, which obflow cannot play"),
        )
        .help("is the target an obflow mock of the same version?")
        .into()
}

/// An error page (bad client, unregistered redirect URI): no redirect, only the error.
fn dialog_error(response: &HttpResponse) -> Callback {
    static CODE: OnceLock<Regex> = OnceLock::new();
    static DESC: OnceLock<Regex> = OnceLock::new();
    let code = CODE.get_or_init(|| Regex::new(r#"id="error">([^<]*)<"#).expect("static regex"));
    let desc = DESC
        .get_or_init(|| Regex::new(r#"id="error_description">([^<]*)<"#).expect("static regex"));
    Callback {
        error: code
            .captures(response.body())
            .map(|c| unescape(&c[1]))
            .or_else(|| Some(format!("http_{}", response.status))),
        error_description: desc.captures(response.body()).map(|c| unescape(&c[1])),
        ..Callback::default()
    }
}

fn first_provider(page: &str) -> Option<String> {
    static RADIO: OnceLock<Regex> = OnceLock::new();
    let radio = RADIO
        .get_or_init(|| Regex::new(r#"name="provider_id" value="([^"]*)""#).expect("static regex"));
    radio.captures(page).map(|c| unescape(&c[1]))
}

fn hidden_inputs(page: &str) -> Vec<(String, String)> {
    static HIDDEN: OnceLock<Regex> = OnceLock::new();
    let hidden = HIDDEN.get_or_init(|| {
        Regex::new(r#"<input type="hidden" name="([^"]*)" value="([^"]*)">"#).expect("static regex")
    });
    hidden
        .captures_iter(page)
        .map(|c| (unescape(&c[1]), unescape(&c[2])))
        .collect()
}
