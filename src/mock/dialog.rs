//! The auth dialog: the auth link (`GET /?...`) opens a [`DialogSession`]; the user then posts
//! the bank selection, consent and bank login forms; the dialog ends with a redirect (or a
//! `form_post` page) carrying a code or an error. The session id travels in the form action
//! path, so no cookies are needed.
//!
//! With `dialog: js` the pages are one script page (pages.rs) that asks for each step as
//! JSON and posts the forms with `fetch` (`Accept: application/json`); the same routes
//! answer either way, so `via: auto` works on both.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use super::body::{Params, RawBody};
use super::clock::ClockName;
use super::fixtures::DialogStyle;
use super::pages;
use super::state::{
    AuthCode, CONSENT_LIFETIME, Connection, ConnectionStatus, DIALOG_LIFETIME, DialogSession,
    DialogStep, MockState, new_id,
};
// Mock-only response headers that spare automated clients from scraping the pages.
use crate::protocol::{DIALOG_HEADER, ERROR_HEADER, NEXT_HEADER};

/// `GET /?response_type=code&client_id=...`: validates the auth link and shows the first page.
pub async fn start(
    State(state): State<Arc<MockState>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let params = Params::from_query(query.as_deref());
    match open_session(&state, &headers, &params) {
        Ok(session) => {
            let resp = render(&state, &session, None, StatusCode::OK, Reply::of(&headers));
            state.dialogs.insert(session.id.clone(), session);
            resp
        }
        Err((error, description)) => error_response(StatusCode::BAD_REQUEST, error, &description),
    }
}

type LinkError = (&'static str, String);

fn open_session(
    state: &MockState,
    headers: &HeaderMap,
    params: &Params,
) -> Result<DialogSession, LinkError> {
    let fixtures = &state.fixtures;
    let client_id = params
        .get("client_id")
        .ok_or(("unauthorized_client", "client_id is missing".to_owned()))?;
    let client = fixtures.client(client_id).ok_or((
        "unauthorized_client",
        format!("unknown client_id '{client_id}'"),
    ))?;
    let redirect_uri = params
        .get("redirect_uri")
        .ok_or(("unauthorized_client", "redirect_uri is missing".to_owned()))?;
    if !client.redirect_uris.iter().any(|r| r == redirect_uri) {
        return Err((
            "unauthorized_client",
            format!("redirect_uri '{redirect_uri}' is not registered for this client"),
        ));
    }
    match params.get("response_type") {
        Some("code") => {}
        Some(other) => {
            return Err((
                "unsupported_response_type",
                format!("response_type '{other}' is not supported; use code"),
            ));
        }
        None => {
            return Err((
                "invalid_request",
                "response_type is missing (use code)".to_owned(),
            ));
        }
    }
    let scopes: Vec<String> = params
        .get("scope")
        .unwrap_or("")
        .split([' ', '+'])
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    if scopes.is_empty() {
        return Err(("invalid_scope", "scope is missing".to_owned()));
    }
    if let Some(unknown) = scopes
        .iter()
        .find(|s| !pages::SCOPES.iter().any(|(k, _)| k == s))
    {
        return Err(("invalid_scope", format!("unknown scope '{unknown}'")));
    }
    let form_post = match params.get("response_mode") {
        None | Some("query") => false,
        Some("form_post") => true,
        Some(other) => {
            return Err((
                "invalid_request",
                format!("response_mode '{other}' is not supported; use query or form_post"),
            ));
        }
    };
    let code_challenge = match (
        params.get("code_challenge"),
        params.get("code_challenge_method"),
    ) {
        (None, None) => None,
        (Some(c), Some("S256")) => Some(c.to_owned()),
        (Some(_), other) => {
            return Err((
                "invalid_request",
                match other {
                    Some(other) => format!("code_challenge_method must be S256 (got '{other}')"),
                    None => "code_challenge_method must be S256 (got none)".to_owned(),
                },
            ));
        }
        (None, Some(_)) => {
            return Err((
                "invalid_request",
                "code_challenge_method without code_challenge".to_owned(),
            ));
        }
    };
    let selectors: Vec<&str> = params
        .get("providers")
        .unwrap_or("")
        .split([' ', '+'])
        .filter(|s| !s.is_empty())
        .collect();
    let enable_mock = params.get("enable_mock") == Some("true");
    let offered = fixtures.providers_matching(&selectors, enable_mock);
    let providers: Vec<String> = match params.get("provider_id") {
        Some(chosen) => {
            if !offered.iter().any(|p| p.provider_id == chosen) {
                return Err((
                    "invalid_request",
                    format!("provider_id '{chosen}' is not among the providers of the auth link"),
                ));
            }
            vec![chosen.to_owned()]
        }
        None => offered.iter().map(|p| p.provider_id.clone()).collect(),
    };
    if providers.is_empty() {
        return Err((
            "invalid_request",
            "no bank matches the providers of the auth link".to_owned(),
        ));
    }
    let clock =
        ClockName::from_request(headers, None).map_err(|e| ("invalid_request", e.to_string()))?;
    let clock = state.clock.get_or_create(&clock);
    let single = (providers.len() == 1).then(|| providers[0].clone());
    Ok(DialogSession {
        id: new_id("dlg-"),
        created_at: state.clock.now(&clock),
        clock,
        client_id: client.client_id.clone(),
        redirect_uri: redirect_uri.to_owned(),
        scopes,
        state: params.get("state").map(str::to_owned),
        form_post,
        code_challenge,
        step: if single.is_some() {
            DialogStep::Consent
        } else {
            DialogStep::SelectProvider
        },
        provider_id: single,
        providers,
        connection_id: None,
        reauth_user: None,
    })
}

/// Whether the dialog's own script asked (JSON) or a browser or client did (a page).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reply {
    Page,
    Json,
}

