//! [`perform`]: a step's action run once, with its parameters read through the action's
//! struct.

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::super::executor::{ScenarioState, StepError};
use super::{api, await_code, oauth, request, wait};
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
        ActionKind::Wait => wait::run(state, step, read(rendered, step)?).await,
        // Every Data API and Signup+ call (`ActionKind::api_target`).
        ActionKind::SignupAccounts
        | ActionKind::Me
        | ActionKind::Info
        | ActionKind::Accounts
        | ActionKind::Account
        | ActionKind::Balance
        | ActionKind::Transactions
        | ActionKind::PendingTransactions
        | ActionKind::StandingOrders
        | ActionKind::DirectDebits
        | ActionKind::Cards
        | ActionKind::Card
        | ActionKind::CardBalance
        | ActionKind::CardTransactions => api::run(state, step, read(rendered, step)?).await,
    }
}

/// Reads rendered parameters through the action's struct (a template may have produced a
/// value of the wrong type).
fn read<T: DeserializeOwned>(rendered: &Value, step: &Step) -> Result<T, StepError> {
    deserialize(rendered, &step.source, &step.action.path).map_err(|mut d| d.remove(0).into())
}
