//! Rendering a scenario's template trees at run time, with errors pinned to the scalar that
//! holds the failing template.

use serde_json::Value;

use crate::diagnostic::Diagnostic;
use crate::scenario::{PathSeg, SourceFile, YamlPath};
use crate::template::{Context, TemplateError, Templates};

/// Renders every template string inside `value` (written at `path` in `source`).
pub fn render_tree(
    templates: &Templates,
    value: &Value,
    path: &YamlPath,
    source: &SourceFile,
    ctx: &Context,
) -> Result<Value, Diagnostic> {
    render_node(templates, value, ctx).map_err(|failure| {
        // The trail was gathered leaf first, on the way out.
        let at = path.join(failure.trail.into_iter().rev());
        match failure.in_key {
            true => source.error_at_key(&at, format!("template error: {}", failure.error)),
            false => source
                .error_in_scalar(
                    &at,
                    failure.error.char_range,
                    format!("template error: {}", failure.error),
                )
                .help(match &failure.error.undefined {
                    Some(name) => format!(
                        "`{name}` has no value here: check its spelling, or capture it in an earlier step"
                    ),
                    None => "templates use minijinja syntax: `{{ name }}`".to_owned(),
                }),
        }
    })
}

/// A template that failed, and the way down to it (built only when one fails: most steps
/// render without error, and paths cost an allocation a level).
struct Failure {
    error: TemplateError,
    /// Path segments from the failing node up to the tree's root.
    trail: Vec<PathSeg>,
    /// Whether the template was a mapping key.
    in_key: bool,
}

fn render_node(templates: &Templates, value: &Value, ctx: &Context) -> Result<Value, Failure> {
    let fail = |error, in_key| Failure {
        error,
        trail: Vec::new(),
        in_key,
    };
    match value {
        Value::String(s) if Templates::is_template(s) => templates
            .render_value(value, ctx)
            .map_err(|e| fail(e, false)),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                render_node(templates, item, ctx).map_err(|mut f| {
                    f.trail.push(PathSeg::Index(i));
                    f
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        Value::Object(map) => {
            let mut out = serde_json::Map::with_capacity(map.len());
            for (k, v) in map {
                let key = if Templates::is_template(k) {
                    templates.render_str(k, ctx).map_err(|e| {
                        let mut f = fail(e, true);
                        f.trail.push(PathSeg::Key(k.clone().into()));
                        f
                    })?
                } else {
                    k.clone()
                };
                let rendered = render_node(templates, v, ctx).map_err(|mut f| {
                    f.trail.push(PathSeg::Key(k.clone().into()));
                    f
                })?;
                out.insert(key, rendered);
            }
            Ok(Value::Object(out))
        }
        other => Ok(other.clone()),
    }
}
