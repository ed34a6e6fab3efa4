//! What each action looks like in a guide: the same requests the engine sends (see
//! `run::steps`), as curl commands with placeholders, or a sentence for the steps a person
//! does (`await_code`) or that only take time (`wait`).

use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::curl::{Body, Curl, with_query};
use super::values::placeholder;
use super::{Block, DocTarget};
use crate::run::DEFAULT_SCOPES;
use crate::scenario::ActionKind;
use crate::scenario::actions::{
    ApiParams, AuthLinkParams, AwaitCodeParams, CodeSource, ExchangeParams, ExtendParams,
    RefreshParams, WaitParams,
};
use crate::scenario::model::{RequestFields, value_to_text};
use crate::secret::is_secret_field;

/// What the guide knows of the token session as it goes, without running: the engine keeps
/// the same facts in `run::session`.
#[derive(Debug)]
pub struct Flow<'a> {
    pub target: &'a DocTarget,
    /// The redirect URI of the last auth link.
    pub redirect_uri: String,
    /// Whether the last auth link used PKCE (the exchange then sends the verifier).
    pub pkce: bool,
    /// Whether the last link to open came from an `extend` answer.
    pub link_from_extend: bool,
}

/// A step's default title and its blocks, from its rendered parameters.
pub fn describe(kind: ActionKind, params: &Value, flow: &mut Flow<'_>) -> (String, Vec<Block>) {
    match kind {
        ActionKind::AuthLink => auth_link(read(params), flow),
        ActionKind::AwaitCode => await_code(read(params), flow),
        ActionKind::Exchange => exchange(read(params), flow),
        ActionKind::Refresh => refresh(read(params), flow),
        ActionKind::Extend => extend(read(params), flow),
        ActionKind::Wait => wait(params, flow),
        ActionKind::Request => request(params),
        ActionKind::SignupAccounts
        | ActionKind::Me
        | ActionKind::Accounts
        | ActionKind::Account
        | ActionKind::Balance
        | ActionKind::Transactions => api(kind, read(params), flow),
    }
}

/// Parameters were validated at load; a template may still render to another shape (a
/// placeholder where a list was): then the defaults stand in.
fn read<T: DeserializeOwned + Default>(params: &Value) -> T {
    serde_json::from_value(params.clone()).unwrap_or_default()
}

fn text(s: impl Into<String>) -> Block {
    Block::Text(s.into())
}

fn shell(curl: &Curl) -> Block {
    Block::Code {
        lang: "shell",
        text: curl.render(),
    }
}

/// The redirect URI as the guide writes it: the exported `$REDIRECT_URI` when it is the
/// target's default, as written otherwise (a scenario that sends another one on purpose).
fn redirect(flow: &Flow<'_>, uri: &str) -> String {
    if uri == flow.target.redirect_uri {
        placeholder("redirect_uri")
    } else {
        uri.to_owned()
    }
}

/// A secret parameter is never shown: a placeholder named after it stands in for a value
/// written in the scenario (a template has already become a placeholder).
fn secret(name: &str, given: Option<String>) -> String {
    match given {
        Some(v) if super::values::has_placeholder(&v) => v,
        _ => placeholder(name),
    }
}

fn auth_link(p: AuthLinkParams, flow: &mut Flow<'_>) -> (String, Vec<Block>) {
    let target = flow.target;
    let scope = p
        .scope
        .map(|s| s.words())
        .unwrap_or_else(|| DEFAULT_SCOPES.iter().map(|s| s.to_string()).collect());
    let providers = p
        .providers
        .map(|p| p.words())
        .unwrap_or_else(|| target.providers.clone());
    let redirect_uri = p
        .redirect_uri
        .unwrap_or_else(|| target.redirect_uri.clone());
    let mut query = vec![
        ("response_type".to_owned(), "code".to_owned()),
        (
            "client_id".to_owned(),
            p.client_id.unwrap_or_else(|| placeholder("client_id")),
        ),
        ("redirect_uri".to_owned(), redirect(flow, &redirect_uri)),
        ("scope".to_owned(), scope.join(" ")),
        (
            "state".to_owned(),
            p.state.unwrap_or_else(|| placeholder("state")),
        ),
        (
            "nonce".to_owned(),
            p.nonce.unwrap_or_else(|| placeholder("nonce")),
        ),
    ];
    if !providers.is_empty() {
        query.push(("providers".to_owned(), providers.join(" ")));
    }
    if let Some(id) = p.provider_id {
        query.push(("provider_id".to_owned(), id));
    }
    if let Some(mode) = p.response_mode {
        query.push(("response_mode".to_owned(), mode));
    }
    if p.pkce {
        query.push(("code_challenge".to_owned(), placeholder("code_challenge")));
        query.push(("code_challenge_method".to_owned(), "S256".to_owned()));
    }
    for (k, v) in &p.extra {
        query.push((k.clone(), value_to_text(v)));
    }
    let link = with_query(&format!("{}/", target.auth_url), &query);
    let scopes: Vec<String> = scope.iter().map(|s| format!("`{s}`")).collect();
    let mut blocks = vec![
        text(format!(
            "The link asks for the scopes {}. Send the user to it. `$STATE` and `$NONCE` are random values your app makes up; check that the redirect brings the same `state` back. (URL-encode `$REDIRECT_URI`.)",
            scopes.join(", ")
        )),
        Block::Code {
            lang: "text",
            text: link,
        },
    ];
    if p.pkce {
        blocks.push(text(
            "With PKCE, `$CODE_CHALLENGE` is the unpadded base64url SHA-256 of a random `$CODE_VERIFIER` that your app keeps for the token request.",
        ));
    }
    flow.redirect_uri = redirect_uri;
    flow.pkce = p.pkce;
    flow.link_from_extend = false;
    ("Build the auth link".to_owned(), blocks)
}

