//! One scenario, start to end: its variables, its steps in order, its captures and cookies.
//! A failed step stops the scenario; the steps after it are reported as skipped.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::cookie::Jar;
use serde_json::{Map, Value};

use super::RunContext;
use super::event::{Outcome, ScenarioReport, StepReport, Transcript};
use super::http::{self, HttpRequest, HttpResponse, RequestBody};
use super::render::render_tree;
use crate::check::{CheckFailure, ResponseView};
use crate::diagnostic::Diagnostic;
use crate::scenario::model::{RequestFields, RequestSpec, read_timeout, value_to_text};
use crate::scenario::{Action, Scenario, Step};
use crate::secret::is_secret_name;
use crate::template::Context;

/// The state of one scenario while it runs.
pub struct ScenarioRun<'a> {
    run: &'a RunContext,
    scenario: &'a Scenario,
    vars: Map<String, Value>,
    captures: Map<String, Value>,
    /// Responses of earlier steps that have an id, as templates see them (`steps.<id>`).
    step_results: Map<String, Value>,
    cookies: Arc<Jar>,
}

/// What one step produced before checks: the exchanges it made and its last response.
struct StepEffect {
    response: HttpResponse,
    transcripts: Vec<Transcript>,
}

impl<'a> ScenarioRun<'a> {
    pub fn new(run: &'a RunContext, scenario: &'a Scenario) -> Self {
        ScenarioRun {
            run,
            scenario,
            vars: Map::new(),
            captures: Map::new(),
            step_results: Map::new(),
            cookies: Arc::new(Jar::default()),
        }
    }

    /// Runs every step and reports how the scenario went.
    pub async fn execute(mut self, index: usize) -> ScenarioReport {
        let started = Instant::now();
        let mut steps = Vec::with_capacity(self.scenario.steps.len());
        let mut failed = false;

        if let Err(diagnostic) = self.bind_vars() {
            failed = true;
            // A variable that cannot be rendered fails the first step: nothing can run.
            if let Some(first) = self.scenario.steps.first() {
                steps.push(step_report(
                    first,
                    Outcome::Failed,
                    Duration::ZERO,
                    vec![],
                    Some(diagnostic),
                    vec![],
                ));
            }
        }
        for step in &self.scenario.steps[steps.len()..] {
            if failed {
                steps.push(step_report(
                    step,
                    Outcome::Skipped,
                    Duration::ZERO,
                    vec![],
                    None,
                    vec![],
                ));
                continue;
            }
            let report = self.run_step(step).await;
            failed = report.outcome == Outcome::Failed;
            steps.push(report);
        }
        ScenarioReport {
            index,
            name: self.scenario.name.clone(),
            file: self.scenario.file().to_path_buf(),
            source: self.scenario.source.clone(),
            outcome: if failed {
                Outcome::Failed
            } else {
                Outcome::Passed
            },
            duration: started.elapsed(),
            steps,
        }
    }

    /// Renders `vars` in order (each may use the ones before it); `--var` wins over the file.
    fn bind_vars(&mut self) -> Result<(), Diagnostic> {
        for (name, value) in &self.run.cli_vars {
            self.vars.insert(name.clone(), value.clone());
        }
        for (name, value) in &self.scenario.vars {
            if self.run.cli_vars.iter().any(|(n, _)| n == name) {
                continue;
            }
            let path = crate::scenario::YamlPath::root().key("vars").key(name);
            let ctx = self.context();
            let rendered = render_tree(
                &self.run.templates,
                value,
                &path,
                &self.scenario.source,
                &ctx,
            )?;
            self.vars.insert(name.clone(), rendered);
        }
        for (name, value) in &self.vars {
            if is_secret_name(name) || self.scenario.secrets.contains(name) {
                self.run.redactor.add_json(value);
            }
        }
        Ok(())
    }

    /// What templates see: variables and captures by name, plus `env`, `steps`, `vars`.
    fn context(&self) -> Context {
        let mut root = Map::with_capacity(self.vars.len() + self.captures.len() + 4);
        for (k, v) in self.vars.iter().chain(self.captures.iter()) {
            root.insert(k.clone(), v.clone());
        }
        root.insert("vars".into(), Value::Object(self.vars.clone()));
        root.insert("env".into(), self.run.env.clone());
        root.insert("steps".into(), Value::Object(self.step_results.clone()));
        root.insert(
            "scenario".into(),
            serde_json::json!({ "name": self.scenario.name, "file": self.scenario.file() }),
        );
        Context::new(&Value::Object(root))
    }

    async fn run_step(&mut self, step: &Step) -> StepReport {
        let started = Instant::now();
        let ctx = self.context();
        let effect = match &step.action {
            Action::Request(spec) => self.request_step(spec, &ctx).await,
        };
        let effect = match effect {
            Ok(effect) => effect,
            Err((diagnostic, transcripts)) => {
                return step_report(
                    step,
                    Outcome::Failed,
                    started.elapsed(),
                    vec![],
                    Some(diagnostic),
                    transcripts,
                );
            }
        };
        let response = &effect.response;
        http::learn_response_secrets(response, &self.run.redactor);
        let view = ResponseView {
            status: response.status,
            headers: &response.headers,
            body: &response.body,
            json: response.json.as_ref(),
        };
        let templates = &self.run.templates;
        let mut render = |v: &Value| templates.render_value(v, &ctx).map_err(|e| e.to_string());
        let failures: Vec<CheckFailure> = step
            .expect
            .evaluate(&view, &mut render)
            .into_iter()
            .map(|f| self.redact_failure(f))
            .collect();
        if !failures.is_empty() {
            return step_report(
                step,
                Outcome::Failed,
                started.elapsed(),
                failures,
                None,
                effect.transcripts,
            );
        }
        match step.capture.evaluate(&view) {
            Ok(captured) => {
                for c in captured {
                    if c.secret {
                        self.run.redactor.add_json(&c.value);
                    }
                    self.captures.insert(c.name, c.value);
                }
            }
            Err(failure) => {
                let failure = self.redact_failure(failure);
                return step_report(
                    step,
                    Outcome::Failed,
                    started.elapsed(),
                    vec![failure],
                    None,
                    effect.transcripts,
                );
            }
        }
        if let Some(id) = &step.id {
            self.step_results
                .insert(id.clone(), response.to_template_value());
        }
        step_report(
            step,
            Outcome::Passed,
            started.elapsed(),
            vec![],
            None,
            effect.transcripts,
        )
    }

