//! Snapshot checks through the real binary: the `.snap` format (read back by insta), each
//! mode with and without CI, pending files and `obflow snapshots review | accept | reject |
//! prune`, load errors, redaction, and drift in the seed scenarios' snapshots.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{self, Project, Run, TestServer};

/// A scenario against the test server: a JSON document, a token answer, a for_each step.
const SCENARIO: &str = r#"
name: snapshots of the test server
steps:
  - id: doc
    request:
      url: "{{ base }}/json"
    snapshot:
      headers: [content-type, x-request-id]
      redact: [$.ratio]
  - id: token
    request:
      method: POST
      url: "{{ base }}/token"
      form:
        grant_type: authorization_code
        code: a-code-from-the-dialog
        client_secret: a-client-secret
    snapshot: true
  - id: each
    for_each: [a, b]
    request:
      url: "{{ base }}/echo"
      query:
        item: "{{ item }}"
    snapshot:
      redact: ["$.headers"]
"#;

/// Runs `obflow ARGS` in `dir` with no colour, and `CI` set to `ci` (or removed).
fn obflow_in(dir: &Path, args: &[&str], ci: Option<&str>) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_obflow"));
    cmd.args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("CI")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("TF_BUILD");
    if let Some(ci) = ci {
        cmd.env("CI", ci);
    }
    Run::from(cmd.output().expect("run obflow"))
}

struct Fixture {
    project: Project,
    server: TestServer,
}

impl Fixture {
    fn new() -> Fixture {
        let project = Project::new();
        project.write("snap.yaml", SCENARIO);
        Fixture {
            project,
            server: TestServer::start(),
        }
    }

    fn run(&self, extra: &[&str], ci: Option<&str>) -> Run {
        let base = format!("base={}", self.server.base);
        let mut args = vec!["run", "snap.yaml", "--var", &base];
        args.extend_from_slice(extra);
        obflow_in(self.project.path(), &args, ci)
    }

    fn obflow(&self, args: &[&str]) -> Run {
        obflow_in(self.project.path(), args, None)
    }

    fn dir(&self) -> PathBuf {
        self.project.path().join("snapshots")
    }

