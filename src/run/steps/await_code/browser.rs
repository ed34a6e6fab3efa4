//! `await_code: { via: browser }`: opens the auth link in a fresh context of the run's one
//! headless browser, plays the browser plan (the step's, else the target's, else the
//! built-in plan for the target's kind) and takes the code from the browser's request to
//! the redirect URI, caught inside the browser — a redirect or a `form_post` alike. On
//! failure the page's screenshot and text are kept in the artifacts folder and named.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value};

use super::super::super::executor::{ScenarioState, StepError};
use super::Callback;
use crate::browser::{Page, Plan, PlanError};
use crate::scenario::Step;
use crate::scenario::actions::AwaitCodeParams;
use crate::scenario::model::value_to_text;
use crate::source::Diagnostic;
use crate::target::TargetKind;

/// How long the whole dialog may take unless the step says otherwise.
pub const DEFAULT_BROWSER_TIMEOUT: Duration = Duration::from_secs(60);

/// After a plan's last action, how long the browser may take to reach the redirect URI.
const ARRIVAL_TIMEOUT: Duration = Duration::from_secs(10);

pub async fn run(
    state: &mut ScenarioState<'_>,
    step: &Step,
    params: &AwaitCodeParams,
    link: &str,
    timeout: Option<Duration>,
) -> Result<Callback, StepError> {
    let at = &step.action.path;
    let plan = choose_plan(state, step, params)?;
    let browser = state.run.browser.get().await.map_err(|e| {
        let d = step.source.error_at(at, e.to_string());
        match e {
            crate::browser::BrowserError::NotFound { .. } => d.help(crate::browser::INSTALL_HINT),
            _ => d,
        }
    })?;
    let redirect_uri = redirect_uri(state, link);
    let mut page = browser
        .new_page()
        .await
        .map_err(|e| step.source.error_at(at, e.to_string()))?;
    // A scenario that moves time lives on a clock of its own, named in a header on every
    // request to the mock (executor.rs): the browser's dialog requests carry it too.
    if state.scenario.moves_time && state.run.target.is_mock() {
        page.set_header(crate::protocol::CLOCK_HEADER, &state.clock)
            .await
            .map_err(|e| step.source.error_at(at, e.to_string()))?;
    }
    let user = params.user.clone().unwrap_or_else(|| "john".to_owned());
    let password = params
        .password
        .clone()
        .filter(|p| !p.is_empty())
        .or_else(|| crate::protocol::builtin_password(&user))
        .unwrap_or_default();
    let mut scope = Map::new();
    scope.insert("user".into(), Value::String(user));
    scope.insert("password".into(), Value::String(password.clone()));
    scope.insert(
        "provider".into(),
        Value::String(params.provider.clone().unwrap_or_default()),
    );
    scope.insert(
        "decision".into(),
        Value::String(params.decision.clone().unwrap_or_else(|| "accept".into())),
    );
    let timeout = timeout.unwrap_or(DEFAULT_BROWSER_TIMEOUT);
    let outcome = {
        let state: &ScenarioState<'_> = state;
        // An inline plan's strings were rendered with the step's other parameters.
        let rendered = params.plan.as_ref().is_some_and(Value::is_array);
        let render = |text: &str, path: &crate::source::YamlPath| -> Result<String, Diagnostic> {
            if rendered || !crate::template::Templates::is_template(text) {
                return Ok(text.to_owned());
            }
            state
                .render(&Value::String(text.to_owned()), path, &plan.source, &scope)
                .map(|v| value_to_text(&v))
        };
        // Typed values are declared secrets: redacted everywhere, at any length. The step's
        // own `password` is the exception, treated as `via: auto` treats the same password
        // in the same login form (secret/learn.rs): the mock users' passwords are public,
        // ordinary words (`accounts`, `eternal`) that would be scrubbed from every snapshot
        // and scenario title; a real one comes from a secret-named variable, declared anyway.
        let typed = |value: &str, secret: bool| {
            if secret && value != password {
                state.redactor.declare(value);
            }
        };
        tokio::time::timeout(
            timeout,
            go_through(&mut page, &plan, link, &redirect_uri, &render, &typed),
        )
        .await
    };
    let failure = match outcome {
        Ok(Ok(callback)) => {
            page.close().await;
            return Ok(callback);
        }
        Ok(Err(failure)) => failure,
        Err(_) => Failure::Timeout(timeout),
    };
    let artifacts = keep_artifacts(state, step, &page).await;
    page.close().await;
    Err(describe(step, &plan, failure, artifacts).into())
}

/// What went wrong in the browser.
enum Failure {
    Plan(PlanError),
    Browser(crate::browser::BrowserError),
    /// The plan ran to its end but the browser never went to the redirect URI.
    NoRedirect,
    Timeout(Duration),
}

async fn go_through(
    page: &mut Page,
    plan: &Plan,
    link: &str,
    redirect_uri: &str,
    render: &(dyn Fn(&str, &crate::source::YamlPath) -> Result<String, Diagnostic> + Sync),
    typed: &(dyn Fn(&str, bool) + Sync),
) -> Result<Callback, Failure> {
    let mut arrival = page
        .catch_redirect(redirect_uri)
        .await
        .map_err(Failure::Browser)?;
    page.navigate(link).await.map_err(Failure::Browser)?;
    // The redirect may come before the plan ends (a declined consent skips the login).
    let played = tokio::select! {
        arrived = &mut arrival => return arrived.map(to_callback).map_err(|_| Failure::NoRedirect),
        played = crate::browser::play(page, plan, render, typed) => played,
    };
    played.map_err(Failure::Plan)?;
    match tokio::time::timeout(ARRIVAL_TIMEOUT, arrival).await {
        Ok(Ok(arrived)) => Ok(to_callback(arrived)),
        _ => Err(Failure::NoRedirect),
    }
}

