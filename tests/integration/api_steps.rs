//! The Data API steps beyond accounts (`info`, `cards`, `card`, `card_balance`,
//! `card_transactions`, `pending_transactions`, `standing_orders`, `direct_debits`) through
//! the real binary: they call their routes with the session's token, succeed by default only
//! on 2xx, pass an expected failure written in `expect`, and the loader refuses a step
//! without the id its route needs, located at the step.

use crate::support::Project;

const CONNECT: &str = r#"
  - auth_link:
      scope: [info, accounts, balance, transactions, cards, standing_orders, direct_debits]
  - await_code: { via: auto, user: john }
  - exchange: {}
"#;

fn scenario(steps: &str) -> String {
    format!("name: api steps\nsteps:{CONNECT}{steps}")
}

#[test]
fn every_new_step_calls_its_route_with_the_session_token() {
    let project = Project::new();
    let file = project.write(
        "s.yaml",
        &scenario(
            r#"
  - info: {}
    expect: { json: { "$.results[0].full_name": John Doe } }
  - cards: {}
    capture: { card_id: "$.results[0].account_id" }
  - card: { card_id: "{{ card_id }}" }
    expect: { json: { "$.results[0].card_type": CREDIT } }
  - card_balance: { card_id: "{{ card_id }}" }
    expect: { json: { "$.results[0].credit_limit": 3000.0 } }
  - card_transactions: { card_id: "{{ card_id }}", from: "2024-05-01", to: "2024-05-31" }
    expect: { json: { "$.results": { length: 1 }, "$.results[0].transaction_id": txn-card-john-2 } }
  - pending_transactions: { card_id: "{{ card_id }}" }
    expect: { json: { "$.results[0].transaction_id": txn-card-john-pending-1 } }
  - pending_transactions: { account_id: acc-john-current }
    expect: { json: { "$.results[0].transaction_id": txn-john-pending-1 } }
  - standing_orders: { account_id: acc-john-current }
    expect: { json: { "$.results[0].reference": SAVINGS } }
  - direct_debits: { account_id: acc-john-current }
    expect: { json: { "$.results[0].direct_debit_id": dd-john-council-tax } }
  - transactions: { account_id: acc-john-current, from: "2024-04-01", to: "2024-04-30" }
    expect: { json: { "$.results": { length: 2 } } }
"#,
        ),
    );
    let run = project.obflow(&["run", file.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("1 passed, 0 failed"), "{}", run.stdout);
}

#[test]
fn a_new_step_without_expect_fails_on_an_error_and_passes_when_the_error_is_expected() {
    let project = Project::new();
    let failing = project.write(
        "failing.yaml",
        &scenario("\n  - card: { card_id: card-nope }\n"),
    );
    let run = project.obflow(&["run", failing.to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("card succeeded"), "{}", run.stdout);
    assert!(
        // The error answer's own words follow its code.
        run.stdout
            .contains("404 (account_not_found: card 'card-nope' was not found)"),
        "{}",
        run.stdout
    );

    let expected = project.write(
        "expected.yaml",
        &scenario(
            r#"
  - card: { card_id: card-nope }
    expect: { status: 404, json: { "$.error": account_not_found } }
  - transactions: { account_id: acc-john-current, from: "2024-05-01", to: "2024-04-01" }
    expect: { status: 400, json: { "$.error": invalid_date_range } }
"#,
        ),
    );
    let run = project.obflow(&["run", expected.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
}

#[test]
fn the_loader_refuses_a_step_without_the_id_its_route_needs() {
    let project = Project::new();
    for (step, says, line_col) in [
        ("card: {}", "`card` needs a `card_id`", "s.yaml:3:"),
        (
            "card_balance: {}",
            "`card_balance` needs a `card_id`",
            "s.yaml:3:",
        ),
        (
            "card_transactions: { account_id: a }",
            "`card_transactions` takes a `card_id`, not an `account_id`",
            "s.yaml:3:",
        ),
        (
            "standing_orders: {}",
            "`standing_orders` needs an `account_id`",
            "s.yaml:3:",
        ),
        (
            "direct_debits: {}",
            "`direct_debits` needs an `account_id`",
            "s.yaml:3:",
        ),
        (
            "balance: { account_id: a, card_id: c }",
            "`balance` takes no `card_id`",
            "s.yaml:3:",
        ),
        (
            "pending_transactions: {}",
            "needs either an `account_id` or a `card_id`, not neither",
            "s.yaml:3:",
        ),
        (
            "pending_transactions: { account_id: a, card_id: c }",
            "not both",
            "s.yaml:3:",
        ),
        (
            "cards: { card_id: c }",
            "`cards` takes no `card_id`",
            "s.yaml:3:",
        ),
    ] {
        let file = project.write("s.yaml", &format!("name: ids\nsteps:\n  - {step}\n"));
        let run = project.obflow(&["check", file.to_str().unwrap()]);
        assert_eq!(run.code, 2, "{step}: {}{}", run.stdout, run.stderr);
        let all = format!("{}{}", run.stdout, run.stderr);
        assert!(all.contains(says), "{step}: {all}");
        assert!(all.contains(line_col), "{step}: {all}");
    }
}

/// The seed scenario for the throttled user: the 429 is seen, and `retry` gets through on
/// the second attempt (the connection's second refusal, then a success).
#[test]
fn retry_gets_through_the_throttled_users_429() {
    let project = Project::new();
    let report = project.path().join("report.json");
    // From the repository, so the scenario finds its committed snapshot.
    let run = crate::support::obflow_in(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")),
        &[
            "run",
            "scenarios/provider_too_many_requests_retry.yaml",
            "--report-json",
            report.to_str().unwrap(),
            "--snapshots",
            "check",
        ],
        &[],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(report).unwrap()).unwrap();
    let steps = report["scenarios"][0]["steps"].as_array().unwrap();
    let attempts = |label: &str| {
        steps
            .iter()
            .find(|s| s["label"] == label)
            .map(|s| s["attempts"].as_u64().unwrap())
    };
    assert_eq!(attempts("too_many_requests"), Some(1));
    assert_eq!(attempts("accounts"), Some(2));
}
