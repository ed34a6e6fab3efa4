//! Virtual time. Every expiry rule of the mock (5-minute codes, 1-hour tokens, the 30-day
//! refresh window, the 90-day consent) reads a [`VirtualClock`], never the wall clock
//! directly, so scenarios can jump ahead instead of waiting.
//!
//! There is one default clock plus any number of named clocks, selected per request with the
//! `x-obflow-clock` header. Scenarios running concurrently against one mock each use their own
//! name, so advancing one scenario's time never expires another scenario's tokens.
//!
//! Each dialog, code, token and connection holds the [`Clock`] it was created on, so judging
//! it reads two atomics and takes no lock; the registry of names is consulted only when a
//! request names a clock. A named clock is forgotten once nothing lives on it (no entry holds
//! it) and no request has named it for a while; the next request naming it gets a fresh one.
//!
//! Time only moves forward: real time is the wall clock read once at start plus a monotonic
//! [`Instant`] (a wall clock stepped back does not move the mock back), or a [`ManualTime`]
//! in tests; offsets only grow, and saturate so that no clock passes [`MAX_NOW`].

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::http::HeaderMap;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::sharded_map::ShardedMap;
use crate::protocol::CLOCK_HEADER;

const MAX_NAME_LEN: usize = 128;
/// The latest time a clock reaches: 9999-01-01T00:00:00Z. Every lifetime added to it (at
/// most 120 days) still fits in RFC 3339's four-digit years, and in an `i64` by far.
pub const MAX_NOW: i64 = 253_370_764_800;
/// The most one advance may move a clock: obflow's longest duration (100 years).
pub const MAX_ADVANCE: i64 = crate::duration::MAX.as_secs() as i64;

/// Which clock a request names. `None` is the default clock.
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
    #[error(
        "invalid duration '{0}': expected seconds, or a number with a unit s, m, h or d (e.g. 6m), at most 100 years"
    )]
    BadDuration(String),
    #[error("the clock only moves forward: {0} seconds is negative")]
    Backwards(i64),
    #[error("{0} seconds is more than one advance may take (at most {MAX_ADVANCE}, 100 years)")]
    TooFar(i64),
}

/// A clock that something lives on: a dialog, code, token or connection holds one, and is
/// judged on it for as long as it lives, even after its name was forgotten or reused.
#[derive(Debug, Clone)]
pub enum Clock {
    Default,
    Named(Arc<NamedClock>),
}

/// A named clock's state: its name and its offset from real time.
#[derive(Debug)]
pub struct NamedClock {
    name: String,
    offset: AtomicI64,
}

impl Clock {
    /// The name as shown by the admin routes (`default` for the default clock).
    pub fn label(&self) -> &str {
        match self {
            Clock::Default => "default",
            Clock::Named(c) => &c.name,
        }
    }

    /// Whether this clock goes by `name`.
    pub fn is(&self, name: &ClockName) -> bool {
        match (self, &name.0) {
            (Clock::Default, None) => true,
            (Clock::Named(c), Some(n)) => &c.name == n,
            _ => false,
        }
    }
}

/// Where real time comes from: the system (monotonic), or a hand-moved time for tests.
#[derive(Clone)]
pub struct RealClock(RealSource);

#[derive(Clone)]
enum RealSource {
    /// The wall clock at start, carried forward by a monotonic instant.
    System {
        at_start: Duration,
        started: Instant,
    },
    Manual(Arc<AtomicI64>),
}

impl RealClock {
    pub fn system() -> Self {
        RealClock(RealSource::System {
            at_start: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default(),
            started: Instant::now(),
        })
    }

    /// Real time that moves only when told to, starting at `unix` seconds: lets tests show
    /// what a day of idleness does without waiting a day.
    pub fn manual(unix: i64) -> (Self, ManualTime) {
        let now = Arc::new(AtomicI64::new(unix));
        (RealClock(RealSource::Manual(now.clone())), ManualTime(now))
    }

