//! The progress bar of long extractions: drawn on stderr only when it is a terminal (never in
//! pipes or CI logs) and not with `-q`. It counts the (header, architecture) pairs the library
//! reports through `uapi_abi::progress`, and ends with one line saying what was checked and how
//! long it took.

use crate::verbosity::{self, Level};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal as _;
use std::time::Instant;
use uapi_abi::progress::Event;

/// A bar shown while it lives; `finish` replaces it with the closing line.
pub struct Progress {
    bar: ProgressBar,
    start: Instant,
}

impl Progress {
    /// Starts a bar when stderr is a terminal and `-q` was not given; otherwise nothing is drawn.
    pub fn start() -> Option<Progress> {
        if verbosity::level() == Level::Quiet || !std::io::stderr().is_terminal() {
            return None;
        }
        let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template(
            "{spinner} [{elapsed}] {bar:25} {pos}/{len} (header, architecture) {wide_msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        let shown = bar.clone();
        uapi_abi::progress::observe(move |event| match event {
            Event::Planned { units } => shown.inc_length(units as u64),
            Event::Done { arch, header } => {
                shown.set_message(format!("{arch} {header}"));
                shown.inc(1);
            }
        });
        Some(Progress {
            bar,
            start: Instant::now(),
        })
    }

    /// Removes the bar and prints `uapi-guard: <what> in <seconds> s` (with the number of
    /// (header, architecture) pairs read, when the library read any).
    pub fn finish(self, what: &str) {
        uapi_abi::progress::stop_observing();
        let pairs = self.bar.position();
        self.bar.finish_and_clear();
        let seconds = self.start.elapsed().as_secs_f64();
        if pairs > 0 {
            eprintln!(
                "uapi-guard: {what}, {pairs} (header, architecture) pairs, in {seconds:.1} s"
            );
        } else {
            eprintln!("uapi-guard: {what} in {seconds:.1} s");
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        // On an error path the bar goes without a closing line; the error says what happened.
        uapi_abi::progress::stop_observing();
        if !self.bar.is_finished() {
            self.bar.finish_and_clear();
        }
    }
}
