//! The mock's in-memory state: dialog sessions, authorisation codes, refresh tokens,
//! connections and the verified-token cache, each in a bounded [`ShardedMap`], and the
//! rules by which each is forgotten ([`MockState::purge_expired`], run every 30 seconds).
//!
//! Everything is forgotten three ways: by its own rule on its virtual clock (below), by real
//! time since its last use (a connection after [`Retention::connection_idle`]), and by its
//! map's cap (the least recently used entries go first). Virtual time runs at least as fast
//! as real time, so the virtual rules bound dialogs and codes in real time too; connections
//! live up to 120 virtual days and need the idle rule. The TrueLayer rules themselves (the
//! 5-minute code, the 1-hour token, the 30-day refresh window, the 90-day consent) are
//! enforced where the entries are used, not here.

use std::time::Duration;

use super::clock::{Clock, ClockName, RealClock, VirtualClock};
use super::faults::FaultTable;
use super::fixtures::Fixtures;
use super::journal::Journal;
use super::jwt::{AccessClaims, TokenSigner};
use super::sharded_map::ShardedMap;

pub const CODE_LIFETIME: i64 = 5 * 60;
pub const ACCESS_TOKEN_LIFETIME: i64 = 3_600;
pub const REFRESH_FIRST_USE_WINDOW: i64 = 30 * 86_400;
pub const CONSENT_LIFETIME: i64 = 90 * 86_400;
/// A dialog left unfinished this long is forgotten.
pub const DIALOG_LIFETIME: i64 = 3_600;
/// A code is kept this long after it was issued, so a late reuse is still told "already
/// exchanged" or "expired" rather than "unknown".
pub const CODE_RETENTION: i64 = 2 * CODE_LIFETIME;
/// An inactive connection can still be extended this long after its consent ran out; then
/// it is forgotten.
pub const INACTIVE_RETENTION: i64 = 30 * 86_400;
/// A verified token unused this long (real seconds) is verified again at its next use.
pub const VERIFIED_TOKEN_IDLE: i64 = 60;

/// How much state the mock keeps, and for how long without use. Virtual-time rules come on
/// top (docs/mock.md, "What the mock forgets").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retention {
    /// A connection (with its refresh token) unused this long in real time is forgotten.
    pub connection_idle: Duration,
    /// A named clock nothing lives on, not named by a request this long, is forgotten.
    pub clock_idle: Duration,
    /// The most entries each map holds (dialogs, codes, refresh tokens, connections, verified
    /// tokens, named clocks); past it, the least recently used go.
    pub max_entries: usize,
}

impl Default for Retention {
    fn default() -> Self {
        Retention {
            connection_idle: Duration::from_secs(24 * 3_600),
            clock_idle: Duration::from_secs(3_600),
            max_entries: 10_000,
        }
    }
}

/// Everything a request handler needs.
pub struct MockState {
    pub fixtures: Fixtures,
    pub clock: VirtualClock,
    pub signer: TokenSigner,
    /// `http://host:port`, no trailing slash: issuer, audience and the base of every link.
    pub base_url: String,
    pub retention: Retention,
    pub dialogs: ShardedMap<DialogSession>,
    pub codes: ShardedMap<AuthCode>,
    pub refresh_tokens: ShardedMap<RefreshGrant>,
    pub connections: ShardedMap<Connection>,
    /// Access tokens whose signature was already checked. RSA verification dominates a Data
    /// API call, and a client reuses its token.
    pub verified_tokens: ShardedMap<VerifiedToken>,
    /// What the application under test sent (`GET /__mock/requests`); capped and aged.
    pub journal: Journal,
    /// Faults set with `/__mock/faults`; capped.
    pub faults: FaultTable,
    /// Print an access-log line per request on stderr (`obflow mock --log`).
    pub access_log: bool,
}

/// How many entries each map holds, and how many its cap has evicted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct StateSizes {
    pub dialogs: u64,
    pub codes: u64,
    pub refresh_tokens: u64,
    pub connections: u64,
    pub verified_tokens: u64,
    pub clocks: u64,
}

impl MockState {
    pub fn new(
        fixtures: Fixtures,
        signer: TokenSigner,
        base_url: String,
        retention: Retention,
        real: RealClock,
        access_log: bool,
    ) -> Self {
        let cap = retention.max_entries;
        MockState {
            fixtures,
            clock: VirtualClock::new(real.clone(), cap),
            signer,
            base_url,
            dialogs: ShardedMap::new(cap, real.clone()),
            codes: ShardedMap::new(cap, real.clone()),
            refresh_tokens: ShardedMap::new(cap, real.clone()),
            connections: ShardedMap::new(cap, real.clone()),
            verified_tokens: ShardedMap::new(cap, real),
            journal: Journal::default(),
            faults: FaultTable::default(),
            access_log,
            retention,
        }
    }