fn await_code(p: AwaitCodeParams, flow: &mut Flow<'_>) -> (String, Vec<Block>) {
    let declines = p.decision.as_deref() == Some("decline");
    let opens = match (&p.link, flow.link_from_extend) {
        (Some(link), _) => format!("The user opens `{link}`"),
        (None, true) => "The user opens the `user_input_link` of the extend answer".to_owned(),
        (None, false) => "The user opens the auth link".to_owned(),
    };
    let mut blocks = Vec::new();
    let title = if declines {
        blocks.push(text(format!(
            "{opens}, and declines to share their data. They come back to the redirect URI with `error=access_denied` (and the `state`) instead of a code."
        )));
        "The user declines consent"
    } else {
        blocks.push(text(format!(
            "{opens}, selects their bank (skipped when the link offers a single provider), consents to sharing their data and logs in at the bank. TrueLayer then redirects them to the redirect URI with a `code` and the `state`. The code is valid for 5 minutes, for one exchange."
        )));
        "The user authorises access at their bank"
    };
    let how = match p.via {
        CodeSource::Auto => match &p.user {
            Some(user) => format!("When obflow runs this scenario, it plays the mock bank user `{user}` in the mock's dialog."),
            None => "When obflow runs this scenario, it plays the user in the mock's dialog.".to_owned(),
        },
        CodeSource::Listen => "When obflow runs this scenario, it waits on the redirect URI for the browser to come back.".to_owned(),
        CodeSource::Prompt => "When obflow runs this scenario, it asks for the redirect URL on the terminal.".to_owned(),
        CodeSource::Value => "When obflow runs this scenario, the code is given to it.".to_owned(),
    };
    blocks.push(text(how));
    if !declines {
        blocks.push(Block::Code {
            lang: "shell",
            text: "export CODE=\"the-code-from-the-redirect\"".to_owned(),
        });
    }
    flow.link_from_extend = false;
    (title.to_owned(), blocks)
}

fn token_curl(flow: &Flow<'_>, form: Vec<(String, String)>) -> Curl {
    let mut curl = Curl::new("POST", format!("{}/connect/token", flow.target.auth_url));
    curl.body = Body::Form(form);
    curl
}

fn exchange(p: ExchangeParams, flow: &mut Flow<'_>) -> (String, Vec<Block>) {
    let redirect_uri = p.redirect_uri.unwrap_or_else(|| flow.redirect_uri.clone());
    let mut form = vec![
        ("grant_type".to_owned(), "authorization_code".to_owned()),
        (
            "client_id".to_owned(),
            p.client_id.unwrap_or_else(|| placeholder("client_id")),
        ),
        (
            "client_secret".to_owned(),
            secret("client_secret", p.client_secret),
        ),
        ("redirect_uri".to_owned(), redirect(flow, &redirect_uri)),
        ("code".to_owned(), secret("code", p.code)),
    ];
    if flow.pkce || p.code_verifier.is_some() {
        form.push((
            "code_verifier".to_owned(),
            secret("code_verifier", p.code_verifier.and_then(|v| v.value().map(str::to_owned))),
        ));
    }
    let blocks = vec![
        text(
            "`POST /connect/token` on the auth server, form-encoded, with the code from the redirect:",
        ),
        shell(&token_curl(flow, form)),
        text(
            "A successful answer holds an `access_token` (valid for 1 hour) and, when the scope has `offline_access`, a `refresh_token`. Keep them as `ACCESS_TOKEN` and `REFRESH_TOKEN`.",
        ),
    ];
    ("Exchange the code for an access token".to_owned(), blocks)
}

