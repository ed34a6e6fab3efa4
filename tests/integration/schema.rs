//! `obflow schema`: the committed schema is current, every seed scenario and flow validates
//! against it, and misspelt keys are rejected as the loader rejects them.

use std::path::{Path, PathBuf};

use crate::support::Project;
use serde_json::Value;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn schema() -> Value {
    let run = Project::new().obflow(&["schema"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    serde_json::from_str(&run.stdout).expect("the schema is JSON")
}

fn validator() -> jsonschema::Validator {
    jsonschema::validator_for(&schema()).expect("the schema is a valid JSON Schema")
}

fn yaml(text: &str) -> Value {
    obflow::source::yaml::parse(text).expect("YAML").value
}

fn errors(validator: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    validator.iter_errors(doc).map(|e| e.to_string()).collect()
}

#[test]
fn the_committed_schema_is_up_to_date() {
    let run = Project::new().obflow(&["schema"]);
    let committed =
        std::fs::read_to_string(repo().join("schema/scenario.schema.json")).unwrap_or_default();
    assert!(
        committed == run.stdout,
        "schema/scenario.schema.json is out of date: run `cargo run -- schema > schema/scenario.schema.json`"
    );
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
}

#[test]
fn every_scenario_and_flow_validates_and_points_at_the_schema() {
    let validator = validator();
    let mut files = Vec::new();
    yaml_files(&repo().join("scenarios"), &mut files);
    assert!(files.len() > 10, "{files:?}");
    assert!(files.iter().any(|f| f.ends_with("_flows/connect.yaml")));
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read");
        let problems = errors(&validator, &yaml(&text));
        assert!(problems.is_empty(), "{}: {problems:#?}", file.display());
        // The editor finds the schema through the first line, relative to the file.
        let first = text.lines().next().unwrap_or("");
        let relative = first
            .strip_prefix("# yaml-language-server: $schema=")
            .unwrap_or_else(|| panic!("{}: no schema comment", file.display()));
        let schema = file.parent().unwrap().join(relative);
        assert!(
            schema.canonicalize().ok()
                == repo()
                    .join("schema/scenario.schema.json")
                    .canonicalize()
                    .ok(),
            "{}: the schema comment points at {}",
            file.display(),
            schema.display()
        );
    }
}

#[test]
fn misspelt_keys_are_rejected() {
    let validator = validator();
    let good = yaml(
        "name: x\nsteps:\n  - request: { method: GET, url: http://127.0.0.1/ }\n    expect: { status: 200, $.a: 1 }\n",
    );
    assert_eq!(errors(&validator, &good), Vec::<String>::new());
    for bad in [
        // A misspelt request field.
        "name: x\nsteps:\n  - request: { metod: GET, url: http://127.0.0.1/ }\n",
        // A misspelt action.
        "name: x\nsteps:\n  - auth_lnk: {}\n",
        // A misspelt common key.
        "name: x\nsteps:\n  - exchange: {}\n    expct: { status: 200 }\n",
        // A misspelt parameter of a typed step.
        "name: x\nsteps:\n  - auth_link: { scopes: [info] }\n",
        // A misspelt top-level key.
        "name: x\ndescripton: y\nsteps:\n  - me: {}\n",
        // A misspelt section of expect, and of a capture.
        "name: x\nsteps:\n  - me: {}\n    expect: { stauts: 200 }\n",
        "name: x\nsteps:\n  - me: {}\n    capture: { id: { jsonpth: $.id } }\n",
    ] {
        assert!(!validator.is_valid(&yaml(bad)), "accepted:\n{bad}");
    }
}

#[test]
fn a_step_has_exactly_one_action_and_include_stands_alone() {
    let validator = validator();
    for bad in [
        "name: x\nsteps:\n  - me: {}\n    accounts: {}\n",
        "name: x\nsteps:\n  - name: nothing to do\n",
        "name: x\nsteps:\n  - include: _flows/connect.yaml\n    name: with a name\n",
        "name: x\nsteps:\n  - account: {}\n",
        "name: x\nsteps: []\n",
    ] {
        assert!(!validator.is_valid(&yaml(bad)), "accepted:\n{bad}");
    }
    for good in [
        "name: x\nsteps:\n  - include: { file: _flows/connect.yaml, vars: { user: joe } }\n  - exchange:\n  - wait: 6m\n  - wait: { for: 1h }\n",
        "name: x\nsteps:\n  - account: { account_id: acc-1 }\n    for_each: [a, b]\n    as: acc\n",
    ] {
        let doc = yaml(good);
        assert_eq!(errors(&validator, &doc), Vec::<String>::new(), "{good}");
    }
}

/// The committed schema of the JSON report.
fn report_validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(repo().join("schema/report.schema.json")).unwrap();
    let schema: Value = serde_json::from_str(&text).expect("the report schema is JSON");
    jsonschema::validator_for(&schema).expect("the report schema is a valid JSON Schema")
}

