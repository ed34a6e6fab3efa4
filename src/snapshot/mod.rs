//! Snapshot checks of step responses: `snapshot:` on a step stores the response (status, kept
//! headers, body), redacted, in an insta-compatible `.snap` file and compares later runs with it.
//!
//! This module owns the step key (`SnapshotSpec`), the update modes, how snapshot names derive
//! from scenario files and steps (and the load-time check that no two steps share one), and
//! [`take`], the one call the engine makes after a step's checks held. The pieces:
//! - `format.rs`: the `.snap` file (YAML header, `---`, contents), read and written.
//! - `store.rs`: the snapshot folder: atomic writes, `.snap.new` pending files, listing.
//! - `redact.rs`: secrets and volatile values replaced by stable placeholders.
//! - `compare.rs`: the unified diff shown when a snapshot changed.
//! - `review.rs`: `obflow snapshots review | accept | reject | prune`.
//!
//! The user-facing guide is `docs/snapshots.md`. insta's runtime API is for `cargo test` only
//! (a mismatch panics, paths are fixed at compile time), so obflow writes the files itself in
//! insta's format, and the project's tests read them back with insta.

pub mod compare;
pub mod format;
pub mod redact;
pub mod review;
pub mod store;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use crate::check::{CheckFailure, JsonPathQuery};
use crate::run::http::{HttpRequest, HttpResponse};
use crate::scenario::{Scenario, Step};
use crate::secret::Redactor;
use crate::source::{Diagnostic, Location};
use crate::source::{SourceFile, Spot, YamlPath};

pub use format::SnapFile;
pub use redact::Redactions;
pub use store::{SnapshotStore, StoreError};

/// The snapshot folder when `--snapshot-dir` is not given, relative to the working directory.
pub const DEFAULT_DIR: &str = "snapshots";

/// `snapshot:` of one step, as loaded.
#[derive(Debug, Clone)]
pub struct SnapshotSpec {
    /// The name the user chose; otherwise the step's id or name gives one.
    pub name: Option<String>,
    /// Extra JSONPaths whose values are replaced by `[redacted]`.
    pub redact: Vec<JsonPathQuery>,
    /// Response headers stored with the body (lower-cased); none by default.
    pub headers: Vec<String>,
    /// Where `snapshot:` is written, for failures.
    pub spot: Spot,
}

/// The long form, `snapshot: { name, redact, headers }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SpecFields {
    name: Option<String>,
    #[serde(default)]
    redact: Vec<String>,
    #[serde(default)]
    headers: Vec<String>,
}

impl SnapshotSpec {
    /// Reads `snapshot:`: `true`, `false` (none), a name, or the long form.
    pub fn parse(
        raw: &Value,
        source: &std::sync::Arc<SourceFile>,
        path: &YamlPath,
    ) -> Result<Option<SnapshotSpec>, Vec<Diagnostic>> {
        let spot = Spot::key(source, path);
        let fields = match raw {
            Value::Bool(false) => return Ok(None),
            Value::Bool(true) | Value::Null => SpecFields {
                name: None,
                redact: vec![],
                headers: vec![],
            },
            Value::String(name) => SpecFields {
                name: Some(name.clone()),
                redact: vec![],
                headers: vec![],
            },
            Value::Object(_) => crate::scenario::de::deserialize(raw, source, path)?,
            _ => {
                return Err(vec![
                    source
                        .error_at(path, "`snapshot` must be `true`, a name or a mapping")
                        .help("e.g. `snapshot: true` or `snapshot: { redact: [$.account_id] }`"),
                ]);
            }
        };
        let mut errors = Vec::new();
        if let Some(name) = &fields.name {
            let at = if raw.is_string() {
                path.clone()
            } else {
                path.key("name")
            };
            if let Err(why) = check_name(name) {
                errors.push(
                    source
                        .error_at(&at, format!("invalid snapshot name `{name}`: {why}"))
                        .help(
                            "use letters, digits, `_`, `-` and `.`; the name becomes a file name",
                        ),
                );
            }
        }
        let mut redact = Vec::new();
        for (i, text) in fields.redact.iter().enumerate() {
            match JsonPathQuery::parse(text) {
                Ok(q) => redact.push(q),
                Err(e) => errors.push(
                    source
                        .error_at(&path.key("redact").index(i), format!("invalid JSONPath `{text}`"))
                        .note(e.message)
                        .help("JSONPath follows RFC 9535, e.g. `$.account_details.iban` or `$.results[*].update_timestamp`"),
                ),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Some(SnapshotSpec {
            name: fields.name,
            redact,
            headers: fields
                .headers
                .iter()
                .map(|h| h.to_ascii_lowercase())
                .collect(),
            spot,
        }))
    }
}

/// Snapshot names become file names: keep them to a portable alphabet.
fn check_name(name: &str) -> Result<(), &'static str> {
    if name.is_empty() {
        return Err("it is empty");
    }
    if name.starts_with('.') {
        return Err("it starts with `.`");
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
    {
        return Err("it has characters other than letters, digits, `_`, `-` and `.`");
    }
    Ok(())
}

/// What a run does with snapshots, as asked for on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ModeChoice {
    /// `new` on a workstation, `check` under CI.
    #[default]
    Auto,
    /// Compare only; never write. A missing or changed snapshot fails.
    Check,
    /// Write new and changed snapshots as `.snap.new` for review; they fail the step.
    New,
    /// Write new and changed snapshots in place; they pass.
    Update,
}

