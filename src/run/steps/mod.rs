//! What each action does. A step renders its parameters, does its work (usually one or a
//! few HTTP requests through [`ScenarioState::send`]), updates the token session, and hands
//! back the response its checks and captures look at.

mod api;
mod await_code;
mod oauth;
mod request;
mod wait;

pub use oauth::DEFAULT_SCOPES;

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::executor::{ScenarioState, StepError};
use crate::check::CheckFailure;
use crate::exchange::HttpResponse;
use crate::scenario::de::deserialize;
use crate::scenario::{ActionKind, Step};

/// Runs the step's action once, with its parameters as the executor rendered them.
pub async fn perform(
    state: &mut ScenarioState<'_>,
    step: &Step,
    rendered: &Value,
) -> Result<HttpResponse, StepError> {
    let action = &step.action;
    match action.kind {
        ActionKind::Request => request::run(state, step, read(rendered, step)?).await,
        ActionKind::AuthLink => oauth::auth_link(state, read(rendered, step)?),
        ActionKind::AwaitCode => await_code::run(state, step, read(rendered, step)?).await,
        ActionKind::Exchange => oauth::exchange(state, step, read(rendered, step)?).await,
        ActionKind::Refresh => oauth::refresh(state, step, read(rendered, step)?).await,
        ActionKind::Extend => oauth::extend(state, step, read(rendered, step)?).await,
        ActionKind::SignupAccounts
        | ActionKind::Me
        | ActionKind::Accounts
        | ActionKind::Account
        | ActionKind::Balance
        | ActionKind::Transactions => api::run(state, step, read(rendered, step)?).await,
        ActionKind::Wait => wait::run(state, step, read(rendered, step)?).await,
    }
}

/// Reads rendered parameters through the action's struct (a template may have produced a
/// value of the wrong type).
fn read<T: DeserializeOwned>(rendered: &Value, step: &Step) -> Result<T, StepError> {
    deserialize(rendered, &step.source, &step.action.path).map_err(|mut d| d.remove(0).into())
}

/// The check a typed step makes when it has no `expect` of its own: that it succeeded.
/// Writing `expect` replaces it, which is how expected failures (a `400 invalid_grant`)
/// pass.
pub fn default_check(step: &Step, response: &HttpResponse) -> Option<CheckFailure> {
    let kind = step.action.kind;
    // Only a failure needs the location.
    let location = || step.source.key_location(&step.action.path);
    if kind == ActionKind::AwaitCode {
        let json = response.json()?;
        if json.get("code").is_some_and(|c| c.is_string()) {
            return None;
        }
        let error = json.get("error").and_then(Value::as_str).unwrap_or("none");
        return Some(CheckFailure {
            check: "await_code returned a code".into(),
            expected: "a code".into(),
            actual: format!("error={error}"),
            location: location(),
        });
    }
    if kind.is_http() && kind != ActionKind::Request && !(200..300).contains(&response.status) {
        let error = response
            .json()
            .and_then(|j| j.get("error").or_else(|| j.get("title")))
            .map(|e| format!(" ({})", crate::scenario::model::value_to_text(e)))
            .unwrap_or_default();
        return Some(CheckFailure {
            check: format!("{} succeeded", kind.keyword()),
            expected: "a 2xx status (write `expect` to check for another)".into(),
            actual: format!("{}{error}", response.status),
            location: location(),
        });
    }
    None
}
