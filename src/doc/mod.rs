//! `obflow doc`: scenarios rendered as step-by-step integration guides, in the style of
//! TrueLayer's own (numbered stages, curl commands with `$CLIENT_ID`-style placeholders,
//! expected responses).
//!
//! A guide is built statically from the loaded scenario; nothing is sent. This module owns
//! the guide's structure ([`Guide`]: a title, an introduction, numbered steps made of
//! [`Block`]s), the hosts it shows ([`DocTarget`]), expected responses from snapshot files,
//! and writing the files. `steps` says what each action looks like, `curl` builds commands,
//! `values` renders templates and placeholders, `markdown` and `html` print a guide.
//!
//! Secrets never appear: credentials, codes and tokens are always placeholders, secret
//! variables render as placeholders, and the finished text is scrubbed of every secret
//! value obflow knows of as a last guard.

mod curl;
mod html;
mod markdown;
mod steps;
mod values;

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::check::matcher::code_span;
use crate::diagnostic::Diagnostic;
use crate::scenario::{ActionKind, Scenario};
use crate::secret::{Redactor, is_secret_field, is_secret_name};
use crate::target::{DEFAULT_REDIRECT_URI, ProjectConfig};
use crate::template::Templates;
use values::{StaticVars, placeholder, unmark};

/// Where `obflow mock` listens by default: what guides for the `mock` target show.
pub const MOCK_DEFAULT_URL: &str = "http://127.0.0.1:8080";

/// The command that regenerates the committed guides.
pub const REFRESH_COMMAND: &str = "cargo run -- doc scenarios --out docs/guides";

/// The hosts a guide shows. Unlike a run's target it needs no credentials: guides only
/// ever show placeholders for them.
#[derive(Debug, Clone)]
pub struct DocTarget {
    pub name: String,
    pub auth_url: String,
    pub api_url: String,
    pub redirect_uri: String,
    pub providers: Vec<String>,
    pub is_mock: bool,
}

impl DocTarget {
    /// `sandbox`, `live`, `mock` (`obflow mock` on its default port), or a target of the
    /// project file.
    pub fn resolve(name: &str, config: &ProjectConfig) -> Result<DocTarget, Diagnostic> {
        let make = |auth: &str, api: &str, is_mock: bool| DocTarget {
            name: name.to_owned(),
            auth_url: auth.trim_end_matches('/').to_owned(),
            api_url: api.trim_end_matches('/').to_owned(),
            redirect_uri: DEFAULT_REDIRECT_URI.to_owned(),
            providers: vec!["uk-cs-mock".to_owned()],
            is_mock,
        };
        if let Some(custom) = config.targets.get(name) {
            let mut target = make(
                &custom.auth_url,
                custom.api_url.as_deref().unwrap_or(&custom.auth_url),
                custom.mock,
            );
            if let Some(uri) = &custom.redirect_uri {
                target.redirect_uri = uri.clone();
            }
            if let Some(providers) = &custom.providers {
                target.providers = providers.clone();
            }
            return Ok(target);
        }
        match name {
            "sandbox" => Ok(make(
                "https://auth.truelayer-sandbox.com",
                "https://api.truelayer-sandbox.com",
                false,
            )),
            "live" => Ok(make(
                "https://auth.truelayer.com",
                "https://api.truelayer.com",
                false,
            )),
            "mock" => Ok(make(MOCK_DEFAULT_URL, MOCK_DEFAULT_URL, true)),
            other => {
                let mut names: Vec<&str> = vec!["sandbox", "live", "mock"];
                names.extend(config.targets.keys().map(String::as_str));
                let d = Diagnostic::new(format!("unknown target `{other}`"));
                Err(
                    match crate::diagnostic::closest(other, names.iter().copied()) {
                        Some(s) => d.help(format!("did you mean `{s}`?")),
                        None => d.help(format!("use one of: {}", names.join(", "))),
                    },
                )
            }
        }
    }
}

/// The output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Markdown,
    Html,
}

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Format::Markdown => "md",
            Format::Html => "html",
        }
    }
}

/// One scenario as a guide.
#[derive(Debug, Clone)]
pub struct Guide {
    pub title: String,
    pub description: Option<String>,
    /// The scenario file, as the user named it.
    pub source: String,
    /// The file name the guide is written to, without extension.
    pub stem: String,
    pub intro: Vec<Block>,
    pub steps: Vec<GuideStep>,
}

#[derive(Debug, Clone)]
pub struct GuideStep {
    pub title: String,
    pub blocks: Vec<Block>,
}

/// A piece of a guide. Text is Markdown limited to code spans, which both renderers know.
#[derive(Debug, Clone)]
pub enum Block {
    Text(String),
    Code { lang: &'static str, text: String },
    List { title: String, items: Vec<String> },
}

/// What building guides needs besides the scenarios.
pub struct GuideOptions<'a> {
    pub target: &'a DocTarget,
    pub templates: &'a Templates,
    /// `--var` values, which win over the scenario's `vars` as in a run.
    pub cli_vars: &'a [(String, Value)],
    /// Where `<scenario-stem>__<step>.snap` files are looked for.
    pub snapshots: &'a Path,
}

