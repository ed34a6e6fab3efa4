//! [`build`]: a loaded scenario turned into a [`Guide`], statically (nothing is sent):
//! variables rendered or shown as placeholders, each step described with the shell that
//! does it (what it keeps of the answer, its loop, the answer a refused step expects), its
//! checks listed, the sequence and lifecycle diagrams drawn from the steps, and an
//! introduction fitted to the target and to what the steps need.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use regex::Regex;
use serde_json::{Map, Value, json};

use super::diagram::{Item, Sequence, Tracker};
use super::expected_response::snapshots;
use super::shell::{self, Display, Items, Read};
use super::steps::{self, Command, Effect, Flow, StepInput};
use super::values::{StaticVars, has_placeholder, placeholder};
use super::{Block, DocTarget, Guide, GuideStep};
use crate::check::CaptureFrom;
use crate::check::matcher::code_span;
use crate::doc::curl::{Report, shell_word};
use crate::scenario::{ActionKind, Scenario, Step};
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
    // Secret variables, by value, for the one use a guide makes of them: a bank login the
    // mock publishes (`await_code` shows it only when it is one).
    let mut demo_logins = vars.clone();
    let mut known = Map::new();
    for (name, value) in options.cli_vars.iter().chain(scenario.vars.iter()) {
        if known.contains_key(name) {
            continue;
        }
        if is_secret(name) {
            vars.set_placeholder(name);
            demo_logins.set(name, demo_logins.render(templates, value));
            known.insert(name.clone(), Value::String(placeholder(name)));
        } else {
            let rendered = vars.render(templates, value);
            vars.set(name, rendered.clone());
            demo_logins.set(name, rendered.clone());
            known.insert(name.clone(), rendered);
        }
    }
    vars.set("vars", Value::Object(known));

    let implicit = implicit_reads(scenario);
    let mut flow = Flow::new(target);
    let mut tracker = Tracker::default();
    let mut sequence = Vec::new();
    let stem = stem_of(scenario.file());
    let mut guide_steps = Vec::new();
    for step in &scenario.steps {
        let mut step_vars = vars.clone();
        let mut step_logins = demo_logins.clone();
        for scoped in &step.scope {
            let rendered = step_logins.render(templates, &scoped.value);
            step_logins.set(&scoped.name, rendered);
            if is_secret(&scoped.name) {
                step_vars.set_placeholder(&scoped.name);
            } else {
                let rendered = step_vars.render(templates, &scoped.value);
                step_vars.set(&scoped.name, rendered);
            }
        }
        let mut blocks = Vec::new();
        if let Some(note) = &step.note {
            blocks.push(Block::Text(step_vars.render_inline(templates, note)));
        }
        let looped = step.for_each.as_ref().map(|for_each| {
            let items = loop_items(&step_vars.render(templates, &for_each.items));
            let shown = match &for_each.items {
                Value::String(s) => format!("`{}`", step_vars.render_text(templates, s)),
                other => code_span(&other.to_string()),
            };
            step_vars.set_placeholder(&for_each.var);
            blocks.push(Block::Text(format!(
                "Repeated for each item of {shown}; below, `{}` is the current item.",
                placeholder(&for_each.var)
            )));
            (unmarked_name(&for_each.var), items, shown)
        });
        let checks: Vec<String> = step
            .expect
            .describe()
            .iter()
            .map(|c| step_vars.render_inline(templates, c))
            .collect();
        let equalities: Vec<(String, Value)> = step
            .expect
            .json_equalities()
            .into_iter()
            .map(|(path, value)| (path.as_str().to_owned(), step_vars.render(templates, value)))
            .collect();
        let params = step_vars.render(templates, &step.action.raw);
        let refusal = step.expect.expects_refusal();
        let input = StepInput {
            kind: step.action.kind,
            id: step.id.as_deref(),
            params: &params,
            demo_password: demo_password(step, &step_logins, templates, target),
            refusal,
            status: step.expect.expected_status(),
            equalities: &equalities,
        };
        let described = steps::describe(&input, &mut flow);
        blocks.extend(described.before);
        let mut reads = capture_reads(step, step.action.kind);
        if let Some(id) = &step.id {
            reads.extend(implicit.get(id).cloned().unwrap_or_default());
        }
        let keeps: Vec<String> = step
            .capture
            .names()
            .zip(step.capture.describe())
            .map(|(name, words)| format!("`{}`: {words}", placeholder(name)))
            .collect();
        if let Some(command) = described.command {
            let mut script = match command {
                Command::Http {
                    mut curl,
                    reads: mut action_reads,
                    display,
                } => {
                    action_reads.extend(reads.iter().filter_map(|r| match r {
                        StepRead::Answer(read) => Some(read.clone()),
                        StepRead::Redirect(..) => None,
                    }));
                    if let Some(retry) = step.retry.as_ref().filter(|_| !refusal) {
                        // `--retry-all-errors`: any refusal, as the engine retries any
                        // failure (and `--fail-with-body` makes a 4xx one).
                        let delay = retry.interval.as_secs_f64().ceil().max(1.0);
                        curl.options.push(format!(
                            "--retry {} --retry-delay {delay} --retry-all-errors",
                            retry.count
                        ));
                        curl.report = Report::FailQuietly;
                    }
                    let display = if refusal && action_reads.is_empty() {
                        // The status line and headers come first: the answer to expect
                        // below starts with its status.
                        curl.report = Report::Include;
                        Display::Raw
                    } else {
                        if refusal {
                            curl.report = Report::Plain;
                        }
                        match (display, step.action.kind) {
                            (Display::Raw, ActionKind::Request)
                                if !step.expect.json_equalities().is_empty()
                                    || answer_is_json(step) =>
                            {
                                Display::Json
                            }
                            _ => display,
                        }
                    };
                    shell::request(curl, &action_reads, display)
                }
                Command::Script(script) => {
                    let mut script = script;
                    for read in &reads {
                        if let StepRead::Redirect(line) = read {
                            script.push('\n');
                            script.push_str(line);
                        }
                    }
                    script
                }
            };
            if let Some((var, items, _)) = &looped {
                script = shell::each(var, items, &script);
            }
            blocks.push(Block::Code {
                lang: "shell",
                text: script,
            });
        }
        let found = snapshots(options.snapshots, &stem, step, target);
        if refusal {
            match found.first() {
                Some((path, block)) => {
                    blocks.push(Block::Text(format!(
                        "The answer to expect (from `{}`):",
                        path.display()
                    )));
                    blocks.push(block.clone());
                }
                None => {
                    blocks.push(Block::Text(
                        "The answer to expect (its status, and the fields the scenario checks):"
                            .to_owned(),
                    ));
                    blocks.push(Block::Code {
                        lang: "text",
                        text: expected_answer(input.status, &equalities),
                    });
                }
            }
        } else {
            blocks.extend(described.after);
            for (i, (path, block)) in found.iter().enumerate() {
                let which = match &looped {
                    Some((_, _, shown)) if found.len() > 1 => {
                        format!(" for item {} of {shown}", i + 1)
                    }
                    _ => String::new(),
                };
                blocks.push(Block::Text(format!(
                    "Expected response{which} (from `{}`):",
                    path.display()
                )));
                blocks.push(block.clone());
            }
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
        // from a rate-limiting bank is the usual reason); the command does so itself.
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
            let how = if refusal {
                ""
            } else {
                " (curl's `--retry` does it)"
            };
            blocks.push(Block::Text(format!(
                "While it fails, try {times}{upto}, {} apart{how}.",
                steps::human_duration(retry.interval)
            )));
        }
        if !keeps.is_empty() {
            blocks.push(Block::List {
                title: "Kept for later steps:".to_owned(),
                items: keeps,
            });
        }
        for name in step.capture.names() {
            vars.set_placeholder(name);
        }
        match described.effect {
            Effect::None => {}
            Effect::Authorised { again } => tracker.authorised(again),
            Effect::Exchanged => tracker.exchanged(),
            Effect::Waited(secs) => tracker.waited(secs),
            Effect::Extended => tracker.extended(),
            Effect::ExtensionNeedsTheUser => tracker.extension_needs_the_user(),
        }
        match &looped {
            Some((var, _, shown)) => sequence.push(Item::Loop {
                label: format!("for each ${var} of {}", shown.trim_matches('`')),
                items: described.diagram,
            }),
            None => sequence.extend(described.diagram),
        }
        let title = match &step.name {
            Some(name) => step_vars.render_text(templates, name),
            None => described.title,
        };
        guide_steps.push(GuideStep { title, blocks });
    }

    Guide {
        title: scenario.name.clone(),
        description: scenario.description.as_ref().map(|d| d.trim().to_owned()),
        source: scenario.file().display().to_string(),
        stem,
        sequence: Sequence { items: sequence },
        lifecycle: tracker.finish(),
        intro: super::intro::intro(target, &flow, &env_names(scenario)),
        steps: guide_steps,
    }
}

