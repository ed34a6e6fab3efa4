//! The CI examples in docs/ci/ (GitHub Actions, GitLab CI): each file parses, has the shape
//! docs/ci.md describes (build once with a cache, N shards, JUnit merged or handed to the CI,
//! the step summary), and the `obflow` commands it runs, run here for every shard, together
//! give the unsharded run's testcases.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::{Project, obflow_in};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn example(name: &str) -> Value {
    let text = std::fs::read_to_string(repo().join("docs/ci").join(name)).unwrap();
    obflow::source::yaml::parse(&text)
        .unwrap_or_else(|e| panic!("{name} is not YAML: {e:?}"))
        .value
}

/// The `obflow run` command in a script, from `run` on (the CI's variables unexpanded).
fn obflow_command(script: &str) -> String {
    let line = script
        .lines()
        .find(|l| l.contains("obflow run "))
        .unwrap_or_else(|| panic!("no obflow run in {script}"));
    let from = line.find("obflow run ").unwrap() + "obflow ".len();
    line[from..].to_owned()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A checkout: the seed scenarios and their snapshots, as a repository would have them.
fn checkout() -> Project {
    let project = Project::new();
    copy_dir(&repo().join("scenarios"), &project.path().join("scenarios"));
    copy_dir(&repo().join("snapshots"), &project.path().join("snapshots"));
    project
}

/// Every testcase (suite, name) of the JUnit files given, sorted: what a merge holds.
fn merged_cases(files: &[PathBuf]) -> Vec<(String, String)> {
    let mut cases = Vec::new();
    for file in files {
        let xml = std::fs::read_to_string(file).unwrap();
        let report = quick_junit::Report::deserialize_from_str(&xml).expect("valid JUnit");
        for suite in &report.test_suites {
            for case in &suite.test_cases {
                cases.push((suite.name.to_string(), case.name.to_string()));
            }
        }
    }
    cases.sort();
    cases
}

/// Runs `words` (with each `(from, to)` substituted) in `project` for every shard; returns
/// the JUnit files written, and checks each shard passed.
fn run_shards(
    project: &Project,
    command: &str,
    shards: usize,
    substitute: impl Fn(&str, usize) -> String,
    env: &[(&str, &str)],
) -> Vec<PathBuf> {
    let mut junit = Vec::new();
    for k in 1..=shards {
        let command = substitute(command, k);
        let args: Vec<&str> = command.split_whitespace().collect();
        let out = obflow_in(project.path(), &args, env);
        assert_eq!(
            out.code, 0,
            "shard {k}: {args:?}\n{}{}",
            out.stdout, out.stderr
        );
        let at = args.iter().position(|a| *a == "--report-junit").unwrap();
        junit.push(project.path().join(args[at + 1]));
    }
    junit
}

/// The unsharded run's testcases.
fn whole_run(project: &Project) -> Vec<(String, String)> {
    let out = obflow_in(
        project.path(),
        &[
            "run",
            "scenarios/",
            "--snapshots",
            "check",
            "--report-junit",
            "all.xml",
        ],
        &[],
    );
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    merged_cases(&[project.path().join("all.xml")])
}

#[test]
fn the_github_actions_example_builds_once_shards_and_merges() {
    let workflow = example("github-actions.yml");
    let jobs = &workflow["jobs"];
    let build = jobs["build"]["steps"].as_array().unwrap();
    assert!(
        build.iter().any(|s| s["uses"] == "actions/cache@v4"),
        "a cache"
    );
    assert!(
        build
            .iter()
            .any(|s| s["run"].as_str() == Some("cargo build --release --locked")),
        "one build"
    );
    let scenarios = &jobs["scenarios"];
    assert_eq!(scenarios["needs"], "build");
    let shards = scenarios["strategy"]["matrix"]["shard"].as_array().unwrap();
    assert_eq!(shards.len(), 4);
    let run = scenarios["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|s| s["run"].as_str().filter(|r| r.contains("obflow run")))
        .unwrap();
    let command = obflow_command(run);
    assert!(
        command.contains("--shard ${{ matrix.shard }}/4"),
        "{command}"
    );
    let merge = jobs["report"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|s| {
            s["run"]
                .as_str()
                .filter(|r| r.contains("junit-report-merger"))
        })
        .expect("a merge step");
    assert!(merge.contains("\"reports/junit-*.xml\""), "{merge}");

    // The commands, for each shard of the matrix, as GitHub would run them.
    let project = checkout();
    let summary = project.path().join("summary.md");
    let env = [
        ("GITHUB_ACTIONS", "true"),
        ("GITHUB_STEP_SUMMARY", summary.to_str().unwrap()),
    ];
    let files = run_shards(
        &project,
        &command,
        shards.len(),
        |w, k| w.replace("${{ matrix.shard }}", &k.to_string()),
        &env,
    );
    assert_eq!(merged_cases(&files), whole_run(&project));
    let summary = std::fs::read_to_string(summary).unwrap();
    for k in 1..=4 {
        assert!(
            summary.contains(&format!("## obflow (shard {k}/4): ✅ passed")),
            "{summary}"
        );
    }
}

#[test]
fn the_gitlab_example_builds_once_and_hands_the_shards_junit_to_gitlab() {
    let pipeline = example("gitlab-ci.yml");
    let build = &pipeline["build"];
    assert_eq!(build["cache"]["key"]["files"][0], "Cargo.lock");
    assert_eq!(build["script"][0], "cargo build --release --locked");
    let scenarios = &pipeline["scenarios"];
    let shards = scenarios["parallel"].as_u64().unwrap() as usize;
    assert_eq!(shards, 4);
    assert_eq!(
        scenarios["artifacts"]["reports"]["junit"],
        "reports/junit-*.xml"
    );
    assert_eq!(scenarios["artifacts"]["when"], "always");
    let command = obflow_command(scenarios["script"][0].as_str().unwrap());
    assert!(
        command.contains("--shard $CI_NODE_INDEX/$CI_NODE_TOTAL"),
        "{command}"
    );

    let project = checkout();
    let files = run_shards(
        &project,
        &command,
        shards,
        |w, k| {
            w.replace("$CI_NODE_INDEX", &k.to_string())
                .replace("$CI_NODE_TOTAL", &shards.to_string())
        },
        &[],
    );
    assert_eq!(merged_cases(&files), whole_run(&project));
}
