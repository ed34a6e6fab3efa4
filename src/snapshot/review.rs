//! `obflow snapshots ...`: what a person does with pending snapshots (`.snap.new`) — walk
//! through them one by one (`review`, which needs a terminal), or accept or reject them all —
//! and `prune`, which finds stored snapshots that no loaded scenario writes any more.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use super::NameUse;
use super::compare;
use super::store::{Pending, SnapshotStore, StoreError};
use crate::style::Palette;

/// What a review did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ReviewSummary {
    pub accepted: Vec<String>,
    pub rejected: Vec<String>,
    pub skipped: Vec<String>,
}

/// Walks through every pending snapshot: shows its diff and asks to accept, reject or skip
/// it. Reads answers from `input` (a line each); the end of input stops the review, leaving
/// the rest pending.
pub fn review(
    store: &SnapshotStore,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
    palette: &Palette,
) -> Result<ReviewSummary, StoreError> {
    let pending = store.pending()?;
    let mut summary = ReviewSummary::default();
    let total = pending.len();
    let mut rest = pending.into_iter().enumerate();
    while let Some((i, p)) = rest.next() {
        show(store, &p, i + 1, total, out, palette)?;
        loop {
            let _ = write!(
                out,
                "{} ",
                palette
                    .help
                    .paint("[a]ccept, [r]eject, [s]kip, [q]uit (skip the rest)?")
            );
            let _ = out.flush();
            let mut answer = String::new();
            let read = input
                .read_line(&mut answer)
                .map_err(|source| StoreError::Read {
                    path: PathBuf::from("<stdin>"),
                    source,
                })?;
            let choice = if read == 0 {
                "q".to_owned()
            } else {
                answer.trim().to_ascii_lowercase()
            };
            match choice.as_str() {
                "a" | "accept" => {
                    store.accept(&p.name)?;
                    summary.accepted.push(p.name.clone());
                }
                "r" | "reject" => {
                    store.discard_pending(&p.name)?;
                    summary.rejected.push(p.name.clone());
                }
                "s" | "skip" | "" => summary.skipped.push(p.name.clone()),
                "q" | "quit" => {
                    summary.skipped.push(p.name.clone());
                    summary.skipped.extend(rest.by_ref().map(|(_, p)| p.name));
                }
                other => {
                    let _ = writeln!(out, "unknown answer `{other}`");
                    continue;
                }
            }
            break;
        }
    }
    Ok(summary)
}

/// One pending snapshot: where it comes from, and its diff from the stored version.
fn show(
    store: &SnapshotStore,
    p: &Pending,
    n: usize,
    total: usize,
    out: &mut dyn Write,
    palette: &Palette,
) -> Result<(), StoreError> {
    let new = store
        .read_path(&p.pending)?
        .unwrap_or_else(|| super::SnapFile {
            header: Default::default(),
            contents: String::new(),
        });
    let old = store.read_path(&p.stored)?;
    let w = |e| StoreError::Write {
        path: PathBuf::from("<stdout>"),
        source: e,
    };
    writeln!(
        out,
        "\n{} {}  {}",
        palette.bold.paint(&format!("snapshot {n}/{total}:")),
        p.name,
        palette.dim.paint(&p.pending.display().to_string())
    )
    .map_err(w)?;
    if let Some(source) = &new.header.source {
        writeln!(out, "  scenario: {source}").map_err(w)?;
    }
    if let Some(description) = &new.header.description {
        writeln!(out, "  step:     {description}").map_err(w)?;
    }
    let pending = p.pending.display().to_string();
    let diff = match &old {
        Some(old) => {
            writeln!(out, "  {}", palette.help.paint("changed")).map_err(w)?;
            compare::unified_diff(&old.contents, &new.contents, &p.stored, &pending)
        }
        None => {
            writeln!(out, "  {}", palette.help.paint("new snapshot")).map_err(w)?;
            compare::unified_diff("", &new.contents, &p.stored, &pending)
        }
    };
    write!(out, "{}", compare::colored(&diff, palette)).map_err(w)?;
    Ok(())
}

/// Accepts every pending snapshot; returns their names.
pub fn accept_all(store: &SnapshotStore) -> Result<Vec<String>, StoreError> {
    let mut done = Vec::new();
    for p in store.pending()? {
        store.accept(&p.name)?;
        done.push(p.name);
    }
    Ok(done)
}

/// Rejects (deletes) every pending snapshot; returns their names.
pub fn reject_all(store: &SnapshotStore) -> Result<Vec<String>, StoreError> {
    let mut done = Vec::new();
    for p in store.pending()? {
        store.discard_pending(&p.name)?;
        done.push(p.name);
    }
    Ok(done)
}

