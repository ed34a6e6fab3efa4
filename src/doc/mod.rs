//! `obflow doc`: scenarios rendered as step-by-step integration guides, in the style of
//! TrueLayer's own (numbered stages, curl commands with `$CLIENT_ID`-style placeholders,
//! expected responses).
//!
//! A guide is built statically from the loaded scenario; nothing is sent. The pieces:
//! - `guide.rs`: the guide's structure ([`Guide`]: a title, an introduction, numbered steps
//!   made of [`Block`]s).
//! - `target.rs`: the hosts it shows ([`DocTarget`]).
//! - `build.rs`: [`build()`], a scenario turned into a guide.
//! - `steps.rs`: what each action looks like; `curl.rs` builds its commands.
//! - `values.rs`: templates and placeholders rendered.
//! - `expected_response.rs`: expected responses from snapshot files.
//! - `markdown.rs`, `html.rs`: a guide printed.
//! - `output.rs`: guides to stdout or written as files; `scrub.rs`: the secrets guard.
//!
//! Secrets never appear: credentials, codes and tokens are always placeholders, secret
//! variables render as placeholders, and the finished text is scrubbed of every secret
//! value obflow knows of as a last guard.

mod build;
mod curl;
mod expected_response;
mod guide;
mod html;
mod markdown;
mod output;
mod scrub;
mod steps;
mod target;
mod values;

pub use build::{GuideOptions, build};
pub use guide::{Block, Guide, GuideStep};
pub use output::{DocError, Format, GENERATED_MARK, REFRESH_COMMAND, render_all, write_all};
pub use target::{DocTarget, MOCK_DEFAULT_URL};
