//! Loading: paths on disk to validated [`Scenario`]s.
//!
//! Every file is read and checked before anything runs, and every problem of every file is
//! collected, so one `obflow check` shows all there is to fix. Each problem is a located
//! [`Diagnostic`] (file:line:col, the source line, a caret, and what to do).

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use regex::Regex;
use serde_json::Value;

use super::model::{
    ACTION_KEYWORDS, Action, RequestFields, RequestSpec, STEP_KEYS, Scenario, ScenarioHeader, Step,
    read_timeout,
};
use super::{SourceFile, YamlPath};
use crate::check::{CaptureSet, Expectation};
use crate::diagnostic::{Diagnostic, closest};
use crate::template::Templates;

/// Root names every template may use besides variables and captures.
pub const BUILTIN_ROOTS: &[&str] = &["env", "steps", "vars", "scenario"];

/// What loading needs to know beyond the files.
#[derive(Debug, Default, Clone)]
pub struct LoadOptions {
    /// Names set with `--var`: templates may use them even if no file defines them.
    pub cli_var_names: BTreeSet<String>,
}

/// The scenario files found under `paths`: files as given, directories searched recursively
/// for `*.yaml` / `*.yml`, skipping entries whose name starts with `.` or `_` (shared flows
/// meant for `include`, editor files). Sorted, without duplicates.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>, Vec<Diagnostic>> {
    let mut found = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => walk(path, &mut found, &mut errors),
            Ok(_) => found.push(path.clone()),
            Err(err) => errors.push(
                Diagnostic::new(format!("cannot read `{}`: {err}", path.display()))
                    .help("pass scenario files or directories that exist"),
            ),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    found.sort();
    found.dedup();
    Ok(found)
}

fn walk(dir: &Path, found: &mut Vec<PathBuf>, errors: &mut Vec<Diagnostic>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) => {
            errors.push(Diagnostic::new(format!(
                "cannot read directory `{}`: {err}",
                dir.display()
            )));
            return;
        }
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') || name.starts_with('_') {
            continue;
        }
        let path = entry.path();
        match entry.file_type() {
            Ok(t) if t.is_dir() => walk(&path, found, errors),
            Ok(_) if name.ends_with(".yaml") || name.ends_with(".yml") => found.push(path),
            _ => {}
        }
    }
}

/// Loads and validates every file; all problems of all files, or all scenarios.
pub fn load_files(
    files: &[PathBuf],
    options: &LoadOptions,
    templates: &Templates,
) -> Result<Vec<Scenario>, Vec<Diagnostic>> {
    let mut scenarios = Vec::new();
    let mut errors = Vec::new();
    for file in files {
        match std::fs::read_to_string(file) {
            Ok(text) => {
                let source = Arc::new(SourceFile::new(file.clone(), text));
                match load_source(source, options, templates) {
                    Ok(s) => scenarios.push(s),
                    Err(mut e) => errors.append(&mut e),
                }
            }
            Err(err) => errors.push(Diagnostic::new(format!(
                "cannot read `{}`: {err}",
                file.display()
            ))),
        }
    }
    if errors.is_empty() {
        Ok(scenarios)
    } else {
        Err(errors)
    }
}

