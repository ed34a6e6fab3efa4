//! Canary secrets, one per way a secret reaches obflow, sent through every channel a run
//! has (headers, query strings, bodies, cookies, `for_each` labels, failed checks, error
//! snippets), then looked for in every output a run writes (terminal with `-v`, GitHub
//! annotations, JUnit, JSON, snapshots, guides), in every form a secret travels in.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

use crate::support::{Project, TestServer};

/// A secret-named environment variable: declared by its name.
const ENV_TOKEN: &str = "EnvCanary-0a1b";
/// Declared in `secrets:`, shorter than any learnt secret may be.
const PIN: &str = "Zq7x";
/// Declared, with characters every encoding changes.
const PHRASE: &str = "Canary Val/ue+1&\"q\"";
/// A literal written in the scenario file, learnt from the query field it is sent in.
const LITERAL: &str = "LiteralCanary77";
/// Both words of a multi-word credential.
const WORDS: [&str; 2] = ["AuthWordOne", "AuthWordTwo"];
/// What the test server sends: a cookie, and a header captured with `secret: true`.
const COOKIE: &str = "s-123";
const CAPTURED: &str = "req-42";

fn every_form(secret: &str) -> Vec<String> {
    let form: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
    let percent = form.replace('+', "%20");
    let json = serde_json::to_string(secret).unwrap();
    vec![
        secret.to_owned(),
        form,
        percent,
        json.trim_matches('"').to_owned(),
        STANDARD.encode(secret),
        URL_SAFE_NO_PAD.encode(secret),
    ]
}

fn assert_clean(what: &str, text: &str) {
    let canaries = [
        ENV_TOKEN, PIN, PHRASE, LITERAL, WORDS[0], WORDS[1], COOKIE, CAPTURED,
    ];
    for canary in canaries {
        for form in every_form(canary) {
            assert!(
                !text.contains(&form),
                "{what} holds the canary {canary:?} as {form:?}:\n{text}"
            );
        }
    }
}

const SCENARIO: &str = r#"name: canaries everywhere
secrets: [pin, phrase]
vars:
  pin: Zq7x
  phrase: "Canary Val/ue+1&\"q\""
steps:
  - name: every encoding of the declared secrets goes out and comes back
    request:
      method: POST
      url: "{{ base }}/echo?p={{ phrase | urlencode }}&b={{ phrase | b64encode }}&pin={{ pin }}"
      headers:
        x-api-key: "{{ env.CANARY_API_TOKEN }}"
        x-b64: "{{ env.CANARY_API_TOKEN | b64url_encode }}"
        authorization: "Custom AuthWordOne AuthWordTwo"
      json: { phrase: "{{ phrase }}", pin: "{{ pin }}" }
    snapshot: true
  - name: a label per item
    for_each: ["{{ pin }}", "{{ phrase }}"]
    request:
      url: "{{ base }}/echo?item={{ item | urlencode }}"
  - name: a cookie the server sets
    request:
      url: "{{ base }}/set-cookie"
  - name: a value made secret after its response was recorded
    request:
      url: "{{ base }}/json"
    capture:
      request_id: { header: x-request-id, secret: true }
  - name: the declared secret in a failed check, and on its line
    request:
      url: "{{ base }}/echo?again={{ request_id }}"
    expect:
      json:
        $.method: Zq7x
"#;

/// A literal secret in a URL that fails: the error quotes the line it is written on.
const LITERAL_SCENARIO: &str = r#"name: a literal in a failing request
steps:
  - request:
      url: "http://127.0.0.1:1/?token=LiteralCanary77"
"#;

#[test]
fn no_canary_reaches_any_output_in_any_form() {
    let server = TestServer::start();
    let project = Project::new();
    project.write("canary.yaml", SCENARIO);
    project.write("literal.yaml", LITERAL_SCENARIO);
    let base = format!("base={}", server.base);
    let env = [("CANARY_API_TOKEN", ENV_TOKEN), ("GITHUB_ACTIONS", "true")];
    let out = project.obflow_env(
        &[
            "run",
            ".",
            "-v",
            "--var",
            &base,
            "--snapshots",
            "new",
            "--report-junit",
            "junit.xml",
            "--report-json",
            "report.json",
        ],
        &env,
    );
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    // The run did send the canaries, and the outputs show where they were.
    assert!(
        out.stdout.contains("::error"),
        "annotations: {}",
        out.stdout
    );
    assert!(out.stdout.contains("***"), "{}", out.stdout);
    assert_clean("stdout (-v and annotations)", &out.stdout);
    assert_clean("stderr", &out.stderr);
    let junit = std::fs::read_to_string(project.path().join("junit.xml")).unwrap();
    assert!(
        junit.contains("x-api-key"),
        "the JUnit report has the exchanges: {junit}"
    );
    assert_clean("the JUnit report", &junit);
    assert_clean(
        "the JSON report",
        &std::fs::read_to_string(project.path().join("report.json")).unwrap(),
    );
    let snapshots: Vec<_> = std::fs::read_dir(project.path().join("snapshots"))
        .expect("the snapshot was written")
        .map(|e| e.unwrap().path())
        .collect();
    assert!(!snapshots.is_empty());
    for snapshot in snapshots {
        let text = std::fs::read_to_string(&snapshot).unwrap();
        assert_clean(&snapshot.display().to_string(), &text);
    }

    let out = project.obflow_env(&["doc", "canary.yaml", "--var", &base], &env);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert_clean("the guide", &out.stdout);
}
