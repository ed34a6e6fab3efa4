//! `POST /connect/token`: every rule of the reference, expiry through the virtual clock, and
//! the JWT checked against the published JWKS.

use crate::mock_support::*;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use obflow::mock::{Fixtures, MockOptions};
use obflow::protocol::{DEMO_CLIENT_ID, DEMO_CLIENT_SECRET};
use serde_json::Value;
use sha2::{Digest, Sha256};

fn code_form(code: &str) -> Vec<(&str, &str)> {
    vec![
        ("grant_type", "authorization_code"),
        ("client_id", DEMO_CLIENT_ID),
        ("client_secret", DEMO_CLIENT_SECRET),
        ("redirect_uri", REDIRECT),
        ("code", code),
    ]
}

fn assert_error(status: u16, body: &Value, error: &str) {
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], error, "{body}");
    assert!(
        body["error_description"]
            .as_str()
            .is_some_and(|d| !d.is_empty())
    );
}

#[tokio::test]
async fn code_exchange_answers_tokens_without_caching() {
    let mock = start().await;
    let code = code_for(
        &mock,
        "info accounts offline_access",
        "john",
        "doe",
        &[],
        None,
    )
    .await;
    let (status, headers, body) = token_request(&mock, &code_form(&code)).await;
    assert_eq!(status, 200);
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(body["scope"], "info accounts offline_access");
    assert!(
        body["refresh_token"]
            .as_str()
            .is_some_and(|t| t.len() >= 32)
    );
    assert_eq!(body["access_token"].as_str().unwrap().split('.').count(), 3);
}

#[tokio::test]
async fn a_code_is_single_use() {
    let mock = start().await;
    let code = code_for(&mock, "info", "john", "doe", &[], None).await;
    assert_eq!(exchange(&mock, &code).await.0, 200);
    let (status, body) = exchange(&mock, &code).await;
    assert_error(status, &body, "invalid_grant");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("already")
    );
}

#[tokio::test]
async fn a_code_expires_after_five_minutes_of_virtual_time() {
    let mock = start().await;
    let code = code_for(&mock, "info", "john", "doe", &[], None).await;
    advance(&mock, None, "6m").await;
    let (status, body) = exchange(&mock, &code).await;
    assert_error(status, &body, "invalid_grant");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("expired")
    );
}

#[tokio::test]
async fn expired_code_error_can_be_invalid_authorization_code() {
    let yaml = include_str!("../../src/mock/default-fixtures.yaml").replace(
        "expired_code_error: invalid_grant",
        "expired_code_error: invalid_authorization_code",
    );
    let mut opts = MockOptions::loopback();
    opts.fixtures = Fixtures::from_yaml(&yaml, "test").unwrap();
    let mock = obflow::mock::start(opts).await.unwrap();
    let code = code_for(&mock, "info", "john", "doe", &[], None).await;
    assert_eq!(exchange(&mock, &code).await.0, 200);
    let (status, body) = exchange(&mock, &code).await;
    assert_error(status, &body, "invalid_authorization_code");
}

#[tokio::test]
async fn redirect_uri_must_match_the_auth_link() {
    let mock = start().await;
    let code = code_for(&mock, "info", "john", "doe", &[], None).await;
    let mut form = code_form(&code);
    form[3] = ("redirect_uri", "http://127.0.0.1:3000/callback");
    let (status, _, body) = token_request(&mock, &form).await;
    assert_error(status, &body, "invalid_grant");
    // The code was not burnt by the failed attempt.
    assert_eq!(exchange(&mock, &code).await.0, 200);
}

