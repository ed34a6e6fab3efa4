//! Expected responses in guides, from the snapshot files: a step's `.snap` file found by its
//! id or name (a `for_each` step's one per item, `-0`, `-1`, ...), its body shown as a code
//! block, secret fields hidden, and the mock's address the snapshot recorded
//! (`http://127.0.0.1:[port]`) replaced with the guide's target hosts.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{Block, DocTarget};
use crate::secret::is_secret_field;

/// Most items whose snapshots a `for_each` step's guide shows.
const MOST_ITEMS: usize = 1000;

/// The step's snapshots, `<snapshots>/<scenario-stem>__<step id or name>.snap` (for a
/// `for_each` step, `...-0.snap`, `...-1.snap` up to the first missing), as code blocks.
pub(super) fn snapshots(
    dir: &Path,
    stem: &str,
    step: &crate::scenario::Step,
    target: &DocTarget,
) -> Vec<(PathBuf, Block)> {
    if step.for_each.is_none() {
        return snapshot(dir, stem, step, None, target)
            .into_iter()
            .collect();
    }
    (0..MOST_ITEMS)
        .map_while(|i| snapshot(dir, stem, step, Some(i), target))
        .collect()
}

/// The snapshot of the step (of its `item`-th item), as a code block: the body after the
/// header's closing `---`, secret fields hidden.
fn snapshot(
    dir: &Path,
    stem: &str,
    step: &crate::scenario::Step,
    item: Option<usize>,
    target: &DocTarget,
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
            let name = match item {
                Some(i) => format!("{stem}__{key}-{i}.snap"),
                None => format!("{stem}__{key}.snap"),
            };
            let path = dir.join(name);
            store.read_path(&path).ok().flatten().map(|s| (path, s))
        })?;
    let body = on_target(snap.contents.trim(), target);
    let body = body.as_str();
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

/// The body with the recorded mock address (`http://127.0.0.1:[port]`, as snapshots redact
/// it) replaced by the host of the guide's target that serves each path.
fn on_target(body: &str, target: &DocTarget) -> String {
    static RECORDED: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let recorded = RECORDED.get_or_init(|| {
        regex::Regex::new(r#"http://127\.0\.0\.1:\[port\](/[^\s"']*)?"#).expect("static regex")
    });
    recorded
        .replace_all(body, |c: &regex::Captures<'_>| {
            let path = c.get(1).map_or("", |m| m.as_str());
            format!("{}{path}", target.host_for(path))
        })
        .into_owned()
}

/// A step name as snapshot files spell it.
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
    fn recorded_mock_urls_become_the_target_hosts() {
        let config = crate::target::ProjectConfig::default();
        let sandbox = DocTarget::resolve("sandbox", &config).unwrap();
        let body = r#"{"a": "http://127.0.0.1:[port]/signup-plus/accounts?account_id=x", "b": "http://127.0.0.1:[port]/dialog/1"}"#;
        assert_eq!(
            on_target(body, &sandbox),
            r#"{"a": "https://api.truelayer-sandbox.com/signup-plus/accounts?account_id=x", "b": "https://auth.truelayer-sandbox.com/dialog/1"}"#
        );
    }

    #[test]
    fn slugs() {
        assert_eq!(
            slug("Call the Signup+ endpoint"),
            "call_the_signup_endpoint"
        );
    }
}
