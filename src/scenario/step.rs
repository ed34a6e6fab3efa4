//! One step of a scenario: its keys, its one action and that action's parameters,
//! `expect`, `capture` and `for_each`, each validated with a located error.

use std::collections::BTreeSet;
use std::sync::Arc;

use serde_json::Value;

use super::actions::{
    ActionKind, ApiParams, ApiTarget, AuthLinkParams, AwaitCodeParams, CodeSource, ExchangeParams,
    ExtendParams, RefreshParams, WaitParams, empty_is_default,
};
use super::de::{check_templates, deserialize};
use super::model::{Action, ForEach, RequestFields, Retry, STEP_KEYS, Step, value_to_text};
use crate::check::{CaptureSet, Expectation};
use crate::source::{Diagnostic, closest};
use crate::source::{SourceFile, YamlPath};
use crate::template::Templates;

/// The variable `for_each` binds when the step does not say `as:`.
pub const DEFAULT_ITEM_VAR: &str = "item";

pub fn load_step(
    index: usize,
    raw: &Value,
    path: &YamlPath,
    source: &Arc<SourceFile>,
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
    let keywords = || ActionKind::ALL.iter().map(|k| k.keyword());
    let mut errors = Vec::new();
    let mut actions = Vec::new();
    for key in map.keys() {
        if let Some(kind) = ActionKind::from_keyword(key) {
            actions.push(kind);
        } else if !STEP_KEYS.contains(&key.as_str()) {
            let all = keywords()
                .chain(STEP_KEYS.iter().copied())
                .chain(["include"]);
            let d = source.error_at_key(
                &path.key(key.to_owned()),
                format!("unknown step key `{key}`"),
            );
            errors.push(match closest(key, all) {
                Some(s) => d.help(format!("did you mean `{s}`?")),
                None => d.help(format!(
                    "a step has one action ({}) and may have {}",
                    keywords().collect::<Vec<_>>().join(", "),
                    STEP_KEYS.join(", ")
                )),
            });
        }
    }
    let kind = match actions.as_slice() {
        [one] => Some(*one),
        [] => {
            if errors.is_empty() {
                errors.push(
                    source
                        .error_at(path, "this step has no action")
                        .help(format!(
                            "add one of: {}",
                            keywords().collect::<Vec<_>>().join(", ")
                        )),
                );
            }
            None
        }
        [first, second, ..] => {
            errors.push(
                source
                    .error_at_key(
                        &path.key(second.keyword()),
                        format!(
                            "this step has two actions, `{}` and `{}`",
                            first.keyword(),
                            second.keyword()
                        ),
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
                        format!("invalid step id `{}`", value_to_text(other)),
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

    let note = match map.get("note") {
        None => None,
        Some(Value::String(s)) => Some(s.trim().to_owned()),
        Some(_) => {
            errors.push(
                source
                    .error_at(&path.key("note"), "a step's `note` must be text")
                    .help("a sentence or two for the reader of the scenario's guide"),
            );
            None
        }
    };

    let for_each = read_for_each(map, path, source, &mut errors);
    // Only a `for_each` step knows a name more than the steps around it.
    let step_known = match &for_each {
        Some(f) => {
            let mut with_item = known.clone();
            with_item.insert(f.var.clone());
            std::borrow::Cow::Owned(with_item)
        }
        None => std::borrow::Cow::Borrowed(known),
    };

    let expect = match map.get("expect") {
        Some(raw) => Expectation::parse(raw, source, &path.key("expect"))
            .map_err(|mut e| errors.append(&mut e))
            .ok(),
        None => Some(Expectation::default()),
    };
    let retry = map
        .get("retry")
        .and_then(|raw| read_retry(raw, &path.key("retry"), source, &mut errors));
    let max_body = map
        .get("max_body")
        .and_then(|raw| read_max_body(raw, kind, &path.key("max_body"), source, &mut errors));
    let capture = match map.get("capture") {
        Some(raw) => CaptureSet::parse(raw, source, &path.key("capture"))
            .map_err(|mut e| errors.append(&mut e))
            .ok(),
        None => Some(CaptureSet::default()),
    };

    let snapshot = match map.get("snapshot") {
        Some(raw) => crate::snapshot::SnapshotSpec::parse(raw, source, &path.key("snapshot"))
            .map_err(|mut e| errors.append(&mut e))
            .ok()
            .flatten(),
        None => None,
    };

    let action = kind.and_then(|kind| {
        let action_path = path.key(kind.keyword());
        let raw = empty_is_default(&map[kind.keyword()]);
        match validate_action(kind, &raw, &action_path, source) {
            Ok(()) => Some(Action {
                kind,
                raw,
                path: action_path,
            }),
            Err(mut e) => {
                errors.append(&mut e);
                None
            }
        }
    });

    // Templates anywhere in the step may use what earlier steps captured, not later ones.
    for (key, value) in map {
        // A snapshot's name and paths are read as written (names must be known at load).
        if key != "capture" && key != "as" && key != "snapshot" {
            check_templates(
                value,
                &path.key(key.to_string()),
                source,
                templates,
                &step_known,
                &mut errors,
            );
        }
    }

    match (action, expect, capture) {
        (Some(action), Some(expect), Some(capture)) if errors.is_empty() => Ok(Step {
            index,
            templated: super::de::contains_template(&action.raw),
            id,
            name,
            note,
            action,
            expect,
            capture,
            snapshot: snapshot.map(Box::new),
            for_each: for_each.map(Box::new),
            retry: retry.map(Box::new),
            max_body,
            scope: Vec::new(),
            source: source.clone(),
            path: path.clone(),
        }),
        _ => Err(errors),
    }
}

/// `max_body: 64KiB` (or a number of bytes) on a step that reads responses.
fn read_max_body(
    raw: &Value,
    kind: Option<ActionKind>,
    path: &YamlPath,
    source: &SourceFile,
    errors: &mut Vec<Diagnostic>,
) -> Option<u64> {
    if let Some(kind @ (ActionKind::AuthLink | ActionKind::Wait)) = kind {
        errors.push(
            source
                .error_at_key(
                    path,
                    format!(
                        "`max_body` does nothing on `{}`: it reads no response",
                        kind.keyword()
                    ),
                )
                .help("put `max_body` on the step whose response may be large"),
        );
        return None;
    }
    match crate::size::from_value(raw) {
        Ok(bytes) => Some(bytes),
        Err(why) => {
            errors.push(
                source
                    .error_at(path, format!("invalid `max_body`: {why}"))
                    .help("the most the step reads of a response body, e.g. `max_body: 64KiB` or `max_body: 4MiB`"),
            );
            None
        }
    }
}

fn read_for_each(
    map: &serde_json::Map<String, Value>,
    path: &YamlPath,
    source: &SourceFile,
    errors: &mut Vec<Diagnostic>,
) -> Option<ForEach> {
    let var = match map.get("as") {
        None => DEFAULT_ITEM_VAR.to_owned(),
        Some(Value::String(s)) if is_valid_id(s) && !s.contains('-') => s.clone(),
        Some(_) => {
            errors.push(
                source
                    .error_at(&path.key("as"), "`as` must be a variable name")
                    .help("e.g. `as: account_id`"),
            );
            return None;
        }
    };
    match map.get("for_each") {
        None => {
            if map.contains_key("as") {
                errors.push(
                    source
                        .error_at_key(&path.key("as"), "`as` without `for_each`")
                        .help("`as` names the item of a `for_each` list"),
                );
            }
            None
        }
        Some(items @ (Value::Array(_) | Value::String(_))) => {
            if let Value::String(s) = items
                && !Templates::is_template(s)
            {
                errors.push(
                    source
                        .error_at(&path.key("for_each"), "`for_each` needs a list")
                        .help(
                            "write a YAML list, or a template that gives one: `{{ account_ids }}`",
                        ),
                );
                return None;
            }
            Some(ForEach {
                items: items.clone(),
                var,
                path: path.key("for_each"),
            })
        }
        Some(_) => {
            errors.push(
                source
                    .error_at(&path.key("for_each"), "`for_each` needs a list")
                    .help("write a YAML list, or a template that gives one: `{{ account_ids }}`"),
            );
            None
        }
    }
}

/// The longest pause `retry` accepts between attempts; longer is surely a typo (`200` meant
/// as milliseconds), and `wait` is the step for long pauses.
const MAX_RETRY_INTERVAL: std::time::Duration = std::time::Duration::from_secs(3600);
/// What `retry: { count }` defaults to when only `interval` or `until` is given.
const DEFAULT_RETRY_COUNT: u32 = 3;
/// The pause between attempts when `interval` is not given.
const DEFAULT_RETRY_INTERVAL: std::time::Duration = std::time::Duration::from_secs(1);

/// Retries a step may ask for: enough to poll for minutes, not enough to spin for days.
pub const MAX_RETRIES: u32 = 1000;

/// `retry: 5`, or `retry: { count: 5, interval: 200ms, until: { json: {...} } }`.
fn read_retry(
    raw: &Value,
    path: &YamlPath,
    source: &Arc<SourceFile>,
    errors: &mut Vec<Diagnostic>,
) -> Option<Retry> {
    const KEYS: &[&str] = &["count", "interval", "until"];
    let read_count = |value: &Value, at: &YamlPath, errors: &mut Vec<Diagnostic>| match value
        .as_u64()
        .and_then(|n| u32::try_from(n).ok())
        .filter(|n| *n <= MAX_RETRIES)
    {
        Some(n) => Some(n),
        None => {
            errors.push(
                source
                    .error_at(
                        at,
                        format!(
                            "retry count must be a whole number from 0 to {MAX_RETRIES}, got `{}`",
                            value_to_text(value)
                        ),
                    )
                    .help("the number of retries after the first attempt, e.g. `retry: 5`"),
            );
            None
        }
    };
    let map = match raw {
        Value::Number(_) => {
            return read_count(raw, path, errors).map(|count| Retry {
                count,
                interval: DEFAULT_RETRY_INTERVAL,
                until: None,
            });
        }
        Value::Object(map) => map,
        _ => {
            errors.push(
                source
                    .error_at(path, "`retry` takes a number or a mapping")
                    .help("write `retry: 5` or `retry: { count: 5, interval: 200ms }`"),
            );
            return None;
        }
    };
    let before = errors.len();
    for key in map.keys().filter(|k| !KEYS.contains(&k.as_str())) {
        let d = source.error_at_key(
            &path.key(key.to_string()),
            format!("unknown key `{key}` in `retry`"),
        );
        errors.push(match closest(key, KEYS.iter().copied()) {
            Some(s) => d.help(format!("did you mean `{s}`?")),
            None => d.help("`retry` takes `count`, `interval` and `until`"),
        });
    }
    let count = match map.get("count") {
        Some(v) => read_count(v, &path.key("count"), errors),
        None => Some(DEFAULT_RETRY_COUNT),
    };
    let interval = match map.get("interval") {
        None => Some(DEFAULT_RETRY_INTERVAL),
        Some(v) => match crate::duration::from_value(v) {
            Ok(d) if d <= MAX_RETRY_INTERVAL => Some(d),
            Ok(_) => {
                errors.push(
                    source
                        .error_at(&path.key("interval"), "retry interval is over an hour")
                        .help("write e.g. `interval: 200ms` or `interval: 2s`"),
                );
                None
            }
            Err(msg) => {
                errors.push(
                    source
                        .error_at(&path.key("interval"), msg)
                        .help("write e.g. `interval: 200ms` or `interval: 2s`"),
                );
                None
            }
        },
    };
    let until = match map.get("until") {
        None => Some(None),
        Some(v) => Expectation::parse(v, source, &path.key("until"))
            .map(Some)
            .map_err(|mut e| errors.append(&mut e))
            .ok(),
    };
    match (count, interval, until) {
        (Some(count), Some(interval), Some(until)) if errors.len() == before => Some(Retry {
            count,
            interval,
            until,
        }),
        _ => None,
    }
}

/// Checks an action's parameters have the right shape (templates are not rendered yet).
fn validate_action(
    kind: ActionKind,
    raw: &Value,
    path: &YamlPath,
    source: &SourceFile,
) -> Result<(), Vec<Diagnostic>> {
    match kind {
        ActionKind::Request => validate_request(raw, path, source),
        ActionKind::AuthLink => deserialize::<AuthLinkParams>(raw, source, path).map(drop),
        ActionKind::AwaitCode => {
            let params: AwaitCodeParams = deserialize(raw, source, path)?;
            if params.via == CodeSource::Value && params.value.is_none() {
                return Err(vec![
                    source
                        .error_at(path, "`via: value` needs a `value`")
                        .help("e.g. `value: \"{{ env.AUTH_CODE }}\"`"),
                ]);
            }
            if let Some(decision) = &params.decision
                && !Templates::is_template(decision)
                && decision != "accept"
                && decision != "decline"
            {
                return Err(vec![
                    source
                        .error_at(
                            &path.key("decision"),
                            format!("unknown decision `{decision}`"),
                        )
                        .help("use `accept` or `decline`"),
                ]);
            }
            if let Some(plan) = &params.plan {
                if params.via != CodeSource::Browser {
                    return Err(vec![
                        source
                            .error_at_key(&path.key("plan"), "`plan` is for `via: browser`")
                            .help("add `via: browser`, or remove `plan`"),
                    ]);
                }
                crate::browser::Plan::check(plan, source, &path.key("plan"))?;
            }
            match params
                .timeout
                .as_ref()
                .filter(|t| !Templates::is_template_value(t))
            {
                Some(t) => crate::duration::login_timeout(t).map(drop).map_err(|msg| {
                    vec![
                        source
                            .error_at(&path.key("timeout"), msg)
                            .help("write e.g. `5m`"),
                    ]
                }),
                None => Ok(()),
            }
        }
        ActionKind::Exchange => deserialize::<ExchangeParams>(raw, source, path).map(drop),
        ActionKind::Refresh => deserialize::<RefreshParams>(raw, source, path).map(drop),
        ActionKind::Extend => deserialize::<ExtendParams>(raw, source, path).map(drop),
        ActionKind::SignupAccounts
        | ActionKind::Me
        | ActionKind::Info
        | ActionKind::Accounts
        | ActionKind::Account
        | ActionKind::Balance
        | ActionKind::Transactions
        | ActionKind::PendingTransactions
        | ActionKind::StandingOrders
        | ActionKind::DirectDebits
        | ActionKind::Cards
        | ActionKind::Card
        | ActionKind::CardBalance
        | ActionKind::CardTransactions => {
            let params: ApiParams = deserialize(raw, source, path)?;
            check_api_ids(kind, &params, source, path)
        }
        ActionKind::Wait => {
            let params: WaitParams = deserialize(raw, source, path)?;
            let at = match &params {
                WaitParams::Short(_) => path.clone(),
                WaitParams::Long(_) => path.key("for"),
            };
            check_duration(Some(params.duration()), &at, source)
        }
    }
}

/// A Data API step names the id its route needs ([`ApiTarget`]), and not the other kind: a
/// `card_id` on `balance` would be silently ignored, so it is refused with the step that
/// takes it.
fn check_api_ids(
    kind: ActionKind,
    params: &ApiParams,
    source: &SourceFile,
    path: &YamlPath,
) -> Result<(), Vec<Diagnostic>> {
    let word = kind.keyword();
    let (account, card) = (params.account_id.is_some(), params.card_id.is_some());
    let refuse_card = |instead: &str| {
        vec![
            source
                .error_at(&path.key("card_id"), format!("`{word}` takes no `card_id`"))
                .help(instead.to_owned()),
        ]
    };
    match kind.api_target() {
        Some(ApiTarget::Nothing | ApiTarget::OptionalAccount) if card => Err(refuse_card(
            "for cards use `cards`, `card`, `card_balance` or `card_transactions`",
        )),
        Some(ApiTarget::Account) if card => Err(refuse_card(match kind {
            ActionKind::Account => "use `card` for a card",
            ActionKind::Balance => "use `card_balance` for a card",
            ActionKind::Transactions => "use `card_transactions` for a card",
            _ => "cards have no standing orders or direct debits in the Data API",
        })),
        Some(ApiTarget::Account) if !account => Err(vec![
            source
                .error_at(path, format!("`{word}` needs an `account_id`"))
                .help("e.g. `account_id: \"{{ account_id }}\"`"),
        ]),
        Some(ApiTarget::Card) if account => Err(vec![
            source
                .error_at(
                    &path.key("account_id"),
                    format!("`{word}` takes a `card_id`, not an `account_id`"),
                )
                .help("a card's id is the `account_id` of an item of `cards`: capture it as `card_id`"),
        ]),
        Some(ApiTarget::Card) if !card => Err(vec![
            source
                .error_at(path, format!("`{word}` needs a `card_id`"))
                .help("e.g. `card_id: \"{{ card_id }}\"`, captured from `cards` with `$.results[0].account_id`"),
        ]),
        Some(ApiTarget::AccountOrCard) if account == card => Err(vec![
            source
                .error_at(
                    path,
                    format!("`{word}` needs either an `account_id` or a `card_id`, not {}", if account { "both" } else { "neither" }),
                )
                .help("`account_id` for an account's pending transactions, `card_id` for a card's"),
        ]),
        _ => Ok(()),
    }
}

fn check_duration(
    value: Option<&Value>,
    path: &YamlPath,
    source: &SourceFile,
) -> Result<(), Vec<Diagnostic>> {
    match value {
        Some(v) if !Templates::is_template_value(v) => {
            crate::duration::from_value(v).map(drop).map_err(|msg| {
                vec![
                    source
                        .error_at(path, msg)
                        .help("write e.g. `6m`, `1h`, `90d`"),
                ]
            })
        }
        _ => Ok(()),
    }
}

fn validate_request(
    raw: &Value,
    path: &YamlPath,
    source: &SourceFile,
) -> Result<(), Vec<Diagnostic>> {
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
        && let Err(d) = fields.http_method(source, path)
    {
        errors.push(d);
    }
    if let Some(timeout) = fields
        .timeout
        .as_ref()
        .filter(|t| !Templates::is_template_value(t))
        && let Err(msg) = crate::duration::request_timeout(timeout)
    {
        errors.push(
            source
                .error_at(&path.key("timeout"), msg)
                .help("write e.g. `30s` or `2m`"),
        );
    }
    if errors.is_empty() {
        Ok(())
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
