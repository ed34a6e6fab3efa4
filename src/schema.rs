//! The JSON Schema of scenario files (`obflow schema`, committed as
//! `schema/scenario.schema.json`), for editors and other tools.
//!
//! The parameters of every action, `request` fields, the scenario header and include specs
//! come from the serde model through schemars, so the schema follows the code. A step is
//! read key by key by the loader (see `scenario::step`), so its schema is assembled here:
//! one object whose properties are every action keyword plus the common keys, with a
//! `oneOf` that requires exactly one action (or a lone `include`). Unknown keys are refused
//! everywhere the loader refuses them (`additionalProperties: false`), so an editor flags a
//! misspelt key as the loader would. Expected values and matchers stay loose: their rules
//! (a matcher mapping, a template, any JSON) are the loader's to explain.
//!
//! The schema is draft-07 rather than 2020-12 because that is what the yaml-language-server
//! (VS Code's YAML extension and most editors) reads best.

use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, SchemaGenerator};
use serde_json::{Map, Value, json};

use crate::scenario::ActionKind;
use crate::scenario::actions::{
    ApiParams, ApiTarget, AuthLinkParams, AwaitCodeParams, ExchangeParams, ExtendParams,
    RefreshParams,
};
use crate::scenario::load::{FlowFile, IncludeSpec};
use crate::scenario::model::{RequestFields, STEP_KEYS, ScenarioHeader};

/// Where the committed copy lives in the repository, for the test that keeps it current.
pub const SCHEMA_PATH: &str = "schema/scenario.schema.json";

/// The schema, as a JSON document.
pub fn scenario_schema() -> Value {
    let mut generator = SchemaGenerator::new(SchemaSettings::draft07());
    let scenario = reference::<ScenarioHeader>(&mut generator);
    let flow = reference::<FlowFile>(&mut generator);
    let include = reference::<IncludeSpec>(&mut generator);
    let mut actions = Map::new();
    for kind in ActionKind::ALL {
        let schema = match kind {
            ActionKind::Request => reference::<RequestFields>(&mut generator),
            ActionKind::AuthLink => nullable(reference::<AuthLinkParams>(&mut generator)),
            ActionKind::AwaitCode => nullable(reference::<AwaitCodeParams>(&mut generator)),
            ActionKind::Exchange => nullable(reference::<ExchangeParams>(&mut generator)),
            ActionKind::Refresh => nullable(reference::<RefreshParams>(&mut generator)),
            ActionKind::Extend => nullable(reference::<ExtendParams>(&mut generator)),
            ActionKind::Wait => wait_schema(),
            // Data API and Signup+ calls: the loader refuses these without the id their
            // route needs (`ActionKind::api_target`).
            _ => match kind.api_target() {
                Some(ApiTarget::Account) => json!({
                    "allOf": [
                        reference::<ApiParams>(&mut generator),
                        { "required": ["account_id"], "not": { "required": ["card_id"] } }
                    ]
                }),
                Some(ApiTarget::Card) => json!({
                    "allOf": [
                        reference::<ApiParams>(&mut generator),
                        { "required": ["card_id"], "not": { "required": ["account_id"] } }
                    ]
                }),
                Some(ApiTarget::AccountOrCard) => json!({
                    "allOf": [
                        reference::<ApiParams>(&mut generator),
                        { "oneOf": [ { "required": ["account_id"] }, { "required": ["card_id"] } ] }
                    ]
                }),
                _ => nullable(reference::<ApiParams>(&mut generator)),
            },
        };
        actions.insert(kind.keyword().to_owned(), schema);
    }
    let mut definitions = generator.take_definitions(true);
    // `steps` is read as raw values by serde (each step is parsed key by key), so schemars
    // saw `any`: point it at the step schema.
    let steps = json!({
        "type": "array",
        "minItems": 1,
        "items": { "$ref": "#/definitions/Step" }
    });
    for name in ["ScenarioHeader", "FlowFile"] {
        if let Some(Value::Object(props)) = definitions
            .get_mut(name)
            .and_then(|d| d.get_mut("properties"))
        {
            props.insert("steps".to_owned(), steps.clone());
        }
    }
    // `plan` is read by the browser module's own parser (located errors), so schemars saw
    // `any`: describe it.
    if let Some(Value::Object(props)) = definitions
        .get_mut("AwaitCodeParams")
        .and_then(|d| d.get_mut("properties"))
    {
        props.insert(
            "plan".to_owned(),
            json!({ "$ref": "#/definitions/BrowserPlan" }),
        );
    }
    definitions.insert("BrowserPlan".to_owned(), browser_plan_schema());
    definitions.insert("Step".to_owned(), step_schema(&actions, include));
    definitions.insert("Expect".to_owned(), expect_schema());
    definitions.insert("Capture".to_owned(), capture_schema());
    json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "obflow scenario",
        "description": "A scenario file run by obflow (or a shared flow brought in with `include`). See docs/editor.md.",
        "anyOf": [scenario, flow],
        "definitions": Value::Object(definitions),
    })
}

