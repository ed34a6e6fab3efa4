//! `wait`: lets time pass. On a mock it moves the scenario's virtual clock at once, so a
//! 90-day expiry takes milliseconds; elsewhere it really sleeps, bounded by `--max-wait`.

use serde_json::json;

use super::super::executor::{ScenarioState, StepError};
use crate::duration::format_duration;
use crate::exchange::{HttpRequest, HttpResponse, RequestBody};
use crate::scenario::Step;
use crate::scenario::actions::WaitParams;

pub async fn run(
    state: &mut ScenarioState<'_>,
    step: &Step,
    params: WaitParams,
) -> Result<HttpResponse, StepError> {
    let path = &step.action.path;
    let duration = crate::duration::from_value(params.duration())
        .map_err(|msg| step.source.error_at(path, msg))?;
    if state.run.target.is_mock() {
        let url = format!("{}/__mock/clock/advance", state.run.target.auth_url);
        let url = url::Url::parse(&url).map_err(|e| step.source.error_at(path, e.to_string()))?;
        let request = HttpRequest {
            method: reqwest::Method::POST,
            url,
            headers: vec![],
            body: Some(RequestBody::Json(json!({ "seconds": duration.as_secs() }))),
            timeout: state.run.default_timeout,
        };
        let response = state.send(request, path, &step.source).await?;
        if !(200..300).contains(&response.status) {
            return Err(step
                .source
                .error_at(
                    path,
                    format!("the mock refused to move its clock ({})", response.status),
                )
                .help("is the target an obflow mock? `wait` needs `mock: true` on custom targets")
                .into());
        }
        let now = response.json().and_then(|j| j.get("now")).cloned();
        return Ok(HttpResponse::from_json(
            json!({ "waited": format_duration(duration), "virtual": true, "now": now }),
        ));
    }
    if duration > state.run.max_wait {
        return Err(step
            .source
            .error_at(
                path,
                format!(
                    "waiting {} on target `{}` would take real time, more than --max-wait {}",
                    format_duration(duration),
                    state.run.target.name,
                    format_duration(state.run.max_wait)
                ),
            )
            .help("raise --max-wait, or run expiry scenarios against the mock, whose clock is virtual")
            .into());
    }
    tokio::time::sleep(duration).await;
    Ok(HttpResponse::from_json(
        json!({ "waited": format_duration(duration), "virtual": false }),
    ))
}
