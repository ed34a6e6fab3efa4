//! The engine: runs scenarios concurrently (up to `--jobs`), steps in order, and emits
//! [`Event`]s. It owns nothing that prints.

pub mod base_url;
mod context;
pub mod cookies;
pub mod event;
pub mod executor;
pub mod http;
pub mod render;
pub mod session;
pub mod shard;
mod steps;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::sync::{Semaphore, mpsc};

pub use event::{
    Event, Outcome, Repetition, RunSummary, ScenarioReport, SkipReason, StepReport, Transcript,
};
pub use shard::Shard;
pub use steps::DEFAULT_SCOPES;

use crate::scenario::Scenario;
use crate::scenario::load::Validated;
use crate::secret::Redactor;
use crate::target::Target;
use crate::template::Templates;
use base_url::BaseUrl;

/// Default time a request may take when its step sets no `timeout`.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// How to run.
#[derive(Debug, Clone)]
pub struct RunConfig {
    pub jobs: usize,
    /// From [`http::build_client`], for `jobs`.
    pub client: reqwest::Client,
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
    /// Print requests, send none.
    pub dry_run: bool,
    /// `--repeat`: how many times each selected scenario runs (at least 1).
    pub repeat: usize,
    /// `--shard K/N`: run only this shard's scenarios; the others are reported skipped.
    pub shard: Option<Shard>,
    /// Snapshot mode, folder and project-wide redactions.
    pub snapshots: crate::snapshot::SnapshotSettings,
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
    pub dry_run: bool,
    pub snapshots: crate::snapshot::SnapshotSettings,
    /// Only one scenario asks the person at the terminal at a time.
    pub prompt_lock: tokio::sync::Mutex<()>,
    events: mpsc::UnboundedSender<Event>,
}

impl RunContext {
    /// Tells the person running obflow something they must act on (open a link, paste a
    /// URL); the terminal reporter shows it at once.
    pub fn notice(&self, message: String) {
        let _ = self
            .events
            .send(Event::Notice(self.redactor.redact(&message).into_owned()));
    }
}

/// The runtime the engine runs on (the benchmark's raw client runs the same one).
pub fn engine_runtime(embedded_mock: bool) -> std::io::Result<tokio::runtime::Runtime> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    // One worker runs best as the current thread: no hand-offs between threads at all.
    let mut builder = match runtime_workers(embedded_mock, cores) {
        1 => tokio::runtime::Builder::new_current_thread(),
        workers => {
            let mut builder = tokio::runtime::Builder::new_multi_thread();
            builder.worker_threads(workers);
            builder
        }
    };
    builder.enable_all().build()
}

/// How many threads run the engine. The embedded mock serves from the same runtime, so it
/// gets every core. Any other target's server needs cores of its own when it runs on this
/// machine (a local mock, a CI service container), and a remote one leaves the engine
/// waiting on the network: half the cores. Cross-thread wake-ups cost more than a second
/// worker brings: against a local mock on 2 cores, the bench's 2,000 flows took 0.33 s on
/// two workers, 0.29 s on one, 0.26 s on the current thread.
fn runtime_workers(embedded_mock: bool, cores: usize) -> usize {
    if embedded_mock {
        cores.max(1)
    } else {
        (cores / 2).max(1)
    }
}

/// A validated scenario, as the runner holds it until its turn.
#[derive(Debug, Clone)]
pub struct ScenarioRef {
    pub file: std::path::PathBuf,
    pub name: String,
    pub kept: Kept,
}

/// What the runner keeps of a validated scenario.
#[derive(Debug, Clone)]
pub enum Kept {
    /// The scenario itself, ready to run.
    Loaded(Arc<Scenario>),
    /// Its file, compactly, made into the scenario again when its turn comes: a large suite
    /// would otherwise hold every scenario in memory.
    Validated(Validated),
}

