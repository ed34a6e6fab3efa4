//! How snapshot names derive from scenario files and steps, and the load-time check that no
//! two steps write the same snapshot.

use std::collections::BTreeMap;
use std::path::Path;

use super::SnapshotSpec;
use crate::source::{Diagnostic, Location, Spot};

/// The step a snapshot belongs to, as naming and describing the snapshot need it.
#[derive(Debug, Clone, Copy)]
pub struct StepIdentity<'a> {
    /// The scenario file.
    pub file: &'a Path,
    /// Position among the scenario's steps, from 0.
    pub index: usize,
    pub id: Option<&'a str>,
    pub name: Option<&'a str>,
    /// The step's action keyword (`exchange`, `request`).
    pub keyword: &'a str,
}

/// The name of a step's snapshot, without the `for_each` suffix: `<scenario file stem>__<the
/// snapshot's name, or else the step's id, or else its name, or else step-N-<action>>`.
pub fn base_name(step: &StepIdentity<'_>, spec: &SnapshotSpec) -> String {
    let stem = step
        .file
        .file_stem()
        .map(|s| sanitize(&s.to_string_lossy()))
        .unwrap_or_else(|| "scenario".to_owned());
    let step_part = match (&spec.name, step.id, step.name) {
        (Some(name), _, _) => name.clone(),
        (None, Some(id), _) => id.to_owned(),
        (None, None, Some(name)) if !slug(name).is_empty() => slug(name),
        _ => format!("step-{}-{}", step.index + 1, step.keyword),
    };
    format!("{stem}__{step_part}")
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
pub(crate) fn slug(text: &str) -> String {
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
    /// Where the step's `snapshot:` is written.
    pub location: Location,
    /// The error to report if an earlier step writes this name too, made from the file
    /// while it was at hand: the uses of a suite are compared once every file is loaded,
    /// and keeping thousands of files for that would hold each one's text and source map.
    clash: Diagnostic,
}

impl NameUse {
    /// The name `base`, written at `spot` (a step's `snapshot:`).
    pub fn new(base: String, repeated: bool, spot: &Spot) -> NameUse {
        let location = spot.location();
        let clash = spot
            .source()
            .error_at_location(
                location.clone(),
                format!("two steps write the snapshot `{base}.snap`"),
            )
            .help(
                "give one of them its own name: `snapshot: { name: ... }` or a different step id",
            );
        NameUse {
            base,
            repeated,
            location,
            clash,
        }
    }

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

/// Two steps writing the same snapshot file would overwrite each other: a load error,
/// located at the second step, with the first in a note. Lookups, not pairwise
/// comparisons: a suite of thousands of snapshots is checked in milliseconds.
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
                u.clash
                    .clone()
                    .note(format!("the other one is at {}", first.location)),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{SourceFile, YamlPath};

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
    fn repeated_steps_own_their_numbered_names() {
        let source = std::sync::Arc::new(SourceFile::unparsed("x.yaml".into(), String::new()));
        let u = NameUse::new(
            "s__id".into(),
            true,
            &Spot::value(&source, &YamlPath::root()),
        );
        assert!(u.owns("s__id-0"));
        assert!(u.owns("s__id-12"));
        assert!(!u.owns("s__id"));
        assert!(!u.owns("s__id-x"));
        assert!(!u.owns("s__idx-1"));
    }
}
