//! CI-grade runs through the real binary: JUnit and JSON reports (content, validity, no
//! secrets), GitHub annotations, `--shard`, `--repeat`, step `retry`, and report files that
//! cannot be written.

use std::collections::BTreeSet;
use std::path::Path;

use crate::support::{self, Project, TestServer};
use serde_json::Value;

/// Three files: a passing scenario, a failing check, a step error.
fn mixed_project() -> Project {
    let project = Project::new();
    project.write(
        "pass.yaml",
        r#"name: everything holds
steps:
  - id: doc
    request:
      url: "{{ base }}/json"
    expect:
      status: 200
      json:
        $.name: demo
"#,
    );
    project.write(
        "checks/fail.yaml",
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
  - id: after
    request:
      url: "{{ base }}/json"
"#,
    );
    project.write(
        "error.yaml",
        r#"name: nothing to exchange
steps:
  - id: token
    exchange: {}
"#,
    );
    project
}

/// The volatile filters, plus the reports' durations and the responses' dates.
fn report_filters() -> insta::Settings {
    let mut settings = support::volatile_filters();
    settings.add_filter(r#"time="[0-9.]+""#, r#"time="[time]""#);
    settings.add_filter(r"date: [^\n]+ GMT", "date: [date]");
    settings.add_filter(r#""duration_ms": [0-9.]+"#, r#""duration_ms": "[ms]""#);
    settings.add_filter(r#""started_at": "[^"]+""#, r#""started_at": "[date]""#);
    settings
}

fn read(path: impl AsRef<Path>) -> String {
    std::fs::read_to_string(path.as_ref())
        .unwrap_or_else(|e| panic!("{}: {e}", path.as_ref().display()))
}

#[test]
fn junit_report_has_a_testcase_per_scenario_with_located_failures() {
    let server = TestServer::start();
    let project = mixed_project();
    let base = format!("base={}", server.base);
    let out = project.obflow(&[
        "run",
        "pass.yaml",
        "checks/fail.yaml",
        "error.yaml",
        "--var",
        &base,
        "-j",
        "1",
        "--report-junit",
        "out/junit.xml",
    ]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let xml = read(project.path().join("out/junit.xml"));

    let report = quick_junit::Report::deserialize_from_str(&xml).expect("valid JUnit XML");
    assert_eq!(report.tests, 3);
    assert_eq!(report.failures, 1);
    assert_eq!(report.errors, 1);
    let cases: Vec<(String, String)> = report
        .test_suites
        .iter()
        .flat_map(|suite| {
            suite.test_cases.iter().map(|case| {
                (
                    suite.name.as_str().to_owned(),
                    case.name.as_str().to_owned(),
                )
            })
        })
        .collect();
    assert_eq!(
        cases,
        // Files in the order discovery sorts them.
        [
            ("checks/fail.yaml".into(), "token count is wrong".into()),
            ("error.yaml".into(), "nothing to exchange".into()),
            ("pass.yaml".into(), "everything holds".into()),
        ]
    );
    let _filters = report_filters().bind_to_scope();
    insta::assert_snapshot!(xml);
}

#[test]
fn json_report_lists_every_scenario_step_and_check() {
    let server = TestServer::start();
    let project = mixed_project();
    let base = format!("base={}", server.base);
    let out = project.obflow(&[
        "run",
        "pass.yaml",
        "checks/fail.yaml",
        "error.yaml",
        "--var",
        &base,
        "--report-json",
        "report.json",
    ]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let text = read(project.path().join("report.json"));
    let json: Value = serde_json::from_str(&text).expect("valid JSON");
    assert_eq!(json["schema_version"], 1);
    assert_eq!(json["scenarios"].as_array().unwrap().len(), 3);
    let _filters = report_filters().bind_to_scope();
    insta::assert_snapshot!(text);
}

/// The patterns of what the embedded mock issues: JWTs (access and id tokens) and codes,
/// and the demo client's secret.
fn assert_no_secret(what: &str, text: &str) {
    let jwt = regex::Regex::new(r"eyJ[A-Za-z0-9_-]{10,}").unwrap();
    let code = regex::Regex::new(r"code-[0-9a-f]{32}").unwrap();
    assert!(!jwt.is_match(text), "{what} holds a JWT");
    assert!(!code.is_match(text), "{what} holds an authorisation code");
    assert!(
        !text.contains("sandbox-obflow-demo-secret"),
        "{what} holds the client secret"
    );
    assert!(!text.contains("SUPERSECRET"), "{what} holds a token");
}

#[test]
fn reports_and_verbose_output_carry_no_token() {
    let project = Project::new();
    // Fails after the exchange, so the JUnit report holds the token response's transcript.
    project.write(
        "tokens.yaml",
        r#"name: tokens are issued
steps:
  - auth_link:
      scope: [info, accounts, offline_access]
  - await_code:
      via: auto
      user: john
  - id: token
    exchange: {}
    expect:
      status: 201
"#,
    );
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let out = project.obflow(&[
        "run",
        "tokens.yaml",
        seeds.to_str().unwrap(),
        "-v",
        "--report-junit",
        "junit.xml",
        "--report-json",
        "report.json",
    ]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let junit = read(project.path().join("junit.xml"));
    let json = read(project.path().join("report.json"));
    // The transcript is there, with its secrets replaced.
    assert!(junit.contains("access_token"), "{junit}");
    assert!(junit.contains("***"), "{junit}");
    assert_no_secret("the JUnit report", &junit);
    assert_no_secret("the JSON report", &json);
    assert_no_secret("the -v output", &out.stdout);
    assert_no_secret("stderr", &out.stderr);

    // Tokens a custom server returns are learnt and redacted too.
    let server = TestServer::start();
    project.write(
        "custom.yaml",
        r#"name: custom token endpoint
steps:
  - request:
      method: POST
      url: "{{ base }}/token"
    expect:
      json:
        $.token_type: MAC
"#,
    );
    let base = format!("base={}", server.base);
    let out = project.obflow(&[
        "run",
        "custom.yaml",
        "--var",
        &base,
        "--report-junit",
        "junit.xml",
        "--report-json",
        "report.json",
    ]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let junit = read(project.path().join("junit.xml"));
    assert!(junit.contains("refresh_token"), "{junit}");
    assert_no_secret("the JUnit report", &junit);
    assert_no_secret("the JSON report", &read(project.path().join("report.json")));
}

#[test]
fn github_actions_gets_one_annotation_per_problem() {
    let server = TestServer::start();
    let project = mixed_project();
    let base = format!("base={}", server.base);
    let args = [
        "run",
        "checks/fail.yaml",
        "error.yaml",
        "--var",
        &base,
        "-j",
        "1",
    ];
    let out = project.obflow_env(&args, &[("GITHUB_ACTIONS", "true"), ("CI", "true")]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    // Scenarios finish in any order, even with `-j 1`.
    let mut annotations: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.starts_with("::error "))
        .collect();
    annotations.sort();
    assert_eq!(
        annotations,
        [
            "::error file=checks/fail.yaml,line=9,col=9,title=token count is wrong › step doc\
             ::check failed: $.items length%0Aexpected: length 2%0Aactual: 3",
            "::error file=error.yaml,line=4,col=15,title=nothing to exchange › step token\
             ::there is no code to exchange%0Ahelp: run `await_code` first, or give `code:`",
        ],
        "{}",
        out.stdout
    );
    let plain = project.obflow(&args);
    assert!(!plain.stdout.contains("::error"), "{}", plain.stdout);
}

/// Names of the scenarios a JSON report says passed / were skipped.
fn outcomes(report: &Value) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut passed = BTreeSet::new();
    let mut skipped = BTreeSet::new();
    for s in report["scenarios"].as_array().unwrap() {
        let name = s["name"].as_str().unwrap().to_owned();
        match s["outcome"].as_str().unwrap() {
            "passed" => assert!(passed.insert(name)),
            "skipped" => assert!(skipped.insert(name)),
            other => panic!("{name}: {other}"),
        }
    }
    (passed, skipped)
}

/// Runs the seed scenarios with these arguments in `project`, writing `json` and `xml`.
fn run_seeds(project: &Project, extra: &[&str], json: &str, xml: &str) -> (Value, String) {
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let snapshots = format!("{}/snapshots", env!("CARGO_MANIFEST_DIR"));
    let mut args = vec![
        "run",
        seeds.to_str().unwrap(),
        "--report-json",
        json,
        "--report-junit",
        xml,
        "--snapshots",
        "check",
        "--snapshot-dir",
        &snapshots,
    ];
    args.extend_from_slice(extra);
    let out = project.obflow(&args);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let report = serde_json::from_str::<Value>(&read(project.path().join(json))).unwrap();
    (report, read(project.path().join(xml)))
}

#[test]
fn two_shards_together_run_every_scenario_once() {
    let project = Project::new();
    let mut reports = Vec::new();
    for shard in ["1/2", "2/2"] {
        let (json, _) = run_seeds(
            &project,
            &["--shard", shard, "--report-all-scenarios"],
            "shard.json",
            "shard.xml",
        );
        reports.push(json);
    }
    let (ran_1, skipped_1) = outcomes(&reports[0]);
    let (ran_2, skipped_2) = outcomes(&reports[1]);
    assert!(!ran_1.is_empty() && !ran_2.is_empty());
    assert!(ran_1.is_disjoint(&ran_2));
    // With --report-all-scenarios each shard lists the others' scenarios as skipped.
    assert_eq!(ran_1, skipped_2);
    assert_eq!(ran_2, skipped_1);
    assert_eq!(reports[0]["run"]["all_scenarios"], true);
    let all: BTreeSet<String> = ran_1.union(&ran_2).cloned().collect();
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let listed = project.obflow(&["list", seeds.to_str().unwrap()]);
    assert_eq!(
        all.len(),
        listed.stdout.lines().count(),
        "{}",
        listed.stdout
    );
}

/// Every testcase of a JUnit report: suite, name, classname, file, line and status.
fn testcases(xml: &str) -> Vec<(String, String, String, String, String)> {
    let report = quick_junit::Report::deserialize_from_str(xml).expect("valid JUnit XML");
    let mut cases = Vec::new();
    for suite in &report.test_suites {
        for case in &suite.test_cases {
            let status = match &case.status {
                quick_junit::TestCaseStatus::Success { .. } => "passed".to_owned(),
                other => format!("{other:?}"),
            };
            cases.push((
                suite.name.to_string(),
                case.name.to_string(),
                case.classname
                    .as_ref()
                    .map(|c| c.to_string())
                    .unwrap_or_default(),
                format!("{:?}", case.extra),
                status,
            ));
        }
    }
    cases
}

#[test]
fn sharded_junit_merged_equals_the_unsharded_run() {
    let project = Project::new();
    let (whole_json, whole_xml) = run_seeds(&project, &[], "all.json", "all.xml");
    let mut whole = testcases(&whole_xml);
    whole.sort();
    assert!(whole.len() > 10, "{whole:?}");
    let mut merged = Vec::new();
    let mut total = 0;
    for shard in ["1/3", "2/3", "3/3"] {
        let (json, xml) = run_seeds(&project, &["--shard", shard], "shard.json", "shard.xml");
        let cases = testcases(&xml);
        // A shard lists its own scenarios and no skipped one.
        assert!(cases.iter().all(|c| c.4 == "passed"), "{shard}: {cases:?}");
        let report = quick_junit::Report::deserialize_from_str(&xml).unwrap();
        assert_eq!(report.tests, cases.len());
        assert_eq!(json["summary"]["skipped"], 0, "{shard}");
        assert_eq!(json["summary"]["total"], cases.len(), "{shard}");
        assert_eq!(json["scenarios"].as_array().unwrap().len(), cases.len());
        total += cases.len();
        merged.extend(cases);
    }
    merged.sort();
    assert_eq!(merged, whole);
    assert_eq!(
        total,
        whole_json["summary"]["total"].as_u64().unwrap() as usize
    );

    // --report-all-scenarios keeps the old listing: each shard lists the whole suite.
    let (_, xml) = run_seeds(
        &project,
        &["--shard", "1/3", "--report-all-scenarios"],
        "one.json",
        "one.xml",
    );
    assert_eq!(testcases(&xml).len(), whole.len());
    assert!(xml.contains("<skipped message=\"not in shard 1/3: another shard runs it\"/>"));
}

#[test]
fn a_bad_shard_is_a_usage_error() {
    let project = Project::new();
    project.write("a.yaml", "name: a\nsteps:\n  - wait: 1ms\n");
    for bad in ["3/2", "0/2", "1/0", "half"] {
        let out = project.obflow(&["run", "a.yaml", "--shard", bad]);
        assert_eq!(out.code, 2, "{bad}: {}", out.stderr);
        assert!(out.stderr.contains("--shard"), "{bad}: {}", out.stderr);
    }
    let out = project.obflow(&["run", "a.yaml", "--shard", "3/2"]);
    assert!(
        out.stderr.contains("K must be between 1 and 2"),
        "{}",
        out.stderr
    );
}

#[test]
fn repeat_runs_each_scenario_n_times_as_separate_entries() {
    let server = TestServer::start();
    let project = mixed_project();
    let base = format!("base={}", server.base);
    let out = project.obflow(&[
        "run",
        "pass.yaml",
        "--var",
        &base,
        "--repeat",
        "3",
        "--report-json",
        "r.json",
        "--report-junit",
        "j.xml",
    ]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert_eq!(out.stdout.lines().last(), Some("3 passed, 0 failed"));
    let json: Value = serde_json::from_str(&read(project.path().join("r.json"))).unwrap();
    let names: Vec<&str> = json["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "everything holds (run 1/3)",
            "everything holds (run 2/3)",
            "everything holds (run 3/3)"
        ]
    );
    assert_eq!(json["scenarios"][1]["repetition"]["run"], 2);
    let junit = quick_junit::Report::deserialize_from_str(&read(project.path().join("j.xml")))
        .expect("valid JUnit");
    // JUnit keeps one testcase per scenario, under its own name, for test history.
    assert_eq!(junit.tests, 1);
    let case = &junit.test_suites[0].test_cases[0];
    assert_eq!(case.name.as_str(), "everything holds");
    assert!(matches!(
        case.status,
        quick_junit::TestCaseStatus::Success { .. }
    ));

    let zero = project.obflow(&["run", "pass.yaml", "--repeat", "0"]);
    assert_eq!(zero.code, 2, "{}", zero.stderr);
}

#[test]
fn repeated_failures_are_one_testcase_with_reruns() {
    let server = TestServer::start();
    let project = Project::new();
    // Fails the first two calls: runs 1 and 2 fail, run 3 passes.
    project.write(
        "soak.yaml",
        r#"name: soak
steps:
  - id: ready
    request:
      url: "{{ base }}/flaky/soak-junit/2"
    expect:
      status: 200
"#,
    );
    let base = format!("base={}", server.base);
    let out = project.obflow(&[
        "run",
        "soak.yaml",
        "--var",
        &base,
        "-j",
        "1",
        "--repeat",
        "3",
        "--report-junit",
        "j.xml",
    ]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let xml = read(project.path().join("j.xml"));
    let junit = quick_junit::Report::deserialize_from_str(&xml).expect("valid JUnit");
    assert_eq!((junit.tests, junit.failures), (1, 1), "{xml}");
    let case = &junit.test_suites[0].test_cases[0];
    assert_eq!(case.name.as_str(), "soak");
    match &case.status {
        quick_junit::TestCaseStatus::NonSuccess { kind, reruns, .. } => {
            assert_eq!(*kind, quick_junit::NonSuccessKind::Failure);
            assert_eq!(reruns.kind, quick_junit::FlakyOrRerun::Rerun);
            assert_eq!(reruns.runs.len(), 1, "{xml}");
        }
        other => panic!("{other:?}"),
    }
    let properties: Vec<(String, String)> = case
        .properties
        .iter()
        .map(|p| (p.name.to_string(), p.value.to_string()))
        .collect();
    assert!(
        properties.contains(&("obflow.runs_failed".into(), "2".into())),
        "{properties:?}"
    );
    assert!(
        properties.contains(&("obflow.runs_passed".into(), "1".into())),
        "{properties:?}"
    );
    assert!(xml.contains("══ run 3/3: passed"), "{xml}");
}

#[test]
fn an_invalid_file_is_an_error_testcase_a_json_entry_and_an_annotation() {
    let project = Project::new();
    project.write("ok.yaml", "name: fine\nsteps:\n  - wait: 1ms\n");
    project.write(
        "typo.yaml",
        "name: typo\nvars:\n  api_token: tok-LITERAL-SECRET\nsteps:\n  - id: a\n    requestt: { url: \"http://x/tok-LITERAL-SECRET\" }\n",
    );
    let out = project.obflow_env(
        &[
            "run",
            ".",
            "--report-junit",
            "j.xml",
            "--report-json",
            "r.json",
            "--var",
            "api_token=tok-LITERAL-SECRET",
        ],
        &[("GITHUB_ACTIONS", "true")],
    );
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("nothing was run"), "{}", out.stderr);
    assert!(
        out.stdout
            .contains("::error file=typo.yaml,line=6,col=5,title=invalid scenario file::unknown step key `requestt`"),
        "{}",
        out.stdout
    );
    let xml = read(project.path().join("j.xml"));
    let junit = quick_junit::Report::deserialize_from_str(&xml).expect("valid JUnit");
    assert_eq!((junit.tests, junit.errors), (1, 1), "{xml}");
    let case = &junit.test_suites[0].test_cases[0];
    assert_eq!(case.name.as_str(), "./typo.yaml");
    match &case.status {
        quick_junit::TestCaseStatus::NonSuccess { kind, ty, .. } => {
            assert_eq!(*kind, quick_junit::NonSuccessKind::Error);
            assert_eq!(ty.as_ref().unwrap().as_str(), "invalid scenario file");
        }
        other => panic!("{other:?}"),
    }
    let json: Value = serde_json::from_str(&read(project.path().join("r.json"))).unwrap();
    assert_eq!(json["summary"]["invalid_files"], 1);
    let invalid = &json["invalid_files"][0];
    assert_eq!(invalid["file"], "./typo.yaml");
    assert_eq!(invalid["problems"][0]["location"]["line"], 6);
    assert_eq!(invalid["problems"][0]["help"], "did you mean `request`?");
    // The literal is known secret from --var: no output shows it, stderr neither.
    for (what, text) in [
        ("stdout", &out.stdout),
        ("stderr", &out.stderr),
        ("junit", &xml),
    ] {
        assert_no_secret(what, text);
        assert!(!text.contains("tok-LITERAL-SECRET"), "{what}: {text}");
    }
}

#[test]
fn the_github_step_summary_is_appended_with_counts_failures_and_slowest() {
    let server = TestServer::start();
    let project = mixed_project();
    let summary = project.path().join("summary.md");
    std::fs::write(&summary, "# an earlier step's summary\n").unwrap();
    let base = format!("base={}", server.base);
    let github = [
        ("GITHUB_STEP_SUMMARY", summary.to_str().unwrap()),
        ("GITHUB_SERVER_URL", "https://github.com"),
        ("GITHUB_REPOSITORY", "acme/flows"),
        ("GITHUB_SHA", "abc123"),
    ];
    let args = [
        "run",
        "pass.yaml",
        "checks/fail.yaml",
        "error.yaml",
        "--var",
        &base,
    ];
    let out = project.obflow_env(&args, &github);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let text = read(&summary);
    assert!(
        text.starts_with("# an earlier step's summary\n## obflow: ❌ 2 failed\n"),
        "{text}"
    );
    assert!(text.contains("| 1 | 2 | 0 |"), "{text}");
    assert!(
        text.contains(
            "| token count is wrong | [checks/fail.yaml:9](https://github.com/acme/flows/blob/abc123/checks/fail.yaml#L9) | step `doc`: check failed: $.items length (expected: length 2, actual: 3) |"
        ),
        "{text}"
    );
    assert!(text.contains("### Slowest scenarios"), "{text}");
    assert_eq!(text.matches("| everything holds |").count(), 1, "{text}");
    assert_no_secret("step summary", &text);

    // A second step appends its own; without the variable nothing is written.
    let again = project.obflow_env(&["run", "pass.yaml", "--var", &base], &github);
    assert_eq!(again.code, 0);
    let text = read(&summary);
    assert!(text.contains("## obflow: ✅ passed"), "{text}");
    assert_eq!(text.matches("## obflow").count(), 2, "{text}");
    let before = text.len();
    project.obflow(&["run", "pass.yaml", "--var", &base]);
    assert_eq!(read(&summary).len(), before);

    // Invalid files: the summary says so, at the line.
    project.write("bad.yaml", "name: bad\nsteps:\n  - requestt: {}\n");
    let bad = project.obflow_env(&["run", "bad.yaml"], &github);
    assert_eq!(bad.code, 2);
    assert!(
        read(&summary).contains("| [bad.yaml:3](https://github.com/acme/flows/blob/abc123/bad.yaml#L3) | unknown step key `requestt` |"),
        "{}",
        read(&summary)
    );
}

#[test]
fn retry_runs_a_step_again_until_it_passes() {
    let server = TestServer::start();
    let project = Project::new();
    let key = format!("k{}", std::process::id());
    project.write(
        "retry.yaml",
        &format!(
            r#"name: the service comes up
steps:
  - id: ready
    request:
      url: "{{{{ base }}}}/flaky/{key}-a/2"
    retry: {{ count: 5, interval: 10ms }}
    expect:
      status: 200
  - id: job
    request:
      url: "{{{{ base }}}}/counter/{key}-b"
    retry:
      count: 10
      interval: 5ms
      until:
        json:
          $.count: {{ gte: 4 }}
  - id: never
    request:
      url: "{{{{ base }}}}/flaky/{key}-c/50"
    retry: 1
    expect:
      status: 200
"#
        ),
    );
    let base = format!("base={}", server.base);
    let out = project.obflow(&[
        "run",
        "retry.yaml",
        "--var",
        &base,
        "--report-json",
        "r.json",
    ]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("step 3 `never`, after 2 attempts"),
        "{}",
        out.stdout
    );
    let json: Value = serde_json::from_str(&read(project.path().join("r.json"))).unwrap();
    let steps = &json["scenarios"][0]["steps"];
    assert_eq!(steps[0]["outcome"], "passed");
    assert_eq!(steps[0]["attempts"], 3, "two 503s, then 200");
    assert_eq!(steps[1]["outcome"], "passed");
    assert_eq!(steps[1]["attempts"], 4, "polled until the count reached 4");
    assert_eq!(steps[1]["checks"][0]["check"], "retry until $.count");
    assert_eq!(steps[2]["outcome"], "failed");
    assert_eq!(
        steps[2]["attempts"], 2,
        "retry: 1 is one retry after the first attempt"
    );
}

/// A 429 or 503 with `Retry-After` is waited for, never less than `interval`; a wait the
/// server asks for past --max-wait ends the retries at once, saying so.
#[test]
fn retry_waits_as_long_as_retry_after_asks_within_max_wait() {
    let server = TestServer::start();
    let project = Project::new();
    let key = format!("ra{}", std::process::id());
    project.write(
        "retry_after.yaml",
        &format!(
            r#"name: the service says when
steps:
  - id: asked
    request:
      url: "{{{{ base }}}}/flaky/{key}-a/1?retry_after=1"
    retry: {{ count: 3, interval: 10ms }}
    expect:
      status: 200
  - id: too_long
    request:
      url: "{{{{ base }}}}/flaky/{key}-b/5?retry_after=120"
    retry: {{ count: 3, interval: 10ms }}
    expect:
      status: 200
"#
        ),
    );
    let base = format!("base={}", server.base);
    let started = std::time::Instant::now();
    let out = project.obflow(&[
        "run",
        "retry_after.yaml",
        "--var",
        &base,
        "--max-wait",
        "30s",
        "--report-json",
        "r.json",
    ]);
    let took = started.elapsed();
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let json: Value = serde_json::from_str(&read(project.path().join("r.json"))).unwrap();
    let steps = &json["scenarios"][0]["steps"];
    assert_eq!(steps[0]["outcome"], "passed", "{}", out.stdout);
    assert_eq!(steps[0]["attempts"], 2);
    let asked = steps[0]["duration_ms"].as_f64().unwrap();
    assert!(asked >= 1000.0, "waited {asked} ms, Retry-After asked 1 s");
    assert_eq!(steps[1]["outcome"], "failed");
    assert_eq!(
        steps[1]["attempts"], 1,
        "120 s is past --max-wait: no retry"
    );
    assert!(
        out.stdout.contains(
            "no more attempts: the server asked to wait 2m (`Retry-After`), past --max-wait 30.0s"
        ),
        "{}",
        out.stdout
    );
    assert!(took < std::time::Duration::from_secs(20), "took {took:?}");
}

#[test]
fn a_bad_retry_is_reported_at_its_line() {
    let project = Project::new();
    project.write(
        "bad.yaml",
        "name: bad retry\nsteps:\n  - wait: 1ms\n    retry: { count: -1, intervall: 1s }\n",
    );
    let out = project.obflow(&["check", "bad.yaml"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("retry count must be a whole number"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("unknown key `intervall` in `retry`"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("did you mean `interval`?"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("--> bad.yaml:4:"), "{}", out.stderr);
}

#[test]
fn a_report_that_cannot_be_written_exits_3() {
    let server = TestServer::start();
    let project = mixed_project();
    let base = format!("base={}", server.base);
    std::fs::create_dir_all(project.path().join("taken")).unwrap();
    let out = project.obflow(&["run", "pass.yaml", "--var", &base, "--report-json", "taken"]);
    assert_eq!(out.code, 3, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains("cannot write the JSON report `taken`"),
        "{}",
        out.stderr
    );
    // A file where a directory should be.
    std::fs::write(project.path().join("file"), "x").unwrap();
    let out = project.obflow(&[
        "run",
        "pass.yaml",
        "--var",
        &base,
        "--report-junit",
        "file/junit.xml",
    ]);
    assert_eq!(out.code, 3, "{}{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("cannot write the JUnit report"));
}
