//! `await_code`: the user goes through the auth dialog and comes back to the redirect URI
//! with a code (or an error). Five ways to get it: `auto` plays the user in the mock's
//! dialog over HTTP, `browser` plays them in a real headless browser by a plan, `listen`
//! waits on the redirect URI's loopback port for a person's browser, `prompt` asks on the
//! terminal, `value` takes it from a template.
//!
//! - `step.rs`: the step itself: the source chosen, the `state` checked, the code kept.
//! - `callback.rs`: [`Callback`], what came back to the redirect URI.
//! - `auto.rs`, `browser.rs`, `listen.rs`, `prompt.rs`: the sources that involve the dialog.

mod auto;
mod browser;
mod callback;
mod listen;
mod prompt;
mod step;

pub use callback::Callback;
pub use step::run;
