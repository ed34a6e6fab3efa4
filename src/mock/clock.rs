//! Virtual time. Every expiry rule of the mock (5-minute codes, 1-hour tokens, the 30-day
//! refresh window, the 90-day consent) reads a [`VirtualClock`], never the wall clock
//! directly, so scenarios can jump ahead instead of waiting.
//!
//! There is one default clock plus any number of named clocks, selected per request with the
//! `x-obflow-clock` header. Scenarios running concurrently against one mock each use their own
//! name, so advancing one scenario's time never expires another scenario's tokens.

use std::collections::HashMap;
use std::sync::RwLock;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::http::HeaderMap;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::protocol::CLOCK_HEADER;

/// Named clocks beyond this many are refused, so a misbehaving client cannot grow the map
/// without bound.
const MAX_NAMED_CLOCKS: usize = 10_000;
const MAX_NAME_LEN: usize = 128;

/// Which clock a request, code, token or connection lives on. `None` is the default clock.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ClockName(Option<String>);

impl ClockName {
    pub fn default_clock() -> Self {
        ClockName(None)
    }

    pub fn named(name: impl Into<String>) -> Self {
        ClockName(Some(name.into()))
    }

    /// The name as shown by the admin routes (`default` for the default clock).
    pub fn label(&self) -> &str {
        self.0.as_deref().unwrap_or("default")
    }

    /// Picks the clock from the `x-obflow-clock` header, or from an explicit `?clock=` value
    /// (which wins). Empty or `default` means the default clock.
    pub fn from_request(headers: &HeaderMap, query: Option<&str>) -> Result<Self, ClockError> {
        let raw = match query {
            Some(q) => Some(q.to_owned()),
            None => match headers.get(CLOCK_HEADER) {
                Some(v) => Some(
                    v.to_str()
                        .map_err(|_| ClockError::BadName("not visible ASCII".into()))?
                        .to_owned(),
                ),
                None => None,
            },
        };
        match raw {
            None => Ok(Self::default_clock()),
            Some(name) => {
                let name = name.trim();
                if name.is_empty() || name == "default" {
                    Ok(Self::default_clock())
                } else if name.len() > MAX_NAME_LEN {
                    Err(ClockError::BadName(format!(
                        "longer than {MAX_NAME_LEN} characters"
                    )))
                } else {
                    Ok(Self::named(name))
                }
            }
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ClockError {
    #[error("invalid clock name: {0}")]
    BadName(String),
    #[error("too many named clocks (at most {MAX_NAMED_CLOCKS})")]
    TooManyClocks,
    #[error(
        "invalid duration {0:?}: expected seconds, or a number with a unit s, m, h or d (e.g. \"6m\")"
    )]
    BadDuration(String),
    #[error("the clock only moves forward: {0} seconds is negative")]
    Backwards(i64),
}

/// The default clock plus the named ones; each is an offset in seconds from real time.
#[derive(Debug, Default)]
pub struct VirtualClock {
    default_offset: AtomicI64,
    named: RwLock<HashMap<String, i64>>,
}

impl VirtualClock {
    /// Unix seconds now on the given clock. A named clock never seen before is at offset 0.
    pub fn now(&self, clock: &ClockName) -> i64 {
        real_now() + self.offset(clock)
    }

    pub fn offset(&self, clock: &ClockName) -> i64 {
        match &clock.0 {
            None => self.default_offset.load(Ordering::Relaxed),
            Some(name) => read(&self.named).get(name).copied().unwrap_or(0),
        }
    }

    /// Registers a named clock (at offset 0) if it is new; refuses past the cap.
    pub fn ensure(&self, clock: &ClockName) -> Result<(), ClockError> {
        let Some(name) = &clock.0 else { return Ok(()) };
        if read(&self.named).contains_key(name) {
            return Ok(());
        }
        let mut named = write(&self.named);
        if !named.contains_key(name) && named.len() >= MAX_NAMED_CLOCKS {
            return Err(ClockError::TooManyClocks);
        }
        named.entry(name.clone()).or_insert(0);
        Ok(())
    }

    /// Moves a clock forward; returns the new offset.
    pub fn advance(&self, clock: &ClockName, seconds: i64) -> Result<i64, ClockError> {
        if seconds < 0 {
            return Err(ClockError::Backwards(seconds));
        }
        match &clock.0 {
            None => Ok(self.default_offset.fetch_add(seconds, Ordering::Relaxed) + seconds),
            Some(name) => {
                self.ensure(clock)?;
                let mut named = write(&self.named);
                let offset = named.entry(name.clone()).or_insert(0);
                *offset = offset.saturating_add(seconds);
                Ok(*offset)
            }
        }
    }

    /// Puts one clock back to real time (a named clock is forgotten).
    pub fn reset_one(&self, clock: &ClockName) {
        match &clock.0 {
            None => self.default_offset.store(0, Ordering::Relaxed),
            Some(name) => {
                write(&self.named).remove(name);
            }
        }
    }

    /// Puts every clock back to real time and forgets the named ones.
    pub fn reset_all(&self) {
        self.default_offset.store(0, Ordering::Relaxed);
        write(&self.named).clear();
    }
}

fn real_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

// A poisoned lock only means another request panicked mid-update of a plain map of offsets;
// the data is still usable, so recover instead of propagating the panic.
fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|e| e.into_inner())
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(|e| e.into_inner())
}

/// Unix seconds as RFC 3339 (UTC), the format of every timestamp the mock serves.
pub fn rfc3339(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| unix.to_string())
}

/// A duration such as `6m`, `2h`, `90d` or `42` (seconds), in whole seconds: scenarios'
/// own syntax (`crate::duration`), so `wait: 6m` and `{"by": "6m"}` agree.
pub fn parse_duration(text: &str) -> Result<i64, ClockError> {
    crate::duration::parse_duration(text)
        .ok()
        .and_then(|d| i64::try_from(d.as_secs()).ok())
        .ok_or_else(|| ClockError::BadDuration(text.trim().to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("6m"), Ok(360));
        assert_eq!(parse_duration("90d"), Ok(90 * 86_400));
        assert_eq!(parse_duration("42"), Ok(42));
        assert_eq!(parse_duration("2h"), Ok(7_200));
        assert!(parse_duration("6 weeks").is_err());
        assert!(parse_duration("m").is_err());
    }

    #[test]
    fn named_clocks_are_independent() {
        let clock = VirtualClock::default();
        let a = ClockName::named("a");
        let b = ClockName::named("b");
        clock.advance(&a, 600).unwrap();
        assert_eq!(clock.offset(&a), 600);
        assert_eq!(clock.offset(&b), 0);
        assert_eq!(clock.offset(&ClockName::default_clock()), 0);
        assert!(clock.advance(&a, -1).is_err());
    }
}