/// Runs `obflow run ARGS --report-json r.json` in `project`; the report, whatever the exit.
fn json_report(project: &Project, args: &[&str], env: &[(&str, &str)]) -> Value {
    let mut all = vec!["run"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--report-json", "r.json"]);
    let out = project.obflow_env(&all, env);
    let text = std::fs::read_to_string(project.path().join("r.json"))
        .unwrap_or_else(|e| panic!("no report ({e}): {}{}", out.stdout, out.stderr));
    serde_json::from_str(&text).expect("the report is JSON")
}

#[test]
fn every_json_report_holds_to_the_report_schema() {
    let validator = report_validator();
    let server = crate::support::TestServer::start();
    let base = format!("base={}", server.base);
    let project = Project::new();
    project.write(
        "mixed/pass.yaml",
        "name: passes\ntags: [smoke]\nsteps:\n  - id: doc\n    request: { url: \"{{ base }}/json\" }\n    expect: { status: 200, json: { $.name: demo } }\n",
    );
    project.write(
        "mixed/fail.yaml",
        "name: fails\nsteps:\n  - id: doc\n    request: { url: \"{{ base }}/json\" }\n    expect:\n      json:\n        $.items[0]: { id: b }\n  - id: later\n    wait: 1ms\n",
    );
    project.write(
        "mixed/error.yaml",
        "name: errs\nsteps:\n  - id: token\n    exchange: {}\n",
    );
    let mut reports = vec![
        (
            "mixed, repeated",
            json_report(&project, &["mixed", "--var", &base, "--repeat", "2"], &[]),
        ),
        (
            "dry run",
            json_report(&project, &["mixed", "--var", &base, "--dry-run"], &[]),
        ),
        (
            "another shard's listed",
            json_report(
                &project,
                &[
                    "mixed",
                    "--var",
                    &base,
                    "--shard",
                    "1/2",
                    "--report-all-scenarios",
                ],
                &[],
            ),
        ),
        (
            "fail-fast",
            json_report(
                &project,
                &["mixed", "--var", &base, "--fail-fast", "-j", "1"],
                &[],
            ),
        ),
    ];
    let seeds = repo().join("scenarios");
    let snapshots = repo().join("snapshots");
    reports.push((
        "seed scenarios",
        json_report(
            &project,
            &[
                seeds.to_str().unwrap(),
                "--snapshots",
                "check",
                "--snapshot-dir",
                snapshots.to_str().unwrap(),
            ],
            &[],
        ),
    ));
    project.write("broken/typo.yaml", "name: typo\nsteps:\n  - requestt: {}\n");
    reports.push((
        "invalid files",
        json_report(&project, &["broken", "--var", "x"], &[]),
    ));
    for (what, report) in &reports {
        assert_eq!(
            errors(&validator, report),
            Vec::<String>::new(),
            "{what}: {report:#}"
        );
    }
    // What the schema promises is in them: requests with statuses, the start time, failures
    // told from errors, invalid files.
    let mixed = &reports[0].1;
    assert_eq!(mixed["summary"]["failures"], 2, "{mixed:#}");
    assert_eq!(mixed["summary"]["errors"], 2, "{mixed:#}");
    assert!(mixed["run"]["started_at"].is_string());
    let passing = mixed["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["scenario"] == "passes")
        .unwrap();
    let request = &passing["steps"][0]["requests"][0];
    assert_eq!(request["method"], "GET");
    assert_eq!(request["status"], 200);
    assert!(
        request["url"].as_str().unwrap().ends_with("/json"),
        "{request}"
    );
    assert_eq!(reports[5].1["summary"]["invalid_files"], 1);
    assert!(reports[5].1["run"]["started_at"].is_string());

    // And the schema is strict: a field it does not describe is refused.
    let mut extra = reports[0].1.clone();
    extra["scenarios"][0]["steps"][0]["surprise"] = Value::Bool(true);
    assert!(!errors(&validator, &extra).is_empty());
}

#[test]
fn browser_plans_are_described() {
    let v = validator();
    let good = yaml(
        "name: b\nsteps:\n  - await_code:\n      via: browser\n      plan:\n        - click: { role: button, name: Allow }\n        - fill: { label: Password, value: x, secret: true }\n  - await_code: { via: browser, plan: obflow-mock }\n",
    );
    assert!(errors(&v, &good).is_empty(), "{:?}", errors(&v, &good));
    for bad in [
        "plan: obflow-mok",
        "plan: [{ clik: { text: A } }]",
        "plan: [{ fill: { label: A } }]",
        "plan: [{ click: { text: A, css: b } }]",
    ] {
        let doc = yaml(&format!(
            "name: b\nsteps:\n  - await_code:\n      via: browser\n      {bad}\n"
        ));
        assert!(!errors(&v, &doc).is_empty(), "{bad} passed the schema");
    }
}
