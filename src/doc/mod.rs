//! `obflow doc`: scenarios rendered as step-by-step integration guides, in the style of
//! TrueLayer's own (numbered stages, curl commands with `$CLIENT_ID`-style placeholders,
//! expected responses).
//!
//! A guide is built statically from the loaded scenario; nothing is sent. The pieces:
//! - `guide.rs`: the guide's structure ([`Guide`]: a title, diagrams, an introduction,
//!   numbered steps made of [`Block`]s).
//! - `target.rs`: the hosts it shows ([`DocTarget`]); `intro.rs`: "Before you start", by
//!   target and by what the steps need.
//! - `build.rs`: [`build()`], a scenario turned into a guide.
//! - `steps.rs`: what each action looks like; `curl.rs` builds its commands and `shell.rs`
//!   the shell around them (variables kept with `jq -r`, loops), so a guide runs as printed.
//! - `values.rs`: templates and placeholders rendered.
//! - `expected_response.rs`: expected responses from snapshot files.
//! - `diagram.rs`: the sequence and lifecycle diagrams, drawn by `mermaid.rs` (Markdown) and
//!   `svg.rs` (HTML).
//! - `markdown.rs`, `html.rs`: a guide printed.
//! - `output.rs`: guides to stdout or written as files; `scrub.rs`: the secrets guard.
//!
//! Secrets never appear: credentials, codes and tokens are always placeholders, secret
//! variables render as placeholders, and the finished text is scrubbed of every secret
//! value obflow knows of as a last guard.

mod build;
mod curl;
mod diagram;
mod expected_response;
mod guide;
mod html;
mod intro;
mod markdown;
mod mermaid;
mod output;
mod scrub;
mod shell;
mod steps;
mod svg;
mod target;
mod values;

pub use build::{GuideOptions, build};
pub use diagram::{Item, Lifecycle, Party, Sequence, Status};
pub use guide::{Block, Guide, GuideStep};
pub use output::{DocError, Format, GENERATED_MARK, render_all, write_all};
pub use target::{DocTarget, MOCK_DEFAULT_URL};