    /// Forgets what can no longer be used, or has not been used for too long.
    pub fn purge_expired(&self) {
        let clock = &self.clock;
        let idle = |d: Duration| i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
        let connection_idle = idle(self.retention.connection_idle);
        self.dialogs
            .retain(|d, _| clock.now(&d.clock) - d.created_at < DIALOG_LIFETIME);
        self.codes
            .retain(|c, _| clock.now(&c.clock) - c.issued_at < CODE_RETENTION);
        self.connections.retain(|c, unused| {
            unused < connection_idle && !c.is_forgotten_at(clock.now(&c.clock))
        });
        // A refresh token lives as long as its connection; a connection once gone never
        // comes back, so this needs no lock on both maps at once.
        let connections = &self.connections;
        self.refresh_tokens
            .retain_unlocked(|r| connections.contains_key(&r.connection_id));
        self.verified_tokens
            .retain(|v, unused| unused < VERIFIED_TOKEN_IDLE && clock.now(&v.clock) < v.claims.exp);
        self.journal.purge(clock.real().now());
        // Last: the entries dropped above no longer hold their clocks.
        clock.purge(idle(self.retention.clock_idle));
    }

    /// Forgets all state, or only what lives on one clock.
    pub fn reset(&self, only: Option<&ClockName>) {
        match only {
            None => {
                self.dialogs.clear();
                self.codes.clear();
                self.refresh_tokens.clear();
                self.connections.clear();
                self.verified_tokens.clear();
                self.clock.reset_all();
                // As WireMock's reset: the journal and the faults go too.
                self.journal.clear();
                self.faults.clear();
            }
            Some(name) => {
                self.dialogs.retain(|d, _| !d.clock.is(name));
                self.codes.retain(|c, _| !c.clock.is(name));
                self.refresh_tokens.retain(|r, _| !r.clock.is(name));
                self.connections.retain(|c, _| !c.clock.is(name));
                self.verified_tokens.retain(|v, _| !v.clock.is(name));
                self.clock.reset_one(name);
            }
        }
    }

    pub fn sizes(&self) -> StateSizes {
        StateSizes {
            dialogs: self.dialogs.len() as u64,
            codes: self.codes.len() as u64,
            refresh_tokens: self.refresh_tokens.len() as u64,
            connections: self.connections.len() as u64,
            verified_tokens: self.verified_tokens.len() as u64,
            clocks: self.clock.named().len() as u64,
        }
    }

    pub fn evicted(&self) -> StateSizes {
        StateSizes {
            dialogs: self.dialogs.evicted(),
            codes: self.codes.evicted(),
            refresh_tokens: self.refresh_tokens.evicted(),
            connections: self.connections.evicted(),
            verified_tokens: self.verified_tokens.evicted(),
            clocks: self.clock.named().evicted(),
        }
    }
}

/// A fresh random identifier (URL-safe).
pub fn new_id(prefix: &str) -> String {
    format!("{prefix}{}", uuid::Uuid::new_v4().simple())
}

/// Where a dialog is: the next form the user has to post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DialogStep {
    SelectProvider,
    Consent,
    Login,
}

/// One user's pass through the auth dialog (from the auth link to the redirect).
#[derive(Debug, Clone)]
pub struct DialogSession {
    pub id: String,
    pub clock: Clock,
    pub created_at: i64,
    pub client_id: String,
    pub redirect_uri: String,
    pub scopes: Vec<String>,
    pub state: Option<String>,
    pub form_post: bool,
    pub code_challenge: Option<String>,
    /// Banks offered (ids); one entry means bank selection is skipped.
    pub providers: Vec<String>,
    pub provider_id: Option<String>,
    pub step: DialogStep,
    /// Set at consent; given up front when the dialog re-authenticates an existing connection.
    pub connection_id: Option<String>,
    /// Re-authentication (from `/connections/extend`) of a connection; the same user must log in.
    pub reauth_user: Option<String>,
}

/// An authorisation code: 5 minutes, single use.
#[derive(Debug, Clone)]
pub struct AuthCode {
    pub connection_id: String,
    pub client_id: String,
    pub redirect_uri: String,
    pub code_challenge: Option<String>,
    pub issued_at: i64,
    pub clock: Clock,
    pub exchanged: bool,
}

/// A live refresh token. Rotation removes it from the map.
#[derive(Debug, Clone)]
pub struct RefreshGrant {
    pub connection_id: String,
    pub client_id: String,
    pub issued_at: i64,
    pub clock: Clock,
}

