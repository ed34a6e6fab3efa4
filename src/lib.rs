//! obflow: a declarative runner for open-banking authorisation flows.
//!
//! Data flows through the modules in this order: [`cli`] arguments, [`scenario`] loading
//! (YAML to typed scenarios, with positions), [`template`] rendering, [`run`] (the engine),
//! [`check`] (expectations and captures), [`report`] (terminal and files). [`mock`] is the
//! TrueLayer-compatible server the default target runs against.

pub mod check;
pub mod cli;
pub mod diagnostic;
pub mod exit;
pub mod mock;
pub mod report;
pub mod scenario;
pub mod secret;
pub mod template;