/// The effective mode of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Check,
    New,
    Update,
}

impl ModeChoice {
    /// `auto` is `check` under CI (never write there), `new` elsewhere, as with insta.
    pub fn resolve(self, ci: bool) -> Mode {
        match self {
            ModeChoice::Auto if ci => Mode::Check,
            ModeChoice::Auto | ModeChoice::New => Mode::New,
            ModeChoice::Check => Mode::Check,
            ModeChoice::Update => Mode::Update,
        }
    }
}

/// Whether we run under CI: `CI` set to anything but empty, `0` or `false` (insta's rule).
pub fn is_ci() -> bool {
    match std::env::var("CI") {
        Ok(v) => !matches!(v.trim(), "" | "0" | "false"),
        Err(_) => false,
    }
}

/// How a run handles snapshots: the mode, the folder, the project-wide redactions.
#[derive(Debug, Clone)]
pub struct SnapshotSettings {
    pub mode: Mode,
    pub store: SnapshotStore,
    /// JSONPaths redacted in every snapshot (`snapshot_redact` in `obflow.yaml`).
    pub redact: Vec<JsonPathQuery>,
}

impl Default for SnapshotSettings {
    fn default() -> Self {
        SnapshotSettings {
            mode: Mode::Check,
            store: SnapshotStore::new(DEFAULT_DIR),
            redact: Vec::new(),
        }
    }
}

/// What happened to one step's snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SnapshotStatus {
    /// The response matches the stored snapshot.
    Matched,
    /// No snapshot was stored; one was written (`update`).
    Created,
    /// The snapshot changed and was rewritten (`update`).
    Updated,
    /// No snapshot is stored; the new one waits in a `.snap.new` (`new`).
    PendingNew,
    /// The snapshot changed; the new version waits in a `.snap.new` (`new`).
    PendingChange,
    /// No snapshot is stored, and `check` writes none.
    Missing,
    /// The snapshot changed, and `check` writes nothing.
    Mismatch,
    /// The snapshot could not be read or written.
    Error,
}

impl SnapshotStatus {
    /// Whether the step fails because of its snapshot (insta's rule: only an in-place
    /// update passes).
    pub fn fails(self) -> bool {
        !matches!(
            self,
            SnapshotStatus::Matched | SnapshotStatus::Created | SnapshotStatus::Updated
        )
    }

    /// Whether a `.snap.new` waits for review.
    pub fn is_pending(self) -> bool {
        matches!(
            self,
            SnapshotStatus::PendingNew | SnapshotStatus::PendingChange
        )
    }
}