/// A value a step keeps: from its answer, or (for the dialog) from the redirect.
#[derive(Debug, Clone)]
enum StepRead {
    Answer(Read),
    /// A line of shell run after the dialog.
    Redirect(String),
}

/// What the step's `capture:` becomes in the shell.
fn capture_reads(step: &Step, kind: ActionKind) -> Vec<StepRead> {
    step.capture
        .sources()
        .map(|(name, from, _all)| {
            let var = unmarked_name(name);
            match (kind, from) {
                (ActionKind::AwaitCode | ActionKind::AuthLink, CaptureFrom::Json(query)) => {
                    StepRead::Redirect(local_read(kind, &var, query.as_str()))
                }
                (_, CaptureFrom::Json(query)) => match query.to_jq() {
                    Some(jq) => StepRead::Answer(Read::Json { var, jq }),
                    None => StepRead::Answer(Read::Line(format!(
                        "# {var}: {} in \"$RESPONSE\" (a JSONPath with no jq equivalent here)",
                        query.as_str()
                    ))),
                },
                (_, CaptureFrom::Header(header)) => StepRead::Answer(Read::Header {
                    var,
                    name: header.to_owned(),
                }),
                (_, CaptureFrom::Status) => StepRead::Answer(Read::Status { var }),
            }
        })
        .collect()
}

