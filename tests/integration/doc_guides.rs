//! `obflow doc`: guides rendered from scenarios through the real binary. The Signup+ guide
//! shows the token exchange as the TrueLayer guide does, no guide ever shows a secret, the
//! committed guides under docs/guides are current, and `obflow completions` prints scripts.

use std::path::Path;

use crate::support::{Project, Run};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `obflow ARGS` in the repository, where `scenarios/` and `snapshots/` are.
fn obflow_in_repo(args: &[&str]) -> Run {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_obflow"))
        .args(args)
        .current_dir(repo())
        .env("NO_COLOR", "1")
        .output()
        .expect("run obflow");
    Run::from(output)
}

const SIGNUP_PLUS: &str = "scenarios/signup_plus_single_account.yaml";

/// Wrong values that refused steps of scenarios/ send, which their guides show as written.
const DELIBERATELY_WRONG: &[&str] = &["not-the-verifier-of-this-auth-link-0000000000"];

/// Anything that would be a leaked credential in a guide.
fn assert_no_secret(text: &str, what: &str) {
    for needle in [
        "eyJ",                        // a JWT (access tokens)
        "sandbox-obflow-demo-secret", // the mock's demo client secret
        "SUPERSECRET",                // the values planted by the test below
        "Bearer ey",
    ] {
        assert!(!text.contains(needle), "{what} shows `{needle}`:\n{text}");
    }
    // Credentials in requests are always placeholders (or redacted: `***`, `[redacted]`).
    let field = regex::Regex::new(
        r#"\b(client_secret|code|refresh_token|access_token|code_verifier|password)(=|": ")([^$"'&\s*\[][^"'&\s]*)"#,
    )
    .unwrap();
    for m in field.captures_iter(text) {
        let value = &m[3];
        // Shown on purpose (docs/guides.md): the mock's published demo logins in guides for
        // the mock, and a wrong value a refused step of scenarios/ is about.
        let demo_login = &m[1] == "password"
            && obflow::protocol::BUILTIN_LOGINS
                .iter()
                .any(|l| value.starts_with(l.password));
        if demo_login || DELIBERATELY_WRONG.contains(&value) {
            continue;
        }
        panic!("{what} shows a credential: `{}`", &m[0]);
    }
    let bearer = regex::Regex::new(r"Bearer [^$\s]").unwrap();
    assert!(!bearer.is_match(text), "{what} shows a bearer token");
}

