//! Guides are executable: every guide of `scenarios/` (the ones committed in `docs/guides`,
//! rendered here for a mock target) has its `shell` blocks taken out in order and run with
//! bash, curl and jq against a live `obflow mock` this test starts on a loopback port. The
//! guide itself plays the user in the mock's dialog, with curl through its HTML forms — what
//! a reader of a mock guide does in a terminal — so nothing but the guide's commands runs.
//! A guide whose commands fail, or whose refused step answers another status than the one
//! it says to expect, fails the test. Scenarios written here, of the kind a user writes,
//! run green with `obflow run` and their guides run too.

use std::io::{BufRead, BufReader, Read as _};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{Project, obflow_in};

/// How long one guide's commands may take (they take well under a second each).
const GUIDE_TIMEOUT: Duration = Duration::from_secs(120);

/// Marks where each block starts in the script's output.
const MARK: &str = "@@obflow-guide-block";

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `obflow mock --port 0`, stopped when dropped.
struct Mock {
    child: Child,
    base: String,
}

impl Mock {
    fn start() -> Mock {
        let mut child = Command::new(env!("CARGO_BIN_EXE_obflow"))
            .args(["mock", "--port", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start obflow mock");
        let stdout = child.stdout.take().expect("mock stdout");
        let mut first = String::new();
        BufReader::new(stdout)
            .read_line(&mut first)
            .expect("the mock's first line");
        let base = first
            .trim()
            .strip_prefix("obflow mock listening on ")
            .unwrap_or_else(|| panic!("unexpected first line of obflow mock: {first:?}"))
            .to_owned();
        Mock { child, base }
    }
}

impl Drop for Mock {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The guides' tools: bash, curl 7.84+ (`--write-out '%header{...}'`) and jq. `.ci/run`
/// installs what is missing.
fn require_tools() {
    for (tool, arg) in [
        ("bash", "--version"),
        ("curl", "--version"),
        ("jq", "--version"),
    ] {
        let found = Command::new(tool)
            .arg(arg)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        assert!(
            found,
            "the guides tests need `{tool}` (apt-get install {tool}; .ci/run installs it)"
        );
    }
}

/// A `shell` block of a guide, and the status its refused request must answer with.
#[derive(Debug)]
struct ShellBlock {
    text: String,
    expect_status: Option<String>,
}

/// Every fenced code block, as (language, text), in order.
fn code_blocks(markdown: &str) -> Vec<(String, String)> {
    let mut blocks = Vec::new();
    let mut lines = markdown.lines();
    while let Some(line) = lines.next() {
        let ticks = line.chars().take_while(|c| *c == '`').count();
        if ticks < 3 {
            continue;
        }
        let fence = &line[..ticks];
        let lang = line[ticks..].trim().to_owned();
        let mut text = Vec::new();
        for inner in lines.by_ref() {
            if inner == fence {
                break;
            }
            text.push(inner);
        }
        blocks.push((lang, text.join("\n")));
    }
    blocks
}

/// The guide's `shell` blocks in order. A block that shows its answer with `--include` and
/// is followed by an answer to expect (`HTTP 400 ...`) must print that status.
fn shell_blocks(markdown: &str) -> Vec<ShellBlock> {
    let blocks = code_blocks(markdown);
    let mut out = Vec::new();
    for (i, (lang, text)) in blocks.iter().enumerate() {
        if lang != "shell" {
            continue;
        }
        let expect_status = blocks
            .get(i + 1)
            .filter(|(lang, _)| lang == "text")
            .and_then(|(_, answer)| answer.strip_prefix("HTTP "))
            .and_then(|rest| rest.split_whitespace().next())
            .filter(|_| text.contains("--include"))
            .map(str::to_owned);
        out.push(ShellBlock {
            text: text.clone(),
            expect_status,
        });
    }
    out
}

/// Runs a guide's blocks in one bash, as a reader pasting them in order would, but stopping
/// at the first command that fails. Returns why it failed.
fn run_guide(name: &str, markdown: &str, work: &Path) -> Result<usize, String> {
    let blocks = shell_blocks(markdown);
    if blocks.is_empty() {
        return Err(format!("{name}: no shell block"));
    }
    let mut script = String::from("set -euo pipefail\n");
    for (i, block) in blocks.iter().enumerate() {
        script.push_str(&format!("printf '\\n%s %d\\n' '{MARK}' {i}\n"));
        script.push_str(&block.text);
        script.push('\n');
    }
    let file = work.join(format!("{name}.sh"));
    std::fs::write(&file, &script).expect("write the guide's script");
    let mut child = Command::new("bash")
        .arg(&file)
        .current_dir(work)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", work)
        .env("LC_ALL", "C")
        // What the guide asks the reader to export: the demo client's secret (docs/mock.md).
        .env("CLIENT_SECRET", obflow::protocol::DEMO_CLIENT_SECRET)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run bash");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let out_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for bash") {
            break Some(status);
        }
        if started.elapsed() > GUIDE_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let out = out_reader.join().unwrap_or_default();
    let err = err_reader.join().unwrap_or_default();
    // Each block's output, by the marks.
    let mut outputs: Vec<String> = Vec::new();
    for line in out.lines() {
        if line.starts_with(MARK) {
            outputs.push(String::new());
        } else if let Some(last) = outputs.last_mut() {
            last.push_str(line);
            last.push('\n');
        }
    }
    let reached = outputs.len().saturating_sub(1);
    let failure = |why: &str, at: usize| {
        let text = blocks.get(at).map_or("", |b| b.text.as_str());
        let shown = outputs.get(at).map_or("", String::as_str);
        format!(
            "{name}: {why} in block {} of {}:\n{text}\n--- its output ---\n{shown}\n--- stderr ---\n{err}",
            at + 1,
            blocks.len()
        )
    };
    match status {
        None => return Err(failure("timed out", reached)),
        Some(s) if !s.success() => return Err(failure(&format!("bash exited {s}"), reached)),
        Some(_) => {}
    }
    if outputs.len() != blocks.len() {
        return Err(failure("not every block ran", reached));
    }
    for (i, block) in blocks.iter().enumerate() {
        if let Some(status) = &block.expect_status {
            let answered = outputs[i].lines().any(|line| {
                line.starts_with("HTTP/") && line.split_whitespace().nth(1) == Some(status)
            });
            if !answered {
                return Err(failure(
                    &format!("the answer is not the expected {status}"),
                    i,
                ));
            }
        }
    }
    Ok(blocks.len())
}

/// A project file whose `guide-mock` target is the running mock.
fn mock_target(project: &Project, mock: &Mock) -> String {
    project.write(
        "obflow.yaml",
        &format!(
            "targets:\n  guide-mock:\n    auth_url: {}\n    mock: true\n",
            mock.base
        ),
    );
    project.path().join("obflow.yaml").display().to_string()
}

/// The Markdown guides of `paths` (run in `dir`) for the running mock, by file name.
fn mock_guides(dir: &Path, paths: &[&str], config: &str, out: &Path) -> Vec<(String, String)> {
    let out_arg = out.display().to_string();
    let mut args = vec!["doc"];
    args.extend_from_slice(paths);
    args.extend([
        "--target",
        "guide-mock",
        "--config",
        config,
        "--out",
        &out_arg,
    ]);
    let run = obflow_in(dir, &args, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut guides: Vec<(String, String)> = std::fs::read_dir(out)
        .expect("guides written")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".md") && n != "index.md")
        .map(|n| {
            let text = std::fs::read_to_string(out.join(&n)).expect("guide");
            (n, text)
        })
        .collect();
    guides.sort();
    guides
}

#[test]
fn every_committed_guide_runs_against_the_mock() {
    require_tools();
    let mock = Mock::start();
    let project = Project::new();
    let config = mock_target(&project, &mock);
    let out = project.path().join("guides");
    let guides = mock_guides(repo(), &["scenarios"], &config, &out);
    // The same guides as docs/guides (which `the_committed_guides_are_up_to_date` keeps
    // current), for another target.
    let committed: Vec<String> = {
        let mut names: Vec<String> = std::fs::read_dir(repo().join("docs/guides"))
            .expect("docs/guides")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".md") && n != "index.md")
            .collect();
        names.sort();
        names
    };
    let rendered: Vec<String> = guides.iter().map(|(n, _)| n.clone()).collect();
    assert_eq!(rendered, committed);
    let work = project.path().join("work");
    std::fs::create_dir_all(&work).expect("work dir");
    // One after another: a guide's `wait` moves the mock's clock, which the others share.
    let mut failures = Vec::new();
    let mut blocks = 0;
    for (name, markdown) in &guides {
        match run_guide(name.trim_end_matches(".md"), markdown, &work) {
            Ok(n) => blocks += n,
            Err(why) => failures.push(why),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} guides do not run:\n\n{}",
        failures.len(),
        guides.len(),
        failures.join("\n\n")
    );
    assert!(blocks > guides.len() * 3, "only {blocks} blocks ran");
}

