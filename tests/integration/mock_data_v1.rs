//! The rest of Data API v1 over loopback HTTP: `/info`, pending transactions, standing
//! orders, direct debits, cards; `from`/`to` filtering and its errors; the throttled user's
//! 429; and the fidelity points around them (the chosen bank in the token and Signup+,
//! `/me` after an extension, error descriptions, 404s with a correlation id).

use crate::mock_support::*;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

const EVERY_DATA_SCOPE: &str =
    "info accounts balance transactions cards direct_debits standing_orders offline_access";

fn ids(body: &Value, key: &str) -> Vec<String> {
    body["results"]
        .as_array()
        .unwrap_or_else(|| panic!("no results: {body}"))
        .iter()
        .map(|r| r[key].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn every_new_route_answers_in_the_envelope_with_a_correlation_id() {
    let mock = start().await;
    let tokens = tokens_for(&mock, EVERY_DATA_SCOPE, "john", "doe", None).await;
    let token = access_token(&tokens);
    for path in [
        "/data/v1/info",
        "/data/v1/accounts/acc-john-current/transactions/pending",
        "/data/v1/accounts/acc-john-current/standing_orders",
        "/data/v1/accounts/acc-john-current/direct_debits",
        "/data/v1/cards",
        "/data/v1/cards/card-john-credit",
        "/data/v1/cards/card-john-credit/balance",
        "/data/v1/cards/card-john-credit/transactions",
        "/data/v1/cards/card-john-credit/transactions/pending",
    ] {
        let (status, headers, body) = api_get(&mock, path, token).await;
        assert_eq!(status, 200, "{path}: {body}");
        assert!(headers.contains_key("x-tl-correlation-id"), "{path}");
        assert_eq!(body["status"], "Succeeded", "{path}");
        assert!(!body["results"].as_array().unwrap().is_empty(), "{path}");
    }

    let (_, _, info) = api_get(&mock, "/data/v1/info", token).await;
    let i = &info["results"][0];
    assert_eq!(i["full_name"], "John Doe");
    assert_eq!(i["addresses"][0]["country"], "GB");
    assert_eq!(i["emails"][0], "john.doe@example.com");
    assert!(i["phones"][0].is_string());
    assert!(i["update_timestamp"].is_string());

    let (_, _, pending) = api_get(
        &mock,
        "/data/v1/accounts/acc-john-current/transactions/pending",
        token,
    )
    .await;
    assert_eq!(ids(&pending, "transaction_id"), ["txn-john-pending-1"]);
    assert_eq!(pending["results"][0]["currency"], "GBP");

    let (_, _, orders) = api_get(
        &mock,
        "/data/v1/accounts/acc-john-current/standing_orders",
        token,
    )
    .await;
    let o = &orders["results"][0];
    assert_eq!(o["frequency"], "IntrvlMnthDay:01:15");
    assert_eq!(o["status"], "Active");
    assert_eq!(o["next_payment_amount"], 200.0);
    assert_eq!(o["meta"]["provider_account_id"], "12345678");
    assert!(o.get("final_payment_date").is_none(), "absent, not null");

    let (_, _, debits) = api_get(
        &mock,
        "/data/v1/accounts/acc-john-current/direct_debits",
        token,
    )
    .await;
    let d = &debits["results"][0];
    assert_eq!(d["direct_debit_id"], "dd-john-council-tax");
    assert_eq!(d["name"], "CITY COUNCIL");
    assert_eq!(
        d["meta"]["provider_mandate_identification"],
        "COUNCILTAX-0001"
    );

    let (_, _, card) = api_get(&mock, "/data/v1/cards/card-john-credit", token).await;
    let c = &card["results"][0];
    assert_eq!(c["card_network"], "VISA");
    assert_eq!(c["card_type"], "CREDIT");
    assert_eq!(c["partial_card_number"], "4321");
    assert_eq!(c["provider"]["provider_id"], "mock");

    let (_, _, balance) = api_get(&mock, "/data/v1/cards/card-john-credit/balance", token).await;
    let b = &balance["results"][0];
    assert_eq!(b["credit_limit"], 3000.0);
    assert_eq!(b["payment_due_date"], "2024-05-20");

    let (_, _, card_txs) =
        api_get(&mock, "/data/v1/cards/card-john-credit/transactions", token).await;
    assert_eq!(
        ids(&card_txs, "transaction_id"),
        ["txn-card-john-1", "txn-card-john-2"]
    );
}

#[tokio::test]
async fn each_route_needs_its_scope() {
    let mock = start().await;
    // Every scope but the one each route needs is not enough; `accounts` alone is the
    // control that the token works.
    let tokens = tokens_for(&mock, "accounts", "john", "doe", None).await;
    let token = access_token(&tokens);
    assert_eq!(api_get(&mock, "/data/v1/accounts", token).await.0, 200);
    for (path, scope) in [
        ("/data/v1/info", "info"),
        (
            "/data/v1/accounts/acc-john-current/transactions/pending",
            "transactions",
        ),
        (
            "/data/v1/accounts/acc-john-current/standing_orders",
            "standing_orders",
        ),
        (
            "/data/v1/accounts/acc-john-current/direct_debits",
            "direct_debits",
        ),
        ("/data/v1/cards", "cards"),
        ("/data/v1/cards/card-john-credit", "cards"),
        ("/data/v1/cards/card-john-credit/balance", "balance"),
        (
            "/data/v1/cards/card-john-credit/transactions",
            "transactions",
        ),
        (
            "/data/v1/cards/card-john-credit/transactions/pending",
            "transactions",
        ),
    ] {
        let (status, headers, body) = api_get(&mock, path, token).await;
        assert_eq!(status, 403, "{path}");
        assert_eq!(body["error"], "insufficient_scope", "{path}");
        assert!(
            body["error_description"].as_str().unwrap().contains(scope),
            "{path}: {body}"
        );
        assert!(headers.contains_key("x-tl-correlation-id"), "{path}");
    }
}

#[tokio::test]
async fn an_unknown_card_is_404_and_an_unknown_route_has_a_correlation_id() {
    let mock = start().await;
    let tokens = tokens_for(&mock, EVERY_DATA_SCOPE, "john", "doe", None).await;
    for path in [
        "/data/v1/cards/card-nope",
        "/data/v1/cards/card-nope/balance",
        "/data/v1/cards/card-nope/transactions/pending",
        "/data/v1/accounts/acc-nope/standing_orders",
    ] {
        let (status, headers, body) = api_get(&mock, path, access_token(&tokens)).await;
        assert_eq!(status, 404, "{path}");
        assert_eq!(body["error"], "account_not_found");
        assert!(headers.contains_key("x-tl-correlation-id"));
        // Described in plain quotes, never with Rust's `\"` escapes.
        let description = body["error_description"].as_str().unwrap();
        assert!(!description.contains('"'), "{description}");
        assert!(description.contains("'card-nope'") || description.contains("'acc-nope'"));
    }
    let (status, headers, body) = api_get(&mock, "/data/v1/nothing-here", "x").await;
    assert_eq!(status, 404);
    assert_eq!(body["error"], "not_found");
    assert!(headers.contains_key("x-tl-correlation-id"));
}

#[tokio::test]
async fn from_and_to_select_transactions_and_bad_ranges_are_400() {
    let mock = start().await;
    let tokens = tokens_for(&mock, EVERY_DATA_SCOPE, "john", "doe", None).await;
    let token = access_token(&tokens);
    let path = "/data/v1/accounts/acc-john-current/transactions";
    let get = |query: &'static str| {
        let mock = &mock;
        async move { api_get(mock, &format!("{path}{query}"), token).await }
    };
    let (status, _, all) = get("").await;
    assert_eq!(status, 200);
    assert_eq!(ids(&all, "transaction_id").len(), 5);
    // A bare `to` date includes the whole of that day.
    let (_, _, april) = get("?from=2024-04-01&to=2024-04-30").await;
    assert_eq!(ids(&april, "transaction_id"), ["txn-john-3", "txn-john-4"]);
    let (_, _, since) = get("?from=2024-04-15T12:00:00Z").await;
    assert_eq!(ids(&since, "transaction_id"), ["txn-john-4", "txn-john-5"]);
    let (_, _, until) = get("?to=2024-03-01T10:00:00").await;
    assert_eq!(ids(&until, "transaction_id"), ["txn-john-1"]);
    let (_, _, none) = get("?from=2020-01-01&to=2020-12-31").await;
    assert_eq!(none["results"], json!([]));
    // Card transactions filter the same way.
    let (_, _, card) = api_get(
        &mock,
        "/data/v1/cards/card-john-credit/transactions?from=2024-05-01",
        token,
    )
    .await;
    assert_eq!(ids(&card, "transaction_id"), ["txn-card-john-2"]);

    for (query, says) in [
        ("?from=yesterday", "not a date"),
        ("?to=2024-02-30", "not a date"),
        ("?from=2024-05-01&to=2024-04-01", "after"),
        ("?from=2999-01-01", "future"),
        ("?from=2999-01-01&to=2999-02-01", "future"),
    ] {
        let (status, headers, body) = get(query).await;
        assert_eq!(status, 400, "{query}: {body}");
        assert_eq!(body["error"], "invalid_date_range", "{query}");
        assert!(body["error_details"].is_object());
        assert!(headers.contains_key("x-tl-correlation-id"));
        let description = body["error_description"].as_str().unwrap();
        assert!(description.contains(says), "{query}: {description}");
        assert!(!description.contains('"'), "{description}");
    }
}

#[tokio::test]
async fn the_throttled_user_gets_429_with_retry_after_then_succeeds() {
    let mock = start().await;
    let tokens = tokens_for(&mock, EVERY_DATA_SCOPE, "throttled", "throttled", None).await;
    let token = access_token(&tokens);
    // `/me` does not reach the bank, so it is never throttled.
    assert_eq!(api_get(&mock, "/data/v1/me", token).await.0, 200);
    for _ in 0..2 {
        let (status, headers, body) = api_get(&mock, "/data/v1/accounts", token).await;
        assert_eq!(status, 429);
        assert_eq!(body["error"], "provider_too_many_requests");
        assert_eq!(headers["retry-after"], "1");
        assert!(headers.contains_key("x-tl-correlation-id"));
    }
    let (status, _, body) = api_get(&mock, "/data/v1/accounts", token).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(ids(&body, "account_id")[0], "acc-john-current");
    // A new connection of the same user starts its own count.
    let again = tokens_for(&mock, EVERY_DATA_SCOPE, "throttled", "throttled", None).await;
    let (status, _, _) = api_get(&mock, "/data/v1/cards", access_token(&again)).await;
    assert_eq!(status, 429);
}

fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

#[tokio::test]
async fn the_bank_chosen_is_in_the_token_me_and_signup_plus() {
    let mock = start().await;
    let mock_bank = tokens_for(&mock, "info accounts signupplus", "joe", "blogs", None).await;
    assert_eq!(claims(access_token(&mock_bank))["connector_id"], "mock");
    // Through the Mock bank, Joe's fixture bank (Monzo) stands in, as in the seed.
    let (_, _, joe) = api_get(&mock, "/signup-plus/accounts", access_token(&mock_bank)).await;
    assert_eq!(joe["account_details"]["provider_id"], "ob-monzo");

    let code = code_for(
        &mock,
        "info accounts signupplus",
        "joe",
        "blogs",
        &[("providers", "uk-ob-all"), ("provider_id", "ob-barclays")],
        None,
    )
    .await;
    let (status, tokens) = exchange(&mock, &code).await;
    assert_eq!(status, 200, "{tokens}");
    let token = access_token(&tokens);
    assert_eq!(claims(token)["connector_id"], "ob-barclays");
    let (_, _, me) = api_get(&mock, "/data/v1/me", token).await;
    assert_eq!(me["results"][0]["provider"]["provider_id"], "ob-barclays");
    let (_, _, joe) = api_get(&mock, "/signup-plus/accounts", token).await;
    assert_eq!(joe["account_details"]["provider_id"], "ob-barclays");
}

#[tokio::test]
async fn an_extension_moves_consent_status_updated_at() {
    let mock = start().await;
    let tokens = tokens_for(&mock, EVERY_DATA_SCOPE, "john", "eternal", None).await;
    let (_, _, before) = api_get(&mock, "/data/v1/me", access_token(&tokens)).await;
    advance(&mock, None, "10d").await;
    let resp = client()
        .post(format!("{}/connections/extend", mock.base_url()))
        .json(&json!({
            "client_id": obflow::protocol::DEMO_CLIENT_ID,
            "client_secret": obflow::protocol::DEMO_CLIENT_SECRET,
            "refresh_token": tokens["refresh_token"],
            "redirect_uri": REDIRECT,
            "user_has_reconfirmed_consent": true,
            "user": {"id": "u1", "name": "John Doe", "email": "john@example.com"},
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let extended: Value = resp.json().await.unwrap();
    assert_eq!(extended["action_needed"], "no_action_needed");
    let (_, _, after) = api_get(&mock, "/data/v1/me", access_token(&extended)).await;
    let field = |v: &Value, k: &str| v["results"][0][k].as_str().unwrap().to_owned();
    assert_ne!(
        field(&before, "consent_status_updated_at"),
        field(&after, "consent_status_updated_at")
    );
    assert_eq!(
        field(&after, "consent_status_updated_at"),
        field(&after, "consent_created_at")
    );
}

#[tokio::test]
async fn token_errors_are_never_cached() {
    let mock = start().await;
    let (status, headers, body) = token_request(
        &mock,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", obflow::protocol::DEMO_CLIENT_ID),
            ("client_secret", obflow::protocol::DEMO_CLIENT_SECRET),
            ("redirect_uri", REDIRECT),
            ("code", "no-such-code"),
        ],
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_grant");
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(headers["pragma"], "no-cache");
}