#[tokio::test]
async fn client_authentication_by_body_or_basic() {
    let mock = start().await;
    let code = code_for(&mock, "info", "john", "doe", &[], None).await;
    let mut form = code_form(&code);
    form[2] = ("client_secret", "wrong");
    let (status, _, body) = token_request(&mock, &form).await;
    assert_error(status, &body, "invalid_client");
    let mut form = code_form(&code);
    form[1] = ("client_id", "unknown-client");
    let (status, _, body) = token_request(&mock, &form).await;
    assert_error(status, &body, "invalid_client");
    let form = vec![
        ("grant_type", "authorization_code"),
        ("redirect_uri", REDIRECT),
        ("code", code.as_str()),
    ];
    let (status, _, body) = token_request(&mock, &form).await;
    assert_error(status, &body, "invalid_client");
    // HTTP Basic instead of body credentials.
    let basic = STANDARD.encode(format!("{DEMO_CLIENT_ID}:{DEMO_CLIENT_SECRET}"));
    let resp = client()
        .post(format!("{}/connect/token", mock.base_url()))
        .header("authorization", format!("Basic {basic}"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn pkce_s256_is_verified() {
    let mock = start().await;
    let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let pkce = [
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    let code = code_for(&mock, "info", "john", "doe", &pkce, None).await;
    let mut form = code_form(&code);
    let (status, _, body) = token_request(&mock, &form).await;
    assert_error(status, &body, "invalid_grant");
    form.push((
        "code_verifier",
        "the-wrong-verifier-the-wrong-verifier-12345",
    ));
    let (status, _, body) = token_request(&mock, &form).await;
    assert_error(status, &body, "invalid_grant");
    form.pop();
    form.push(("code_verifier", verifier));
    let (status, _, body) = token_request(&mock, &form).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn no_offline_access_means_no_refresh_token() {
    let mock = start().await;
    let tokens = tokens_for(&mock, "info accounts", "john", "doe", None).await;
    assert!(tokens.get("refresh_token").is_none(), "{tokens}");
}

#[tokio::test]
async fn refresh_rotates_the_refresh_token() {
    let mock = start().await;
    let tokens = tokens_for(&mock, "info offline_access", "john", "doe", None).await;
    let first = tokens["refresh_token"].as_str().unwrap();
    let (status, renewed) = refresh(&mock, first).await;
    assert_eq!(status, 200, "{renewed}");
    let second = renewed["refresh_token"].as_str().unwrap();
    assert_ne!(first, second);
    assert_ne!(renewed["access_token"], tokens["access_token"]);
    let (status, body) = refresh(&mock, first).await;
    assert_error(status, &body, "invalid_grant");
    assert_eq!(refresh(&mock, second).await.0, 200);
}

#[tokio::test]
async fn refresh_token_unused_for_30_days_is_refused() {
    let mock = start().await;
    let tokens = tokens_for(&mock, "info offline_access", "john", "doe", None).await;
    advance(&mock, None, "31d").await;
    let (status, body) = refresh(&mock, tokens["refresh_token"].as_str().unwrap()).await;
    assert_error(status, &body, "invalid_grant");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("30 days")
    );
}

#[tokio::test]
async fn refresh_token_used_early_keeps_working_until_90_days() {
    let mock = start().await;
    let tokens = tokens_for(&mock, "info offline_access", "john", "doe", None).await;
    advance(&mock, None, "1d").await;
    let (_, t) = refresh(&mock, tokens["refresh_token"].as_str().unwrap()).await;
    advance(&mock, None, "45d").await;
    let (status, t) = refresh(&mock, t["refresh_token"].as_str().unwrap()).await;
    assert_eq!(status, 200, "{t}");
    advance(&mock, None, "45d").await;
    let old_access = t["access_token"].as_str().unwrap();
    let (status, body) = refresh(&mock, t["refresh_token"].as_str().unwrap()).await;
    assert_error(status, &body, "invalid_grant");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("90-day")
    );
    let (status, _, body) = api_get(&mock, "/data/v1/me", old_access).await;
    assert_eq!(status, 403);
    assert_eq!(body["error"], "access_denied");
}

#[tokio::test]
async fn missing_parameters_and_unknown_grant_types() {
    let mock = start().await;
    let (status, _, body) = token_request(&mock, &[("client_id", DEMO_CLIENT_ID)]).await;
    assert_error(status, &body, "invalid_request");
    let (status, _, body) = token_request(
        &mock,
        &[
            ("grant_type", "password"),
            ("client_id", DEMO_CLIENT_ID),
            ("client_secret", DEMO_CLIENT_SECRET),
        ],
    )
    .await;
    assert_error(status, &body, "unsupported_grant_type");
    let (status, _, body) = token_request(
        &mock,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", DEMO_CLIENT_ID),
            ("client_secret", DEMO_CLIENT_SECRET),
            ("redirect_uri", REDIRECT),
        ],
    )
    .await;
    assert_error(status, &body, "invalid_request");
    let (status, _, body) = token_request(
        &mock,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", DEMO_CLIENT_ID),
            ("client_secret", DEMO_CLIENT_SECRET),
        ],
    )
    .await;
    assert_error(status, &body, "invalid_request");
}

#[tokio::test]
async fn json_bodies_are_accepted_and_malformed_ones_answer_400_json() {
    let mock = start().await;
    let code = code_for(&mock, "info", "john", "doe", &[], None).await;
    let url = format!("{}/connect/token", mock.base_url());
    let resp = client()
        .post(&url)
        .json(&serde_json::json!({
            "grant_type": "authorization_code", "client_id": DEMO_CLIENT_ID,
            "client_secret": DEMO_CLIENT_SECRET, "redirect_uri": REDIRECT, "code": code,
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let resp = client()
        .post(&url)
        .header("content-type", "application/json")
        .body("{\"grant_type\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert_eq!(resp.headers()["content-type"], "application/json");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request");
}

#[tokio::test]
async fn oversized_bodies_answer_413_json() {
    let mock = start().await;
    let resp = client()
        .post(format!("{}/connect/token", mock.base_url()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("grant_type={}", "a".repeat(70 * 1024)))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 413);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "payload_too_large");
}

#[tokio::test]
async fn the_access_token_verifies_against_the_jwks_with_truelayer_claims() {
    use jsonwebtoken::jwk::JwkSet;
    use jsonwebtoken::{Algorithm, DecodingKey, Validation};

    let mock = start().await;
    let tokens = tokens_for(&mock, "info accounts offline_access", "john", "doe", None).await;
    let config: Value = client()
        .get(format!(
            "{}/.well-known/openid-configuration",
            mock.base_url()
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let jwks: JwkSet = client()
        .get(config["jwks_uri"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = access_token(&tokens);
    let header = jsonwebtoken::decode_header(token).unwrap();
    assert_eq!(header.alg, Algorithm::RS256);
    let jwk = jwks
        .find(header.kid.as_deref().unwrap())
        .expect("kid in JWKS");
    let key = DecodingKey::from_jwk(jwk).unwrap();
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[mock.base_url()]);
    validation.set_issuer(&[mock.base_url()]);
    let claims = jsonwebtoken::decode::<Value>(token, &key, &validation)
        .unwrap()
        .claims;
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["nbf"].as_i64().unwrap(),
        3600
    );
    assert_eq!(claims["client_id"], DEMO_CLIENT_ID);
    assert_eq!(claims["connector_id"], "mock");
    assert_eq!(claims["idp"], "mock");
    assert_eq!(
        claims["scope"],
        serde_json::json!(["info", "accounts", "offline_access"])
    );
    for claim in ["sub", "auth_time", "credentials_key", "amr"] {
        assert!(claims.get(claim).is_some(), "missing {claim}");
    }
    // A tampered token is refused by the Data API.
    let mut forged = token.to_owned();
    forged.push('x');
    let (status, _, body) = api_get(&mock, "/data/v1/me", &forged).await;
    assert_eq!(status, 401);
    assert_eq!(body["error"], "invalid_token");
}
