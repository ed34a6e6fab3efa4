//! The typed scenario: what a loaded, validated scenario file says.
//!
//! Values that may hold templates stay as `serde_json::Value` trees (with the YAML path they
//! came from) until the engine renders them; everything else is checked and typed at load.

use std::sync::Arc;
use std::time::Duration;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

use super::actions::ActionKind;
use crate::check::{CaptureSet, Expectation};
use crate::snapshot::{NameUse, StepIdentity, base_name};
use crate::source::{Location, SourceFile, YamlPath};

/// One scenario file, loaded and validated.
#[derive(Debug)]
pub struct Scenario {
    pub name: String,
    /// Whether a step `wait`s: such a scenario gets a virtual clock of its own on a mock.
    pub moves_time: bool,
    pub description: Option<String>,
    pub tags: Vec<String>,
    /// `vars`, in file order: later ones may use earlier ones in templates.
    pub vars: Vec<(String, Value)>,
    /// Names of variables whose values are secret, besides those named like one.
    pub secrets: Vec<String>,
    pub steps: Vec<Step>,
    pub source: Arc<SourceFile>,
    /// The `--var` names the scenario reads (in a template, or as a variable it defines and
    /// `--var` overrides), so a `--var` no selected scenario reads can be pointed out.
    pub cli_vars_used: Vec<String>,
}

impl Scenario {
    /// Stands for a scenario whose file no longer loads, so its failure can be reported.
    pub fn unreadable(file: std::path::PathBuf, name: String, text: String) -> Scenario {
        let source = Arc::new(SourceFile::unparsed(file, text));
        Scenario {
            name,
            moves_time: false,
            description: None,
            tags: Vec::new(),
            vars: Vec::new(),
            secrets: Vec::new(),
            steps: Vec::new(),
            cli_vars_used: Vec::new(),
            source,
        }
    }

    /// Where the scenario's `name` is written.
    pub fn location(&self) -> Location {
        self.source.location(&YamlPath::root().key("name"))
    }

    /// Every snapshot name the scenario's steps write.
    pub fn snapshot_uses(&self) -> Vec<NameUse> {
        self.steps
            .iter()
            .filter_map(|step| {
                let spec = step.snapshot.as_ref()?;
                Some(NameUse::new(
                    base_name(&step.snapshot_identity(self.file()), spec),
                    step.for_each.is_some(),
                    &spec.spot,
                ))
            })
            .collect()
    }

    /// The file the scenario came from, as the user named it.
    pub fn file(&self) -> &std::path::Path {
        &self.source.path
    }

    pub fn has_tag(&self, tag: &str) -> bool {
        self.tags.iter().any(|t| t == tag)
    }
}

/// One step: exactly one action, then its expectations and captures.
#[derive(Debug)]
pub struct Step {
    /// Position in the scenario (after includes are expanded), from 0.
    pub index: usize,
    pub id: Option<String>,
    /// A short sentence saying what the step is for (shown in reports and guides).
    pub name: Option<String>,
    /// `note:`: what a reader of the scenario's guide should know about the step, shown
    /// under its heading (Markdown limited to code spans). The engine never reads it.
    pub note: Option<String>,
    pub action: Action,
    pub expect: Expectation,
    pub capture: CaptureSet,
    // The three below are rare, and boxed so that every other step stays small: a large
    // suite keeps thousands of steps in memory.
    /// `snapshot:`: compare the response with a stored snapshot.
    pub snapshot: Option<Box<crate::snapshot::SnapshotSpec>>,
    /// Repeat the step once per item of a list.
    pub for_each: Option<Box<ForEach>>,
    /// Run the step again while it fails (`retry:`).
    pub retry: Option<Box<Retry>>,
    /// `max_body:`: the most this step reads of a response body, instead of `--max-body`.
    pub max_body: Option<u64>,
    /// Variables set by the `include` this step came from, rendered before it runs.
    pub scope: Vec<ScopedVar>,
    /// Whether the action or `for_each` holds templates (else no context is built for it).
    pub templated: bool,
    /// The file the step is written in: the scenario's, or an included flow's.
    pub source: Arc<SourceFile>,
    /// `steps[i]` in that file.
    pub path: YamlPath,
}

impl Step {
    /// The step as its snapshot is named and described; `file` is its scenario's.
    pub fn snapshot_identity<'a>(&'a self, file: &'a std::path::Path) -> StepIdentity<'a> {
        StepIdentity {
            file,
            index: self.index,
            id: self.id.as_deref(),
            name: self.name.as_deref(),
            keyword: self.action.keyword(),
        }
    }

