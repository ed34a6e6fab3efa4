//! Runs a planned suite: scenarios concurrently up to `--jobs`, each one's steps in order,
//! `--fail-fast` honoured, an [`Event`] sent as each thing happens.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use tokio::sync::{Semaphore, mpsc};

use super::base_url::BaseUrl;
use super::plan::{plan, skipped_report, unreadable_report};
use super::runner::Suite;
use super::{Event, Outcome, RunConfig, RunContext, RunSummary, SkipReason, executor};
use crate::secret::Redactor;

/// Runs `scenarios`, sending events as they happen; returns the totals. A scenario kept as
/// a validated file is made again by `reloader` just before it runs and dropped when it is
/// reported, so memory follows `--jobs`, not the size of the suite.
pub async fn run(
    suite: Suite,
    config: RunConfig,
    client: reqwest::Client,
    redactor: Redactor,
    events: mpsc::UnboundedSender<Event>,
) -> RunSummary {
    let Suite {
        scenarios,
        reloader,
    } = suite;
    let started = Instant::now();
    let jobs = config.jobs.max(1);
    let context = Arc::new(RunContext {
        client,
        templates: reloader.templates.clone(),
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