/// Loads one scenario from its source text.
pub fn load_source(
    source: Arc<SourceFile>,
    options: &LoadOptions,
    templates: &Templates,
) -> Result<Scenario, Vec<Diagnostic>> {
    let value: Value = match serde_yaml_ng::from_str(&source.text) {
        Ok(v) => v,
        Err(err) => return Err(vec![yaml_syntax_error(&source, &err)]),
    };
    let root = YamlPath::root();
    if let Some((path, mark)) = source.map.duplicate_keys().first() {
        let key = match path.0.last() {
            Some(super::PathSeg::Key(k)) => k.clone(),
            _ => String::new(),
        };
        let loc = crate::diagnostic::Location::new(source.path.clone(), mark.line, mark.col);
        return Err(vec![
            source
                .error_at_location(loc, format!("duplicate key `{key}`"))
                .note(format!("first written at {}", source.key_location(path)))
                .help("a key may appear once in a mapping: remove or rename one of them"),
        ]);
    }
    if !value.is_object() {
        return Err(vec![
            source
                .error_at(&root, "a scenario file must be a mapping")
                .help("start the file with `name:` and `steps:`"),
        ]);
    }
    let header: ScenarioHeader = deserialize(&value, &source, &root)?;
    let mut errors = Vec::new();

    if header.steps.is_empty() {
        errors.push(
            source
                .error_at(&root.key("steps"), "`steps` is empty")
                .help("add at least one step, e.g. `- request: { url: ... }`"),
        );
    }

    // Names templates may use, growing as steps capture values.
    let mut known: BTreeSet<String> = BUILTIN_ROOTS.iter().map(|s| s.to_string()).collect();
    known.extend(options.cli_var_names.iter().cloned());
    let mut vars = Vec::new();
    for (name, value) in &header.vars {
        let path = root.key("vars").key(name);
        check_templates(value, &path, &source, templates, &known, &mut errors);
        known.insert(name.clone());
        vars.push((name.clone(), value.clone()));
    }
    for secret in &header.secrets {
        if !header.vars.contains_key(secret) && !options.cli_var_names.contains(secret) {
            let suggestion = closest(secret, header.vars.keys().map(String::as_str));
            let mut d = source.error_at(
                &root.key("secrets"),
                format!("`{secret}` is listed in `secrets` but is not a variable"),
            );
            if let Some(s) = suggestion {
                d = d.help(format!("did you mean `{s}`?"));
            }
            errors.push(d);
        }
    }

    let mut ids: HashMap<String, YamlPath> = HashMap::new();
    let mut steps = Vec::new();
    for (index, raw) in header.steps.iter().enumerate() {
        let path = root.key("steps").index(index);
        match load_step(index, raw, &path, &source, templates, &known) {
            Ok(step) => {
                if let Some(id) = &step.id {
                    if let Some(first) = ids.get(id) {
                        let first_loc = source.location(&first.key("id"));
                        errors.push(
                            source
                                .error_at(&path.key("id"), format!("duplicate step id `{id}`"))
                                .note(format!("first used at {first_loc}"))
                                .help("give every step a unique id"),
                        );
                    } else {
                        ids.insert(id.clone(), path.clone());
                    }
                }
                known.extend(step.capture.names().map(str::to_owned));
                steps.push(step);
            }
            Err(mut e) => errors.append(&mut e),
        }
    }

    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Scenario {
        name: header.name,
        description: header.description,
        tags: header.tags,
        vars,
        secrets: header.secrets,
        steps,
        location: source.location(&root.key("name")),
        source,
    })
}

