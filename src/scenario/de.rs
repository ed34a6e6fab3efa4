//! From YAML text and serde errors to located diagnostics: syntax errors, unknown keys with
//! suggestions, wrong types, and templates that use variables nobody defined.

use std::collections::BTreeSet;

use regex::Regex;
use serde_json::Value;

use super::{SourceFile, YamlPath};
use crate::diagnostic::{Diagnostic, closest};
use crate::template::Templates;

/// Parses a YAML document into a JSON value, refusing syntax errors and duplicate keys.
pub fn parse_document(source: &SourceFile) -> Result<Value, Diagnostic> {
    // Most files are read by hand or from libyaml's events; serde_yaml_ng reads the rest, and
    // says what is wrong with a file that does not parse.
    let read = super::yaml::read_simple_document(&source.text)
        .map_or_else(|| read_with_serde(&source.text), Ok);
    let value = match read {
        Ok(value) => value,
        Err(e) if e.to_string().contains(DUPLICATE_KEY) => {
            return Err(duplicate_key_error(source, &e));
        }
        Err(e) => return Err(yaml_syntax_error(source, &e)),
    };
    if !value.is_object() {
        return Err(source
            .error_at(&YamlPath::root(), "a scenario file must be a mapping")
            .help("start the file with `name:` and `steps:`"));
    }
    Ok(value)
}

/// The document `text` holds, read by serde_yaml_ng.
pub(super) fn read_with_serde(text: &str) -> Result<Value, serde_yaml_ng::Error> {
    serde_yaml_ng::from_str::<Document>(text).map(|Document(value)| value)
}

/// A YAML document as a JSON value, like `serde_json::Value`'s own `Deserialize`, except
/// that a key written twice in one mapping is an error (serde_json keeps the last silently).
/// The error carries no position: only then is the file's source map built, to say where
/// both keys are, so a valid file is parsed once.
struct Document(Value);

/// The message of the error [`Document`] raises on a duplicate key (serde_yaml_ng puts the
/// path to the mapping before it).
const DUPLICATE_KEY: &str = "duplicate key";

impl<'de> serde::Deserialize<'de> for Document {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(DocumentVisitor).map(Document)
    }
}

struct DocumentVisitor;