/// A value of the steps obflow answers itself: the auth link's (`url`, `state`, ...) and
/// the redirect's (`code`, `state`, `error`, `scope`).
fn local_read(kind: ActionKind, var: &str, path: &str) -> String {
    let field = path.trim_start_matches("$.").trim_start_matches('$');
    match (kind, field) {
        (ActionKind::AuthLink, "url") => format!("{var}=\"$AUTH_LINK\""),
        (ActionKind::AuthLink, "state") => format!("{var}=\"$STATE\""),
        (ActionKind::AuthLink, "nonce") => format!("{var}=\"$NONCE\""),
        (ActionKind::AuthLink, "redirect_uri") => format!("{var}=\"$REDIRECT_URI\""),
        (ActionKind::AwaitCode, "code") => format!("{var}=\"$CODE\""),
        (ActionKind::AwaitCode, name) if !name.is_empty() && !name.contains(['.', '[']) => {
            format!("{var}=$(query_param \"$REDIRECT_URL\" {name})")
        }
        _ => format!("# {var}: {path} of this step"),
    }
}

/// `steps.<id>.json...`, `.status` and `.headers.<name>` used by later steps: the steps
/// they name keep those values in the variables the later steps' placeholders are named
/// after (`steps.extend.json.user_input_link` is `$EXTEND_USER_INPUT_LINK`).
fn implicit_reads(scenario: &Scenario) -> BTreeMap<String, Vec<StepRead>> {
    static REFERENCE: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    let reference = REFERENCE.get_or_init(|| {
        Regex::new(
            r#"steps\.([A-Za-z][A-Za-z0-9_]*)\.(json|status|headers)((?:\.[A-Za-z_][A-Za-z0-9_]*|\[-?[0-9]+\]|\["[^"\]]*"\]|\['[^'\]]*'\])*)"#,
        )
        .expect("static regex")
    });
    let kinds: BTreeMap<&str, ActionKind> = scenario
        .steps
        .iter()
        .filter_map(|s| s.id.as_deref().map(|id| (id, s.action.kind)))
        .collect();
    let mut out: BTreeMap<String, Vec<StepRead>> = BTreeMap::new();
    for step in &scenario.steps {
        let mut text = step.action.raw.to_string();
        for (template, _) in step.expect.templates() {
            text.push('\n');
            text.push_str(template);
        }
        if let Some(f) = &step.for_each {
            text.push('\n');
            text.push_str(&f.items.to_string());
        }
        for c in reference.captures_iter(&text) {
            let id = &c[1];
            let Some(kind) = kinds.get(id) else { continue };
            let rest = c.get(3).map_or("", |m| m.as_str());
            let last = last_name(rest).unwrap_or(&c[2]);
            // As `values::fallback` names the placeholder.
            let var = unmarked_name(&format!("{id}_{last}"));
            let read = match (&c[2], *kind) {
                ("json", ActionKind::AuthLink | ActionKind::AwaitCode) => {
                    StepRead::Redirect(local_read(*kind, &var, &format!("${rest}")))
                }
                ("json", _) => {
                    let jq = if rest.is_empty() {
                        ".".to_owned()
                    } else {
                        rest.replace("['", "[\"").replace("']", "\"]")
                    };
                    StepRead::Answer(Read::Json { var, jq })
                }
                ("status", _) => StepRead::Answer(Read::Status { var }),
                _ => StepRead::Answer(Read::Header {
                    var,
                    // The header's name is the first member read: `.name` or `["x-name"]`.
                    name: rest
                        .trim_start_matches(['.', '[', '"', '\''])
                        .split(['.', '"', '\'', ']', '['])
                        .next()
                        .unwrap_or(last)
                        .to_owned(),
                }),
            };
            let reads = out.entry(id.to_owned()).or_default();
            if !reads.iter().any(|r| same_read(r, &read)) {
                reads.push(read);
            }
        }
    }
    out
}

