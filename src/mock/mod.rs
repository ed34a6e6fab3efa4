//! The TrueLayer-compatible mock: an axum server with the auth dialog, `/connect/token`, the
//! Data API v1, Signup+, connection extension, and mock-only admin routes, all on one port.
//! This module owns starting and stopping it and the routing table; docs/mock.md is the
//! user-facing reference. What the engine relies on (header names, the demo client, the
//! built-in logins) is in [`crate::protocol`], which this module implements.
//!
//! Data flows: fixtures (who exists) → dialog (consent, login → code) → token (code → tokens)
//! → bearer (token → connection) → data / signup_plus; clock times every expiry rule.

mod admin;
mod bearer;
mod body;
pub mod clock;
mod connections;
mod data;
mod dialog;
mod error;
mod fixtures;
mod jwt;
mod pages;
mod signup_plus;
mod standalone;
mod state;
mod token;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use error::MockError;
pub use fixtures::Fixtures;
pub use jwt::Signing;
#[doc(hidden)]
pub use jwt::time_rs256_signatures;
pub use standalone::{StandaloneOptions, serve_forever};

use crate::protocol::CORRELATION_HEADER;
use state::MockState;

/// How to run the mock.
#[derive(Debug, Clone)]
pub struct MockOptions {
    pub bind: IpAddr,
    /// 0 picks a free port.
    pub port: u16,
    pub fixtures: Fixtures,
    pub signing: Signing,
}

impl MockOptions {
    /// 127.0.0.1 on a free port, the built-in fixtures, RS256 tokens.
    pub fn loopback() -> Self {
        MockOptions {
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            fixtures: Fixtures::default(),
            signing: Signing::Rs256,
        }
    }
}

/// A mock serving in the background. Dropping it stops the server too.
pub struct RunningMock {
    base_url: String,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<()>>,
    purger: JoinHandle<()>,
}

impl RunningMock {
    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Stops accepting connections and waits (briefly) for in-flight requests.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(mut server) = self.server.take() {
            // Idle keep-alive clients can hold a graceful shutdown open; stop regardless.
            if tokio::time::timeout(Duration::from_secs(5), &mut server)
                .await
                .is_err()
            {
                server.abort();
            }
        }
    }
}

impl Drop for RunningMock {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            server.abort();
        }
        self.purger.abort();
    }
}

/// Binds, spawns the server on the current tokio runtime, and returns at once.
pub async fn start(opts: MockOptions) -> Result<RunningMock, MockError> {
    let signer = jwt::TokenSigner::new(opts.signing)?;
    let addr = SocketAddr::new(opts.bind, opts.port);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| MockError::Bind { addr, source })?;
    let local = listener
        .local_addr()
        .map_err(|source| MockError::Bind { addr, source })?;
    let base_url = base_url_for(local);
    let state = Arc::new(MockState::new(opts.fixtures, signer, base_url.clone()));

    let (tx, rx) = oneshot::channel::<()>();
    let app = router(state.clone());
    let server = tokio::spawn(async move {
        let serve = axum::serve(listener, app).with_graceful_shutdown(async {
            let _ = rx.await;
        });
        // Accept errors are retried inside axum; an error here ends the server quietly.
        let _ = serve.await;
    });
    let weak = Arc::downgrade(&state);
    drop(state);
    let purger = tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(30));
        loop {
            tick.tick().await;
            match weak.upgrade() {
                Some(state) => state.purge_expired(),
                None => break,
            }
        }
    });
    Ok(RunningMock {
        base_url,
        shutdown: Some(tx),
        server: Some(server),
        purger,
    })
}

/// A browsable URL for the bound address (an unspecified address becomes loopback).
fn base_url_for(addr: SocketAddr) -> String {
    match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => format!("http://127.0.0.1:{}", addr.port()),
        IpAddr::V4(ip) => format!("http://{ip}:{}", addr.port()),
        IpAddr::V6(ip) if ip.is_unspecified() => {
            format!("http://[{}]:{}", Ipv6Addr::LOCALHOST, addr.port())
        }
        IpAddr::V6(ip) => format!("http://[{ip}]:{}", addr.port()),
    }
}

fn router(state: Arc<MockState>) -> Router {
    // Data API and Signup+ responses carry a correlation id, as TrueLayer's do.
    let api = Router::new()
        .route("/data/v1/me", get(data::me))
        .route("/data/v1/accounts", get(data::accounts))
        .route("/data/v1/accounts/{id}", get(data::account))
        .route("/data/v1/accounts/{id}/balance", get(data::balance))
        .route(
            "/data/v1/accounts/{id}/transactions",
            get(data::transactions),
        )
        .route("/signup-plus/accounts", get(signup_plus::accounts))
        .route("/connections/extend", post(connections::extend))
        .route("/data/v1/connections/extend", post(connections::extend))
        .layer(axum::middleware::map_response(add_correlation_id));
    Router::new()
        .route("/", get(dialog::start))
        .route("/dialog/{id}", get(dialog::show))
        .route("/dialog/{id}/provider", post(dialog::choose_provider))
        .route("/dialog/{id}/consent", post(dialog::consent))
        .route("/dialog/{id}/login", post(dialog::login))
        .route("/connect/token", post(token::token_endpoint))
        .route("/.well-known/jwks.json", get(jwks))
        .route(
            "/.well-known/openid-configuration",
            get(openid_configuration),
        )
        .route("/__mock/clock", get(admin::read_clock))
        .route("/__mock/clock/advance", post(admin::advance_clock))
        .route("/__mock/connections", get(admin::list_connections))
        .route("/__mock/reset", post(admin::reset))
        .merge(api)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(body::BODY_LIMIT))
        .with_state(state)
}

async fn add_correlation_id(mut resp: Response) -> Response {
    if let Ok(v) = HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()) {
        resp.headers_mut().insert(CORRELATION_HEADER, v);
    }
    resp
}

async fn jwks(State(state): State<Arc<MockState>>) -> Response {
    axum::Json(state.signer.jwks()).into_response()
}

async fn openid_configuration(State(state): State<Arc<MockState>>) -> Response {
    let base = &state.base_url;
    let scopes: Vec<&str> = pages::SCOPES.iter().map(|(s, _)| *s).collect();
    axum::Json(json!({
        "issuer": base,
        "authorization_endpoint": format!("{base}/"),
        "token_endpoint": format!("{base}/connect/token"),
        "jwks_uri": format!("{base}/.well-known/jwks.json"),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query", "form_post"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "scopes_supported": scopes,
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
    }))
    .into_response()
}

async fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        axum::Json(
            json!({"error": "not_found", "error_description": "no such route on the obflow mock"}),
        ),
    )
        .into_response()
}

async fn method_not_allowed() -> Response {
    (
        StatusCode::METHOD_NOT_ALLOWED,
        axum::Json(json!({"error": "method_not_allowed", "error_description": "this route does not accept that method"})),
    )
        .into_response()
}
