//! Browser plans: what to click and type in an auth dialog, as data. A plan is a list of
//! actions (`click`, `choose`, `fill`, `wait_for`), each finding one element the way a
//! person sees it — its visible text, its label, its role and name — or, as the escape
//! hatch, by CSS selector, within a timeout. Plans are read (and refused, located) when a
//! scenario or the project file is loaded; the built-in ones ship in `plans/`.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use serde_json::Value;

use crate::source::{Diagnostic, SourceFile, YamlPath, closest};

/// How long an action looks for its element unless it says otherwise.
pub const DEFAULT_ACTION_TIMEOUT: Duration = Duration::from_secs(10);

/// The built-in plans, by name.
pub const BUILTIN: &[(&str, &str)] = &[
    ("obflow-mock", include_str!("plans/obflow-mock.yaml")),
    (
        "truelayer-sandbox",
        include_str!("plans/truelayer-sandbox.yaml"),
    ),
];

/// What an action does with the element it finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    /// Clicks it (a button, a link, a label).
    Click,
    /// Selects it: a radio button, a checkbox (checked), an `<option>` of its `<select>`.
    Choose,
    /// Types `value` into it.
    Fill,
    /// Only waits until it is shown.
    WaitFor,
}

impl Verb {
    const ALL: &'static [(&'static str, Verb)] = &[
        ("click", Verb::Click),
        ("choose", Verb::Choose),
        ("fill", Verb::Fill),
        ("wait_for", Verb::WaitFor),
    ];

    pub fn keyword(self) -> &'static str {
        Verb::ALL
            .iter()
            .find(|(_, v)| *v == self)
            .map_or("?", |(k, _)| k)
    }
}

/// How an element is found. Strings may hold templates, rendered when the action runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Locator {
    /// Its visible text (trimmed, spaces collapsed, case ignored).
    Text(String),
    /// The label of a form field: `<label>`, `aria-label`, `aria-labelledby`, placeholder.
    Label(String),
    /// Its ARIA role (explicit or implicit: `button`, `link`, `textbox`, `radio`...) and,
    /// optionally, its accessible name.
    Role { role: String, name: Option<String> },
    /// A CSS selector: the first shown element it matches.
    Css(String),
}