/// The schema as the committed file holds it: pretty JSON and a final newline.
pub fn scenario_schema_text() -> String {
    // Serialising a `Value` cannot fail: its keys are strings.
    let mut text = serde_json::to_string_pretty(&scenario_schema()).unwrap_or_default();
    text.push('\n');
    text
}

fn reference<T: JsonSchema>(generator: &mut SchemaGenerator) -> Value {
    generator.subschema_for::<T>().to_value()
}

fn nullable(schema: Value) -> Value {
    // `exchange:` with nothing after it means "all defaults", like `exchange: {}`.
    json!({ "anyOf": [{ "type": "null" }, schema] })
}

/// `await_code: { via: browser, plan }`: a built-in plan's name or a list of actions
/// (docs/browser.md).
fn browser_plan_schema() -> Value {
    let names: Vec<&str> = crate::browser::BUILTIN.iter().map(|(n, _)| *n).collect();
    let locator = |verb: &str| {
        let mut props = json!({
            "text": { "type": "string", "description": "its visible text" },
            "label": { "type": "string", "description": "the label of a form field" },
            "role": { "type": "string", "description": "its ARIA role (button, link, textbox, radio...)" },
            "name": { "type": "string", "description": "with `role`: its accessible name" },
            "css": { "type": "string", "description": "a CSS selector (the escape hatch)" },
            "timeout": { "type": ["string", "number"], "description": "how long to wait for it (default 10s)" },
            "optional": { "type": "boolean", "description": "skip when it is not there, instead of waiting" }
        });
        let mut required = vec![];
        if verb == "fill" {
            props["value"] =
                json!({ "type": "string", "description": "what to type (a template)" });
            props["secret"] = json!({ "type": "boolean", "description": "redact the typed value (default true)" });
            required.push("value");
        }
        json!({
            "type": "object",
            "additionalProperties": false,
            "properties": props,
            "required": required,
            "oneOf": [
                { "required": ["text"] }, { "required": ["label"] },
                { "required": ["role"] }, { "required": ["css"] }
            ]
        })
    };
    let actions: Vec<Value> = ["click", "choose", "fill", "wait_for"]
        .iter()
        .map(|verb| {
            json!({
                "type": "object",
                "additionalProperties": false,
                "required": [verb],
                "properties": { *verb: locator(verb) }
            })
        })
        .collect();
    json!({
        "description": "What to click and type: a built-in plan's name, or a list of actions (docs/browser.md)",
        "oneOf": [
            { "type": "string", "enum": names },
            { "type": "array", "minItems": 1, "items": { "oneOf": actions } }
        ]
    })
}

fn wait_schema() -> Value {
    let duration = json!({
        "description": "A duration such as `6m`, `1h`, `90d`, a number of seconds, or a template.",
        "type": ["string", "number"]
    });
    json!({
        "description": "Let time pass: the mock's virtual clock moves at once; elsewhere obflow really sleeps (bounded by --max-wait).",
        "anyOf": [
            duration,
            {
                "type": "object",
                "properties": { "for": duration },
                "required": ["for"],
                "additionalProperties": false
            }
        ]
    })
}