/// A scenario as a user writes one: `request` steps with header, status and JSON captures,
/// a later step reading `steps.<id>`, a loop over items written in the file, a refused call
/// with a wrong token, dates on transactions, and a declined second dialog.
const OWN_SCENARIO: &str = r#"name: My integration — accounts, balances and a refused token
steps:
  - auth_link:
      scope: [info, accounts, balance, transactions]
  - await_code: { user: john }
  - exchange: {}
  - id: accounts
    name: List the accounts through a plain request
    request:
      url: "{{ target.api_url }}/data/v1/accounts"
      headers:
        Authorization: "Bearer {{ session.access_token }}"
    expect:
      status: 200
      json:
        $.results: { length: 2 }
    capture:
      first: $.results[0].account_id
      ids: { jsonpath: "$.results[*].account_id", all: true }
      correlation: { header: x-tl-correlation-id }
      code_seen: { status: true }
  - name: The first account's balance
    balance:
      account_id: "{{ first }}"
  - name: Every account, by id
    for_each: "{{ ids }}"
    as: account_id
    account: { account_id: "{{ account_id }}" }
    expect:
      json:
        $.results[0].account_id: "{{ account_id }}"
  - name: Transactions for two periods
    for_each: [2024-01-01, 2024-02-01]
    as: from
    transactions:
      account_id: "{{ steps.accounts.json.results[1].account_id }}"
      from: "{{ from }}"
      to: 2024-12-31
  - name: A wrong token is refused
    note: Any token the auth server did not issue is refused with `401`.
    me: { access_token: not-a-token-the-server-issued }
    expect:
      status: 401
  - name: A second link, which the user declines
    auth_link: {}
  - await_code: { decision: decline }
    expect:
      json:
        $.error: access_denied
