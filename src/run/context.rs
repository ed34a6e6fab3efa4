//! What a scenario's templates see: the template context a step renders with, and the
//! plain `{{ name }}` lookups that spare most steps building one.

use serde_json::{Map, Value};

use super::executor::ScenarioState;
use crate::scenario::Step;
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

    /// The context a step's templates need, or an empty one when it has none: most steps
    /// (`exchange: {}`) have none, and building a context is the engine's main cost.
    pub(super) fn context_for(&self, step: &Step, scope: &Map<String, Value>) -> Context {
        if step.templated {
            self.context(scope)
        } else {
            Context::empty()
        }
    }
}
