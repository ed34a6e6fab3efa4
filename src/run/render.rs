//! Rendering a scenario's template trees at run time, with errors pinned to the scalar that
//! holds the failing template.

use serde_json::Value;

use crate::diagnostic::Diagnostic;
use crate::scenario::{SourceFile, YamlPath};
use crate::template::{Context, Templates};

/// Renders every template string inside `value` (written at `path` in `source`).
pub fn render_tree(
    templates: &Templates,
    value: &Value,
    path: &YamlPath,
    source: &SourceFile,
    ctx: &Context,
) -> Result<Value, Diagnostic> {
    match value {
        Value::String(s) if Templates::is_template(s) => templates
            .render_value(value, ctx)
            .map_err(|err| {
                source
                    .error_in_scalar(path, err.char_range, format!("template error: {err}"))
                    .help(match &err.undefined {
                        Some(name) => format!(
                            "`{name}` has no value here: check its spelling, or capture it in an earlier step"
                        ),
                        None => "templates use minijinja syntax: `{{ name }}`".to_owned(),
                    })
            }),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| render_tree(templates, item, &path.index(i), source, ctx))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        Value::Object(map) => {
            let mut out = serde_json::Map::with_capacity(map.len());
            for (k, v) in map {
                let key = if Templates::is_template(k) {
                    templates.render_str(k, ctx).map_err(|err| {
                        source.error_at_key(&path.key(k), format!("template error: {err}"))
                    })?
                } else {
                    k.clone()
                };
                out.insert(key, render_tree(templates, v, &path.key(k), source, ctx)?);
            }
            Ok(Value::Object(out))
        }
        other => Ok(other.clone()),
    }
}
