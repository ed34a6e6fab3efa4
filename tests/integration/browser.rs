//! `await_code: { via: browser }` through the real binary and a real headless Chromium:
//! the mock's form dialog and its script-built one (embedded, and a standalone
//! `obflow mock --dialog js`), bank selection, consent, login, `form_post`, a declined
//! consent, a forced failure's screenshot and page text, a canary typed into the browser,
//! plans refused at load, and a missing browser. Each test runs all its scenarios in one
//! `obflow run`, so one browser serves them. Without a browser these tests fail, with the
//! hint: CI installs Chromium (`.ci/run`), and they are never skipped.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use crate::support::Project;

/// Fails the test, with what to install, when no browser is on this machine.
fn require_browser() {
    if let Err(e) = obflow::browser::locate(
        std::env::var_os("OBFLOW_BROWSER")
            .map(std::path::PathBuf::from)
            .as_deref(),
    ) {
        panic!(
            "the browser tests need Chromium: {e}\nhelp: {}",
            obflow::browser::INSTALL_HINT
        );
    }
}

/// Consent through the whole dialog, with bank selection (two banks offered).
const CONSENT: &str = r#"name: browser consent with bank selection
steps:
  - auth_link:
      scope: [info, accounts, balance, offline_access]
      providers: [uk-cs-mock, uk-ob-all]
  - await_code: { via: browser }
    expect:
      json:
        $.code: { exists: true }
  - exchange: {}
  - accounts: {}
    expect:
      status: 200
"#;

/// The result posted back (`response_mode=form_post`), as a joe/blogs login.
const FORM_POST: &str = r#"name: browser form_post
steps:
  - auth_link:
      scope: [info, accounts]
      response_mode: form_post
  - await_code: { via: browser, user: joe }
  - exchange: {}
  - me: {}
    expect:
      status: 200
"#;

/// Declining: the redirect comes back before the plan's login actions.
const DECLINE: &str = r#"name: browser decline
steps:
  - auth_link:
      scope: [info]
  - await_code: { via: browser, decision: decline }
    expect:
      json:
        $.error: access_denied
"#;

/// A plan of the step's own, by role, label and CSS.
const OWN_PLAN: &str = r##"name: browser with the step's own plan
vars:
  pw: doe
steps:
  - auth_link:
      scope: [info]
  - await_code:
      via: browser
      plan:
        - wait_for: { css: "[data-step=consent] form" }
        - click: { css: "#accept" }
        - fill: { label: Username, value: john, secret: false }
        - fill: { label: Password, value: "{{ pw }}" }
        - click: { text: Log in }
  - exchange: {}
"##;

fn write_suite(project: &Project) {
    project.write("suite/consent.yaml", CONSENT);
    project.write("suite/form_post.yaml", FORM_POST);
    project.write("suite/decline.yaml", DECLINE);
    project.write("suite/own_plan.yaml", OWN_PLAN);
}