impl Reply {
    fn of(headers: &HeaderMap) -> Reply {
        let json = headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("application/json"));
        if json { Reply::Json } else { Reply::Page }
    }
}

/// `GET /dialog/{id}`: the current page of a dialog (also the extend `user_input_link`).
pub async fn show(
    State(state): State<Arc<MockState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    match live_session(&state, &id) {
        Ok(session) => render(&state, &session, None, StatusCode::OK, Reply::of(&headers)),
        Err(resp) => resp,
    }
}

/// `POST /dialog/{id}/provider` with `provider_id`.
pub async fn choose_provider(
    State(state): State<Arc<MockState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: RawBody,
) -> Response {
    let reply = Reply::of(&headers);
    let (session, form) = match step_input(&state, &id, &body, reply, DialogStep::SelectProvider) {
        Ok(v) => v,
        Err(resp) => return resp,
    };
    let chosen = form.get("provider_id").unwrap_or("");
    if !session.providers.iter().any(|p| p == chosen) {
        return render(
            &state,
            &session,
            Some("Choose one of the banks listed."),
            StatusCode::BAD_REQUEST,
            reply,
        );
    }
    let updated = state.dialogs.update(&id, |s| {
        s.provider_id = Some(chosen.to_owned());
        s.step = DialogStep::Consent;
        s.clone()
    });
    match updated {
        Some(s) => render(&state, &s, None, StatusCode::OK, reply),
        None => unknown_dialog(),
    }
}