/// Why guides could not be written.
#[derive(Debug, thiserror::Error)]
pub enum DocError {
    #[error("cannot write `{path}`: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("`{first}` and `{second}` would both be written to `{file}`")]
    SameOutput {
        first: String,
        second: String,
        file: String,
    },
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

/// The step's snapshot, `<snapshots>/<scenario-stem>__<step id or name>.snap`, as a code
/// block: the body after the header's closing `---`, secret fields hidden.
fn snapshot(dir: &Path, stem: &str, step: &crate::scenario::Step) -> Option<(PathBuf, Block)> {
    let mut keys: Vec<String> = Vec::new();
    keys.extend(step.id.clone());
    if let Some(name) = &step.name {
        keys.push(name.clone());
        keys.push(slug(name));
    }
    let (path, text) = keys.iter().find_map(|key| {
        let path = dir.join(format!("{stem}__{key}.snap"));
        std::fs::read_to_string(&path).ok().map(|t| (path, t))
    })?;
    let body = snapshot_body(&text).trim();
    let block = match serde_json::from_str::<Value>(body) {
        Ok(json) => Block::Code {
            lang: "json",
            text: serde_json::to_string_pretty(&hide_secrets(&json)).unwrap_or_default(),
        },
        Err(_) => Block::Code {
            lang: "text",
            text: body.to_owned(),
        },
    };
    Some((path, block))
}

/// An insta `.snap` file is `---`, a header, `---`, then the body.
fn snapshot_body(text: &str) -> &str {
    let Some(rest) = text.strip_prefix("---\n") else {
        return text;
    };
    match rest.find("\n---\n") {
        Some(end) => &rest[end + 5..],
        None => rest,
    }
}

fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_matches('_').to_owned()
}

/// Snapshots are redacted when written; a value under a secret field name that still looks
/// real is hidden here too.
fn hide_secrets(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let shown = if is_secret_field(k) && v.is_string() {
                        Value::String(crate::secret::PLACEHOLDER.to_owned())
                    } else {
                        hide_secrets(v)
                    };
                    (k.clone(), shown)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(hide_secrets).collect()),
        other => other.clone(),
    }
}

/// The last guard: placeholders become `$NAME`, and any secret value obflow knows of (the
/// mock's demo secret, the scenario's secret variables) is scrubbed.
fn finish(text: &str, redactor: &Redactor) -> String {
    redactor.redact(&unmark(text)).into_owned()
}

/// Secrets to scrub from guides of these scenarios.
fn redactor_for(scenarios: &[Scenario], cli_vars: &[(String, Value)]) -> Redactor {
    let redactor = Redactor::new();
    redactor.add(crate::mock::DEMO_CLIENT_SECRET);
    for scenario in scenarios {
        for (name, value) in scenario.vars.iter().chain(cli_vars.iter()) {
            if is_secret_name(name) || scenario.secrets.contains(name) {
                redactor.add_json(value);
            }
        }
        for step in &scenario.steps {
            for scoped in &step.scope {
                if is_secret_name(&scoped.name) {
                    redactor.add_json(&scoped.value);
                }
            }
        }
    }
    redactor
}

/// Every guide in one document, for stdout.
pub fn render_all(
    scenarios: &[Scenario],
    guides: &[Guide],
    format: Format,
    cli_vars: &[(String, Value)],
) -> String {
    let redactor = redactor_for(scenarios, cli_vars);
    let text = match format {
        Format::Markdown => guides
            .iter()
            .map(markdown::guide)
            .collect::<Vec<_>>()
            .join("\n---\n\n"),
        Format::Html => {
            let body: String = guides.iter().map(html::guide).collect();
            let title = match guides {
                [one] => one.title.as_str(),
                _ => "Integration guides",
            };
            html::page(title, &body)
        }
    };
    finish(&text, &redactor)
}

/// Writes one file per guide and an index into `dir`; returns the files written.
pub fn write_all(
    scenarios: &[Scenario],
    guides: &[Guide],
    format: Format,
    target: &DocTarget,
    cli_vars: &[(String, Value)],
    dir: &Path,
) -> Result<Vec<PathBuf>, DocError> {
    let redactor = redactor_for(scenarios, cli_vars);
    let ext = format.extension();
    let mut seen: std::collections::BTreeMap<String, &str> = Default::default();
    for guide in guides {
        let file = format!("{}.{ext}", guide.stem);
        if let Some(first) = seen.insert(file.clone(), &guide.source) {
            return Err(DocError::SameOutput {
                first: first.to_owned(),
                second: guide.source.clone(),
                file,
            });
        }
    }
    std::fs::create_dir_all(dir).map_err(|source| DocError::Write {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut files = Vec::new();
    let mut write = |name: String, text: String| -> Result<(), DocError> {
        let path = dir.join(name);
        std::fs::write(&path, finish(&text, &redactor)).map_err(|source| DocError::Write {
            path: path.clone(),
            source,
        })?;
        files.push(path);
        Ok(())
    };
    for guide in guides {
        let text = match format {
            Format::Markdown => markdown::guide(guide),
            Format::Html => html::page(&guide.title, &html::guide(guide)),
        };
        write(format!("{}.{ext}", guide.stem), text)?;
    }
    let index = match format {
        Format::Markdown => markdown::index(guides, target),
        Format::Html => html::page("Integration guides", &html::index(guides, target)),
    };
    write(format!("index.{ext}"), index)?;
    Ok(files)
}

/// The first sentence of a description, for the index.
fn summary(description: &str) -> String {
    let flat = description.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.find(". ") {
        Some(end) => flat[..=end].to_owned(),
        None => flat,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_bodies_follow_the_second_separator() {
        let text = "---\nsource: x\nexpression: y\n---\n{\"a\": 1}\n";
        assert_eq!(snapshot_body(text), "{\"a\": 1}\n");
        assert_eq!(snapshot_body("plain"), "plain");
    }

    #[test]
    fn slugs_and_summaries() {
        assert_eq!(
            slug("Call the Signup+ endpoint"),
            "call_the_signup_endpoint"
        );
        assert_eq!(summary("One. Two."), "One.");
    }
}
