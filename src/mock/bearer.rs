//! Bearer-token authorisation shared by the Data API and Signup+: which connection a token
//! belongs to, and whether it may be used now. Each API turns a [`Denial`] into its own error
//! shape.

use axum::http::{HeaderMap, header};

use super::fixtures::{Failure, User};
use super::state::{Connection, MockState, VerifiedToken};

/// A request's verified access: the connection and its user.
pub struct Grant<'a> {
    pub connection: Connection,
    pub user: &'a User,
    /// Now, on the connection's clock.
    pub now: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denial {
    /// No `Authorization: Bearer` header.
    Missing,
    /// Not a token this mock signed, or its connection no longer exists.
    Invalid,
    /// The token is past its `exp`.
    Expired,
    /// The connection's 90-day consent ran out.
    ConsentExpired,
    /// The token lacks the scope this endpoint needs.
    MissingScope(&'static str),
    /// The user is one of the `error.*` users.
    UserFailure(Failure),
}

/// Checks the bearer token and, if `scope` is given, that it was granted. An inactive
/// connection is reported before an expired token: a client holding a token from a connection
/// whose consent ran out learns the real reason (403 access_denied), not just "expired".
pub fn authorize<'a>(
    state: &'a MockState,
    headers: &HeaderMap,
    scope: Option<&'static str>,
) -> Result<Grant<'a>, Denial> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or(Denial::Missing)?;
    let (claims, cached) = match state.verified_tokens.get_cloned(token) {
        Some(verified) => (verified.claims, true),
        None => (state.signer.verify(token).ok_or(Denial::Invalid)?, false),
    };
    let connection = state
        .connections
        .get_cloned(&claims.sub)
        .ok_or(Denial::Invalid)?;
    if connection.credentials_key != claims.credentials_key {
        return Err(Denial::Invalid);
    }
    if !cached {
        // Cached with its connection's clock, by which it expires from the cache too.
        state.verified_tokens.insert(
            token.to_owned(),
            VerifiedToken {
                claims: claims.clone(),
                clock: connection.clock.clone(),
            },
        );
    }
    let now = state.clock.now(&connection.clock);
    if connection.is_forgotten_at(now) {
        return Err(Denial::Invalid);
    }
    if now >= connection.expires_at {
        return Err(Denial::ConsentExpired);
    }
    if now >= claims.exp || now < claims.nbf {
        return Err(Denial::Expired);
    }
    if let Some(scope) = scope {
        if !claims.scope.iter().any(|s| s == scope) {
            return Err(Denial::MissingScope(scope));
        }
    }
    let (index, _) = connection.user.as_ref().ok_or(Denial::Invalid)?;
    let user = state.fixtures.user(*index).ok_or(Denial::Invalid)?;
    if let Some(failure) = user.failure {
        return Err(Denial::UserFailure(failure));
    }
    Ok(Grant {
        connection,
        user,
        now,
    })
}
