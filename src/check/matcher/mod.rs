//! Matchers: what an `expect` entry says about a value, parsed and validated at load time and
//! evaluated against a response.
//!
//! A mapping whose keys are all matcher names (`{ gte: 200, lt: 300 }`) is a matcher, every
//! key of it must hold; any other value (a scalar, a list, a mapping with ordinary keys) means
//! equality. A mapping that mixes matcher names with other keys is a load error, because it is
//! almost always a typo (`{ length: 3, lenght: 4 }`); comparing with such an object is still
//! possible with `equals:`.
//!
//! Expected values may hold minijinja templates. They are kept as written at load time (and
//! listed through [`TemplateSite`] so the loader can check their variables) and rendered by
//! the engine's callback just before evaluation ([`Matcher::resolve`]); a regex with a
//! template in it is compiled then too, every other regex at load time.
//!
//! The pieces:
//! - `language.rs`: [`Matcher`] and the names, comparisons and JSON types it is made of.
//! - `expected.rs`: expected values and patterns as written, templates included.
//! - `parse.rs`: `expect` values parsed into matchers, with located diagnostics.
//! - `resolve.rs`: templates rendered and regexes compiled just before evaluation.
//! - `evaluate.rs`: a matcher checked against a [`Subject`], failing with a [`Mismatch`].
//! - `describe.rs`: matchers in words, for failure messages and guides.

mod describe;
mod evaluate;
mod expected;
mod language;
mod parse;
mod resolve;
#[cfg(test)]
mod tests;

pub use describe::{code_span, show};
pub use evaluate::{Mismatch, Subject, json_eq};
pub use expected::{Expected, Pattern, Renderer, TemplateSite, is_template};
pub use language::{Comparison, DateComparison, JsonType, MATCHER_NAMES, Matcher};
pub use parse::LoadContext;
