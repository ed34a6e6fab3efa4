//! What a scenario's templates see: the template context a step renders with, the plain
//! `{{ name }}` lookups that spare most steps building one, and rendering with both.

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
        for (k, v) in self
            .vars
            .iter()
            .chain(self.captures.iter())
            .chain(scope.iter())
        {
            entries.push((k.clone(), tv(v)));
        }
        // Later entries win, as captures and scope win over vars; the fixed names last.
        entries.push((
            "vars".into(),
            crate::template::map_to_template_value(&self.vars),
        ));
        entries.push(("env".into(), self.run.env_template.clone()));
        entries.push((
            "steps".into(),
            minijinja::Value::from(self.step_results.clone()),
        ));
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
