//! One scenario's page: a tab in a browser context of its own, and what a plan does with it
//! (navigate, run a script, type, take a screenshot). [`Page::catch_redirect`] holds back the
//! browser's request to the redirect URI — a 302 or a `form_post` submission — and hands
//! over its URL and body, then aborts it: nothing listens on the redirect URI's port.

use std::time::Duration;

use base64::Engine;
use serde_json::{Value, json};
use tokio::sync::{mpsc, oneshot};

use super::BrowserError;
use super::cdp::{Cdp, PageEvent};

/// The browser's request to the redirect URI, held back.
#[derive(Debug, Clone)]
pub struct Arrival {
    pub url: String,
    /// The form body of a `response_mode=form_post` POST.
    pub body: Option<String>,
}

pub struct Page {
    cdp: Cdp,
    context_id: String,
    session_id: String,
    events: Option<mpsc::UnboundedReceiver<PageEvent>>,
    closed: bool,
}

impl Page {
    pub(super) fn new(
        cdp: Cdp,
        context_id: String,
        session_id: String,
        events: mpsc::UnboundedReceiver<PageEvent>,
    ) -> Page {
        Page {
            cdp,
            context_id,
            session_id,
            events: Some(events),
            closed: false,
        }
    }

    async fn call(&self, method: &str, params: Value) -> Result<Value, BrowserError> {
        self.cdp.call(Some(&self.session_id), method, params).await
    }

    /// Holds back every request to `redirect_uri` (any query): the first one is handed over,
    /// and none is sent.
    pub async fn catch_redirect(
        &mut self,
        redirect_uri: &str,
    ) -> Result<oneshot::Receiver<Arrival>, BrowserError> {
        let base = redirect_uri
            .split(['?', '#'])
            .next()
            .unwrap_or(redirect_uri)
            .to_owned();
        self.call(
            "Fetch.enable",
            json!({ "patterns": [{ "urlPattern": format!("{}*", wildcard_escape(&base)), "requestStage": "Request" }] }),
        )
        .await?;
        let (tx, rx) = oneshot::channel();
        let mut events = self.events.take().ok_or_else(|| {
            BrowserError::Protocol("the redirect is already being caught".to_owned())
        })?;
        let cdp = self.cdp.clone();
        let session = self.session_id.clone();
        tokio::spawn(async move {
            let mut tx = Some(tx);
            while let Some((method, params)) = events.recv().await {
                if method != "Fetch.requestPaused" {
                    continue;
                }
                let id = params["requestId"].as_str().unwrap_or_default().to_owned();
                let url = params["request"]["url"].as_str().unwrap_or_default();
                let path_matches = url.split(['?', '#']).next().is_some_and(|u| u == base);
                if !path_matches {
                    let _ = cdp
                        .call(
                            Some(&session),
                            "Fetch.continueRequest",
                            json!({ "requestId": id }),
                        )
                        .await;
                    continue;
                }
                let arrival = Arrival {
                    url: url.to_owned(),
                    body: post_body(&params["request"]),
                };
                // Aborted, the navigation stops where it is: no page for the redirect URI's
                // origin, whose renderer process would cost more than the whole consent.
                let _ = cdp
                    .call(
                        Some(&session),
                        "Fetch.failRequest",
                        json!({ "requestId": id, "errorReason": "Aborted" }),
                    )
                    .await;
                if let Some(tx) = tx.take() {
                    let _ = tx.send(arrival);
                }
            }
        });
        Ok(rx)
    }

    /// Sends `name: value` with every request of the page.
    pub async fn set_header(&self, name: &str, value: &str) -> Result<(), BrowserError> {
        self.call("Network.enable", json!({})).await?;
        self.call(
            "Network.setExtraHTTPHeaders",
            json!({ "headers": { name: value } }),
        )
        .await
        .map(drop)
    }

