//! The real binary against a real loopback server: passing runs, every kind of failing
//! check, exit codes, cookies, timeouts, and secrets kept out of `-v` output.

use crate::support::{self, Project, TestServer};

fn run(project: &Project, server: &TestServer, file: &str) -> support::Run {
    let base = format!("base={}", server.base);
    project.obflow(&["run", file, "--var", &base])
}

#[test]
fn passing_scenario_exits_0_and_ends_with_the_summary_line() {
    let server = TestServer::start();
    let project = Project::new();
    project.write(
        "pass.yaml",
        r#"
name: everything holds
vars:
  expected_count: 3
steps:
  - id: doc
    request:
      url: "{{ base }}/json"
    expect:
      status: 200
      headers:
        x-request-id: req-42
        content-type: { contains: json }
      json:
        $.name: demo
        $.count: "{{ expected_count }}"
        $.items: { length: 3 }
        $.items[*].n: { each: { gte: 1 } }
        $.date: { matches: '^\d{4}-\d{2}-\d{2}$' }
        $.nope: { absent: true }
    capture:
      first_id: $.items[0].id
      ids: { jsonpath: "$.items[*].id", all: true }
  - name: the capture and the earlier response are both usable
    request:
      method: POST
      url: "{{ base }}/echo"
      query:
        id: "{{ first_id }}"
      json:
        ids: "{{ ids }}"
        name: "{{ steps.doc.json.name }}"
    expect:
      json:
        $.query[0]: [id, a]
        $.json.ids: [a, b, c]
        $.json.name: demo
"#,
    );
    let out = run(&project, &server, "pass.yaml");
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert_eq!(out.stdout.lines().last(), Some("1 passed, 0 failed"));
    assert!(
        out.stdout.contains("PASS  everything holds"),
        "{}",
        out.stdout
    );
}

#[test]
fn each_kind_of_failing_check_reports_expected_actual_and_location() {
    let server = TestServer::start();
    let project = Project::new();
    let checks = [
        ("status", "status: 201"),
        ("header", "headers: { x-request-id: other }"),
        ("equals", "json: { $.name: other }"),
        ("length", "json: { $.items: { length: 2 } }"),
        ("matches", "json: { $.name: { matches: '^\\d+$' } }"),
        ("contains", "json: { $.name: { contains: xyz } }"),
        ("one_of", "json: { $.count: { one_of: [1, 2] } }"),
        ("gt", "json: { $.count: { gt: 10 } }"),
        ("type", "json: { $.count: { type: string } }"),
        ("each", "json: { \"$.items[*].currency\": { each: GBP } }"),
        ("exists", "json: { $.nope: { exists: true } }"),
        ("absent", "json: { $.name: { absent: true } }"),
        ("body", "body: { contains: nothing-like-this }"),
    ];
    for (kind, check) in checks {
        let file = format!("{kind}.yaml");
        project.write(
            &file,
            &format!(
                "name: failing {kind}\nsteps:\n  - id: doc\n    request:\n      url: \"{{{{ base }}}}/json\"\n    expect:\n      {check}\n  - id: after\n    request:\n      url: \"{{{{ base }}}}/json\"\n"
            ),
        );
        let out = run(&project, &server, &file);
        assert_eq!(out.code, 1, "{kind}: {}{}", out.stdout, out.stderr);
        assert!(
            out.stdout.contains(&format!("FAIL  failing {kind}")),
            "{kind}: {}",
            out.stdout
        );
        assert!(out.stdout.contains("expected:"), "{kind}: {}", out.stdout);
        assert!(out.stdout.contains("actual:"), "{kind}: {}", out.stdout);
        assert!(
            out.stdout.contains(&format!("--> {kind}.yaml:7:")),
            "{kind}: {}",
            out.stdout
        );
        assert!(
            out.stdout.contains("skipped: after"),
            "{kind}: {}",
            out.stdout
        );
        assert_eq!(
            out.stdout.lines().last(),
            Some("0 passed, 1 failed"),
            "{kind}"
        );
    }
}

