//! HTML guides in a real browser: every guide of `scenarios/`, as one HTML page, is loaded
//! in headless Chromium (Debian's `chromium`, or `OBFLOW_CHROMIUM`), and a probe measures
//! each inline SVG diagram as laid out: shown, of a real size, and every label drawn inside
//! its diagram. The probe is this test's script, added to a copy of the page; the guides
//! themselves have none.
//!
//! Without Chromium the test says so and passes, except under CI (`CI` set), where
//! `.ci/run` installs it and its absence fails. The SVG's structure is checked without a
//! browser in `doc_guides.rs`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The probe: per SVG, its box, its computed visibility, and the labels outside it.
const PROBE: &str = r#"<script>
(() => {
  const within = (b, r) => b.width > 0 && b.height > 0 && b.left >= r.left - 1 &&
    b.right <= r.right + 1 && b.top >= r.top - 1 && b.bottom <= r.bottom + 1;
  const found = [...document.querySelectorAll('svg')].map(svg => {
    const r = svg.getBoundingClientRect();
    const style = getComputedStyle(svg);
    const texts = [...svg.querySelectorAll('text')];
    return {
      class: svg.getAttribute('class'),
      width: r.width,
      height: r.height,
      display: style.display,
      visibility: style.visibility,
      texts: texts.length,
      outside: texts.filter(t => !within(t.getBoundingClientRect(), r)).map(t => t.textContent),
    };
  });
  const pre = document.createElement('pre');
  pre.id = 'obflow-probe';
  pre.textContent = JSON.stringify(found);
  document.body.appendChild(pre);
})();
</script>"#;

fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("OBFLOW_CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    let found = Command::new("chromium")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    found.then(|| PathBuf::from("chromium"))
}

/// The page's DOM once loaded and laid out, as Chromium prints it.
fn dump_dom(browser: &Path, page: &Path, profile: &Path) -> String {
    let mut child = Command::new(browser)
        .args([
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--disable-extensions",
            "--window-size=1200,900",
            "--virtual-time-budget=5000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromium");
    let mut stdout = child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut stdout, &mut s);
        s
    });
    let started = Instant::now();
    while child.try_wait().expect("wait for chromium").is_none() {
        if started.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("chromium did not finish within two minutes");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    reader.join().unwrap_or_default()
}

#[test]
fn html_guides_show_their_diagrams_in_chromium() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "chromium is missing: .ci/run installs it (apt-get install chromium)"
        );
        eprintln!("chromium not found: the HTML guides are not drawn in a browser");
        return;
    };
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_obflow"))
        .args(["doc", "scenarios", "--format", "html"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run obflow doc");
    assert!(run.status.success());
    let html = String::from_utf8(run.stdout).expect("UTF-8");
    let expected = html.matches("<svg ").count();
    assert!(expected > 17, "{expected} diagrams");
    let dir = tempfile::tempdir().expect("tempdir");
    let page = dir.path().join("guides.html");
    std::fs::write(&page, html.replace("</body>", &format!("{PROBE}\n</body>"))).unwrap();
    let dom = dump_dom(&browser, &page, &dir.path().join("profile"));
    let start = dom
        .find("<pre id=\"obflow-probe\">")
        .unwrap_or_else(|| panic!("the probe did not run:\n{dom}"))
        + "<pre id=\"obflow-probe\">".len();
    let end = dom[start..].find("</pre>").expect("probe end") + start;
    let json = dom[start..end]
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    let found: Vec<Value> = serde_json::from_str(&json).expect("the probe's JSON");
    assert_eq!(found.len(), expected, "every diagram is in the page");
    let mut lifecycles = 0;
    for svg in &found {
        let width = svg["width"].as_f64().unwrap_or(0.0);
        let height = svg["height"].as_f64().unwrap_or(0.0);
        assert!(width > 200.0 && height > 60.0, "too small: {svg}");
        assert_eq!(svg["display"], "block", "{svg}");
        assert_eq!(svg["visibility"], "visible", "{svg}");
        assert!(svg["texts"].as_u64().unwrap_or(0) >= 4, "{svg}");
        assert_eq!(
            svg["outside"].as_array().map(Vec::len),
            Some(0),
            "labels drawn outside their diagram: {svg}"
        );
        if svg["class"] == "lifecycle" {
            lifecycles += 1;
        }
    }
    assert!(lifecycles >= 3, "{lifecycles} lifecycle diagrams");
}