    /// Unix seconds now; never less than an earlier reading.
    pub fn now(&self) -> i64 {
        match &self.0 {
            RealSource::System { at_start, started } => {
                i64::try_from((*at_start + started.elapsed()).as_secs()).unwrap_or(i64::MAX)
            }
            RealSource::Manual(now) => now.load(Ordering::Relaxed),
        }
    }
}

impl Default for RealClock {
    fn default() -> Self {
        RealClock::system()
    }
}

impl std::fmt::Debug for RealClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            RealSource::System { .. } => f.write_str("RealClock::system()"),
            RealSource::Manual(now) => {
                write!(f, "RealClock::manual({})", now.load(Ordering::Relaxed))
            }
        }
    }
}

/// The hand that moves a [`RealClock::manual`].
#[derive(Debug, Clone)]
pub struct ManualTime(Arc<AtomicI64>);

impl ManualTime {
    /// Lets `by` of real time pass (saturating).
    pub fn advance(&self, by: Duration) {
        let secs = i64::try_from(by.as_secs()).unwrap_or(i64::MAX);
        let _ = self
            .0
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |t| {
                Some(t.saturating_add(secs))
            });
    }
}

/// The default clock plus the named ones; each is an offset in seconds from real time.
pub struct VirtualClock {
    real: RealClock,
    default_offset: AtomicI64,
    named: ShardedMap<Arc<NamedClock>>,
}

impl VirtualClock {
    /// Clocks on `real` time, with at most `max_named` named clocks (past it, the least
    /// recently named are forgotten).
    pub fn new(real: RealClock, max_named: usize) -> Self {
        VirtualClock {
            named: ShardedMap::new(max_named, real.clone()),
            real,
            default_offset: AtomicI64::new(0),
        }
    }

    pub fn real(&self) -> &RealClock {
        &self.real
    }

    /// Unix seconds now on the given clock; never less than an earlier reading.
    pub fn now(&self, clock: &Clock) -> i64 {
        self.real
            .now()
            .saturating_add(self.stored_offset(clock))
            .min(MAX_NOW)
    }

    /// How far the clock is ahead of real time now.
    pub fn offset(&self, clock: &Clock) -> i64 {
        let real = self.real.now();
        real.saturating_add(self.stored_offset(clock)).min(MAX_NOW) - real
    }

    fn stored_offset(&self, clock: &Clock) -> i64 {
        match clock {
            Clock::Default => self.default_offset.load(Ordering::Relaxed),
            Clock::Named(c) => c.offset.load(Ordering::Relaxed),
        }
    }

    /// The clock a request names, made (at offset 0) if it is new. Naming a clock is a use.
    pub fn get_or_create(&self, name: &ClockName) -> Clock {
        match &name.0 {
            None => Clock::Default,
            Some(n) => Clock::Named(self.named.get_or_insert_with(n, || {
                Arc::new(NamedClock {
                    name: n.clone(),
                    offset: AtomicI64::new(0),
                })
            })),
        }
    }

    /// The clock a request names, if it exists (a use), without making one.
    pub fn find(&self, name: &ClockName) -> Option<Clock> {
        match &name.0 {
            None => Some(Clock::Default),
            Some(n) => self.named.get_cloned(n).map(Clock::Named),
        }
    }

