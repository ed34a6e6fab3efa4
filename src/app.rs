//! The commands: what `run`, `check`, `list` and `mock` do, from parsed arguments to an exit
//! code. Errors are rendered here, once, at the edge.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::cli::{Cli, Command, LoadArgs, RunArgs};
use crate::diagnostic::Diagnostic;
use crate::exit;
use crate::report::style::Palette;
use crate::report::terminal::TerminalReporter;
use crate::report::{self, Reporters};
use crate::run::{self, RunConfig};
use crate::scenario::{self, LoadOptions, Scenario};
use crate::secret::{Redactor, is_secret_name};
use crate::target::{self, ProjectConfig, TargetKind};
use crate::template::Templates;

/// Runs the parsed command line and returns the process exit code.
pub fn execute(cli: Cli) -> i32 {
    let stderr = cli.color.for_stderr();
    match cli.command {
        Command::Run(args) => run_command(args, cli.color.for_stdout(), stderr),
        Command::Check(args) => check_command(args, stderr),
        Command::List(args) => list_command(args, stderr),
        Command::Mock(args) => mock_command(&args),
        Command::Snapshots(args) => snapshots_command(args, cli.color.for_stdout(), stderr),
        Command::Doc(args) => doc_command(args, stderr),
        Command::Schema => print_stdout(crate::schema::scenario_schema_text().as_bytes()),
        Command::Completions(args) => {
            use clap::CommandFactory;
            // Into a buffer first: clap_complete panics when its writer fails (`| head`).
            let mut script = Vec::new();
            clap_complete::generate(args.shell, &mut Cli::command(), "obflow", &mut script);
            print_stdout(&script)
        }
    }
}

/// `obflow mock`: serves the standalone mock until ctrl-c. Exit 2 for a bad fixture file, 3
/// when the mock cannot run (the port is taken, no runtime).
fn mock_command(args: &crate::cli::MockArgs) -> i32 {
    use crate::cli::TokenSigning;
    use crate::mock::{Signing, StandaloneOptions};
    let opts = StandaloneOptions {
        bind: args.bind,
        port: args.port,
        fixtures: args.fixtures.clone(),
        signing: match args.signing {
            TokenSigning::Rs256 => Signing::Rs256,
            TokenSigning::Hs256 => Signing::Hs256,
        },
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: could not start the async runtime: {e}");
            return exit::ENVIRONMENT;
        }
    };
    match runtime.block_on(crate::mock::serve_forever(&opts)) {
        Ok(()) => exit::PASSED,
        Err(e) => {
            eprintln!("error: {e}");
            if e.is_invalid_input() {
                exit::INVALID_INPUT
            } else {
                exit::ENVIRONMENT
            }
        }
    }
}

/// Problems that stop a command before it starts.
struct Invalid(Vec<Diagnostic>);

fn print_invalid(Invalid(diagnostics): Invalid, palette: &Palette) -> i32 {
    let mut err = std::io::stderr().lock();
    use std::io::Write;
    for d in &diagnostics {
        let _ = write!(err, "{}", d.render(palette));
        let _ = writeln!(err);
    }
    let files: BTreeSet<_> = diagnostics
        .iter()
        .filter_map(|d| d.location.as_ref().map(|l| l.file.clone()))
        .collect();
    let problems = diagnostics.len();
    let _ = writeln!(
        err,
        "{}: {problems} problem{} in {} file{}; nothing was run",
        palette.error.paint("error"),
        if problems == 1 { "" } else { "s" },
        files.len().max(1),
        if files.len() > 1 { "s" } else { "" },
    );
    exit::INVALID_INPUT
}

/// What every command knows of a validated scenario, however little else it keeps of it.
struct Summary {
    file: PathBuf,
    name: String,
    tags: Vec<String>,
}

