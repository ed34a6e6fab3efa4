//! From a scenario file's text to its document, and the checks every template in it gets:
//! syntax, and variables that nobody defined.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;

use serde_json::Value;

use crate::source::{Diagnostic, SourceFile, YamlPath, closest};
use crate::template::Templates;

pub use crate::source::deserialize;

/// Reads a scenario (or shared flow) file: one YAML document that is a mapping.
pub fn parse_document(path: PathBuf, text: String) -> Result<(Arc<SourceFile>, Value), Diagnostic> {
    let (source, value) = SourceFile::parse(path, text)?;
    if !value.is_object() {
        return Err(source
            .error_at(&YamlPath::root(), "a scenario file must be a mapping")
            .help("start the file with `name:` and `steps:`"));
    }
    Ok((Arc::new(source), value))
}

/// Whether any string inside `value` holds template syntax.
pub fn contains_template(value: &Value) -> bool {
    match value {
        Value::String(s) => Templates::is_template(s),
        Value::Array(items) => items.iter().any(contains_template),
        Value::Object(map) => map
            .iter()
            .any(|(k, v)| Templates::is_template(k) || contains_template(v)),
        _ => false,
    }
}

/// Checks every template string inside `value`: syntax, and that each variable it reads is
/// known at that point of the scenario.
pub fn check_templates(
    value: &Value,
    path: &YamlPath,
    source: &SourceFile,
    templates: &Templates,
    known: &BTreeSet<String>,
    errors: &mut Vec<Diagnostic>,
) {
    match value {
        Value::String(s) if Templates::is_template(s) => match templates.validate(s) {
            Ok(names) => {
                for name in names.iter().filter(|n| !known.contains(n.as_str())) {
                    let range = s.find(name.as_str()).map(|byte| {
                        let start = s[..byte].chars().count();
                        (start, start + name.chars().count())
                    });
                    let mut d =
                        source.error_in_scalar(path, range, format!("undefined variable `{name}`"));
                    d = match closest(name, known.iter().map(String::as_str)) {
                        Some(s) => d.help(format!("did you mean `{s}`?")),
                        None => d.help(
                            "define it under `vars`, capture it in an earlier step, or pass `--var`",
                        ),
                    };
                    errors.push(d);
                }
            }
            Err(err) => errors.push(
                source
                    .error_in_scalar(path, err.char_range, format!("template error: {err}"))
                    .help("templates use minijinja syntax: `{{ name }}`, `{{ value | filter }}`"),
            ),
        },
        // Only a branch that holds a template gets a path: most hold none.
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                if contains_template(item) {
                    check_templates(item, &path.index(i), source, templates, known, errors);
                }
            }
        }
        Value::Object(map) => {
            for (k, v) in map {
                if contains_template(v) {
                    check_templates(v, &path.key(k.clone()), source, templates, known, errors);
                }
            }
        }
        _ => {}
    }
}
