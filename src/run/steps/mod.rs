//! What each action does. A step renders its parameters, does its work (usually one or a
//! few HTTP requests through [`ScenarioState::send`](super::executor::ScenarioState::send)),
//! updates the token session, and hands back the response its checks and captures look at.
//!
//! - `perform.rs`: [`perform()`], the dispatch from an action to the file that runs it.
//! - `default_check.rs`: [`default_check()`], the success check of a step without `expect`.
//! - `request.rs`, `oauth.rs`, `await_code/`, `api.rs`, `wait.rs`: the actions.

mod api;
mod await_code;
mod default_check;
mod oauth;
mod perform;
mod request;
mod wait;

pub use default_check::default_check;
pub use oauth::DEFAULT_SCOPES;
pub use perform::perform;
