//! Checks (`expect`) and captures (`capture`) of a step: parsed and validated at load time,
//! evaluated against a response by the engine.
//!
//! - [`Expectation`] (`expect.rs`): status, headers, JSONPath and body checks.
//! - [`CaptureSet`] (`capture.rs`): values taken from a response into variables.
//! - `matcher.rs`: the matchers both use (`equals`, `length`, `each`, ...).
//! - `jsonpath.rs`: RFC 9535 paths through jsonpath-rust, and what "singular" means.
//! - [`CheckFailure`] (`failure.rs`): one check that did not hold; [`Difference`]
//!   (`difference.rs`): where an object or array is not the one expected.
//! - [`ResponseView`] (`response.rs`): a response as checks and captures see it.
//! - `test_support.rs`: what their unit tests share.
//!
//! The user-facing reference is `docs/checks.md`.

pub mod capture;
mod difference;
pub mod expect;
mod failure;
pub mod jsonpath;
pub mod matcher;
mod response;
#[cfg(test)]
pub(crate) mod test_support;

pub use capture::{CaptureFrom, CaptureSet, Captured};
pub use difference::{Difference, differences};
pub use expect::Expectation;
pub use failure::CheckFailure;
pub use jsonpath::{JsonPathQuery, JsonPathSyntaxError, Selection};
pub use matcher::{Matcher, TemplateSite};
pub use response::{ResponseView, error_answer};
