//! `await_code`: the user goes through the auth dialog and comes back to the redirect URI
//! with a code (or an error). Four ways to get it: `auto` plays the user in the mock's
//! dialog over HTTP, `listen` waits on the redirect URI's loopback port for a real browser,
//! `prompt` asks on the terminal, `value` takes it from a template.

mod auto;
mod listen;
mod prompt;

use std::time::Duration;

use serde_json::json;

use super::super::executor::{ScenarioState, StepError};
use crate::exchange::HttpResponse;
use crate::scenario::Step;
use crate::scenario::actions::{AwaitCodeParams, CodeSource};
use crate::scenario::model::{read_timeout, value_to_text};
use crate::secret::Secret;

/// How long `listen` and `prompt` wait for a person unless the step says otherwise.
pub const DEFAULT_HUMAN_TIMEOUT: Duration = Duration::from_secs(300);

/// What came back to the redirect URI.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Callback {
    pub code: Option<String>,
    pub state: Option<String>,
    pub scope: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

impl Callback {
    /// Reads a redirect URL's query (or a `form_post` body: the same encoding).
    pub fn from_query(query: &str) -> Callback {
        let mut cb = Callback::default();
        for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
            let v = Some(v.into_owned());
            match k.as_ref() {
                "code" => cb.code = v,
                "state" => cb.state = v,
                "scope" => cb.scope = v,
                "error" => cb.error = v,
                "error_description" => cb.error_description = v,
                _ => {}
            }
        }
        cb
    }

    /// Reads a redirect URL's query: what `Url::query` gives, found without parsing the
    /// whole URL (a parse runs the host through IDNA, most of what this step costs).
    pub fn from_url(url: &str) -> Callback {
        let before_fragment = url.split_once('#').map_or(url, |(before, _)| before);
        Callback::from_query(before_fragment.split_once('?').map_or("", |(_, q)| q))
    }

    pub fn is_empty(&self) -> bool {
        self.code.is_none() && self.error.is_none()
    }
}

pub async fn run(
    state: &mut ScenarioState<'_>,
    step: &Step,
    params: AwaitCodeParams,
) -> Result<HttpResponse, StepError> {
    let link = params.link.clone().or_else(|| state.session.link.clone());
    let timeout = match &params.timeout {
        Some(t) => read_timeout(t)
            .map_err(|m| step.source.error_at(&step.action.path.key("timeout"), m))?,
        None => DEFAULT_HUMAN_TIMEOUT,
    };
    let need_link = || -> Result<String, StepError> {
        link.clone().ok_or_else(|| {
            step.source
                .error_at(&step.action.path, "there is no auth link to open")
                .help("run `auth_link` first, or give `link:`")
                .into()
        })
    };
    let callback = match params.via {
        // A dry run opens no dialog: later steps see a placeholder code.
        _ if state.run.dry_run => Callback {
            code: Some("<code>".to_owned()),
            state: state.session.state.clone(),
            ..Callback::default()
        },
        CodeSource::Value => {
            let value = params.value.as_ref().map(value_to_text).unwrap_or_default();
            if value.contains("code=") || value.contains("error=") {
                Callback::from_url(&value)
            } else {
                Callback {
                    code: Some(value).filter(|v| !v.is_empty()),
                    ..Callback::default()
                }
            }
        }
        CodeSource::Auto => auto::run(state, step, &params, &need_link()?).await?,
        CodeSource::Listen => listen::run(state, step, &params, &need_link()?, timeout).await?,
        CodeSource::Prompt => prompt::run(state, step, &need_link()?, timeout).await?,
    };
    // The state must come back unchanged: anything else is a forged or crossed redirect.
    if params.via != CodeSource::Value
        && let (Some(sent), Some(got)) = (&state.session.state, &callback.state)
        && sent != got
    {
        return Err(step
            .source
            .error_at(
                &step.action.path,
                "the redirect's `state` does not match the auth link's",
            )
            .note(format!("sent state={sent}, got state={got}"))
            .help("the redirect did not come from this auth link: start again from `auth_link`")
            .into());
    }
    if let Some(code) = &callback.code {
        state.redactor.add(code);
        state.session.code = Some(Secret::new(code.clone()));
    }
    Ok(HttpResponse::from_json(json!({
        "code": callback.code,
        "state": callback.state,
        "scope": callback.scope,
        "error": callback.error,
        "error_description": callback.error_description,
    })))
}

#[cfg(test)]
mod tests {
    use super::Callback;

    #[test]
    fn reads_codes_and_errors_from_redirects() {
        let cb = Callback::from_url(
            "http://localhost:3000/callback?code=abc&state=s1&scope=info%20accounts",
        );
        assert_eq!(cb.code.as_deref(), Some("abc"));
        assert_eq!(cb.state.as_deref(), Some("s1"));
        assert_eq!(cb.scope.as_deref(), Some("info accounts"));
        let cb = Callback::from_url("http://localhost:3000/callback?error=access_denied&state=s1");
        assert_eq!(cb.error.as_deref(), Some("access_denied"));
        assert!(cb.code.is_none());
        assert!(Callback::from_url("http://localhost:3000/callback").is_empty());
        // The query ends at a fragment; a `?` inside the fragment starts none.
        let cb = Callback::from_url("http://localhost:3000/cb?code=a+b%2F&state=s#code=frag");
        assert_eq!(cb.code.as_deref(), Some("a b/"));
        assert!(Callback::from_url("http://localhost:3000/cb#frag?code=x").is_empty());
        // Relative and odd URLs read the same way.
        assert_eq!(
            Callback::from_url("/cb?code=c1").code.as_deref(),
            Some("c1")
        );
    }
}
