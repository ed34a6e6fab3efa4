//! Command-line definitions (clap) and nothing else: what each command and flag means.

use std::net::IpAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::style::ColorChoice;

/// A declarative runner for open-banking authorisation flows.
#[derive(Debug, Parser)]
#[command(name = "obflow", version, about, propagate_version = true)]
pub struct Cli {
    /// When to use colours: auto (a terminal, and NO_COLOR unset), always, never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run scenarios and report the results.
    Run(RunArgs),
    /// Load and validate scenarios without sending any request.
    Check(LoadArgs),
    /// List the scenarios that would run.
    List(LoadArgs),
    /// Serve the TrueLayer-compatible mock on its own.
    Mock(MockArgs),
    /// Review, accept, reject or prune stored response snapshots.
    Snapshots(SnapshotsArgs),
    /// Render scenarios as step-by-step integration guides (nothing is sent).
    Doc(DocArgs),
    /// Print the JSON Schema of scenario files (for editors).
    Schema,
    /// Print a shell completion script.
    Completions(CompletionsArgs),
}

/// What to load, and the values templates see.
#[derive(Debug, Args, Clone)]
pub struct LoadArgs {
    /// Scenario files or directories (searched recursively for *.yaml and *.yml).
    #[arg(default_value = "scenarios/")]
    pub paths: Vec<PathBuf>,

    /// Set a template variable, overriding the scenario's `vars` (repeatable).
    #[arg(long = "var", value_name = "KEY=VALUE")]
    pub vars: Vec<String>,

    /// Read environment variables from this file (default: `.env` when present).
    #[arg(long, value_name = "PATH")]
    pub env_file: Option<PathBuf>,

    /// Only scenarios whose name or file path contains this text.
    #[arg(long, value_name = "TEXT")]
    pub filter: Option<String>,

    /// Only scenarios with this tag (repeatable: any of them).
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
}

#[derive(Debug, Args, Clone)]
pub struct RunArgs {
    #[command(flatten)]
    pub load: LoadArgs,

    /// How many scenarios run at once, at least 1 (default: the number of CPUs).
    #[arg(long, short = 'j', value_name = "N", value_parser = parse_jobs_arg)]
    pub jobs: Option<usize>,

    /// Run (and pass) when --filter or --tag selects no scenario; without it, an empty
    /// selection is an error (exit 2), so a typo in CI is not green.
    #[arg(long)]
    pub allow_empty: bool,

    /// Stop starting new scenarios after the first failure.
    #[arg(long)]
    pub fail_fast: bool,

    /// Print every request and response (secrets redacted).
    #[arg(long, short = 'v')]
    pub verbose: bool,

    /// Print only the failed scenarios, the recap of failures and the totals.
    #[arg(long, short = 'q', conflicts_with = "verbose")]
    pub quiet: bool,

    /// Where requests go: mock (the embedded mock), sandbox, live, or a target from the
    /// project file.
    #[arg(long, default_value = "mock", value_name = "NAME")]
    pub target: String,

    /// Allow the `live` target (real banks, real data).
    #[arg(long)]
    pub allow_live: bool,

    /// A host that may receive the run's secrets besides TrueLayer's and this machine's
    /// (repeatable): a service of yours that a scenario calls with a secret, or a target
    /// declared in the project file that is neither. Only the command line can say this:
    /// the files are what a pull request changes.
    #[arg(long = "allow-host", value_name = "HOST")]
    pub allow_hosts: Vec<String>,

    /// The project file declaring custom targets (default: obflow.yaml when present).
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// How every `await_code` of the run gets its code, whatever the scenarios say
    /// (`value` steps keep their code): `auto` plays the user in the mock's dialog over HTTP,
    /// `browser` in a headless browser by the target's plan, `listen` and `prompt` wait for
    /// a person.
    #[arg(long = "await", value_name = "MODE")]
    pub await_code: Option<AwaitMode>,

    /// The longest `wait` that may really sleep on a target without a virtual clock.
    #[arg(long, default_value = "1m", value_name = "DURATION", value_parser = parse_duration_arg)]
    pub max_wait: std::time::Duration,

