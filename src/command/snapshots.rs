//! `obflow snapshots`: review, accept or reject pending snapshots; prune unused ones.

use super::CommandError;
use super::inputs::load;
use super::output::print_stdout;
use crate::cli::{LoadArgs, PruneArgs, SnapshotsArgs};
use crate::exit;
use crate::scenario::Scenario;
use crate::style::Palette;
use crate::template::Templates;

/// `obflow snapshots review | accept | reject | prune`.
pub fn snapshots(args: SnapshotsArgs, stdout: Palette) -> Result<i32, CommandError> {
    use crate::cli::SnapshotsAction;
    use crate::snapshot::review::{self, Action};
    let (action, dir) = match args.action {
        SnapshotsAction::Review(d) => (Action::Review, d),
        SnapshotsAction::Accept(d) => (Action::Accept, d),
        SnapshotsAction::Reject(d) => (Action::Reject, d),
        SnapshotsAction::Prune(args) => return prune(args),
    };
    let store = crate::snapshot::SnapshotStore::new(dir.snapshot_dir);
    match review::command(action, &store, stdout) {
        Ok(line) => {
            print_stdout(format!("{line}\n").as_bytes())?;
            Ok(exit::PASSED)
        }
        Err(e @ review::ReviewError::NoTerminal) => Err(CommandError::Usage {
            message: e.to_string(),
            help: "use `obflow snapshots accept` or `obflow snapshots reject` to decide for all of them",
        }),
        Err(e) => Err(CommandError::Environment(e.to_string())),
    }
}

/// Loads the scenarios (refusing to prune anything when one is invalid), then lists or
/// removes the snapshot files none of them writes.
fn prune(args: PruneArgs) -> Result<i32, CommandError> {
    let templates = Templates::new();
    let load_args = LoadArgs {
        paths: args.paths,
        vars: args.vars,
        env_file: None,
        filter: None,
        tags: Vec::new(),
    };
    let loaded = load(&load_args, &templates)?;
    let store = crate::snapshot::SnapshotStore::new(args.snapshot_dir.snapshot_dir);
    store.remove_leftovers();
    let scenarios: Vec<Scenario> = loaded.scenarios.into_iter().map(|(_, s)| s).collect();
    let uses: Vec<_> = scenarios.iter().flat_map(Scenario::snapshot_uses).collect();
    let files = crate::snapshot::review::prune(&store, &uses, args.dry_run)
        .map_err(|e| CommandError::Environment(e.to_string()))?;
    let (verb, done) = match args.dry_run {
        true => ("would remove", "would be removed"),
        false => ("removed", "removed"),
    };
    let mut out = String::new();
    for f in &files {
        out.push_str(&format!("{verb} {}\n", f.display()));
    }
    out.push_str(&format!(
        "{} unreferenced snapshot file{} {done}\n",
        files.len(),
        if files.len() == 1 { "" } else { "s" }
    ));
    print_stdout(out.as_bytes())?;
    // `--dry-run` / `--check` gates CI: snapshots nobody writes are a failure to look at.
    Ok(match args.dry_run && !files.is_empty() {
        true => exit::FAILED,
        false => exit::PASSED,
    })
}
