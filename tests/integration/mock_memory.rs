//! The mock forgets: finished flows leave nothing behind once their virtual time has run out
//! or they have been idle in real time, each map is capped (evicting, not refusing), named
//! clocks are purged when nothing lives on them, and clocks never go backwards. Real time is
//! a `RealClock::manual` moved by hand, and each test runs the purge itself.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::mock_support::*;
use obflow::mock::{ManualTime, MockOptions, RealClock, Retention, RunningMock};
use serde_json::{Value, json};

const SCOPE: &str = "info accounts offline_access";

/// A mock on real time that moves only by hand, starting now.
async fn start_on_manual_time(retention: Retention) -> (RunningMock, ManualTime) {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let (real, hand) = RealClock::manual(now);
    let mut opts = MockOptions::loopback();
    opts.retention = retention;
    opts.real_clock = real;
    (obflow::mock::start(opts).await.expect("mock starts"), hand)
}

async fn stats(mock: &RunningMock) -> Value {
    client()
        .get(format!("{}/__mock/stats", mock.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

fn sizes(
    dialogs: u64,
    codes: u64,
    refresh_tokens: u64,
    connections: u64,
    verified_tokens: u64,
    clocks: u64,
) -> Value {
    json!({
        "dialogs": dialogs, "codes": codes, "refresh_tokens": refresh_tokens,
        "connections": connections, "verified_tokens": verified_tokens, "clocks": clocks,
    })
}

async fn read_clock(mock: &RunningMock, clock: &str) -> Value {
    client()
        .get(format!("{}/__mock/clock?clock={clock}", mock.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn post_advance(mock: &RunningMock, clock: &str, body: &str) -> (u16, Value) {
    let resp = client()
        .post(format!(
            "{}/__mock/clock/advance?clock={clock}",
            mock.base_url()
        ))
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

/// A complete flow on `clock`: auth link, dialog, code, exchange, a Data API call.
async fn complete_flow(mock: &RunningMock, clock: Option<&str>) -> Value {
    let tokens = tokens_for(mock, SCOPE, "john", "doe", clock).await;
    let (status, _, body) = api_get(mock, "/data/v1/accounts", access_token(&tokens)).await;
    assert_eq!(status, 200, "{body}");
    tokens
}

#[tokio::test]
async fn finished_flows_are_forgotten_by_virtual_time_then_their_idle_clocks() {
    let (mock, hand) = start_on_manual_time(Retention::default()).await;
    let mut all_tokens = Vec::new();
    for i in 0..40 {
        all_tokens.push(complete_flow(&mock, Some(&format!("scenario-{i}"))).await);
    }
    // Left behind too: a dialog abandoned at its first page, and a code never exchanged.
    let http = client();
    get_page(
        &http,
        &auth_link(mock.base_url(), SCOPE, &[]),
        Some("scenario-0"),
    )
    .await;
    code_for(&mock, SCOPE, "john", "doe", &[], Some("scenario-1")).await;
    // Every flow's code is kept a while (so reuse is told "already exchanged").
    let before = sizes(1, 41, 40, 41, 40, 40);
    assert_eq!(stats(&mock).await["sizes"], before);
    mock.purge();
    assert_eq!(stats(&mock).await["sizes"], before, "nothing is stale yet");

    // Past every virtual rule: 90 days of consent and the 30 days an inactive connection can
    // still be extended.
    for i in 0..40 {
        advance(&mock, Some(&format!("scenario-{i}")), "121d").await;
    }
    mock.purge();
    assert_eq!(
        stats(&mock).await["sizes"],
        sizes(0, 0, 0, 0, 0, 40),
        "the clocks were just used"
    );
    let (status, _, _) = api_get(&mock, "/data/v1/me", access_token(&all_tokens[0])).await;
    assert_eq!(status, 401, "the connection is gone");
    let (status, body) = refresh(&mock, all_tokens[0]["refresh_token"].as_str().unwrap()).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );

    // Nothing lives on the clocks; once idle for the clock idle time (1 hour) they go.
    hand.advance(Duration::from_secs(59 * 60));
    mock.purge();
    assert_eq!(stats(&mock).await["sizes"]["clocks"], 40);
    hand.advance(Duration::from_secs(2 * 60));
    mock.purge();
    assert_eq!(stats(&mock).await["sizes"], sizes(0, 0, 0, 0, 0, 0));

    // Named again, a purged clock is a fresh one (it was 121 days ahead) and serves flows.
    assert_eq!(read_clock(&mock, "scenario-0").await["offset_seconds"], 0);
    complete_flow(&mock, Some("scenario-0")).await;
    assert_eq!(read_clock(&mock, "scenario-0").await["offset_seconds"], 0);
    assert_eq!(stats(&mock).await["sizes"]["clocks"], 1);
}

#[tokio::test]
async fn connections_unused_for_a_day_of_real_time_are_forgotten() {
    let (mock, hand) = start_on_manual_time(Retention::default()).await;
    let mut all_tokens = Vec::new();
    for _ in 0..10 {
        all_tokens.push(complete_flow(&mock, None).await);
    }
    // 23 hours pass (on the default clock too): codes and cached verifications go, the
    // connections stay (idle < 24 h).
    hand.advance(Duration::from_secs(23 * 3_600));
    mock.purge();
    assert_eq!(stats(&mock).await["sizes"], sizes(0, 0, 10, 10, 0, 0));
    // One connection is used: its idle time starts again.
    let (status, renewed) = refresh(&mock, all_tokens[3]["refresh_token"].as_str().unwrap()).await;
    assert_eq!(status, 200, "{renewed}");
    hand.advance(Duration::from_secs(2 * 3_600));
    mock.purge();
    assert_eq!(stats(&mock).await["sizes"], sizes(0, 0, 1, 1, 0, 0));
    let (status, _) = refresh(&mock, renewed["refresh_token"].as_str().unwrap()).await;
    assert_eq!(status, 200, "the used connection is still there");
    let (status, body) = refresh(&mock, all_tokens[4]["refresh_token"].as_str().unwrap()).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
}

#[tokio::test]
async fn the_cap_evicts_the_least_recently_used_instead_of_refusing() {
    let retention = Retention {
        max_entries: 32,
        ..Retention::default()
    };
    let (mock, _hand) = start_on_manual_time(retention).await;
    let mut all_tokens = Vec::new();
    // More flows and named clocks than the cap: every one still succeeds.
    for i in 0..100 {
        all_tokens.push(complete_flow(&mock, Some(&format!("capped-{i}"))).await);
    }
    let stats = stats(&mock).await;
    assert_eq!(stats["max_entries"], 32);
    for (kind, size) in stats["sizes"].as_object().unwrap() {
        assert!(size.as_u64().unwrap() <= 32, "{kind}: {stats}");
    }
    for kind in ["connections", "refresh_tokens", "codes", "clocks"] {
        assert!(
            stats["evicted"][kind].as_u64().unwrap() >= 68,
            "{kind}: {stats}"
        );
    }
    let mut working = 0;
    for tokens in &all_tokens {
        let (status, _, _) = api_get(&mock, "/data/v1/me", access_token(tokens)).await;
        assert!(status == 200 || status == 401, "{status}");
        working += usize::from(status == 200);
    }
    assert!((1..=32).contains(&working), "{working} connections left");
    // The newest connection is the last its shard would evict.
    let (status, _, _) = api_get(&mock, "/data/v1/me", access_token(&all_tokens[99])).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn clocks_saturate_at_their_maximum_and_never_go_backwards() {
    let mock = start().await;
    let hundred_years = obflow::duration::MAX.as_secs();
    for clock in ["default", "far"] {
        let mut last = read_clock(&mock, clock).await["now"]
            .as_str()
            .unwrap()
            .to_owned();
        let advance_by = format!(r#"{{"seconds": {hundred_years}}}"#);
        for _ in 0..100 {
            let (status, body) = post_advance(&mock, clock, &advance_by).await;
            assert_eq!(status, 200, "{body}");
            let now = body["now"].as_str().unwrap().to_owned();
            // RFC 3339 in UTC with four-digit years sorts as time does.
            assert!(now >= last, "{now} < {last}");
            last = now;
        }
        assert_eq!(last, "9999-01-01T00:00:00Z");
        let refused = [
            format!(r#"{{"seconds": {}}}"#, hundred_years + 1),
            format!(r#"{{"seconds": {}}}"#, i64::MAX),
            format!(r#"{{"seconds": {}}}"#, u64::MAX),
            r#"{"seconds": 1e30}"#.to_owned(),
            r#"{"seconds": -1}"#.to_owned(),
            r#"{"by": "40000d"}"#.to_owned(),
        ];
        for body in &refused {
            let (status, answer) = post_advance(&mock, clock, body).await;
            assert_eq!(status, 400, "{body} → {answer}");
            assert_eq!(answer["error"], "invalid_request", "{answer}");
            assert_eq!(read_clock(&mock, clock).await["now"], last.as_str());
        }
        let (_, too_far) = post_advance(&mock, clock, &refused[0]).await;
        assert!(
            too_far["error_description"]
                .as_str()
                .unwrap()
                .contains("100 years"),
            "{too_far}"
        );
    }
    // Time stands still at the maximum, and the mock still works there.
    let tokens = complete_flow(&mock, Some("far")).await;
    let (status, _, me) = api_get(&mock, "/data/v1/me", access_token(&tokens)).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(
        me["results"][0]["consent_created_at"],
        "9999-01-01T00:00:00Z"
    );
}

/// The mock embedded in `obflow run` serves that run alone, whose scenarios share no state:
/// it keeps what the scenarios running at once use (`MOCK_ENTRIES_PER_JOB` a job), so a suite
/// of thousands does not hold every finished flow until the end.
#[test]
fn the_mock_embedded_in_a_run_keeps_what_its_jobs_use_not_the_whole_suite() {
    use obflow::run::MOCK_ENTRIES_PER_JOB;
    let project = crate::support::Project::new();
    let flows = MOCK_ENTRIES_PER_JOB + 40;
    for i in 0..flows {
        project.write(
            &format!("a{i:04}.yaml"),
            &format!(
                "name: connect {i}\nsteps:\n  - auth_link: {{ scope: [info, accounts, offline_access] }}\n  - await_code: {{}}\n  - exchange: {{}}\n"
            ),
        );
    }
    // Runs last with one job: file order.
    project.write(
        "z_stats.yaml",
        &format!(
            r#"name: what the mock holds
steps:
  - request: {{ url: "{{{{ target.auth_url }}}}/__mock/stats" }}
    expect:
      json:
        $.max_entries: {MOCK_ENTRIES_PER_JOB}
        # The cap is kept per shard of the map, so it may hold a little less.
        $.sizes.connections: {{ lte: {MOCK_ENTRIES_PER_JOB}, gt: 400 }}
        $.evicted.connections: {{ gte: 40 }}
"#
        ),
    );
    let out = project.obflow(&["run", ".", "--jobs", "1"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains(&format!("{} passed, 0 failed", flows + 1)),
        "{}",
        out.stdout
    );
}
