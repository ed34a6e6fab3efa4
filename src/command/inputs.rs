//! What every command reads before it does anything: the environment and `.env`, `--var`s,
//! and the scenario files, discovered, validated and selected by `--filter` and `--tag`.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::CommandError;
use crate::cli::LoadArgs;
use crate::scenario::{self, LoadOptions, Scenario};
use crate::secret::{Redacted, Redactor, is_secret_name};
use crate::source::Diagnostic;
use crate::template::Templates;

/// What every command knows of a validated scenario, however little else it keeps of it.
pub(super) struct Summary {
    pub(super) file: PathBuf,
    pub(super) name: String,
    pub(super) tags: Vec<String>,
    /// How its `await_code` steps are written to get their code (whether the run needs a
    /// browser depends on the target and `--await` too).
    pub(super) vias: Vec<crate::scenario::actions::CodeSource>,
    /// The `--var` names it reads.
    pub(super) cli_vars_used: Vec<String>,
}

/// Everything `run`, `check`, `list` and the others share: the environment, `--var`s and
/// the selected scenarios, each as a [`Summary`] and what the command keeps of it.
pub(super) struct Loaded<T> {
    pub(super) scenarios: Vec<(Summary, T)>,
    pub(super) files: usize,
    pub(super) env: Map<String, Value>,
    pub(super) cli_vars: Vec<(String, Value)>,
    pub(super) options: LoadOptions,
}

/// Loads and keeps whole scenarios (`doc`, `snapshots prune`).
pub(super) fn load(
    args: &LoadArgs,
    templates: &Templates,
) -> Result<Loaded<Scenario>, CommandError> {
    load_as(args, templates, |_| |s| s)
}

/// Loads and validates every file, keeping only what `keep` makes of each scenario: `run`
/// keeps a large suite's files compactly (it makes each scenario again when its turn
/// comes), so a suite of thousands is never all in memory at once. `keep_for` picks `keep`
/// from the number of files found.
pub(super) fn load_as<T: Send, K: Fn(Scenario) -> T + Sync>(
    args: &LoadArgs,
    templates: &Templates,
    keep_for: impl FnOnce(usize) -> K,
) -> Result<Loaded<T>, CommandError> {
    let env = read_env(args.env_file.as_deref())?;
    let cli_vars = parse_cli_vars(&args.vars)?;
    let discovery = scenario::discover(&args.paths)?;
    print_warnings(&discovery.skipped);
    let files = discovery.files;
    if files.is_empty() {
        let shown: Vec<String> = args.paths.iter().map(|p| p.display().to_string()).collect();
        return Err(
            Diagnostic::new(format!("no scenario files found in {}", shown.join(", ")))
                .help("scenario files end in .yaml or .yml")
                .into(),
        );
    }
    let keep = keep_for(files.len());
    let options = LoadOptions {
        cli_var_names: cli_vars.iter().map(|(k, _)| k.clone()).collect(),
        project_root: scenario::load::project_root(&args.paths),
        flows: Default::default(),
    };
    let loaded = scenario::load::load_files_with(&files, &options, templates, |s| {
        let uses = s.snapshot_uses();
        let summary = Summary {
            file: s.file().to_path_buf(),
            name: s.name.clone(),
            tags: s.tags.clone(),
            vias: crate::run::needs::written_vias(&s),
            cli_vars_used: s.cli_vars_used.clone(),
        };
        (summary, uses, keep(s))
    })
    .map_err(|problems| {
        // A file that could not be opened for want of a descriptor is not invalid: the
        // environment failed (exit 3), and the fix is the limit, not the file.
        if crate::descriptors::ran_out() {
            let limit = crate::descriptors::limit()
                .map_or_else(String::new, |l| format!(" (the limit is {})", l.soft));
            CommandError::Environment(format!(
                "ran out of open files while reading the scenario files{limit}: raise it with `ulimit -n`"
            ))
        } else {
            invalid(problems, &env, &cli_vars)
        }
    })?;
    // Over every loaded scenario, filtered or not: they share the snapshot folder.
    let uses: Vec<_> = loaded
        .iter()
        .flat_map(|(_, uses, _)| uses.iter().cloned())
        .collect();
    let clashes = crate::snapshot::check_uses(&uses);
    if !clashes.is_empty() {
        return Err(invalid(clashes, &env, &cli_vars));
    }
    let scenarios: Vec<(Summary, T)> = loaded
        .into_iter()
        .filter(|(summary, _, _)| selected(summary, args))
        .map(|(summary, _, kept)| (summary, kept))
        .collect();
    print_warnings(&unused_cli_vars(&cli_vars, &scenarios));
    Ok(Loaded {
        scenarios,
        files: files.len(),
        env,
        cli_vars,
        options,
    })
}

/// What can be known secret before a scenario loads: secret-named variables of the
/// environment (the client secret among them) and of `--var`.
pub(super) fn early_redactor(env: &Map<String, Value>, cli_vars: &[(String, Value)]) -> Redactor {
    let redactor = Redactor::new();
    let cli_vars = cli_vars.iter().map(|(k, v)| (k, v));
    for (k, v) in env.iter().chain(cli_vars) {
        if is_secret_name(k) {
            redactor.declare_json(v);
        }
    }
    redactor
}

/// Files that do not load, for every command alike: each problem quotes its line of the
/// file, which may hold a secret the environment or a `--var` also holds.
fn invalid(
    problems: Vec<Diagnostic>,
    env: &Map<String, Value>,
    cli_vars: &[(String, Value)],
) -> CommandError {
    let redacted = Redacted::new(problems, &early_redactor(env, cli_vars));
    CommandError::Invalid(redacted.to_vec())
}

/// A `--var` that no selected scenario reads is most likely a typo (`--var acount_id=...`),
/// which would otherwise be silently ignored: a warning each.
fn unused_cli_vars<T>(cli_vars: &[(String, Value)], selected: &[(Summary, T)]) -> Vec<Diagnostic> {
    if selected.is_empty() {
        return Vec::new();
    }
    cli_vars
        .iter()
        .map(|(name, _)| name)
        .filter(|name| {
            !selected
                .iter()
                .any(|(s, _)| s.cli_vars_used.iter().any(|used| used == *name))
        })
        .map(|name| {
            Diagnostic::new(format!(
                "`--var {name}` is not used by any selected scenario"
            ))
            .help("check its spelling against the variables the scenarios' templates read")
        })
        .collect()
}

/// Warnings go to stderr as they are found; they stop nothing.
fn print_warnings(warnings: &[Diagnostic]) {
    use std::io::Write;
    let palette = crate::style::ColorChoice::Auto.for_stderr();
    let mut err = std::io::stderr().lock();
    for w in warnings {
        let _ = writeln!(err, "{}", w.render_warning(&palette));
    }
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
pub(super) fn read_env(env_file: Option<&Path>) -> Result<Map<String, Value>, Diagnostic> {
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
pub(super) fn parse_cli_vars(vars: &[String]) -> Result<Vec<(String, Value)>, Vec<Diagnostic>> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for var in vars {
        match var.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() => {
                let value = match crate::source::yaml::plain_scalar(v) {
                    scalar @ (Value::Number(_) | Value::Bool(_)) => scalar,
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