    pub async fn navigate(&self, url: &str) -> Result<(), BrowserError> {
        let reply = self.call("Page.navigate", json!({ "url": url })).await?;
        match reply.get("errorText").and_then(Value::as_str) {
            Some(error) if !error.is_empty() && error != "net::ERR_ABORTED" => Err(
                BrowserError::Protocol(format!("cannot open {url}: {error}")),
            ),
            _ => Ok(()),
        }
    }

    /// Runs `script` (an expression) in the page and returns its value. A page that is
    /// between documents answers with an error, which callers polling treat as "not yet".
    pub async fn evaluate(&self, script: &str) -> Result<Value, BrowserError> {
        let reply = self
            .call(
                "Runtime.evaluate",
                json!({ "expression": script, "returnByValue": true, "awaitPromise": true }),
            )
            .await?;
        if let Some(exception) = reply.get("exceptionDetails") {
            let text = exception["exception"]["description"]
                .as_str()
                .or_else(|| exception["text"].as_str())
                .unwrap_or("a script error");
            return Err(BrowserError::Protocol(text.to_owned()));
        }
        Ok(reply["result"]["value"].clone())
    }

    /// Types `text` into the focused element as keyboard input would (the text never
    /// enters a script's source).
    pub async fn insert_text(&self, text: &str) -> Result<(), BrowserError> {
        self.call("Input.insertText", json!({ "text": text }))
            .await
            .map(drop)
    }

    /// A PNG of the visible page.
    pub async fn screenshot(&self) -> Result<Vec<u8>, BrowserError> {
        let reply = tokio::time::timeout(
            Duration::from_secs(10),
            self.call("Page.captureScreenshot", json!({ "format": "png" })),
        )
        .await
        .map_err(|_| BrowserError::Protocol("the screenshot took over 10s".to_owned()))??;
        let data = reply["data"].as_str().unwrap_or_default();
        base64::engine::general_purpose::STANDARD
            .decode(data)
            .map_err(|e| BrowserError::Protocol(format!("the screenshot is not base64: {e}")))
    }

    /// The page's address and visible text.
    pub async fn text(&self) -> Result<String, BrowserError> {
        let value = self
            .evaluate("location.href + '\\n\\n' + (document.body ? document.body.innerText : '')")
            .await?;
        Ok(value.as_str().unwrap_or_default().to_owned())
    }

    /// Closes the tab and its context (cookies, storage).
    pub async fn close(mut self) {
        self.closed = true;
        self.dispose().await;
    }

    async fn dispose(&self) {
        self.cdp.unsubscribe(&self.session_id);
        let _ = self
            .cdp
            .call(
                None,
                "Target.disposeBrowserContext",
                json!({ "browserContextId": self.context_id }),
            )
            .await;
    }
}

impl Drop for Page {
    // A scenario cut short (a timeout, a panic) drops its page without closing it: the
    // context goes anyway, so a long run does not pile up tabs.
    fn drop(&mut self) {
        if self.closed {
            return;
        }
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            let cdp = self.cdp.clone();
            let (session, context) = (self.session_id.clone(), self.context_id.clone());
            handle.spawn(async move {
                cdp.unsubscribe(&session);
                let _ = cdp
                    .call(
                        None,
                        "Target.disposeBrowserContext",
                        json!({ "browserContextId": context }),
                    )
                    .await;
            });
        }
    }
}

/// The body of a held-back POST: whole in `postData`, or in base64 pieces.
fn post_body(request: &Value) -> Option<String> {
    if let Some(data) = request["postData"].as_str() {
        return Some(data.to_owned());
    }
    let entries = request["postDataEntries"].as_array()?;
    let mut bytes = Vec::new();
    for entry in entries {
        if let Some(piece) = entry["bytes"].as_str() {
            bytes.extend(
                base64::engine::general_purpose::STANDARD
                    .decode(piece)
                    .unwrap_or_default(),
            );
        }
    }
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// A URL as a literal in a Fetch pattern, where `*`, `?` and `\` are special.
fn wildcard_escape(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    for c in url.chars() {
        if matches!(c, '*' | '?' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
