//! `obflow run`: load → select → run → reporters finish → exit code.

use std::sync::Arc;

use serde_json::Value;

use super::CommandError;
use super::inputs::{Loaded, load_as};
use crate::cli::{AwaitMode, RunArgs};
use crate::descriptors;
use crate::exit;
use crate::report::terminal::TerminalReporter;
use crate::report::{self, Reporters};
use crate::run::{self, Kept, RunConfig, Runner, ScenarioRef, Suite};
use crate::scenario::Scenario;
use crate::scenario::actions::CodeSource;
use crate::scenario::load::{Reloader, Validated};
use crate::secret::{Redactor, is_secret_name};
use crate::snapshot::{SnapshotSettings, SnapshotStore};
use crate::style::Palette;
use crate::target::{self, ProjectConfig, Target};
use crate::template::Templates;

/// Up to this many scenario files, `run` keeps the loaded scenarios; above, it keeps each
/// file's text and makes the scenario again when its turn comes, so memory follows
/// `--jobs`, not the size of the suite (a scenario in memory takes several KB, its text a
/// few hundred bytes).
const KEEP_IN_MEMORY_UP_TO: usize = 2000;

pub fn run(args: RunArgs, stdout: Palette) -> Result<i32, CommandError> {
    let templates = Arc::new(Templates::new());
    let loaded = load_as(&args.load, &templates, keep_for_run)?;
    let project = ProjectConfig::read(args.config.as_deref())?;
    // Credentials are checked before anything is sent.
    let target = target::resolve(&args.target, &project, &loaded.env, args.allow_live)?;
    let redactor = redactor_for(&target, &loaded);
    let reporters = build_reporters(&args, stdout, &target)?;
    // A run that needs a browser and has none stops here, before anything is sent.
    let asked = args.await_code.map(AwaitMode::code_source);
    let needs_browser = !args.dry_run
        && loaded.scenarios.iter().any(|(s, _)| {
            s.vias.iter().any(|written| {
                crate::run::needs::resolve_via(*written, asked, &target) == CodeSource::Browser
            })
        });
    let browser = match needs_browser {
        true => Some(crate::browser::locate(
            args.browser.as_deref().or(project.browser.as_deref()),
        )?),
        false => None,
    };
    let (suite, mut config) = plan(&args, loaded, project, target, templates);
    config.browser = browser;
    config.snapshots.store.remove_leftovers();
    let (jobs, limit) = (config.jobs, descriptors::limit().map(|l| l.soft));
    // Whatever ran out of descriptors, the run could not be carried out: one error that
    // says what to change, whichever part of the run noticed first.
    let out_of_files = |cut_short: usize| descriptors::OutOfFiles {
        limit,
        jobs,
        cut_short,
    };
    descriptors::reset();
    if !descriptors::can_open(descriptors::TO_START) {
        return Err(out_of_files(0).into());
    }
    let (summary, mut reporters) = Runner::new(&config)
        .and_then(|runner| runner.run(suite, config, redactor, reporters))
        .map_err(|e| match descriptors::caused_by_exhaustion(&e) {
            true => CommandError::from(out_of_files(0)),
            false => CommandError::from(e),
        })?;
    let report_errors = reporters.finish();
    if descriptors::ran_out()
        || report_errors
            .iter()
            .any(|e| descriptors::caused_by_exhaustion(e))
    {
        return Err(out_of_files(summary.out_of_files).into());
    }
    if !report_errors.is_empty() {
        return Err(CommandError::Reports(report_errors));
    }
    Ok(if summary.failed == 0 {
        exit::PASSED
    } else {
        exit::FAILED
    })
}

/// What the run keeps of each validated scenario, by the size of the suite.
fn keep_for_run(files: usize) -> impl Fn(Scenario) -> Kept + Sync {
    let in_memory = files <= KEEP_IN_MEMORY_UP_TO;
    move |s: Scenario| match in_memory {
        true => Kept::Loaded(Arc::new(s)),
        false => Kept::Validated(Validated::new(&s)),
    }
}

