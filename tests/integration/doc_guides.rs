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

/// The part of a Markdown guide under the heading that holds `title`, up to the next one.
fn section<'a>(guide: &'a str, title: &str) -> &'a str {
    let start = guide
        .match_indices("\n## ")
        .map(|(i, _)| i + 1)
        .find(|&i| guide[i..].lines().next().is_some_and(|h| h.contains(title)))
        .unwrap_or_else(|| panic!("no section {title:?} in:\n{guide}"));
    let end = guide[start + 3..]
        .find("\n## ")
        .map_or(guide.len(), |i| start + 3 + i);
    &guide[start..end]
}

const PKCE: &str = "scenarios/pkce_code_verifier.yaml";

#[test]
fn refused_pkce_exchanges_show_the_missing_and_the_wrong_verifier() {
    for target in ["sandbox", "mock"] {
        let run = obflow_in_repo(&["doc", PKCE, "--target", target]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let guide = &run.stdout;
        let missing = section(guide, "without the code_verifier");
        assert!(!missing.contains("code_verifier="), "{missing}");
        assert!(missing.contains("with no `code_verifier`"), "{missing}");
        assert!(missing.contains("--include"), "{missing}");
        assert!(missing.contains("HTTP 400"), "{missing}");
        // The step's note is the narrative under its heading.
        assert!(
            missing.contains("a code issued for a `code_challenge` is only exchanged"),
            "{missing}"
        );
        let wrong = section(guide, "another code_verifier");
        assert!(
            wrong.contains(
                "--data-urlencode 'code_verifier=not-the-verifier-of-this-auth-link-0000000000'"
            ),
            "{wrong}"
        );
        assert!(!wrong.contains("$CODE_VERIFIER"), "{wrong}");
        let right = section(guide, "The right code_verifier");
        assert!(
            right.contains("--data-urlencode \"code_verifier=$CODE_VERIFIER\""),
            "{right}"
        );
        assert!(right.contains("--fail-with-body"), "{right}");
        assert!(!right.contains("--include"), "{right}");
        // Nothing claims success for a refused step.
        for refused in [missing, wrong] {
            assert!(!refused.contains("ACCESS_TOKEN=$("), "{refused}");
            assert!(!refused.contains("The answer holds"), "{refused}");
        }
    }
}

#[test]
fn an_extend_without_reconfirmed_consent_says_so_and_sends_false() {
    let run = obflow_in_repo(&["doc", "scenarios/extend_no_action_needed.yaml"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let refused = section(&run.stdout, "Without the user's reconfirmation");
    assert!(
        refused.contains("with `user_has_reconfirmed_consent: false`"),
        "{refused}"
    );
    assert!(
        refused.contains("\"user_has_reconfirmed_consent\": false"),
        "{refused}"
    );
    assert!(!refused.contains("reconfirmed consent (`"), "{refused}");
    assert!(refused.contains("HTTP 400"), "{refused}");
    let extended = section(&run.stdout, "the user having reconfirmed consent");
    assert!(
        extended.contains("\"user_has_reconfirmed_consent\": true"),
        "{extended}"
    );
    assert!(
        extended.contains("ACCESS_TOKEN=$(jq -r '.access_token' <<<\"$RESPONSE\")"),
        "{extended}"
    );
    // The mock's demo password is shown as the scenario's title writes it.
    assert!(run.stdout.contains("(john / eternal)"), "{}", run.stdout);
}

#[test]
fn guides_say_what_their_target_needs() {
    let sandbox = obflow_in_repo(&["doc", "scenarios"]);
    let mock = obflow_in_repo(&["doc", "scenarios", "--target", "mock"]);
    for run in [&sandbox, &mock] {
        assert_eq!(run.code, 0, "{}", run.stderr);
    }
    // (`http://127.0.0.1:3000/callback` is a redirect URI, which a scenario may send.)
    assert!(
        !sandbox.stdout.contains("127.0.0.1:8080"),
        "a sandbox guide shows the mock's address"
    );
    assert!(!sandbox.stdout.contains("[port]"));
    assert!(
        sandbox
            .stdout
            .contains("Export your client's credentials (from Console)")
    );
    assert!(
        !mock.stdout.contains("(from Console)"),
        "a mock guide asks for Console credentials"
    );
    assert!(mock.stdout.contains("```console\nobflow mock\n```"));
    assert!(
        mock.stdout
            .contains("export CLIENT_ID=\"sandbox-obflow-demo\"")
    );
    assert!(mock.stdout.contains("__mock/clock/advance"));
    assert!(
        !sandbox.stdout.contains("__mock"),
        "a sandbox guide calls a mock route"
    );
    // Expected responses show the target's hosts, wherever the snapshot was recorded.
    assert!(
        sandbox
            .stdout
            .contains("\"https://api.truelayer-sandbox.com/signup-plus/accounts?account_id=")
    );
    assert!(
        mock.stdout
            .contains("\"http://127.0.0.1:8080/signup-plus/accounts?account_id=")
    );
}

#[test]
fn signupplus_asks_for_the_scope_in_console_and_other_guides_do_not() {
    let out = tempfile::tempdir().expect("tempdir");
    let dir = out.path().to_str().expect("utf-8 path");
    let run = obflow_in_repo(&["doc", "scenarios", "--out", dir]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut seen = 0;
    for entry in std::fs::read_dir(out.path()).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name == "index.md" {
            continue;
        }
        let guide = std::fs::read_to_string(entry.path()).unwrap();
        // The scopes the guide's auth links ask for, from the links themselves.
        let asks_signupplus = guide
            .lines()
            .filter(|l| l.starts_with("AUTH_LINK="))
            .any(|l| l.contains("signupplus"));
        let tells = guide.contains("Product Permissions");
        assert_eq!(asks_signupplus, tells, "{name}");
        seen += usize::from(tells);
    }
    assert!(seen >= 3, "{seen} Signup+ guides");
}

#[test]
fn the_index_names_the_command_that_wrote_it() {
    let out = tempfile::tempdir().expect("tempdir");
    let dir = out.path().join("my guides");
    let dir = dir.to_str().expect("utf-8 path");
    let run = obflow_in_repo(&[
        "doc",
        "scenarios",
        "--target",
        "mock",
        "--format",
        "html",
        "--out",
        dir,
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let index = std::fs::read_to_string(Path::new(dir).join("index.html")).unwrap();
    let command = format!("obflow doc scenarios --format html --target mock --out &#39;{dir}&#39;");
    assert!(index.contains(&command), "{command} in {index}");
}

/// The Mermaid block of a Markdown guide that starts with `kind`.
fn mermaid<'a>(guide: &'a str, kind: &str) -> Option<&'a str> {
    let start = guide.find(&format!("```mermaid\n{kind}"))? + "```mermaid\n".len();
    let end = guide[start..].find("\n```")?;
    Some(&guide[start..start + end])
}

#[test]
fn each_guide_opens_with_a_sequence_diagram_of_its_steps() {
    let out = tempfile::tempdir().expect("tempdir");
    let dir = out.path().to_str().expect("utf-8 path");
    assert_eq!(obflow_in_repo(&["doc", "scenarios", "--out", dir]).code, 0);
    let html = obflow_in_repo(&["doc", "scenarios", "--out", dir, "--format", "html"]);
    assert_eq!(html.code, 0, "{}", html.stderr);
    let mut lifecycles = 0;
    for entry in std::fs::read_dir(out.path()).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(stem) = name.strip_suffix(".md").filter(|s| *s != "index") else {
            continue;
        };
        let guide = std::fs::read_to_string(entry.path()).unwrap();
        let diagram = mermaid(&guide, "sequenceDiagram")
            .unwrap_or_else(|| panic!("{name} has no sequence diagram"));
        assert!(
            guide.find("```mermaid") < guide.find("## Before you start"),
            "{name}: the diagram comes first"
        );
        // Who takes part follows from the steps.
        let calls = |path: &str| guide.contains(path);
        assert_eq!(
            diagram.contains("participant Signup as Signup+ API"),
            calls("/signup-plus/accounts"),
            "{name}"
        );
        assert_eq!(
            diagram.contains("participant Data as Data API"),
            calls("/data/v1/") || calls("/connections/extend"),
            "{name}"
        );
        assert!(diagram.contains("App->>Auth: POST /connect/token") || !calls("/connect/token"));
        // The HTML guide draws the same rows as inline SVG.
        let page = std::fs::read_to_string(out.path().join(format!("{stem}.html"))).unwrap();
        let messages = diagram.lines().filter(|l| l.contains("->>")).count();
        assert_eq!(
            page.matches("<g class=\"message").count(),
            messages,
            "{name}: SVG and Mermaid rows"
        );
        let lifecycle = mermaid(&guide, "stateDiagram-v2");
        let extends_or_expires =
            guide.contains("/connections/extend") || guide.contains("90 days pass");
        assert_eq!(lifecycle.is_some(), extends_or_expires, "{name}");
        if let Some(lifecycle) = lifecycle {
            lifecycles += 1;
            assert!(
                lifecycle.contains("[*] --> authorization_required"),
                "{lifecycle}"
            );
            assert!(lifecycle.contains("--> active"), "{lifecycle}");
            assert!(page.contains("<svg class=\"lifecycle\""), "{name}");
        }
    }
    assert!(lifecycles >= 3, "{lifecycles} lifecycle diagrams");
}

#[test]
fn html_diagrams_are_well_formed_svg_with_no_script() {
    let run = obflow_in_repo(&["doc", "scenarios", "--format", "html"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let page = &run.stdout;
    assert!(!page.contains("<script"), "no script");
    assert!(
        !page.contains("http://www.w3.org/1999/xlink"),
        "no links out"
    );
    let view_box = regex::Regex::new(r#"viewBox="0 0 (\d+) (\d+)""#).unwrap();
    let mut svgs = 0;
    let mut rest = page.as_str();
    while let Some(start) = rest.find("<svg ") {
        let end = rest[start..].find("</svg>").expect("a closed svg") + start + "</svg>".len();
        let svg = &rest[start..end];
        let mut reader = quick_xml::Reader::from_str(svg);
        let (mut texts, mut titles, mut depth) = (0, 0, 0i32);
        loop {
            match reader.read_event() {
                Ok(quick_xml::events::Event::Start(e)) => {
                    depth += 1;
                    match e.name().as_ref() {
                        b"text" => texts += 1,
                        b"title" => titles += 1,
                        _ => {}
                    }
                }
                Ok(quick_xml::events::Event::End(_)) => depth -= 1,
                Ok(quick_xml::events::Event::Eof) => break,
                Ok(_) => {}
                Err(e) => panic!("invalid SVG ({e}):\n{svg}"),
            }
        }
        assert_eq!(depth, 0, "balanced:\n{svg}");
        assert_eq!(titles, 1, "an accessible title:\n{svg}");
        assert!(texts >= 4, "labelled:\n{svg}");
        let size = view_box.captures(svg).expect("a viewBox");
        assert!(size[1].parse::<u32>().unwrap() > 200 && size[2].parse::<u32>().unwrap() > 60);
        svgs += 1;
        rest = &rest[end..];
    }
    assert!(svgs > 17, "{svgs} diagrams");
}

#[test]
fn a_pkce_guide_for_the_mock_snapshot() {
    let run = obflow_in_repo(&[
        "doc",
        PKCE,
        "--target",
        "mock",
        "--snapshots",
        "tests/no-snapshots-here",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!(run.stdout);
}
