//! Checks (`expect`) and captures. STUB until the check branch lands.
#![allow(dead_code, unused_variables)]

use crate::diagnostic::{Diagnostic, Location};
use crate::scenario::{SourceFile, YamlPath};

pub struct ResponseView<'a> {
    pub status: u16,
    pub headers: &'a [(String, String)],
    pub body: &'a str,
    pub json: Option<&'a serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CheckFailure {
    pub check: String,
    pub expected: String,
    pub actual: String,
    pub location: Location,
}

#[derive(Debug, Default)]
pub struct Expectation {
    status: Option<(u16, Location)>,
}

impl Expectation {
    pub fn parse(
        raw: &serde_json::Value,
        file: &SourceFile,
        path: &YamlPath,
    ) -> Result<Expectation, Vec<Diagnostic>> {
        let status = raw
            .get("status")
            .and_then(|s| s.as_u64())
            .map(|s| (s as u16, file.location(&path.key("status"))));
        Ok(Expectation { status })
    }
    pub fn is_empty(&self) -> bool {
        self.status.is_none()
    }
    pub fn evaluate(
        &self,
        response: &ResponseView<'_>,
        render: &mut dyn FnMut(&serde_json::Value) -> Result<serde_json::Value, String>,
    ) -> Vec<CheckFailure> {
        match &self.status {
            Some((s, loc)) if *s != response.status => vec![CheckFailure {
                check: "status".into(),
                expected: s.to_string(),
                actual: response.status.to_string(),
                location: loc.clone(),
            }],
            _ => vec![],
        }
    }
}

#[derive(Debug, Default)]
pub struct CaptureSet(Vec<()>);
pub struct Captured {
    pub name: String,
    pub value: serde_json::Value,
    pub secret: bool,
}
impl CaptureSet {
    pub fn parse(
        raw: &serde_json::Value,
        file: &SourceFile,
        path: &YamlPath,
    ) -> Result<CaptureSet, Vec<Diagnostic>> {
        Ok(CaptureSet(vec![]))
    }
    pub fn names(&self) -> impl Iterator<Item = &str> {
        std::iter::empty()
    }
    pub fn evaluate(&self, response: &ResponseView<'_>) -> Result<Vec<Captured>, CheckFailure> {
        Ok(vec![])
    }
}