impl Locator {
    /// How a failure names the element.
    pub fn describe(&self) -> String {
        match self {
            Locator::Text(t) => format!("text {t:?}"),
            Locator::Label(l) => format!("label {l:?}"),
            Locator::Role { role, name: None } => format!("role {role:?}"),
            Locator::Role {
                role,
                name: Some(n),
            } => format!("role {role:?} named {n:?}"),
            Locator::Css(c) => format!("CSS {c:?}"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Action {
    pub verb: Verb,
    pub locator: Locator,
    /// `fill`: what to type (a template).
    pub value: Option<String>,
    /// `fill`: whether the typed value is a secret (default: yes; `secret: false` for a
    /// value harmless in reports).
    pub secret: bool,
    pub timeout: Duration,
    /// Skip the action when its element is not there when the action starts (a bank
    /// selection page that a single-bank link never shows), instead of waiting for it.
    pub optional: bool,
    /// Where the action is written.
    pub path: YamlPath,
}

/// A plan as read: its name (a built-in's, or where it is written), its actions and the
/// file they are located in.
#[derive(Debug, Clone)]
pub struct Plan {
    pub name: String,
    pub actions: Vec<Action>,
    pub source: Arc<SourceFile>,
}

impl Plan {
    /// A built-in plan by name.
    pub fn builtin(name: &str) -> Option<Arc<Plan>> {
        static PLANS: OnceLock<Vec<Arc<Plan>>> = OnceLock::new();
        let plans = PLANS.get_or_init(|| {
            BUILTIN
                .iter()
                .map(|(name, text)| {
                    let path = format!("<built-in browser plan {name}>");
                    let (source, value) =
                        SourceFile::parse(path.into(), (*text).to_owned()).expect("built-in plan");
                    let source = Arc::new(source);
                    let actions = parse_actions(&value, &source, &YamlPath::root())
                        .expect("built-in plans are valid");
                    Arc::new(Plan {
                        name: (*name).to_owned(),
                        actions,
                        source,
                    })
                })
                .collect()
        });
        plans.iter().find(|p| p.name == name).cloned()
    }

    /// Checks a plan written at `path` in `source` (at load, before anything runs).
    pub fn check(
        value: &Value,
        source: &SourceFile,
        path: &YamlPath,
    ) -> Result<(), Vec<Diagnostic>> {
        match value {
            Value::String(_) => Plan::named(value, source, path).map(drop),
            _ => parse_actions(value, source, path).map(drop),
        }
    }

    fn named(
        value: &Value,
        source: &SourceFile,
        path: &YamlPath,
    ) -> Result<Arc<Plan>, Vec<Diagnostic>> {
        let name = value.as_str().unwrap_or_default();
        Plan::builtin(name).ok_or_else(|| {
            let names = BUILTIN.iter().map(|(n, _)| *n);
            let d = source.error_at(path, format!("unknown browser plan `{name}`"));
            vec![match closest(name, names.clone()) {
                Some(near) => d.help(format!("did you mean `{near}`?")),
                None => d.help(format!(
                    "the built-in plans are {}; or write a list of actions",
                    names.collect::<Vec<_>>().join(", ")
                )),
            }]
        })
    }

    /// Reads a plan written at `path` in `source`: a built-in's name, or a list of actions.
    pub fn parse(
        value: &Value,
        source: &Arc<SourceFile>,
        path: &YamlPath,
    ) -> Result<Arc<Plan>, Vec<Diagnostic>> {
        match value {
            Value::String(_) => Plan::named(value, source, path),
            Value::Array(_) => {
                let actions = parse_actions(value, source, path)?;
                let location = source.location(path);
                Ok(Arc::new(Plan {
                    name: format!(
                        "{}:{}:{}",
                        location.path().display(),
                        location.line,
                        location.col
                    ),
                    actions,
                    source: Arc::clone(source),
                }))
            }
            _ => Err(parse_actions(value, source, path).err().unwrap_or_default()),
        }
    }
}

const LOCATOR_KEYS: &[&str] = &["text", "label", "role", "css"];
const OTHER_KEYS: &[&str] = &["name", "value", "secret", "timeout", "optional"];

fn parse_actions(
    value: &Value,
    source: &SourceFile,
    path: &YamlPath,
) -> Result<Vec<Action>, Vec<Diagnostic>> {
    let Some(items) = value.as_array() else {
        return Err(vec![
            source
                .error_at(
                    path,
                    "a browser plan is a built-in plan's name or a list of actions",
                )
                .help("e.g. `plan: obflow-mock`, or `plan: [{ click: { text: Allow } }]`"),
        ]);
    };
    if items.is_empty() {
        return Err(vec![
            source
                .error_at(path, "a browser plan needs at least one action")
                .help("e.g. `- click: { text: Allow }`"),
        ]);
    }
    let mut errors = Vec::new();
    let mut actions = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match parse_action(item, source, &path.index(i)) {
            Ok(action) => actions.push(action),
            Err(mut e) => errors.append(&mut e),
        }
    }
    match errors.is_empty() {
        true => Ok(actions),
        false => Err(errors),
    }
}

fn parse_action(
    item: &Value,
    source: &SourceFile,
    path: &YamlPath,
) -> Result<Action, Vec<Diagnostic>> {
    let verbs = || Verb::ALL.iter().map(|(k, _)| *k);
    let shape = || {
        source
            .error_at(
                path,
                "a browser action is one of `click`, `choose`, `fill`, `wait_for`",
            )
            .help("e.g. `- click: { role: button, name: Allow }`")
    };
    let Some(map) = item.as_object().filter(|m| m.len() == 1) else {
        return Err(vec![shape()]);
    };
    let (keyword, spec) = map.iter().next().expect("one entry");
    let Some(verb) = Verb::ALL
        .iter()
        .find(|(k, _)| k == keyword)
        .map(|(_, v)| *v)
    else {
        let d = source.error_at_key(
            &path.key(keyword.clone()),
            format!("unknown browser action `{keyword}`"),
        );
        return Err(vec![match closest(keyword, verbs()) {
            Some(near) => d.help(format!("did you mean `{near}`?")),
            None => d.help("use `click`, `choose`, `fill` or `wait_for`"),
        }]);
    };
    let at = path.key(keyword.clone());
    let Some(spec) = spec.as_object() else {
        return Err(vec![
            source
                .error_at(
                    &at,
                    format!("`{keyword}` needs a mapping that says which element"),
                )
                .help(format!("e.g. `{keyword}: {{ text: Continue }}`")),
        ]);
    };
    let mut errors = Vec::new();
    for key in spec.keys() {
        if !LOCATOR_KEYS.contains(&key.as_str()) && !OTHER_KEYS.contains(&key.as_str()) {
            let d = source.error_at_key(&at.key(key.clone()), format!("unknown key `{key}`"));
            let all = LOCATOR_KEYS.iter().chain(OTHER_KEYS).copied();
            errors.push(match closest(key, all) {
                Some(near) => d.help(format!("did you mean `{near}`?")),
                None => d.help(format!(
                    "find the element with one of {}",
                    LOCATOR_KEYS.join(", ")
                )),
            });
        }
    }
    let string = |key: &'static str, errors: &mut Vec<Diagnostic>| -> Option<String> {
        match spec.get(key) {
            None => None,
            Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            Some(_) => {
                errors.push(
                    source.error_at(&at.key(key), format!("`{key}` must be a non-empty string")),
                );
                None
            }
        }
    };
    let given: Vec<&str> = LOCATOR_KEYS
        .iter()
        .copied()
        .filter(|k| spec.contains_key(*k))
        .collect();
    let name = string("name", &mut errors);
    let locator = match given.as_slice() {
        [one] => {
            let text = string(one, &mut errors).unwrap_or_default();
            match *one {
                "text" => Some(Locator::Text(text)),
                "label" => Some(Locator::Label(text)),
                "css" => Some(Locator::Css(text)),
                _ => Some(Locator::Role {
                    role: text,
                    name: name.clone(),
                }),
            }
        }
        [] => {
            errors.push(
                source
                    .error_at(&at, format!("`{keyword}` does not say which element"))
                    .help("give one of `text`, `label`, `role` (with `name`) or `css`"),
            );
            None
        }
        _ => {
            errors.push(
                source
                    .error_at(
                        &at,
                        format!("`{keyword}` gives {} ways to find the element", given.len()),
                    )
                    .note(format!("given: {}", given.join(", ")))
                    .help("give exactly one of `text`, `label`, `role` (with `name`) or `css`"),
            );
            None
        }
    };
    if name.is_some() && !given.contains(&"role") {
        errors.push(
            source
                .error_at_key(&at.key("name"), "`name` goes with `role`")
                .help("e.g. `{ role: button, name: Allow }`; otherwise use `text` or `label`"),
        );
    }
    let value = string("value", &mut errors);
    match (verb, &value) {
        (Verb::Fill, None) if !spec.contains_key("value") => errors.push(
            source
                .error_at(&at, "`fill` needs a `value` to type")
                .help("e.g. `value: \"{{ password }}\"`"),
        ),
        (Verb::Fill, _) => {}
        (_, Some(_)) => errors.push(source.error_at_key(
            &at.key("value"),
            format!("`{keyword}` types nothing: `value` belongs to `fill`"),
        )),
        (_, None) => {}
    }
    let flag = |key: &'static str, default: bool, errors: &mut Vec<Diagnostic>| match spec.get(key)
    {
        None => default,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            errors.push(source.error_at(&at.key(key), format!("`{key}` is true or false")));
            default
        }
    };
    let secret = flag("secret", true, &mut errors);
    if spec.contains_key("secret") && verb != Verb::Fill {
        errors.push(source.error_at_key(&at.key("secret"), "`secret` belongs to `fill`"));
    }
    let optional = flag("optional", false, &mut errors);
    let timeout = match spec.get("timeout") {
        None => DEFAULT_ACTION_TIMEOUT,
        Some(v) => match crate::duration::from_value(v) {
            Ok(d) if !d.is_zero() => d,
            Ok(_) => {
                errors.push(
                    source.error_at(&at.key("timeout"), "a timeout of zero never finds anything"),
                );
                DEFAULT_ACTION_TIMEOUT
            }
            Err(m) => {
                errors.push(
                    source
                        .error_at(&at.key("timeout"), m)
                        .help("write e.g. `timeout: 5s`"),
                );
                DEFAULT_ACTION_TIMEOUT
            }
        },
    };
    match (errors.is_empty(), locator) {
        (true, Some(locator)) => Ok(Action {
            verb,
            locator,
            value,
            secret,
            timeout,
            optional,
            path: at,
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Arc<Plan>, Vec<Diagnostic>> {
        let (source, value) = SourceFile::parse("plan.yaml".into(), text.to_owned()).unwrap();
        Plan::parse(&value, &Arc::new(source), &YamlPath::root())
    }

    fn first_error(text: &str) -> String {
        let errors = parse(text).unwrap_err();
        let d = &errors[0];
        let at = d.location.as_ref().unwrap();
        format!("{}:{}: {}", at.line, at.col, d.message)
    }

    #[test]
    fn built_in_plans_are_valid() {
        for (name, _) in BUILTIN {
            assert!(!Plan::builtin(name).unwrap().actions.is_empty());
        }
    }

    #[test]
    fn reads_actions() {
        let plan = parse(
            "- click: { role: button, name: Allow, timeout: 2s }\n\
             - fill: { label: Password, value: \"{{ password }}\" }\n\
             - choose: { css: \"input[type=radio]\", optional: true }\n",
        )
        .unwrap();
        assert_eq!(plan.actions.len(), 3);
        assert_eq!(
            plan.actions[0].locator,
            Locator::Role {
                role: "button".into(),
                name: Some("Allow".into())
            }
        );
        assert_eq!(plan.actions[0].timeout, Duration::from_secs(2));
        assert!(plan.actions[1].secret);
        assert!(plan.actions[2].optional);
        assert_eq!(plan.name, "plan.yaml:1:1");
        assert_eq!(parse("obflow-mock").unwrap().name, "obflow-mock");
    }

    #[test]
    fn refuses_bad_plans_where_they_are_wrong() {
        assert_eq!(
            first_error("obflow-mok"),
            "1:1: unknown browser plan `obflow-mok`"
        );
        assert_eq!(
            first_error("- clik: { text: A }"),
            "1:3: unknown browser action `clik`"
        );
        assert_eq!(
            first_error("- click: { text: A }\n- click: { text: A, css: b }"),
            "2:12: `click` gives 2 ways to find the element"
        );
        assert_eq!(
            first_error("- fill: { label: User }"),
            "1:11: `fill` needs a `value` to type"
        );
        assert_eq!(
            first_error("- click: { text: A, timeout: soon }"),
            "1:30: `soon` is not a duration"
        );
        assert_eq!(
            first_error("- click: { txt: A }"),
            "1:12: unknown key `txt`"
        );
        assert_eq!(
            first_error("- click: { text: A, name: B }"),
            "1:21: `name` goes with `role`"
        );
        assert_eq!(
            first_error("[]"),
            "1:1: a browser plan needs at least one action"
        );
    }
}