/// Everything `run`, `check`, `list` and the others share: the environment, `--var`s and
/// the selected scenarios, each as a [`Summary`] and what the command keeps of it.
struct Loaded<T> {
    scenarios: Vec<(Summary, T)>,
    files: usize,
    env: Map<String, Value>,
    cli_vars: Vec<(String, Value)>,
    options: LoadOptions,
}

/// Up to this many scenario files, `run` keeps the loaded scenarios; above, it keeps each
/// file's text and makes the scenario again when its turn comes (that costs less than
/// holding them all: a scenario in memory takes ~7 KB, its text a few hundred bytes).
const KEEP_IN_MEMORY_UP_TO: usize = 2000;

/// How often `run` writes out the console lines it buffered.
const CONSOLE_FLUSH_EVERY: std::time::Duration = std::time::Duration::from_millis(100);

/// Loads and keeps whole scenarios (`doc`, `snapshots prune`).
fn load(args: &LoadArgs, templates: &Templates) -> Result<Loaded<Scenario>, Invalid> {
    load_as(args, templates, |_| |s| s)
}

/// Loads and validates every file, keeping only what `keep` makes of each scenario: `run`
/// keeps a large suite's files compactly (it makes each scenario again when its turn
/// comes), so a suite of thousands is never all in memory at once. `keep_for` picks `keep`
/// from the number of files found.
fn load_as<T: Send, K: Fn(Scenario) -> T + Sync>(
    args: &LoadArgs,
    templates: &Templates,
    keep_for: impl FnOnce(usize) -> K,
) -> Result<Loaded<T>, Invalid> {
    let env = read_env(args.env_file.as_deref()).map_err(|d| Invalid(vec![d]))?;
    let cli_vars = parse_cli_vars(&args.vars).map_err(Invalid)?;
    let files = scenario::discover(&args.paths).map_err(Invalid)?;
    if files.is_empty() {
        let shown: Vec<String> = args.paths.iter().map(|p| p.display().to_string()).collect();
        return Err(Invalid(vec![
            Diagnostic::new(format!("no scenario files found in {}", shown.join(", ")))
                .help("scenario files end in .yaml or .yml"),
        ]));
    }
    let keep = keep_for(files.len());
    let options = LoadOptions {
        cli_var_names: cli_vars.iter().map(|(k, _)| k.clone()).collect(),
    };
    let loaded = scenario::load::load_files_with(&files, &options, templates, |s| {
        let uses = crate::snapshot::names_in_use(std::slice::from_ref(&s));
        let summary = Summary {
            file: s.file().to_path_buf(),
            name: s.name.clone(),
            tags: s.tags.clone(),
        };
        (summary, uses, keep(s))
    })
    .map_err(Invalid)?;
    // Over every loaded scenario, filtered or not: they share the snapshot folder.
    let uses: Vec<_> = loaded
        .iter()
        .flat_map(|(_, uses, _)| uses.iter().cloned())
        .collect();
    let clashes = crate::snapshot::check_uses(&uses);
    if !clashes.is_empty() {
        return Err(Invalid(clashes));
    }
    let scenarios = loaded
        .into_iter()
        .filter(|(summary, _, _)| selected(summary, args))
        .map(|(summary, _, kept)| (summary, kept))
        .collect();
    Ok(Loaded {
        scenarios,
        files: files.len(),
        env,
        cli_vars,
        options,
    })
}

fn selected(scenario: &Summary, args: &LoadArgs) -> bool {
    let filter_ok = args.filter.as_deref().is_none_or(|text| {
        scenario.name.contains(text) || scenario.file.to_string_lossy().contains(text)
    });
    let tag_ok = args.tags.is_empty() || args.tags.iter().any(|t| scenario.tags.contains(t));
    filter_ok && tag_ok
}