    fn files(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.dir())
            .map(|d| {
                d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }

    fn read(&self, file: &str) -> String {
        std::fs::read_to_string(self.dir().join(file)).expect("snapshot file")
    }
}

const STORED: [&str; 4] = [
    "snap__doc.snap",
    "snap__each-0.snap",
    "snap__each-1.snap",
    "snap__token.snap",
];

#[test]
fn insta_reads_the_files_obflow_writes() {
    let f = Fixture::new();
    let out = f.run(&["--snapshots", "update"], None);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert_eq!(f.files(), STORED);
    for file in STORED {
        let path = f.dir().join(file);
        let snap = insta::Snapshot::from_file(&path)
            .unwrap_or_else(|e| panic!("insta cannot read {file}: {e}"));
        assert_eq!(snap.metadata().source(), Some("snap.yaml"));
        let text = std::fs::read_to_string(&path).unwrap();
        let body = text.splitn(3, "---\n").nth(2).unwrap();
        assert_eq!(
            snap.as_text().expect("a text snapshot").to_string(),
            body.trim_end()
        );
        // insta splits `<module>__<name>.snap` as obflow names them: scenario, then step.
        let (module, name) = file.trim_end_matches(".snap").split_once("__").unwrap();
        assert_eq!(snap.module_name(), module);
        assert_eq!(snap.snapshot_name(), Some(name));
    }
    let doc = insta::Snapshot::from_file(&f.dir().join("snap__doc.snap")).unwrap();
    assert_eq!(doc.metadata().description(), Some("doc"));
    let each = insta::Snapshot::from_file(&f.dir().join("snap__each-1.snap")).unwrap();
    assert_eq!(each.metadata().description(), Some("each[1] b"));
    // The whole file, with the port filtered, is itself a snapshot of the format.
    let _filters = support::volatile_filters().bind_to_scope();
    insta::assert_snapshot!("doc_file", f.read("snap__doc.snap"));
    insta::assert_snapshot!("token_file", f.read("snap__token.snap"));
}

#[test]
fn no_secret_is_stored() {
    let f = Fixture::new();
    let out = f.run(&["--snapshots", "update"], None);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    for file in f.files() {
        let text = f.read(&file);
        for secret in [
            "SUPERSECRET",
            "a-code-from-the-dialog",
            "a-client-secret",
            "127.0.0.1:",
        ] {
            assert!(
                !text.contains(secret) || secret == "127.0.0.1:" && !has_port(&text),
                "{file} stores `{secret}`:\n{text}"
            );
        }
    }
    let token = f.read("snap__token.snap");
    assert!(token.contains(r#""access_token": "[secret]""#), "{token}");
    assert!(token.contains(r#"code: "[secret]""#), "{token}");
    let doc = f.read("snap__doc.snap");
    assert!(doc.contains(r#""ratio": "[redacted]""#), "{doc}");
    assert!(doc.contains("x-request-id: [id]"), "{doc}");
}

fn has_port(text: &str) -> bool {
    regex::Regex::new(r"127\.0\.0\.1:\d")
        .unwrap()
        .is_match(text)
}

#[test]
fn new_mode_writes_pending_files_and_fails_until_accepted() {
    let f = Fixture::new();
    let out = f.run(&[], None);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains("4 snapshots pending review in snapshots (.snap.new)"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("check failed: snapshot snapshots/snap__doc.snap")
    );
    // A snapshot failure does not stop the scenario: every step ran and was recorded.
    let pending: Vec<String> = STORED.iter().map(|s| format!("{s}.new")).collect();
    assert_eq!(f.files(), pending);

    let accepted = f.obflow(&["snapshots", "accept"]);
    assert_eq!(accepted.code, 0, "{}{}", accepted.stdout, accepted.stderr);
    assert!(
        accepted.stdout.contains("4 snapshots accepted"),
        "{}",
        accepted.stdout
    );
    assert_eq!(f.files(), STORED);

    let again = f.run(&[], None);
    assert_eq!(again.code, 0, "{}{}", again.stdout, again.stderr);
    assert_eq!(f.files(), STORED);
}

#[test]
fn a_change_in_new_mode_is_pending_with_a_diff_and_the_stored_file_stays() {
    let f = Fixture::new();
    assert_eq!(f.run(&["--snapshots", "update"], None).code, 0);
    let stored = f.read("snap__doc.snap").replace("\"demo\"", "\"old demo\"");
    std::fs::write(f.dir().join("snap__doc.snap"), &stored).unwrap();

    let out = f.run(&["--snapshots", "new"], None);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(
        out.stdout.contains("-  \"name\": \"old demo\","),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("+  \"name\": \"demo\","),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("+++ snapshots/snap__doc.snap.new"),
        "{}",
        out.stdout
    );
    assert_eq!(f.read("snap__doc.snap"), stored);
    assert!(f.read("snap__doc.snap.new").contains("\"name\": \"demo\""));

    let rejected = f.obflow(&["snapshots", "reject"]);
    assert_eq!(rejected.code, 0);
    assert!(
        rejected.stdout.contains("rejected snap__doc"),
        "{}",
        rejected.stdout
    );
    assert_eq!(f.files(), STORED);
    assert_eq!(f.read("snap__doc.snap"), stored);
}

#[test]
fn check_mode_and_ci_never_write() {
    for (args, ci) in [
        (vec!["--snapshots", "check"], None),
        (vec![], Some("true")),
        (vec!["--snapshots", "auto"], Some("1")),
    ] {
        let f = Fixture::new();
        let out = f.run(&args, ci);
        assert_eq!(out.code, 1, "{args:?} {ci:?}: {}", out.stdout);
        assert!(out.stdout.contains("none stored"), "{}", out.stdout);
        assert!(!f.dir().exists(), "{args:?} {ci:?} wrote {:?}", f.files());
    }
}

#[test]
fn ci_false_is_not_ci() {
    let f = Fixture::new();
    let out = f.run(&[], Some("false"));
    assert_eq!(out.code, 1);
    assert_eq!(f.files().len(), 4, "{:?}", f.files());
    assert!(f.files().iter().all(|n| n.ends_with(".snap.new")));
}

#[test]
fn drift_under_ci_fails_with_a_diff_and_leaves_the_file() {
    let f = Fixture::new();
    assert_eq!(f.run(&["--snapshots", "update"], None).code, 0);
    let changed = f.read("snap__each-1.snap").replace("HTTP 200", "HTTP 201");
    std::fs::write(f.dir().join("snap__each-1.snap"), &changed).unwrap();

    let out = f.run(&[], Some("true"));
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(
        out.stdout
            .contains("check failed: snapshot snapshots/snap__each-1.snap")
    );
    assert!(out.stdout.contains("-HTTP 201\n"), "{}", out.stdout);
    assert!(out.stdout.contains("+HTTP 200\n"), "{}", out.stdout);
    assert!(out.stdout.contains("step 3 `each[1] b`"), "{}", out.stdout);
    assert_eq!(f.files(), STORED);
    assert_eq!(f.read("snap__each-1.snap"), changed);
}

#[test]
fn update_mode_rewrites_changed_snapshots_and_passes() {
    let f = Fixture::new();
    assert_eq!(f.run(&["--snapshots", "update"], None).code, 0);
    let good = f.read("snap__doc.snap");
    std::fs::write(f.dir().join("snap__doc.snap"), good.replace("demo", "x")).unwrap();
    let out = f.run(&["--snapshots", "update"], Some("true"));
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert!(
        out.stdout.contains("1 snapshot written in snapshots"),
        "{}",
        out.stdout
    );
    assert_eq!(f.read("snap__doc.snap"), good);
}

#[test]
fn review_needs_a_terminal() {
    let f = Fixture::new();
    f.run(&[], None);
    let out = f.obflow(&["snapshots", "review"]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("needs a terminal"), "{}", out.stderr);
    assert!(
        out.stderr.contains("obflow snapshots accept"),
        "{}",
        out.stderr
    );
    assert_eq!(
        f.files().len(),
        4,
        "review without a terminal touches nothing"
    );
}

#[test]
fn snapshot_dir_is_configurable() {
    let f = Fixture::new();
    let out = f.run(
        &["--snapshots", "update", "--snapshot-dir", "out/snaps"],
        None,
    );
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert!(f.project.path().join("out/snaps/snap__doc.snap").is_file());
    assert!(!f.dir().exists());
}

#[test]
fn prune_lists_then_removes_unreferenced_files() {
    let f = Fixture::new();
    assert_eq!(f.run(&["--snapshots", "update"], None).code, 0);
    f.project
        .write("snapshots/snap__gone.snap", "---\n---\nHTTP 200\n");
    f.project
        .write("snapshots/other__x.snap.new", "---\n---\nHTTP 200\n");
    f.project
        .write("snapshots/snap__each-x.snap", "---\n---\nHTTP 200\n");

    let dry = f.obflow(&[
        "snapshots",
        "prune",
        "snap.yaml",
        "--var",
        "base=x",
        "--dry-run",
    ]);
    // Orphans found: a CI gate fails.
    assert_eq!(dry.code, 1, "{}{}", dry.stdout, dry.stderr);
    assert!(
        dry.stdout
            .contains("would remove snapshots/snap__gone.snap"),
        "{}",
        dry.stdout
    );
    assert!(
        dry.stdout
            .contains("3 unreferenced snapshot files would be removed"),
        "{}",
        dry.stdout
    );
    assert_eq!(f.files().len(), 7);

    let real = f.obflow(&["snapshots", "prune", "snap.yaml", "--var", "base=x"]);
    assert_eq!(real.code, 0, "{}{}", real.stdout, real.stderr);
    assert_eq!(f.files(), STORED);
    // Nothing left to prune: the gate passes.
    let check = f.obflow(&[
        "snapshots",
        "prune",
        "snap.yaml",
        "--var",
        "base=x",
        "--check",
    ]);
    assert_eq!(check.code, 0, "{}{}", check.stdout, check.stderr);
    assert!(
        check
            .stdout
            .contains("0 unreferenced snapshot files would be removed"),
        "{}",
        check.stdout
    );
}

#[test]
fn a_changed_snapshot_shows_its_diff_in_junit_json_and_annotations() {
    let f = Fixture::new();
    assert_eq!(f.run(&["--snapshots", "update"], None).code, 0);
    let stored = f.read("snap__doc.snap");
    assert!(stored.contains("\"demo\""), "{stored}");
    f.project.write(
        "snapshots/snap__doc.snap",
        &stored.replace("\"demo\"", "\"stored-name\""),
    );
    let base = format!("base={}", f.server.base);
    let out = support::obflow_in(
        f.project.path(),
        &[
            "run",
            "snap.yaml",
            "--var",
            &base,
            "--snapshots",
            "check",
            "--report-junit",
            "j.xml",
            "--report-json",
            "r.json",
        ],
        &[("GITHUB_ACTIONS", "true")],
    );
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let removed = "-  \"name\": \"stored-name\",";
    let added = "+  \"name\": \"demo\",";
    let xml = std::fs::read_to_string(f.project.path().join("j.xml")).unwrap();
    let xml_text = xml.replace("&quot;", "\"");
    assert!(
        xml_text.contains(removed) && xml_text.contains(added),
        "{xml}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(f.project.path().join("r.json")).unwrap())
            .unwrap();
    let failure = &json["scenarios"][0]["steps"][0]["failures"][0];
    let diff = failure["diff"]
        .as_str()
        .expect("a diff on the snapshot failure");
    assert!(diff.contains(removed) && diff.contains(added), "{diff}");
    let annotation = out
        .stdout
        .lines()
        .find(|l| l.starts_with("::error") && l.contains("snapshot"))
        .expect("an annotation for the snapshot");
    assert!(
        annotation.contains(&format!("%0A{removed}%0A{added}")),
        "{annotation}"
    );
}

#[test]
fn two_steps_writing_one_snapshot_is_a_load_error() {
    let project = Project::new();
    let scenario = "name: s\nsteps:\n  - id: a\n    request: { url: http://127.0.0.1:1/ }\n    snapshot: same\n";
    project.write("one/x.yaml", scenario);
    project.write("two/x.yaml", scenario);
    let out = project.obflow(&["run", "one", "two"]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stderr
            .contains("two steps write the snapshot `x__same.snap`"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("two/x.yaml:5:5"), "{}", out.stderr);
    assert!(
        out.stderr.contains("the other one is at one/x.yaml:5:5"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_repeated_step_clashes_with_its_numbered_names() {
    let project = Project::new();
    project.write(
        "s.yaml",
        "name: s\nsteps:\n  - id: each\n    for_each: [1]\n    request: { url: http://127.0.0.1:1/ }\n    snapshot: true\n  - request: { url: http://127.0.0.1:1/ }\n    snapshot: each-0\n",
    );
    let out = project.obflow(&["check", "s.yaml"]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stderr
            .contains("two steps write the snapshot `s__each-0.snap`"),
        "{}",
        out.stderr
    );
}

#[test]
fn bad_snapshot_keys_are_located_load_errors() {
    let project = Project::new();
    project.write(
        "s.yaml",
        "name: s\nsteps:\n  - request: { url: http://127.0.0.1:1/ }\n    snapshot:\n      redcat: [$.a]\n  - request: { url: http://127.0.0.1:1/ }\n    snapshot: { redact: [\"$.a[\"] }\n  - request: { url: http://127.0.0.1:1/ }\n    snapshot: ../escape\n  - request: { url: http://127.0.0.1:1/ }\n    snapshto: true\n",
    );
    let out = project.obflow(&["check", "s.yaml"]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    let err = &out.stderr;
    assert!(err.contains("unknown key `redcat`"), "{err}");
    assert!(err.contains("s.yaml:5:7"), "{err}");
    assert!(err.contains("did you mean `redact`?"), "{err}");
    assert!(err.contains("invalid JSONPath `$.a[`"), "{err}");
    assert!(err.contains("invalid snapshot name `../escape`"), "{err}");
    assert!(err.contains("unknown step key `snapshto`"), "{err}");
    assert!(err.contains("did you mean `snapshot`?"), "{err}");
}

#[test]
fn project_wide_redactions_come_from_obflow_yaml() {
    let f = Fixture::new();
    f.project
        .write("obflow.yaml", "snapshot_redact:\n  - $.items[*].currency\n");
    assert_eq!(f.run(&["--snapshots", "update"], None).code, 0);
    let doc = f.read("snap__doc.snap");
    assert!(doc.contains(r#""currency": "[redacted]""#), "{doc}");
    assert!(!doc.contains("GBP"), "{doc}");

    f.project
        .write("obflow.yaml", "snapshot_redact:\n  - $.ok\n  - \"$[\"\n");
    let out = f.run(&[], None);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains("invalid JSONPath `$[`"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("obflow.yaml:3:"), "{}", out.stderr);
}

/// The repository's own scenarios against their committed snapshots, as CI runs them.
fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn the_seed_scenarios_match_their_committed_snapshots_under_ci() {
    let out = obflow_in(repo(), &["run", "scenarios"], Some("true"));
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let pending: Vec<_> = std::fs::read_dir(repo().join("snapshots"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".snap.new"))
        .collect();
    assert!(pending.is_empty(), "{pending:?}");
}

#[test]
fn no_committed_snapshot_stores_a_token() {
    let jwt = regex::Regex::new(r"eyJ[A-Za-z0-9_-]+\.").unwrap();
    let token_field =
        regex::Regex::new(r#""(access_token|refresh_token|id_token|code)": "([^"]*)""#).unwrap();
    let mut seen = 0;
    for entry in std::fs::read_dir(repo().join("snapshots")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        seen += 1;
        assert!(!jwt.is_match(&text), "{} stores a JWT", path.display());
        for c in token_field.captures_iter(&text) {
            assert_eq!(&c[2], "[secret]", "{} stores a {}", path.display(), &c[1]);
        }
        assert!(
            !has_port(&text),
            "{} stores the mock's port",
            path.display()
        );
    }
    assert!(seen >= 10, "the seed snapshots are committed");
}

#[test]
fn drift_in_a_seed_snapshot_fails_the_run_under_ci() {
    // A copy of the scenarios and their snapshots, so the repository's files stay untouched.
    let project = Project::new();
    copy_dir(&repo().join("scenarios"), &project.path().join("scenarios"));
    copy_dir(&repo().join("snapshots"), &project.path().join("snapshots"));
    let file = project
        .path()
        .join("snapshots/signup_plus_single_account__identity.snap");
    let changed = std::fs::read_to_string(&file)
        .unwrap()
        .replace("\"Stockport\"", "\"Manchester\"");
    std::fs::write(&file, &changed).unwrap();

    let out = obflow_in(project.path(), &["run", "scenarios"], Some("true"));
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("-    \"city\": \"Manchester\","),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("+    \"city\": \"Stockport\","),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains(" passed, 1 failed"), "{}", out.stdout);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), changed);
    let pending = std::fs::read_dir(project.path().join("snapshots"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with(".new")
        })
        .count();
    assert_eq!(pending, 0);
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}
