//! What a scenario's values become in a guide, which is rendered without running anything:
//! templates over the scenario's own variables are rendered, and everything only known at
//! run time (captures, tokens, `env`, earlier responses) or secret becomes a placeholder
//! such as `$ACCOUNT_ID`, named like the variable it stands for.
//!
//! While a guide is built, a placeholder is a marker (`\u{E000}NAME\u{E001}`, private-use
//! characters no scenario contains) so that shell quoting can tell it from literal text and
//! leave it expandable; [`unmark`] turns markers into `$NAME` once the output is complete.

use regex::Regex;
use serde_json::{Map, Value};

use crate::template::{Context, Templates};

const OPEN: char = '\u{E000}';
const CLOSE: char = '\u{E001}';

/// The marker for the placeholder `$NAME` (the name is upper-cased: `account_id` gives
/// `$ACCOUNT_ID`).
pub fn placeholder(name: &str) -> String {
    let name: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    let name = if name.is_empty() {
        "VALUE".to_owned()
    } else {
        name
    };
    format!("{OPEN}{name}{CLOSE}")
}

/// Whether `text` holds a placeholder marker.
pub fn has_placeholder(text: &str) -> bool {
    text.contains(OPEN)
}

/// Replaces every marker with `$NAME`.
pub fn unmark(text: &str) -> String {
    text.replace(OPEN, "$").replace(CLOSE, "")
}

/// The variables a guide can render templates with, growing step by step.
#[derive(Debug, Clone, Default)]
pub struct StaticVars {
    root: Map<String, Value>,
}

impl StaticVars {
    pub fn new() -> StaticVars {
        StaticVars::default()
    }

    /// A variable whose value is known before the run (and not secret).
    pub fn set(&mut self, name: &str, value: Value) {
        self.root.insert(name.to_owned(), value);
    }

    /// A variable only known at run time, or secret: templates see its placeholder.
    pub fn set_placeholder(&mut self, name: &str) {
        self.root
            .insert(name.to_owned(), Value::String(placeholder(name)));
    }

    /// Renders every template inside `value`. Never fails: a template that cannot be
    /// rendered statically becomes placeholders (see [`fallback`]).
    pub fn render(&self, templates: &Templates, value: &Value) -> Value {
        match value {
            Value::String(s) if Templates::is_template(s) => {
                let ctx = Context::new(&Value::Object(self.root.clone()));
                templates
                    .render_value(value, &ctx)
                    .unwrap_or_else(|_| Value::String(fallback(s)))
            }
            Value::Array(items) => {
                Value::Array(items.iter().map(|v| self.render(templates, v)).collect())
            }
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (self.render_text(templates, k), self.render(templates, v)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    /// Renders a template string to text (used inside sentences).
    pub fn render_text(&self, templates: &Templates, text: &str) -> String {
        if !Templates::is_template(text) {
            return text.to_owned();
        }
        let ctx = Context::new(&Value::Object(self.root.clone()));
        templates
            .render_str(text, &ctx)
            .unwrap_or_else(|_| fallback(text))
    }

    /// Renders the `{{ ... }}` parts of a sentence one by one (a check's description holds
    /// an expected value as written, e.g. "`$.id` equals `{{ account_id }}`").
    pub fn render_inline(&self, templates: &Templates, text: &str) -> String {
        expressions()
            .replace_all(text, |c: &regex::Captures<'_>| {
                self.render_text(templates, &c[0])
            })
            .into_owned()
    }
}

fn expressions() -> &'static Regex {
    static EXPR: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    EXPR.get_or_init(|| Regex::new(r"\{\{(.*?)\}\}").expect("static regex"))
}

/// Each `{{ expression }}` becomes the placeholder named after the last name it reads:
/// `{{ env.AUTH_CODE }}` gives `$AUTH_CODE`, `{{ session.access_token }}` `$ACCESS_TOKEN`.
/// A value of an earlier step's answer is prefixed with that step's id, so it cannot be
/// mistaken for a capture or a loop's item of the same name:
/// `{{ steps.extend.json.user_input_link }}` gives `$EXTEND_USER_INPUT_LINK`.
/// Date arithmetic stays visible, since it is the point of the check:
/// `{{ created | date_add('90d') }}` gives `$CREATED + 90d`.
pub fn fallback(text: &str) -> String {
    static NAME: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    static SHIFT: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    let name = NAME.get_or_init(|| Regex::new(r"[A-Za-z_][A-Za-z0-9_]*").expect("static regex"));
    let shift = SHIFT.get_or_init(|| {
        Regex::new(r#"^\s*date_(add|sub)\(\s*['"]?([^'")]*?)['"]?\s*\)\s*$"#).expect("static regex")
    });
    expressions()
        .replace_all(text, |c: &regex::Captures<'_>| {
            // The expression before any filter: `account_id | upper` reads `account_id`.
            let mut parts = c[1].split('|');
            let expr = parts.next().unwrap_or("");
            let last = name
                .find_iter(expr)
                .last()
                .map(|m| m.as_str())
                .unwrap_or("value");
            let mut shown = match step_of(expr) {
                Some(step) => placeholder(&format!("{step}_{last}")),
                None => placeholder(last),
            };
            for filter in parts {
                if let Some(m) = shift.captures(filter) {
                    let sign = if &m[1] == "add" { '+' } else { '-' };
                    shown.push_str(&format!(" {sign} {}", &m[2]));
                }
            }
            shown
        })
        .into_owned()
}

/// The step whose answer `steps.<id>.json...` (or `.status`, `.headers`) reads.
pub fn step_of(expr: &str) -> Option<&str> {
    let rest = expr.trim().strip_prefix("steps.")?;
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    let after = &rest[end..];
    (end > 0
        && (after.starts_with(".json")
            || after.starts_with(".status")
            || after.starts_with(".headers")))
    .then(|| &rest[..end])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn known_vars_render_and_the_rest_become_placeholders() {
        let templates = Templates::new();
        let mut vars = StaticVars::new();
        vars.set("scope", json!(["info", "accounts"]));
        vars.set_placeholder("account_id");
        assert_eq!(
            vars.render(&templates, &json!("{{ scope }}")),
            json!(["info", "accounts"])
        );
        let id = vars.render(&templates, &json!("{{ account_id }}"));
        assert_eq!(unmark(id.as_str().unwrap()), "$ACCOUNT_ID");
        let link = vars.render(
            &templates,
            &json!("{{ steps.extend.json.user_input_link }}"),
        );
        assert_eq!(unmark(link.as_str().unwrap()), "$EXTEND_USER_INPUT_LINK");
        assert_eq!(
            unmark(&vars.render_inline(&templates, "`$.id` equals `{{ env.X | trim }}`")),
            "`$.id` equals `$X`"
        );
    }
}
