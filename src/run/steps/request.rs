//! `request`: a generic HTTP request, for anything the typed steps do not cover.

use serde_json::Value;

use super::super::executor::{ScenarioState, StepError};
use crate::exchange::{HttpRequest, HttpResponse, RequestBody};
use crate::scenario::Step;
use crate::scenario::model::{RequestFields, value_to_text};

pub async fn run(
    state: &mut ScenarioState<'_>,
    step: &Step,
    fields: RequestFields,
) -> Result<HttpResponse, StepError> {
    let request = build(state, step, fields)?;
    state.send(request, &step.action.path, &step.source).await
}

fn build(
    state: &ScenarioState<'_>,
    step: &Step,
    fields: RequestFields,
) -> Result<HttpRequest, StepError> {
    let source = &step.source;
    let path = &step.action.path;
    let method = fields.http_method(source, path)?;
    let mut url = url::Url::parse(&fields.url).map_err(|e| {
        source
            .error_at(
                &path.key("url"),
                format!("invalid URL `{}`: {e}", state.redactor.redact(&fields.url)),
            )
            .help("write an absolute URL, e.g. `{{ target.api_url }}/data/v1/me`")
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
        Some(t) => crate::duration::request_timeout(t)
            .map_err(|msg| source.error_at(&path.key("timeout"), msg))?,
        None => state.run.default_timeout,
    };
    Ok(HttpRequest {
        method,
        url,
        headers,
        body,
        timeout,
    })
}
