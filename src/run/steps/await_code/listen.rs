//! `await_code: { via: listen }`: binds the redirect URI's loopback port, shows the link (and
//! opens a browser if asked), and waits for the browser to come back with the code. The
//! `state` is checked before the page answers, so the person sees at once whether it worked.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, Uri};
use axum::response::Html;
use tokio::sync::oneshot;

use super::super::super::executor::{ScenarioState, StepError};
use super::Callback;
use crate::scenario::Step;
use crate::scenario::actions::AwaitCodeParams;

/// What the listener shares with its handler: where to send the callback, and what to expect.
struct Waiting {
    path: String,
    expected_state: Option<String>,
    done: Mutex<Option<oneshot::Sender<Callback>>>,
}

pub async fn run(
    state: &mut ScenarioState<'_>,
    step: &Step,
    params: &AwaitCodeParams,
    link: &str,
    timeout: Duration,
) -> Result<Callback, StepError> {
    let at = &step.action.path;
    let redirect = state
        .session
        .redirect_uri
        .clone()
        .unwrap_or_else(|| state.run.target.redirect_uri.clone());
    let addr = loopback_addr(&redirect).map_err(|why| {
        step.source
            .error_at(at, format!("cannot listen for `{redirect}`: {why}"))
            .help("`via: listen` needs a loopback redirect URI such as http://localhost:3000/callback, registered with your client")
    })?;
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(listener) => listener,
        Err(e) if state.note_out_of_files(&e) => {
            return Err(step
                .source
                .error_at(at, format!("cannot listen on {addr}: {e}"))
                .help("obflow has no file descriptor left: raise `ulimit -n`, or lower `--jobs`")
                .into());
        }
        Err(e) => {
            return Err(step
                .source
                .error_at(at, format!("cannot listen on {addr}: {e}"))
                .help(
                    "is another program using that port? stop it, or register another redirect URI",
                )
                .into());
        }
    };
    let path = url::Url::parse(&redirect)
        .map(|u| u.path().to_owned())
        .unwrap_or_else(|_| "/".into());
    let (tx, rx) = oneshot::channel();
    let waiting = Arc::new(Waiting {
        path,
        expected_state: state.session.state.clone(),
        done: Mutex::new(Some(tx)),
    });
    let app = axum::Router::new()
        .fallback(axum::routing::any(callback))
        .with_state(waiting);
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    state.notice(format!(
        "[{}] waiting on {redirect} — open this link and log in:\n    {link}",
        state.scenario.name
    ));
    if params.open_browser {
        open_browser(link);
    }
    let outcome = tokio::time::timeout(timeout, rx).await;
    server.abort();
    match outcome {
        Ok(Ok(cb)) => Ok(cb),
        _ => Err(step
            .source
            .error_at(
                at,
                format!(
                    "no redirect came back to {redirect} within {}",
                    crate::duration::format_duration(timeout)
                ),
            )
            .help("finish the login in the browser sooner, or raise `timeout:`")
            .into()),
    }
}

/// The callback handler: GET with a query, or POST with a form body (`form_post`).
async fn callback(
    State(waiting): State<Arc<Waiting>>,
    uri: Uri,
    RawQuery(query): RawQuery,
    body: String,
) -> (StatusCode, Html<String>) {
    if uri.path() != waiting.path {
        return (
            StatusCode::NOT_FOUND,
            Html("<p>Not the redirect URI obflow is waiting on.</p>".into()),
        );
    }
    let mut cb = Callback::from_query(query.as_deref().unwrap_or(""));
    if cb.is_empty() {
        cb = Callback::from_query(&body);
    }
    if cb.is_empty() {
        return (
            StatusCode::BAD_REQUEST,
            Html("<p>No code or error in this request.</p>".into()),
        );
    }
    let state_ok = cb.state_matches(waiting.expected_state.as_deref());
    let page = if !state_ok {
        (
            StatusCode::BAD_REQUEST,
            "obflow: the state in this redirect does not match the auth link. The step has failed.",
        )
    } else if cb.code.is_some() {
        (
            StatusCode::OK,
            "obflow received the authorisation code. You can close this tab.",
        )
    } else {
        (
            StatusCode::OK,
            "obflow received the answer (no code). You can close this tab.",
        )
    };
    if let Some(tx) = waiting
        .done
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take()
    {
        let _ = tx.send(cb);
    }
    (
        page.0,
        Html(format!(
            "<!doctype html><title>obflow</title><p>{}</p>",
            page.1
        )),
    )
}

/// `http://localhost:3000/cb` → 127.0.0.1:3000. Only plain-HTTP loopback URIs can be served.
fn loopback_addr(redirect: &str) -> Result<SocketAddr, String> {
    let url = url::Url::parse(redirect).map_err(|e| e.to_string())?;
    if url.scheme() != "http" {
        return Err("it is not a plain http:// URI".into());
    }
    let ip = match url.host() {
        Some(url::Host::Domain("localhost")) => std::net::Ipv4Addr::LOCALHOST.into(),
        Some(url::Host::Ipv4(ip)) if ip.is_loopback() => ip.into(),
        Some(url::Host::Ipv6(ip)) if ip.is_loopback() => ip.into(),
        _ => return Err("its host is not this machine (localhost, 127.0.0.1)".into()),
    };
    Ok(SocketAddr::new(
        ip,
        url.port_or_known_default().unwrap_or(80),
    ))
}

fn open_browser(link: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    let _ = std::process::Command::new(opener)
        .arg(link)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
}

#[cfg(test)]
mod tests {
    use super::loopback_addr;

    #[test]
    fn only_loopback_http_redirects_can_be_served() {
        assert_eq!(
            loopback_addr("http://localhost:3000/callback")
                .unwrap()
                .to_string(),
            "127.0.0.1:3000"
        );
        assert_eq!(
            loopback_addr("http://127.0.0.1:8123/cb").unwrap().port(),
            8123
        );
        assert!(loopback_addr("https://console.truelayer-sandbox.com/redirect-page").is_err());
        assert!(loopback_addr("http://example.com/cb").is_err());
    }
}
