//! Connections: lifecycle, `/connections/extend`, per-scenario clocks, admin routes, fixture
//! files and start-up errors.

use crate::mock_support::*;
use obflow::mock::{MockError, MockOptions};
use obflow::protocol::{DEMO_CLIENT_ID, DEMO_CLIENT_SECRET};
use serde_json::{Value, json};

async fn extend(mock: &obflow::mock::RunningMock, path: &str, body: Value) -> (u16, Value) {
    let resp = client()
        .post(format!("{}{path}", mock.base_url()))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap())
}

fn extend_body(refresh_token: &str) -> Value {
    json!({
        "client_id": DEMO_CLIENT_ID,
        "client_secret": DEMO_CLIENT_SECRET,
        "refresh_token": refresh_token,
        "redirect_uri": REDIRECT,
        "user_has_reconfirmed_consent": true,
        "user": {"id": "u-1", "name": "John Doe", "email": "john@example.com"},
    })
}

async fn connections(mock: &obflow::mock::RunningMock, query: &str) -> Vec<Value> {
    let body: Value = client()
        .get(format!("{}/__mock/connections{query}", mock.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["connections"].as_array().unwrap().clone()
}

#[tokio::test]
async fn lifecycle_statuses_are_listed_by_the_admin_route() {
    let mock = start().await;
    let http = client();
    let base = mock.base_url();
    let first = get_page(
        &http,
        &auth_link(base, "info offline_access", &[]),
        Some("life"),
    )
    .await;
    let consent = form_action(&first.html, "consent").unwrap();
    post_form(
        &http,
        &format!("{base}{consent}"),
        &[("decision", "accept")],
    )
    .await;
    let list = connections(&mock, "?clock=life").await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["status"], "authorization_required");
    let login = first.header("x-obflow-dialog").unwrap();
    let done = post_form(
        &http,
        &format!("{base}/dialog/{login}/login"),
        &[("username", "john"), ("password", "doe")],
    )
    .await;
    let code = param(&redirect_params(&done), "code").unwrap().to_owned();
    assert_eq!(
        connections(&mock, "?clock=life").await[0]["status"],
        "authorized"
    );
    exchange(&mock, &code).await;
    let list = connections(&mock, "?clock=life").await;
    assert_eq!(list[0]["status"], "active");
    assert_eq!(list[0]["user"], "john");
    assert_eq!(list[0]["clock"], "life");
    assert!(list[0]["expires_at"].is_string() && list[0]["created_at"].is_string());
    advance(&mock, Some("life"), "90d").await;
    assert_eq!(
        connections(&mock, "?clock=life").await[0]["status"],
        "inactive"
    );
    assert!(connections(&mock, "?clock=other").await.is_empty());
}

#[tokio::test]
async fn extend_for_john_eternal_renews_at_once_even_after_inactive() {
    let mock = start().await;
    let tokens = tokens_for(
        &mock,
        "info accounts offline_access",
        "john",
        "eternal",
        None,
    )
    .await;
    advance(&mock, None, "91d").await;
    let (status, _, _) = api_get(&mock, "/data/v1/accounts", access_token(&tokens)).await;
    assert_eq!(status, 403);
    let (status, body) = extend(
        &mock,
        "/connections/extend",
        extend_body(tokens["refresh_token"].as_str().unwrap()),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["action_needed"], "no_action_needed");
    assert_eq!(body["expires_in"], 3600);
    let (status, _, _) = api_get(
        &mock,
        "/data/v1/accounts",
        body["access_token"].as_str().unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    // The new refresh token works; the old one was retired.
    assert_eq!(
        refresh(&mock, body["refresh_token"].as_str().unwrap())
            .await
            .0,
        200
    );
    assert_eq!(
        refresh(&mock, tokens["refresh_token"].as_str().unwrap())
            .await
            .0,
        400
    );
}

#[tokio::test]
async fn extend_for_john_doe_needs_the_dialog_again_for_the_same_connection() {
    let mock = start().await;
    let tokens = tokens_for(&mock, "info accounts offline_access", "john7", "doe7", None).await;
    let (status, body) = extend(
        &mock,
        "/data/v1/connections/extend",
        extend_body(tokens["refresh_token"].as_str().unwrap()),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["action_needed"], "authentication_needed");
    let link = body["user_input_link"].as_str().unwrap();
    assert!(
        link.starts_with(&format!("{}/dialog/", mock.base_url())),
        "{link}"
    );
    let http = client();
    let page = get_page(&http, link, None).await;
    let done = finish_dialog(&http, mock.base_url(), page, "john7", "doe7").await;
    let code = param(&redirect_params(&done), "code").unwrap().to_owned();
    let (status, renewed) = exchange(&mock, &code).await;
    assert_eq!(status, 200, "{renewed}");
    let before = api_get(&mock, "/data/v1/me", access_token(&tokens)).await.2;
    let after = api_get(&mock, "/data/v1/me", access_token(&renewed))
        .await
        .2;
    assert_eq!(
        before["results"][0]["credentials_id"],
        after["results"][0]["credentials_id"]
    );
    assert_eq!(connections(&mock, "").await.len(), 1);
}

#[tokio::test]
async fn extend_validates_its_body() {
    let mock = start().await;
    let tokens = tokens_for(&mock, "info offline_access", "john", "eternal", None).await;
    let rt = tokens["refresh_token"].as_str().unwrap();
    let mut no_consent = extend_body(rt);
    no_consent["user_has_reconfirmed_consent"] = json!(false);
    let (status, body) = extend(&mock, "/connections/extend", no_consent).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_request"))
    );
    let mut no_user = extend_body(rt);
    no_user.as_object_mut().unwrap().remove("user");
    let (status, body) = extend(&mock, "/connections/extend", no_user).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_request"))
    );
    let mut bad_secret = extend_body(rt);
    bad_secret["client_secret"] = json!("nope");
    let (status, body) = extend(&mock, "/connections/extend", bad_secret).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_client"))
    );
    let (status, body) = extend(&mock, "/connections/extend", extend_body("unknown")).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
}