    /// Check failures quote response values; scrub them like any other output.
    fn redact_failure(&self, mut f: CheckFailure) -> CheckFailure {
        f.expected = self.run.redactor.redact(&f.expected).into_owned();
        f.actual = self.run.redactor.redact(&f.actual).into_owned();
        f
    }

    async fn request_step(
        &mut self,
        spec: &RequestSpec,
        ctx: &Context,
    ) -> Result<StepEffect, (Diagnostic, Vec<Transcript>)> {
        let source = &self.scenario.source;
        let rendered = render_tree(&self.run.templates, &spec.raw, &spec.path, source, ctx)
            .map_err(|d| (d, vec![]))?;
        let fields: RequestFields =
            crate::scenario::load::deserialize(&rendered, source, &spec.path)
                .map_err(|mut d| (d.remove(0), vec![]))?;
        let request = self.build_request(fields, spec).map_err(|d| (d, vec![]))?;
        self.send(&request, spec).await
    }

    fn build_request(
        &self,
        fields: RequestFields,
        spec: &RequestSpec,
    ) -> Result<HttpRequest, Diagnostic> {
        let source = &self.scenario.source;
        let method = reqwest::Method::from_bytes(fields.method.to_ascii_uppercase().as_bytes())
            .map_err(|_| {
                source.error_at(
                    &spec.path.key("method"),
                    format!("`{}` is not an HTTP method", fields.method),
                )
            })?;
        let mut url = url::Url::parse(&fields.url).map_err(|e| {
            source
                .error_at(
                    &spec.path.key("url"),
                    format!(
                        "invalid URL `{}`: {e}",
                        self.run.redactor.redact(&fields.url)
                    ),
                )
                .help("write an absolute URL, e.g. `http://127.0.0.1:8080/path`")
        })?;
        if !fields.query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (k, v) in &fields.query {
                match v {
                    Value::Array(items) => items.iter().for_each(|i| {
                        pairs.append_pair(k, &value_to_text(i));
                    }),
                    other => {
                        pairs.append_pair(k, &value_to_text(other));
                    }
                }
            }
        }
        let headers = fields
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), value_to_text(v)))
            .collect();
        let body = if let Some(form) = fields.form {
            Some(RequestBody::Form(
                form.iter()
                    .map(|(k, v)| (k.clone(), value_to_text(v)))
                    .collect(),
            ))
        } else if let Some(json) = fields.json {
            Some(RequestBody::Json(json))
        } else {
            fields.body.map(RequestBody::Raw)
        };
        let timeout = match &fields.timeout {
            Some(t) => {
                read_timeout(t).map_err(|msg| source.error_at(&spec.path.key("timeout"), msg))?
            }
            None => self.run.default_timeout,
        };
        Ok(HttpRequest {
            method,
            url,
            headers,
            body,
            timeout,
        })
    }

    async fn send(
        &mut self,
        request: &HttpRequest,
        spec: &RequestSpec,
    ) -> Result<StepEffect, (Diagnostic, Vec<Transcript>)> {
        http::learn_request_secrets(request, &self.run.redactor);
        let result = http::send(&self.run.client, &self.cookies, request).await;
        let record = self.run.record_transcripts;
        let request_text = if record {
            http::describe_request(request, &self.run.redactor)
        } else {
            String::new()
        };
        match result {
            Ok(response) => {
                http::learn_response_secrets(&response, &self.run.redactor);
                let transcripts = if record {
                    vec![Transcript {
                        request: request_text,
                        response: http::describe_response(&response, &self.run.redactor),
                    }]
                } else {
                    vec![]
                };
                Ok(StepEffect {
                    response,
                    transcripts,
                })
            }
            Err(err) => {
                let target = self.run.redactor.redact(request.url.as_str()).into_owned();
                let d = self
                    .scenario
                    .source
                    .error_at(
                        &spec.path,
                        format!("request failed: {} {target}: {err}", request.method),
                    )
                    .help(match err {
                        http::HttpError::Timeout(_) => {
                            "the server did not answer in time: raise `timeout` or check the server"
                        }
                        http::HttpError::Connect(_) => {
                            "is the server running, and is the URL right?"
                        }
                        http::HttpError::Other(_) => "check the request's URL, headers and body",
                    });
                let transcripts = if record {
                    vec![Transcript {
                        request: request_text,
                        response: format!("(no response: {err})\n"),
                    }]
                } else {
                    vec![]
                };
                Err((d, transcripts))
            }
        }
    }
}

fn step_report(
    step: &Step,
    outcome: Outcome,
    duration: Duration,
    failures: Vec<CheckFailure>,
    error: Option<Diagnostic>,
    exchanges: Vec<Transcript>,
) -> StepReport {
    StepReport {
        index: step.index,
        label: step.label(),
        keyword: step.action.keyword(),
        outcome,
        duration,
        failures,
        error,
        exchanges,
    }
}
