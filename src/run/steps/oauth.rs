//! The OAuth steps: `auth_link` (builds the link, with state, nonce and PKCE), `exchange`
//! and `refresh` (the token endpoint, form-encoded), and `extend` (the connection).

use serde_json::{Value, json};

use super::super::base_url::BaseUrl;
use super::super::executor::{ScenarioState, StepError};
use crate::exchange::{HttpRequest, HttpResponse, RequestBody};
use crate::scenario::Step;
use crate::scenario::actions::{
    AuthLinkParams, CodeVerifier, ExchangeParams, ExtendParams, RefreshParams,
};
use crate::scenario::model::value_to_text;
use crate::secret::Secret;

/// Scopes an auth link asks for when the step names none.
pub const DEFAULT_SCOPES: &[&str] = &[
    "info",
    "accounts",
    "balance",
    "transactions",
    "offline_access",
];

/// Builds the auth link and remembers its state, nonce, redirect URI and PKCE verifier.
pub fn auth_link(
    state: &mut ScenarioState<'_>,
    params: AuthLinkParams,
) -> Result<HttpResponse, StepError> {
    let target = &state.run.target;
    let scope = params
        .scope
        .map(|s| s.words())
        .unwrap_or_else(|| DEFAULT_SCOPES.iter().map(|s| s.to_string()).collect());
    let providers = params
        .providers
        .map(|p| p.words())
        .unwrap_or_else(|| target.providers.clone());
    let redirect_uri = params
        .redirect_uri
        .unwrap_or_else(|| target.redirect_uri.clone());
    let link_state = params.state.unwrap_or_else(random_token);
    let nonce = params.nonce.unwrap_or_else(random_token);
    let client_id = params.client_id.unwrap_or_else(|| target.client_id.clone());

    let mut url = state
        .run
        .auth_base
        .join("/")
        .map_err(|e| crate::source::Diagnostic::new(format!("invalid auth URL: {e}")))?;
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("response_type", "code");
        q.append_pair("client_id", &client_id);
        q.append_pair("redirect_uri", &redirect_uri);
        q.append_pair("scope", &scope.join(" "));
        q.append_pair("state", &link_state);
        q.append_pair("nonce", &nonce);
        if !providers.is_empty() {
            q.append_pair("providers", &providers.join(" "));
        }
        if let Some(provider_id) = &params.provider_id {
            q.append_pair("provider_id", provider_id);
        }
        if let Some(mode) = &params.response_mode {
            q.append_pair("response_mode", mode);
        }
        if params.pkce {
            let verifier = format!("{}{}", random_token(), random_token());
            q.append_pair("code_challenge", &pkce_challenge(&verifier));
            q.append_pair("code_challenge_method", "S256");
            state.redactor.add(&verifier);
            state.session.code_verifier = Some(Secret::new(verifier));
        } else {
            state.session.code_verifier = None;
        }
        for (k, v) in &params.extra {
            q.append_pair(k, &value_to_text(v));
        }
    }
    state.record_local(
        format_args!("auth link {url}"),
        "(built locally: the user opens it)\n",
    );
    let session = &mut state.session;
    let link = url.to_string();
    session.link = Some(link.clone());
    session.link_url = Some(url);
    session.state = Some(link_state.clone());
    session.nonce = Some(nonce.clone());
    session.redirect_uri = Some(redirect_uri.clone());
    session.response_mode = params.response_mode.clone();
    Ok(HttpResponse::from_json(json!({
        "url": link,
        "state": link_state,
        "nonce": nonce,
        "redirect_uri": redirect_uri,
        "scope": scope,
        "providers": providers,
        "pkce": params.pkce,
    })))
}

/// `exchange`: the code for tokens, at `{auth}/connect/token`.
pub async fn exchange(
    state: &mut ScenarioState<'_>,
    step: &Step,
    params: ExchangeParams,
) -> Result<HttpResponse, StepError> {
    let session = &state.session;
    let code = params
        .code
        .or_else(|| session.code.as_ref().map(|c| c.expose().to_owned()))
        .ok_or_else(|| {
            step.source
                .error_at(&step.action.path, "there is no code to exchange")
                .help("run `await_code` first, or give `code:`")
        })?;
    let redirect_uri = params
        .redirect_uri
        .or_else(|| session.redirect_uri.clone())
        .unwrap_or_else(|| state.run.target.redirect_uri.clone());
    let mut form = vec![
        ("grant_type".to_owned(), "authorization_code".to_owned()),
        client_id(state, params.client_id),
        client_secret(state, params.client_secret),
        ("redirect_uri".to_owned(), redirect_uri),
        ("code".to_owned(), code),
    ];
    let verifier = match params.code_verifier {
        Some(CodeVerifier::Value(given)) => Some(given),
        Some(CodeVerifier::Session(false)) => None,
        Some(CodeVerifier::Session(true)) | None => session
            .code_verifier
            .as_ref()
            .map(|v| v.expose().to_owned()),
    };
    if let Some(verifier) = verifier {
        form.push(("code_verifier".to_owned(), verifier));
    }
    token_request(state, step, form).await
}