#[tokio::test]
async fn named_clocks_isolate_scenarios() {
    let mock = start().await;
    let a = code_for(&mock, "info", "john", "doe", &[], Some("scenario-a")).await;
    let b = code_for(&mock, "info", "john", "doe", &[], Some("scenario-b")).await;
    let default = code_for(&mock, "info", "john", "doe", &[], None).await;
    advance(&mock, Some("scenario-a"), "6m").await;
    // The exchange carries no clock header: the code remembers its clock.
    assert_eq!(exchange(&mock, &a).await.0, 400);
    assert_eq!(exchange(&mock, &b).await.0, 200);
    assert_eq!(exchange(&mock, &default).await.0, 200);
    let read = |name: &'static str| {
        let url = format!("{}/__mock/clock", mock.base_url());
        async move {
            client()
                .get(url)
                .header("x-obflow-clock", name)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    assert_eq!(read("scenario-a").await["offset_seconds"], 360);
    assert_eq!(read("scenario-b").await["offset_seconds"], 0);
    let default_clock = read("").await;
    assert_eq!(default_clock["offset_seconds"], 0);
    assert_eq!(default_clock["clock"], "default");
    assert!(default_clock["now"].as_str().unwrap().ends_with('Z'));
}

#[tokio::test]
async fn clock_advance_accepts_seconds_or_units_and_refuses_nonsense() {
    let mock = start().await;
    let url = format!("{}/__mock/clock/advance?clock=c1", mock.base_url());
    let post = |body: Value| {
        let url = url.clone();
        async move {
            let resp = client().post(url).json(&body).send().await.unwrap();
            (resp.status().as_u16(), resp.json::<Value>().await.unwrap())
        }
    };
    assert_eq!(post(json!({"seconds": 30})).await.1["offset_seconds"], 30);
    assert_eq!(post(json!({"by": "2h"})).await.1["offset_seconds"], 7230);
    assert_eq!(post(json!({"by": "1d"})).await.1["offset_seconds"], 93630);
    assert_eq!(post(json!({"by": "soon"})).await.0, 400);
    assert_eq!(post(json!({"seconds": -5})).await.0, 400);
    assert_eq!(post(json!({"seconds": 1, "by": "1s"})).await.0, 400);
    assert_eq!(post(json!({"minutes": 1})).await.0, 400);
}

#[tokio::test]
async fn reset_forgets_state_and_clock_offsets() {
    let mock = start().await;
    let tokens = tokens_for(&mock, "info", "john", "doe", None).await;
    advance(&mock, None, "10m").await;
    let resp = client()
        .post(format!("{}/__mock/reset", mock.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(connections(&mock, "").await.is_empty());
    let clock: Value = client()
        .get(format!("{}/__mock/clock", mock.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(clock["offset_seconds"], 0);
    let (status, _, _) = api_get(&mock, "/data/v1/me", access_token(&tokens)).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_json() {
    let mock = start().await;
    let resp = client()
        .get(format!("{}/nope", mock.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    assert_eq!(resp.json::<Value>().await.unwrap()["error"], "not_found");
    let resp = client()
        .get(format!("{}/connect/token", mock.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 405);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"],
        "method_not_allowed"
    );
}

#[tokio::test]
async fn fixture_errors_name_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fixtures.yaml");
    std::fs::write(
        &path,
        "clients:\n  - client_id: a\n    client_secret: b\n    redirect_uris: [http://x/cb]\n    colour: red\nproviders: []\nusers: []\n",
    )
    .unwrap();
    let err = obflow::mock::Fixtures::from_file(&path).unwrap_err();
    assert!(err.is_invalid_input());
    let text = err.to_string();
    assert!(text.contains(&format!("{}:5:5", path.display())), "{text}");
    assert!(text.contains("colour"), "{text}");
    let missing = obflow::mock::Fixtures::from_file(&dir.path().join("none.yaml")).unwrap_err();
    assert!(matches!(missing, MockError::FixturesRead { .. }));
}

#[tokio::test]
async fn binding_a_taken_port_is_a_bind_error_naming_the_address() {
    let mock = start().await;
    let port: u16 = mock.base_url().rsplit(':').next().unwrap().parse().unwrap();
    let mut opts = MockOptions::loopback();
    opts.port = port;
    let err = obflow::mock::start(opts).await.err().expect("bind fails");
    assert!(matches!(err, MockError::Bind { .. }));
    assert!(err.to_string().contains(&format!("127.0.0.1:{port}")));
    assert!(!err.is_invalid_input());
}

#[tokio::test]
async fn shutdown_stops_the_server() {
    let mock = start().await;
    let url = format!("{}/.well-known/jwks.json", mock.base_url());
    assert_eq!(reqwest::get(&url).await.unwrap().status(), 200);
    mock.shutdown().await;
    assert!(reqwest::get(&url).await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_concurrent_flows_on_their_own_clocks() {
    let mock = std::sync::Arc::new(start().await);
    let mut tasks = Vec::new();
    for i in 0..200 {
        let mock = mock.clone();
        tasks.push(tokio::spawn(async move {
            let clock = format!("load-{i}");
            let tokens = tokens_for(&mock, "info accounts", "john", "doe", Some(&clock)).await;
            let (status, _, _) = api_get(&mock, "/data/v1/accounts", access_token(&tokens)).await;
            status
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), 200);
    }
    assert_eq!(connections(&mock, "").await.len(), 200);
}