#[test]
fn the_signup_plus_guide_shows_the_token_exchange_with_placeholders() {
    let run = obflow_in_repo(&["doc", SIGNUP_PLUS]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let guide = &run.stdout;
    for expected in [
        "# Signup+ — user with one account gets their identity",
        "curl --location --request POST 'https://auth.truelayer-sandbox.com/connect/token' \\",
        "--header 'Content-Type: application/x-www-form-urlencoded' \\",
        "--data-urlencode 'grant_type=authorization_code' \\",
        "--data-urlencode \"client_secret=$CLIENT_SECRET\" \\",
        "--data-urlencode \"code=$CODE\"",
        "export CLIENT_SECRET=\"your-client-secret\"",
        "https://auth.truelayer-sandbox.com/?response_type=code&client_id=$CLIENT_ID&",
        "curl --location 'https://api.truelayer-sandbox.com/signup-plus/accounts' \\",
        "--header \"Authorization: Bearer $ACCESS_TOKEN\"",
        "- `$.token_type` equals `Bearer`",
        "- header `cache-control` equals `no-store`",
    ] {
        assert!(
            guide.contains(expected),
            "missing {expected:?} in:\n{guide}"
        );
    }
    assert_no_secret(guide, "the Signup+ guide");
}

#[test]
fn a_signup_plus_guide_snapshot() {
    let run = obflow_in_repo(&["doc", SIGNUP_PLUS, "--snapshots", "tests/no-snapshots-here"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn targets_choose_the_hosts() {
    let mock = obflow_in_repo(&["doc", SIGNUP_PLUS, "--target", "mock"]);
    assert!(
        mock.stdout
            .contains("'http://127.0.0.1:8080/connect/token'")
    );
    assert!(!mock.stdout.contains("truelayer"), "{}", mock.stdout);
    let live = obflow_in_repo(&["doc", SIGNUP_PLUS, "--target", "live"]);
    assert!(
        live.stdout
            .contains("'https://api.truelayer.com/signup-plus/accounts'")
    );
    let unknown = obflow_in_repo(&["doc", SIGNUP_PLUS, "--target", "sandbx"]);
    assert_eq!(unknown.code, 2);
    assert!(
        unknown.stderr.contains("did you mean `sandbox`?"),
        "{}",
        unknown.stderr
    );
}

#[test]
fn no_guide_shows_a_secret_whatever_the_format_or_target() {
    for target in ["sandbox", "mock", "live"] {
        for format in ["markdown", "html"] {
            let run = obflow_in_repo(&["doc", "scenarios", "--target", target, "--format", format]);
            assert_eq!(run.code, 0, "{}", run.stderr);
            assert_no_secret(&run.stdout, &format!("{format} guides for {target}"));
        }
    }
}

#[test]
fn secrets_written_in_a_scenario_become_placeholders() {
    let project = Project::new();
    project.write(
        "secrets.yaml",
        r#"name: Secrets in a scenario
vars:
  api_token: tok-SUPERSECRET-1
  user_pin: pin-SUPERSECRET-2
secrets: [user_pin]
steps:
  - auth_link: { pkce: true }
  - await_code: { via: value, value: code-SUPERSECRET-0 }
  - exchange: { code: code-SUPERSECRET-3, client_secret: cs-SUPERSECRET-4 }
  - refresh: { refresh_token: "{{ api_token }}" }
  - request:
      method: POST
      url: "https://api.truelayer-sandbox.com/x/{{ user_pin }}"
      headers: { Authorization: "Bearer tok-SUPERSECRET-5" }
      form: { password: pw-SUPERSECRET-6, pin: "{{ user_pin }}" }
  - accounts: { access_token: at-SUPERSECRET-7 }
  - extend: { refresh_token: rt-SUPERSECRET-8 }
    capture: { new_token: $.access_token }
  - me: { headers: { X-Token: "{{ new_token }}" } }
"#,
    );
    for format in ["markdown", "html"] {
        let run = project.obflow(&["doc", "secrets.yaml", "--format", format]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert_no_secret(&run.stdout, format);
        assert!(run.stdout.contains("$USER_PIN"), "{}", run.stdout);
        assert!(
            run.stdout.contains("code_verifier=$CODE_VERIFIER"),
            "{}",
            run.stdout
        );
        assert!(run.stdout.contains("X-Token: $NEW_TOKEN"), "{}", run.stdout);
    }
}

#[test]
fn out_writes_one_file_per_scenario_and_an_index() {
    let out = tempfile::tempdir().expect("tempdir");
    let dir = out.path().to_str().expect("utf-8 path");
    // A guide of a scenario since removed goes; a file obflow did not write stays.
    let stale = out.path().join("removed_scenario.html");
    let mine = out.path().join("notes.html");
    std::fs::write(
        &stale,
        "<!DOCTYPE html>\n<!-- generated by obflow doc; regenerate rather than edit -->\n",
    )
    .unwrap();
    std::fs::write(&mine, "<p>my notes</p>").unwrap();
    let run = obflow_in_repo(&["doc", "scenarios", "--format", "html", "--out", dir]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!stale.exists() && mine.exists());
    let index = std::fs::read_to_string(out.path().join("index.html")).expect("index");
    assert!(
        index.contains("<a href=\"signup_plus_single_account.html\">"),
        "{index}"
    );
    let page =
        std::fs::read_to_string(out.path().join("signup_plus_single_account.html")).expect("guide");
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(!page.contains("<script"));
    // Scenario text is escaped: the shell's quotes and the link's ampersands.
    assert!(page.contains("--data-urlencode &#39;grant_type=authorization_code&#39;"));
    assert!(page.contains("response_type=code&amp;client_id=$CLIENT_ID"));
}

#[test]
fn the_committed_guides_are_up_to_date() {
    let out = tempfile::tempdir().expect("tempdir");
    let dir = out.path().to_str().expect("utf-8 path");
    let run = obflow_in_repo(&["doc", "scenarios", "--out", dir]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let committed = repo().join("docs/guides");
    let names = |dir: &Path| -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .map(|d| {
                d.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    };
    let refresh = "docs/guides is out of date: run `cargo run -- doc scenarios --out docs/guides`";
    assert_eq!(names(out.path()), names(&committed), "{refresh}");
    for name in names(out.path()) {
        let fresh = std::fs::read_to_string(out.path().join(&name)).expect("fresh guide");
        // The index names the command that wrote it: here, with this test's folder.
        let fresh = fresh.replace(dir, "docs/guides");
        let old = std::fs::read_to_string(committed.join(&name)).unwrap_or_default();
        assert!(fresh == old, "{refresh} ({name} differs)");
    }
}

#[test]
fn completions_are_printed_for_each_shell() {
    let project = Project::new();
    let bash = project.obflow(&["completions", "bash"]);
    assert_eq!(bash.code, 0, "{}", bash.stderr);
    assert!(bash.stdout.contains("_obflow()"), "{}", bash.stdout);
    assert!(bash.stdout.contains("completions"));
    assert!(bash.stdout.contains("--target"));
    for shell in ["zsh", "fish", "powershell", "elvish"] {
        let run = project.obflow(&["completions", shell]);
        assert_eq!(run.code, 0, "{shell}: {}", run.stderr);
        assert!(run.stdout.contains("doc"), "{shell}");
    }
    assert_eq!(project.obflow(&["completions", "tcsh"]).code, 2);
}

#[test]
fn a_step_snapshot_is_the_expected_response() {
    let project = Project::new();
    project.write(
        "flows/identity.yaml",
        "name: Identity\nsteps:\n  - auth_link: {}\n  - await_code: {}\n  - id: token\n    exchange: {}\n  - name: Call Signup+\n    signup_accounts: {}\n",
    );
    project.write(
        "snapshots/identity__token.snap",
        "---\nsource: obflow\nexpression: token\n---\n{\"access_token\": \"at-SUPERSECRET-9\", \"token_type\": \"Bearer\"}\n",
    );
    project.write(
        "snapshots/identity__call_signup.snap",
        "---\nsource: obflow\n---\n{\"first_name\": \"Joe\"}\n",
    );
    let run = project.obflow(&["doc", "flows"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("Expected response (from `snapshots/identity__token.snap`):"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("\"token_type\": \"Bearer\""));
    assert!(run.stdout.contains("\"access_token\": \"***\""));
    assert!(run.stdout.contains("\"first_name\": \"Joe\""));
    assert_no_secret(&run.stdout, "a guide with snapshots");
}
