//! The open-file limit, for real: the binary runs under a lowered `ulimit -n` (set by a shell
//! that then `exec`s it). `--jobs` is lowered to what fits, with a note, and every scenario
//! passes; a soft limit below the hard one is raised instead; and running out anyway ends
//! the run as an environment error (exit 3) naming `ulimit -n` and `--jobs`, never a panic
//! or a cascade of failures.

#![cfg(unix)]

use std::path::Path;
use std::process::Command;

use crate::support::{Project, Run};

/// Runs `obflow ARGS` in `dir` under `ulimit LIMIT` (e.g. `-n 64`, or `-Sn 64` for the soft
/// limit alone), with no colour and no CI variables.
fn obflow_under(limit: &str, dir: &Path, args: &[&str]) -> Run {
    let output = Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit {limit} && exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_obflow"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("CI")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_STEP_SUMMARY")
        .output()
        .expect("run sh");
    Run::from(output)
}

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `run` of the repository's scenarios, each `repeat` times, snapshots checked (never written).
fn run_seeds(limit: &str, jobs: &str, repeat: &str) -> Run {
    let project = Project::new();
    let seeds = repo().join("scenarios");
    let snapshots = repo().join("snapshots");
    obflow_under(
        limit,
        project.path(),
        &[
            "run",
            seeds.to_str().unwrap(),
            "--jobs",
            jobs,
            "--repeat",
            repeat,
            "--snapshots",
            "check",
            "--snapshot-dir",
            snapshots.to_str().unwrap(),
        ],
    )
}

fn scenario_count() -> usize {
    std::fs::read_dir(repo().join("scenarios"))
        .unwrap()
        .filter(|e| {
            let name = e.as_ref().unwrap().file_name();
            let name = name.to_string_lossy();
            name.ends_with(".yaml") && !name.starts_with(['_', '.'])
        })
        .count()
}

#[test]
fn jobs_are_lowered_to_fit_the_open_file_limit_and_every_scenario_passes() {
    let out = run_seeds("-n 64", "200", "8");
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let note = out.stderr.lines().next().unwrap_or_default();
    assert!(
        note.starts_with("note: running ")
            && note.contains("at once, not 200: the open-file limit is 64")
            && note.contains("(`ulimit -n "),
        "{}",
        out.stderr
    );
    assert_eq!(out.stderr.lines().count(), 1, "one line: {}", out.stderr);
    let total = scenario_count() * 8;
    assert!(
        out.stdout.ends_with(&format!("{total} passed, 0 failed\n")),
        "{}",
        out.stdout
    );
}

#[test]
fn a_soft_limit_below_the_hard_one_is_raised_instead() {
    let hard = Command::new("sh")
        .args(["-c", "ulimit -Hn"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    // 200 jobs need 832 descriptors (see src/descriptors.rs); a hard limit below that
    // leaves nothing to raise.
    if hard.parse::<u64>().is_ok_and(|h| h < 832) {
        return;
    }
    let out = run_seeds("-Sn 64", "200", "4");
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(!out.stderr.contains("note:"), "{}", out.stderr);
    let total = scenario_count() * 4;
    assert!(
        out.stdout.ends_with(&format!("{total} passed, 0 failed\n")),
        "{}",
        out.stdout
    );
}

/// Servers on `count` ports of loopback, answering `ok` and keeping connections alive: a
/// client that calls each keeps a pooled connection to each, open.
fn servers(count: usize) -> Vec<String> {
    let listeners: Vec<std::net::TcpListener> = (0..count)
        .map(|_| std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback"))
        .collect();
    let bases = listeners
        .iter()
        .map(|l| format!("http://{}", l.local_addr().unwrap()))
        .collect();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let mut served = tokio::task::JoinSet::new();
            for listener in listeners {
                listener.set_nonblocking(true).unwrap();
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                let app = axum::Router::new().fallback(|| async { "ok" });
                served.spawn(async move { axum::serve(listener, app).await });
            }
            served.join_all().await;
        });
    });
    bases
}

#[test]
fn running_out_of_open_files_ends_the_run_as_an_environment_error() {
    // One step calls 120 servers: the connections the client keeps to each outgrow a limit
    // of 64 whatever `--jobs` is, so a connect finds the table full.
    let bases = servers(120);
    let project = Project::new();
    let list = bases
        .iter()
        .map(|b| format!("\"{b}/\""))
        .collect::<Vec<_>>()
        .join(", ");
    project.write(
        "a_many_servers.yaml",
        &format!(
            "name: many servers\nvars:\n  bases: [{list}]\nsteps:\n  - for_each: \"{{{{ bases }}}}\"\n    as: base\n    request: {{ url: \"{{{{ base }}}}\" }}\n"
        ),
    );
    project.write(
        "b_after.yaml",
        &format!(
            "name: after\nsteps:\n  - request: {{ url: \"{}/\" }}\n",
            bases[0]
        ),
    );
    let out = obflow_under(
        "-n 64",
        project.path(),
        &["run", ".", "--jobs", "1", "--report-json", "report.json"],
    );
    assert_eq!(out.code, 3, "{}{}", out.stdout, out.stderr);
    let error = out.stderr.lines().last().unwrap_or_default();
    assert!(
        error.starts_with("error: the run ran out of open files (the limit is 64, with --jobs 1)")
            && error.contains("2 scenarios could not run to the end")
            && error.contains("`ulimit -n ")
            && error.contains("`--jobs "),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("internal error"), "{}", out.stderr);
    // Not failures: the scenarios were cut short by the environment, and every report
    // still lists both.
    assert!(
        out.stdout.contains("0 passed, 0 failed, 2 skipped"),
        "{}",
        out.stdout
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(project.path().join("report.json")).unwrap())
            .unwrap();
    let reasons: Vec<&str> = json["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["skip_reason"].as_str().unwrap_or("none"))
        .collect();
    assert_eq!(reasons, ["out_of_files", "out_of_files"], "{json}");
}

#[test]
fn no_limit_is_too_low_for_a_clean_exit() {
    // From a table too small to start the runtime to one where a first scenario runs: each
    // run passes, or ends with exit 3 and the hint; none panics, none reports failures.
    let mut ran_out = 0;
    for limit in [4, 6, 8, 10, 12, 14, 16] {
        let out = run_seeds(&format!("-n {limit}"), "4", "1");
        assert!(
            matches!(out.code, 0 | 3),
            "limit {limit}: exit {}\n{}{}",
            out.code,
            out.stdout,
            out.stderr
        );
        assert!(!out.stderr.contains("internal error"), "{}", out.stderr);
        assert!(
            !out.stdout.contains("FAIL"),
            "limit {limit}: {}",
            out.stdout
        );
        if out.code == 3 {
            ran_out += 1;
            assert!(
                out.stderr.contains("ran out of open files") && out.stderr.contains("`ulimit -n "),
                "limit {limit}: {}",
                out.stderr
            );
        }
    }
    assert!(ran_out > 0, "the smallest limits cannot run");
}