    /// The most a step reads of a response body: bytes, or with KiB, MiB or GiB.
    #[arg(long, default_value = "16MiB", value_name = "SIZE", value_parser = parse_size_arg)]
    pub max_body: u64,

    /// Print each request that would be sent (rendered, secrets redacted) and send none.
    #[arg(long)]
    pub dry_run: bool,

    /// Write a JUnit XML report here: a testsuite per file, a testcase per scenario.
    #[arg(long, value_name = "PATH")]
    pub report_junit: Option<PathBuf>,

    /// Write a JSON report here (format: docs/reports.md).
    #[arg(long, value_name = "PATH")]
    pub report_json: Option<PathBuf>,

    /// Write a self-contained HTML report here: failures first, steps, exchanges, diffs and
    /// a sequence diagram per scenario, filters by outcome and tag.
    #[arg(long, value_name = "PATH")]
    pub report_html: Option<PathBuf>,

    /// Run shard K of N (1 <= K <= N): N machines with K = 1..N together run every scenario
    /// once. Reports list this shard's scenarios, so the N reports merged equal one run.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<crate::run::Shard>,

    /// With --shard: list the other shards' scenarios in the JUnit and JSON reports too, as
    /// skipped (each shard's report then lists the whole suite).
    #[arg(long, requires = "shard")]
    pub report_all_scenarios: bool,

    /// Run each selected scenario N times (soak runs); each run is reported on its own.
    #[arg(long, value_name = "N", default_value_t = 1,
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub repeat: u32,
    /// Snapshots: check (compare, never write), new (write `.snap.new` for review), update
    /// (write `.snap` in place), auto (check when CI is set, new otherwise).
    #[arg(long, value_enum, default_value_t = crate::snapshot::ModeChoice::Auto, value_name = "MODE")]
    pub snapshots: crate::snapshot::ModeChoice,

    #[command(flatten)]
    pub snapshot_dir: SnapshotDirArg,

    /// The browser `await_code: { via: browser }` drives: a path, or a name on PATH.
    /// Default: `browser:` in the project file, else the first of chromium,
    /// chromium-browser, google-chrome... on PATH.
    #[arg(long, value_name = "PATH", env = "OBFLOW_BROWSER")]
    pub browser: Option<PathBuf>,

    /// Where a failed browser step saves its screenshot and page text (default:
    /// `obflow-artifacts/` beside the JUnit or JSON report, else in the working directory).
    #[arg(long, value_name = "DIR")]
    pub artifacts: Option<PathBuf>,
}

/// Where snapshots are stored.
#[derive(Debug, Args, Clone)]
pub struct SnapshotDirArg {
    /// The snapshot folder, relative to the working directory.
    #[arg(long, default_value = crate::snapshot::DEFAULT_DIR, value_name = "DIR")]
    pub snapshot_dir: PathBuf,
}

#[derive(Debug, Args, Clone)]
pub struct SnapshotsArgs {
    #[command(subcommand)]
    pub action: SnapshotsAction,
}

#[derive(Debug, Subcommand, Clone)]
pub enum SnapshotsAction {
    /// Walk through pending snapshots (`.snap.new`): see each diff, accept, reject or skip.
    /// Needs a terminal.
    Review(SnapshotDirArg),
    /// Accept every pending snapshot.
    Accept(SnapshotDirArg),
    /// Reject (delete) every pending snapshot.
    Reject(SnapshotDirArg),
    /// List, and remove, snapshot files that no loaded scenario writes.
    Prune(PruneArgs),
}

#[derive(Debug, Args, Clone)]
pub struct PruneArgs {
    /// Scenario files or directories: every scenario that may write snapshots.
    #[arg(default_value = "scenarios/")]
    pub paths: Vec<PathBuf>,

    /// Set a template variable, as for `run` (repeatable).
    #[arg(long = "var", value_name = "KEY=VALUE")]
    pub vars: Vec<String>,

    /// Only list the files that would be removed, and exit 1 when there are any (a CI
    /// gate; `--check` is the same).
    #[arg(long, visible_alias = "check")]
    pub dry_run: bool,

