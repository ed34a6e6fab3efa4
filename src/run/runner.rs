//! The runner: what one `obflow run` needs around the engine. It owns the runtime, the HTTP
//! client and, against the embedded mock, the mock itself; it runs a suite and hands every
//! event to a sink (the reporters) as it happens.

use tokio::runtime::Runtime;

use super::plan::ScenarioRef;
use super::{Event, RunConfig, RunSummary, engine_runtime, http};
use crate::mock::{MockError, MockOptions, Retention};
use crate::scenario::load::Reloader;
use crate::secret::Redactor;
use crate::target::TargetKind;

/// Where the engine's events go: the reporters, for `obflow run`.
pub trait EventSink: Send + 'static {
    fn on_event(&mut self, event: &Event);
}

/// The validated scenarios of a run, and how to make a scenario kept as text again.
pub struct Suite {
    pub scenarios: Vec<ScenarioRef>,
    pub reloader: Reloader,
}

/// Why a run could not be carried out (not a scenario failing: that is a result).
#[derive(Debug, thiserror::Error)]
pub enum RunnerError {
    #[error("cannot start the async runtime: {0}")]
    Runtime(#[source] std::io::Error),
    #[error("cannot set up HTTP: {0}")]
    Http(#[source] reqwest::Error),
    #[error("cannot start the embedded mock: {0}")]
    Mock(#[source] MockError),
    #[error("the engine stopped: {0}")]
    Engine(tokio::task::JoinError),
    #[error("the reporters stopped: {0}")]
    Sink(tokio::task::JoinError),
}

/// `obflow mock`'s default address, shown by a dry run against the embedded mock (which
/// starts no mock).
const DRY_RUN_MOCK_URL: &str = "http://127.0.0.1:8080";

/// What the embedded mock keeps of each kind of state (codes, connections, tokens...) for
/// every scenario running at once: far more than any flow uses, and the least recently used
/// entry goes first, which is a finished scenario's.
pub const MOCK_ENTRIES_PER_JOB: usize = 512;

/// The embedded mock serves this run alone, and its scenarios never share state: it keeps
/// what the scenarios running at once may use, so its memory follows `--jobs`, not the size
/// of the suite (a standalone `obflow mock` keeps more, for clients it cannot count).
fn embedded_retention(jobs: usize) -> Retention {
    Retention {
        max_entries: jobs.max(1).saturating_mul(MOCK_ENTRIES_PER_JOB),
        ..Retention::default()
    }
}

pub struct Runner {
    runtime: Runtime,
    client: reqwest::Client,
    /// Whether this run starts the embedded mock.
    embedded_mock: bool,
}

impl Runner {
    /// Sets up for `config`: a runtime sized for its target, and a client for `--jobs`.
    pub fn new(config: &RunConfig) -> Result<Runner, RunnerError> {
        let embedded_mock = config.target.kind == TargetKind::EmbeddedMock && !config.dry_run;
        Ok(Runner {
            runtime: engine_runtime(embedded_mock).map_err(RunnerError::Runtime)?,
            client: http::build_client(config.jobs).map_err(RunnerError::Http)?,
            embedded_mock,
        })
    }

    /// Runs `suite`, sending each event to `sink`; returns the totals and the sink.
    pub fn run<S: EventSink>(
        self,
        suite: Suite,
        mut config: RunConfig,
        redactor: Redactor,
        mut sink: S,
    ) -> Result<(RunSummary, S), RunnerError> {
        let Runner {
            runtime,
            client,
            embedded_mock,
        } = self;
        let result = runtime.block_on(async move {
            // The embedded mock lives as long as the run, on a free loopback port.
            let mock = match embedded_mock {
                true => Some(
                    crate::mock::start(MockOptions {
                        fixtures: crate::mock::Fixtures::default().with_dialog(config.mock_dialog),
                        journal: false,
                        retention: embedded_retention(config.jobs),
                        ..MockOptions::loopback()
                    })
                    .await
                    .map_err(RunnerError::Mock)?,
                ),
                false => None,
            };
            let base = match (&mock, &config.target.kind) {
                (Some(mock), _) => Some(mock.base_url().to_owned()),
                (None, TargetKind::EmbeddedMock) => Some(DRY_RUN_MOCK_URL.to_owned()),
                (None, _) => None,
            };
            if let Some(base) = base {
                config.target.auth_url = base.clone();
                config.target.api_url = base;
            }
            let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
            let engine = tokio::spawn(super::run(suite, config, client, redactor, tx));
            // The sink runs as a task on the runtime too: waking a thread of its own for
            // every event would cost more than handling it.
            let feed = tokio::spawn(async move {
                while let Some(event) = rx.recv().await {
                    sink.on_event(&event);
                }
                sink
            });
            let summary = engine.await.map_err(RunnerError::Engine)?;
            let sink = feed.await.map_err(RunnerError::Sink)?;
            if let Some(mock) = mock {
                mock.shutdown().await;
            }
            Ok((summary, sink))
        });
        // A blocking read still waiting on the terminal must not hold the process up.
        runtime.shutdown_background();
        result
    }
}
