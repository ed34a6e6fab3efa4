//! The TrueLayer-compatible mock: an axum server with the auth dialog, `/connect/token`, the
//! Data API v1, Signup+, connection extension, and mock-only admin routes, all on one port.
//! This module owns starting and stopping it and the routing table; docs/mock.md is the
//! user-facing reference. What the engine relies on (header names, the demo client, the
//! built-in logins) is in [`crate::protocol`], which this module implements.
//!
//! Data flows: fixtures (who exists) → dialog (consent, login → code) → token (code → tokens)
//! → bearer (token → connection) → data / signup_plus; clock times every expiry rule.
//!
//! All state is in memory and bounded: `state.rs` says what is forgotten when, each map is a
//! capped `sharded_map::ShardedMap`, and a purger started with the server applies the rules
//! every 30 seconds ([`Retention`] sets the real-time ones and the cap).
//!
//! - `server.rs`: [`start`], [`MockOptions`] and [`RunningMock`]: starting and stopping.
//! - `routes.rs`: the routing table and the JSON errors for unknown routes.
//! - `discovery.rs`: the JWKS and the OpenID configuration.
//! - `standalone.rs`: `obflow mock`, serving until interrupted.
//! - `observe.rs`, `journal.rs`, `faults.rs`: for QA teams pointing their own application at
//!   the mock: the request journal, faults on demand and the access log.

mod admin;
mod bearer;
mod body;
pub mod clock;
mod connections;
mod data;
mod dates;
mod dialog;
mod discovery;
mod error;
mod faults;
mod fixtures;
mod journal;
mod jwt;
mod observe;
mod pages;
mod routes;
mod server;
mod sharded_map;
mod signup_plus;
mod standalone;
mod state;
mod token;

pub use clock::{ManualTime, RealClock};
pub use error::MockError;
pub use fixtures::{DialogStyle, Fixtures};
pub use jwt::Signing;
#[doc(hidden)]
pub use jwt::time_rs256_signatures;
pub use server::{MockOptions, RunningMock, start};
pub use standalone::{StandaloneOptions, serve_forever};
pub use state::Retention;
