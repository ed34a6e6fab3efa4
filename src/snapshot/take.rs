//! Taking a step's snapshot: build it from the response, compare it with the stored one,
//! and write what the mode says.

use std::path::Path;

use super::format::{self, SnapFile};
use super::naming::{StepIdentity, base_name, run_name};
use super::{
    Mode, Redactions, SnapshotReport, SnapshotSettings, SnapshotSpec, SnapshotStatus, compare,
};
use crate::exchange::{HttpRequest, HttpResponse};
use crate::secret::Redactor;

/// Everything [`take`] needs to know about the step that ran.
pub struct Taken<'a> {
    pub step: StepIdentity<'a>,
    /// How reports show the step (`token`, `step 3 exchange`).
    pub label: String,
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
    let base = base_name(&taken.step, taken.spec);
    let name = run_name(&base, taken.item.map(|(i, _)| i));
    let redactions = Redactions::new(
        settings.redact.iter().chain(taken.spec.redact.iter()),
        secrets,
    );
    let snap = SnapFile {
        header: format::Header {
            source: Some(display_path(taken.step.file)),
            description: Some(description(taken, taken.item.map(|(_, l)| l))),
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
        Err(e) => {
            crate::descriptors::record(&e);
            return report(SnapshotStatus::Error, None, Some(e.to_string()));
        }
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
        Err(e) => {
            // Out of descriptors, the run ends as an environment error (see descriptors.rs).
            crate::descriptors::record(&e);
            report(SnapshotStatus::Error, None, Some(e.to_string()))
        }
    }
}

/// The step as the `description` of its snapshot: `label: name`, plus the `for_each` item.
fn description(taken: &Taken<'_>, item: Option<&str>) -> String {
    let mut out = taken.label.clone();
    if let Some(item) = item {
        out.push_str(item);
    }
    if let Some(name) = taken.step.name {
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
