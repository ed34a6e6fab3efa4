//! `obflow run`: load → select → run → reporters finish → exit code.

use std::sync::Arc;

use serde_json::Value;

use super::CommandError;
use super::inputs::{self, Loaded, load_as};
use crate::cli::{AwaitMode, RunArgs};
use crate::descriptors;
use crate::exit;
use crate::report::terminal::TerminalReporter;
use crate::report::{self, Reporters};
use crate::run::{
    self, Event, InvalidFile, Kept, RunConfig, RunSummary, Runner, ScenarioRef, Suite,
};
use crate::scenario::Scenario;
use crate::scenario::actions::CodeSource;
use crate::scenario::load::{Reloader, Validated};
use crate::secret::{Redacted, Redactor};
use crate::snapshot::{SnapshotSettings, SnapshotStore};
use crate::source::Diagnostic;
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
    let loaded = match load_as(&args.load, &templates, keep_for_run) {
        Err(CommandError::Invalid(problems)) => return Err(report_invalid(&args, problems)),
        loaded => loaded?,
    };
    if loaded.scenarios.is_empty() && !args.allow_empty {
        return Err(empty_selection(&args.load));
    }
    let project = ProjectConfig::read(args.config.as_deref())?;
    // Credentials are checked before anything is sent.
    let target = target::resolve(&args.target, &project, &loaded.env, args.allow_live)?;
    target.trusted(&args.allow_hosts)?;
    let redactor = redactor_for(&target, &loaded);
    let reporters = build_reporters(&args, Some(stdout), &target.name)?;
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

/// `--filter` / `--tag` selected nothing: a typo there must not turn CI green.
fn empty_selection(args: &crate::cli::LoadArgs) -> CommandError {
    let mut asked = Vec::new();
    if let Some(text) = &args.filter {
        asked.push(format!("--filter `{text}`"));
    }
    for tag in &args.tags {
        asked.push(format!("--tag `{tag}`"));
    }
    let message = match asked.is_empty() {
        true => "no scenario was selected".to_owned(),
        false => format!("no scenario matches {}", asked.join(" and ")),
    };
    CommandError::Usage {
        message,
        help: "check the spelling (`obflow list` shows every scenario), or pass --allow-empty when an empty selection is expected",
    }
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
    let redactor = inputs::early_redactor(&loaded.env, &loaded.cli_vars);
    redactor.declare(target.client_secret.expose());
    redactor
}

/// A suite that does not load runs nothing, but the reports and annotations asked for still
/// show each invalid file, at its line, so a pull request shows the typo where it is. The
/// problems come back redacted with what is known secret before loading, for the command's
/// error on stderr (exit 2). A report that cannot be written then is not mentioned: the
/// invalid input is what to fix first.
fn report_invalid(args: &RunArgs, problems: Vec<Diagnostic>) -> CommandError {
    let env = inputs::read_env(args.load.env_file.as_deref()).unwrap_or_default();
    let cli_vars = inputs::parse_cli_vars(&args.load.vars).unwrap_or_default();
    let redactor = inputs::early_redactor(&env, &cli_vars);
    let problems = Redacted::new(problems, &redactor);
    if let Ok(mut reporters) = build_reporters(args, None, &args.target) {
        reporters.on_event(&Event::RunStarted { total: 0 });
        for file in InvalidFile::group(&problems) {
            let file = Arc::new(Redacted::new(file, &redactor));
            reporters.on_event(&Event::InvalidFile(file));
        }
        reporters.on_event(&Event::RunFinished(RunSummary::default()));
        let _ = reporters.finish();
    }
    CommandError::Invalid(problems.to_vec())
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
        // JUnit carries the transcripts of failed scenarios, HTML every scenario's.
        record_transcripts: args.verbose
            || args.dry_run
            || args.report_junit.is_some()
            || args.report_html.is_some(),
        default_timeout: run::DEFAULT_TIMEOUT,
        cli_vars: loaded.cli_vars,
        env: Value::Object(loaded.env),
        target,
        max_wait: args.max_wait,
        allowed_hosts: args.allow_hosts.clone(),
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
        report_other_shards: args.report_all_scenarios,
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
    let report = args
        .report_junit
        .as_ref()
        .or(args.report_json.as_ref())
        .or(args.report_html.as_ref());
    match report.and_then(|p| p.parent()) {
        Some(parent) => parent.join(DIR),
        None => std::path::PathBuf::from(DIR),
    }
}

/// The terminal (unless `None`), and what the flags and the environment add: annotations under GitHub
/// Actions, a progress bar for a person at a terminal, JUnit and JSON files. Report paths
/// are checked before anything runs.
fn build_reporters(
    args: &RunArgs,
    terminal: Option<Palette>,
    target: &str,
) -> Result<Reporters, report::ReportError> {
    let stdout_buffer = report::BufferedStdout::new();
    let mut reporters = Reporters::new();
    if let Some(palette) = terminal {
        reporters.add_console(
            TerminalReporter::new(stdout_buffer.clone(), palette, args.verbose || args.dry_run)
                .quiet(args.quiet),
        );
    }
    if report::annotations::enabled(std::env::var("GITHUB_ACTIONS").ok().as_deref()) {
        reporters.add_console(report::annotations::AnnotationReporter::new(
            stdout_buffer.clone(),
        ));
    }
    if terminal.is_some() && report::progress::enabled_here() {
        reporters.set_progress(report::progress::Progress::new());
    }
    // GitHub gathers a step's job summary from what it appends to this file.
    if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) {
        let links = report::step_summary::Links::from_env(|name| std::env::var(name).ok());
        reporters.add_file(report::step_summary::StepSummary::new(
            path.into(),
            links,
            args.shard,
        ));
    }
    if let Some(path) = &args.report_junit {
        report::check_writable(path, "JUnit")?;
        reporters.add_file(report::junit::JunitReport::new(path.clone()));
    }
    if let Some(path) = &args.report_html {
        report::check_writable(path, "HTML")?;
        let run = report::html::HtmlRunInfo {
            target: target.to_owned(),
            shard: args.shard,
        };
        reporters.add_file(report::html::HtmlReport::new(path.clone(), run));
    }
    if let Some(path) = &args.report_json {
        report::check_writable(path, "JSON")?;
        let run = report::json::RunInfo {
            target: target.to_owned(),
            repeat: args.repeat as usize,
            shard: args.shard,
            all_scenarios: args.report_all_scenarios,
        };
        reporters.add_file(report::json::JsonReport::new(path.clone(), run));
    }
    Ok(reporters)
}
