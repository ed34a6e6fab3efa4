//! The last guard against secrets in guides: placeholders become `$NAME`, and every secret
//! value obflow knows of is scrubbed from the finished text.

use serde_json::Value;

use super::values::unmark;
use crate::scenario::Scenario;
use crate::secret::{Redactor, is_secret_name};

/// The last guard: placeholders become `$NAME`, and any secret value obflow knows of (the
/// mock's demo secret, the scenario's secret variables) is scrubbed.
pub(super) fn finish(text: &str, redactor: &Redactor) -> String {
    redactor.redact(&unmark(text)).into_owned()
}

/// Secrets to scrub from guides of these scenarios.
pub(super) fn redactor_for(scenarios: &[Scenario], cli_vars: &[(String, Value)]) -> Redactor {
    let redactor = Redactor::new();
    redactor.declare(crate::protocol::DEMO_CLIENT_SECRET);
    for scenario in scenarios {
        for (name, value) in scenario.vars.iter().chain(cli_vars.iter()) {
            if is_secret_name(name) || scenario.secrets.contains(name) {
                redactor.declare_json(value);
            }
        }
        for step in &scenario.steps {
            for scoped in &step.scope {
                if is_secret_name(&scoped.name) {
                    redactor.declare_json(&scoped.value);
                }
            }
        }
    }
    redactor
}
