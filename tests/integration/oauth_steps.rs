//! The OAuth steps through the real binary: the seed scenarios against the embedded mock,
//! each way of awaiting the code, the target guard, credentials, dry runs, and `-v` output
//! that never shows a token.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::support::{self, Project, reqwest};

fn repo_root() -> &'static std::path::Path {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn obflow_in_repo(args: &[&str]) -> support::Run {
    let output = Command::new(env!("CARGO_BIN_EXE_obflow"))
        .args(args)
        .current_dir(repo_root())
        .env("NO_COLOR", "1")
        .env("CI", "true")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("OBFLOW_CLIENT_ID")
        .env_remove("OBFLOW_CLIENT_SECRET")
        .stdin(Stdio::null())
        .output()
        .expect("run obflow");
    support::Run::from(output)
}

#[test]
fn every_seed_scenario_is_green_against_the_mock() {
    let out = obflow_in_repo(&["run", "scenarios"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let files = std::fs::read_dir(repo_root().join("scenarios"))
        .unwrap()
        .filter(|e| {
            let name = e.as_ref().unwrap().file_name();
            name.to_string_lossy().ends_with(".yaml")
        })
        .count();
    assert!(
        files >= 16,
        "one scenario per seed behaviour, found {files}"
    );
    assert_eq!(
        out.stdout.lines().last(),
        Some(format!("{files} passed, 0 failed").as_str()),
        "{}",
        out.stdout
    );
}

#[test]
fn verbose_output_of_the_seed_scenarios_holds_no_token() {
    let out = obflow_in_repo(&["run", "scenarios", "-v"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let all = format!("{}{}", out.stdout, out.stderr);
    assert!(all.contains("POST http://127.0.0.1"), "-v shows requests");
    // JWT access tokens start with a base64url JSON header.
    assert!(!all.contains("eyJ"), "a JWT leaked:\n{all}");
    assert!(!all.contains(obflow::protocol::DEMO_CLIENT_SECRET));
    for line in all.lines() {
        for field in ["code=", "refresh_token=", "client_secret=", "password="] {
            if let Some(rest) = line.split(field).nth(1) {
                assert!(rest.starts_with("***"), "`{field}` not redacted in: {line}");
            }
        }
        if line.contains("\"access_token\"") || line.contains("\"refresh_token\"") {
            assert!(line.contains("\"***\""), "token not redacted in: {line}");
        }
    }
}

#[test]
fn sandbox_without_credentials_exits_2_before_any_request() {
    let out = obflow_in_repo(&["run", "scenarios", "--target", "sandbox"]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("OBFLOW_CLIENT_ID"), "{}", out.stderr);
    assert!(out.stdout.is_empty(), "nothing ran: {}", out.stdout);
    let out = obflow_in_repo(&["run", "scenarios", "--target", "live"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("--allow-live"), "{}", out.stderr);
}

#[test]
fn a_request_to_another_environment_is_refused() {
    let project = Project::new();
    project.write(
        "cross.yaml",
        "name: crosses environments\nsteps:\n  - request:\n      url: https://api.truelayer-sandbox.com/data/v1/me\n",
    );
    let out = project.obflow(&["run", "cross.yaml"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("request refused"), "{}", out.stdout);
    assert!(out.stdout.contains("sandbox environment"), "{}", out.stdout);
    assert!(out.stdout.contains("cross.yaml:4:"), "{}", out.stdout);
}

#[test]
fn prompt_without_a_terminal_fails_at_once() {
    let project = Project::new();
    project.write(
        "prompt.yaml",
        "name: asks a human\nsteps:\n  - auth_link: {}\n  - await_code: { via: prompt }\n",
    );
    let started = std::time::Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_obflow"))
        .args(["run", "prompt.yaml"])
        .current_dir(project.path())
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let out = support::Run::from(output);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("needs a terminal"), "{}", out.stdout);
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn value_takes_the_code_from_a_template() {
    let project = Project::new();
    project.write(
        "value.yaml",
        r#"name: code from the environment
steps:
  - auth_link: {}
  - id: code
    await_code:
      via: value
      value: "{{ env.AUTH_CODE }}"
  - name: A made-up code is not one the mock issued
    exchange: {}
    expect:
      status: 400
      json: { $.error: invalid_grant }
"#,
    );
    let output = Command::new(env!("CARGO_BIN_EXE_obflow"))
        .args(["run", "value.yaml", "-v"])
        .current_dir(project.path())
        .env("NO_COLOR", "1")
        .env("AUTH_CODE", "made-up-code-123")
        .output()
        .unwrap();
    let out = support::Run::from(output);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        !out.stdout.contains("made-up-code-123"),
        "the code is a secret: {}",
        out.stdout
    );
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts `obflow run` on a `listen` scenario and returns the child and the auth link it
/// printed.
fn start_listening(project: &Project, port: u16, timeout: &str) -> (std::process::Child, String) {
    project.write(
        "listen.yaml",
        &format!(
            r#"name: a browser comes back
steps:
  - auth_link:
      redirect_uri: http://127.0.0.1:{port}/callback
  - await_code:
      via: listen
      timeout: {timeout}
    expect:
      json:
        $.code: browser-code-1
"#
        ),
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_obflow"))
        .args(["run", "listen.yaml"])
        .current_dir(project.path())
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut link = String::new();
    for line in BufReader::new(stderr).lines() {
        let line = line.unwrap();
        if line.trim_start().starts_with("http") {
            link = line.trim().to_owned();
            break;
        }
    }
    assert!(link.contains("state="), "the link is printed: {link}");
    (child, link)
}

fn state_of(link: &str) -> String {
    url::Url::parse(link)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned()
}

#[test]
fn listen_receives_the_redirect_from_a_real_http_client() {
    let project = Project::new();
    let port = free_port();
    let (child, link) = start_listening(&project, port, "20s");
    let state = state_of(&link);
    let page = reqwest::blocking_get(format!(
        "http://127.0.0.1:{port}/callback?code=browser-code-1&state={state}"
    ));
    assert_eq!(page.0, 200, "{}", page.1);
    assert!(page.1.contains("You can close this tab"), "{}", page.1);
    let out = support::Run::from(child.wait_with_output().unwrap());
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
}

#[test]
fn listen_rejects_a_redirect_with_the_wrong_state_or_none() {
    // With another state, with an empty one, or with none at all: the page says the step
    // failed, and it does.
    for query in ["state=forged", "state=", ""] {
        let project = Project::new();
        let port = free_port();
        let (child, _link) = start_listening(&project, port, "20s");
        let page = reqwest::blocking_get(format!(
            "http://127.0.0.1:{port}/callback?code=browser-code-1&{query}"
        ));
        assert_eq!(page.0, 400, "{query}: {}", page.1);
        assert!(
            page.1.contains("The step has failed"),
            "{query}: {}",
            page.1
        );
        let out = support::Run::from(child.wait_with_output().unwrap());
        assert_eq!(out.code, 1, "{query}: {}", out.stdout);
        assert!(
            out.stdout.contains("`state` does not match"),
            "{query}: {}",
            out.stdout
        );
    }
}

#[test]
fn listen_times_out_when_nobody_comes_back() {
    let project = Project::new();
    let port = free_port();
    let (child, _link) = start_listening(&project, port, "300ms");
    let out = support::Run::from(child.wait_with_output().unwrap());
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(
        out.stdout.contains("no redirect came back"),
        "{}",
        out.stdout
    );
}

#[test]
fn dry_run_prints_requests_and_sends_none() {
    let project = Project::new();
    project.write(
        "dry.yaml",
        r#"name: dry
steps:
  - request:
      method: POST
      url: http://127.0.0.1:1/never
      form: { client_secret: shh-very-secret, a: b }
  - auth_link: {}
  - await_code: {}
  - exchange: {}
  - accounts: {}
"#,
    );
    let out = project.obflow(&["run", "dry.yaml", "--dry-run"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("POST http://127.0.0.1:1/never"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("client_secret=***&a=b"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("/connect/token"), "{}", out.stdout);
    assert!(out.stdout.contains("dry run: not sent"), "{}", out.stdout);
    assert!(!out.stdout.contains("shh-very-secret"));
}

#[test]
fn dry_run_shows_placeholders_for_what_only_a_run_knows() {
    let project = Project::new();
    project.write(
        "dry.yaml",
        r#"name: dry placeholders
steps:
  - id: list
    request: { url: "{{ target.api_url }}/things" }
    capture:
      ids: { jsonpath: "$.items[*].id", all: true }
  - id: each
    for_each: "{{ ids }}"
    as: id
    request: { url: "{{ target.api_url }}/things/{{ id }}?first={{ steps.list.json.items[0].id }}" }
  - id: sum
    request: { url: "{{ target.api_url }}/n/{{ steps.list.json.count + 1 }}" }
"#,
    );
    let out = project.obflow(&["run", "dry.yaml", "--dry-run"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    // The list is not known: the step is shown once, for an item marked unknown.
    assert!(
        out.stdout
            .contains("step each[?] <id: the list is known only at run time> (request) ok"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("/things/%3Cid%3E?first=%3Csteps.list.json.items[0].id%3E")
            || out
                .stdout
                .contains("/things/<id>?first=<steps.list.json.items[0].id>"),
        "{}",
        out.stdout
    );
    // What cannot be rendered from a placeholder is said, not failed.
    assert!(out.stdout.contains("(not rendered: "), "{}", out.stdout);
    assert!(
        out.stdout.ends_with("1 passed, 0 failed\n"),
        "{}",
        out.stdout
    );
}

/// Kills the standalone mock when the test ends, pass or fail.
struct Standalone(std::process::Child);

impl Drop for Standalone {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_custom_target_runs_against_a_standalone_mock() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_obflow"))
        .args(["mock", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let _guard = Standalone(child);
    let mut first = String::new();
    BufReader::new(stdout).read_line(&mut first).unwrap();
    let base = first.trim().rsplit(' ').next().unwrap().to_owned();
    assert!(base.starts_with("http://127.0.0.1:"), "{first}");

    let project = Project::new();
    project.write(
        "obflow.yaml",
        &format!("targets:\n  local-mock:\n    auth_url: {base}\n    mock: true\n"),
    );
    let flows = repo_root().join("scenarios/_flows/connect.yaml");
    project.write(
        "_flows/connect.yaml",
        &std::fs::read_to_string(flows).unwrap(),
    );
    let scenario = repo_root().join("scenarios/access_token_expiry_and_refresh.yaml");
    project.write("expiry.yaml", &std::fs::read_to_string(scenario).unwrap());
    let out = project.obflow(&["run", "expiry.yaml", "--target", "local-mock", "-v"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains(&format!("POST {base}/connect/token")),
        "{}",
        out.stdout
    );
    let out = project.obflow(&["run", "expiry.yaml", "--target", "local-mok"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("did you mean `local-mock`?"),
        "{}",
        out.stderr
    );
}
