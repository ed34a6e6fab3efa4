//! Open files: the process's descriptor limit (`ulimit -n`), how many scenarios can run at
//! once under it, and the record of running out.
//!
//! A running scenario holds descriptors: its connection to the target and, against the
//! embedded mock, the mock's end of it; now and then a second connection the pool opens while
//! the first is on its way back, and a snapshot file being read or written. Measured on
//! `scenarios/` against the embedded mock (the peak count of `/proc/PID/fd` during `obflow run
//! --repeat 40`): 14 at `--jobs 1`, 60 at 16, 156 at 64, 322 at 128, 785 at 256 — about 3 a
//! job over a base of 14 (stdio, the runtime's epoll and wakers, the mock's listener). So a
//! job is given [`PER_JOB`] and the base [`RESERVED`], a quarter more than measured, for a
//! `via: listen` listener, report files and the odd file a step opens.
//!
//! At the start of a run, [`fit_jobs`] raises the soft limit towards the hard one when the
//! jobs asked for need it (as Go's runtime does; a shell's `ulimit -n` usually sets both, so
//! there is often no room), and otherwise lowers the jobs to what fits.
//!
//! Running out anyway (another process's share of a system-wide limit, a misjudged
//! scenario) is an environment problem, not a failed scenario: whatever sees `EMFILE` or
//! `ENFILE` — a connect, the mock's accept, a listener's bind — [`record`]s it, the
//! scheduler starts nothing more, and the run ends with [`OutOfFiles`]. The record is the
//! process's because the descriptor table is.

use std::sync::atomic::{AtomicBool, Ordering};

// (The limits are read and set through rustix, already in the tree through tempfile, so no
// `unsafe` is needed here.)

/// Descriptors a running scenario is counted for.
pub const PER_JOB: u64 = 4;
/// Descriptors left for everything that is not a job: stdio, the runtime, the embedded mock's
/// listener, report files.
pub const RESERVED: u64 = 32;

/// The open-file limit of this process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// The soft limit: what `open` and `accept` are held to.
    pub soft: u64,
    /// The hard limit the soft one may be raised to; `None` for unlimited.
    pub hard: Option<u64>,
}

/// The limit now, where the platform has one obflow can read.
pub fn limit() -> Option<Limit> {
    #[cfg(unix)]
    {
        use rustix::process::{Resource, getrlimit};
        let limit = getrlimit(Resource::Nofile);
        // An unlimited soft limit is as good as none.
        Some(Limit {
            soft: limit.current?,
            hard: limit.maximum,
        })
    }
    #[cfg(not(unix))]
    None
}

/// Raises the soft limit to `to`, or as near as the hard limit allows.
fn raise_soft_limit(to: u64) {
    #[cfg(unix)]
    {
        use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
        let now = getrlimit(Resource::Nofile);
        let to = now.maximum.map_or(to, |hard| to.min(hard));
        if now.current.is_some_and(|soft| soft < to) {
            // Refused (a sandbox, say): the jobs are then fitted to the limit as it is.
            let _ = setrlimit(
                Resource::Nofile,
                Rlimit {
                    current: Some(to),
                    maximum: now.maximum,
                },
            );
        }
    }
    #[cfg(not(unix))]
    let _ = to;
}

/// Descriptors `jobs` scenarios at once need, with the reserve.
pub fn needed_for(jobs: usize) -> u64 {
    RESERVED.saturating_add((jobs as u64).saturating_mul(PER_JOB))
}

/// The most scenarios that fit under a soft limit of `soft` descriptors; at least one, so
/// that a run under a tiny limit is tried (and ends with [`OutOfFiles`] if it runs out).
pub fn jobs_under(soft: u64) -> usize {
    let jobs = soft.saturating_sub(RESERVED) / PER_JOB;
    usize::try_from(jobs).unwrap_or(usize::MAX).max(1)
}

/// What `--jobs` became under the open-file limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobsFit {
    /// The scenarios that run at once.
    pub jobs: usize,
    /// The jobs asked for, when they did not fit and were lowered.
    pub lowered_from: Option<usize>,
    /// The soft limit the jobs were fitted to; `None` where it is unknown or unlimited.
    pub limit: Option<u64>,
}

impl JobsFit {
    /// The one-line note for stderr when the jobs were lowered.
    pub fn note(&self) -> Option<String> {
        let (from, limit) = (self.lowered_from?, self.limit?);
        Some(format!(
            "running {} at once, not {from}: the open-file limit is {limit} and each needs \
             about {PER_JOB}; raise it (`ulimit -n {}`) to run {from}",
            match self.jobs {
                1 => "1 scenario".to_owned(),
                n => format!("{n} scenarios"),
            },
            needed_for(from),
        ))
    }
}

/// Fits `requested` jobs under the open-file limit: raises the soft limit when the hard one
/// leaves room, and lowers the jobs when it does not.
pub fn fit_jobs(requested: usize) -> JobsFit {
    let needed = needed_for(requested);
    if limit().is_some_and(|l| l.soft < needed) {
        raise_soft_limit(needed);
    }
    match limit() {
        Some(l) if l.soft < needed && jobs_under(l.soft) < requested => JobsFit {
            jobs: jobs_under(l.soft),
            lowered_from: Some(requested),
            limit: Some(l.soft),
        },
        other => JobsFit {
            jobs: requested,
            lowered_from: None,
            limit: other.map(|l| l.soft),
        },
    }
}

/// Descriptors that must be free before a run starts: the runtime's poller and wakers, the
/// pair tokio's signal driver makes (it panics when it cannot), the mock's listener, and a
/// first connection's two ends.
pub const TO_START: usize = 8;

