//! What a QA team pointing its own application at the mock gets, over loopback HTTP: the
//! request journal (`/__mock/requests`: in order, filtered, redacted, bounded, cleared),
//! faults on demand (`/__mock/faults`: a status in the route's error shape for N calls, a
//! delay, a dropped connection), and `obflow mock --log`'s access log, which never shows a
//! secret.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::mock_support::*;
use obflow::protocol::{DEMO_CLIENT_ID, DEMO_CLIENT_SECRET};
use serde_json::{Value, json};

async fn journal(mock: &obflow::mock::RunningMock, query: &str) -> Value {
    let resp = client()
        .get(format!("{}/__mock/requests{query}", mock.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

async fn set_fault(mock: &obflow::mock::RunningMock, spec: Value) -> (u16, Value) {
    let resp = client()
        .post(format!("{}/__mock/faults", mock.base_url()))
        .json(&spec)
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

#[tokio::test]
async fn the_journal_lists_requests_in_order_filtered_and_without_secrets() {
    let mock = start().await;
    let tokens = tokens_for(&mock, "info accounts offline_access", "john", "doe", None).await;
    let access = access_token(&tokens).to_owned();
    let refresh_token = tokens["refresh_token"].as_str().unwrap().to_owned();
    api_get(&mock, "/data/v1/accounts", &access).await;
    let (status, refreshed) = refresh(&mock, &refresh_token).await;
    assert_eq!(status, 200);

    let all = journal(&mock, "").await;
    let text = all.to_string();
    // No credential survives, in any field, request or response.
    for secret in [
        DEMO_CLIENT_SECRET,
        &access,
        &refresh_token,
        access_token(&refreshed),
        refreshed["refresh_token"].as_str().unwrap(),
        "doe\"",
    ] {
        assert!(!text.contains(secret), "{secret} is in the journal: {text}");
    }
    let requests = all["requests"].as_array().unwrap();
    let seqs: Vec<u64> = requests
        .iter()
        .map(|r| r["seq"].as_u64().unwrap())
        .collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    assert_eq!(all["capacity"], 1000);
    // The auth link comes first; the redirect's code is redacted in its Location.
    assert_eq!(requests[0]["method"], "GET");
    assert_eq!(requests[0]["path"], "/");
    assert_eq!(requests[0]["query"]["client_id"], DEMO_CLIENT_ID);
    let login = requests
        .iter()
        .find(|r| r["response"]["status"] == 302)
        .expect("the login's redirect");
    let location = login["response"]["headers"]["location"].as_str().unwrap();
    assert!(location.contains("code=%5Bredacted%5D"), "{location}");
    assert_eq!(login["body"]["password"], "[redacted]");

    let token_calls = journal(&mock, "?path=/connect/token&method=POST").await;
    let calls = token_calls["requests"].as_array().unwrap();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0]["body"]["grant_type"], "authorization_code");
    assert_eq!(calls[0]["body"]["code"], "[redacted]");
    assert_eq!(calls[0]["body"]["client_secret"], "[redacted]");
    assert_eq!(calls[0]["client_id"], DEMO_CLIENT_ID);
    assert_eq!(calls[0]["response"]["body"]["access_token"], "[redacted]");
    assert_eq!(calls[1]["body"]["grant_type"], "refresh_token");

    let data = journal(&mock, "?path=/data/v1/*").await;
    let data = data["requests"].as_array().unwrap();
    assert_eq!(data.len(), 1);
    assert_eq!(data[0]["headers"]["authorization"], "Bearer [redacted]");
    // Filed under the client the bearer token was issued to.
    assert_eq!(data[0]["client_id"], DEMO_CLIENT_ID);
    assert_eq!(data[0]["response"]["status"], 200);
    assert!(data[0]["response"]["duration_ms"].is_u64());

    assert_eq!(
        journal(&mock, "?client_id=someone-else").await["requests"],
        json!([])
    );
    let last = journal(&mock, "?limit=1").await;
    assert_eq!(last["requests"][0]["seq"], *seqs.last().unwrap());
    let since = journal(&mock, &format!("?since={}", seqs[seqs.len() - 2])).await;
    assert_eq!(since["requests"].as_array().unwrap().len(), 1);
    // Admin calls are not the application's: never journaled.
    assert!(!text.contains("/__mock/"));

    let resp = client()
        .delete(format!("{}/__mock/requests", mock.base_url()))
        .send()
        .await
        .unwrap();
    let cleared: Value = resp.json().await.unwrap();
    assert_eq!(cleared["cleared"], requests.len());
    assert_eq!(journal(&mock, "").await["requests"], json!([]));
}

#[tokio::test]
async fn a_form_post_page_does_not_bring_its_code_into_the_journal() {
    let mock = start().await;
    let http = client();
    let base = mock.base_url();
    let first = get_page(
        &http,
        &auth_link(base, "info", &[("response_mode", "form_post")]),
        None,
    )
    .await;
    let done = finish_dialog(&http, base, first, "john", "doe").await;
    let code = done
        .html
        .split(r#"name="code" value=""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the code in the page")
        .to_owned();
    let all = journal(&mock, "").await;
    assert!(!all.to_string().contains(&code), "{all}");
    let last = all["requests"].as_array().unwrap().last().unwrap().clone();
    assert!(
        last["response"]["body"]
            .as_str()
            .unwrap()
            .starts_with("[HTML page, "),
        "{last}"
    );
}

#[tokio::test]
async fn the_journal_keeps_the_last_thousand_requests_and_cuts_long_bodies() {
    let mock = start().await;
    let http = client();
    let long = "x".repeat(10_000);
    for i in 0..1_005 {
        let resp = http
            .post(format!("{}/data/v1/nothing/{i}", mock.base_url()))
            .body(if i == 1_004 {
                long.clone()
            } else {
                String::new()
            })
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 404);
    }
    let all = journal(&mock, "").await;
    let requests = all["requests"].as_array().unwrap();
    assert_eq!(requests.len(), 1_000);
    assert_eq!(requests[0]["path"], "/data/v1/nothing/5");
    assert_eq!(all["dropped"], 5);
    let last = &requests[999];
    assert_eq!(last["body_truncated"], true);
    assert!(last["body"].as_str().unwrap().len() < 2_100);
}

#[tokio::test]
async fn a_status_fault_answers_in_the_routes_error_shape_for_its_n_calls() {
    let mock = start().await;
    let tokens = tokens_for(&mock, "info accounts", "john", "doe", None).await;
    let token = access_token(&tokens);
    let (status, fault) = set_fault(
        &mock,
        json!({"path": "/data/v1/accounts*", "status": 503, "times": 2}),
    )
    .await;
    assert_eq!(status, 201, "{fault}");
    assert_eq!(fault["remaining"], 2);
    for _ in 0..2 {
        let (status, headers, body) = api_get(&mock, "/data/v1/accounts", token).await;
        assert_eq!(status, 503);
        assert_eq!(body["error"], "provider_error");
        assert!(body["error_details"].is_object());
        assert!(headers.contains_key("x-tl-correlation-id"));
    }
    assert_eq!(api_get(&mock, "/data/v1/accounts", token).await.0, 200);
    // Other routes were never touched.
    assert_eq!(api_get(&mock, "/data/v1/me", token).await.0, 200);
    let listed: Value = client()
        .get(format!("{}/__mock/faults", mock.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["faults"], json!([]), "spent faults go");

    // A 429 on the token endpoint: OAuth shape, never cached, Retry-After.
    set_fault(
        &mock,
        json!({"path": "/connect/token", "method": "POST", "status": 429}),
    )
    .await;
    let (status, headers, body) = token_request(&mock, &[("grant_type", "refresh_token")]).await;
    assert_eq!(status, 429);
    assert_eq!(body["error"], "provider_too_many_requests");
    assert!(body.get("error_details").is_none());
    assert_eq!(headers["retry-after"], "1");
    assert_eq!(headers["cache-control"], "no-store");

    // Signup+ answers Problem JSON, with the error given as its title.
    set_fault(
        &mock,
        json!({"path": "/signup-plus/*", "status": 500, "error": "Internal Server Error"}),
    )
    .await;
    let resp = client()
        .get(format!("{}/signup-plus/accounts", mock.base_url()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 500);
    assert_eq!(resp.headers()["content-type"], "application/problem+json");
    let problem: Value = resp.json().await.unwrap();
    assert_eq!(problem["title"], "Internal Server Error");
    assert_eq!(problem["status"], 500);

    // The journal says which fault answered.
    let faulted = journal(&mock, "?path=/signup-plus/accounts").await;
    assert!(
        faulted["requests"][0]["fault"]
            .as_str()
            .unwrap()
            .starts_with("fault-")
    );
}

#[tokio::test]
async fn a_delay_fault_waits_then_serves_and_a_reset_fault_drops_the_connection() {
    let mock = start().await;
    set_fault(
        &mock,
        json!({"path": "/.well-known/jwks.json", "delay": "400ms"}),
    )
    .await;
    let started = Instant::now();
    let resp = client()
        .get(format!("{}/.well-known/jwks.json", mock.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(started.elapsed() >= Duration::from_millis(400));

    set_fault(&mock, json!({"path": "/data/v1/me", "reset": true})).await;
    let outcome = async {
        client()
            .get(format!("{}/data/v1/me", mock.base_url()))
            .send()
            .await?
            .text()
            .await
    }
    .await;
    assert!(outcome.is_err(), "the connection should drop: {outcome:?}");
    // The next call is served again.
    let (status, _, _) = api_get(&mock, "/data/v1/me", "x").await;
    assert_eq!(status, 401);
    let dropped = journal(&mock, "?path=/data/v1/me").await;
    assert_eq!(dropped["requests"][0]["response"]["reset"], true);
}

#[tokio::test]
async fn faults_are_validated_listed_removed_and_never_block_the_admin_routes() {
    let mock = start().await;
    for bad in [
        json!({"path": "/x"}),
        json!({"path": "/x", "status": 200}),
        json!({"path": "/x", "status": 500, "ratio": 1.5}),
        json!({"path": "/x", "status": 500, "bogus": 1}),
    ] {
        let (status, body) = set_fault(&mock, bad.clone()).await;
        assert_eq!(status, 400, "{bad}");
        assert_eq!(body["error"], "invalid_request", "{bad}");
    }
    let (_, fault) = set_fault(&mock, json!({"path": "*", "status": 500, "ratio": 1.0})).await;
    assert_eq!(
        fault["remaining"],
        Value::Null,
        "a ratio-only fault has no count"
    );
    // Everything else fails now, but the admin routes answer.
    assert_eq!(api_get(&mock, "/data/v1/me", "x").await.0, 500);
    assert_eq!(
        journal(&mock, "").await["requests"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let id = fault["id"].as_str().unwrap();
    let resp = client()
        .delete(format!("{}/__mock/faults/{id}", mock.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(api_get(&mock, "/data/v1/me", "x").await.0, 401);
    let resp = client()
        .delete(format!("{}/__mock/faults/{id}", mock.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    // A reset forgets faults and the journal, as WireMock's does.
    set_fault(&mock, json!({"path": "*", "status": 500, "times": 5})).await;
    let resp = client()
        .post(format!("{}/__mock/reset", mock.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(api_get(&mock, "/data/v1/me", "x").await.0, 401);
}

/// `obflow mock --log` on a free port: one line per request on stderr, with method, path,
/// status and duration, and no secret even when the query carries one.
#[test]
fn the_access_log_prints_a_redacted_line_per_request() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_obflow"))
        .args(["mock", "--port", "0", "--log"])
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start obflow mock");
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    let base = first
        .trim()
        .strip_prefix("obflow mock listening on ")
        .unwrap_or_else(|| panic!("unexpected first line: {first}"))
        .to_owned();
    let get = |path: &str| crate::support::reqwest::blocking_get(format!("{base}{path}"));
    assert_eq!(
        get("/data/v1/accounts?code=supersecretcode&state=s1").0,
        401
    );
    assert_eq!(get("/.well-known/jwks.json").0, 200);
    assert_eq!(get("/__mock/stats").0, 200);
    // The log line is written after the answer; give the last one a moment.
    std::thread::sleep(Duration::from_millis(200));
    child.kill().unwrap();
    let _ = child.wait();
    let mut log = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut log)
        .unwrap();
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), 3, "{log}");
    assert!(
        lines[0].contains(" GET /data/v1/accounts?code=%5Bredacted%5D&state=s1 401 "),
        "{log}"
    );
    assert!(
        lines[0].ends_with("ms") || lines[0].contains("ms "),
        "{log}"
    );
    assert!(
        lines[1].contains(" GET /.well-known/jwks.json 200 "),
        "{log}"
    );
    assert!(lines[2].contains(" GET /__mock/stats 200 "), "{log}");
    assert!(!log.contains("supersecretcode"), "{log}");
}

/// `obflow mock --no-journal` serves as ever and records nothing.
#[test]
fn no_journal_records_nothing() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_obflow"))
        .args(["mock", "--port", "0", "--no-journal"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start obflow mock");
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    let base = first.trim().rsplit(' ').next().unwrap().to_owned();
    let get = |path: &str| crate::support::reqwest::blocking_get(format!("{base}{path}"));
    assert_eq!(get("/.well-known/jwks.json").0, 200);
    assert_eq!(get("/data/v1/accounts").0, 401);
    let (status, body) = get("/__mock/requests");
    child.kill().unwrap();
    let _ = child.wait();
    assert_eq!(status, 200, "{body}");
    let journal: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        journal["requests"].as_array().map(Vec::len),
        Some(0),
        "{body}"
    );
}
