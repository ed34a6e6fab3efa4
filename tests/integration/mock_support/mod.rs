//! Helpers shared by the mock conformance tests: start a mock, play the user through the
//! dialog exactly as docs/mock.md describes (reading the page markers), exchange codes.

use obflow::mock::{MockOptions, RunningMock};
use obflow::protocol::{DEMO_CLIENT_ID, DEMO_CLIENT_SECRET};
use reqwest::header::HeaderMap;
use serde_json::Value;

pub const REDIRECT: &str = "http://localhost:3000/callback";
pub const ALL_SCOPES: &str = "info accounts balance transactions offline_access signupplus";

pub async fn start() -> RunningMock {
    obflow::mock::start(MockOptions::loopback())
        .await
        .expect("mock starts")
}

/// A client that never follows redirects. The mock is plain HTTP on loopback, so no proxy
/// and no root certificates (loading them costs ~25 ms per client in debug builds).
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .tls_certs_only([])
        .build()
        .expect("client")
}

/// An auth link on the mock with the demo client; `extra` adds or overrides parameters.
pub fn auth_link(base: &str, scope: &str, extra: &[(&str, &str)]) -> String {
    let mut url = url::Url::parse(&format!("{base}/")).unwrap();
    let mut params: Vec<(&str, &str)> = vec![
        ("response_type", "code"),
        ("client_id", DEMO_CLIENT_ID),
        ("redirect_uri", REDIRECT),
        ("scope", scope),
        ("providers", "uk-cs-mock"),
        ("state", "st-123"),
        ("nonce", "n-1"),
    ];
    for (k, v) in extra {
        params.retain(|(pk, _)| pk != k);
        params.push((k, v));
    }
    url.query_pairs_mut().extend_pairs(params);
    url.to_string()
}

/// The `action` of `<form id="{id}" ...>` in a page.
pub fn form_action(html: &str, id: &str) -> Option<String> {
    let re = regex::Regex::new(&format!(
        r#"<form id="{id}" method="post" action="([^"]+)">"#
    ))
    .unwrap();
    re.captures(html).map(|c| c[1].replace("&amp;", "&"))
}

/// A page of the dialog: status, headers, body.
pub struct Page {
    pub status: u16,
    pub headers: HeaderMap,
    pub html: String,
}

impl Page {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

pub async fn get_page(http: &reqwest::Client, url: &str, clock: Option<&str>) -> Page {
    let mut req = http.get(url);
    if let Some(c) = clock {
        req = req.header("x-obflow-clock", c);
    }
    to_page(req.send().await.unwrap()).await
}

pub async fn post_form(http: &reqwest::Client, url: &str, form: &[(&str, &str)]) -> Page {
    to_page(http.post(url).form(form).send().await.unwrap()).await
}

async fn to_page(resp: reqwest::Response) -> Page {
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let html = resp.text().await.unwrap();
    Page {
        status,
        headers,
        html,
    }
}

/// Plays the user from an open dialog page to the final response (consent accepted, login).
pub async fn finish_dialog(
    http: &reqwest::Client,
    base: &str,
    first: Page,
    username: &str,
    password: &str,
) -> Page {
    assert_eq!(first.status, 200, "{}", first.html);
    let consent = form_action(&first.html, "consent").expect("consent form");
    let dialog = first.header("x-obflow-dialog").unwrap().to_owned();
    let login = post_form(
        http,
        &format!("{base}{consent}"),
        &[("dialog_id", &dialog), ("decision", "accept")],
    )
    .await;
    assert_eq!(login.status, 200, "{}", login.html);
    let action = form_action(&login.html, "login").expect("login form");
    post_form(
        http,
        &format!("{base}{action}"),
        &[
            ("dialog_id", &dialog),
            ("username", username),
            ("password", password),
        ],
    )
    .await
}

/// The query parameters of a 302 to the client.
pub fn redirect_params(page: &Page) -> Vec<(String, String)> {
    assert_eq!(page.status, 302, "expected a redirect: {}", page.html);
    let location = page.header("location").expect("location");
    let url = url::Url::parse(location).unwrap();
    url.query_pairs().into_owned().collect()
}

pub fn param<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// A code for `username`, through the whole dialog, on an optional named clock.
pub async fn code_for(
    mock: &RunningMock,
    scope: &str,
    username: &str,
    password: &str,
    extra: &[(&str, &str)],
    clock: Option<&str>,
) -> String {
    let http = client();
    let base = mock.base_url();
    let first = get_page(&http, &auth_link(base, scope, extra), clock).await;
    let done = finish_dialog(&http, base, first, username, password).await;
    let params = redirect_params(&done);
    param(&params, "code").expect("code").to_owned()
}

/// POSTs a form to /connect/token and returns (status, headers, JSON body).
pub async fn token_request(mock: &RunningMock, form: &[(&str, &str)]) -> (u16, HeaderMap, Value) {
    let resp = client()
        .post(format!("{}/connect/token", mock.base_url()))
        .form(form)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    (status, headers, resp.json().await.unwrap())
}

pub async fn exchange(mock: &RunningMock, code: &str) -> (u16, Value) {
    let (s, _, v) = token_request(
        mock,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", DEMO_CLIENT_ID),
            ("client_secret", DEMO_CLIENT_SECRET),
            ("redirect_uri", REDIRECT),
            ("code", code),
        ],
    )
    .await;
    (s, v)
}

pub async fn refresh(mock: &RunningMock, refresh_token: &str) -> (u16, Value) {
    let (s, _, v) = token_request(
        mock,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", DEMO_CLIENT_ID),
            ("client_secret", DEMO_CLIENT_SECRET),
            ("refresh_token", refresh_token),
        ],
    )
    .await;
    (s, v)
}

/// Tokens for a user, via dialog and exchange.
pub async fn tokens_for(
    mock: &RunningMock,
    scope: &str,
    username: &str,
    password: &str,
    clock: Option<&str>,
) -> Value {
    let code = code_for(mock, scope, username, password, &[], clock).await;
    let (status, body) = exchange(mock, &code).await;
    assert_eq!(status, 200, "{body}");
    body
}

pub async fn advance(mock: &RunningMock, clock: Option<&str>, by: &str) {
    let mut url = format!("{}/__mock/clock/advance", mock.base_url());
    if let Some(c) = clock {
        url.push_str(&format!("?clock={c}"));
    }
    let resp = client()
        .post(url)
        .json(&serde_json::json!({"by": by}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
}

/// GET with a bearer token: (status, headers, body as JSON).
pub async fn api_get(mock: &RunningMock, path: &str, token: &str) -> (u16, HeaderMap, Value) {
    let resp = client()
        .get(format!("{}{path}", mock.base_url()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = resp.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, headers, body)
}

pub fn access_token(tokens: &Value) -> &str {
    tokens["access_token"].as_str().expect("access_token")
}
