//! The DevTools protocol connection: JSON commands and events over the browser's one
//! WebSocket. Commands carry an id and get one reply; events carry the session (page) they
//! belong to and go to that page's subscriber. Pages share the socket through flattened
//! sessions (`Target.attachToTarget` with `flatten`), so one connection serves every job.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::tungstenite::Message;

use super::BrowserError;

/// An event of one page: the method (`Fetch.requestPaused`) and its parameters.
pub type PageEvent = (String, Value);

type Reply = Result<Value, String>;

#[derive(Default)]
struct Routes {
    pending: HashMap<u64, oneshot::Sender<Reply>>,
    pages: HashMap<String, mpsc::UnboundedSender<PageEvent>>,
    closed: bool,
}

/// A connection to the browser; cheap to clone.
#[derive(Clone)]
pub struct Cdp {
    outgoing: mpsc::UnboundedSender<Message>,
    routes: Arc<Mutex<Routes>>,
    next_id: Arc<AtomicU64>,
}

impl Cdp {
    /// Connects to the browser's DevTools WebSocket and starts reading it.
    pub async fn connect(ws_url: &str) -> Result<Cdp, BrowserError> {
        let (socket, _) = tokio_tungstenite::connect_async(ws_url)
            .await
            .map_err(|e| BrowserError::Protocol(format!("cannot connect to {ws_url}: {e}")))?;
        let (mut sink, mut stream) = socket.split();
        let (outgoing, mut queue) = mpsc::unbounded_channel::<Message>();
        let routes = Arc::new(Mutex::new(Routes::default()));
        tokio::spawn(async move {
            while let Some(message) = queue.recv().await {
                if sink.send(message).await.is_err() {
                    break;
                }
            }
        });
        let reader_routes = Arc::clone(&routes);
        tokio::spawn(async move {
            while let Some(Ok(message)) = stream.next().await {
                if let Message::Text(text) = message {
                    route(&reader_routes, text.as_str());
                }
            }
            // The browser went away: everything still waiting hears so at once.
            let mut routes = reader_routes.lock().unwrap_or_else(|e| e.into_inner());
            routes.closed = true;
            for (_, waiter) in routes.pending.drain() {
                let _ = waiter.send(Err("the browser closed the connection".to_owned()));
            }
            routes.pages.clear();
        });
        Ok(Cdp {
            outgoing,
            routes,
            next_id: Arc::new(AtomicU64::new(1)),
        })
    }

    /// Sends `method` (to the page `session`, or to the browser) and waits for its result.
    pub async fn call(
        &self,
        session: Option<&str>,
        method: &str,
        params: Value,
    ) -> Result<Value, BrowserError> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        {
            let mut routes = self.routes.lock().unwrap_or_else(|e| e.into_inner());
            if routes.closed {
                return Err(BrowserError::Protocol(
                    "the browser closed the connection".to_owned(),
                ));
            }
            routes.pending.insert(id, tx);
        }
        let mut message = json!({ "id": id, "method": method, "params": params });
        if let Some(session) = session {
            message["sessionId"] = Value::String(session.to_owned());
        }
        let _ = self.outgoing.send(Message::text(message.to_string()));
        match rx.await {
            Ok(Ok(result)) => Ok(result),
            Ok(Err(message)) => Err(BrowserError::Protocol(format!("{method}: {message}"))),
            Err(_) => Err(BrowserError::Protocol(format!(
                "{method}: the browser closed the connection"
            ))),
        }
    }

    /// The events of page `session` from now on.
    pub fn subscribe(&self, session: &str) -> mpsc::UnboundedReceiver<PageEvent> {
        let (tx, rx) = mpsc::unbounded_channel();
        let mut routes = self.routes.lock().unwrap_or_else(|e| e.into_inner());
        routes.pages.insert(session.to_owned(), tx);
        rx
    }

    pub fn unsubscribe(&self, session: &str) {
        let mut routes = self.routes.lock().unwrap_or_else(|e| e.into_inner());
        routes.pages.remove(session);
    }
}

fn route(routes: &Mutex<Routes>, text: &str) {
    let Ok(mut message) = serde_json::from_str::<Value>(text) else {
        return;
    };
    let mut routes = routes.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(id) = message.get("id").and_then(Value::as_u64) {
        if let Some(waiter) = routes.pending.remove(&id) {
            let reply = match message.get_mut("error") {
                Some(error) => Err(error
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or("error")
                    .to_owned()),
                None => Ok(message
                    .get_mut("result")
                    .map(Value::take)
                    .unwrap_or(Value::Null)),
            };
            let _ = waiter.send(reply);
        }
        return;
    }
    let (Some(method), Some(session)) = (
        message.get("method").and_then(Value::as_str),
        message.get("sessionId").and_then(Value::as_str),
    ) else {
        return;
    };
    if let Some(page) = routes.pages.get(session) {
        let params = message.get("params").cloned().unwrap_or(Value::Null);
        let _ = page.send((method.to_owned(), params));
    }
}
