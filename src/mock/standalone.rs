//! The standalone mock (`obflow mock`): its options, and serving them until ctrl-c. The
//! command layer turns command-line arguments into [`StandaloneOptions`] and errors into exit
//! codes; this module knows neither.

use std::io::Write;
use std::net::IpAddr;
use std::path::PathBuf;

use super::clock::RealClock;
use super::error::MockError;
use super::fixtures::Fixtures;
use super::jwt::Signing;
use super::state::Retention;
use super::{MockOptions, start};

/// How to run the standalone mock: like [`MockOptions`], but naming a fixture file (read at
/// start, so a bad file is reported as invalid input) instead of holding loaded fixtures.
#[derive(Debug, Clone)]
pub struct StandaloneOptions {
    pub bind: IpAddr,
    /// 0 picks a free port.
    pub port: u16,
    /// Replaces the built-in fixtures when given.
    pub fixtures: Option<PathBuf>,
    pub signing: Signing,
    pub retention: Retention,
    /// Overrides the fixture file's `options.dialog`.
    pub dialog: Option<super::DialogStyle>,
    /// One access-log line per request on stderr.
    pub access_log: bool,
    /// Whether requests are kept in the journal.
    pub journal: bool,
}

impl StandaloneOptions {
    /// Reads the fixture file, if any.
    pub fn load(&self) -> Result<MockOptions, MockError> {
        let fixtures = match &self.fixtures {
            Some(path) => Fixtures::from_file(path)?,
            None => Fixtures::default(),
        };
        let fixtures = match self.dialog {
            Some(style) => fixtures.with_dialog(style),
            None => fixtures,
        };
        Ok(MockOptions {
            bind: self.bind,
            port: self.port,
            fixtures,
            signing: self.signing,
            retention: self.retention.clone(),
            real_clock: RealClock::system(),
            access_log: self.access_log,
            journal: self.journal,
        })
    }
}

/// Loads fixtures, starts, prints `obflow mock listening on URL` on stdout (scripts wait for
/// that line and read the URL from it), and serves until ctrl-c.
pub async fn serve_forever(opts: &StandaloneOptions) -> Result<(), MockError> {
    let mock = start(opts.load()?).await?;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "obflow mock listening on {}", mock.base_url());
    let _ = out.flush();
    drop(out);
    tokio::signal::ctrl_c().await.map_err(MockError::Serve)?;
    mock.shutdown().await;
    Ok(())
}
