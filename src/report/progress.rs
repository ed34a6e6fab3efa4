//! The progress bar (indicatif) on stderr: how many scenario runs are done, how many failed,
//! and the time left. Only for a person watching: when stderr is a terminal and `CI` is not
//! set; CI logs and pipes get plain lines, one per scenario, and nothing that redraws.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::run::{Event, Outcome, SkipReason};

/// Whether to draw a bar: stderr is a terminal and this is not CI. `CI` counts as set unless
/// empty, `0` or `false` (how CI services and users spell "off").
pub fn enabled(stderr_is_terminal: bool, ci: Option<&str>) -> bool {
    let in_ci = ci.is_some_and(|v| !v.is_empty() && v != "0" && !v.eq_ignore_ascii_case("false"));
    stderr_is_terminal && !in_ci
}

/// The decision for this process.
pub fn enabled_here() -> bool {
    use std::io::IsTerminal;
    enabled(
        std::io::stderr().is_terminal(),
        std::env::var("CI").ok().as_deref(),
    )
}

pub struct Progress {
    bar: ProgressBar,
    failed: usize,
}

impl Default for Progress {
    fn default() -> Self {
        Self::new()
    }
}

impl Progress {
    pub fn new() -> Self {
        let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} scenarios {msg} (eta {eta})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        // A steady tick keeps the elapsed time moving while a slow scenario runs.
        bar.enable_steady_tick(Duration::from_millis(200));
        Progress { bar, failed: 0 }
    }

    pub fn on_event(&mut self, event: &Event) {
        match event {
            Event::RunStarted { total } => self.bar.set_length(*total as u64),
            // Another shard's scenarios are not part of this machine's work.
            Event::ScenarioFinished(report)
                if !matches!(report.skip_reason, Some(SkipReason::OutsideShard(_))) =>
            {
                if report.outcome == Outcome::Failed {
                    self.failed += 1;
                    self.bar.set_message(format!("· {} failed", self.failed));
                }
                self.bar.inc(1);
            }
            // A person is asked to act (paste a URL at a prompt): a bar redrawing the line
            // they type on would garble it, so it goes away for the rest of the run.
            Event::Notice(_) => {
                self.bar.disable_steady_tick();
                self.bar.set_draw_target(ProgressDrawTarget::hidden());
            }
            _ => {}
        }
    }

    /// Runs `print` with the bar hidden, then draws it again below what was printed.
    pub fn suspend<R>(&self, print: impl FnOnce() -> R) -> R {
        self.bar.suspend(print)
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_bar_under_ci_or_without_a_terminal() {
        assert!(enabled(true, None));
        assert!(!enabled(true, Some("true")));
        assert!(!enabled(true, Some("1")));
        assert!(!enabled(true, Some("woodpecker")));
        assert!(!enabled(false, None));
        assert!(!enabled(false, Some("true")));
        // CI=false and CI= are how people switch CI mode off locally.
        assert!(enabled(true, Some("false")));
        assert!(enabled(true, Some("")));
    }
}
