//! Starting and stopping the mock: [`start`] binds and serves it in the background, a
//! [`RunningMock`] stops it (on `shutdown` or drop), and a purger forgets expired and idle
//! state every [`PURGE_EVERY`] (the rules are in `state.rs`).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Weak};
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::clock::RealClock;
use super::routes::router;
use super::state::{MockState, Retention};
use super::{Fixtures, MockError, Signing, jwt};

/// How often the purger runs: real-time idleness is noticed this late at most.
pub const PURGE_EVERY: Duration = Duration::from_secs(30);

/// How to run the mock.
#[derive(Debug, Clone)]
pub struct MockOptions {
    pub bind: IpAddr,
    /// 0 picks a free port.
    pub port: u16,
    pub fixtures: Fixtures,
    pub signing: Signing,
    /// How much state is kept, and how long unused.
    pub retention: Retention,
    /// Real time, which every clock runs on: the system's, or a hand-moved one in tests.
    pub real_clock: RealClock,
    /// One access-log line per request on stderr (`obflow mock --log`).
    pub access_log: bool,
    /// Whether requests are kept in the journal (`GET /__mock/requests`). The mock embedded
    /// in `obflow run` keeps none: recording every request of a suite is work nobody reads.
    pub journal: bool,
}

impl MockOptions {
    /// 127.0.0.1 on a free port, the built-in fixtures, RS256 tokens, default retention,
    /// system time.
    pub fn loopback() -> Self {
        MockOptions {
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            fixtures: Fixtures::default(),
            signing: Signing::Rs256,
            retention: Retention::default(),
            real_clock: RealClock::system(),
            access_log: false,
            journal: true,
        }
    }
}

/// A mock serving in the background. Dropping it stops the server too.
pub struct RunningMock {
    base_url: String,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<()>>,
    purger: JoinHandle<()>,
    state: Weak<MockState>,
}

impl RunningMock {
    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Forgets expired and idle state now, as the purger does every [`PURGE_EVERY`]; with a
    /// [`RealClock::manual`], tests move time and then purge instead of waiting.
    pub fn purge(&self) {
        if let Some(state) = self.state.upgrade() {
            state.purge_expired();
        }
    }

    /// Stops accepting connections and waits (briefly) for in-flight requests.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(mut server) = self.server.take() {
            // Idle keep-alive clients can hold a graceful shutdown open; stop regardless.
            if tokio::time::timeout(Duration::from_secs(5), &mut server)
                .await
                .is_err()
            {
                server.abort();
            }
        }
    }
}

impl Drop for RunningMock {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            server.abort();
        }
        self.purger.abort();
    }
}

/// Binds, spawns the server on the current tokio runtime, and returns at once.
pub async fn start(opts: MockOptions) -> Result<RunningMock, MockError> {
    let signer = jwt::TokenSigner::new(opts.signing)?;
    let addr = SocketAddr::new(opts.bind, opts.port);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| MockError::Bind { addr, source })?;
    let local = listener
        .local_addr()
        .map_err(|source| MockError::Bind { addr, source })?;
    let base_url = base_url_for(local);
    let mut state = MockState::new(
        opts.fixtures,
        signer,
        base_url.clone(),
        opts.retention,
        opts.real_clock,
        opts.access_log,
    );
    state.journal = super::journal::Journal::new(opts.journal);
    let state = Arc::new(state);

    let (tx, rx) = oneshot::channel::<()>();
    let app = router(state.clone());
    let server = tokio::spawn(async move {
        let serve = axum::serve(Accepting::new(listener), app).with_graceful_shutdown(async {
            let _ = rx.await;
        });
        // Accept errors are retried by `Accepting`; an error here ends the server quietly.
        let _ = serve.await;
    });
    let weak = Arc::downgrade(&state);
    let weak_for_purge = weak.clone();
    drop(state);
    let purger = tokio::spawn(async move {
        let mut tick = tokio::time::interval(PURGE_EVERY);
        loop {
            tick.tick().await;
            match weak.upgrade() {
                Some(state) => state.purge_expired(),
                None => break,
            }
        }
    });
    Ok(RunningMock {
        base_url,
        shutdown: Some(tx),
        server: Some(server),
        purger,
        state: weak_for_purge,
    })
}

/// The mock's listener: accepts as axum's own does, but when the process is out of file
/// descriptors it records that (a run sharing the process then ends as an environment
/// error) and turns the waiting client away at once, instead of leaving it in the backlog
/// until it times out: a descriptor kept in reserve is closed, the connection accepted on it
/// and closed, and the reserve taken again (the way nginx and libuv do it).
struct Accepting {
    listener: tokio::net::TcpListener,
    reserve: Option<std::fs::File>,
}

impl Accepting {
    fn new(listener: tokio::net::TcpListener) -> Self {
        Accepting {
            listener,
            reserve: take_reserve(),
        }
    }
}

/// A descriptor to give up when the table is full.
fn take_reserve() -> Option<std::fs::File> {
    std::fs::File::open(if cfg!(windows) { "NUL" } else { "/dev/null" }).ok()
}

impl axum::serve::Listener for Accepting {
    type Io = tokio::net::TcpStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.listener.accept().await {
                Ok(accepted) => return accepted,
                Err(e) if crate::descriptors::record(&e) => {
                    match self.reserve.take() {
                        Some(reserve) => {
                            drop(reserve);
                            drop(self.listener.accept().await);
                            self.reserve = take_reserve();
                        }
                        // Nothing to give up: wait for a scenario to finish and free some.
                        None => tokio::time::sleep(Duration::from_millis(50)).await,
                    }
                    if self.reserve.is_none() {
                        self.reserve = take_reserve();
                    }
                }
                // The client gave up before it was accepted: nothing to wait for.
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::ConnectionRefused
                            | std::io::ErrorKind::ConnectionAborted
                            | std::io::ErrorKind::ConnectionReset
                    ) => {}
                Err(_) => tokio::time::sleep(Duration::from_secs(1)).await,
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }
}

/// A browsable URL for the bound address (an unspecified address becomes loopback).
fn base_url_for(addr: SocketAddr) -> String {
    match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => format!("http://127.0.0.1:{}", addr.port()),
        IpAddr::V4(ip) => format!("http://{ip}:{}", addr.port()),
        IpAddr::V6(ip) if ip.is_unspecified() => {
            format!("http://[{}]:{}", Ipv6Addr::LOCALHOST, addr.port())
        }
        IpAddr::V6(ip) => format!("http://[{ip}]:{}", addr.port()),
    }
}
