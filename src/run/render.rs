//! Rendering a scenario's template trees at run time, with errors pinned to the scalar that
//! holds the failing template.

use serde_json::Value;

use crate::source::Diagnostic;
use crate::source::{PathSeg, SourceFile, YamlPath};
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

/// `value` with its templates rendered by `lookup`, when every template in it is a plain
/// variable (`{{ account_id }}`) that `lookup` finds with a scalar value; `None` otherwise,
/// for [`render_tree`]. Most templated steps only pass a captured value on: this spares
/// them building a template context, most of what rendering costs.
pub fn render_plain<'v>(
    value: &Value,
    lookup: &impl Fn(&str) -> Option<&'v Value>,
) -> Option<Value> {
    match value {
        Value::String(s) if Templates::is_template(s) => {
            let found = lookup(crate::template::plain_variable(s)?)?;
            // A list or mapping would go through the template engine's own conversion.
            (!found.is_array() && !found.is_object()).then(|| found.clone())
        }
        Value::Array(items) => items
            .iter()
            .map(|item| render_plain(item, lookup))
            .collect::<Option<Vec<_>>>()
            .map(Value::Array),
        Value::Object(map) => {
            let mut out = serde_json::Map::with_capacity(map.len());
            for (k, v) in map {
                if Templates::is_template(k) {
                    return None;
                }
                out.insert(k.clone(), render_plain(v, lookup)?);
            }
            Some(Value::Object(out))
        }
        other => Some(other.clone()),
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::{Context, to_template_value};
    use serde_json::json;

    /// What the template engine makes of `tree` with these values in its context.
    fn full(tree: &Value, values: &serde_json::Map<String, Value>) -> Value {
        let templates = Templates::new();
        let ctx = Context::from_values(
            values
                .iter()
                .map(|(k, v)| (k.clone(), to_template_value(v))),
        );
        let source = SourceFile::unparsed("t.yaml".into(), String::new());
        render_tree(&templates, tree, &YamlPath::root(), &source, &ctx).unwrap()
    }

    #[test]
    fn plain_variables_render_as_the_template_engine_renders_them() {
        let values = json!({
            "account_id": "acc-1",
            "n": 42,
            "big": 18446744073709551615u64,
            "neg": -7,
            "ratio": 1.5,
            "whole": 2.0,
            "yes": true,
            "nothing": null,
            "html": "<a href=\"x\">&</a>",
        });
        let values = values.as_object().unwrap();
        let lookup = |name: &str| values.get(name);
        for tree in [
            json!("{{ account_id }}"),
            json!("{{account_id}}"),
            json!({ "id": "{{ account_id }}", "count": "{{ n }}", "fixed": 3 }),
            json!(["{{ big }}", "{{ neg }}", "{{ ratio }}", "{{ whole }}"]),
            json!({ "flag": "{{ yes }}", "empty": "{{ nothing }}", "text": "{{ html }}" }),
            json!({ "plain": "no template", "nested": { "list": ["{{ n }}", 1] } }),
        ] {
            let plain = render_plain(&tree, &lookup).expect("all plain variables");
            assert_eq!(plain, full(&tree, values), "{tree}");
        }
    }

    #[test]
    fn anything_else_is_left_to_the_template_engine() {
        let values =
            json!({ "account_id": "acc-1", "list": [1, 2], "map": { "a": 1 }, "true": "x" });
        let values = values.as_object().unwrap();
        let lookup = |name: &str| values.get(name);
        for tree in [
            json!("{{ missing }}"),
            json!("{{ account_id | upper }}"),
            json!("id-{{ account_id }}"),
            json!("{{ list }}"),
            json!("{{ map }}"),
            json!("{{ true }}"),
            json!("{{- account_id }}"),
            json!({ "{{ account_id }}": 1 }),
            json!(["{{ account_id }}", "{{ missing }}"]),
        ] {
            assert_eq!(render_plain(&tree, &lookup), None, "{tree}");
        }
    }
}
