//! Progress of long extractions, for a user interface to show.
//!
//! The library never prints; it reports what it has done to one process-wide observer, which
//! the CLI installs (a progress bar on a terminal) and which is absent otherwise (tests, the
//! library used alone). Reporting costs an atomic load when no observer is installed.

use crate::model::Arch;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::RwLock;

/// What the library reports.
#[derive(Debug, Clone, Copy)]
pub enum Event<'a> {
    /// `units` more (header, architecture) pairs are about to be read.
    Planned {
        /// How many.
        units: usize,
    },
    /// One header has been read for one architecture.
    Done {
        /// The architecture.
        arch: Arch,
        /// The header, relative to the include root.
        header: &'a str,
    },
    /// A header of the tree under `root` could not be analysed on `arch`: the compiler's first
    /// error (reported once per architecture, when its extraction is complete).
    Skipped {
        /// The include root.
        root: &'a std::path::Path,
        /// The architecture.
        arch: Arch,
        /// The header, relative to the include root.
        header: &'a str,
        /// Why.
        reason: &'a str,
    },
}

type Observer = Box<dyn Fn(Event<'_>) + Send + Sync>;

static INSTALLED: AtomicBool = AtomicBool::new(false);
static OBSERVER: RwLock<Option<Observer>> = RwLock::new(None);

/// Installs the process-wide observer, replacing any earlier one.
pub fn observe(observer: impl Fn(Event<'_>) + Send + Sync + 'static) {
    *OBSERVER.write().unwrap_or_else(|p| p.into_inner()) = Some(Box::new(observer));
    INSTALLED.store(true, Ordering::Release);
}

/// Removes the observer.
pub fn stop_observing() {
    INSTALLED.store(false, Ordering::Release);
    *OBSERVER.write().unwrap_or_else(|p| p.into_inner()) = None;
}

/// Reports `event` to the observer, if one is installed.
pub fn report(event: Event<'_>) {
    if !INSTALLED.load(Ordering::Acquire) {
        return;
    }
    if let Some(observer) = OBSERVER.read().unwrap_or_else(|p| p.into_inner()).as_ref() {
        observer(event);
    }
}
