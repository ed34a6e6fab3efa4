//! What a scenario needs of its target that not every target has: the parts of obflow's
//! mock — its virtual clock (for waits longer than `--max-wait`), its scripted dialog
//! (`await_code: { via: auto }`) and its admin routes (`/__mock/...`) — and a browser plan
//! for `via: browser` (a mock and the sandbox have a built-in one). Read from the scenario
//! as written, before it sends anything, so a suite run against the sandbox skips — with the
//! reason — what only the mock can run, and runs the rest from the same files.
//!
//! Only what is written literally is judged here; a templated `wait` or URL is judged when
//! it runs, as before.

use std::time::Duration;

use crate::duration::format_duration;
use crate::scenario::actions::{ActionKind, CodeSource};
use crate::scenario::{Scenario, Step};
use crate::source::Location;
use crate::target::Target;
use crate::template::Templates;

/// Something the scenario needs that the target cannot give, and the step that needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct Unmet {
    /// What is missing, as a reader would put it (`the mock's virtual clock: ...`).
    pub need: String,
    pub location: Location,
}

/// The first thing `scenario` needs that `target` lacks, if any. `await_code` uses `via` if
/// given (`--await`), else what each step says.
pub fn unmet(
    scenario: &Scenario,
    target: &Target,
    max_wait: Duration,
    via: Option<CodeSource>,
) -> Option<Unmet> {
    if target.is_mock() {
        return None;
    }
    scenario
        .steps
        .iter()
        .find_map(|step| step_need(step, target, max_wait, via).map(|need| (need, step.location())))
        .map(|(need, location)| Unmet { need, location })
}

fn step_need(
    step: &Step,
    target: &Target,
    max_wait: Duration,
    via: Option<CodeSource>,
) -> Option<String> {
    let raw = &step.action.raw;
    match step.action.kind {
        ActionKind::Wait => {
            let written = raw.get("duration").unwrap_or(raw);
            if Templates::is_template_value(written) {
                return None;
            }
            let wait = crate::duration::from_value(written).ok()?;
            (wait > max_wait).then(|| {
                format!(
                    "the mock's virtual clock (`wait` of {} would really wait, more than --max-wait {})",
                    format_duration(wait),
                    format_duration(max_wait)
                )
            })
        }
        ActionKind::AwaitCode => {
            let via = effective_via(step, via, target);
            if !matches!(via, CodeSource::Auto | CodeSource::Browser) {
                return None;
            }
            if let Some(user) = login_user(step).filter(|u| !is_sandbox_user(u)) {
                return Some(format!(
                    "the mock's user `{user}` (TrueLayer's sandbox Mock bank knows john, john1..john100 and the error.* users)"
                ));
            }
            match via {
                CodeSource::Auto => Some(
                    "obflow's mock dialog (`await_code` with `via: auto` plays the user in it)"
                        .to_owned(),
                ),
                _ => browser_plan_need(raw, target),
            }
        }
        ActionKind::Request => {
            let url = raw.get("url").and_then(|u| u.as_str())?;
            url.contains("/__mock/")
                .then(|| "the mock's admin routes (`/__mock/...`)".to_owned())
        }
        _ => None,
    }
}

/// How an `await_code` step gets its code in this run: as written, unless `--await` says
/// otherwise (`value` takes a code the scenario already has: no override changes that); and
/// `auto`, "the unattended way for this target", is the scripted dialog on a mock and the
/// browser on any other target that has a browser plan.
pub fn resolve_via(written: CodeSource, via: Option<CodeSource>, target: &Target) -> CodeSource {
    let chosen = match (written, via) {
        (CodeSource::Value, _) | (_, None) => written,
        (_, Some(chosen)) => chosen,
    };
    match chosen {
        CodeSource::Auto if !target.is_mock() && target.has_browser_plan() => CodeSource::Browser,
        other => other,
    }
}

/// [`resolve_via`] of a step as written.
pub fn effective_via(step: &Step, via: Option<CodeSource>, target: &Target) -> CodeSource {
    resolve_via(written_via(step), via, target)
}

/// The `via` written (read as the step's parameters are; the loader has checked it).
fn written_via(step: &Step) -> CodeSource {
    use serde::Deserialize as _;
    step.action
        .raw
        .get("via")
        .and_then(|v| CodeSource::deserialize(v).ok())
        .unwrap_or_default()
}

/// The ways the scenario's `await_code` steps are written to get their code, each once: what
/// a run needs to know before it starts (a browser?) once it knows its target and `--await`.
pub fn written_vias(scenario: &Scenario) -> Vec<CodeSource> {
    let mut vias: Vec<CodeSource> = Vec::new();
    for step in &scenario.steps {
        if step.action.kind == ActionKind::AwaitCode {
            let via = written_via(step);
            if !vias.contains(&via) {
                vias.push(via);
            }
        }
    }
    vias
}

/// A browser plan, unless the step or the target has one (a step's own plan serves any
/// target).
fn browser_plan_need(raw: &serde_json::Value, target: &Target) -> Option<String> {
    (raw.get("plan").is_none() && !target.has_browser_plan()).then(|| {
        "a browser plan (`via: browser` on a target with no `browser_plan:` in obflow.yaml)"
            .to_owned()
    })
}

/// The user an `await_code` step logs in as, when the file says: written, or a plain
/// `{{ variable }}` its `include` sets to a written value (flows take the user that way).
fn login_user(step: &Step) -> Option<String> {
    let user = step.action.raw.get("user")?.as_str()?;
    if !Templates::is_template(user) {
        return Some(user.to_owned());
    }
    let name = crate::template::plain_variable(user)?;
    let var = step.scope.iter().find(|v| v.name == name)?;
    var.value
        .as_str()
        .filter(|v| !Templates::is_template(v))
        .map(str::to_owned)
}

