//! Command-line definitions (clap) and nothing else: what each command and flag means.

use std::net::IpAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::report::style::ColorChoice;

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

    /// How many scenarios run at once (default: the number of CPUs).
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,

    /// Stop starting new scenarios after the first failure.
    #[arg(long)]
    pub fail_fast: bool,

    /// Print every request and response (secrets redacted).
    #[arg(long, short = 'v')]
    pub verbose: bool,

    /// Where requests go: mock (the embedded mock), sandbox, live, or a target from the
    /// project file.
    #[arg(long, default_value = "mock", value_name = "NAME")]
    pub target: String,

    /// Allow the `live` target (real banks, real data).
    #[arg(long)]
    pub allow_live: bool,

    /// The project file declaring custom targets (default: obflow.yaml when present).
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// The longest `wait` that may really sleep on a target without a virtual clock.
    #[arg(long, default_value = "1m", value_name = "DURATION", value_parser = parse_duration_arg)]
    pub max_wait: std::time::Duration,

    /// Print each request that would be sent (rendered, secrets redacted) and send none.
    #[arg(long)]
    pub dry_run: bool,
}

fn parse_duration_arg(text: &str) -> Result<std::time::Duration, String> {
    crate::scenario::duration::parse_duration(text)
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
