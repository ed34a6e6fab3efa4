//! The `await_code` step: gets the code from the chosen source, checks that the redirect's
//! `state` is the auth link's, and keeps the code (redacted) for `exchange`.

use std::time::Duration;

use serde_json::json;

use super::super::super::executor::{ScenarioState, StepError};
use super::{Callback, auto, browser, listen, prompt};
use crate::exchange::HttpResponse;
use crate::scenario::Step;
use crate::scenario::actions::{AwaitCodeParams, CodeSource};
use crate::scenario::model::value_to_text;
use crate::secret::Secret;

/// How long `listen` and `prompt` wait for a person unless the step says otherwise.
pub const DEFAULT_HUMAN_TIMEOUT: Duration = Duration::from_secs(300);

pub async fn run(
    state: &mut ScenarioState<'_>,
    step: &Step,
    params: AwaitCodeParams,
) -> Result<HttpResponse, StepError> {
    let link = params.link.clone().or_else(|| state.session.link.clone());
    let given_timeout = match &params.timeout {
        Some(t) => Some(
            crate::duration::login_timeout(t)
                .map_err(|m| step.source.error_at(&step.action.path.key("timeout"), m))?,
        ),
        None => None,
    };
    let timeout = given_timeout.unwrap_or(DEFAULT_HUMAN_TIMEOUT);
    let need_link = || -> Result<String, StepError> {
        link.clone().ok_or_else(|| {
            step.source
                .error_at(&step.action.path, "there is no auth link to open")
                .help("run `auth_link` first, or give `link:`")
                .into()
        })
    };
    // `--await` chooses for every step but those given their code (`value`).
    let via = match (params.via, state.run.await_override) {
        (CodeSource::Value, _) | (_, None) => params.via,
        (_, Some(chosen)) => chosen,
    };
    // Under CI nobody comes to the login: waiting the default five minutes for a person
    // would only delay the failure. A written `timeout` says someone (or something) will.
    if via == CodeSource::Listen
        && params.timeout.is_none()
        && crate::snapshot::is_ci()
        && !std::io::IsTerminal::is_terminal(&std::io::stdin())
        && !state.run.dry_run
    {
        return Err(step
            .source
            .error_at(
                &step.action.path,
                "`via: listen` waits for a person to log in, and under CI with no terminal nobody will",
            )
            .help("give `timeout:` if something else completes the login, or use `via: auto` against the mock")
            .into());
    }
    // A bare code pasted as `value` carries no state to check; a pasted URL does.
    let mut checks_state = via != CodeSource::Value;
    let callback = match via {
        // A dry run opens no dialog: later steps see a placeholder code.
        _ if state.run.dry_run => Callback {
            code: Some("<code>".to_owned()),
            state: state.session.state.clone(),
            ..Callback::default()
        },
        CodeSource::Value => {
            let value = params.value.as_ref().map(value_to_text).unwrap_or_default();
            if value.contains("code=") || value.contains("error=") {
                checks_state = true;
                Callback::from_url(&value)
            } else {
                Callback {
                    code: Some(value).filter(|v| !v.is_empty()),
                    ..Callback::default()
                }
            }
        }
        CodeSource::Auto => auto::run(state, step, &params, &need_link()?).await?,
        CodeSource::Browser => {
            browser::run(state, step, &params, &need_link()?, given_timeout).await?
        }
        CodeSource::Listen => listen::run(state, step, &params, &need_link()?, timeout).await?,
        CodeSource::Prompt => prompt::run(state, step, &need_link()?, timeout).await?,
    };
    // The state must come back unchanged: anything else is a forged or crossed redirect.
    let sent = state.session.state.as_deref();
    if checks_state && !callback.state_matches(sent) {
        let got = callback.state.as_deref().unwrap_or("(none)");
        return Err(step
            .source
            .error_at(
                &step.action.path,
                "the redirect's `state` does not match the auth link's",
            )
            .note(format!(
                "sent state={}, got state={got}",
                sent.unwrap_or_default()
            ))
            .help("the redirect did not come from this auth link: start again from `auth_link`")
            .into());
    }
    if let Some(code) = &callback.code {
        state.redactor.add(code);
        state.session.code = Some(Secret::new(code.clone()));
    }
    Ok(HttpResponse::from_json(json!({
        "code": callback.code,
        "state": callback.state,
        "scope": callback.scope,
        "error": callback.error,
        "error_description": callback.error_description,
    })))
}