/// Whether `count` more descriptors can be opened now: each is opened (on `/dev/null`) and
/// closed again. Asked before a run starts, because part of what it starts panics rather
/// than return an error when the table is full.
pub fn can_open(count: usize) -> bool {
    #[cfg(unix)]
    {
        let mut held = Vec::with_capacity(count);
        for _ in 0..count {
            match std::fs::File::open("/dev/null") {
                Ok(file) => held.push(file),
                Err(e) if is_exhaustion(&e) => return false,
                // Some other reason (no /dev/null in a sandbox): that is not the question.
                Err(_) => return true,
            }
        }
        true
    }
    #[cfg(not(unix))]
    {
        let _ = count;
        true
    }
}

/// Whether `err` is the process (`EMFILE`) or the system (`ENFILE`) out of descriptors.
pub fn is_exhaustion(err: &std::io::Error) -> bool {
    #[cfg(unix)]
    {
        use rustix::io::Errno;
        matches!(
            err.raw_os_error(),
            Some(code) if code == Errno::MFILE.raw_os_error() || code == Errno::NFILE.raw_os_error()
        )
    }
    #[cfg(not(unix))]
    {
        let _ = err;
        false
    }
}

/// Whether running out of descriptors is somewhere in `err`'s chain of causes (reqwest
/// wraps a failed connect's `io::Error` two or three levels down).
pub fn caused_by_exhaustion(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(err);
    while let Some(err) = next {
        if err
            .downcast_ref::<std::io::Error>()
            .is_some_and(is_exhaustion)
        {
            return true;
        }
        next = err.source();
    }
    false
}

static RAN_OUT: AtomicBool = AtomicBool::new(false);

/// Records running out when `err` is that; returns whether it was.
pub fn record(err: &(dyn std::error::Error + 'static)) -> bool {
    let exhausted = caused_by_exhaustion(err);
    if exhausted {
        RAN_OUT.store(true, Ordering::Relaxed);
    }
    exhausted
}

/// Whether anything in this process ran out of descriptors since [`reset`].
pub fn ran_out() -> bool {
    RAN_OUT.load(Ordering::Relaxed)
}

/// Forgets earlier running out, for a new run.
pub fn reset() {
    RAN_OUT.store(false, Ordering::Relaxed);
}

/// The run ran out of file descriptors: it could not be carried out as asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutOfFiles {
    /// The soft limit during the run, when known.
    pub limit: Option<u64>,
    /// The scenarios that ran at once.
    pub jobs: usize,
    /// Scenarios that did not run to the end because of it (stopped or never started).
    pub cut_short: usize,
}

impl OutOfFiles {
    /// A limit worth trying: well above the one that ran out (the estimate was wrong, so
    /// not by a little), and no less than the usual 1024.
    fn suggested_limit(&self) -> u64 {
        let above = self
            .limit
            .unwrap_or(0)
            .saturating_mul(2)
            .max(needed_for(self.jobs));
        above.checked_next_power_of_two().unwrap_or(above).max(1024)
    }
}

impl std::error::Error for OutOfFiles {}

impl std::fmt::Display for OutOfFiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the run ran out of open files")?;
        if let Some(limit) = self.limit {
            write!(f, " (the limit is {limit}, with --jobs {})", self.jobs)?;
        }
        match self.cut_short {
            0 => {}
            1 => f.write_str("; 1 scenario could not run to the end")?,
            n => write!(f, "; {n} scenarios could not run to the end")?,
        }
        write!(
            f,
            ": raise the limit (`ulimit -n {}`)",
            self.suggested_limit()
        )?;
        match self.jobs {
            0 | 1 => f.write_str(" (with `--jobs 1` it runs one scenario at a time already)"),
            jobs => write!(
                f,
                " or run fewer scenarios at once (`--jobs {}`)",
                (jobs / 2).max(1)
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_fit_the_limit_with_the_reserve_and_at_least_one() {
        assert_eq!(jobs_under(1024), 248);
        assert_eq!(jobs_under(256), 56);
        assert_eq!(jobs_under(64), 8);
        assert_eq!(jobs_under(10), 1);
        assert_eq!(jobs_under(0), 1);
        assert_eq!(needed_for(248), 1024);
        assert!(needed_for(usize::MAX) == u64::MAX);
    }

    #[test]
    fn exhaustion_is_found_down_a_chain_of_causes() {
        #[derive(Debug, thiserror::Error)]
        #[error("connect failed")]
        struct Wrapper(#[source] std::io::Error);
        let emfile = std::io::Error::from_raw_os_error(24);
        assert!(is_exhaustion(&emfile));
        assert!(is_exhaustion(&std::io::Error::from_raw_os_error(23)));
        assert!(caused_by_exhaustion(&Wrapper(emfile)));
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert!(!caused_by_exhaustion(&Wrapper(refused)));
    }

    #[test]
    fn the_note_and_the_error_name_the_limit_and_how_to_raise_it() {
        let fit = JobsFit {
            jobs: 56,
            lowered_from: Some(200),
            limit: Some(256),
        };
        assert_eq!(
            fit.note().unwrap(),
            "running 56 scenarios at once, not 200: the open-file limit is 256 and each needs \
             about 4; raise it (`ulimit -n 832`) to run 200"
        );
        let fitted = JobsFit {
            lowered_from: None,
            ..fit
        };
        assert_eq!(fitted.note(), None);
        let err = OutOfFiles {
            limit: Some(64),
            jobs: 8,
            cut_short: 3,
        };
        let text = err.to_string();
        assert!(text.contains("the limit is 64, with --jobs 8"), "{text}");
        assert!(
            text.contains("3 scenarios could not run to the end"),
            "{text}"
        );
        assert!(
            text.contains("`ulimit -n 1024`") && text.contains("`--jobs 4`"),
            "{text}"
        );
    }
}