fn refresh(p: RefreshParams, flow: &mut Flow<'_>) -> (String, Vec<Block>) {
    let form = vec![
        ("grant_type".to_owned(), "refresh_token".to_owned()),
        (
            "client_id".to_owned(),
            p.client_id.unwrap_or_else(|| placeholder("client_id")),
        ),
        (
            "client_secret".to_owned(),
            secret("client_secret", p.client_secret),
        ),
        (
            "refresh_token".to_owned(),
            secret("refresh_token", p.refresh_token),
        ),
    ];
    let blocks = vec![
        text("`POST /connect/token` on the auth server, form-encoded, with the refresh token:"),
        shell(&token_curl(flow, form)),
        text(
            "A successful answer holds a new `access_token` and a new `refresh_token`; the old refresh token stops working.",
        ),
    ];
    (
        "Renew the access token with the refresh token".to_owned(),
        blocks,
    )
}

fn extend(p: ExtendParams, flow: &mut Flow<'_>) -> (String, Vec<Block>) {
    let redirect_uri = p.redirect_uri.unwrap_or_else(|| flow.redirect_uri.clone());
    let user = p.user.unwrap_or_else(
        || json!({ "id": "obflow-user", "name": "obflow user", "email": "user@example.com" }),
    );
    let body = json!({
        "client_id": placeholder("client_id"),
        "client_secret": placeholder("client_secret"),
        "refresh_token": secret("refresh_token", p.refresh_token),
        "redirect_uri": redirect(flow, &redirect_uri),
        "user_has_reconfirmed_consent": p.user_has_reconfirmed_consent,
        "user": user,
    });
    let mut curl = Curl::new(
        "POST",
        format!("{}/connections/extend", flow.target.api_url),
    );
    curl.body = Body::Json(body);
    let blocks = vec![
        text("`POST /connections/extend` on the API host, with the user's reconfirmed consent:"),
        shell(&curl),
        text(
            "The answer is either `no_action_needed` with new tokens, or `authentication_needed` with a `user_input_link` to send the user to.",
        ),
    ];
    flow.link_from_extend = true;
    ("Extend the connection".to_owned(), blocks)
}

fn api(kind: ActionKind, p: ApiParams, flow: &mut Flow<'_>) -> (String, Vec<Block>) {
    let id = p.account_id.as_deref().map(super::curl::encode_component);
    let id = id.unwrap_or_else(|| placeholder("account_id"));
    let (path, title) = match kind {
        ActionKind::SignupAccounts if p.account_id.is_some() => (
            "/signup-plus/accounts".to_owned(),
            "Ask the Signup+ accounts endpoint for one account",
        ),
        ActionKind::SignupAccounts => (
            "/signup-plus/accounts".to_owned(),
            "Call the Signup+ accounts endpoint",
        ),
        ActionKind::Me => (
            "/data/v1/me".to_owned(),
            "Get the connection's details from /data/v1/me",
        ),
        ActionKind::Accounts => ("/data/v1/accounts".to_owned(), "List the user's accounts"),
        ActionKind::Balance => (
            format!("/data/v1/accounts/{id}/balance"),
            "Get the account's balance",
        ),
        ActionKind::Transactions => (
            format!("/data/v1/accounts/{id}/transactions"),
            "Get the account's transactions",
        ),
        _ => (format!("/data/v1/accounts/{id}"), "Get one account"),
    };
    let mut query = Vec::new();
    if kind == ActionKind::SignupAccounts
        && let Some(account) = &p.account_id
    {
        query.push(("account_id".to_owned(), account.clone()));
    }
    if let Some(from) = &p.from {
        query.push(("from".to_owned(), from.clone()));
    }
    if let Some(to) = &p.to {
        query.push(("to".to_owned(), to.clone()));
    }
    let url = with_query(&format!("{}{path}", flow.target.api_url), &query);
    let mut curl = Curl::new("GET", url);
    for (k, v) in &p.headers {
        curl.headers
            .push((k.clone(), header_value(k, &value_to_text(v))));
    }
    let mut blocks = Vec::new();
    match p.access_token.as_deref() {
        Some("") => blocks.push(text(format!("`GET {path}` without an access token:"))),
        given => {
            let token = secret("access_token", given.map(str::to_owned));
            curl.headers
                .push(("Authorization".to_owned(), format!("Bearer {token}")));
            blocks.push(text(format!(
                "`GET {path}` on the API host, with the access token as a bearer token:"
            )));
        }
    }
    blocks.push(shell(&curl));
    (title.to_owned(), blocks)
}

