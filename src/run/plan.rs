//! What a run runs, in order: the validated scenarios as the runner holds them, `--repeat`
//! expanded and `--shard` applied, and the reports of scenarios that do not run.

use std::sync::Arc;
use std::time::Duration;

use super::{Outcome, Repetition, ScenarioReport, Shard, SkipReason, StepReport};
use crate::scenario::Scenario;
use crate::scenario::load::{Reloader, Validated};
use crate::source::Diagnostic;

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

/// One run of one scenario, in the order reports list them.
pub(super) struct PlanEntry {
    /// Position in the run (across shards: every shard numbers alike).
    pub(super) index: usize,
    pub(super) file: std::path::PathBuf,
    pub(super) kept: Kept,
    /// The scenario's name, with ` (run k/N)` when it is repeated.
    pub(super) name: String,
    pub(super) repetition: Option<Repetition>,
}

impl PlanEntry {
    /// The scenario, from memory or made again from its validated file.
    pub(super) fn open(&self, reloader: &Reloader) -> Result<Arc<Scenario>, Vec<Diagnostic>> {
        match &self.kept {
            Kept::Loaded(scenario) => Ok(scenario.clone()),
            Kept::Validated(file) => reloader.load(file).map(Arc::new),
        }
    }
}

/// Expands `--repeat` and applies `--shard`: the runs this process makes, and those another
/// shard makes. Repetitions of a scenario stay together in one shard, and every shard numbers
/// the runs alike, so merged reports line up.
pub(super) fn plan(
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
pub(super) fn unreadable_report(entry: &PlanEntry, problems: Vec<Diagnostic>) -> ScenarioReport {
    let text = crate::source::read_text(&entry.file).unwrap_or_default();
    let scenario = Arc::new(Scenario::unreadable(
        entry.file.clone(),
        entry.name.clone(),
        text,
    ));
    failed_report(entry, scenario, "load", problems.into_iter().next())
}

/// A scenario during which obflow itself failed (a panic): a failed scenario whose one
/// "step" says so, at the scenario's name.
pub(super) fn crashed_report(
    entry: &PlanEntry,
    scenario: Arc<Scenario>,
    message: &str,
) -> ScenarioReport {
    let error = scenario
        .source
        .error_at_location(
            scenario.location(),
            format!("obflow stopped inside this scenario: {message}"),
        )
        .help("this is a bug in obflow; please report it with this scenario");
    failed_report(entry, scenario, "obflow", Some(error))
}

/// A failed scenario whose one "step", `keyword`, carries `error`.
fn failed_report(
    entry: &PlanEntry,
    scenario: Arc<Scenario>,
    keyword: &'static str,
    error: Option<Diagnostic>,
) -> ScenarioReport {
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
            label: keyword.to_owned(),
            keyword,
            outcome: Outcome::Failed,
            duration: Duration::ZERO,
            failures: vec![],
            error,
            exchanges: vec![],
            attempts: 0,
            snapshot: None,
            requests: vec![],
        }],
    }
}

pub(super) fn skipped_report(
    entry: &PlanEntry,
    reloader: &Reloader,
    reason: SkipReason,
) -> ScenarioReport {
    // Reports list a skipped scenario's steps too.
    let scenario = match entry.open(reloader) {
        Ok(scenario) => scenario,
        Err(problems) => {
            let mut report = unreadable_report(entry, problems);
            // Its file could not be read again for want of a descriptor: that is why it is
            // not run, not something wrong with it.
            if reason == SkipReason::OutOfFiles {
                report.outcome = Outcome::Skipped;
                report.skip_reason = Some(reason);
            }
            return report;
        }
    };
    skipped_report_of(entry, &scenario, reason)
}

/// The report of a scenario not run, listing its steps.
pub(super) fn skipped_report_of(
    entry: &PlanEntry,
    scenario: &Arc<Scenario>,
    reason: SkipReason,
) -> ScenarioReport {
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
                requests: vec![],
            })
            .collect(),
    }
}