    #[command(flatten)]
    pub snapshot_dir: SnapshotDirArg,
}

fn parse_jobs_arg(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(0) => Err("at least one scenario must run at a time: give 1 or more".to_owned()),
        Ok(n) => Ok(n),
        Err(e) => Err(e.to_string()),
    }
}

fn parse_size_arg(text: &str) -> Result<u64, String> {
    crate::size::parse_size(text)
}

fn parse_duration_arg(text: &str) -> Result<std::time::Duration, String> {
    crate::duration::parse_duration(text)
}

#[derive(Debug, Args, Clone)]
pub struct MockArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: IpAddr,

    /// Port to listen on; 0 picks a free one.
    #[arg(long, default_value_t = 8080)]
    pub port: u16,

    /// Replace the built-in fixtures (clients, users, accounts) with this YAML file.
    #[arg(long, value_name = "FILE")]
    pub fixtures: Option<PathBuf>,

    /// How the auth dialog is served: forms (server-rendered HTML forms) or js (one page
    /// that builds them with script, as TrueLayer's does). Default: the fixtures' option,
    /// else forms.
    #[arg(long, value_enum, value_name = "STYLE")]
    pub dialog: Option<crate::mock::DialogStyle>,

    /// How access tokens are signed: rs256 (as TrueLayer; verifiable with the JWKS) or
    /// hs256 (far cheaper, for load tests and benchmarks only).
    #[arg(long, value_enum, default_value_t = TokenSigning::Rs256)]
    pub signing: TokenSigning,

    /// Forget a connection (and its refresh token) unused this long, in real time.
    #[arg(long, default_value = "24h", value_name = "DURATION", value_parser = parse_duration_arg)]
    pub connection_idle: std::time::Duration,

    /// Forget a named clock that nothing lives on and no request has named this long.
    #[arg(long, default_value = "1h", value_name = "DURATION", value_parser = parse_duration_arg)]
    pub clock_idle: std::time::Duration,

    /// The most entries each kind of state holds (dialogs, codes, refresh tokens,
    /// connections, verified tokens, named clocks); past it the least recently used go.
    #[arg(long, default_value_t = 10_000, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..=10_000_000))]
    pub max_entries: u32,

    /// Print one line per request on stderr: time, method, path, status, duration and the
    /// client, with codes, tokens and secrets in the query redacted.
    #[arg(long)]
    pub log: bool,

    /// Keep no request journal (`GET /__mock/requests` answers empty): for load tests, where
    /// recording every request is work no one reads.
    #[arg(long)]
    pub no_journal: bool,
}

/// `obflow mock --signing`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TokenSigning {
    Rs256,
    Hs256,
}

#[derive(Debug, Args, Clone)]
pub struct DocArgs {
    #[command(flatten)]
    pub load: LoadArgs,

    /// Output format.
    #[arg(long, value_enum, default_value_t = DocFormat::Markdown)]
    pub format: DocFormat,

    /// Write one file per scenario plus an index into this directory (default: print to
    /// stdout).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Whose hosts the guides show: sandbox (the default: guides are for real
    /// integrations), live, mock (`obflow mock` on its default port), or a target from the
    /// project file.
    #[arg(long, default_value = "sandbox", value_name = "NAME")]
    pub target: String,

    /// The project file declaring custom targets (default: obflow.yaml when present).
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Where step snapshots are read from, for the expected responses.
    #[arg(long, default_value = "snapshots", value_name = "DIR")]
    pub snapshots: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DocFormat {
    Markdown,
    Html,
}

#[derive(Debug, Args, Clone)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// `--await MODE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AwaitMode {
    Auto,
    Browser,
    Listen,
    Prompt,
}

impl AwaitMode {
    pub fn code_source(self) -> crate::scenario::actions::CodeSource {
        use crate::scenario::actions::CodeSource;
        match self {
            AwaitMode::Auto => CodeSource::Auto,
            AwaitMode::Browser => CodeSource::Browser,
            AwaitMode::Listen => CodeSource::Listen,
            AwaitMode::Prompt => CodeSource::Prompt,
        }
    }
}