fn step_schema(actions: &Map<String, Value>, include: Value) -> Value {
    let mut properties = actions.clone();
    for key in STEP_KEYS {
        let schema = match *key {
            "id" => json!({
                "description": "Names the step in reports, snapshots and templates (`steps.<id>`).",
                "type": "string",
                "pattern": "^[A-Za-z][A-Za-z0-9_-]*$"
            }),
            "name" => json!({
                "description": "A short sentence saying what the step is for (shown in reports and guides).",
                "type": "string"
            }),
            "note" => json!({
                "description": "What a reader of the scenario's guide should know about the step: shown under its heading by `obflow doc` (Markdown code spans allowed). Runs ignore it.",
                "type": "string"
            }),
            "expect" => json!({ "$ref": "#/definitions/Expect" }),
            "capture" => json!({ "$ref": "#/definitions/Capture" }),
            "for_each" => json!({
                "description": "Repeat the step once per item: a list, or a template giving one.",
                "type": ["array", "string"]
            }),
            "as" => json!({
                "description": "The variable holding the current `for_each` item (default `item`).",
                "type": "string",
                "pattern": "^[A-Za-z][A-Za-z0-9_]*$"
            }),
            "max_body" => json!({
                "description": "The most this step reads of a response body, instead of --max-body: a number of bytes, or e.g. `64KiB`, `4MiB`, `1GiB`.",
                "anyOf": [
                    { "type": "integer", "minimum": 1 },
                    { "type": "string", "pattern": "^\\s*[0-9]+\\s*(B|K|KB|KiB|M|MB|MiB|G|GB|GiB)?\\s*$" }
                ]
            }),
            // A key the loader accepts that this schema does not describe yet: allow it
            // rather than flag valid files.
            _ => json!({}),
        };
        properties.insert((*key).to_owned(), schema);
    }
    properties.insert(
        "include".to_owned(),
        json!({
            "description": "Run a shared flow's steps here: a file path relative to this file, or `{ file, vars }`.",
            "anyOf": [{ "type": "string" }, include]
        }),
    );
    let mut one_of: Vec<Value> = actions
        .keys()
        .map(|action| json!({ "required": [action] }))
        .collect();
    one_of.push(json!({ "required": ["include"] }));
    json!({
        "description": "One step: exactly one action with optional id, name, expect, capture and for_each; or an `include` alone.",
        "type": "object",
        "properties": properties,
        "additionalProperties": false,
        "oneOf": one_of,
        "dependencies": { "include": { "maxProperties": 1 } }
    })
}

fn expect_schema() -> Value {
    json!({
        "description": "Checks on the response: `status`, `headers`, `json` (JSONPath keys), `body`, or JSONPath keys starting with `$` directly. Values are expected values or matchers (equals, exists, absent, length, matches, contains, one_of, gt, gte, lt, lte, before, after, same_instant, type, each, not); see docs/checks.md.",
        "type": ["object", "null"],
        "properties": {
            "status": {
                "description": "A status code, a list of accepted codes, a matcher, or a template.",
                "type": ["integer", "array", "object", "string"]
            },
            "headers": {
                "description": "Header names (any case) to expected values or matchers.",
                "type": "object"
            },
            "json": {
                "description": "JSONPath (RFC 9535) keys to expected values or matchers.",
                "type": "object",
                "propertyNames": { "pattern": "^\\$" }
            },
            "body": { "description": "The raw body: an expected text or a matcher." }
        },
        "patternProperties": { "^\\$": {} },
        "additionalProperties": false
    })
}

fn capture_schema() -> Value {
    json!({
        "description": "Values taken from the response into variables for later steps: a JSONPath, or `{ jsonpath | header | status, all, secret }`.",
        "type": ["object", "null"],
        "propertyNames": { "pattern": "^[A-Za-z_][A-Za-z0-9_]*$" },
        "additionalProperties": {
            "anyOf": [
                { "type": "string", "pattern": "^\\$" },
                {
                    "type": "object",
                    "properties": {
                        "jsonpath": { "type": "string", "pattern": "^\\$" },
                        "header": { "type": "string" },
                        "status": { "const": true },
                        "all": { "type": "boolean", "description": "Every match, as a list." },
                        "secret": { "type": "boolean", "description": "Redact the value everywhere." }
                    },
                    "additionalProperties": false
                }
            ]
        }
    })
}