/// A step's snapshot outcome, carried on its `StepReport` for every reporter.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SnapshotReport {
    /// The snapshot's name (the file name without `.snap`).
    pub name: String,
    /// The `.snap` file.
    pub file: PathBuf,
    pub status: SnapshotStatus,
    /// A unified diff from the stored contents to the new ones, without colours; when
    /// the snapshot changed.
    pub diff: Option<String>,
    /// Why the snapshot could not be read or written, for [`SnapshotStatus::Error`].
    pub error: Option<String>,
}

impl SnapshotReport {
    /// The failed check reporters show, or `None` when the snapshot does not fail the step.
    pub fn failure(&self, location: &Location) -> Option<CheckFailure> {
        if !self.status.fails() {
            return None;
        }
        let file = self.file.display();
        let pending = format!("{}.new", self.file.display());
        let (expected, actual) = match self.status {
            SnapshotStatus::Missing => (
                format!("a stored snapshot `{file}`"),
                "none stored (`--snapshots check` writes none; run without CI or with `--snapshots new` to record it)".to_owned(),
            ),
            SnapshotStatus::PendingNew => (
                format!("a stored snapshot `{file}`"),
                format!("none stored; the new snapshot waits in `{pending}`: `obflow snapshots review`"),
            ),
            SnapshotStatus::Mismatch => (
                format!("the stored snapshot `{file}`"),
                format!("a different response ({})", self.diff_summary()),
            ),
            SnapshotStatus::PendingChange => (
                format!("the stored snapshot `{file}`"),
                format!(
                    "a different response ({}); the new version waits in `{pending}`: `obflow snapshots review`",
                    self.diff_summary()
                ),
            ),
            _ => (
                format!("a readable, writable snapshot `{file}`"),
                self.error.clone().unwrap_or_default(),
            ),
        };
        Some(CheckFailure {
            check: format!("snapshot {file}"),
            expected,
            actual,
            location: location.clone(),
        })
    }

    fn diff_summary(&self) -> String {
        let (added, removed) = self
            .diff
            .as_deref()
            .map(compare::count_changes)
            .unwrap_or_default();
        format!("{removed} line(s) removed, {added} added")
    }
}

/// The name of a step's snapshot, without the `for_each` suffix: `<scenario file stem>__<the
/// snapshot's name, or else the step's id, or else its name, or else step-N-<action>>`.
pub fn base_name(scenario: &Scenario, step: &Step) -> Option<String> {
    let spec = step.snapshot.as_ref()?;
    let stem = scenario
        .file()
        .file_stem()
        .map(|s| sanitize(&s.to_string_lossy()))
        .unwrap_or_else(|| "scenario".to_owned());
    let step_part = match (&spec.name, &step.id, &step.name) {
        (Some(name), _, _) => name.clone(),
        (None, Some(id), _) => id.clone(),
        (None, None, Some(name)) if !slug(name).is_empty() => slug(name),
        _ => format!("step-{}-{}", step.index + 1, step.action.keyword()),
    };
    Some(format!("{stem}__{step_part}"))
}

/// The name of one run of a step: `for_each` runs get `-<index>`.
pub fn run_name(base: &str, item: Option<usize>) -> String {
    match item {
        Some(i) => format!("{base}-{i}"),
        None => base.to_owned(),
    }
}

/// A step name as a file-name part: lower case, runs of other characters as one `_`, at
/// most 60 characters.
fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') && !out.is_empty() {
            out.push('_');
        }
    }
    let mut out: String = out.chars().take(60).collect();
    while out.ends_with('_') {
        out.pop();
    }
    out
}

