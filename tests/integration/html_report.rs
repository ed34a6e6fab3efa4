//! `--report-html`: the page the real binary writes, opened in a real headless Chromium (as
//! a person would open the CI artifact, from `file://`): it runs its script without an
//! error, shows every scenario with failures first, filters by outcome, draws a sequence
//! diagram, shows the diff of an object that differs, and holds no secret.
//!
//! Chromium is Debian's (`apt-get install chromium`; .ci/run installs it): `CHROMIUM` names
//! another binary. Without one the tests fail, saying so, rather than pass unseen.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{Project, TestServer};

fn chromium() -> PathBuf {
    if let Some(path) = std::env::var_os("CHROMIUM") {
        return PathBuf::from(path);
    }
    [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.is_file())
    .expect("the HTML report is tested in Chromium: `apt-get install chromium`, or set CHROMIUM")
}

/// Runs headless Chromium on `url` with `args`, bounded in time; (stdout, stderr).
fn headless(url: &str, args: &[&str]) -> (String, String) {
    let profile = tempfile::tempdir().unwrap();
    let mut child = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
            "--enable-logging=stderr",
            "--v=0",
            &format!("--user-data-dir={}", profile.path().display()),
        ])
        .args(args)
        .arg(url)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start chromium");
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("chromium did not finish in 60s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn file_url(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// A failing scenario against the test server (an object that differs, a token in the
/// answer), and a seed flow against the embedded mock (auth server, bank dialog, API).
fn run_with_html_report() -> (Project, PathBuf, String) {
    let server = TestServer::start();
    let project = Project::new();
    project.write(
        "differs.yaml",
        r#"name: an object that differs
tags: [local]
steps:
  - id: token
    request: { url: "{{ base }}/token", method: POST }
  - id: doc
    request: { url: "{{ base }}/json" }
    expect:
      json:
        $.items[0]: { id: a, n: 2, currency: GBP }
"#,
    );
    project.write(
        "passes.yaml",
        "name: a passing one\ntags: [local]\nsteps:\n  - request: { url: \"{{ base }}/json\" }\n",
    );
    let seed =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/connection_data_api_accounts.yaml");
    let base = format!("base={}", server.base);
    let out = project.obflow(&[
        "run",
        "differs.yaml",
        "passes.yaml",
        seed.to_str().unwrap(),
        "--var",
        &base,
        "--snapshots",
        "check",
        "--snapshot-dir",
        &format!("{}/snapshots", env!("CARGO_MANIFEST_DIR")),
        "--report-html",
        "out/report.html",
    ]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let path = project.path().join("out/report.html");
    let html = std::fs::read_to_string(&path).unwrap();
    (project, path, html)
}

#[test]
fn the_html_report_opens_in_chromium_with_failures_first_and_filters() {
    let (_project, path, html) = run_with_html_report();
    // Self-contained: nothing to fetch.
    for outside in ["http://", "https://"].map(|s| format!("src=\"{s}")) {
        assert!(!html.contains(&outside), "{outside}");
    }
    assert!(!html.contains("<link "), "no external stylesheet");
    // No secret: the test server's tokens, the mock's JWTs and codes.
    assert!(!html.contains("SUPERSECRET"), "a token in the page");
    assert!(
        !regex::Regex::new(r"eyJ[A-Za-z0-9_-]{10,}")
            .unwrap()
            .is_match(&html)
    );
    assert!(
        !regex::Regex::new(r"code-[0-9a-f]{32}")
            .unwrap()
            .is_match(&html)
    );

    let (dom, log) = headless(&file_url(&path), &["--dump-dom"]);
    let body = regex::Regex::new(r"<body[^>]*>").unwrap();
    let body = body.find(&dom).expect("a body").as_str().to_owned();
    assert!(
        body.contains("data-ready=\"1\""),
        "the script did not finish: {body}\n{log}"
    );
    assert!(!body.contains("data-errors"), "script errors: {body}");
    assert!(!log.contains("Uncaught"), "{log}");
    let names = [
        "an object that differs",
        "a passing one",
        "Connection — list the accounts with the Data API",
    ];
    let at: Vec<usize> = names
        .iter()
        .map(|n| {
            dom.find(&format!("<b class=\"name\">{n}</b>"))
                .unwrap_or_else(|| panic!("{n}"))
        })
        .collect();
    assert!(at[0] < at[1] && at[0] < at[2], "failures first");
    assert!(
        dom.contains("<span id=\"shown\">3</span>"),
        "every scenario shown"
    );
    // The object's differences, and the failure opened.
    assert!(
        dom.contains("differs at $.items[0].n: expected 2, actual 1"),
        "{dom}"
    );
    assert!(dom.contains("<details open=\"\">"), "the failure is open");
    // The seed's diagram has the flow's parties and its calls.
    for text in [
        "bank dialog",
        "auth server",
        "POST /connect/token",
        "GET /data/v1/accounts",
    ] {
        assert!(dom.contains(text), "{text}");
    }

    // The filter from the address: failed only.
    let (dom, _) = headless(
        &format!("{}#status=failed", file_url(&path)),
        &["--dump-dom"],
    );
    assert!(dom.contains("<span id=\"shown\">1</span>"), "{dom}");
    let passed = regex::Regex::new(r#"<section class="scenario passed"[^>]*hidden"#).unwrap();
    assert_eq!(passed.find_iter(&dom).count(), 2, "passed ones hidden");
    let (dom, _) = headless(
        &format!("{}#tag=connection", file_url(&path)),
        &["--dump-dom"],
    );
    assert!(dom.contains("<span id=\"shown\">1</span>"), "{dom}");

    // And it renders: a screenshot of the page, loosely (a PNG of the window's size).
    let shot = tempfile::tempdir().unwrap();
    let png = shot.path().join("report.png");
    headless(
        &file_url(&path),
        &[
            &format!("--screenshot={}", png.display()),
            "--window-size=1200,900",
        ],
    );
    let bytes = std::fs::read(&png).expect("a screenshot");
    assert_eq!(&bytes[1..4], b"PNG");
    let width = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    assert_eq!((width, height), (1200, 900));
    assert!(
        bytes.len() > 20_000,
        "the page drew something: {} bytes",
        bytes.len()
    );
}