    /// Moves a clock forward (saturating at [`MAX_NOW`]); returns the clock.
    pub fn advance(&self, name: &ClockName, seconds: i64) -> Result<Clock, ClockError> {
        if seconds < 0 {
            return Err(ClockError::Backwards(seconds));
        }
        if seconds > MAX_ADVANCE {
            return Err(ClockError::TooFar(seconds));
        }
        let clock = self.get_or_create(name);
        let offset = match &clock {
            Clock::Default => &self.default_offset,
            Clock::Named(c) => &c.offset,
        };
        // An offset of MAX_NOW already puts any real time past MAX_NOW, where `now` stops.
        let _ = offset.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |o| {
            Some(o.saturating_add(seconds).min(MAX_NOW))
        });
        Ok(clock)
    }

    /// Puts one clock back to real time (a named clock is forgotten; whatever still holds
    /// it keeps its time).
    pub fn reset_one(&self, name: &ClockName) {
        match &name.0 {
            None => self.default_offset.store(0, Ordering::Relaxed),
            Some(n) => {
                self.named.remove(n);
            }
        }
    }

    /// Puts every clock back to real time and forgets the named ones.
    pub fn reset_all(&self) {
        self.default_offset.store(0, Ordering::Relaxed);
        self.named.clear();
    }

    /// Forgets the named clocks nothing lives on that no request has named for `idle`
    /// seconds of real time.
    pub fn purge(&self, idle: i64) {
        // The registry's own reference is the only one left when nothing lives on a clock;
        // a request holding it meanwhile holds another.
        self.named
            .retain(|clock, unused| Arc::strong_count(clock) > 1 || unused < idle);
    }

    /// The named clocks' map (sizes, for the stats route).
    pub fn named(&self) -> &ShardedMap<Arc<NamedClock>> {
        &self.named
    }
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

    fn clocks(start: i64) -> (VirtualClock, ManualTime) {
        let (real, hand) = RealClock::manual(start);
        (VirtualClock::new(real, 100), hand)
    }

    #[test]
    fn named_clocks_are_independent() {
        let (clock, _) = clocks(1_000);
        let a = ClockName::named("a");
        let b = ClockName::named("b");
        let on_a = clock.advance(&a, 600).unwrap();
        assert_eq!(clock.offset(&on_a), 600);
        assert_eq!(clock.now(&on_a), 1_600);
        assert_eq!(clock.offset(&clock.get_or_create(&b)), 0);
        assert_eq!(clock.offset(&Clock::Default), 0);
        assert_eq!(
            clock.advance(&a, -1).unwrap_err(),
            ClockError::Backwards(-1)
        );
    }

    #[test]
    fn clocks_saturate_and_never_go_backwards() {
        let (clock, hand) = clocks(1_700_000_000);
        let name = ClockName::default_clock();
        let mut last = clock.now(&Clock::Default);
        for _ in 0..200 {
            let c = clock.advance(&name, MAX_ADVANCE).unwrap();
            let now = clock.now(&c);
            assert!(now >= last, "{now} < {last}");
            last = now;
        }
        assert_eq!(last, MAX_NOW);
        assert_eq!(rfc3339(MAX_NOW), "9999-01-01T00:00:00Z");
        assert_eq!(
            clock.advance(&name, MAX_ADVANCE + 1).unwrap_err(),
            ClockError::TooFar(MAX_ADVANCE + 1)
        );
        assert!(clock.advance(&name, i64::MAX).is_err());
        // Real time passing at the maximum changes nothing: the clock stays there.
        hand.advance(Duration::from_secs(u64::MAX));
        assert_eq!(clock.now(&Clock::Default), MAX_NOW);
        // A named clock saturates the same way.
        let named = ClockName::named("far");
        for _ in 0..100 {
            clock.advance(&named, MAX_ADVANCE).unwrap();
        }
        assert_eq!(clock.now(&clock.get_or_create(&named)), MAX_NOW);
    }

    #[test]
    fn a_named_clock_is_forgotten_once_nothing_lives_on_it_and_it_is_idle() {
        let (clock, hand) = clocks(1_000);
        let name = ClockName::named("scenario-1");
        let held = clock.advance(&name, 3_600).unwrap();
        hand.advance(Duration::from_secs(7_200));
        clock.purge(3_600);
        assert_eq!(clock.named().len(), 1, "something still lives on it");
        assert_eq!(clock.offset(&held), 3_600);
        drop(held);
        clock.purge(3_600);
        assert_eq!(clock.named().len(), 0);
        // Named again: a fresh clock at offset 0.
        let fresh = clock.get_or_create(&name);
        assert_eq!(clock.offset(&fresh), 0);
        // An idle clock that was named recently stays.
        drop(fresh);
        hand.advance(Duration::from_secs(60));
        clock.purge(3_600);
        assert_eq!(clock.named().len(), 1);
    }

    #[test]
    fn the_system_clock_is_monotonic() {
        let real = RealClock::system();
        let wall = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        let first = real.now();
        assert!((first - wall).abs() <= 1, "{first} vs {wall}");
        assert!(real.now() >= first);
    }
}
