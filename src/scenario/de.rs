//! From a scenario file's text to its document, and the checks every template in it gets:
//! syntax, variables that nobody defined, and filters, tests and functions that do not exist.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;

use serde_json::Value;

use crate::source::{Diagnostic, SourceFile, YamlPath, closest};
use crate::template::{NameKind, Templates, UnknownName};

pub use crate::source::deserialize;

/// Reads a scenario (or shared flow) file: one YAML document that is a mapping.
pub fn parse_document(path: PathBuf, text: String) -> Result<(Arc<SourceFile>, Value), Diagnostic> {
    let (source, value) = SourceFile::parse(path, text)?;
    if !value.is_object() {
        return Err(source
            .error_at(&YamlPath::root(), "a scenario file must be a mapping")
            .help("start the file with `name:` and `steps:`"));
    }
    Ok((Arc::new(source), value))
}

/// Whether any string inside `value` holds template syntax.
pub fn contains_template(value: &Value) -> bool {
    match value {
        Value::String(s) => Templates::is_template(s),
        Value::Array(items) => items.iter().any(contains_template),
        Value::Object(map) => map
            .iter()
            .any(|(k, v)| Templates::is_template(k) || contains_template(v)),
        _ => false,
    }
}

/// Checks every template string inside `value`: syntax, and that each variable it reads is
/// known at that point of the scenario.
pub fn check_templates(
    value: &Value,
    path: &YamlPath,
    source: &SourceFile,
    templates: &Templates,
    known: &BTreeSet<String>,
    errors: &mut Vec<Diagnostic>,
) {
    match value {
        Value::String(s) if Templates::is_template(s) => match templates.validate(s) {
            Ok(found) => {
                used::record(&found.variables);
                for unknown in &found.unknown {
                    errors.push(unknown_name(unknown, path, source, templates, known));
                }
                let fields = super::load::SESSION_FIELDS.iter().copied();
                for field in found
                    .session_fields
                    .iter()
                    .filter(|f| !super::load::SESSION_FIELDS.contains(&f.as_str()))
                {
                    let range = s.find(&format!("session.{field}")).map(|byte| {
                        let start = s[..byte].chars().count() + "session.".len();
                        (start, start + field.chars().count())
                    });
                    let d = source.error_in_scalar(
                        path,
                        range,
                        format!("`session` has no field `{field}`"),
                    );
                    errors.push(match closest(field, fields.clone()) {
                        Some(s) => d.help(format!("did you mean `session.{s}`?")),
                        None => d.help(format!(
                            "the session's fields are {}",
                            super::load::SESSION_FIELDS.join(", ")
                        )),
                    });
                }
                for name in found
                    .variables
                    .iter()
                    .filter(|n| !known.contains(n.as_str()))
                {
                    let range = s.find(name.as_str()).map(|byte| {
                        let start = s[..byte].chars().count();
                        (start, start + name.chars().count())
                    });
                    let mut d =
                        source.error_in_scalar(path, range, format!("undefined variable `{name}`"));
                    d = match closest(name, known.iter().map(String::as_str)) {
                        Some(s) => d.help(format!("did you mean `{s}`?")),
                        None => d.help(
                            "define it under `vars`, capture it in an earlier step, or pass `--var`",
                        ),
                    };
                    errors.push(d);
                }
            }
            Err(err) => errors.push(
                source
                    .error_in_scalar(path, err.char_range, format!("template error: {err}"))
                    .help("templates use minijinja syntax: `{{ name }}`, `{{ value | filter }}`"),
            ),
        },
        // Only a branch that holds a template gets a path: most hold none.
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                if contains_template(item) {
                    check_templates(item, &path.index(i), source, templates, known, errors);
                }
            }
        }
        Value::Object(map) => {
            for (k, v) in map {
                if contains_template(v) {
                    check_templates(v, &path.key(k.clone()), source, templates, known, errors);
                }
            }
        }
        _ => {}
    }
}

/// The error for a filter, test or function the environment does not define, at the name.
fn unknown_name(
    unknown: &UnknownName,
    path: &YamlPath,
    source: &SourceFile,
    templates: &Templates,
    known: &BTreeSet<String>,
) -> Diagnostic {
    let UnknownName { kind, name, .. } = unknown;
    let range = Some(unknown.char_range);
    if *kind == NameKind::Function && known.contains(name) {
        return source
            .error_in_scalar(
                path,
                range,
                format!("`{name}` is a variable, not a function"),
            )
            .help(format!("write `{name}` without the parentheses"));
    }
    let d = source.error_in_scalar(path, range, format!("unknown {} `{name}`", kind.as_str()));
    match unknown.suggestion {
        Some(s) => d.help(format!("did you mean `{s}`?")),
        None => d.help(match kind {
            NameKind::Filter => format!(
                "obflow's filters are {}; minijinja's built-ins are listed at \
                 https://docs.rs/minijinja/latest/minijinja/filters/",
                templates.names_for_help(NameKind::Filter).join(", ")
            ),
            NameKind::Test => "the tests are minijinja's built-ins, listed at \
                 https://docs.rs/minijinja/latest/minijinja/tests/"
                .to_owned(),
            NameKind::Function => format!(
                "the functions are {}",
                (templates.names_for_help(NameKind::Function).iter())
                    .map(|name| format!("{name}()"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }),
    }
}

/// The root names a scenario's templates read, gathered while its file loads, so that a
/// `--var` no selected scenario reads can be pointed out. Template checks happen in every
/// corner of the loader with what is known there; what they read is a by-product, gathered
/// per loading thread (a file loads on one thread, start to end) rather than threaded through
/// every call.
pub(super) mod used {
    use std::cell::RefCell;
    use std::collections::BTreeSet;

    thread_local! {
        static USED: RefCell<Option<BTreeSet<String>>> = const { RefCell::new(None) };
    }

    /// Runs `load`, and returns what it returned with the names its templates read.
    pub fn gather<R>(load: impl FnOnce() -> R) -> (R, BTreeSet<String>) {
        let outer = USED.with(|u| u.replace(Some(BTreeSet::new())));
        let result = load();
        let names = USED.with(|u| u.replace(outer)).unwrap_or_default();
        (result, names)
    }

    pub fn record(names: &BTreeSet<String>) {
        USED.with(|u| {
            if let Some(used) = u.borrow_mut().as_mut() {
                used.extend(names.iter().cloned());
            }
        });
    }
}
