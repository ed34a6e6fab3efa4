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
