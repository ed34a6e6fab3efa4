//! [`Context`]: what templates can see, a map of root names (vars, captures, `env`,
//! `steps`, ...) already converted to template values.

use std::fmt;

use minijinja::Value;

use super::convert::json_to_value;

/// What templates can see: a map whose keys are the root names (vars, captures, `env`,
/// `steps`, ...), already converted to minijinja values so rendering never converts.
#[derive(Clone)]
pub struct Context {
    root: Value,
}

impl Context {
    /// `root` must be a JSON object; its keys are the template's root names. Anything else
    /// gives an empty context.
    pub fn new(root: &serde_json::Value) -> Self {
        match root {
            serde_json::Value::Object(_) => Context {
                root: json_to_value(root),
            },
            _ => Context::empty(),
        }
    }

    /// A context with no names at all.
    pub fn empty() -> Self {
        Context {
            root: Value::from(std::collections::BTreeMap::<String, Value>::new()),
        }
    }

    /// A context from already-converted values, so that an engine can convert each step
    /// result once (with [`to_template_value`]) and reuse it in every later step's context.
    pub fn from_values<I, K>(entries: I) -> Self
    where
        I: IntoIterator<Item = (K, Value)>,
        K: Into<String>,
    {
        Context {
            root: Value::from(
                entries
                    .into_iter()
                    .map(|(k, v)| (k.into(), v))
                    .collect::<std::collections::BTreeMap<String, Value>>(),
            ),
        }
    }

    /// The root map as a minijinja value.
    pub fn as_value(&self) -> &Value {
        &self.root
    }
}

impl Default for Context {
    fn default() -> Self {
        Context::empty()
    }
}

impl fmt::Debug for Context {
    // Contexts hold tokens and secrets: never print their values.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<String> = self
            .root
            .try_iter()
            .map(|keys| keys.map(|k| k.to_string()).collect())
            .unwrap_or_default();
        f.debug_struct("Context")
            .field("names", &names)
            .finish_non_exhaustive()
    }
}