/// The process environment, plus the env file (`--env-file`, or `.env` when present). The
/// process environment wins, as with dotenv everywhere.
fn read_env(env_file: Option<&Path>) -> Result<Map<String, Value>, Diagnostic> {
    let mut env = Map::new();
    let file = match env_file {
        Some(path) => Some(path.to_path_buf()),
        None => Some(PathBuf::from(".env")).filter(|p| p.is_file()),
    };
    if let Some(path) = file {
        let iter = dotenvy::from_path_iter(&path).map_err(|e| {
            Diagnostic::new(format!("cannot read env file `{}`: {e}", path.display()))
                .help("pass an existing file to --env-file")
        })?;
        for item in iter {
            let (k, v) = item.map_err(|e| {
                Diagnostic::new(format!("invalid env file `{}`: {e}", path.display()))
                    .help("write one KEY=VALUE per line")
            })?;
            env.insert(k, Value::String(v));
        }
    }
    for (k, v) in std::env::vars() {
        env.insert(k, Value::String(v));
    }
    Ok(env)
}

/// `--var KEY=VALUE`: numbers, booleans and null keep their type, like YAML scalars.
fn parse_cli_vars(vars: &[String]) -> Result<Vec<(String, Value)>, Vec<Diagnostic>> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for var in vars {
        match var.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() => {
                let value = match serde_yaml_ng::from_str::<Value>(v) {
                    Ok(scalar @ (Value::Number(_) | Value::Bool(_))) => scalar,
                    _ => Value::String(v.to_owned()),
                };
                out.push((k.trim().to_owned(), value));
            }
            _ => errors.push(
                Diagnostic::new(format!("invalid --var `{var}`"))
                    .help("write --var KEY=VALUE, e.g. --var account_id=acc-1"),
            ),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

fn check_command(args: LoadArgs, stderr: Palette) -> i32 {
    let templates = Templates::new();
    match load_as(&args, &templates, |_| |_| ()) {
        Ok(loaded) => {
            println!(
                "{} scenario{} in {} file{}: all valid",
                loaded.scenarios.len(),
                if loaded.scenarios.len() == 1 { "" } else { "s" },
                loaded.files,
                if loaded.files == 1 { "" } else { "s" },
            );
            exit::PASSED
        }
        Err(invalid) => print_invalid(invalid, &stderr),
    }
}

fn list_command(args: LoadArgs, stderr: Palette) -> i32 {
    let templates = Templates::new();
    match load_as(&args, &templates, |_| |_| ()) {
        Ok(loaded) => {
            for (s, ()) in &loaded.scenarios {
                let tags = if s.tags.is_empty() {
                    String::new()
                } else {
                    format!("  [{}]", s.tags.join(", "))
                };
                println!("{}  {}{tags}", s.name, s.file.display());
            }
            exit::PASSED
        }
        Err(invalid) => print_invalid(invalid, &stderr),
    }
}

fn run_command(args: RunArgs, stdout: Palette, stderr: Palette) -> i32 {
    let jobs = args.jobs.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    // Building the HTTP client reads and parses the system's root certificates, several
    // milliseconds: that happens on its own thread while the scenario files load.
    let client = std::thread::spawn(move || run::http::build_client(jobs));
    let templates = Arc::new(Templates::new());
    // A suite this small stays in memory; a larger one keeps each file's text, and makes
    // each scenario again when its turn comes, so memory stays small (10,000 scenarios in
    // ~25 MB).
    let loaded = match load_as(&args.load, &templates, |files| {
        let keep = files <= KEEP_IN_MEMORY_UP_TO;
        move |s: Scenario| match keep {
            true => run::Kept::Loaded(Arc::new(s)),
            false => run::Kept::Validated(scenario::load::Validated::new(s.source.clone())),
        }
    }) {
        Ok(loaded) => loaded,
        Err(invalid) => return print_invalid(invalid, &stderr),
    };
    let project = match ProjectConfig::read(args.config.as_deref()) {
        Ok(project) => project,
        Err(d) => return print_invalid(Invalid(vec![d]), &stderr),
    };
    // Credentials are checked before anything is sent.
    let target = match target::resolve(&args.target, &project, &loaded.env, args.allow_live) {
        Ok(target) => target,
        Err(d) => return print_invalid(Invalid(vec![d]), &stderr),
    };
    let snapshots = crate::snapshot::SnapshotSettings {
        mode: args.snapshots.resolve(crate::snapshot::is_ci()),
        store: crate::snapshot::SnapshotStore::new(&args.snapshot_dir.snapshot_dir),
        redact: project.snapshot_redact.clone(),
    };
    let client = match client.join() {
        Ok(Ok(client)) => client,
        Ok(Err(e)) => {
            eprintln!("{}: cannot set up HTTP: {e}", stderr.error.paint("error"));
            return exit::ENVIRONMENT;
        }
        Err(panic) => std::panic::resume_unwind(panic),
    };
    let redactor = Redactor::new();
    redactor.add(target.client_secret.expose());
    for (k, v) in loaded
        .env
        .iter()
        .chain(loaded.cli_vars.iter().map(|(k, v)| (k, v)))
    {
        if is_secret_name(k) {
            redactor.add_json(v);
        }
    }
    let runtime =
        match run::engine_runtime(target.kind == TargetKind::EmbeddedMock && !args.dry_run) {
            Ok(rt) => rt,
            Err(e) => {
                eprintln!(
                    "{}: cannot start the runtime: {e}",
                    stderr.error.paint("error")
                );
                return exit::ENVIRONMENT;
            }
        };
    // The scenarios held in memory live until the process exits: freeing thousands of them
    // one small allocation at a time cost ~2% of a run's instructions, for nothing (`obflow`
    // exits right after). This keeps one reference to each, never released.
    let held_until_exit: Vec<Arc<Scenario>> = loaded
        .scenarios
        .iter()
        .filter_map(|(_, kept)| match kept {
            run::Kept::Loaded(scenario) => Some(scenario.clone()),
            run::Kept::Validated(_) => None,
        })
        .collect();
    std::mem::forget(held_until_exit);
    let scenarios: Vec<run::ScenarioRef> = loaded
        .scenarios
        .into_iter()
        .map(|(s, kept)| run::ScenarioRef {
            file: s.file,
            name: s.name,
            kept,
        })
        .collect();
    let reloader = scenario::load::Reloader {
        options: loaded.options,
        templates: templates.clone(),
    };
    let stdout_buffer = report::BufferedStdout::new();
    let mut reporters = match build_reporters(&args, stdout, &stdout_buffer, &redactor, &target) {
        Ok(reporters) => reporters,
        Err(e) => {
            eprintln!("{}: {e}", stderr.error.paint("error"));
            return exit::ENVIRONMENT;
        }
    };
    let junit = args.report_junit.is_some();
    let (result, mut reporters) = runtime.block_on(async move {
        // The embedded mock lives as long as the run, on a free loopback port.
        let mut target = target;
        let _mock = if target.kind == TargetKind::EmbeddedMock && !args.dry_run {
            let mock = match crate::mock::start(crate::mock::MockOptions::loopback()).await {
                Ok(mock) => mock,
                Err(e) => {
                    let message = format!("cannot start the embedded mock: {e}");
                    return (Err(message), Some(reporters));
                }
            };
            target.auth_url = mock.base_url().to_owned();
            target.api_url = mock.base_url().to_owned();
            Some(mock)
        } else {
            if target.kind == TargetKind::EmbeddedMock {
                // A dry run starts no mock: show `obflow mock`'s default address instead.
                target.auth_url = "http://127.0.0.1:8080".to_owned();
                target.api_url = target.auth_url.clone();
            }
            None
        };
        let config = RunConfig {
            jobs,
            client,
            fail_fast: args.fail_fast,
            // JUnit carries the transcripts of failed scenarios.
            record_transcripts: args.verbose || args.dry_run || junit,
            default_timeout: run::DEFAULT_TIMEOUT,
            cli_vars: loaded.cli_vars,
            env: Value::Object(loaded.env),
            target,
            max_wait: args.max_wait,
            dry_run: args.dry_run,
            snapshots,
            repeat: args.repeat as usize,
            shard: args.shard,
        };
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let engine = tokio::spawn(run::run(
            scenarios, reloader, config, templates, redactor, tx,
        ));
        // The reporters are a task on the runtime's workers, not on this thread: waking a
        // separate thread for every event costs more than printing it.
        let feed = tokio::spawn(async move {
            while let Some(event) = rx.recv().await {
                reporters.on_event(&event);
            }
            reporters
        });
        // Console lines are buffered (a write a line would cost a syscall each): what the
        // run printed goes out every tenth of a second, and at the end.
        let mut out = stdout_buffer;
        let writer = tokio::spawn(async move {
            let mut every = tokio::time::interval(CONSOLE_FLUSH_EVERY);
            loop {
                every.tick().await;
                let _ = std::io::Write::flush(&mut out);
            }
        });
        let result = engine.await.map_err(|e| format!("the engine stopped: {e}"));
        writer.abort();
        match feed.await {
            Ok(reporters) => (result, Some(reporters)),
            Err(e) => (Err(format!("the reporters stopped: {e}")), None),
        }
    });
    let report_errors = reporters
        .as_mut()
        .map(Reporters::finish)
        .unwrap_or_default();
    for e in &report_errors {
        eprintln!("{}: {e}", stderr.error.paint("error"));
    }
    match result {
        Ok(_) if !report_errors.is_empty() => exit::ENVIRONMENT,
        Ok(summary) if summary.failed == 0 => exit::PASSED,
        Ok(_) => exit::FAILED,
        Err(message) => {
            eprintln!("{}: {message}", stderr.error.paint("error"));
            exit::ENVIRONMENT
        }
    }
}

/// `obflow snapshots review | accept | reject | prune`.
fn snapshots_command(args: crate::cli::SnapshotsArgs, stdout: Palette, stderr: Palette) -> i32 {
    use crate::cli::SnapshotsAction;
    use crate::snapshot::review::{self, Action};
    let (action, dir) = match args.action {
        SnapshotsAction::Review(d) => (Action::Review, d),
        SnapshotsAction::Accept(d) => (Action::Accept, d),
        SnapshotsAction::Reject(d) => (Action::Reject, d),
        SnapshotsAction::Prune(prune) => return prune_command(prune, stderr),
    };
    let store = crate::snapshot::SnapshotStore::new(dir.snapshot_dir);
    review::command(action, &store, stdout, stderr)
}

/// Loads the scenarios (refusing to prune anything when one is invalid), then lists or
/// removes the snapshot files none of them writes.
fn prune_command(args: crate::cli::PruneArgs, stderr: Palette) -> i32 {
    let templates = Templates::new();
    let load_args = LoadArgs {
        paths: args.paths,
        vars: args.vars,
        env_file: None,
        filter: None,
        tags: Vec::new(),
    };
    let loaded = match load(&load_args, &templates) {
        Ok(loaded) => loaded,
        Err(invalid) => return print_invalid(invalid, &stderr),
    };
    let store = crate::snapshot::SnapshotStore::new(args.snapshot_dir.snapshot_dir);
    let scenarios: Vec<Scenario> = loaded.scenarios.into_iter().map(|(_, s)| s).collect();
    let uses = crate::snapshot::names_in_use(&scenarios);
    match crate::snapshot::review::prune(&store, &uses, args.dry_run) {
        Ok(files) => {
            let verb = if args.dry_run {
                "would remove"
            } else {
                "removed"
            };
            for f in &files {
                println!("{verb} {}", f.display());
            }
            println!(
                "{} unreferenced snapshot file{} {verb}",
                files.len(),
                if files.len() == 1 { "" } else { "s" }
            );
            exit::PASSED
        }
        Err(e) => {
            eprintln!("{}: {e}", stderr.error.paint("error"));
            exit::ENVIRONMENT
        }
    }
}

/// The terminal, and what the flags and the environment add: annotations under GitHub
/// Actions, a progress bar for a person at a terminal, JUnit and JSON files. Report paths
/// are checked before anything runs.
fn build_reporters(
    args: &RunArgs,
    stdout: Palette,
    stdout_buffer: &report::BufferedStdout,
    redactor: &Redactor,
    target: &target::Target,
) -> Result<Reporters, report::ReportError> {
    let mut reporters = Reporters::new();
    reporters.add_console(TerminalReporter::new(
        stdout_buffer.clone(),
        stdout,
        args.verbose || args.dry_run,
    ));
    if report::annotations::enabled(std::env::var("GITHUB_ACTIONS").ok().as_deref()) {
        reporters.add_console(report::annotations::AnnotationReporter::new(
            stdout_buffer.clone(),
            redactor.clone(),
        ));
    }
    if report::progress::enabled_here() {
        reporters.set_progress(report::progress::Progress::new());
    }
    if let Some(path) = &args.report_junit {
        report::check_writable(path, "JUnit")?;
        reporters.add_file(report::junit::JunitReport::new(
            path.clone(),
            redactor.clone(),
        ));
    }
    if let Some(path) = &args.report_json {
        report::check_writable(path, "JSON")?;
        let run = report::json::RunInfo {
            target: target.name.clone(),
            repeat: args.repeat as usize,
            shard: args.shard,
        };
        reporters.add_file(report::json::JsonReport::new(
            path.clone(),
            redactor.clone(),
            run,
        ));
    }
    Ok(reporters)
}

/// `obflow doc`: guides from scenarios, to stdout or one file each under `--out`.
fn doc_command(args: crate::cli::DocArgs, stderr: Palette) -> i32 {
    use crate::doc::{self, DocTarget, Format, GuideOptions};
    let templates = Templates::new();
    let loaded = match load(&args.load, &templates) {
        Ok(loaded) => loaded,
        Err(invalid) => return print_invalid(invalid, &stderr),
    };
    let target = match ProjectConfig::read(args.config.as_deref())
        .and_then(|project| DocTarget::resolve(&args.target, &project))
    {
        Ok(target) => target,
        Err(d) => return print_invalid(Invalid(vec![d]), &stderr),
    };
    let format = match args.format {
        crate::cli::DocFormat::Markdown => Format::Markdown,
        crate::cli::DocFormat::Html => Format::Html,
    };
    let options = GuideOptions {
        target: &target,
        templates: &templates,
        cli_vars: &loaded.cli_vars,
        snapshots: &args.snapshots,
    };
    let scenarios: Vec<Scenario> = loaded.scenarios.into_iter().map(|(_, s)| s).collect();
    let guides: Vec<_> = scenarios.iter().map(|s| doc::build(s, &options)).collect();
    match &args.out {
        None => {
            print_stdout(doc::render_all(&scenarios, &guides, format, &loaded.cli_vars).as_bytes())
        }
        Some(dir) => {
            match doc::write_all(&scenarios, &guides, format, &target, &loaded.cli_vars, dir) {
                Ok(files) => {
                    eprintln!("wrote {} files to {}", files.len(), dir.display());
                    exit::PASSED
                }
                Err(e) => {
                    eprintln!("{}: {e}", stderr.error.paint("error"));
                    exit::ENVIRONMENT
                }
            }
        }
    }
}

/// Writes a command's whole output; a closed stdout (`| head`) is not an error worth a panic.
fn print_stdout(bytes: &[u8]) -> i32 {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            eprintln!("error: cannot write to stdout: {e}");
            exit::ENVIRONMENT
        }
        _ => exit::PASSED,
    }
}