/// `POST /dialog/{id}/consent` with `decision=accept|decline`.
pub async fn consent(
    State(state): State<Arc<MockState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: RawBody,
) -> Response {
    let reply = Reply::of(&headers);
    let (session, form) = match step_input(&state, &id, &body, reply, DialogStep::Consent) {
        Ok(v) => v,
        Err(resp) => return resp,
    };
    match form.get("decision") {
        Some("accept") => {}
        Some("decline") => {
            state.dialogs.remove(&id);
            let mut fields = vec![("error", "access_denied".to_owned())];
            if let Some(s) = &session.state {
                fields.push(("state", s.clone()));
            }
            return redirect_to_client(&session, &fields, reply);
        }
        _ => {
            return render(
                &state,
                &session,
                Some("Choose Allow or Decline."),
                StatusCode::BAD_REQUEST,
                reply,
            );
        }
    }
    let now = state.clock.now(&session.clock);
    let connection_id = match &session.connection_id {
        Some(existing) => existing.clone(),
        None => {
            let connection = Connection {
                id: new_id("cred-"),
                credentials_key: new_id(""),
                clock: session.clock.clone(),
                client_id: session.client_id.clone(),
                provider_id: session.provider_id.clone().unwrap_or_default(),
                scopes: session.scopes.clone(),
                created_at: now,
                consent_created_at: now,
                expires_at: now + CONSENT_LIFETIME,
                status: ConnectionStatus::AuthorizationRequired,
                user: None,
                auth_time: now,
                consent_status_updated_at: now,
                throttled_calls: 0,
                refreshed_once: false,
                refresh_token: None,
            };
            let id = connection.id.clone();
            state.connections.insert(id.clone(), connection);
            id
        }
    };
    let updated = state.dialogs.update(&id, |s| {
        s.connection_id = Some(connection_id);
        s.step = DialogStep::Login;
        s.clone()
    });
    match updated {
        Some(s) => render(&state, &s, None, StatusCode::OK, reply),
        None => unknown_dialog(),
    }
}

/// `POST /dialog/{id}/login` with `username` and `password`.
pub async fn login(
    State(state): State<Arc<MockState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: RawBody,
) -> Response {
    let reply = Reply::of(&headers);
    let (session, form) = match step_input(&state, &id, &body, reply, DialogStep::Login) {
        Ok(v) => v,
        Err(resp) => return resp,
    };
    let username = form.get("username").unwrap_or("");
    let password = form.get("password").unwrap_or("");
    let Some(user_index) = state.fixtures.login(username, password) else {
        let message = if state.fixtures.knows_username(username) {
            "Wrong password. Please try again."
        } else {
            "Unknown username or wrong password. Please try again."
        };
        return render(&state, &session, Some(message), StatusCode::OK, reply);
    };
    if let Some(expected) = &session.reauth_user {
        if expected != username {
            return render(
                &state,
                &session,
                Some("Log in as the user who created this connection."),
                StatusCode::OK,
                reply,
            );
        }
    }
    // Only one login may finish a dialog: removing the session claims it.
    let Some(session) = state.dialogs.remove(&id) else {
        return unknown_dialog();
    };
    let Some(connection_id) = session.connection_id.clone() else {
        return unknown_dialog();
    };
    let now = state.clock.now(&session.clock);
    let reauth = session.reauth_user.is_some();
    let updated = state.connections.update(&connection_id, |c| {
        c.user = Some((user_index, username.to_owned()));
        c.auth_time = now;
        c.consent_status_updated_at = now;
        c.status = ConnectionStatus::Authorized;
        if reauth {
            // Re-authentication renews the consent for another 90 days.
            c.consent_created_at = now;
            c.expires_at = now + CONSENT_LIFETIME;
        }
    });
    if updated.is_none() {
        return error_response(
            StatusCode::GONE,
            "invalid_request",
            "the connection of this dialog no longer exists (was the mock reset?)",
        );
    }
    let code = new_id("code-");
    state.codes.insert(
        code.clone(),
        AuthCode {
            connection_id,
            client_id: session.client_id.clone(),
            redirect_uri: session.redirect_uri.clone(),
            code_challenge: session.code_challenge.clone(),
            issued_at: now,
            clock: session.clock.clone(),
            exchanged: false,
        },
    );
    let mut fields = vec![("code", code)];
    if let Some(s) = &session.state {
        fields.push(("state", s.clone()));
    }
    fields.push(("scope", session.scopes.join(" ")));
    redirect_to_client(&session, &fields, reply)
}

