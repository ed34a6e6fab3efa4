//! Data API v1 and Signup+: envelopes, scopes, errors, the `error.*` users.

use crate::mock_support::*;
use serde_json::Value;

#[tokio::test]
async fn me_and_accounts_use_the_envelope_and_a_correlation_id() {
    let mock = start().await;
    let tokens = tokens_for(&mock, ALL_SCOPES, "john", "doe", None).await;
    let token = access_token(&tokens);
    let (status, headers, me) = api_get(&mock, "/data/v1/me", token).await;
    assert_eq!(status, 200);
    assert!(headers.contains_key("x-tl-correlation-id"));
    assert_eq!(me["status"], "Succeeded");
    let m = &me["results"][0];
    assert_eq!(m["client_id"], obflow::protocol::DEMO_CLIENT_ID);
    assert_eq!(m["consent_status"], "Authorised");
    assert_eq!(m["provider"]["provider_id"], "mock");
    assert_eq!(m["scopes"].as_array().unwrap().len(), 6);
    let created = time::OffsetDateTime::parse(
        m["consent_created_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let expires = time::OffsetDateTime::parse(
        m["consent_expires_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert_eq!((expires - created).whole_days(), 90);

    let (status, _, accounts) = api_get(&mock, "/data/v1/accounts", token).await;
    assert_eq!(status, 200);
    assert_eq!(accounts["status"], "Succeeded");
    let list = accounts["results"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["account_id"], "acc-john-current");
    assert_eq!(list[0]["account_type"], "TRANSACTION");
    assert!(list[0]["account_number"]["sort_code"].is_string());
    assert_eq!(list[0]["provider"]["display_name"], "Mock Bank");

    let (status, _, one) = api_get(&mock, "/data/v1/accounts/acc-john-savings", token).await;
    assert_eq!(status, 200);
    assert_eq!(one["results"][0]["account_type"], "SAVINGS");
    let (status, _, bal) =
        api_get(&mock, "/data/v1/accounts/acc-john-current/balance", token).await;
    assert_eq!(status, 200);
    assert_eq!(bal["results"][0]["currency"], "GBP");
    assert_eq!(bal["results"][0]["available"], 2012.44);
    let (status, _, txs) = api_get(
        &mock,
        "/data/v1/accounts/acc-john-current/transactions",
        token,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(txs["results"].as_array().unwrap().len(), 5);
    assert_eq!(txs["results"][1]["amount"], -56.78);
}

#[tokio::test]
async fn unknown_account_is_404_account_not_found() {
    let mock = start().await;
    let tokens = tokens_for(&mock, ALL_SCOPES, "john", "doe", None).await;
    for path in [
        "/data/v1/accounts/acc-nope",
        "/data/v1/accounts/acc-nope/balance",
        "/data/v1/accounts/acc-nope/transactions",
    ] {
        let (status, headers, body) = api_get(&mock, path, access_token(&tokens)).await;
        assert_eq!(status, 404, "{path}");
        assert_eq!(body["error"], "account_not_found");
        assert!(body["error_details"].is_object());
        assert!(headers.contains_key("x-tl-correlation-id"));
    }
}

#[tokio::test]
async fn missing_bad_and_expired_tokens_are_401() {
    let mock = start().await;
    let resp = client()
        .get(format!("{}/data/v1/accounts", mock.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert!(resp.headers().contains_key("www-authenticate"));
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "unauthorized");
    let (status, _, body) = api_get(&mock, "/data/v1/accounts", "not-a-jwt").await;
    assert_eq!(status, 401);
    assert_eq!(body["error"], "invalid_token");
    let tokens = tokens_for(&mock, "info accounts", "john", "doe", None).await;
    advance(&mock, None, "61m").await;
    let (status, _, body) = api_get(&mock, "/data/v1/accounts", access_token(&tokens)).await;
    assert_eq!(status, 401);
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("expired")
    );
}

#[tokio::test]
async fn a_missing_scope_is_403_insufficient_scope() {
    let mock = start().await;
    let tokens = tokens_for(&mock, "info", "john", "doe", None).await;
    let token = access_token(&tokens);
    assert_eq!(api_get(&mock, "/data/v1/me", token).await.0, 200);
    for path in [
        "/data/v1/accounts",
        "/data/v1/accounts/acc-john-current/balance",
        "/data/v1/accounts/acc-john-current/transactions",
    ] {
        let (status, _, body) = api_get(&mock, path, token).await;
        assert_eq!(status, 403, "{path}");
        assert_eq!(body["error"], "insufficient_scope");
    }
}

#[tokio::test]
async fn error_users_log_in_but_every_data_call_fails() {
    let mock = start().await;
    let cases = [
        ("error.internal_error", 500, "internal_server_error"),
        ("error.provider_error", 503, "provider_error"),
        (
            "error.account_permanently_locked",
            403,
            "account_permanently_locked",
        ),
        (
            "error.account_temporarily_locked",
            403,
            "account_temporarily_locked",
        ),
        ("error.user_input_required", 403, "user_input_required"),
        ("error.wrong_credentials", 403, "wrong_credentials"),
    ];
    for (user, status, error) in cases {
        let tokens = tokens_for(&mock, ALL_SCOPES, user, "error", None).await;
        for path in ["/data/v1/me", "/data/v1/accounts"] {
            let (s, _, body) = api_get(&mock, path, access_token(&tokens)).await;
            assert_eq!(s, status, "{user} {path}");
            assert_eq!(body["error"], error, "{user} {path}");
        }
        let (s, headers, _) = api_get(&mock, "/signup-plus/accounts", access_token(&tokens)).await;
        assert_eq!(s, status, "{user} signup+");
        assert_eq!(headers["content-type"], "application/problem+json");
    }
}

#[tokio::test]
async fn signup_plus_single_account_is_joe_blogs() {
    let mock = start().await;
    let tokens = tokens_for(&mock, "info signupplus", "joe", "blogs", None).await;
    let (status, headers, body) =
        api_get(&mock, "/signup-plus/accounts", access_token(&tokens)).await;
    assert_eq!(status, 200);
    assert!(headers.contains_key("x-tl-correlation-id"));
    insta::with_settings!({sort_maps => true}, {
        insta::assert_json_snapshot!(body, @r#"
        {
          "account_details": {
            "account_number": "41921234",
            "iban": "GB71MONZ04435141923452",
            "provider_id": "ob-monzo",
            "sort_code": "04-01-02"
          },
          "address": {
            "address_line1": "Flat 1a",
            "address_line2": "Angels Court, Foxtrot Street",
            "city": "Stockport",
            "country_code": "GB",
            "state": "Edgeley",
            "zip": "SK3 9LQ"
          },
          "date_of_birth": "2000-06-20",
          "first_name": "Joe",
          "last_name": "Blogs",
          "title": "Mr"
        }
        "#);
    });
}

#[tokio::test]
async fn signup_plus_multiple_accounts_then_one_by_account_id() {
    let mock = start().await;
    let tokens = tokens_for(&mock, "info signupplus", "multi", "accounts", None).await;
    let token = access_token(&tokens);
    let (status, _, body) = api_get(&mock, "/signup-plus/accounts", token).await;
    assert_eq!(status, 200);
    let base = mock.base_url().to_owned();
    // Keys sorted: the snapshot is about content, not the order the mock writes keys in.
    insta::with_settings!({sort_maps => true, filters => vec![(base.as_str(), "[base]")]}, {
        insta::assert_json_snapshot!(body, @r#"
        {
          "accounts": [
            {
              "account_id": "acc-aa360adff0f1574e1",
              "account_number": "10000000",
              "account_type": "CURRENT",
              "currency": "GBP",
              "display_name": "TRANSACTION ACCOUNT 1",
              "sort_code": "01-21-31"
            },
            {
              "account_id": "acc-8232b085624e6babf",
              "account_number": "30000000",
              "account_type": "CURRENT",
              "currency": "GBP",
              "display_name": "TRANSACTION ACCOUNT 2",
              "sort_code": "01-21-31"
            },
            {
              "account_id": "acc-469b2c2bcaea10969",
              "account_number": "50000000",
              "account_type": "CURRENT",
              "currency": "GBP",
              "display_name": "TRANSACTION ACCOUNT 3",
              "sort_code": "01-21-31"
            }
          ],
          "detail": "Multiple valid accounts linked, please resend the request specifying an account_id.",
          "links": {
            "acc-469b2c2bcaea10969": "[base]/signup-plus/accounts?account_id=acc-469b2c2bcaea10969",
            "acc-8232b085624e6babf": "[base]/signup-plus/accounts?account_id=acc-8232b085624e6babf",
            "acc-aa360adff0f1574e1": "[base]/signup-plus/accounts?account_id=acc-aa360adff0f1574e1"
          },
          "result": "multiple_accounts_linked"
        }
        "#);
    });
    // Follow a link exactly as given.
    let link = body["links"]["acc-8232b085624e6babf"].as_str().unwrap();
    let resp = client().get(link).bearer_auth(token).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let one: Value = resp.json().await.unwrap();
    assert_eq!(one["account_id"], "acc-8232b085624e6babf");
    assert_eq!(one["account_details"]["account_number"], "30000000");
    assert_eq!(one["first_name"], "Jane");
}

#[tokio::test]
async fn signup_plus_errors_are_problem_json() {
    let mock = start().await;
    let tokens = tokens_for(&mock, "info signupplus", "multi", "accounts", None).await;
    let token = access_token(&tokens);
    let (status, headers, body) =
        api_get(&mock, "/signup-plus/accounts?account_id=acc-nope", token).await;
    assert_eq!(status, 400);
    assert_eq!(headers["content-type"], "application/problem+json");
    assert_eq!(body["title"], "Invalid Parameters");
    assert_eq!(body["status"], 400);
    for key in ["type", "detail", "trace_id"] {
        assert!(body[key].is_string(), "{key}");
    }
    let (status, _, body) = api_get(&mock, "/signup-plus/accounts", "garbage").await;
    assert_eq!(status, 401);
    assert_eq!(body["title"], "Unauthorized");
    let no_scope = tokens_for(&mock, "info accounts", "joe", "blogs", None).await;
    let (status, _, body) = api_get(&mock, "/signup-plus/accounts", access_token(&no_scope)).await;
    assert_eq!(status, 403);
    assert_eq!(body["title"], "Forbidden");
    for (user, pass, title) in [
        ("nodata", "nodata", "User Data Not Found"),
        ("joint", "joint", "Joint Accounts Not Supported"),
    ] {
        let t = tokens_for(&mock, "signupplus", user, pass, None).await;
        let (status, _, body) = api_get(&mock, "/signup-plus/accounts", access_token(&t)).await;
        assert_eq!(status, 422, "{user}");
        assert_eq!(body["title"], title);
    }
    // Consent expired: 403 Forbidden.
    advance(&mock, None, "90d").await;
    let (status, _, body) = api_get(&mock, "/signup-plus/accounts", token).await;
    assert_eq!(status, 403);
    assert_eq!(body["title"], "Forbidden");
}

#[tokio::test]
async fn country_field_option_renames_the_address_key() {
    let yaml = include_str!("../../src/mock/default-fixtures.yaml").replace(
        "address_country_field: country_code",
        "address_country_field: country",
    );
    let mut opts = obflow::mock::MockOptions::loopback();
    opts.fixtures = obflow::mock::Fixtures::from_yaml(&yaml, "test").unwrap();
    let mock = obflow::mock::start(opts).await.unwrap();
    let tokens = tokens_for(&mock, "signupplus", "joe", "blogs", None).await;
    let (_, _, body) = api_get(&mock, "/signup-plus/accounts", access_token(&tokens)).await;
    assert_eq!(body["address"]["country"], "GB");
    assert!(body["address"].get("country_code").is_none());
}
