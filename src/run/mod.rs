//! The engine: runs scenarios concurrently (up to `--jobs`), steps in order, and emits
//! [`Event`]s. It owns nothing that prints.

pub mod event;
pub mod executor;
pub mod http;
pub mod render;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::sync::{Semaphore, mpsc};

pub use event::{Event, Outcome, RunSummary, ScenarioReport, StepReport, Transcript};

use crate::scenario::Scenario;
use crate::secret::Redactor;
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
}

/// What every scenario of a run shares.
pub struct RunContext {
    pub client: reqwest::Client,
    pub templates: Arc<Templates>,
    pub redactor: Redactor,
    pub env: Value,
    pub cli_vars: Vec<(String, Value)>,
    pub record_transcripts: bool,
    pub default_timeout: Duration,
}

/// Runs `scenarios`, sending events as they happen; returns the totals.
pub async fn run(
    scenarios: Vec<Arc<Scenario>>,
    config: RunConfig,
    templates: Arc<Templates>,
    redactor: Redactor,
    events: mpsc::UnboundedSender<Event>,
) -> Result<RunSummary, reqwest::Error> {
    let started = Instant::now();
    let jobs = config.jobs.max(1);
    let context = Arc::new(RunContext {
        client: http::build_client(jobs)?,
        templates,
        redactor,
        env: config.env,
        cli_vars: config.cli_vars,
        record_transcripts: config.record_transcripts,
        default_timeout: config.default_timeout,
    });
    let _ = events.send(Event::RunStarted {
        total: scenarios.len(),
    });
    let permits = Arc::new(Semaphore::new(jobs));
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = tokio::task::JoinSet::new();
    let mut summary = RunSummary::default();

    for (index, scenario) in scenarios.into_iter().enumerate() {
        let permit = permits
            .clone()
            .acquire_owned()
            .await
            .expect("the semaphore is never closed");
        if stop.load(Ordering::Relaxed) {
            drop(permit);
            let report = Arc::new(skipped_report(index, &scenario));
            summary.record(report.outcome);
            let _ = events.send(Event::ScenarioFinished(report));
            continue;
        }
        let context = context.clone();
        let events = events.clone();
        let stop = stop.clone();
        let fail_fast = config.fail_fast;
        tasks.spawn(async move {
            let _ = events.send(Event::ScenarioStarted {
                index,
                name: scenario.name.clone(),
            });
            let report = executor::ScenarioRun::new(&context, &scenario)
                .execute(index)
                .await;
            if fail_fast && report.outcome == Outcome::Failed {
                stop.store(true, Ordering::Relaxed);
            }
            drop(permit);
            let outcome = report.outcome;
            let _ = events.send(Event::ScenarioFinished(Arc::new(report)));
            outcome
        });
        // Reap finished tasks as we go so a long run holds no more than `jobs` of them.
        while let Some(done) = tasks.try_join_next() {
            summary.record(done.unwrap_or(Outcome::Failed));
        }
    }
    while let Some(done) = tasks.join_next().await {
        summary.record(done.unwrap_or(Outcome::Failed));
    }
    summary.duration = started.elapsed();
    let _ = events.send(Event::RunFinished(summary));
    Ok(summary)
}

fn skipped_report(index: usize, scenario: &Scenario) -> ScenarioReport {
    ScenarioReport {
        index,
        name: scenario.name.clone(),
        file: scenario.file().to_path_buf(),
        source: scenario.source.clone(),
        outcome: Outcome::Skipped,
        duration: Duration::ZERO,
        steps: scenario
            .steps
            .iter()
            .map(|step| StepReport {
                index: step.index,
                label: step.label(),
                keyword: step.action.keyword(),
                outcome: Outcome::Skipped,
                duration: Duration::ZERO,
                failures: vec![],
                error: None,
                exchanges: vec![],
            })
            .collect(),
    }
}