/// The redactor knows the client secret and every secret-named variable from the
/// environment and `--var` before anything runs.
fn redactor_for(target: &Target, loaded: &Loaded<Kept>) -> Redactor {
    let redactor = Redactor::new();
    redactor.declare(target.client_secret.expose());
    let cli_vars = loaded.cli_vars.iter().map(|(k, v)| (k, v));
    for (k, v) in loaded.env.iter().chain(cli_vars) {
        if is_secret_name(k) {
            redactor.declare_json(v);
        }
    }
    redactor
}

/// The suite and the settings of the run, from the flags.
fn plan(
    args: &RunArgs,
    loaded: Loaded<Kept>,
    project: ProjectConfig,
    target: Target,
    templates: Arc<Templates>,
) -> (Suite, RunConfig) {
    let suite = Suite {
        scenarios: loaded
            .scenarios
            .into_iter()
            .map(|(s, kept)| ScenarioRef {
                file: s.file,
                name: s.name,
                kept,
            })
            .collect(),
        reloader: Reloader {
            options: loaded.options,
            templates,
        },
    };
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    // Each job holds descriptors: as many as fit under the open-file limit run at once.
    let fit = descriptors::fit_jobs(jobs);
    if let Some(note) = fit.note() {
        let palette = crate::style::ColorChoice::Auto.for_stderr();
        eprintln!("{}: {note}", palette.help.paint("note"));
    }
    let config = RunConfig {
        jobs: fit.jobs,
        fail_fast: args.fail_fast,
        // JUnit carries the transcripts of failed scenarios.
        record_transcripts: args.verbose || args.dry_run || args.report_junit.is_some(),
        default_timeout: run::DEFAULT_TIMEOUT,
        cli_vars: loaded.cli_vars,
        env: Value::Object(loaded.env),
        target,
        max_wait: args.max_wait,
        await_override: args.await_code.map(AwaitMode::code_source),
        max_body: args.max_body,
        dry_run: args.dry_run,
        snapshots: SnapshotSettings {
            mode: args.snapshots.resolve(crate::snapshot::is_ci()),
            store: SnapshotStore::new(&args.snapshot_dir.snapshot_dir),
            redact: project.snapshot_redact,
        },
        repeat: args.repeat as usize,
        shard: args.shard,
        browser: None,
        artifacts: artifacts_dir(args),
        mock_dialog: project.embedded_mock.dialog,
    };
    (suite, config)
}

/// Where a failed browser step's screenshot and page text go: `--artifacts`, else beside
/// the first report file, else the working directory; in `obflow-artifacts/` either way.
fn artifacts_dir(args: &RunArgs) -> std::path::PathBuf {
    const DIR: &str = "obflow-artifacts";
    if let Some(dir) = &args.artifacts {
        return dir.clone();
    }
    let report = args.report_junit.as_ref().or(args.report_json.as_ref());
    match report.and_then(|p| p.parent()) {
        Some(parent) => parent.join(DIR),
        None => std::path::PathBuf::from(DIR),
    }
}

/// The terminal, and what the flags and the environment add: annotations under GitHub
/// Actions, a progress bar for a person at a terminal, JUnit and JSON files. Report paths
/// are checked before anything runs.
fn build_reporters(
    args: &RunArgs,
    stdout: Palette,
    target: &target::Target,
) -> Result<Reporters, report::ReportError> {
    let stdout_buffer = report::BufferedStdout::new();
    let mut reporters = Reporters::new();
    reporters.add_console(TerminalReporter::new(
        stdout_buffer.clone(),
        stdout,
        args.verbose || args.dry_run,
    ));
    if report::annotations::enabled(std::env::var("GITHUB_ACTIONS").ok().as_deref()) {
        reporters.add_console(report::annotations::AnnotationReporter::new(
            stdout_buffer.clone(),
        ));
    }
    if report::progress::enabled_here() {
        reporters.set_progress(report::progress::Progress::new());
    }
    if let Some(path) = &args.report_junit {
        report::check_writable(path, "JUnit")?;
        reporters.add_file(report::junit::JunitReport::new(path.clone()));
    }
    if let Some(path) = &args.report_json {
        report::check_writable(path, "JSON")?;
        let run = report::json::RunInfo {
            target: target.name.clone(),
            repeat: args.repeat as usize,
            shard: args.shard,
        };
        reporters.add_file(report::json::JsonReport::new(path.clone(), run));
    }
    Ok(reporters)
}
