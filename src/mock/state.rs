//! The mock's in-memory state: dialog sessions, authorisation codes, refresh tokens and
//! connections, each in a sharded map so thousands of concurrent flows do not queue on one
//! lock. Locks are std mutexes held only for a map operation, never across an `.await`.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::{Mutex, MutexGuard};

use super::clock::{ClockName, VirtualClock};
use super::fixtures::Fixtures;
use super::jwt::{AccessClaims, TokenSigner};

pub const CODE_LIFETIME: i64 = 5 * 60;
pub const ACCESS_TOKEN_LIFETIME: i64 = 3_600;
pub const REFRESH_FIRST_USE_WINDOW: i64 = 30 * 86_400;
pub const CONSENT_LIFETIME: i64 = 90 * 86_400;
/// A dialog left unfinished this long is forgotten.
pub const DIALOG_LIFETIME: i64 = 3_600;

/// Everything a request handler needs.
pub struct MockState {
    pub fixtures: Fixtures,
    pub clock: VirtualClock,
    pub signer: TokenSigner,
    /// `http://host:port`, no trailing slash: issuer, audience and the base of every link.
    pub base_url: String,
    pub dialogs: ShardedMap<DialogSession>,
    pub codes: ShardedMap<AuthCode>,
    pub refresh_tokens: ShardedMap<RefreshGrant>,
    pub connections: ShardedMap<Connection>,
    /// Access tokens whose signature was already checked → their claims. RSA verification
    /// dominates a Data API call, and a client reuses its token; emptied on every purge.
    pub verified_tokens: ShardedMap<AccessClaims>,
}

impl MockState {
    pub fn new(fixtures: Fixtures, signer: TokenSigner, base_url: String) -> Self {
        MockState {
            fixtures,
            clock: VirtualClock::default(),
            signer,
            base_url,
            dialogs: ShardedMap::default(),
            codes: ShardedMap::default(),
            refresh_tokens: ShardedMap::default(),
            connections: ShardedMap::default(),
            verified_tokens: ShardedMap::default(),
        }
    }

    /// Drops what can no longer be used: finished or stale dialogs and old codes. Codes are
    /// kept a while past their expiry so a late reuse is still told "already exchanged".
    pub fn purge_expired(&self) {
        self.verified_tokens.clear();
        let clock = &self.clock;
        self.dialogs
            .retain(|d| clock.now(&d.clock) - d.created_at < DIALOG_LIFETIME);
        self.codes
            .retain(|c| clock.now(&c.clock) - c.issued_at < 2 * CODE_LIFETIME);
        // A connection whose dialog was abandoned before login never becomes usable.
        self.connections.retain(|c| {
            c.status != ConnectionStatus::AuthorizationRequired
                || clock.now(&c.clock) - c.created_at < DIALOG_LIFETIME
        });
    }

    /// Forgets all state, or only what lives on one clock.
    pub fn reset(&self, only: Option<&ClockName>) {
        match only {
            None => {
                self.dialogs.clear();
                self.codes.clear();
                self.refresh_tokens.clear();
                self.connections.clear();
                self.clock.reset_all();
            }
            Some(name) => {
                self.dialogs.retain(|d| &d.clock != name);
                self.codes.retain(|c| &c.clock != name);
                self.refresh_tokens.retain(|r| &r.clock != name);
                self.connections.retain(|c| &c.clock != name);
                self.clock.reset_one(name);
            }
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
    pub clock: ClockName,
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
    pub clock: ClockName,
    pub exchanged: bool,
}

/// A live refresh token. Rotation removes it from the map.
#[derive(Debug, Clone)]
pub struct RefreshGrant {
    pub connection_id: String,
    pub client_id: String,
    pub issued_at: i64,
    pub clock: ClockName,
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
    pub clock: ClockName,
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
}

const SHARDS: usize = 32;

/// A string-keyed map split over independently locked shards.
pub struct ShardedMap<V> {
    shards: Vec<Mutex<HashMap<String, V>>>,
    hasher: RandomState,
}

impl<V> Default for ShardedMap<V> {
    fn default() -> Self {
        ShardedMap {
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
            hasher: RandomState::new(),
        }
    }
}

impl<V> ShardedMap<V> {
    fn shard(&self, key: &str) -> MutexGuard<'_, HashMap<String, V>> {
        let i = (self.hasher.hash_one(key) as usize) % SHARDS;
        // A poisoned shard only means a handler panicked mid-operation; the map is intact.
        self.shards[i].lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn insert(&self, key: String, value: V) {
        self.shard(&key).insert(key, value);
    }

    pub fn remove(&self, key: &str) -> Option<V> {
        self.shard(key).remove(key)
    }

    /// Runs `f` on the entry under its shard's lock.
    pub fn update<R>(&self, key: &str, f: impl FnOnce(&mut V) -> R) -> Option<R> {
        self.shard(key).get_mut(key).map(f)
    }

    pub fn get_cloned(&self, key: &str) -> Option<V>
    where
        V: Clone,
    {
        self.shard(key).get(key).cloned()
    }

    pub fn retain(&self, mut keep: impl FnMut(&V) -> bool) {
        for shard in &self.shards {
            shard
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .retain(|_, v| keep(v));
        }
    }

    /// A copy of every value (for the admin listing).
    pub fn values(&self) -> Vec<V>
    where
        V: Clone,
    {
        let mut out = Vec::new();
        for shard in &self.shards {
            out.extend(
                shard
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .values()
                    .cloned(),
            );
        }
        out
    }

    pub fn clear(&self) {
        for shard in &self.shards {
            shard.lock().unwrap_or_else(|e| e.into_inner()).clear();
        }
    }
}
