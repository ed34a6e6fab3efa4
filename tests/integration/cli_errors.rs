//! Invalid input through the real binary: every kind of invalid file is reported with
//! file:line:col, the source line and a caret, before anything runs, and exits 2. The single
//! invalid files are data, under `invalid/`; cases needing several files or flags are here.

use std::path::Path;

use crate::support::{self, Project};

/// Every file under `invalid/` (each says in its first comment what it shows) is refused by
/// `obflow check` with exit code 2 and a located error on stderr, snapshotted per file.
#[test]
fn invalid_scenario_files() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/integration");
    insta::glob!("invalid/*.yaml", |path| {
        // Relative to the directory it runs in, so the paths in the errors are stable.
        let file = path.strip_prefix(&dir).expect("under tests/integration");
        let out = support::obflow_in(&dir, &["check", file.to_str().expect("UTF-8 path")], &[]);
        assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
        assert!(out.stdout.is_empty(), "errors go to stderr: {}", out.stdout);
        let location = format!("--> {}:", file.display());
        assert!(out.stderr.contains(&location), "{}", out.stderr);
        insta::assert_snapshot!(out.stderr);
    });
}

#[test]
fn all_files_are_reported_before_anything_runs() {
    let project = Project::new();
    project.write("a.yaml", "name: a\nsteps: []\n");
    project.write("b.yaml", "name: b\nsteps:\n  - reqest: {}\n");
    project.write(
        "c.yaml",
        "name: c\nsteps:\n  - request: { url: http://127.0.0.1:1/ }\n",
    );
    let out = project.obflow(&["run", "."]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("a.yaml:2:8"), "{}", out.stderr);
    assert!(out.stderr.contains("b.yaml:3:5"), "{}", out.stderr);
    assert!(
        out.stderr
            .contains("2 problems in 2 files; nothing was run"),
        "{}",
        out.stderr
    );
    assert!(out.stdout.is_empty(), "nothing ran: {}", out.stdout);
}

#[test]
fn missing_path_and_bad_usage_exit_2() {
    let project = Project::new();
    let out = project.obflow(&["check", "does-not-exist"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("does-not-exist"), "{}", out.stderr);
    let out = project.obflow(&["run", "--jobs", "many"]);
    assert_eq!(out.code, 2);
    let out = project.obflow(&["run", ".", "--var", "novalue"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("KEY=VALUE"), "{}", out.stderr);
}

#[test]
fn valid_files_pass_check() {
    let project = Project::new();
    project.write(
        "ok.yaml",
        "name: ok\nsteps:\n  - request: { url: http://127.0.0.1:1/ }\n",
    );
    let out = project.obflow(&["check", "."]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout.trim(), "1 scenario in 1 file: all valid");
}

/// Filters, tests and functions that do not exist stop `run` before any request, like
/// `check`; the names a template binds itself (set, macros, loop variables) and every
/// builtin and obflow function and filter do not.
#[test]
fn unknown_filters_and_functions_stop_run_and_bound_names_pass() {
    let server = support::TestServer::start();
    let project = Project::new();
    project.write(
        "bad.yaml",
        &format!(
            "name: bad\nsteps:\n  - request: {{ url: \"{}/echo?x={{{{ 1 | nosuch_filter }}}}\" }}\n",
            server.base
        ),
    );
    let out = project.obflow(&["run", "bad.yaml"]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains("unknown filter `nosuch_filter`")
            && out.stderr.contains("--> bad.yaml:3:"),
        "{}",
        out.stderr
    );
    assert!(out.stdout.is_empty(), "nothing ran: {}", out.stdout);

    project.write(
        "good.yaml",
        &format!(
            concat!(
                "name: good\nvars:\n  verifier: abc\nsteps:\n",
                "  - request:\n      url: \"{}/echo\"\n      json:\n",
                "        a: \"{{% set f = 'x' | upper %}}{{% macro m(v) %}}{{{{ v | b64encode }}}}",
                "{{% endmacro %}}{{{{ m(f) }}}}\"\n",
                "        b: \"{{% for x in range(2) | select('odd') %}}{{{{ loop.index }}}}{{% endfor %}}\"\n",
                "        c: \"{{{{ verifier | pkce_challenge }}}}{{{{ uuid() is string }}}}\"\n",
                "    expect:\n      status: 200\n",
            ),
            server.base
        ),
    );
    let out = project.obflow(&["run", "good.yaml"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
}

/// A file that does not load is shown with its line, which may hold a secret the
/// environment or a `--var` holds too: every command that loads files redacts it, not only
/// `run`.
#[test]
fn every_command_redacts_what_is_known_secret_from_an_invalid_files_line() {
    let project = Project::new();
    project.write("ok.yaml", "name: fine\nsteps:\n  - wait: 1ms\n");
    project.write(
        "typo.yaml",
        "name: typo\nsteps:\n  - requestt: { url: \"http://x/tok-CLI-SECRET/env-SECRET-1\" }\n",
    );
    project.write(".env", "BANK_API_KEY=env-SECRET-1\n");
    let secret = ["--var", "api_token=tok-CLI-SECRET"];
    let commands: [&[&str]; 5] = [
        &["check", "."],
        &["list", "."],
        &["run", "."],
        &["doc", "."],
        &["snapshots", "prune", "."],
    ];
    for command in commands {
        let args: Vec<&str> = command.iter().chain(&secret).copied().collect();
        let out = project.obflow(&args);
        assert_eq!(out.code, 2, "{command:?}: {}{}", out.stdout, out.stderr);
        assert!(
            out.stderr.contains("unknown step key `requestt`")
                && out.stderr.contains("typo.yaml:3:"),
            "{command:?}: {}",
            out.stderr
        );
        for text in [&out.stdout, &out.stderr] {
            assert!(!text.contains("tok-CLI-SECRET"), "{command:?}: {text}");
            assert!(!text.contains("env-SECRET-1"), "{command:?}: {text}");
        }
    }
}

/// Distinct patterns, each allowed on its own, may not together take more than the budget
/// for compiled patterns: a small file cannot make obflow hold gigabytes of automata, and
/// once the budget is spent no more are compiled, so it cannot make obflow work for minutes.
#[test]
fn the_patterns_of_a_suite_are_bounded_in_memory_together() {
    let project = Project::new();
    let mut text = String::from(
        "name: many large patterns\nsteps:\n  - wait: 1ms\n    expect:\n      json:\n",
    );
    for i in 0..400 {
        text.push_str(&format!(
            "        $.a{i}: {{ matches: '^\\w{{12}}x{i}$' }}\n"
        ));
    }
    project.write("patterns.yaml", &text);
    let out = project.obflow(&["check", "."]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stderr
            .contains("the scenario files' patterns would take more than 64 MiB compiled"),
        "{}",
        out.stderr
    );
    // The first ones fit: only those past the budget are refused, each at its own line.
    assert!(!out.stderr.contains("patterns.yaml:6:"), "{}", out.stderr);
    assert!(
        out.stderr.contains("--> ./patterns.yaml:405:"),
        "{}",
        out.stderr
    );
}
