//! Plays a [`Plan`] in a [`Page`]: each action's strings rendered when it starts, its element
//! waited for in the page (find.js watches the document change) until its timeout — a page
//! between documents counts as "not yet" — then acted on. Values typed go through the
//! browser's keyboard input, never into a script.

use std::time::Duration;

use serde_json::{Value, json};
use tokio::time::Instant;

use super::BrowserError;
use super::page::Page;
use super::plan::{Action, Locator, Plan, Verb};
use crate::source::{Diagnostic, YamlPath};

const FIND: &str = include_str!("find.js");

/// How soon an action looks again when the page did not answer (between documents).
const RETRY: Duration = Duration::from_millis(40);

/// The longest one look waits in the page: a navigation in that time ends the look (the
/// document goes), and the next look starts in the new document.
const LOOK: Duration = Duration::from_secs(2);

#[derive(Debug)]
pub enum PlanError {
    /// An action's element did not show within its timeout.
    Missing {
        index: usize,
        verb: Verb,
        locator: Locator,
        timeout: Duration,
        why: String,
        path: YamlPath,
    },
    /// A string of the plan would not render.
    Render(Diagnostic),
    Browser(BrowserError),
}

impl From<BrowserError> for PlanError {
    fn from(e: BrowserError) -> Self {
        PlanError::Browser(e)
    }
}

/// Plays `plan` in `page`. `render` turns a plan string (written at a path of the plan's
/// file) into its value; `typed` is told each value before it is typed, with whether it is
/// a secret, so it can be redacted from then on.
pub async fn play(
    page: &Page,
    plan: &Plan,
    render: &(dyn Fn(&str, &YamlPath) -> Result<String, Diagnostic> + Sync),
    typed: &(dyn Fn(&str, bool) + Sync),
) -> Result<(), PlanError> {
    for (index, action) in plan.actions.iter().enumerate() {
        let locator = render_locator(&action.locator, &action.path, render)?;
        perform(page, index, action, locator, render, typed).await?;
    }
    Ok(())
}

fn render_locator(
    locator: &Locator,
    at: &YamlPath,
    render: &(dyn Fn(&str, &YamlPath) -> Result<String, Diagnostic> + Sync),
) -> Result<Locator, PlanError> {
    let r = |s: &str, key: &'static str| render(s, &at.key(key)).map_err(PlanError::Render);
    Ok(match locator {
        Locator::Text(t) => Locator::Text(r(t, "text")?),
        Locator::Label(l) => Locator::Label(r(l, "label")?),
        Locator::Css(c) => Locator::Css(r(c, "css")?),
        Locator::Role { role, name } => Locator::Role {
            role: r(role, "role")?,
            name: match name {
                Some(n) => Some(r(n, "name")?),
                None => None,
            },
        },
    })
}

fn locator_json(locator: &Locator) -> Value {
    match locator {
        Locator::Text(t) => json!({ "text": t }),
        Locator::Label(l) => json!({ "label": l }),
        Locator::Css(c) => json!({ "css": c }),
        Locator::Role { role, name: None } => json!({ "role": role }),
        Locator::Role {
            role,
            name: Some(n),
        } => json!({ "role": role, "name": n }),
    }
}

async fn perform(
    page: &Page,
    index: usize,
    action: &Action,
    locator: Locator,
    render: &(dyn Fn(&str, &YamlPath) -> Result<String, Diagnostic> + Sync),
    typed: &(dyn Fn(&str, bool) + Sync),
) -> Result<(), PlanError> {
    // The value is rendered (and declared a secret) before the element is looked for, so a
    // failure's page text and screenshot come after the redactor knows it.
    let value = match &action.value {
        Some(v) => {
            let value = render(v, &action.path.key("value")).map_err(PlanError::Render)?;
            typed(&value, action.secret);
            Some(value)
        }
        None => None,
    };
    let deadline = Instant::now() + action.timeout;
    let mut why;
    loop {
        // Optional: not there now means not there; the page was waited for before.
        let wait = match action.optional {
            true => Duration::ZERO,
            false => deadline.saturating_duration_since(Instant::now()).min(LOOK),
        };
        let script = format!(
            "({FIND})({}, {}, {})",
            locator_json(&locator),
            Value::String(action.verb.keyword().to_owned()),
            wait.as_millis()
        );
        match page.evaluate(&script).await {
            Ok(answer) if answer["found"] == Value::Bool(true) => {
                if let Some(value) = &value {
                    page.insert_text(value).await?;
                }
                return Ok(());
            }
            Ok(answer) => {
                if let Some(error) = answer["error"].as_str() {
                    why = error.to_owned();
                    break;
                }
                why = match (answer["disabled"].as_bool(), answer["matches"].as_u64()) {
                    (Some(true), _) => "the element is disabled".to_owned(),
                    (_, Some(n)) if n > 0 => format!("{n} matched, none of them shown"),
                    _ => "no element matched".to_owned(),
                };
                if action.optional {
                    return Ok(());
                }
                if Instant::now() >= deadline {
                    break;
                }
            }
            // Between documents (a form just submitted): look again, soon.
            Err(e) => {
                why = format!("the page did not answer ({e})");
                if Instant::now() >= deadline {
                    break;
                }
                tokio::time::sleep(RETRY).await;
            }
        }
    }
    Err(PlanError::Missing {
        index,
        verb: action.verb,
        locator,
        timeout: action.timeout,
        why,
        path: action.path.clone(),
    })
}