fn same_read(a: &StepRead, b: &StepRead) -> bool {
    match (a, b) {
        (StepRead::Answer(a), StepRead::Answer(b)) => a == b,
        (StepRead::Redirect(a), StepRead::Redirect(b)) => a == b,
        _ => false,
    }
}

/// The last member name of `.a[0].b` or `["x"]`.
fn last_name(path: &str) -> Option<&str> {
    static NAME: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    let name = NAME.get_or_init(|| Regex::new(r"[A-Za-z_][A-Za-z0-9_]*").expect("static regex"));
    name.find_iter(path).last().map(|m| m.as_str())
}

/// `env.NAME` read anywhere in the steps: the reader exports them.
fn env_names(scenario: &Scenario) -> Vec<String> {
    static ENV: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    let env =
        ENV.get_or_init(|| Regex::new(r"env\.([A-Za-z_][A-Za-z0-9_]*)").expect("static regex"));
    let mut names = BTreeSet::new();
    for step in &scenario.steps {
        for c in env.captures_iter(&step.action.raw.to_string()) {
            names.insert(unmarked_name(&c[1]));
        }
    }
    names.into_iter().collect()
}

/// The shell variable a placeholder stands for: `account_id` is `ACCOUNT_ID`.
fn unmarked_name(name: &str) -> String {
    super::values::unmark(&placeholder(name))
        .trim_start_matches('$')
        .to_owned()
}