fn sanitize(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// A snapshot name some loaded step uses.
#[derive(Debug, Clone)]
pub struct NameUse {
    pub base: String,
    /// A `for_each` step: its runs are named `<base>-<index>`.
    pub repeated: bool,
    pub spot: Spot,
}

impl NameUse {
    /// Whether the snapshot `name` belongs to this step.
    pub fn owns(&self, name: &str) -> bool {
        if !self.repeated {
            return name == self.base;
        }
        name.strip_prefix(&self.base)
            .and_then(|rest| rest.strip_prefix('-'))
            .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
    }
}

/// Every snapshot name the scenarios use, in load order.
pub fn names_in_use(scenarios: &[Scenario]) -> Vec<NameUse> {
    let mut uses = Vec::new();
    for scenario in scenarios {
        for step in &scenario.steps {
            if let (Some(base), Some(spec)) = (base_name(scenario, step), &step.snapshot) {
                uses.push(NameUse {
                    base,
                    repeated: step.for_each.is_some(),
                    spot: spec.spot.clone(),
                });
            }
        }
    }
    uses
}

/// Two steps writing the same snapshot file would overwrite each other: a load error,
/// located at the second step, with the first in a note.
pub fn check_names(scenarios: &[Scenario]) -> Vec<Diagnostic> {
    check_uses(&names_in_use(scenarios))
}

/// [`check_names`] over uses already gathered. Lookups, not pairwise comparisons: a suite
/// of thousands of snapshots is checked in milliseconds.
pub fn check_uses(uses: &[NameUse]) -> Vec<Diagnostic> {
    let mut errors = Vec::new();
    let mut seen: BTreeMap<&str, &NameUse> = BTreeMap::new();
    let mut repeated: BTreeMap<&str, &NameUse> = BTreeMap::new();
    for u in uses {
        let clash = seen
            .get(u.base.as_str())
            .copied()
            // `x` repeated makes `x-0`, `x-1`...: a step named `x-1` would clash with it.
            .or_else(|| {
                let (stem, n) = u.base.rsplit_once('-')?;
                let numbered = !n.is_empty() && n.chars().all(|c| c.is_ascii_digit());
                numbered.then(|| repeated.get(stem).copied()).flatten()
            })
            .or_else(|| {
                if !u.repeated {
                    return None;
                }
                let prefix = format!("{}-", u.base);
                seen.range(prefix.as_str()..)
                    .take_while(|(name, _)| name.starts_with(&prefix))
                    .find(|(name, _)| u.owns(name))
                    .map(|(_, other)| *other)
            });
        if let Some(first) = clash {
            errors.push(
                u.spot
                    .source()
                    .error_at_location(
                        u.spot.location(),
                        format!("two steps write the snapshot `{}.snap`", u.base),
                    )
                    .note(format!("the other one is at {}", first.spot.location()))
                    .help("give one of them its own name: `snapshot: { name: ... }` or a different step id"),
            );
        } else {
            seen.insert(&u.base, u);
            if u.repeated {
                repeated.insert(&u.base, u);
            }
        }
    }
    errors
}

/// Everything [`take`] needs to know about the step that ran.
pub struct Taken<'a> {
    pub scenario: &'a Scenario,
    pub step: &'a Step,
    pub spec: &'a SnapshotSpec,
    /// The `for_each` index and the item's label, for a repeated step.
    pub item: Option<(usize, &'a str)>,
    pub response: &'a HttpResponse,
    /// The last request the step sent, if it sent one.
    pub request: Option<&'a HttpRequest>,
}

/// Builds the step's snapshot, compares it with the stored one and writes what the mode
/// says. File I/O here is synchronous: snapshot files are small, and a blocking write keeps
/// the "write then rename" order obvious.
pub fn take(settings: &SnapshotSettings, taken: &Taken<'_>, secrets: &Redactor) -> SnapshotReport {
    let base = base_name(taken.scenario, taken.step).unwrap_or_default();
    let name = run_name(&base, taken.item.map(|(i, _)| i));
    let redactions = Redactions::new(
        settings.redact.iter().chain(taken.spec.redact.iter()),
        secrets,
    );
    let snap = SnapFile {
        header: format::Header {
            source: Some(display_path(taken.scenario.file())),
            description: Some(description(taken.step, taken.item.map(|(_, l)| l))),
            // Serialising a struct of strings and JSON values cannot fail.
            info: taken
                .request
                .and_then(|r| serde_json::to_value(redactions.request_info(r)).ok()),
        },
        contents: format::render_response(taken.response, &taken.spec.headers, &redactions),
    };
    let store = &settings.store;
    let file = store.snap_path(&name);
    let report = |status, diff, error| SnapshotReport {
        name: name.clone(),
        file: file.clone(),
        status,
        diff,
        error,
    };
    let stored = match store.read(&name) {
        Ok(stored) => stored,
        Err(e) => return report(SnapshotStatus::Error, None, Some(e.to_string())),
    };
    let result = match (stored, settings.mode) {
        (Some(old), mode) if old.contents_match(&snap) => {
            // A match makes any earlier pending version stale, as insta does; CI never writes.
            if mode != Mode::Check {
                let _ = store.discard_pending(&name);
            }
            Ok((SnapshotStatus::Matched, None))
        }
        (None, Mode::Check) => Ok((SnapshotStatus::Missing, None)),
        (None, Mode::New) => store
            .write_pending(&name, &snap)
            .map(|_| (SnapshotStatus::PendingNew, None)),
        (None, Mode::Update) => store
            .write(&name, &snap)
            .map(|_| (SnapshotStatus::Created, None)),
        (Some(old), mode) => {
            let label = match mode {
                Mode::New => compare::pending_label(&file),
                Mode::Check | Mode::Update => compare::THIS_RUN.to_owned(),
            };
            let diff = compare::unified_diff(&old.contents, &snap.contents, &file, &label);
            match mode {
                Mode::Check => Ok((SnapshotStatus::Mismatch, Some(diff))),
                Mode::New => store
                    .write_pending(&name, &snap)
                    .map(|_| (SnapshotStatus::PendingChange, Some(diff))),
                Mode::Update => store
                    .write(&name, &snap)
                    .map(|_| (SnapshotStatus::Updated, Some(diff))),
            }
        }
    };
    match result {
        Ok((status, diff)) => report(status, diff, None),
        Err(e) => report(SnapshotStatus::Error, None, Some(e.to_string())),
    }
}

/// The step as the `description` of its snapshot: `label: name`, plus the `for_each` item.
fn description(step: &Step, item: Option<&str>) -> String {
    let mut out = step.label();
    if let Some(item) = item {
        out.push_str(item);
    }
    if let Some(name) = &step.name {
        out.push_str(": ");
        out.push_str(name);
    }
    out
}

/// A path as written in a snapshot header: relative to the working directory when it can
/// be, with `/` separators so files match across systems.
fn display_path(path: &Path) -> String {
    let relative = std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf());
    relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .filter(|c| c != ".")
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_follow_insta() {
        assert_eq!(ModeChoice::Auto.resolve(true), Mode::Check);
        assert_eq!(ModeChoice::Auto.resolve(false), Mode::New);
        assert_eq!(ModeChoice::Update.resolve(true), Mode::Update);
        assert_eq!(ModeChoice::New.resolve(true), Mode::New);
        assert_eq!(ModeChoice::Check.resolve(false), Mode::Check);
    }

    #[test]
    fn slugs_are_file_name_safe() {
        assert_eq!(
            slug("Call the Signup+ accounts endpoint"),
            "call_the_signup_accounts_endpoint"
        );
        assert_eq!(slug("  /me says!  "), "me_says");
        assert_eq!(slug("…"), "");
        assert!(slug(&"x ".repeat(100)).len() <= 60);
    }

    #[test]
    fn names_are_checked() {
        assert!(check_name("identity-0.v2").is_ok());
        assert!(check_name("").is_err());
        assert!(check_name("../escape").is_err());
        assert!(check_name("a/b").is_err());
    }

    #[test]
    fn repeated_steps_own_their_numbered_names() {
        let source = std::sync::Arc::new(SourceFile::unparsed("x.yaml".into(), String::new()));
        let u = NameUse {
            base: "s__id".into(),
            repeated: true,
            spot: Spot::value(&source, &YamlPath::root()),
        };
        assert!(u.owns("s__id-0"));
        assert!(u.owns("s__id-12"));
        assert!(!u.owns("s__id"));
        assert!(!u.owns("s__id-x"));
        assert!(!u.owns("s__idx-1"));
    }
}
