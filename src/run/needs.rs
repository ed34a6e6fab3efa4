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
            if is_templated(written) {
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
        ActionKind::AwaitCode => match effective_via(step, via) {
            CodeSource::Auto => Some(
                "obflow's mock dialog (`await_code` with `via: auto` plays the user in it)"
                    .to_owned(),
            ),
            // A step's own plan serves any target.
            CodeSource::Browser if raw.get("plan").is_none() && !target.has_browser_plan() => {
                Some(
                    "a browser plan (`via: browser` on a target with no `browser_plan:` in obflow.yaml)"
                        .to_owned(),
                )
            }
            _ => None,
        },
        ActionKind::Request => {
            let url = raw.get("url").and_then(|u| u.as_str())?;
            url.contains("/__mock/")
                .then(|| "the mock's admin routes (`/__mock/...`)".to_owned())
        }
        _ => None,
    }
}

/// How a written `await_code` step gets its code in this run: as written, unless `--await`
/// says otherwise (`value` takes a code the scenario already has: no override changes that).
pub fn effective_via(step: &Step, via: Option<CodeSource>) -> CodeSource {
    let written = match step.action.raw.get("via").and_then(|v| v.as_str()) {
        Some("listen") => CodeSource::Listen,
        Some("prompt") => CodeSource::Prompt,
        Some("value") => CodeSource::Value,
        Some("browser") => CodeSource::Browser,
        _ => CodeSource::Auto,
    };
    match (written, via) {
        (CodeSource::Value, _) | (_, None) => written,
        (_, Some(chosen)) => chosen,
    }
}

/// Whether the scenario drives a real browser in this run (`via: browser`, written or by
/// `--await browser`): the run then needs one, found before it starts.
pub fn needs_browser(scenario: &Scenario, via: Option<CodeSource>) -> bool {
    scenario.steps.iter().any(|step| {
        step.action.kind == ActionKind::AwaitCode && effective_via(step, via) == CodeSource::Browser
    })
}

fn is_templated(value: &serde_json::Value) -> bool {
    value.as_str().is_some_and(Templates::is_template)
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
        assert!(needs_browser(&browser, None) && needs_browser(&auto, Some(CodeSource::Browser)));
        assert!(!needs_browser(&auto, None) && !needs_browser(&browser, Some(CodeSource::Listen)));

        // The mock has everything.
        let mock = target(TargetKind::ExternalMock);
        assert!(unmet(&long_wait, &mock, max, None).is_none());
        assert!(unmet(&auto, &mock, max, None).is_none());
    }
}