#[test]
fn the_browser_goes_through_the_form_and_the_script_dialogs_of_the_embedded_mock() {
    require_browser();
    let project = Project::new();
    write_suite(&project);
    let out = project.obflow(&["run", "suite"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("4 passed, 0 failed"), "{}", out.stdout);

    project.write("obflow.yaml", "embedded_mock:\n  dialog: js\n");
    let out = project.obflow(&["run", "suite", "--jobs", "4"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("4 passed, 0 failed"), "{}", out.stdout);
}

/// Kills the standalone mock when the test ends, pass or fail.
struct Standalone(std::process::Child);

impl Drop for Standalone {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `obflow mock --port 0 --dialog js`, its base URL, and the guard that stops it.
fn standalone_script_mock() -> (String, Standalone) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_obflow"))
        .args(["mock", "--port", "0", "--dialog", "js"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let guard = Standalone(child);
    let mut first = String::new();
    BufReader::new(stdout).read_line(&mut first).unwrap();
    (first.trim().rsplit(' ').next().unwrap().to_owned(), guard)
}

#[test]
fn the_seed_scenarios_pass_with_await_browser_on_a_standalone_script_dialog() {
    require_browser();
    let (base, _guard) = standalone_script_mock();
    let config = Project::new();
    let config_file = config.write(
        "obflow.yaml",
        &format!("targets:\n  js-mock:\n    auth_url: {base}\n    mock: true\n"),
    );
    // From the repository, with its snapshots checked (CI), never written.
    let output = Command::new(env!("CARGO_BIN_EXE_obflow"))
        .args([
            "run",
            "scenarios",
            "--await",
            "browser",
            "--target",
            "js-mock",
        ])
        .arg("--config")
        .arg(&config_file)
        .arg("--artifacts")
        .arg(config.path().join("shots"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .env("CI", "true")
        .env_remove("GITHUB_ACTIONS")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let out = crate::support::Run::from(output);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains(" 0 failed"), "{}", out.stdout);
}

#[test]
fn the_browser_goes_through_a_standalone_mock_serving_the_script_dialog() {
    require_browser();
    let (base, _guard) = standalone_script_mock();

    // The dialog is a script page: no form in what the server sends.
    let link = format!(
        "{base}/?response_type=code&client_id=sandbox-obflow-demo&redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fcallback&scope=info"
    );
    let (status, page) = crate::support::reqwest::blocking_get(link);
    assert_eq!(status, 200);
    assert!(
        page.contains("<script>") && !page.contains("<form"),
        "{page}"
    );

    let project = Project::new();
    write_suite(&project);
    project.write(
        "obflow.yaml",
        &format!("targets:\n  js-mock:\n    auth_url: {base}\n    mock: true\n"),
    );
    let out = project.obflow(&["run", "suite", "--target", "js-mock", "--jobs", "4"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("4 passed, 0 failed"), "{}", out.stdout);
}

const CANARY: &str = "Canary-Typed/Pass+7";

#[test]
fn a_failed_plan_keeps_a_screenshot_and_the_page_text_and_no_typed_secret() {
    require_browser();
    let project = Project::new();
    project.write(
        "missing.yaml",
        &format!(
            r##"name: a plan that clicks what is not there
steps:
  - auth_link:
      scope: [info]
  - await_code:
      via: browser
      plan:
        - click: {{ css: "#accept" }}
        - fill: {{ label: Password, value: "{CANARY}" }}
        - click: {{ role: button, name: Sign in with magic, timeout: 500ms }}
"##
        ),
    );
    let out = project.obflow(&[
        "run",
        "missing.yaml",
        "-v",
        "--artifacts",
        "shots",
        "--report-junit",
        "junit.xml",
        "--report-json",
        "report.json",
    ]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains(
            "action 3 (`click`): no element with role \"button\" named \"Sign in with magic\" within 500ms"
        ),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("--> missing.yaml:10:20"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("the page says: ") && out.stdout.contains("/ Log in to Mock Bank /"),
        "{}",
        out.stdout
    );
    let shots: Vec<_> = std::fs::read_dir(project.path().join("shots"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(shots.len(), 2, "{shots:?}");
    for shot in &shots {
        let name = format!("shots/{}", shot.file_name().unwrap().to_string_lossy());
        assert!(
            out.stdout.contains(&name),
            "{name} not named in:\n{}",
            out.stdout
        );
        let bytes = std::fs::read(shot).unwrap();
        match shot.extension().unwrap().to_str().unwrap() {
            "png" => assert!(bytes.starts_with(b"\x89PNG"), "not a PNG"),
            _ => {
                let text = String::from_utf8(bytes).unwrap();
                assert!(text.contains("Log in to Mock Bank"), "{text}");
            }
        }
    }
    let outputs = [
        ("stdout", out.stdout.clone()),
        ("stderr", out.stderr.clone()),
        (
            "junit",
            std::fs::read_to_string(project.path().join("junit.xml")).unwrap(),
        ),
        (
            "json",
            std::fs::read_to_string(project.path().join("report.json")).unwrap(),
        ),
    ];
    let encoded: String = url::form_urlencoded::byte_serialize(CANARY.as_bytes()).collect();
    for (what, text) in outputs {
        assert!(
            !text.contains(CANARY),
            "{what} holds the typed canary:\n{text}"
        );
        assert!(
            !text.contains(&encoded),
            "{what} holds the typed canary, encoded:\n{text}"
        );
    }
}

#[test]
fn plans_are_refused_at_load_where_they_are_wrong() {
    let project = Project::new();
    project.write(
        "bad.yaml",
        r##"name: bad plans
steps:
  - auth_link: {}
  - await_code:
      via: browser
      plan:
        - clik: { text: Allow }
        - fill: { label: Username }
        - click: { text: Allow, css: "#accept" }
  - await_code:
      via: browser
      plan: obflow-mok
  - await_code:
      via: auto
      plan: obflow-mock
"##,
    );
    let out = project.obflow(&["check", "bad.yaml"]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    insta::assert_snapshot!(out.stderr);

    project.write(
        "obflow.yaml",
        "targets:\n  bank:\n    auth_url: http://127.0.0.1:9\n    mock: true\n    browser_plan:\n      - wait_for: { txt: Allow }\n",
    );
    project.write("ok.yaml", "name: ok\nsteps:\n  - auth_link: {}\n");
    let out = project.obflow(&["run", "ok.yaml", "--target", "bank"]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("obflow.yaml:6:21"), "{}", out.stderr);
    assert!(out.stderr.contains("unknown key `txt`"), "{}", out.stderr);
}

#[test]
fn a_missing_browser_stops_the_run_before_it_starts() {
    let project = Project::new();
    project.write("consent.yaml", CONSENT);
    let out = project.obflow_env(
        &["run", "consent.yaml"],
        &[("OBFLOW_BROWSER", "/nowhere/chromium")],
    );
    assert_eq!(out.code, 3, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stderr
            .contains("no browser found (looked for /nowhere/chromium)"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("apt-get install -y chromium"),
        "{}",
        out.stderr
    );
    assert!(!out.stdout.contains("browser consent"), "{}", out.stdout);
    // A run without a browser step needs none.
    project.write("plain.yaml", "name: plain\nsteps:\n  - auth_link: {}\n");
    let out = project.obflow_env(
        &["run", "plain.yaml"],
        &[("OBFLOW_BROWSER", "/nowhere/chromium")],
    );
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
}
