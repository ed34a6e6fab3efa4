//! Expected responses in guides, from the snapshot files: a step's `.snap` file found by its
//! id or name, its body shown as a code block, secret fields hidden.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::Block;
use crate::secret::is_secret_field;

/// The step's snapshot, `<snapshots>/<scenario-stem>__<step id or name>.snap`, as a code
/// block: the body after the header's closing `---`, secret fields hidden.
pub(super) fn snapshot(
    dir: &Path,
    stem: &str,
    step: &crate::scenario::Step,
) -> Option<(PathBuf, Block)> {
    let mut keys: Vec<String> = Vec::new();
    keys.extend(step.id.clone());
    if let Some(name) = &step.name {
        keys.push(name.clone());
        keys.push(slug(name));
    }
    // Read as the snapshot store reads, inside its folder; a step name is no path.
    let store = crate::snapshot::SnapshotStore::new(dir);
    let (path, snap) = keys
        .iter()
        .filter(|key| !key.contains(['/', '\\']) && !key.starts_with('.'))
        .find_map(|key| {
            let path = dir.join(format!("{stem}__{key}.snap"));
            store.read_path(&path).ok().flatten().map(|s| (path, s))
        })?;
    let body = snap.contents.trim();
    let block = match serde_json::from_str::<Value>(body) {
        Ok(json) => Block::Code {
            lang: "json",
            text: serde_json::to_string_pretty(&hide_secrets(&json)).unwrap_or_default(),
        },
        Err(_) => Block::Code {
            lang: "text",
            text: body.to_owned(),
        },
    };
    Some((path, block))
}

/// An insta `.snap` file is `---`, a header, `---`, then the body.
fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_matches('_').to_owned()
}

/// Snapshots are redacted when written; a value under a secret field name that still looks
/// real is hidden here too.
fn hide_secrets(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let shown = if is_secret_field(k) && v.is_string() {
                        Value::String(crate::secret::PLACEHOLDER.to_owned())
                    } else {
                        hide_secrets(v)
                    };
                    (k.clone(), shown)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(hide_secrets).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert_eq!(
            slug("Call the Signup+ endpoint"),
            "call_the_signup_endpoint"
        );
    }
}
