//! What long extractions show while they run, from the events the library reports through
//! `uapi_frontend::progress`:
//! - a progress bar of the (header, architecture) pairs read, drawn on stderr only when it is a
//!   terminal (never in pipes or CI logs) and not with `-q`, ending with one line saying what was
//!   checked and how long it took;
//! - with `-v`, each header a side skipped and its first error, as each architecture finishes
//!   (terminal or not).

use crate::verbosity::{self, Level};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal as _;
use std::time::Instant;
use uapi_frontend::progress::Event;

/// Observes one run while it lives; `finish` replaces the bar with the closing line.
pub struct Progress {
    bar: Option<ProgressBar>,
    start: Instant,
}

impl Progress {
    /// Starts observing: a bar when stderr is a terminal and `-q` was not given, skipped headers
    /// with `-v`; `None` when there is nothing to show.
    pub fn start() -> Option<Progress> {
        let level = verbosity::level();
        let bar = (level != Level::Quiet && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
            let style = ProgressStyle::with_template(
                "{spinner} [{elapsed}] {bar:25} {pos}/{len} (header, architecture) {wide_msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar
        });
        if bar.is_none() && level != Level::Verbose {
            return None;
        }
        let shown = bar.clone();
        uapi_frontend::progress::observe(move |event| match event {
            Event::Planned { units } => {
                if let Some(b) = &shown {
                    b.inc_length(units as u64);
                }
            }
            Event::Done { arch, header } => {
                if let Some(b) = &shown {
                    b.set_message(format!("{arch} {header}"));
                    b.inc(1);
                }
            }
            Event::Skipped {
                root,
                arch,
                header,
                reason,
            } if level == Level::Verbose => {
                let line = format!(
                    "uapi-guard: {}: {header} skipped on {arch}: {reason}",
                    root.display()
                );
                match &shown {
                    Some(b) => b.println(line),
                    None => eprintln!("{line}"),
                }
            }
            Event::Skipped { .. } => {}
        });
        Some(Progress {
            bar,
            start: Instant::now(),
        })
    }

    /// Stops observing, removes the bar and, on a terminal, prints `uapi-guard: <what> in
    /// <seconds> s` (with the number of (header, architecture) pairs read, when any were).
    pub fn finish(self, what: &str) {
        uapi_frontend::progress::stop_observing();
        let Some(bar) = &self.bar else { return };
        let pairs = bar.position();
        bar.finish_and_clear();
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
        uapi_frontend::progress::stop_observing();
        if let Some(bar) = &self.bar {
            if !bar.is_finished() {
                bar.finish_and_clear();
            }
        }
    }
}