/// The lifecycle of a connection, as in TrueLayer's "Create a connection" guide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConnectionStatus {
    /// The user consented in the dialog.
    AuthorizationRequired,
    /// The user logged in to the bank; a code was issued.
    Authorized,
    /// The code was exchanged for tokens.
    Active,
    /// The consent's 90 days have passed (computed, never stored).
    Inactive,
}

/// A user's consent for one client to read one bank's data.
#[derive(Debug, Clone)]
pub struct Connection {
    /// Also the `credentials_id` of /data/v1/me and the JWT `sub`.
    pub id: String,
    pub credentials_key: String,
    pub clock: Clock,
    pub client_id: String,
    pub provider_id: String,
    pub scopes: Vec<String>,
    pub created_at: i64,
    /// Start of the current consent (creation, or the last extension).
    pub consent_created_at: i64,
    pub expires_at: i64,
    pub status: ConnectionStatus,
    /// Set at bank login: index into the fixtures' users and the login name used.
    pub user: Option<(usize, String)>,
    pub auth_time: i64,
    /// When the consent last changed: given, re-authenticated or extended (`/me`).
    pub consent_status_updated_at: i64,
    /// Data API calls a throttled user's connection has been refused so far (fixtures'
    /// `throttle`).
    pub throttled_calls: u32,
    /// Once a refresh token of this connection has been used, the 30-day first-use window no
    /// longer applies (only the consent's 90 days do).
    pub refreshed_once: bool,
    /// The connection's one live refresh token, if any.
    pub refresh_token: Option<String>,
}

impl Connection {
    /// The status at `now`: inactive once the consent has run out.
    pub fn status_at(&self, now: i64) -> ConnectionStatus {
        if now >= self.expires_at {
            ConnectionStatus::Inactive
        } else {
            self.status
        }
    }

    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }

    /// Whether nothing can be done with the connection any more at `now` (its clock's
    /// time), so it is forgotten: a consent whose dialog was abandoned before the bank login,
    /// a first login whose code was never exchanged, or a connection inactive for
    /// [`INACTIVE_RETENTION`] (it can no longer be extended).
    pub fn is_forgotten_at(&self, now: i64) -> bool {
        match self.status {
            ConnectionStatus::AuthorizationRequired => now - self.created_at >= DIALOG_LIFETIME,
            // With no refresh token, an authorised connection has never had tokens.
            ConnectionStatus::Authorized if self.refresh_token.is_none() => {
                now - self.auth_time >= CODE_RETENTION
            }
            _ => now >= self.expires_at + INACTIVE_RETENTION,
        }
    }
}

/// An access token whose signature was checked, with the clock of its connection.
#[derive(Debug, Clone)]
pub struct VerifiedToken {
    pub claims: AccessClaims,
    pub clock: Clock,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn connection(status: ConnectionStatus, refresh_token: Option<&str>) -> Connection {
        Connection {
            id: "cred-1".into(),
            credentials_key: "k".into(),
            clock: Clock::Default,
            client_id: "c".into(),
            provider_id: "mock".into(),
            scopes: vec!["info".into()],
            created_at: 0,
            consent_created_at: 0,
            expires_at: CONSENT_LIFETIME,
            status,
            user: None,
            auth_time: 0,
            consent_status_updated_at: 0,
            throttled_calls: 0,
            refreshed_once: false,
            refresh_token: refresh_token.map(str::to_owned),
        }
    }

    #[test]
    fn each_stage_of_a_connection_is_forgotten_when_nothing_more_can_be_done_with_it() {
        let abandoned = connection(ConnectionStatus::AuthorizationRequired, None);
        assert!(!abandoned.is_forgotten_at(DIALOG_LIFETIME - 1));
        assert!(abandoned.is_forgotten_at(DIALOG_LIFETIME));
        let never_exchanged = connection(ConnectionStatus::Authorized, None);
        assert!(!never_exchanged.is_forgotten_at(CODE_RETENTION - 1));
        assert!(never_exchanged.is_forgotten_at(CODE_RETENTION));
        // Re-authenticating (extend): its refresh token still works meanwhile.
        let reauthenticating = connection(ConnectionStatus::Authorized, Some("rt"));
        assert!(!reauthenticating.is_forgotten_at(CODE_RETENTION));
        for active in [
            connection(ConnectionStatus::Active, Some("rt")),
            connection(ConnectionStatus::Active, None),
            reauthenticating,
        ] {
            // Inactive after 90 days, yet extendable for 30 more.
            assert_eq!(
                active.status_at(CONSENT_LIFETIME),
                ConnectionStatus::Inactive
            );
            assert!(!active.is_forgotten_at(CONSENT_LIFETIME + INACTIVE_RETENTION - 1));
            assert!(active.is_forgotten_at(CONSENT_LIFETIME + INACTIVE_RETENTION));
        }
    }
}
