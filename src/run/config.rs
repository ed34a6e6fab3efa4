//! How a run is set up ([`RunConfig`]) and what its scenarios share while it goes
//! ([`RunContext`]).

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::mpsc;

use super::base_url::BaseUrl;
use super::{Event, Shard};
use crate::scenario::actions::CodeSource;
use crate::secret::Redactor;
use crate::target::Target;
use crate::template::Templates;

/// Default time a request may take when its step sets no `timeout`.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// How to run.
#[derive(Debug, Clone)]
pub struct RunConfig {
    pub jobs: usize,
    pub fail_fast: bool,
    /// Keep request/response transcripts (for `-v` and reports); costs time.
    pub record_transcripts: bool,
    pub default_timeout: Duration,
    /// `--var` values; they win over the scenario's `vars`.
    pub cli_vars: Vec<(String, Value)>,
    /// What templates see as `env`: the process environment plus the `.env` file.
    pub env: Value,
    /// Where requests go; for the embedded mock, with its URLs filled in.
    pub target: Target,
    /// The longest real `wait` allowed on a target without a virtual clock.
    pub max_wait: Duration,
    /// `--allow-host`: hosts besides TrueLayer's and this machine's that may receive secrets.
    pub allowed_hosts: Vec<String>,
    /// `--await`: how every `await_code` of the run gets its code (else what each says).
    pub await_override: Option<CodeSource>,
    /// `--max-body`: the most bytes of a response body a step reads.
    pub max_body: u64,
    /// Print requests, send none.
    pub dry_run: bool,
    /// `--repeat`: how many times each selected scenario runs (at least 1).
    pub repeat: usize,
    /// `--shard K/N`: run only this shard's scenarios; the others are counted as skipped.
    pub shard: Option<Shard>,
    /// `--report-all-scenarios`: another shard's scenarios are also reported, as skipped
    /// (by default a shard's reports list its own, so merged shard reports equal one run).
    pub report_other_shards: bool,
    /// Snapshot mode, folder and project-wide redactions.
    pub snapshots: crate::snapshot::SnapshotSettings,
    /// `via: browser`: the browser found before the run (if a scenario needs one), and
    /// where a failure's screenshot and page text go.
    pub browser: Option<std::path::PathBuf>,
    pub artifacts: std::path::PathBuf,
    /// How the embedded mock serves its dialog (the project file's `embedded_mock.dialog`).
    pub mock_dialog: crate::mock::DialogStyle,
}

/// What every scenario of a run shares.
pub struct RunContext {
    pub client: reqwest::Client,
    pub templates: Arc<Templates>,
    pub redactor: Redactor,
    /// `env` and `target` as templates see them, converted once for the whole run.
    pub env_template: minijinja::Value,
    pub target_template: minijinja::Value,
    pub cli_vars: Vec<(String, Value)>,
    pub record_transcripts: bool,
    pub default_timeout: Duration,
    pub target: Target,
    /// The target's `auth_url` and `api_url`, parsed once for the run.
    pub auth_base: BaseUrl,
    pub api_base: BaseUrl,
    pub max_wait: Duration,
    pub allowed_hosts: Vec<String>,
    pub await_override: Option<CodeSource>,
    pub max_body: u64,
    pub dry_run: bool,
    pub snapshots: crate::snapshot::SnapshotSettings,
    /// The run's one browser, started when a scenario first needs it.
    pub browser: crate::browser::BrowserHost,
    pub artifacts: std::path::PathBuf,
    /// Only one scenario asks the person at the terminal at a time.
    pub prompt_lock: tokio::sync::Mutex<()>,
    pub(super) events: mpsc::UnboundedSender<Event>,
}
