//! [`build`]: a loaded scenario turned into a [`Guide`], statically (nothing is sent):
//! variables rendered or shown as placeholders, each step described, its checks and
//! captures listed, and an introduction to the environment.

use std::path::Path;

use serde_json::{Value, json};

use super::expected_response::snapshot;
use super::values::{StaticVars, placeholder};
use super::{Block, DocTarget, Guide, GuideStep, steps};
use crate::check::matcher::code_span;
use crate::scenario::{ActionKind, Scenario};
use crate::secret::is_secret_name;
use crate::template::Templates;

/// What building guides needs besides the scenarios.
pub struct GuideOptions<'a> {
    pub target: &'a DocTarget,
    pub templates: &'a Templates,
    /// `--var` values, which win over the scenario's `vars` as in a run.
    pub cli_vars: &'a [(String, Value)],
    /// Where `<scenario-stem>__<step>.snap` files are looked for.
    pub snapshots: &'a Path,
}

/// Builds the guide for one scenario.
pub fn build(scenario: &Scenario, options: &GuideOptions<'_>) -> Guide {
    let templates = options.templates;
    let target = options.target;
    let is_secret = |name: &str| is_secret_name(name) || scenario.secrets.iter().any(|s| s == name);

    let mut vars = StaticVars::new();
    vars.set(
        "target",
        json!({
            "name": target.name,
            "auth_url": target.auth_url,
            "api_url": target.api_url,
            "client_id": placeholder("client_id"),
            "redirect_uri": target.redirect_uri,
            "is_mock": target.is_mock,
        }),
    );
    vars.set(
        "scenario",
        json!({ "name": scenario.name, "file": scenario.file().display().to_string() }),
    );
    let mut known = serde_json::Map::new();
    for (name, value) in options.cli_vars.iter().chain(scenario.vars.iter()) {
        if known.contains_key(name) {
            continue;
        }
        if is_secret(name) {
            vars.set_placeholder(name);
            known.insert(name.clone(), Value::String(placeholder(name)));
        } else {
            let rendered = vars.render(templates, value);
            vars.set(name, rendered.clone());
            known.insert(name.clone(), rendered);
        }
    }
    vars.set("vars", Value::Object(known));

    let mut flow = steps::Flow {
        target,
        redirect_uri: target.redirect_uri.clone(),
        pkce: false,
        link_from_extend: false,
    };
    let stem = stem_of(scenario.file());
    let mut guide_steps = Vec::new();
    for step in &scenario.steps {
        let mut step_vars = vars.clone();
        for scoped in &step.scope {
            if is_secret(&scoped.name) {
                step_vars.set_placeholder(&scoped.name);
            } else {
                let rendered = step_vars.render(templates, &scoped.value);
                step_vars.set(&scoped.name, rendered);
            }
        }
        let mut blocks = Vec::new();
        if let Some(for_each) = &step.for_each {
            let items = match &for_each.items {
                Value::String(s) => format!("`{}`", step_vars.render_text(templates, s)),
                other => code_span(&other.to_string()),
            };
            step_vars.set_placeholder(&for_each.var);
            blocks.push(Block::Text(format!(
                "Repeated for each item of {items}; below, `{}` is the current item.",
                placeholder(&for_each.var)
            )));
        }
        let checks: Vec<String> = step
            .expect
            .describe()
            .iter()
            .map(|c| step_vars.render_inline(templates, c))
            .collect();
        let params = step_vars.render(templates, &step.action.raw);
        let (default_title, mut action_blocks) =
            steps::describe(step.action.kind, &params, &mut flow);
        if expects_error(&checks) {
            // "A successful answer holds…" would mislead under a step that expects a refusal.
            if let Some(Block::Text(_)) = action_blocks.last()
                && matches!(
                    step.action.kind,
                    ActionKind::Exchange | ActionKind::Refresh | ActionKind::Extend
                )
            {
                action_blocks.pop();
            }
        }
        blocks.append(&mut action_blocks);
        if let Some((path, block)) = snapshot(options.snapshots, &stem, step) {
            blocks.push(Block::Text(format!(
                "Expected response (from `{}`):",
                path.display()
            )));
            blocks.push(block);
        }
        let checks = if checks.is_empty() {
            default_checks(step.action.kind)
        } else {
            checks
        };
        if !checks.is_empty() {
            blocks.push(Block::List {
                title: "Checks:".to_owned(),
                items: checks,
            });
        }
        // A reader copying the curl command needs to know the scenario tries again (a 429
        // from a rate-limiting bank is the usual reason).
        if let Some(retry) = &step.retry {
            let times = if retry.count == 1 {
                "once more"
            } else {
                "again"
            };
            let upto = if retry.count == 1 {
                String::new()
            } else {
                format!(" up to {} more times", retry.count)
            };
            blocks.push(Block::Text(format!(
                "While it fails, try {times}{upto}, {} apart.",
                steps::human_duration(retry.interval)
            )));
        }
        let captures: Vec<String> = step
            .capture
            .names()
            .zip(step.capture.describe())
            .map(|(name, words)| format!("{words}, used below as `{}`", placeholder(name)))
            .collect();
        if !captures.is_empty() {
            blocks.push(Block::List {
                title: "Keep for later steps:".to_owned(),
                items: captures,
            });
        }
        for name in step.capture.names() {
            vars.set_placeholder(name);
        }
        let title = match &step.name {
            Some(name) => step_vars.render_text(templates, name),
            None => default_title,
        };
        guide_steps.push(GuideStep { title, blocks });
    }

    Guide {
        title: scenario.name.clone(),
        description: scenario.description.as_ref().map(|d| d.trim().to_owned()),
        source: scenario.file().display().to_string(),
        stem,
        intro: intro(target),
        steps: guide_steps,
    }
}

fn stem_of(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "guide".to_owned())
}

fn intro(target: &DocTarget) -> Vec<Block> {
    let hosts = if target.auth_url == target.api_url {
        format!("`{}`", target.auth_url)
    } else {
        format!(
            "the auth server `{}` and the API host `{}`",
            target.auth_url, target.api_url
        )
    };
    let environment = match target.name.as_str() {
        "sandbox" => "TrueLayer's sandbox".to_owned(),
        "live" => "TrueLayer's live environment".to_owned(),
        "mock" => "the obflow mock (`obflow mock`, on its default port)".to_owned(),
        other => format!("the `{other}` target"),
    };
    vec![
        Block::Text(format!(
            "Use the same environment for all of your requests. This guide uses {environment}: {hosts}."
        )),
        Block::Text(
            "Export your client's credentials (from Console) and the redirect URI registered for it; the commands below use them:"
                .to_owned(),
        ),
        Block::Code {
            lang: "shell",
            text: format!(
                "export CLIENT_ID=\"your-client-id\"\nexport CLIENT_SECRET=\"your-client-secret\"\nexport REDIRECT_URI=\"{}\"",
                target.redirect_uri
            ),
        },
    ]
}

/// Whether the checks expect a 4xx or 5xx status.
fn expects_error(checks: &[String]) -> bool {
    checks
        .iter()
        .any(|c| c.starts_with("status is `4") || c.starts_with("status is `5"))
}

/// What a typed step checks when the scenario writes no `expect`.
fn default_checks(kind: ActionKind) -> Vec<String> {
    match kind {
        ActionKind::AwaitCode => vec!["the redirect brings a code".to_owned()],
        ActionKind::Request | ActionKind::AuthLink | ActionKind::Wait => Vec::new(),
        _ => vec!["the request succeeds (a 2xx status)".to_owned()],
    }
}
