//! How a changed snapshot is shown: a unified diff (similar) from the stored contents to the
//! new ones, as plain text so every reporter can carry it; the terminal colours it.

use std::path::Path;

use similar::TextDiff;

use crate::style::Palette;

/// Lines of unchanged context around each change.
const CONTEXT: usize = 3;

/// A unified diff, `---` the stored file, `+++` the new response (`new_label`: the pending
/// file it was written to, or what it is when nothing was written).
pub fn unified_diff(old: &str, new: &str, file: &Path, new_label: &str) -> String {
    let old = with_final_newline(old);
    let new = with_final_newline(new);
    TextDiff::from_lines(&old, &new)
        .unified_diff()
        .context_radius(CONTEXT)
        .header(&file.display().to_string(), new_label)
        .to_string()
}

/// The `+++` label of a diff against the pending file `<file>.new`.
pub fn pending_label(file: &Path) -> String {
    format!("{}.new", file.display())
}

/// The `+++` label when the new version is written nowhere (`check`) or in place (`update`).
pub const THIS_RUN: &str = "this run's response";

// Without it, a change on the last line also reports "no newline at end of file".
fn with_final_newline(text: &str) -> String {
    let mut s = text.to_owned();
    if !s.ends_with('\n') {
        s.push('\n');
    }
    s
}

/// (added, removed) lines of a unified diff.
pub fn count_changes(diff: &str) -> (usize, usize) {
    let mut added = 0;
    let mut removed = 0;
    for line in diff.lines() {
        if line.starts_with("+++") || line.starts_with("---") {
            continue;
        }
        if line.starts_with('+') {
            added += 1;
        } else if line.starts_with('-') {
            removed += 1;
        }
    }
    (added, removed)
}

/// The diff with removed lines red, added lines green, hunk headers dim.
pub fn colored(diff: &str, palette: &Palette) -> String {
    let mut out = String::with_capacity(diff.len() + diff.len() / 4);
    for line in diff.lines() {
        let painted = if line.starts_with("+++") || line.starts_with("---") {
            palette.bold.paint(line).to_string()
        } else if line.starts_with('+') {
            palette.added.paint(line).to_string()
        } else if line.starts_with('-') {
            palette.removed.paint(line).to_string()
        } else if line.starts_with("@@") {
            palette.dim.paint(line).to_string()
        } else {
            line.to_owned()
        };
        out.push_str(&painted);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_the_changed_line() {
        let diff = unified_diff(
            "HTTP 200\n\n{\n  \"a\": 1\n}",
            "HTTP 200\n\n{\n  \"a\": 2\n}",
            Path::new("snapshots/x.snap"),
            &pending_label(Path::new("snapshots/x.snap")),
        );
        assert!(
            diff.starts_with("--- snapshots/x.snap\n+++ snapshots/x.snap.new\n"),
            "{diff}"
        );
        assert!(diff.contains("\n-  \"a\": 1\n+  \"a\": 2\n"), "{diff}");
        assert!(!diff.contains("No newline"), "{diff}");
        assert_eq!(count_changes(&diff), (1, 1));
    }

    #[test]
    fn plain_palette_leaves_text_alone() {
        let diff = "--- a\n+++ b\n@@ -1 +1 @@\n-x\n+y\n";
        assert_eq!(colored(diff, &Palette::plain()), diff);
    }
}