/// A header value as shown: credentials become placeholders.
fn header_value(name: &str, value: &str) -> String {
    let lower = name.to_ascii_lowercase();
    if super::values::has_placeholder(value) {
        return value.to_owned();
    }
    if lower == "authorization" || lower == "proxy-authorization" {
        return match value.split_once(' ') {
            Some((scheme, _)) if scheme.eq_ignore_ascii_case("bearer") => {
                format!("Bearer {}", placeholder("access_token"))
            }
            Some((scheme, _)) => format!("{scheme} {}", placeholder("credentials")),
            None => placeholder("credentials"),
        };
    }
    if is_secret_field(&lower) || lower == "cookie" {
        return placeholder(&lower);
    }
    value.to_owned()
}

fn wait(params: &Value, flow: &mut Flow<'_>) -> (String, Vec<Block>) {
    let duration = serde_json::from_value::<WaitParams>(params.clone())
        .ok()
        .and_then(|p| crate::duration::from_value(p.duration()).ok());
    let title = match duration {
        Some(d) => format!("Wait {}", human_duration(d)),
        None => format!("Wait {}", value_to_text(params)),
    };
    let sentence = if flow.target.is_mock {
        "The obflow mock moves its virtual clock forward at once; against TrueLayer this is real time."
    } else {
        "This is real time. (When obflow runs the scenario against its mock, the mock's virtual clock moves forward at once.)"
    };
    (title, vec![text(sentence)])
}

fn request(params: &Value) -> (String, Vec<Block>) {
    let Ok(fields) = serde_json::from_value::<RequestFields>(params.clone()) else {
        return ("Send a request".to_owned(), Vec::new());
    };
    let query: Vec<(String, String)> = fields
        .query
        .iter()
        .flat_map(|(k, v)| match v {
            Value::Array(items) => items
                .iter()
                .map(|i| (k.clone(), field_value(k, &value_to_text(i))))
                .collect::<Vec<_>>(),
            other => vec![(k.clone(), field_value(k, &value_to_text(other)))],
        })
        .collect();
    let url = with_query(&fields.url, &query);
    let mut curl = Curl::new(&fields.method, url);
    for (k, v) in &fields.headers {
        curl.headers
            .push((k.clone(), header_value(k, &value_to_text(v))));
    }
    curl.body = if let Some(form) = &fields.form {
        Body::Form(
            form.iter()
                .map(|(k, v)| (k.clone(), field_value(k, &value_to_text(v))))
                .collect(),
        )
    } else if let Some(json) = &fields.json {
        Body::Json(hide_secret_fields(json))
    } else if let Some(body) = &fields.body {
        Body::Raw(body.clone())
    } else {
        Body::None
    };
    let title = format!("Send `{} {}`", curl.method, fields.url);
    (title, vec![shell(&curl)])
}

/// A form, query or JSON field as shown: secret ones become placeholders.
fn field_value(name: &str, value: &str) -> String {
    if is_secret_field(name) && !super::values::has_placeholder(value) {
        placeholder(name)
    } else {
        value.to_owned()
    }
}

fn hide_secret_fields(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let shown = match v {
                        Value::String(s) => Value::String(field_value(k, s)),
                        other => hide_secret_fields(other),
                    };
                    (k.clone(), shown)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(hide_secret_fields).collect()),
        other => other.clone(),
    }
}

/// `6 minutes`, `1 hour and 1 minute`, `91 days`.
pub fn human_duration(d: std::time::Duration) -> String {
    let mut secs = d.as_secs();
    if secs == 0 {
        return format!("{} ms", d.as_millis());
    }
    let mut parts = Vec::new();
    for (unit, size) in [
        ("day", 86_400),
        ("hour", 3600),
        ("minute", 60),
        ("second", 1),
    ] {
        let n = secs / size;
        secs %= size;
        if n > 0 {
            parts.push(format!("{n} {unit}{}", if n == 1 { "" } else { "s" }));
        }
    }
    match parts.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::human_duration;
    use std::time::Duration;

    #[test]
    fn durations_read_as_words() {
        assert_eq!(human_duration(Duration::from_secs(360)), "6 minutes");
        assert_eq!(
            human_duration(Duration::from_secs(3660)),
            "1 hour and 1 minute"
        );
        assert_eq!(human_duration(Duration::from_secs(91 * 86_400)), "91 days");
    }
}