    /// How reports name the step: its id, or its position and action.
    pub fn label(&self) -> String {
        match &self.id {
            Some(id) => id.clone(),
            None => format!("#{} {}", self.index + 1, self.action.keyword()),
        }
    }

    /// Where the step starts in its file.
    pub fn location(&self) -> Location {
        self.source.location(&self.path)
    }

    /// Whether the step wrote its own expectations (which then replace the default check
    /// that a typed step succeeded).
    pub fn has_expectations(&self) -> bool {
        !self.expect.is_empty()
    }
}

/// `for_each: <list>` with `as: <name>` (default `item`).
#[derive(Debug)]
pub struct ForEach {
    pub items: Value,
    pub var: String,
    pub path: YamlPath,
}

/// `retry: N` or `retry: { count, interval, until }`: after a failed attempt, wait
/// `interval` and run the step again, at most `count` more times. `until` is a condition in
/// `expect`'s syntax that must hold too; unlike `expect`, it keeps the step's default check.
#[derive(Debug)]
pub struct Retry {
    /// Retries after the first attempt: the step runs at most `count + 1` times.
    pub count: u32,
    pub interval: Duration,
    pub until: Option<Expectation>,
}

/// A variable an `include` sets for the steps it brings in.
#[derive(Debug, Clone)]
pub struct ScopedVar {
    pub name: String,
    pub value: Value,
    pub path: YamlPath,
    pub source: Arc<SourceFile>,
}

/// What a step does: the action keyword and its parameters as written (a template tree).
#[derive(Debug)]
pub struct Action {
    pub kind: ActionKind,
    pub raw: Value,
    pub path: YamlPath,
}

/// Keys a step may have besides its action.
pub const STEP_KEYS: &[&str] = &[
    "id", "name", "note", "expect", "capture", "snapshot", "for_each", "as", "retry", "max_body",
];

impl Action {
    pub fn keyword(&self) -> &'static str {
        self.kind.keyword()
    }
}

/// The fields of a `request`, as read after rendering (and, at load, to validate the shape).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestFields {
    #[serde(default = "default_method")]
    pub method: String,
    pub url: String,
    #[serde(default)]
    pub query: indexmap::IndexMap<String, Value>,
    #[serde(default)]
    pub headers: indexmap::IndexMap<String, Value>,
    /// A form body, sent `application/x-www-form-urlencoded`.
    pub form: Option<indexmap::IndexMap<String, Value>>,
    /// A JSON body.
    pub json: Option<Value>,
    /// A raw text body, sent as is.
    pub body: Option<String>,
    /// `10s`, `500ms`...; the run's default when absent.
    pub timeout: Option<Value>,
}

impl RequestFields {
    /// The HTTP method, or a located error saying which ones exist. Checked at load (when
    /// the method is not a template) and again after rendering.
    pub fn http_method(
        &self,
        source: &SourceFile,
        path: &YamlPath,
    ) -> Result<reqwest::Method, crate::source::Diagnostic> {
        reqwest::Method::from_bytes(self.method.to_ascii_uppercase().as_bytes()).map_err(|_| {
            source
                .error_at(
                    &path.key("method"),
                    format!("`{}` is not an HTTP method", self.method),
                )
                .help("use GET, POST, PUT, PATCH, DELETE, HEAD or OPTIONS")
        })
    }
}

fn default_method() -> String {
    "GET".to_owned()
}

/// The top level of a scenario file, as serde reads it. Steps are read separately, key by
/// key, so that an unknown action or a step with two actions gets a precise error.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScenarioHeader {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub vars: indexmap::IndexMap<String, Value>,
    #[serde(default)]
    pub secrets: Vec<String>,
    #[schemars(with = "Vec<Value>")]
    pub steps: StepSequence,
}

/// `steps:` as serde reads the top level: checked to be a list, but not copied. The loader
/// reads each step from the document itself, key by key; copying the whole list here first
/// cost more than reading the rest of the header.
#[derive(Debug)]
pub struct StepSequence;

impl<'de> Deserialize<'de> for StepSequence {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = StepSequence;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a sequence")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<StepSequence, A::Error> {
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(StepSequence)
            }
        }
        deserializer.deserialize_seq(Visitor)
    }
}

/// Renders a JSON value as a short string for messages: strings bare, the rest as JSON.
pub fn value_to_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}
