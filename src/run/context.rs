//! What a scenario's templates see: the template context a step renders with, the plain
//! `{{ name }}` lookups that spare most steps building one, and rendering with both. In a
//! dry run, values only a response would give (captures, `steps.*`, a `for_each` list made
//! of them) are [`Placeholder`]s: `{{ steps.token.json.access_token }}` renders as
//! `<steps.token.json.access_token>` instead of failing for want of a response.

use std::sync::Arc;

use serde_json::{Map, Value};

use super::executor::ScenarioState;
use super::render::{render_plain, render_tree};
use crate::source::Diagnostic;
use crate::source::{SourceFile, YamlPath};
use crate::template::Context;

impl ScenarioState<'_> {
    /// What templates see: variables, captures and the step's scope by name, plus `env`,
    /// `steps`, `vars`, `session`, `target` and `scenario`.
    pub fn context(&self, scope: &Map<String, Value>) -> Context {
        use crate::template::to_template_value as tv;
        let mut entries: Vec<(String, minijinja::Value)> =
            Vec::with_capacity(self.vars.len() + self.captures.len() + scope.len() + 6);
        let dry_run = self.run.dry_run;
        for (k, v) in self
            .vars
            .iter()
            .chain(self.captures.iter())
            .chain(scope.iter())
        {
            let value = match dry_run && is_placeholder(k, v) {
                true => Placeholder::value(k.clone()),
                false => tv(v),
            };
            entries.push((k.clone(), value));
        }
        // Later entries win, as captures and scope win over vars; the fixed names last.
        entries.push((
            "vars".into(),
            crate::template::map_to_template_value(&self.vars),
        ));
        entries.push(("env".into(), self.run.env_template.clone()));
        // A dry run has no step results: every one of them is known only at run time.
        let steps = match dry_run {
            true => Placeholder::value("steps".to_owned()),
            false => minijinja::Value::from(self.step_results.clone()),
        };
        entries.push(("steps".into(), steps));
        entries.push(("session".into(), self.session.to_template_value()));
        entries.push(("target".into(), self.run.target_template.clone()));
        entries.push((
            "scenario".into(),
            minijinja::Value::from(std::collections::BTreeMap::from([
                ("name", minijinja::Value::from(self.scenario.name.as_str())),
                (
                    "file",
                    minijinja::Value::from(self.scenario.file().to_string_lossy().as_ref()),
                ),
            ])),
        ));
        Context::from_values(entries)
    }

    /// What a plain `{{ name }}` template reads, as the context would give it: the step's
    /// scope over captures over variables, and never a name the context reserves (`env`,
    /// `steps`, `vars`, `session`, `target`, `scenario`).
    pub(super) fn plain_value<'v>(
        &'v self,
        name: &str,
        scope: &'v Map<String, Value>,
    ) -> Option<&'v Value> {
        if crate::scenario::load::BUILTIN_ROOTS.contains(&name) {
            return None;
        }
        scope
            .get(name)
            .or_else(|| self.captures.get(name))
            .or_else(|| self.vars.get(name))
    }

    /// Renders the templates in `value` (written at `path` in `source`): plain variables
    /// straight from the values, anything else through the template engine with a context
    /// built for it.
    pub(super) fn render(
        &self,
        value: &Value,
        path: &YamlPath,
        source: &SourceFile,
        scope: &Map<String, Value>,
    ) -> Result<Value, Diagnostic> {
        match render_plain(value, &|name| self.plain_value(name, scope)) {
            Some(plain) => Ok(plain),
            None => render_tree(
                &self.run.templates,
                value,
                path,
                source,
                &self.context(scope),
            ),
        }
    }
}

/// The text a dry run puts where a value known only at run time goes: `<name>`.
pub(super) fn placeholder_text(name: &str) -> Value {
    Value::String(format!("<{name}>"))
}

/// Whether `value`, bound to `name`, is the dry run's placeholder for it.
fn is_placeholder(name: &str, value: &Value) -> bool {
    value
        .as_str()
        .and_then(|s| s.strip_prefix('<'))
        .and_then(|s| s.strip_suffix('>'))
        == Some(name)
}

/// A value a dry run cannot know (it gets no response): any field or index of it is another
/// placeholder, named by the path to it, and it renders as `<path>`.
#[derive(Debug)]
struct Placeholder(String);

impl Placeholder {
    fn value(path: String) -> minijinja::Value {
        minijinja::Value::from_object(Placeholder(path))
    }
}

impl minijinja::value::Object for Placeholder {
    fn repr(self: &Arc<Self>) -> minijinja::value::ObjectRepr {
        minijinja::value::ObjectRepr::Plain
    }

    fn get_value(self: &Arc<Self>, key: &minijinja::Value) -> Option<minijinja::Value> {
        let path = match (key.as_str(), key.as_usize()) {
            (Some(field), _) => format!("{}.{field}", self.0),
            (None, Some(i)) => format!("{}[{i}]", self.0),
            (None, None) => format!("{}[{key}]", self.0),
        };
        Some(Placeholder::value(path))
    }

    fn render(self: &Arc<Self>, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<{}>", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_placeholder_renders_the_path_to_what_is_read_of_it() {
        let env = minijinja::Environment::new();
        let ctx = minijinja::context! { steps => Placeholder::value("steps".into()) };
        let text = env
            .render_str("{{ steps.token.json.items[0].id }}", ctx)
            .unwrap();
        assert_eq!(text, "<steps.token.json.items[0].id>");
        assert!(is_placeholder("ids", &placeholder_text("ids")));
        assert!(!is_placeholder("ids", &placeholder_text("other")));
    }
}
