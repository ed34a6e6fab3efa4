//! A real browser for `await_code: { via: browser }`: a headless Chromium started once per
//! run, a fresh context (like an incognito window) per scenario, driven over the DevTools
//! protocol through a declarative [`Plan`] of actions, with the redirect back to the
//! application caught inside the browser (no listener on the redirect URI).
//!
//! - `process.rs`: finding and starting the browser, and making sure it ends.
//! - `cdp.rs`: the DevTools connection (commands, replies, each page's events).
//! - `page.rs`: one scenario's page: navigate, script, type, screenshot, catch the redirect.
//! - `plan.rs`: plans as data, read and refused with locations; the built-in plans.
//! - `drive.rs` and `find.js`: playing a plan's actions in a page.
//!
//! The engine (`run/steps/await_code/browser.rs`) uses this module; it knows nothing of
//! scenarios or reports.

mod cdp;
mod drive;
mod page;
mod plan;
mod process;

use std::path::PathBuf;
use std::sync::Arc;

pub use drive::{PlanError, play};
pub use page::{Arrival, Page};
pub use plan::{Action, BUILTIN, DEFAULT_ACTION_TIMEOUT, Locator, Plan, Verb};
pub use process::{Browser, CANDIDATES, locate};

/// What the user is told to do when no browser is found.
pub const INSTALL_HINT: &str = "install Chromium (Debian/Ubuntu: `apt-get install -y chromium`; \
     macOS: `brew install --cask chromium`), or point `--browser PATH` (or `browser:` in \
     obflow.yaml, or OBFLOW_BROWSER) at a Chromium-family browser";

#[derive(Debug, Clone, thiserror::Error)]
pub enum BrowserError {
    #[error("no browser found (looked for {looked_for})")]
    NotFound { looked_for: String },
    #[error("cannot start the browser: {0}")]
    Start(String),
    #[error("the browser: {0}")]
    Protocol(String),
}

/// The run's one browser, started when a scenario first needs it and closed at the end.
pub struct BrowserHost {
    executable: Option<PathBuf>,
    running: tokio::sync::OnceCell<Result<Arc<Browser>, BrowserError>>,
}

impl BrowserHost {
    /// `executable`: the browser found before the run (`None`: look when first needed).
    pub fn new(executable: Option<PathBuf>) -> BrowserHost {
        BrowserHost {
            executable,
            running: tokio::sync::OnceCell::new(),
        }
    }

    /// The browser, started on first use; every scenario after shares it.
    pub async fn get(&self) -> Result<Arc<Browser>, BrowserError> {
        self.running
            .get_or_init(|| async {
                let executable = match &self.executable {
                    Some(path) => path.clone(),
                    None => locate(None)?,
                };
                let browser = Arc::new(Browser::launch(&executable).await?);
                watch_signals(Arc::clone(&browser));
                Ok(browser)
            })
            .await
            .clone()
    }

    /// Closes the browser if it was started.
    pub async fn close(&self) {
        if let Some(Ok(browser)) = self.running.get() {
            browser.close().await;
        }
    }
}

/// Ctrl-C (SIGINT) or a CI runner's SIGTERM ends obflow as it would without a browser, by
/// the signal's exit status, but kills the browser first: a signal sent to obflow alone
/// (not its process group) would otherwise leave Chromium running, and `kill_on_drop` does
/// not run in a process that a signal ends.
fn watch_signals(browser: Arc<Browser>) {
    tokio::spawn(async move {
        #[cfg(unix)]
        let status = {
            use tokio::signal::unix::{SignalKind, signal};
            let (Ok(mut int), Ok(mut term)) = (
                signal(SignalKind::interrupt()),
                signal(SignalKind::terminate()),
            ) else {
                return;
            };
            tokio::select! {
                _ = int.recv() => 130,
                _ = term.recv() => 143,
            }
        };
        #[cfg(not(unix))]
        let status = match tokio::signal::ctrl_c().await {
            Ok(()) => 130,
            Err(_) => return,
        };
        browser.kill_now().await;
        std::process::exit(status);
    });
}