fn load_step(
    index: usize,
    raw: &Value,
    path: &YamlPath,
    source: &SourceFile,
    templates: &Templates,
    known: &BTreeSet<String>,
) -> Result<Step, Vec<Diagnostic>> {
    let Some(map) = raw.as_object() else {
        return Err(vec![
            source
                .error_at(path, "a step must be a mapping")
                .help("write a step as `- request: {...}` with optional `id`, `expect`, `capture`"),
        ]);
    };
    let mut errors = Vec::new();
    let mut actions = Vec::new();
    for key in map.keys() {
        if ACTION_KEYWORDS.contains(&key.as_str()) {
            actions.push(key.as_str());
        } else if !STEP_KEYS.contains(&key.as_str()) {
            let all = ACTION_KEYWORDS.iter().chain(STEP_KEYS).copied();
            let mut d = source.error_at_key(&path.key(key), format!("unknown step key `{key}`"));
            d = match closest(key, all) {
                Some(s) => d.help(format!("did you mean `{s}`?")),
                None => d.help(format!(
                    "a step has one action ({}) and may have {}",
                    ACTION_KEYWORDS.join(", "),
                    STEP_KEYS.join(", ")
                )),
            };
            errors.push(d);
        }
    }
    let action_key = match actions.as_slice() {
        [one] => Some(*one),
        [] => {
            if errors.is_empty() {
                errors.push(
                    source
                        .error_at(path, "this step has no action")
                        .help(format!("add one of: {}", ACTION_KEYWORDS.join(", "))),
                );
            }
            None
        }
        [first, second, ..] => {
            errors.push(
                source
                    .error_at_key(
                        &path.key(*second),
                        format!("this step has two actions, `{first}` and `{second}`"),
                    )
                    .help("a step does one thing: split it into two steps"),
            );
            None
        }
    };

    let id = match map.get("id") {
        None => None,
        Some(Value::String(s)) if is_valid_id(s) => Some(s.clone()),
        Some(other) => {
            errors.push(
                source
                    .error_at(
                        &path.key("id"),
                        format!("invalid step id `{}`", super::model::value_to_text(other)),
                    )
                    .help("use letters, digits, `_` and `-`, starting with a letter"),
            );
            None
        }
    };
    let name = match map.get("name") {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => {
            errors.push(source.error_at(&path.key("name"), "a step's `name` must be text"));
            None
        }
    };

    let expect = match map.get("expect") {
        Some(raw) => Expectation::parse(raw, source, &path.key("expect")),
        None => Ok(Expectation::default()),
    };
    let capture = match map.get("capture") {
        Some(raw) => CaptureSet::parse(raw, source, &path.key("capture")),
        None => Ok(CaptureSet::default()),
    };
    let expect = expect.map_err(|mut e| errors.append(&mut e)).ok();
    let capture = capture.map_err(|mut e| errors.append(&mut e)).ok();

    let action = action_key.and_then(|key| {
        let action_path = path.key(key);
        let raw = &map[key];
        match key {
            "request" => load_request(raw, &action_path, source)
                .map(Action::Request)
                .map_err(|mut e| errors.append(&mut e))
                .ok(),
            _ => unreachable!("every action keyword is handled"),
        }
    });

    // Templates anywhere in the step may use what earlier steps captured, not later ones.
    for (key, value) in map {
        if key != "capture" {
            check_templates(value, &path.key(key), source, templates, known, &mut errors);
        }
    }

    match (action, expect, capture) {
        (Some(action), Some(expect), Some(capture)) if errors.is_empty() => Ok(Step {
            index,
            id,
            name,
            action,
            expect,
            capture,
            location: source.location(path),
            path: path.clone(),
        }),
        _ => Err(errors),
    }
}

fn load_request(
    raw: &Value,
    path: &YamlPath,
    source: &SourceFile,
) -> Result<RequestSpec, Vec<Diagnostic>> {
    let fields: RequestFields = deserialize(raw, source, path)?;
    let mut errors = Vec::new();
    let bodies = [
        fields.form.is_some(),
        fields.json.is_some(),
        fields.body.is_some(),
    ];
    if bodies.iter().filter(|b| **b).count() > 1 {
        errors.push(
            source
                .error_at(
                    path,
                    "a request has at most one body: `form`, `json` or `body`",
                )
                .help("keep one of them"),
        );
    }
    if !Templates::is_template(&fields.method)
        && reqwest::Method::from_bytes(fields.method.to_ascii_uppercase().as_bytes()).is_err()
    {
        errors.push(
            source
                .error_at(
                    &path.key("method"),
                    format!("`{}` is not an HTTP method", fields.method),
                )
                .help("use GET, POST, PUT, PATCH, DELETE, HEAD or OPTIONS"),
        );
    }
    if let Some(timeout) = &fields.timeout {
        let templated = timeout.as_str().is_some_and(Templates::is_template);
        if !templated && let Err(msg) = read_timeout(timeout) {
            errors.push(source.error_at(&path.key("timeout"), msg));
        }
    }
    if errors.is_empty() {
        Ok(RequestSpec {
            raw: raw.clone(),
            path: path.clone(),
        })
    } else {
        Err(errors)
    }
}

/// Step ids are used as template names (`steps.<id>`), so they must be identifiers.
fn is_valid_id(id: &str) -> bool {
    let mut chars = id.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

