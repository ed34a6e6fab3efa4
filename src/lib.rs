//! obflow: a declarative runner for open-banking authorisation flows.
//!
//! Data flows through the modules in this order: [`cli`] arguments, [`scenario`] loading
//! (YAML to typed scenarios, with positions), [`template`] rendering, [`run`] (the engine),
//! [`check`] (expectations and captures), [`snapshot`] (stored responses), [`report`]
//! (terminal and files). [`mock`] is the
//! TrueLayer-compatible server the default target runs against; [`browser`] drives a real
//! headless browser through an auth dialog for the engine; [`protocol`] is what the
//! engine and the mock agree on (header names, the demo client, the built-in logins), so
//! neither imports the other.

// Diagnostics are large (a message, a source line, notes) but travel only on the error
// path, where their size costs nothing worth a box.
#![allow(clippy::result_large_err)]

pub mod atomic_file;
pub mod browser;
pub mod check;
pub mod cli;
pub mod command;
pub mod datetime;
pub mod descriptors;
pub mod doc;
pub mod duration;
pub mod exchange;
pub mod exit;
pub mod html;
pub mod mock;
pub mod protocol;
pub mod report;
pub mod run;
pub mod scenario;
pub mod schema;
pub mod secret;
pub mod size;
pub mod snapshot;
pub mod source;
pub mod style;
pub mod target;
pub mod template;