fn to_callback(arrival: crate::browser::Arrival) -> Callback {
    match arrival.body {
        // `response_mode=form_post`: the fields come in the body, encoded as a query is.
        Some(body) if !body.is_empty() => Callback::from_query(&body),
        _ => Callback::from_url(&arrival.url),
    }
}

/// The step's plan, else the target's, else the built-in one for a mock or the sandbox.
fn choose_plan(
    state: &ScenarioState<'_>,
    step: &Step,
    params: &AwaitCodeParams,
) -> Result<Arc<Plan>, StepError> {
    let at = step.action.path.key("plan");
    if let Some(value) = &params.plan {
        return Plan::parse(value, &step.source, &at).map_err(|mut e| e.remove(0).into());
    }
    let target = &state.run.target;
    if let Some(plan) = &target.browser_plan {
        return Ok(Arc::clone(plan));
    }
    let builtin = match (&target.kind, target.truelayer_environment()) {
        (TargetKind::EmbeddedMock | TargetKind::ExternalMock, _) => Some("obflow-mock"),
        (TargetKind::Remote, Some("sandbox")) => Some("truelayer-sandbox"),
        _ => None,
    };
    builtin.and_then(Plan::builtin).ok_or_else(|| {
        step.source
            .error_at(
                &step.action.path,
                format!("target `{}` has no browser plan", target.name),
            )
            .help("give the target `browser_plan:` in obflow.yaml, or the step `plan:`")
            .into()
    })
}

/// The redirect URI the dialog will send the browser to: the link's own, else the one the
/// session's auth link used, else the target's.
fn redirect_uri(state: &ScenarioState<'_>, link: &str) -> String {
    url::Url::parse(link)
        .ok()
        .and_then(|u| {
            u.query_pairs()
                .find(|(k, _)| k == "redirect_uri")
                .map(|(_, v)| v.into_owned())
        })
        .or_else(|| state.session.redirect_uri.clone())
        .unwrap_or_else(|| state.run.target.redirect_uri.clone())
}

/// What a failure leaves: the files kept, and the start of what the page said.
#[derive(Default)]
struct Artifacts {
    files: Vec<PathBuf>,
    page_says: Option<String>,
}

/// How much of the page's text the failure message quotes (the file has all of it).
const QUOTED_TEXT: usize = 300;

/// The screenshot and the (redacted) page text, written to the artifacts folder.
async fn keep_artifacts(state: &ScenarioState<'_>, step: &Step, page: &Page) -> Artifacts {
    let mut kept = Artifacts::default();
    if let Ok(text) = page.text().await {
        let text = state.redactor.redact(&text).into_owned();
        // The address is the first line; what a person reads comes after it.
        let said: Vec<&str> = text
            .lines()
            .skip(1)
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        let said = said.join(" / ");
        kept.page_says = (!said.is_empty()).then(|| match said.char_indices().nth(QUOTED_TEXT) {
            Some((cut, _)) => format!("{}…", &said[..cut]),
            None => said.clone(),
        });
        kept.files = save(state, step, page, &text).await;
    }
    kept
}

async fn save(state: &ScenarioState<'_>, step: &Step, page: &Page, text: &str) -> Vec<PathBuf> {
    let dir = &state.run.artifacts;
    if std::fs::create_dir_all(dir).is_err() {
        return Vec::new();
    }
    let stem = format!(
        "{}-step{}-{}",
        crate::snapshot::naming::slug(&state.scenario.name),
        step.index + 1,
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    );
    let mut kept = Vec::new();
    if let Ok(png) = page.screenshot().await {
        let path = dir.join(format!("{stem}.png"));
        if std::fs::write(&path, png).is_ok() {
            kept.push(path);
        }
    }
    let path = dir.join(format!("{stem}.txt"));
    if std::fs::write(&path, text.as_bytes()).is_ok() {
        kept.push(path);
    }
    kept
}

fn describe(step: &Step, plan: &Plan, failure: Failure, artifacts: Artifacts) -> Diagnostic {
    let at = &step.action.path;
    let mut d = match failure {
        Failure::Plan(PlanError::Missing {
            index,
            verb,
            locator,
            timeout,
            why,
            path,
        }) => plan
            .source
            .error_at(
                &path,
                format!(
                    "browser plan `{}`, action {} (`{}`): no element with {} within {}",
                    plan.name,
                    index + 1,
                    verb.keyword(),
                    locator.describe(),
                    crate::duration::format_duration(timeout),
                ),
            )
            .note(why)
            .note(format!("from the step at {}", step.source.location(at))),
        Failure::Plan(PlanError::Render(d)) => d,
        Failure::Plan(PlanError::Browser(e)) | Failure::Browser(e) => {
            step.source.error_at(at, e.to_string())
        }
        Failure::NoRedirect => step
            .source
            .error_at(
                at,
                format!(
                    "browser plan `{}` ran to its end, but the browser never went to the redirect URI",
                    plan.name
                ),
            )
            .help("does the dialog need another action? see the screenshot"),
        Failure::Timeout(t) => step
            .source
            .error_at(
                at,
                format!(
                    "the browser did not get through the dialog within {}",
                    crate::duration::format_duration(t)
                ),
            )
            .help("raise the step's `timeout`, or see the screenshot"),
    };
    if let Some(said) = artifacts.page_says {
        d = d.note(format!("the page says: {said}"));
    }
    match artifacts.files.as_slice() {
        [] => d = d.note("no screenshot or page text could be saved"),
        files => {
            let names: Vec<_> = files.iter().map(|p| p.display().to_string()).collect();
            d = d.note(format!("screenshot and page text: {}", names.join(", ")));
        }
    }
    d
}
