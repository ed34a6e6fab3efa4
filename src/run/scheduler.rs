//! Runs a planned suite: scenarios concurrently up to `--jobs`, each one's steps in order,
//! `--fail-fast` honoured, an [`Event`] sent as each thing happens.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use futures_util::FutureExt;
use tokio::sync::{Semaphore, mpsc};

use super::base_url::BaseUrl;
use super::plan::{crashed_report, plan, skipped_report, skipped_report_of, unreadable_report};
use super::runner::Suite;
use super::{Event, Outcome, RunConfig, RunContext, RunSummary, SkipReason, executor, needs};
use crate::secret::{Redacted, Redactor};

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
        allowed_hosts: config.allowed_hosts,
        await_override: config.await_override,
        max_body: config.max_body,
        dry_run: config.dry_run,
        snapshots: config.snapshots,
        browser: crate::browser::BrowserHost::new(config.browser),
        artifacts: config.artifacts,
        prompt_lock: tokio::sync::Mutex::new(()),
        events: events.clone(),
    });
    let (plan, elsewhere) = plan(scenarios, config.repeat, config.shard);
    let _ = events.send(Event::RunStarted { total: plan.len() });
    let mut summary = RunSummary::default();
    // Scenarios another shard runs are counted; with `--report-all-scenarios` they are also
    // reported, at once, so each shard's reports list the whole suite.
    for entry in elsewhere {
        summary.outside_shard += 1;
        if !config.report_other_shards {
            summary.record(Outcome::Skipped);
            continue;
        }
        let reason = SkipReason::OutsideShard(config.shard.expect("only a shard leaves some out"));
        let report = skipped_report(&entry, &reloader, reason);
        let report = Arc::new(Redacted::new(report, &context.redactor));
        summary.record(report.outcome);
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
        // Out of open files, every scenario started now would fail for want of a
        // connection: the run stops starting them and ends as an environment error.
        let skip = match crate::descriptors::ran_out() {
            true => Some(SkipReason::OutOfFiles),
            false => stop.load(Ordering::Relaxed).then_some(SkipReason::FailFast),
        };
        if let Some(reason) = skip {
            drop(permit);
            let report = skipped_report(&entry, &reloader, reason);
            let report = Arc::new(Redacted::new(report, &context.redactor));
            summary.record_report(&report);
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
            // The scenario's secrets: what it declares and learns, and the run's.
            let redactor = context.redactor.child();
            let unmet = |scenario: &crate::scenario::Scenario| {
                needs::unmet(
                    scenario,
                    &context.target,
                    context.max_wait,
                    context.await_override,
                )
            };
            let mut report = match entry.open(&reloader) {
                // Skipped, not failed: another target (the mock) can run it.
                Ok(scenario) if let Some(unmet) = unmet(&scenario) => {
                    let reason = SkipReason::TargetLacks {
                        target: context.target.name.clone(),
                        unmet,
                    };
                    skipped_report_of(&entry, &scenario, reason)
                }
                Ok(scenario) => {
                    let state = executor::ScenarioState::new(
                        &context,
                        &scenario,
                        entry.index,
                        redactor.clone(),
                    );
                    // Boxed: a scenario's future is large, and the panic guard around it
                    // would otherwise be moved, whole, at every await of the task.
                    let run = Box::pin(state.execute(entry.index));
                    // A bug in obflow must fail the scenario it happened in, not lose it:
                    // every report lists every scenario.
                    match unless_it_panics(run).await {
                        Ok(report) => report,
                        Err(message) => crashed_report(&entry, scenario, &message),
                    }
                }
                // A file that cannot be read again for want of a descriptor is the
                // environment's failure, not the scenario's.
                Err(_) if crate::descriptors::ran_out() => {
                    skipped_report(&entry, &reloader, SkipReason::OutOfFiles)
                }
                Err(problems) => unreadable_report(&entry, problems),
            };
            report.name = entry.name;
            report.repetition = entry.repetition;
            if fail_fast && report.outcome == Outcome::Failed {
                stop.store(true, Ordering::Relaxed);
            }
            drop(permit);
            let counted = report.counted();
            let report = Redacted::new(report, &redactor);
            let _ = events.send(Event::ScenarioFinished(Arc::new(report)));
            counted
        });
        // Reap finished tasks as we go so a long run holds no more than `jobs` of them.
        while let Some(done) = tasks.try_join_next() {
            summary.record_outcome(done.unwrap_or((Outcome::Failed, false)));
        }
    }
    while let Some(done) = tasks.join_next().await {
        summary.record_outcome(done.unwrap_or((Outcome::Failed, false)));
    }
    // Every scenario is done with the browser: it goes before the run is reported done.
    context.browser.close().await;
    summary.duration = started.elapsed();
    let _ = events.send(Event::RunFinished(summary));
    summary
}

/// Runs `run` to its end; a panic inside it comes back as what it said.
async fn unless_it_panics<F: std::future::Future>(run: F) -> Result<F::Output, String> {
    AssertUnwindSafe(run)
        .catch_unwind()
        .await
        .map_err(|panic| panic_message(&*panic))
}

/// What a panic said, when it said it with text.
fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    match (panic.downcast_ref::<&str>(), panic.downcast_ref::<String>()) {
        (Some(s), _) => (*s).to_owned(),
        (_, Some(s)) => s.clone(),
        _ => "no message".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::unless_it_panics;

    #[tokio::test]
    async fn a_panic_comes_back_as_its_message() {
        assert_eq!(unless_it_panics(async { 7 }).await, Ok(7));
        let text = unless_it_panics(async { panic!("boom at {}", 3) });
        assert_eq!(text.await, Err::<(), _>("boom at 3".to_owned()));
        let silent = unless_it_panics(async { std::panic::panic_any(42_u8) });
        assert_eq!(silent.await, Err::<(), _>("no message".to_owned()));
    }
}