/// The logins of TrueLayer's sandbox Mock bank (`truelayer-reference.md`, "Sandbox mock bank
/// users"): john, john1..john100, and the error.* users.
fn is_sandbox_user(user: &str) -> bool {
    let numbered = |n: &str| n.parse::<u32>().is_ok_and(|n| (1..=100).contains(&n));
    user == "john"
        || user.strip_prefix("john").is_some_and(numbered)
        || [
            "error.account_permanently_locked",
            "error.account_temporarily_locked",
            "error.internal_error",
            "error.provider_error",
            "error.user_input_required",
            "error.wrong_credentials",
        ]
        .contains(&user)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::load::{LoadOptions, load_source};
    use crate::target::{Target, TargetKind};

    fn scenario(steps: &str) -> Scenario {
        let text = format!("name: s\nsteps:\n{steps}");
        load_source(
            "s.yaml".into(),
            text,
            &LoadOptions::default(),
            &Templates::new(),
        )
        .expect("valid")
    }

    fn target(kind: TargetKind) -> Target {
        Target {
            name: "sandbox".into(),
            kind,
            auth_url: "https://auth.example".into(),
            api_url: "https://api.example".into(),
            client_id: "id".into(),
            client_secret: crate::secret::Secret::new("s"),
            redirect_uri: crate::target::DEFAULT_REDIRECT_URI.into(),
            providers: vec![],
            browser_plan: None,
        }
    }

    #[test]
    fn a_target_without_the_mock_lacks_its_clock_dialog_and_admin_routes() {
        let sandbox = target(TargetKind::Remote);
        let max = Duration::from_secs(300);
        let long_wait = scenario("  - wait: 90d\n");
        let need = unmet(&long_wait, &sandbox, max, None).expect("unmet");
        assert!(need.need.contains("virtual clock"), "{}", need.need);
        assert_eq!((need.location.line, need.location.col), (3, 5));
        assert!(unmet(&scenario("  - wait: 1s\n"), &sandbox, max, None).is_none());
        // A templated wait is judged when it runs.
        let text = "name: t\nvars: { d: 90d }\nsteps:\n  - wait: \"{{ d }}\"\n";
        let templated = load_source(
            "t.yaml".into(),
            text.into(),
            &LoadOptions::default(),
            &Templates::new(),
        )
        .expect("valid");
        assert!(unmet(&templated, &sandbox, max, None).is_none());

        let auto = scenario("  - auth_link: {}\n  - await_code: {}\n");
        assert!(unmet(&auto, &sandbox, max, None).is_some());
        // `--await listen` makes it runnable with a person at the login.
        assert!(unmet(&auto, &sandbox, max, Some(CodeSource::Listen)).is_none());
        let listen = scenario("  - auth_link: {}\n  - await_code: { via: listen }\n");
        assert!(unmet(&listen, &sandbox, max, None).is_none());
        assert!(unmet(&listen, &sandbox, max, Some(CodeSource::Auto)).is_some());

        let admin = scenario("  - request: { url: \"{{ target.auth_url }}/__mock/reset\" }\n");
        assert!(unmet(&admin, &sandbox, max, None).is_some());

        // `via: browser` needs a plan: the target's, the step's, or a built-in one.
        let browser = scenario("  - auth_link: {}\n  - await_code: { via: browser }\n");
        assert!(unmet(&browser, &sandbox, max, None).is_some());
        assert!(unmet(&auto, &sandbox, max, Some(CodeSource::Browser)).is_some());
        let own = "  - auth_link: {}\n  - await_code: { via: browser, plan: [{ click: { text: Allow } }] }\n";
        assert!(unmet(&scenario(own), &sandbox, max, None).is_none());
        let mut planned = target(TargetKind::Remote);
        planned.browser_plan = crate::browser::Plan::builtin("truelayer-sandbox");
        assert!(unmet(&browser, &planned, max, None).is_none());
        // `auto` is the unattended way for the target: the browser where there is a plan.
        assert!(unmet(&auto, &planned, max, None).is_none());
        // ... but the mock's users are the mock's.
        let joe = scenario("  - auth_link: {}\n  - await_code: { user: joe }\n");
        let need = unmet(&joe, &planned, max, None).expect("unmet");
        assert!(need.need.contains("the mock's user `joe`"), "{}", need.need);
        for user in ["john", "john7", "error.account_temporarily_locked"] {
            let step = format!("  - auth_link: {{}}\n  - await_code: {{ user: {user} }}\n");
            assert!(
                unmet(&scenario(&step), &planned, max, None).is_none(),
                "{user}"
            );
        }
        let resolve = |written, via, target: &Target| resolve_via(written, via, target);
        assert_eq!(
            resolve(CodeSource::Auto, None, &planned),
            CodeSource::Browser
        );
        assert_eq!(resolve(CodeSource::Auto, None, &sandbox), CodeSource::Auto);
        assert_eq!(
            resolve(CodeSource::Listen, Some(CodeSource::Auto), &planned),
            CodeSource::Browser
        );
        assert_eq!(
            resolve(CodeSource::Value, Some(CodeSource::Browser), &planned),
            CodeSource::Value
        );
        assert_eq!(written_vias(&browser), [CodeSource::Browser]);

        // The mock has everything.
        let mock = target(TargetKind::ExternalMock);
        assert!(unmet(&long_wait, &mock, max, None).is_none());
        assert!(unmet(&auto, &mock, max, None).is_none());
        let mut planned_mock = target(TargetKind::ExternalMock);
        planned_mock.browser_plan = crate::browser::Plan::builtin("obflow-mock");
        assert_eq!(
            resolve(CodeSource::Auto, None, &planned_mock),
            CodeSource::Auto
        );
    }
}
