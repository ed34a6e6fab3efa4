//! Invalid input through the real binary: every kind of invalid file is reported with
//! file:line:col, the source line and a caret, before anything runs, and exits 2.

use crate::support::{self, Project};

fn check(name: &str, text: &str) -> support::Run {
    let project = Project::new();
    project.write(name, text);
    let out = project.obflow(&["check", name]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.is_empty(), "errors go to stderr: {}", out.stdout);
    out
}

#[test]
fn yaml_syntax_error() {
    let out = check(
        "syntax.yaml",
        "name: broken\nsteps:\n  - request:\n      url: [unclosed\n",
    );
    assert!(out.stderr.contains("syntax.yaml:"), "{}", out.stderr);
    insta::assert_snapshot!(out.stderr);
}

#[test]
fn unknown_key_is_named_with_a_suggestion() {
    let out = check(
        "unknown_key.yaml",
        "name: typo\nsteps:\n  - request:\n      url: http://127.0.0.1:1/\n      metod: POST\n",
    );
    insta::assert_snapshot!(out.stderr);
}

#[test]
fn unknown_top_level_key() {
    let out = check(
        "top.yaml",
        "name: typo\ndescripton: x\nsteps:\n  - request: { url: http://x/ }\n",
    );
    insta::assert_snapshot!(out.stderr);
}

#[test]
fn unknown_action() {
    let out = check(
        "action.yaml",
        "name: no such action\nsteps:\n  - reqest:\n      url: http://x/\n",
    );
    insta::assert_snapshot!(out.stderr);
}

#[test]
fn a_step_without_an_action() {
    let out = check(
        "actions.yaml",
        "name: actions\nsteps:\n  - id: nothing\n    expect: { status: 200 }\n",
    );
    assert!(out.stderr.contains("no action"), "{}", out.stderr);
    insta::assert_snapshot!(out.stderr);
}

#[test]
fn duplicate_step_id() {
    let out = check(
        "dup.yaml",
        "name: dup\nsteps:\n  - id: a\n    request: { url: http://x/ }\n  - id: a\n    request: { url: http://x/ }\n",
    );
    insta::assert_snapshot!(out.stderr);
}

#[test]
fn duplicate_key_points_at_the_second_and_notes_the_first() {
    // serde_json would keep the last value silently; a check written twice must not vanish.
    let out = check(
        "dup_key.yaml",
        "name: dup key\nsteps:\n  - request: { url: http://x/ }\n    expect:\n      json:\n        $.a: 1\n        $.b: 2\n        $.a: 3\n",
    );
    insta::assert_snapshot!(out.stderr);
}

#[test]
fn empty_steps() {
    let out = check("empty.yaml", "name: empty\nsteps: []\n");
    insta::assert_snapshot!(out.stderr);
}

#[test]
fn undefined_template_variable() {
    let out = check(
        "undefined.yaml",
        "name: undefined\nvars:\n  account_id: acc-1\nsteps:\n  - request:\n      url: \"http://x/accounts/{{ acount_id }}\"\n",
    );
    assert!(out.stderr.contains("acount_id"), "{}", out.stderr);
    insta::assert_snapshot!(out.stderr);
}

#[test]
fn invalid_jsonpath() {
    let out = check(
        "jsonpath.yaml",
        "name: bad path\nsteps:\n  - request: { url: http://x/ }\n    expect:\n      json:\n        $.items[: 1\n",
    );
    insta::assert_snapshot!(out.stderr);
}

#[test]
fn bad_regex() {
    let out = check(
        "regex.yaml",
        "name: bad regex\nsteps:\n  - request: { url: http://x/ }\n    expect:\n      json:\n        $.name: { matches: '([a-z' }\n",
    );
    insta::assert_snapshot!(out.stderr);
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

#[test]
fn a_step_with_two_actions() {
    let out = check(
        "two.yaml",
        "name: two actions\nsteps:\n  - exchange: {}\n    refresh: {}\n",
    );
    insta::assert_snapshot!(out.stderr);
}