#[test]
fn failure_output_is_stable() {
    let server = TestServer::start();
    let project = Project::new();
    project.write(
        "fail.yaml",
        r#"name: token count is wrong
steps:
  - id: doc
    request:
      url: "{{ base }}/json"
    expect:
      status: 200
      json:
        $.items: { length: 2 }
        $.name: demo
"#,
    );
    let out = run(&project, &server, "fail.yaml");
    assert_eq!(out.code, 1);
    let _filters = support::volatile_filters().bind_to_scope();
    insta::assert_snapshot!(format!("{}{}", out.stdout, out.stderr));
}

#[test]
fn plain_variables_read_scope_captures_and_vars_as_templates_do() {
    // Every template of the second request is a plain `{{ name }}`, which the engine renders
    // without building a template context: it must find what the context would.
    let server = TestServer::start();
    let project = Project::new();
    project.write(
        "names.yaml",
        r#"name: names resolve as templates see them
vars:
  echo_url: "{{ base }}/echo"
  who: file
  shadowed: from-vars
  count: 7
  ratio: 2.0
steps:
  - request:
      method: POST
      url: "{{ echo_url }}"
      json: { shadowed: captured }
    capture:
      shadowed: $.json.shadowed
  - request:
      method: POST
      url: "{{ echo_url }}"
      json: { who: "{{ who }}", shadowed: "{{ shadowed }}", count: "{{ count }}", ratio: "{{ ratio }}" }
    expect:
      json:
        $.json.who: cli
        $.json.shadowed: captured
        $.json.count: 7
        $.body: { contains: '"ratio":2.0' }
  # A name the context reserves is never read as a variable.
  - request:
      method: POST
      url: "{{ echo_url }}"
      json: { env: "{{ env }}" }
    expect:
      json:
        $.json.env: { type: object }
"#,
    );
    let base = format!("base={}", server.base);
    let out = project.obflow(&["run", "names.yaml", "--var", &base, "--var", "who=cli"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
}

#[test]
fn mappings_keep_the_order_they_are_written_in() {
    // `vars` may use the ones above them, whatever their names; forms and JSON bodies go
    // out in the order written; checks run in file order (the first failing one is first).
    let server = TestServer::start();
    let project = Project::new();
    project.write(
        "order.yaml",
        r#"name: written order
vars:
  zone: eu
  area: "{{ zone }}-west"
steps:
  - request:
      method: POST
      url: "{{ base }}/echo"
      form: { zeta: "1", alpha: "{{ area }}", mid: "3" }
    expect:
      json:
        $.body: zeta=1&alpha=eu-west&mid=3
        $.form.alpha: eu-west
  - request:
      method: POST
      url: "{{ base }}/echo"
      json: { zeta: 1, alpha: 2 }
    expect:
      json: { $.body: '{"zeta":1,"alpha":2}' }
  - request: { url: "{{ base }}/echo" }
    expect:
      json:
        $.method: PUT
        $.body: nope
"#,
    );
    let out = run(&project, &server, "order.yaml");
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let method = out
        .stdout
        .find("$.method")
        .expect("the failing `$.method` check");
    let body = out
        .stdout
        .find("$.body")
        .expect("the failing `$.body` check");
    assert!(method < body, "checks run in file order:\n{}", out.stdout);
}

#[test]
fn cookies_are_kept_within_a_scenario_only() {
    let server = TestServer::start();
    let project = Project::new();
    project.write(
        "a.yaml",
        r#"name: sets and reads a cookie
steps:
  - request: { url: "{{ base }}/set-cookie" }
  - request: { url: "{{ base }}/whoami" }
    expect:
      json: { $.cookie: session=s-123 }
"#,
    );
    project.write(
        "b.yaml",
        r#"name: starts without cookies
steps:
  - request: { url: "{{ base }}/whoami" }
    expect:
      json: { $.cookie: "" }
"#,
    );
    let out = run(&project, &server, ".");
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert_eq!(out.stdout.lines().last(), Some("2 passed, 0 failed"));
}

#[test]
fn a_slow_response_fails_the_step_at_its_timeout() {
    let server = TestServer::start();
    let project = Project::new();
    project.write(
        "slow.yaml",
        r#"name: slow server
steps:
  - request:
      url: "{{ base }}/slow"
      timeout: 200ms
"#,
    );
    let started = std::time::Instant::now();
    let out = run(&project, &server, "slow.yaml");
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(out.stdout.contains("timed out"), "{}", out.stdout);
    assert!(started.elapsed() < std::time::Duration::from_secs(3));
}

#[test]
fn filters_tags_and_fail_fast_select_what_runs() {
    let server = TestServer::start();
    let project = Project::new();
    for (name, tag, path) in [
        ("alpha", "smoke", "/json"),
        ("beta", "slow", "/status/500"),
        ("gamma", "smoke", "/status/500"),
    ] {
        project.write(
            &format!("{name}.yaml"),
            &format!(
                "name: {name}\ntags: [{tag}]\nsteps:\n  - request: {{ url: \"{{{{ base }}}}{path}\" }}\n    expect: {{ status: 200 }}\n"
            ),
        );
    }
    let base = format!("base={}", server.base);
    let out = project.obflow(&["run", ".", "--var", &base, "--tag", "smoke"]);
    assert_eq!(
        out.stdout.lines().last(),
        Some("1 passed, 1 failed"),
        "{}",
        out.stdout
    );
    let out = project.obflow(&["run", ".", "--var", &base, "--filter", "alp"]);
    assert_eq!(out.code, 0);
    assert_eq!(out.stdout.lines().last(), Some("1 passed, 0 failed"));
    let out = project.obflow(&["run", ".", "--var", &base, "--fail-fast", "--jobs", "1"]);
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stdout.lines().last(),
        Some("1 passed, 1 failed, 1 skipped"),
        "{}",
        out.stdout
    );
    let out = project.obflow(&["list", ".", "--var", &base]);
    assert_eq!(out.code, 0);
    assert_eq!(out.stdout.lines().count(), 3, "{}", out.stdout);
}

#[test]
fn an_empty_selection_is_an_error_unless_allowed() {
    let project = Project::new();
    project.write("a.yaml", "name: a\ntags: [smoke]\nsteps:\n  - wait: 1ms\n");
    let typo = project.obflow(&["run", ".", "--filter", "alhpa"]);
    assert_eq!(typo.code, 2, "{}{}", typo.stdout, typo.stderr);
    assert!(
        typo.stderr
            .contains("error: no scenario matches --filter `alhpa`"),
        "{}",
        typo.stderr
    );
    assert!(typo.stderr.contains("--allow-empty"), "{}", typo.stderr);
    let tags = project.obflow(&["run", ".", "--tag", "smok", "--tag", "nightly"]);
    assert_eq!(tags.code, 2, "{}", tags.stderr);
    assert!(
        tags.stderr
            .contains("no scenario matches --tag `smok` and --tag `nightly`"),
        "{}",
        tags.stderr
    );
    let allowed = project.obflow(&["run", ".", "--tag", "nightly", "--allow-empty"]);
    assert_eq!(allowed.code, 0, "{}{}", allowed.stdout, allowed.stderr);
    assert_eq!(allowed.stdout.lines().last(), Some("0 passed, 0 failed"));
}

#[test]
fn the_run_ends_with_a_recap_of_its_failures_and_quiet_prints_only_them() {
    let server = TestServer::start();
    let project = Project::new();
    for i in 0..300 {
        let path = if i == 137 { "/status/500" } else { "/json" };
        project.write(
            &format!("s{i:03}.yaml"),
            &format!(
                "name: scenario {i}\nsteps:\n  - id: call\n    request: {{ url: \"{{{{ base }}}}{path}\" }}\n    expect: {{ status: 200 }}\n"
            ),
        );
    }
    let base = format!("base={}", server.base);
    let out = project.obflow(&["run", ".", "--var", &base]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let lines: Vec<&str> = out.stdout.lines().collect();
    let tail = lines[lines.len() - 5..].join("\n");
    assert_eq!(
        tail,
        format!(
            "1 failed scenario:\n  FAIL  scenario 137  ./s137.yaml:5:15\n        step `call`: check failed: status (expected: 200, actual: 500)\nran 300 scenarios in {}\n299 passed, 1 failed",
            lines[lines.len() - 2].trim_start_matches("ran 300 scenarios in ")
        )
    );

    let quiet = project.obflow(&["run", ".", "--var", &base, "--quiet"]);
    assert_eq!(quiet.code, 1);
    assert!(!quiet.stdout.contains("PASS"), "{}", quiet.stdout);
    assert!(
        quiet.stdout.starts_with("FAIL  scenario 137"),
        "{}",
        quiet.stdout
    );
    assert!(
        quiet.stdout.contains("1 failed scenario:"),
        "{}",
        quiet.stdout
    );
    assert_eq!(quiet.stdout.lines().last(), Some("299 passed, 1 failed"));
    assert!(quiet.stdout.lines().count() < 20, "{}", quiet.stdout);
    let both = project.obflow(&["run", ".", "--quiet", "-v"]);
    assert_eq!(both.code, 2, "{}", both.stderr);
}

#[test]
fn failures_show_what_error_answers_say_and_where_objects_differ() {
    let server = TestServer::start();
    let project = Project::new();
    // Against the embedded mock: a code it never issued.
    project.write(
        "oauth.yaml",
        "name: bad code\nsteps:\n  - id: token\n    exchange: { code: never-issued }\n    expect:\n      status: 200\n",
    );
    let out = project.obflow(&["run", "oauth.yaml"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains("actual: 400 (invalid_grant: unknown authorisation code)"),
        "{}",
        out.stdout
    );

    project.write(
        "object.yaml",
        r#"name: object differs
steps:
  - id: doc
    request: { url: "{{ base }}/json" }
    expect:
      json:
        $.items[0]: { id: a, n: 2, currency: GBP, extra: 1 }
        $.items[*].currency: [GBP, EUR]
"#,
    );
    let base = format!("base={}", server.base);
    let out = project.obflow(&[
        "run",
        "object.yaml",
        "--var",
        &base,
        "--report-json",
        "r.json",
    ]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    for line in [
        "= note:   differs at $.items[0].n: expected 2, actual 1",
        "= note:   differs at $.items[0].extra: expected 1, actual absent",
        "= note:   differs at $.items[*].currency[1]: expected \"EUR\", actual \"GBP\"",
        "= note:   differs at $.items[*].currency[2]: expected absent, actual \"EUR\"",
    ] {
        assert!(out.stdout.contains(line), "{line}\n{}", out.stdout);
    }
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(project.path().join("r.json")).unwrap())
            .unwrap();
    let first = &json["scenarios"][0]["steps"][0]["failures"][0];
    assert_eq!(
        first["differences"][0],
        serde_json::json!({"path": "$.items[0].n", "expected": "2", "actual": "1"})
    );
}

#[test]
fn a_ninety_day_consent_is_checked_with_date_functions() {
    let project = Project::new();
    let seeds = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    // The seed's check, with the wrong number of days.
    let seed = std::fs::read_to_string(seeds.join("consent_expires_after_90_days.yaml")).unwrap();
    assert!(seed.contains("date_add('90d')"), "{seed}");
    std::fs::create_dir_all(project.path().join("_flows")).unwrap();
    for flow in std::fs::read_dir(seeds.join("_flows")).unwrap().flatten() {
        std::fs::copy(
            flow.path(),
            project.path().join("_flows").join(flow.file_name()),
        )
        .unwrap();
    }
    project.write("ninety.yaml", &seed);
    project.write(
        "eighty_nine.yaml",
        &seed.replace("date_add('90d')", "date_add('89d')"),
    );
    let out = project.obflow(&["run", "ninety.yaml"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let out = project.obflow(&["run", "eighty_nine.yaml"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains("check failed: $.results[0].consent_expires_at")
            && out.stdout.contains("expected: same_instant \""),
        "{}",
        out.stdout
    );
}

#[test]
fn a_var_no_selected_scenario_reads_is_warned_about() {
    let project = Project::new();
    project.write(
        "a.yaml",
        "name: a\nvars:\n  region: uk\nsteps:\n  - wait: \"{{ delay }}\"\n",
    );
    project.write(
        "b.yaml",
        "name: b\nsteps:\n  - wait: \"{{ vars.other }}\"\n",
    );
    let args = [
        "run",
        "a.yaml",
        "--var",
        "delay=1ms",
        "--var",
        "region=eu",
        "--var",
        "dealy=2ms",
    ];
    let out = project.obflow(&args);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stderr
            .contains("warning: `--var dealy` is not used by any selected scenario"),
        "{}",
        out.stderr
    );
    // A --var that overrides a `vars` entry is read; so is any, by a scenario reading `vars`.
    assert!(!out.stderr.contains("--var region"), "{}", out.stderr);
    assert!(!out.stderr.contains("--var delay`"), "{}", out.stderr);
    let all = project.obflow(&[
        "run",
        ".",
        "--var",
        "delay=1ms",
        "--var",
        "other=1ms",
        "--var",
        "x=1",
    ]);
    assert_eq!(all.code, 0, "{}{}", all.stdout, all.stderr);
    assert!(!all.stderr.contains("warning"), "{}", all.stderr);
}

#[test]
fn jobs_zero_is_refused() {
    let project = Project::new();
    project.write("a.yaml", "name: a\nsteps:\n  - wait: 1ms\n");
    let out = project.obflow(&["run", "a.yaml", "--jobs", "0"]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains("invalid value '0' for '--jobs <N>'")
            && out.stderr.contains("at least one"),
        "{}",
        out.stderr
    );
    assert_eq!(project.obflow(&["run", "a.yaml", "-j", "1"]).code, 0);
}

#[test]
fn secrets_never_reach_verbose_output() {
    let server = TestServer::start();
    let project = Project::new();
    project.write(".env", "OBFLOW_CLIENT_SECRET=env-file-secret-value\n");
    project.write(
        "secret.yaml",
        r#"name: tokens stay hidden
vars:
  my_password: hunter2-password-value
  api_key_material: declared-secret-value
secrets: [api_key_material]
steps:
  - id: token
    request:
      method: POST
      url: "{{ base }}/token"
      form:
        client_secret: "{{ env.OBFLOW_CLIENT_SECRET }}"
        password: "{{ my_password }}"
    capture:
      tok: $.access_token
  - request:
      method: POST
      url: "{{ base }}/echo"
      headers:
        authorization: "Bearer {{ tok }}"
        x-custom: "{{ api_key_material }}"
      json:
        again: "{{ steps.token.json.refresh_token }}"
"#,
    );
    let out = run(&project, &server, "secret.yaml");
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let base = format!("base={}", server.base);
    let out = project.obflow(&["run", "secret.yaml", "--var", &base, "-v"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let all = format!("{}{}", out.stdout, out.stderr);
    assert!(
        all.contains("POST http://127.0.0.1"),
        "verbose prints requests: {all}"
    );
    for secret in [
        "SUPERSECRET",
        "env-file-secret-value",
        "hunter2-password-value",
        "declared-secret-value",
    ] {
        assert!(!all.contains(secret), "`{secret}` leaked:\n{all}");
    }
    assert!(all.contains("***"), "{all}");
}

#[test]
fn a_large_suite_is_made_again_file_by_file_and_still_runs_every_scenario() {
    // Above 2,000 files `run` keeps each file's text, not the scenario, and makes the
    // scenario again when its turn comes: the results must be the same.
    let server = TestServer::start();
    let project = Project::new();
    for i in 0..2001 {
        project.write(
            &format!("suite/s{i:04}.yaml"),
            &format!(
                "name: scenario {i}\nsteps:\n  - request: {{ url: \"{{{{ base }}}}/json\" }}\n    expect: {{ json: {{ $.count: 3 }} }}\n"
            ),
        );
    }
    project.write(
        "suite/s9999.yaml",
        "name: the failing one\nsteps:\n  - request: { url: \"{{ base }}/json\" }\n    expect: { json: { $.count: 4 } }\n",
    );
    let base = format!("base={}", server.base);
    let out = project.obflow(&["run", "suite", "--var", &base, "--jobs", "16"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(out.stdout.lines().last(), Some("2001 passed, 1 failed"));
    assert!(
        out.stdout.contains("--> suite/s9999.yaml:4:"),
        "located failure"
    );
}

#[test]
fn a_duration_too_long_from_a_template_fails_its_scenario_in_every_report() {
    let project = Project::new();
    project.write(
        "long.yaml",
        "name: waits too long\nvars: { d: 1e300 }\nsteps:\n  - wait: \"{{ d }}\"\n",
    );
    project.write("fine.yaml", "name: waits a little\nsteps:\n  - wait: 1ms\n");
    let out = project.obflow(&[
        "run",
        ".",
        "--report-json",
        "r.json",
        "--report-junit",
        "r.xml",
    ]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("longer than 100 years"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("long.yaml:4:"),
        "located: {}",
        out.stdout
    );
    let read = |name: &str| std::fs::read_to_string(project.path().join(name)).unwrap();
    let json: serde_json::Value = serde_json::from_str(&read("r.json")).unwrap();
    assert_eq!(
        json["scenarios"].as_array().map(Vec::len),
        Some(2),
        "{json}"
    );
    let junit = read("r.xml");
    assert_eq!(junit.matches("<testcase").count(), 2, "{junit}");
}

#[test]
fn a_for_each_list_too_long_fails_its_step() {
    let project = Project::new();
    let items: Vec<String> = (0..1001).map(|i| i.to_string()).collect();
    project.write(
        "many.yaml",
        &format!(
            "name: many items\nsteps:\n  - for_each: [{}]\n    wait: 1ms\n",
            items.join(", ")
        ),
    );
    let out = project.obflow(&["run", "many.yaml"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("at most 1000"), "{}", out.stdout);
    assert!(
        out.stdout.contains("many.yaml:3:"),
        "located: {}",
        out.stdout
    );
}

#[test]
fn a_scenario_cannot_hold_unbounded_values() {
    let project = Project::new();
    // Each var ten times the one before (1 kB ... 10 GB): stopped by the cap on one value.
    let mut text = String::from("name: eight times ten\nvars:\n  v0: \"{{ 'x' * 1000 }}\"\n");
    for i in 1..8 {
        text.push_str(&format!("  v{i}: \"{{{{ v{} * 10 }}}}\"\n", i - 1));
    }
    text.push_str("steps:\n  - wait: 1ms\n");
    project.write("growing.yaml", &text);
    // Many values under that cap: stopped by the cap on what a scenario holds.
    let mut text = String::from("name: many copies\nvars:\n  v0: \"{{ 'x' * 900000 }}\"\n");
    for i in 1..100 {
        text.push_str(&format!("  v{i}: \"{{{{ v0 }}}}\"\n"));
    }
    text.push_str("steps:\n  - wait: 1ms\n");
    project.write("copies.yaml", &text);
    for (file, message) in [
        ("growing.yaml", "the template renders to more than 1 MiB"),
        ("copies.yaml", "more than the 64 MiB a scenario may"),
    ] {
        let out = project.obflow(&["run", file]);
        assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
        assert!(out.stdout.contains(message), "{file}: {}", out.stdout);
        assert!(
            out.stdout.contains(&format!("{file}:")),
            "located: {}",
            out.stdout
        );
    }
}

#[test]
fn control_characters_from_files_never_reach_the_terminal_raw() {
    let project = Project::new();
    project.write(
        "escapes.yaml",
        "name: \"clear \\e[2J screen\"\nvars:\n  items: [\"\\e]0;title\\a\", \"\\u202eevil\"]\nsteps:\n  - for_each: \"{{ items }}\"\n    request:\n      url: \"http://127.0.0.1:1/\\e[31m\"\n      headers: { \"x\\u0000\": v }\n",
    );
    let out = project.obflow(&["run", "escapes.yaml", "-v"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    for raw in ['\u{1b}', '\u{7}', '\u{0}', '\u{202e}'] {
        assert!(
            !out.stdout.contains(raw) && !out.stderr.contains(raw),
            "{raw:?} reached the terminal:\n{}{}",
            out.stdout,
            out.stderr
        );
    }
    assert!(
        out.stdout.contains("\\u{1b}"),
        "shown escaped: {}",
        out.stdout
    );
}

#[test]
fn retries_are_bounded_in_number_and_in_real_waiting() {
    let project = Project::new();
    project.write(
        "many.yaml",
        "name: many\nsteps:\n  - wait: 1ms\n    retry: { count: 100000, interval: 0s }\n",
    );
    let out = project.obflow(&["check", "many.yaml"]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains("from 0 to 1000") && out.stderr.contains("many.yaml:4:21"),
        "{}",
        out.stderr
    );

    project.write(
        "slow.yaml",
        "name: slow\nsteps:\n  - request: { url: \"http://127.0.0.1:1/\" }\n    retry: { count: 10, interval: 1h }\n",
    );
    let out = project.obflow(&["run", "slow.yaml"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("`retry` could wait 10h in all")
            && out.stdout.contains("slow.yaml:4:5"),
        "{}",
        out.stdout
    );
}