/// Stored and pending snapshot files that no step in `uses` writes, sorted; removed unless
/// `dry_run`.
pub fn prune(
    store: &SnapshotStore,
    uses: &[NameUse],
    dry_run: bool,
) -> Result<Vec<PathBuf>, StoreError> {
    let unused = |name: &String| !uses.iter().any(|u| u.owns(name));
    let mut files: Vec<PathBuf> = store
        .stored()?
        .iter()
        .filter(|n| unused(n))
        .map(|n| store.snap_path(n))
        .chain(
            store
                .pending()?
                .into_iter()
                .filter(|p| unused(&p.name))
                .map(|p| p.pending),
        )
        .collect();
    files.sort();
    if !dry_run {
        for file in &files {
            std::fs::remove_file(file).map_err(|source| StoreError::Write {
                path: file.clone(),
                source,
            })?;
        }
    }
    Ok(files)
}

/// Which bulk or interactive action `obflow snapshots` runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Review,
    Accept,
    Reject,
}

/// Why `obflow snapshots review | accept | reject` stopped.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error("`obflow snapshots review` needs a terminal to ask you about each snapshot")]
    NoTerminal,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// `obflow snapshots review | accept | reject`: the line that sums up what was done.
pub fn command(
    action: Action,
    store: &SnapshotStore,
    stdout: Palette,
) -> Result<String, ReviewError> {
    match action {
        Action::Review => {
            // Answers come from a person: without a terminal there is nobody to ask, and
            // reading piped input as answers would accept or reject by accident.
            if !(std::io::stdin().is_terminal() && std::io::stdout().is_terminal()) {
                return Err(ReviewError::NoTerminal);
            }
            let stdin = std::io::stdin();
            let mut input = stdin.lock();
            let mut out = std::io::stdout();
            let s = review(store, &mut input, &mut out, &stdout)?;
            Ok(format!(
                "{} accepted, {} rejected, {} still pending",
                s.accepted.len(),
                s.rejected.len(),
                s.skipped.len()
            ))
        }
        Action::Accept => Ok(summary_line("accepted", &accept_all(store)?)),
        Action::Reject => Ok(summary_line("rejected", &reject_all(store)?)),
    }
}

fn summary_line(verb: &str, names: &[String]) -> String {
    if names.is_empty() {
        return "no pending snapshots".to_owned();
    }
    let mut out = String::new();
    for name in names {
        out.push_str(&format!("{verb} {name}\n"));
    }
    out.push_str(&format!(
        "{} snapshot{} {verb}",
        names.len(),
        if names.len() == 1 { "" } else { "s" }
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::SnapFile;
    use crate::snapshot::format::Header;

    fn snap(contents: &str) -> SnapFile {
        SnapFile {
            header: Header {
                source: Some("scenarios/x.yaml".into()),
                description: Some("step".into()),
                info: None,
            },
            contents: contents.into(),
        }
    }

    fn store_with_three() -> (tempfile::TempDir, SnapshotStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = SnapshotStore::new(dir.path());
        store.write("a", &snap("HTTP 200\nold")).unwrap();
        store.write_pending("a", &snap("HTTP 200\nnew")).unwrap();
        store.write_pending("b", &snap("HTTP 201")).unwrap();
        store.write_pending("c", &snap("HTTP 202")).unwrap();
        (dir, store)
    }

    #[test]
    fn review_accepts_rejects_and_skips() {
        let (_dir, store) = store_with_three();
        let mut input = std::io::Cursor::new("what\na\nr\ns\n");
        let mut out = Vec::new();
        let s = review(&store, &mut input, &mut out, &Palette::plain()).unwrap();
        assert_eq!(s.accepted, ["a"]);
        assert_eq!(s.rejected, ["b"]);
        assert_eq!(s.skipped, ["c"]);
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("-old\n+new"), "{text}");
        assert!(text.contains("unknown answer `what`"), "{text}");
        assert_eq!(store.read("a").unwrap().unwrap().contents, "HTTP 200\nnew");
        assert!(store.read("b").unwrap().is_none());
        let pending: Vec<_> = store
            .pending()
            .unwrap()
            .into_iter()
            .map(|p| p.name)
            .collect();
        assert_eq!(pending, ["c"]);
    }

    #[test]
    fn end_of_input_leaves_the_rest_pending() {
        let (_dir, store) = store_with_three();
        let mut input = std::io::Cursor::new("a\n");
        let mut out = Vec::new();
        let s = review(&store, &mut input, &mut out, &Palette::plain()).unwrap();
        assert_eq!(s.accepted, ["a"]);
        assert_eq!(s.skipped, ["b", "c"]);
        assert_eq!(store.pending().unwrap().len(), 2);
    }

    #[test]
    fn bulk_accept_and_reject() {
        let (_dir, store) = store_with_three();
        assert_eq!(accept_all(&store).unwrap(), ["a", "b", "c"]);
        assert_eq!(store.stored().unwrap(), ["a", "b", "c"]);
        assert!(reject_all(&store).unwrap().is_empty());
    }
}