/// `refresh`: a new access token (and, on rotation, a new refresh token).
pub async fn refresh(
    state: &mut ScenarioState<'_>,
    step: &Step,
    params: RefreshParams,
) -> Result<HttpResponse, StepError> {
    let refresh_token = params
        .refresh_token
        .or_else(|| {
            state
                .session
                .refresh_token
                .as_ref()
                .map(|t| t.expose().to_owned())
        })
        .ok_or_else(|| {
            step.source
                .error_at(
                    &step.action.path,
                    "there is no refresh token in the session",
                )
                .help("the token response had none: was `offline_access` in the auth link's scope?")
        })
        .or_else(|e| {
            if state.run.dry_run {
                Ok("<refresh_token>".to_owned())
            } else {
                Err(e)
            }
        })?;
    let form = vec![
        ("grant_type".to_owned(), "refresh_token".to_owned()),
        client_id(state, params.client_id),
        client_secret(state, params.client_secret),
        ("refresh_token".to_owned(), refresh_token),
    ];
    token_request(state, step, form).await
}

/// `extend`: extends the connection; new tokens, or a link to re-authenticate.
pub async fn extend(
    state: &mut ScenarioState<'_>,
    step: &Step,
    params: ExtendParams,
) -> Result<HttpResponse, StepError> {
    let target = &state.run.target;
    let refresh_token = params.refresh_token.or_else(|| {
        state
            .session
            .refresh_token
            .as_ref()
            .map(|t| t.expose().to_owned())
    });
    let redirect_uri = params
        .redirect_uri
        .or_else(|| state.session.redirect_uri.clone())
        .unwrap_or_else(|| target.redirect_uri.clone());
    let user = params.user.unwrap_or_else(
        || json!({ "id": "obflow-user", "name": "obflow user", "email": "user@example.com" }),
    );
    let body = json!({
        "client_id": target.client_id,
        "client_secret": target.client_secret.expose(),
        "refresh_token": refresh_token,
        "redirect_uri": redirect_uri,
        "user_has_reconfirmed_consent": params.user_has_reconfirmed_consent,
        "user": user,
    });
    let url = endpoint(&state.run.api_base, "/connections/extend", step)?;
    let request = HttpRequest {
        method: reqwest::Method::POST,
        url,
        headers: vec![],
        body: Some(RequestBody::Json(body)),
        timeout: state.run.default_timeout,
    };
    let response = state.send(request, &step.action.path, &step.source).await?;
    if (200..300).contains(&response.status)
        && let Some(json) = response.json()
    {
        match json.get("action_needed").and_then(Value::as_str) {
            Some("no_action_needed") => state.session.absorb_tokens(json),
            Some("authentication_needed") => {
                if let Some(link) = json.get("user_input_link").and_then(Value::as_str) {
                    state.session.link = Some(link.to_owned());
                    state.session.link_url = None;
                    state.session.redirect_uri =
                        Some(redirect_uri_of(link).unwrap_or(redirect_uri));
                    state.session.state = state_of(link);
                }
            }
            _ => {}
        }
    }
    Ok(response)
}

async fn token_request(
    state: &mut ScenarioState<'_>,
    step: &Step,
    form: Vec<(String, String)>,
) -> Result<HttpResponse, StepError> {
    let url = endpoint(&state.run.auth_base, "/connect/token", step)?;
    let request = HttpRequest {
        method: reqwest::Method::POST,
        url,
        headers: vec![],
        body: Some(RequestBody::Form(form)),
        timeout: state.run.default_timeout,
    };
    let response = state.send(request, &step.action.path, &step.source).await?;
    if response.status == 200
        && let Some(json) = response.json()
    {
        state.session.absorb_tokens(json);
    }
    Ok(response)
}

fn client_id(state: &ScenarioState<'_>, given: Option<String>) -> (String, String) {
    (
        "client_id".to_owned(),
        given.unwrap_or_else(|| state.run.target.client_id.clone()),
    )
}

fn client_secret(state: &ScenarioState<'_>, given: Option<String>) -> (String, String) {
    // The target's secret is known to the run's redactor already; a given one is new.
    if let Some(given) = &given {
        state.redactor.declare(given);
    }
    let secret = given.unwrap_or_else(|| state.run.target.client_secret.expose().to_owned());
    ("client_secret".to_owned(), secret)
}

pub fn endpoint(base: &BaseUrl, path: &str, step: &Step) -> Result<url::Url, StepError> {
    base.join(path).map_err(|e| {
        step.source
            .error_at(
                &step.action.path,
                format!("invalid target URL `{}{path}`: {e}", base.as_str()),
            )
            .into()
    })
}

fn query_value(link: &str, name: &str) -> Option<String> {
    let url = url::Url::parse(link).ok()?;
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

fn redirect_uri_of(link: &str) -> Option<String> {
    query_value(link, "redirect_uri")
}

fn state_of(link: &str) -> Option<String> {
    query_value(link, "state")
}

/// A random URL-safe token for state, nonce and PKCE verifiers.
pub fn random_token() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// PKCE S256: base64url(sha256(verifier)), unpadded (RFC 7636 §4.2).
pub fn pkce_challenge(verifier: &str) -> String {
    use base64::Engine;
    use sha2::Digest;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier))
}

#[cfg(test)]
mod tests {
    #[test]
    fn pkce_challenge_matches_rfc_7636_appendix_b() {
        assert_eq!(
            super::pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }
}
