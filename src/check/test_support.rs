//! What the checks' and captures' unit tests share: a scenario file parsed from text, with
//! the `expect`/`capture` value of its first step.

use std::path::PathBuf;

use crate::source::{SourceFile, YamlPath};

/// A scenario file holding `text`, its `expect`/`capture` value under `key` of the first
/// step, and that value's path. `text` is the whole file.
pub fn load(text: &str, key: &str) -> (std::sync::Arc<SourceFile>, serde_json::Value, YamlPath) {
    let (file, doc) =
        SourceFile::parse(PathBuf::from("t.yaml"), text.to_string()).expect("test YAML parses");
    let file = std::sync::Arc::new(file);
    let raw = doc["steps"][0][key].clone();
    let path = YamlPath::root().key("steps").index(0).key(key.to_owned());
    (file, raw, path)
}