/// The session, if it exists, is not stale, and is at `step`; plus the posted form.
// The error is the finished page handed straight back to axum; boxing it would buy nothing.
#[allow(clippy::result_large_err)]
fn step_input(
    state: &MockState,
    id: &str,
    body: &RawBody,
    reply: Reply,
    step: DialogStep,
) -> Result<(DialogSession, Params), Response> {
    let form = body.params().map_err(IntoResponse::into_response)?;
    let session = live_session(state, id)?;
    if form.get("dialog_id").is_some_and(|d| d != id) {
        return Err(error_response(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "dialog_id does not match the dialog in the form action",
        ));
    }
    if session.step != step {
        // Posting a step twice (a browser's back button): show where the dialog really is.
        return Err(render(
            state,
            &session,
            Some("That step is already done; continue here."),
            StatusCode::CONFLICT,
            reply,
        ));
    }
    Ok((session, form))
}

#[allow(clippy::result_large_err)]
fn live_session(state: &MockState, id: &str) -> Result<DialogSession, Response> {
    let session = state.dialogs.get_cloned(id).ok_or_else(unknown_dialog)?;
    if state.clock.now(&session.clock) - session.created_at >= DIALOG_LIFETIME {
        state.dialogs.remove(id);
        return Err(unknown_dialog());
    }
    Ok(session)
}

fn unknown_dialog() -> Response {
    error_response(
        StatusCode::NOT_FOUND,
        "invalid_dialog",
        "this dialog does not exist, has expired or is already finished; open the auth link again",
    )
}

/// The page for the dialog's current step.
fn render(
    state: &MockState,
    session: &DialogSession,
    message: Option<&str>,
    status: StatusCode,
    reply: Reply,
) -> Response {
    let bank = session
        .provider_id
        .as_deref()
        .and_then(|p| state.fixtures.provider(p))
        .map(|p| p.display_name.as_str())
        .unwrap_or("your bank");
    let next = match session.step {
        DialogStep::SelectProvider => "provider",
        DialogStep::Consent => "consent",
        DialogStep::Login => "login",
    };
    let mut resp = match (reply, state.fixtures.dialog()) {
        (Reply::Json, _) => {
            let view = view_json(state, session, bank, next, message);
            (status, axum::Json(view)).into_response()
        }
        (Reply::Page, DialogStyle::Js) => {
            (status, Html(pages::script_page(&session.id))).into_response()
        }
        (Reply::Page, DialogStyle::Forms) => {
            (status, Html(form_page(state, session, bank, message))).into_response()
        }
    };
    let headers = resp.headers_mut();
    set_header(headers, DIALOG_HEADER, &session.id);
    set_header(
        headers,
        NEXT_HEADER,
        &format!("/dialog/{}/{next}", session.id),
    );
    if message.is_some() && next == "login" {
        set_header(headers, ERROR_HEADER, "invalid_credentials");
    }
    no_cache(resp)
}

/// A step as the script page builds it: what the form page shows, as data.
fn view_json(
    state: &MockState,
    session: &DialogSession,
    bank: &str,
    next: &str,
    message: Option<&str>,
) -> serde_json::Value {
    let providers: Vec<_> = session
        .providers
        .iter()
        .filter_map(|p| state.fixtures.provider(p))
        .map(|p| serde_json::json!({ "id": p.provider_id, "name": p.display_name }))
        .collect();
    let scopes: Vec<_> = session
        .scopes
        .iter()
        .map(|s| {
            let text = pages::SCOPES
                .iter()
                .find(|(k, _)| k == s)
                .map_or("", |(_, d)| *d);
            serde_json::json!({ "scope": s, "text": text })
        })
        .collect();
    serde_json::json!({
        "dialog_id": session.id,
        "step": next,
        "action": format!("/dialog/{}/{next}", session.id),
        "message": message,
        "client_id": session.client_id,
        "bank": bank,
        "providers": providers,
        "scopes": scopes,
    })
}