"#;

/// A second one: a link offering several banks (the dialog's bank choice), PKCE, answers by
/// `form_post`, and a later request reading the token step's answer.
const OWN_FORM_POST: &str = r#"name: My integration — form_post, a bank choice and PKCE
steps:
  - auth_link:
      providers: [uk-ob-all]
      response_mode: form_post
      pkce: true
  - await_code: { user: joe }
  - id: token
    exchange: {}
  - name: The connection, with the token's scope in a header
    request:
      url: "{{ target.api_url }}/data/v1/me"
      headers:
        Authorization: "Bearer {{ session.access_token }}"
        X-Scope: "{{ steps.token.json.scope }}"
    expect:
      json:
        $.results[0].provider.provider_id: ob-monzo
  - auth_link: { providers: [uk-ob-all], response_mode: form_post }
  - await_code: { decision: decline }
    expect: { json: { $.error: access_denied } }
"#;

#[test]
fn guides_of_scenarios_of_ones_own_run_against_the_mock() {
    require_tools();
    let project = Project::new();
    project.write("flows/own.yaml", OWN_SCENARIO);
    project.write("flows/own_form_post.yaml", OWN_FORM_POST);
    let run = project.obflow(&["run", "flows"]);
    assert_eq!(
        run.code, 0,
        "the scenarios themselves run: {}{}",
        run.stdout, run.stderr
    );
    let mock = Mock::start();
    let config = mock_target(&project, &mock);
    let out = project.path().join("guides");
    let guides = mock_guides(project.path(), &["flows"], &config, &out);
    let [(own, markdown), (form_post, post_markdown)] = guides.as_slice() else {
        panic!("two guides expected, got {guides:?}");
    };
    // The shell the scenarios' captures, loops and dialogs become.
    for expected in [
        "FIRST=$(jq -r '.results[0].account_id' <<<\"$RESPONSE\")",
        "IDS=$(jq -r '.results[].account_id' <<<\"$RESPONSE\")",
        "--dump-header \"$HEADERS\"",
        "while IFS= read -r ACCOUNT_ID; do",
        "for FROM in '2024-01-01' '2024-02-01'; do",
        "--header 'Authorization: Bearer not-a-token-the-server-issued'",
    ] {
        assert!(
            markdown.contains(expected),
            "missing {expected:?} in:\n{markdown}"
        );
    }
    for expected in [
        "--data-urlencode 'provider_id=ob-monzo'",
        "CODE=$(printf '%s' \"$PAGE\" | sed -n",
        "TOKEN_SCOPE=$(jq -r '.scope' <<<\"$RESPONSE\")",
        "--header \"X-Scope: $TOKEN_SCOPE\"",
    ] {
        assert!(
            post_markdown.contains(expected),
            "missing {expected:?} in:\n{post_markdown}"
        );
    }
    let work = project.path().join("work");
    std::fs::create_dir_all(&work).expect("work dir");
    for (name, markdown) in [(own, markdown), (form_post, post_markdown)] {
        if let Err(why) = run_guide(name.trim_end_matches(".md"), markdown, &work) {
            panic!("{why}");
        }
    }
}

#[test]
fn a_guide_that_does_not_work_fails() {
    require_tools();
    let mock = Mock::start();
    let project = Project::new();
    let work = project.path().to_path_buf();
    // A refused step whose answer is not the status its guide promises.
    let guide = format!(
        "```shell\ncurl '{}/data/v1/me' --silent --show-error --include\n```\n\nThe answer to expect:\n\n```text\nHTTP 404\n```\n",
        mock.base
    );
    let why = run_guide("wrong-status", &guide, &work).unwrap_err();
    assert!(why.contains("not the expected 404"), "{why}");
    let guide = "```shell\ntrue\n```\n\n```shell\nfalse\n```\n";
    let why = run_guide("failing", guide, &work).unwrap_err();
    assert!(why.contains("block 2 of 2"), "{why}");
}