/// Runs `scenarios`, sending events as they happen; returns the totals. A scenario kept as
/// a validated file is made again by `reloader` just before it runs and dropped when it is
/// reported, so memory follows `--jobs`, not the size of the suite.
pub async fn run(
    scenarios: Vec<ScenarioRef>,
    reloader: crate::scenario::load::Reloader,
    config: RunConfig,
    templates: Arc<Templates>,
    redactor: Redactor,
    events: mpsc::UnboundedSender<Event>,
) -> RunSummary {
    let started = Instant::now();
    let jobs = config.jobs.max(1);
    let context = Arc::new(RunContext {
        client: config.client,
        templates,
        redactor,
        env_template: crate::template::to_template_value(&config.env),
        target_template: crate::template::to_template_value(&config.target.to_template_value()),
        cli_vars: config.cli_vars,
        record_transcripts: config.record_transcripts,
        default_timeout: config.default_timeout,
        auth_base: BaseUrl::new(&config.target.auth_url),
        api_base: BaseUrl::new(&config.target.api_url),
        target: config.target,
        max_wait: config.max_wait,
        dry_run: config.dry_run,
        snapshots: config.snapshots,
        prompt_lock: tokio::sync::Mutex::new(()),
        events: events.clone(),
    });
    let (plan, elsewhere) = plan(scenarios, config.repeat, config.shard);
    let _ = events.send(Event::RunStarted { total: plan.len() });
    let mut summary = RunSummary::default();
    // Scenarios another shard runs are reported at once, so reports list every scenario.
    for entry in elsewhere {
        let reason = SkipReason::OutsideShard(config.shard.expect("only a shard leaves some out"));
        let report = Arc::new(skipped_report(&entry, &reloader, reason));
        summary.record(report.outcome);
        summary.outside_shard += 1;
        let _ = events.send(Event::ScenarioFinished(report));
    }
    let permits = Arc::new(Semaphore::new(jobs));
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = tokio::task::JoinSet::new();

    for entry in plan {
        let permit = permits
            .clone()
            .acquire_owned()
            .await
            .expect("the semaphore is never closed");
        if stop.load(Ordering::Relaxed) {
            drop(permit);
            let report = Arc::new(skipped_report(&entry, &reloader, SkipReason::FailFast));
            summary.record(report.outcome);
            let _ = events.send(Event::ScenarioFinished(report));
            continue;
        }
        let context = context.clone();
        let events = events.clone();
        let stop = stop.clone();
        let fail_fast = config.fail_fast;
        let reloader = reloader.clone();
        tasks.spawn(async move {
            let _ = events.send(Event::ScenarioStarted {
                index: entry.index,
                name: entry.name.clone(),
            });
            let mut report = match entry.open(&reloader) {
                Ok(scenario) => {
                    executor::ScenarioState::new(&context, &scenario, entry.index)
                        .execute(entry.index)
                        .await
                }
                Err(problems) => unreadable_report(&entry, problems),
            };
            report.name = entry.name;
            report.repetition = entry.repetition;
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
    summary
}

/// One run of one scenario, in the order reports list them.
struct PlanEntry {
    /// Position in the run (across shards: every shard numbers alike).
    index: usize,
    file: std::path::PathBuf,
    kept: Kept,
    /// The scenario's name, with ` (run k/N)` when it is repeated.
    name: String,
    repetition: Option<Repetition>,
}

impl PlanEntry {
    /// The scenario, from memory or made again from its validated file.
    fn open(
        &self,
        reloader: &crate::scenario::load::Reloader,
    ) -> Result<Arc<Scenario>, Vec<crate::source::Diagnostic>> {
        match &self.kept {
            Kept::Loaded(scenario) => Ok(scenario.clone()),
            Kept::Validated(file) => reloader.load(file).map(Arc::new),
        }
    }
}

/// Expands `--repeat` and applies `--shard`: the runs this process makes, and those another
/// shard makes. Repetitions of a scenario stay together in one shard, and every shard numbers
/// the runs alike, so merged reports line up.
fn plan(
    scenarios: Vec<ScenarioRef>,
    repeat: usize,
    shard: Option<Shard>,
) -> (Vec<PlanEntry>, Vec<PlanEntry>) {
    // Taken by value: each scenario then lives in its entries only, and is freed by the task
    // that ran it, not all together once the run is over.
    let repeat = repeat.max(1);
    let mut mine = Vec::with_capacity(scenarios.len() * repeat);
    let mut elsewhere = Vec::new();
    for scenario in scenarios {
        let here = shard.is_none_or(|s| s.contains(&scenario.file, &scenario.name));
        for run in 1..=repeat {
            let repetition = (repeat > 1).then_some(Repetition { run, of: repeat });
            let entry = PlanEntry {
                index: mine.len() + elsewhere.len(),
                name: match repetition {
                    Some(r) => format!("{} (run {}/{})", scenario.name, r.run, r.of),
                    None => scenario.name.clone(),
                },
                file: scenario.file.clone(),
                kept: scenario.kept.clone(),
                repetition,
            };
            if here {
                mine.push(entry);
            } else {
                elsewhere.push(entry);
            }
        }
    }
    (mine, elsewhere)
}

/// A scenario file that no longer loads (it changed after validation): a failed scenario
/// whose one "step" carries the first problem.
fn unreadable_report(
    entry: &PlanEntry,
    problems: Vec<crate::source::Diagnostic>,
) -> ScenarioReport {
    let text = std::fs::read_to_string(&entry.file).unwrap_or_default();
    let scenario = Arc::new(Scenario::unreadable(
        entry.file.clone(),
        entry.name.clone(),
        text,
    ));
    ScenarioReport {
        index: entry.index,
        name: entry.name.clone(),
        outcome: Outcome::Failed,
        duration: Duration::ZERO,
        scenario,
        repetition: entry.repetition,
        skip_reason: None,
        steps: vec![StepReport {
            index: 0,
            label: "load".to_owned(),
            keyword: "load",
            outcome: Outcome::Failed,
            duration: Duration::ZERO,
            failures: vec![],
            error: problems.into_iter().next(),
            exchanges: vec![],
            attempts: 0,
            snapshot: None,
        }],
    }
}

fn skipped_report(
    entry: &PlanEntry,
    reloader: &crate::scenario::load::Reloader,
    reason: SkipReason,
) -> ScenarioReport {
    // Reports list a skipped scenario's steps too.
    let scenario = match entry.open(reloader) {
        Ok(scenario) => scenario,
        Err(problems) => return unreadable_report(entry, problems),
    };
    let scenario = &scenario;
    ScenarioReport {
        index: entry.index,
        name: entry.name.clone(),
        outcome: Outcome::Skipped,
        duration: Duration::ZERO,
        scenario: scenario.clone(),
        repetition: entry.repetition,
        skip_reason: Some(reason),
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
                attempts: 0,
                snapshot: None,
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::runtime_workers;

    #[test]
    fn the_embedded_mock_gets_every_core_other_targets_half() {
        assert_eq!(runtime_workers(true, 2), 2);
        assert_eq!(runtime_workers(false, 2), 1);
        assert_eq!(runtime_workers(false, 8), 4);
        assert_eq!(runtime_workers(false, 1), 1);
        assert_eq!(runtime_workers(true, 1), 1);
    }
}
