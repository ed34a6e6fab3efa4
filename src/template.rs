//! Templates (minijinja). STUB until the template branch lands.
#![allow(dead_code, unused_variables)]

use std::collections::BTreeSet;

#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct TemplateError {
    pub message: String,
    pub undefined: Option<String>,
    pub char_range: Option<(usize, usize)>,
}

#[derive(Default)]
pub struct Templates;
pub struct Context(serde_json::Value);
impl Context {
    pub fn new(root: &serde_json::Value) -> Self {
        Context(root.clone())
    }
}
impl Templates {
    pub fn new() -> Self {
        Templates
    }
    pub fn is_template(source: &str) -> bool {
        source.contains("{{") || source.contains("{%")
    }
    pub fn validate(&self, source: &str) -> Result<BTreeSet<String>, TemplateError> {
        Ok(BTreeSet::new())
    }
    pub fn render_str(&self, source: &str, ctx: &Context) -> Result<String, TemplateError> {
        Ok(source.to_string())
    }
    pub fn render_value(
        &self,
        value: &serde_json::Value,
        ctx: &Context,
    ) -> Result<serde_json::Value, TemplateError> {
        Ok(value.clone())
    }
}
