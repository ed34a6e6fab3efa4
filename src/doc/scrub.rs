//! The last guard against secrets in guides: placeholders become `$NAME`, and every secret
//! value obflow knows of is scrubbed from the finished text — except the mock's published
//! demo bank passwords (`doe`, `eternal`, ...: docs/mock.md lists them), which a scenario
//! names in a secret-named variable but which are no secret: scrubbing them would turn
//! "john / eternal" into "john / ***" and leave a mock guide unable to log in.

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
            if (is_secret_name(name) || scenario.secrets.contains(name)) && !is_demo_password(value)
            {
                redactor.declare_json(value);
            }
        }
        for step in &scenario.steps {
            for scoped in &step.scope {
                if is_secret_name(&scoped.name) && !is_demo_password(&scoped.value) {
                    redactor.declare_json(&scoped.value);
                }
            }
        }
    }
    redactor
}

/// Whether the value is the password of one of the mock's built-in bank users.
fn is_demo_password(value: &Value) -> bool {
    let Some(text) = value.as_str() else {
        return false;
    };
    crate::protocol::BUILTIN_LOGINS.iter().any(|login| {
        login.password == text
            || text
                .strip_prefix(login.password)
                .and_then(|n| n.parse::<u32>().ok())
                .is_some_and(|n| (1..=login.numbered).contains(&n))
    })
}
