//! Templates: the minijinja environment a run renders scenario values with.
//!
//! This module owns how a scalar becomes a value: whether it is a template at all
//! ([`Templates::is_template`]), load-time validation (syntax, the root names a template
//! reads, and filters, tests and functions that do not exist), rendering with strict undefined, the rule that a scalar made of one expression keeps
//! the expression's type, the template [`Context`], and obflow's functions and filters
//! (see `functions.rs`). It does not know files or lines: a [`TemplateError`] carries a char
//! range within the template source and the caller maps it onto the scenario file.
//!
//! Compiled templates are cached inside the minijinja environment, keyed by source: a scenario
//! set has a bounded number of distinct scalars, and each is rendered many times.
//!
//! - `environment.rs`: [`Templates`], the environment: validation and rendering.
//! - `context.rs`: [`Context`], what templates can see.
//! - `convert.rs`: JSON to template values and back.
//! - `shape.rs`: single expressions and plain variables, told apart without compiling.
//! - `error.rs`: [`TemplateError`], located within the template source.
//! - `functions.rs`: obflow's functions and filters.
//! - `names.rs`: the filters, tests and functions a template calls, for load-time checks.

mod context;
mod convert;
mod environment;
mod error;
mod functions;
mod names;
mod shape;
#[cfg(test)]
mod tests;

pub use context::Context;
pub use convert::{map_to_template_value, to_template_value};
pub use environment::{Templates, UnknownName, Validation};
pub use error::TemplateError;
pub use names::NameKind;
pub use shape::plain_variable;