/// What a `for_each` goes over in the shell: a captured list (one item per line), or the
/// items written in the scenario.
fn loop_items(items: &Value) -> Items {
    match items {
        Value::String(s) if has_placeholder(s) => Items::Lines(unmarked_name(
            super::values::unmark(s).trim_start_matches('$'),
        )),
        Value::Array(list) => Items::Words(
            list.iter()
                .map(|v| shell_word(&crate::scenario::model::value_to_text(v)))
                .collect(),
        ),
        other => Items::Words(vec![shell_word(&crate::scenario::model::value_to_text(
            other,
        ))]),
    }
}

/// Whether a `request` step reads its answer as JSON (checks or captures on it).
fn answer_is_json(step: &Step) -> bool {
    step.capture
        .sources()
        .any(|(_, from, _)| matches!(from, CaptureFrom::Json(_)))
        || step.expect.describe().iter().any(|c| c.starts_with("`$"))
}

/// The password `await_code` types against a mock, when it is one of the mock's published
/// demo logins: the user's own (no `password:`), or the one the scenario gives.
fn demo_password(
    step: &Step,
    logins: &StaticVars,
    templates: &Templates,
    target: &DocTarget,
) -> Option<String> {
    if step.action.kind != ActionKind::AwaitCode || !target.is_mock {
        return None;
    }
    let params = logins.render(templates, &step.action.raw);
    let text = |key: &str| {
        params
            .get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let user = text("user").unwrap_or_else(|| "john".to_owned());
    let password = text("password").or_else(|| crate::protocol::builtin_password(&user))?;
    crate::protocol::is_builtin_login(&user, &password).then_some(password)
}

/// `HTTP 400` and, as JSON, the fields a refused step's checks name with a plain value.
fn expected_answer(status: Option<u64>, equalities: &[(String, Value)]) -> String {
    let mut body = Map::new();
    for (path, value) in equalities {
        let Some(names) = path.strip_prefix("$.") else {
            continue;
        };
        let names: Vec<&str> = names.split('.').collect();
        if names
            .iter()
            .any(|n| n.is_empty() || !n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        {
            continue;
        }
        insert_at(&mut body, &names, value.clone());
    }
    let mut out = match status {
        Some(s) => format!("HTTP {s}"),
        None => "HTTP 4xx".to_owned(),
    };
    if !body.is_empty() {
        out.push_str("\n\n");
        out.push_str(&serde_json::to_string_pretty(&Value::Object(body)).unwrap_or_default());
    }
    out
}

fn insert_at(map: &mut Map<String, Value>, names: &[&str], value: Value) {
    match names {
        [] => {}
        [last] => {
            map.insert((*last).to_owned(), value);
        }
        [first, rest @ ..] => {
            let entry = map
                .entry((*first).to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(inner) = entry {
                insert_at(inner, rest, value);
            }
        }
    }
}

fn stem_of(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "guide".to_owned())
}

/// What a typed step checks when the scenario writes no `expect`.
fn default_checks(kind: ActionKind) -> Vec<String> {
    match kind {
        ActionKind::AwaitCode => vec!["the redirect brings a code".to_owned()],
        ActionKind::Request | ActionKind::AuthLink | ActionKind::Wait => Vec::new(),
        _ => vec!["the request succeeds (a 2xx status)".to_owned()],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_answer_shows_the_checked_fields() {
        let text = expected_answer(
            Some(400),
            &[
                ("$.error".to_owned(), json!("invalid_grant")),
                ("$.a.b".to_owned(), json!(1)),
                ("$.list[0]".to_owned(), json!("skipped")),
            ],
        );
        assert_eq!(
            text,
            "HTTP 400\n\n{\n  \"error\": \"invalid_grant\",\n  \"a\": {\n    \"b\": 1\n  }\n}"
        );
    }
}