/// The plain HTML page of the session's step.
fn form_page(
    state: &MockState,
    session: &DialogSession,
    bank: &str,
    message: Option<&str>,
) -> String {
    match session.step {
        DialogStep::SelectProvider => {
            let providers: Vec<_> = session
                .providers
                .iter()
                .filter_map(|p| state.fixtures.provider(p))
                .collect();
            pages::provider_page(&session.id, &providers, message)
        }
        DialogStep::Consent => pages::consent_page(
            &session.id,
            &session.client_id,
            bank,
            &session.scopes,
            message,
        ),
        DialogStep::Login => pages::login_page(&session.id, bank, message),
    }
}

/// Sends the result to the client: a 302 with a query, or a `form_post` page (to the
/// script page: where to go, or what to post, as JSON).
fn redirect_to_client(
    session: &DialogSession,
    fields: &[(&str, String)],
    reply: Reply,
) -> Response {
    if session.form_post && reply == Reply::Json {
        let pairs: Vec<[&str; 2]> = fields.iter().map(|(k, v)| [*k, v.as_str()]).collect();
        let body = serde_json::json!({
            "form_post": { "action": session.redirect_uri, "fields": pairs }
        });
        return no_cache(axum::Json(body).into_response());
    }
    if session.form_post {
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        return no_cache(
            Html(pages::form_post_page(&session.redirect_uri, &pairs)).into_response(),
        );
    }
    let location = match url::Url::parse(&session.redirect_uri) {
        Ok(mut url) => {
            url.query_pairs_mut().extend_pairs(fields.iter());
            url.to_string()
        }
        Err(_) => {
            return error_response(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "the registered redirect_uri is not an absolute URL",
            );
        }
    };
    if reply == Reply::Json {
        return no_cache(axum::Json(serde_json::json!({ "redirect": location })).into_response());
    }
    let mut resp = StatusCode::FOUND.into_response();
    match HeaderValue::from_str(&location) {
        Ok(v) => {
            resp.headers_mut().insert(header::LOCATION, v);
            no_cache(resp)
        }
        Err(_) => error_response(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "the redirect URL is not a valid header value",
        ),
    }
}

/// An HTML error page; never a redirect (the redirect URI may be the thing that is wrong).
pub fn error_response(status: StatusCode, error: &str, description: &str) -> Response {
    let mut resp = (status, Html(pages::error_page(error, description))).into_response();
    set_header(resp.headers_mut(), ERROR_HEADER, error);
    no_cache(resp)
}

fn set_header(headers: &mut HeaderMap, name: &'static str, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        headers.insert(HeaderName::from_static(name), v);
    }
}

fn no_cache(mut resp: Response) -> Response {
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// A dialog that re-authenticates an existing connection (the extend `user_input_link`).
pub fn open_reauth_session(
    state: &MockState,
    connection: &Connection,
    redirect_uri: &str,
    username: &str,
) -> String {
    let session = DialogSession {
        id: new_id("dlg-"),
        clock: connection.clock.clone(),
        created_at: state.clock.now(&connection.clock),
        client_id: connection.client_id.clone(),
        redirect_uri: redirect_uri.to_owned(),
        scopes: connection.scopes.clone(),
        state: None,
        form_post: false,
        code_challenge: None,
        providers: vec![connection.provider_id.clone()],
        provider_id: Some(connection.provider_id.clone()),
        step: DialogStep::Consent,
        connection_id: Some(connection.id.clone()),
        reauth_user: Some(username.to_owned()),
    };
    let id = session.id.clone();
    state.dialogs.insert(id.clone(), session);
    format!("{}/dialog/{id}", state.base_url)
}