impl<'de> serde::de::Visitor<'de> for DocumentVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        // As serde_json: a number JSON cannot hold (`.nan`, `.inf`) becomes null.
        Ok(Value::from(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(DocumentVisitor)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(Document(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        use serde::de::Error;
        use serde_json::map::Entry;
        let mut entries = serde_json::Map::with_capacity(map.size_hint().unwrap_or(0));
        while let Some(key) = map.next_key::<String>()? {
            // One lookup per key: the vacant entry takes the value once it is read.
            match entries.entry(key) {
                Entry::Occupied(taken) => {
                    return Err(A::Error::custom(format!(
                        "{DUPLICATE_KEY} `{}`",
                        taken.key()
                    )));
                }
                Entry::Vacant(slot) => {
                    let Document(value) = map.next_value()?;
                    slot.insert(value);
                }
            }
        }
        Ok(Value::Object(entries))
    }
}

/// A key written twice, located from the source map (which records both keys).
fn duplicate_key_error(source: &SourceFile, err: &serde_yaml_ng::Error) -> Diagnostic {
    let help = "a key may appear once in a mapping: remove or rename one of them";
    let Some((path, mark)) = source.map().duplicate_keys().first().cloned() else {
        // The map saw no duplicate where serde did (keys equal only once resolved, such as
        // `1` and `"1"`): say what serde saw, where it saw it.
        let message = err.to_string();
        let message = message
            .split(" at line ")
            .next()
            .unwrap_or(&message)
            .to_owned();
        let loc = err.location().map_or_else(
            || crate::diagnostic::Location::file_start(source.path.clone()),
            |l| crate::diagnostic::Location::new(source.path.clone(), l.line(), l.column()),
        );
        return source.error_at_location(loc, message).help(help);
    };
    let key = match path.last() {
        Some(super::PathSeg::Key(k)) => k.to_string(),
        _ => String::new(),
    };
    let loc = crate::diagnostic::Location::new(source.path.clone(), mark.line, mark.col);
    source
        .error_at_location(loc, format!("duplicate key `{key}`"))
        .note(format!("first written at {}", source.key_location(&path)))
        .help(help)
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
            Ok(names) => {
                for name in names.iter().filter(|n| !known.contains(n.as_str())) {
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

/// Reads a typed value out of the document, mapping serde's errors to located diagnostics
/// (and an unknown key to a "did you mean" suggestion).
pub fn deserialize<T: serde::de::DeserializeOwned>(
    value: &Value,
    source: &SourceFile,
    base: &YamlPath,
) -> Result<T, Vec<Diagnostic>> {
    // Tracking the path costs on every value; most values are valid, so only a failure is
    // deserialized again with the tracking on, to say where it failed.
    if let Ok(done) = T::deserialize(value) {
        return Ok(done);
    }
    serde_path_to_error::deserialize(value).map_err(|err| {
        let at = base.join_serde(err.path());
        let inner = err.into_inner().to_string();
        vec![serde_error(&inner, &at, source)]
    })
}

fn serde_error(message: &str, at: &YamlPath, source: &SourceFile) -> Diagnostic {
    static UNKNOWN: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    static MISSING: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    let unknown = UNKNOWN.get_or_init(|| {
        Regex::new(r"^unknown field `([^`]*)`, (?:expected|there are no fields)(.*)$")
            .expect("static regex")
    });
    let missing =
        MISSING.get_or_init(|| Regex::new(r"^missing field `([^`]*)`").expect("static regex"));
    if let Some(c) = unknown.captures(message) {
        let key = &c[1];
        let expected: Vec<&str> = c[2]
            .split('`')
            .skip(1)
            .step_by(2)
            .filter(|s| !s.is_empty())
            .collect();
        // serde_path_to_error stops at the map that holds the unknown key.
        let key_path = at.key(key.to_owned());
        let d = source.error_at_key(&key_path, format!("unknown key `{key}`"));
        return match closest(key, expected.iter().copied()) {
            Some(s) => d.help(format!("did you mean `{s}`?")),
            None if !expected.is_empty() => d.help(format!("valid keys: {}", expected.join(", "))),
            None => d.help("remove it"),
        };
    }
    if let Some(c) = missing.captures(message) {
        return source
            .error_at(at, format!("missing key `{}`", &c[1]))
            .help(format!("add `{}:`", &c[1]));
    }
    let described = if at.is_root() {
        message.to_owned()
    } else {
        format!("invalid value for `{at}`: {message}")
    };
    source.error_at(at, described)
}

fn yaml_syntax_error(source: &SourceFile, err: &serde_yaml_ng::Error) -> Diagnostic {
    use crate::diagnostic::Location;
    static AT: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    let at = AT.get_or_init(|| Regex::new(r" at line (\d+) column (\d+)").expect("static regex"));
    let full = err.to_string();
    // libyaml says "<problem> at line L column C, while <context> at line L2 column C2".
    // Locations are shown as file:line:col instead; the context becomes a note.
    let (problem, context) = match full.split_once(", while ") {
        Some((p, c)) => (p.to_owned(), Some(c.to_owned())),
        None => (full.clone(), None),
    };
    let problem = at.replace(&problem, "").into_owned();
    let context_loc = context.as_deref().and_then(|c| {
        at.captures(c).and_then(|m| {
            Some(Location::new(
                source.path.clone(),
                m[1].parse().ok()?,
                m[2].parse().ok()?,
            ))
        })
    });
    let lines = source.text.lines().count().max(1);
    let primary = err
        .location()
        .map(|l| Location::new(source.path.clone(), l.line(), l.column()))
        .unwrap_or_else(|| Location::file_start(source.path.clone()));
    // An error at the end of the file (an unclosed quote) is best shown where it started.
    let shown = match &context_loc {
        Some(ctx) if primary.line > lines => ctx.clone(),
        _ => primary,
    };
    let mut d = Diagnostic::new(format!("invalid YAML: {problem}")).at(shown, &source.text);
    if let Some(context) = context {
        let context = at.replace(&context, "");
        let note = match &context_loc {
            Some(loc) => format!("while {context} that starts at {loc}"),
            None => format!("while {context}"),
        };
        d = d.note(note);
    }
    d.help("check the indentation and quoting around this point")
}
