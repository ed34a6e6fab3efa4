//! Shared by the CLI integration tests: a small HTTP server on 127.0.0.1:0 with the routes the
//! test scenarios call, a throwaway project directory, and a way to run the real binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path as UrlPath, Query};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{any, get, post};
use serde_json::{Value, json};

/// A server that lives as long as the test: it runs on its own thread and runtime.
pub struct TestServer {
    pub base: String,
}

impl TestServer {
    pub fn start() -> TestServer {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr = listener.local_addr().expect("local addr");
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
                axum::serve(listener, router()).await.expect("serve");
            });
        });
        TestServer {
            base: format!("http://{addr}"),
        }
    }
}

fn router() -> Router {
    Router::new()
        .route("/json", get(json_doc))
        .route("/echo", any(echo))
        .route("/status/{code}", any(status))
        .route("/slow", get(slow))
        .route("/set-cookie", get(set_cookie))
        .route("/whoami", get(whoami))
        .route("/token", post(token))
        .route("/text", get(|| async { "plain text body: Succeeded" }))
        .route("/flaky/{key}/{failures}", get(flaky))
        .route("/counter/{key}", get(counter))
}

/// Calls seen so far per key, for `/flaky` and `/counter` (keys are unique per test).
static CALLS: std::sync::LazyLock<std::sync::Mutex<std::collections::HashMap<String, u32>>> =
    std::sync::LazyLock::new(Default::default);

fn next_call(key: &str) -> u32 {
    let mut calls = CALLS.lock().unwrap_or_else(|e| e.into_inner());
    let n = calls.entry(key.to_owned()).or_insert(0);
    *n += 1;
    *n
}

/// Fails with 503 for the first `failures` calls with this key, then answers 200: a service
/// that is not ready yet, for `retry`. `?retry_after=V` adds `Retry-After: V` to the 503s.
async fn flaky(
    UrlPath((key, failures)): UrlPath<(String, u32)>,
    Query(query): Query<std::collections::HashMap<String, String>>,
) -> impl IntoResponse {
    let call = next_call(&key);
    let mut headers = HeaderMap::new();
    let status = if call <= failures {
        if let Some(value) = query.get("retry_after").and_then(|v| v.parse().ok()) {
            headers.insert(axum::http::header::RETRY_AFTER, value);
        }
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::OK
    };
    (status, headers, axum::Json(json!({ "call": call })))
}

/// Answers 200 with how many times it was called with this key: a job whose progress a
/// scenario polls with `retry: { until: ... }`.
async fn counter(UrlPath(key): UrlPath<String>) -> impl IntoResponse {
    axum::Json(json!({ "count": next_call(&key) }))
}

async fn json_doc() -> impl IntoResponse {
    (
        [
            ("x-request-id", "req-42"),
            ("content-type", "application/json"),
        ],
        json!({
            "name": "demo",
            "count": 3,
            "ratio": 0.5,
            "active": true,
            "missing": null,
            "items": [
                {"id": "a", "n": 1, "currency": "GBP"},
                {"id": "b", "n": 2, "currency": "GBP"},
                {"id": "c", "n": 3, "currency": "EUR"}
            ],
            "date": "2000-06-20"
        })
        .to_string(),
    )
}

async fn echo(
    method: Method,
    headers: HeaderMap,
    Query(query): Query<Vec<(String, String)>>,
    body: String,
) -> impl IntoResponse {
    let headers: serde_json::Map<String, Value> = headers
        .iter()
        .map(|(k, v)| (k.to_string(), json!(v.to_str().unwrap_or(""))))
        .collect();
    let form: serde_json::Map<String, Value> = url::form_urlencoded::parse(body.as_bytes())
        .map(|(k, v)| (k.into_owned(), json!(v)))
        .collect();
    axum::Json(json!({
        "method": method.as_str(),
        "headers": headers,
        "query": query.into_iter().map(|(k, v)| json!([k, v])).collect::<Vec<_>>(),
        "body": body,
        "form": form,
        "json": serde_json::from_str::<Value>(&body).unwrap_or(Value::Null),
    }))
}

async fn status(UrlPath(code): UrlPath<u16>) -> impl IntoResponse {
    (
        StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_REQUEST),
        axum::Json(json!({ "status": code })),
    )
}

async fn slow() -> impl IntoResponse {
    tokio::time::sleep(Duration::from_secs(3)).await;
    "late"
}

async fn set_cookie() -> impl IntoResponse {
    ([("set-cookie", "session=s-123; Path=/")], "cookie set")
}

async fn whoami(headers: HeaderMap) -> impl IntoResponse {
    let cookie = headers
        .get("cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    axum::Json(json!({ "cookie": cookie }))
}

async fn token() -> impl IntoResponse {
    (
        [("cache-control", "no-store")],
        axum::Json(json!({
            "access_token": "at-SUPERSECRET-0001",
            "refresh_token": "rt-SUPERSECRET-0002",
            "token_type": "Bearer",
            "expires_in": 3600
        })),
    )
}

/// A temporary project directory holding scenario files.
pub struct Project {
    pub dir: tempfile::TempDir,
}

impl Project {
    pub fn new() -> Project {
        Project {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&path, text).expect("write scenario");
        path
    }

    /// Runs `obflow ARGS` inside the project, with no colour and no CI variables.
    pub fn obflow(&self, args: &[&str]) -> Run {
        self.obflow_env(args, &[])
    }

    /// Like [`Project::obflow`], with these environment variables set.
    pub fn obflow_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        obflow_in(self.dir.path(), args, env)
    }
}

/// Runs `obflow ARGS` in `dir`, with no colour, no CI variables, and these variables set.
pub fn obflow_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_obflow"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("CI")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_STEP_SUMMARY")
        .envs(env.iter().copied())
        .output()
        .expect("run obflow");
    Run::from(output)
}

/// What a run of the binary printed, and how it exited.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(o: Output) -> Self {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

/// Snapshot settings that replace what changes from run to run: loopback ports and durations.
/// Bind them for the test's scope: `let _filters = support::volatile_filters().bind_to_scope();`
pub fn volatile_filters() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT");
    settings.add_filter(r"\b\d+(\.\d+)?(ms|s)\b", "[time]");
    settings
}

/// Minimal blocking HTTP GET for tests that play a browser: (status, body).
pub mod reqwest {
    pub fn blocking_get(url: String) -> (u16, String) {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let resp = ::reqwest::get(&url).await.expect("GET");
            let status = resp.status().as_u16();
            (status, resp.text().await.unwrap_or_default())
        })
    }
}
