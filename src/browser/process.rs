//! The browser process: found on PATH or where the user says, started headless with a fresh
//! profile and the flags a closed network needs, reached over its DevTools WebSocket, and
//! killed when the run ends (or when the handle is dropped, on a panic path).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use super::BrowserError;
use super::cdp::Cdp;
use super::page::Page;

/// The names a Chromium-family browser goes by on PATH, most likely first.
pub const CANDIDATES: &[&str] = &[
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
    "chrome",
    "microsoft-edge",
];

/// Where macOS keeps the usual browsers (not on PATH).
const MAC_APPS: &[&str] = &[
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
];

/// How long a browser may take to open its DevTools port.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// Without these, Chromium on a closed network keeps trying (and failing) to reach Google's
/// services, and a page in the background has its timers throttled under `--jobs`. Site
/// isolation and the features after it cost CPU per page (processes, translation, paint
/// holding) and protect nothing in a throwaway profile: without them 16 consents take about
/// a tenth less CPU (bench/browser.sh).
const FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--disable-background-timer-throttling",
    "--disable-backgrounding-occluded-windows",
    "--disable-renderer-backgrounding",
    "--disable-dev-shm-usage",
    "--mute-audio",
    "--password-store=basic",
    "--use-mock-keychain",
    "--disable-site-isolation-trials",
    "--disable-features=site-per-process,IsolateOrigins,Translate,BackForwardCache,MediaRouter,OptimizationHints,Prerender2,PaintHolding,AcceptCHFrame",
    "--remote-debugging-port=0",
];

/// The browser to use: the one given (flag, config or `OBFLOW_BROWSER`), else the first
/// Chromium-family browser on PATH.
pub fn locate(given: Option<&Path>) -> Result<PathBuf, BrowserError> {
    if let Some(path) = given {
        if path.components().count() == 1
            && let Some(found) = on_path(&path.to_string_lossy())
        {
            return Ok(found);
        }
        return match path.is_file() {
            true => Ok(path.to_path_buf()),
            false => Err(BrowserError::NotFound {
                looked_for: path.display().to_string(),
            }),
        };
    }
    CANDIDATES
        .iter()
        .find_map(|name| on_path(name))
        .or_else(|| MAC_APPS.iter().map(PathBuf::from).find(|p| p.is_file()))
        .ok_or_else(|| BrowserError::NotFound {
            looked_for: CANDIDATES.join(", "),
        })
}

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// A running headless browser and the connection to it.
pub struct Browser {
    cdp: Cdp,
    child: tokio::sync::Mutex<Option<Child>>,
    // Dropping it deletes the profile (after the process, which is dropped first).
    profile: tempfile::TempDir,
}

impl Browser {
    /// Starts `executable` headless with a fresh profile and connects to it.
    pub async fn launch(executable: &Path) -> Result<Browser, BrowserError> {
        let profile = tempfile::Builder::new()
            .prefix("obflow-browser-")
            .tempdir()
            .map_err(|e| BrowserError::Start(format!("cannot make a browser profile: {e}")))?;
        let mut child = Command::new(executable)
            .args(FLAGS)
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            // The backstop: a run that unwinds still takes the browser with it.
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| {
                BrowserError::Start(format!("cannot start {}: {e}", executable.display()))
            })?;
        let stderr = child.stderr.take().expect("stderr is piped");
        let mut lines = BufReader::new(stderr).lines();
        let mut said = Vec::new();
        let found = tokio::time::timeout(START_TIMEOUT, async {
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(url) = line.strip_prefix("DevTools listening on ") {
                    return Some(url.trim().to_owned());
                }
                said.push(line);
            }
            None
        })
        .await;
        let ws_url = match found {
            Ok(Some(url)) => url,
            Ok(None) | Err(_) => {
                let _ = child.kill().await;
                let tail: Vec<_> = said.iter().rev().take(5).rev().cloned().collect();
                return Err(BrowserError::Start(format!(
                    "{} did not open its DevTools port{}",
                    executable.display(),
                    match tail.is_empty() {
                        true => String::new(),
                        false => format!(": {}", tail.join(" / ")),
                    }
                )));
            }
        };
        // Chromium blocks once a full stderr pipe is not read: keep reading it, unseen.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let cdp = Cdp::connect(&ws_url).await?;
        Ok(Browser {
            cdp,
            child: tokio::sync::Mutex::new(Some(child)),
            profile,
        })
    }

    /// A fresh page in a context of its own (like an incognito window): no cookies or
    /// storage shared with any other scenario.
    pub async fn new_page(&self) -> Result<Page, BrowserError> {
        let context = self
            .cdp
            .call(
                None,
                "Target.createBrowserContext",
                json!({ "disposeOnDetach": true }),
            )
            .await?;
        let context_id = text(&context, "browserContextId")?;
        let target = self
            .cdp
            .call(
                None,
                "Target.createTarget",
                json!({ "url": "about:blank", "browserContextId": context_id }),
            )
            .await?;
        let target_id = text(&target, "targetId")?;
        let attached = self
            .cdp
            .call(
                None,
                "Target.attachToTarget",
                json!({ "targetId": target_id, "flatten": true }),
            )
            .await?;
        let session_id = text(&attached, "sessionId")?;
        let events = self.cdp.subscribe(&session_id);
        Ok(Page::new(self.cdp.clone(), context_id, session_id, events))
    }

    /// Kills the browser and removes its profile, for a process about to exit (where no
    /// destructor runs). At most a second: the exit must not hang on it.
    pub async fn kill_now(&self) {
        let killed = async {
            if let Some(mut process) = self.child.lock().await.take() {
                let _ = process.kill().await;
            }
        };
        let _ = tokio::time::timeout(Duration::from_secs(1), killed).await;
        let _ = std::fs::remove_dir_all(self.profile.path());
    }

    /// Closes the browser: asks it to, then makes sure.
    pub async fn close(&self) {
        let mut child = self.child.lock().await;
        if let Some(mut process) = child.take() {
            let asked = self.cdp.call(None, "Browser.close", json!({}));
            let _ = tokio::time::timeout(Duration::from_secs(2), asked).await;
            if tokio::time::timeout(Duration::from_secs(2), process.wait())
                .await
                .is_err()
            {
                let _ = process.kill().await;
            }
        }
        // The signal watcher keeps a handle to the browser, so the profile's destructor may
        // never run: it goes with the process.
        let _ = std::fs::remove_dir_all(self.profile.path());
    }
}

fn text(value: &serde_json::Value, key: &str) -> Result<String, BrowserError> {
    value
        .get(key)
        .and_then(|v| v.as_str())
        .map(str::to_owned)
        .ok_or_else(|| BrowserError::Protocol(format!("the browser's reply has no `{key}`")))
}
