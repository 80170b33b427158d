//! How much the command line says on stderr besides its errors: `-q` nothing, the default what a
//! user needs (notes about what was and was not checked), `-v` also the compiler's diagnostics.
//!
//! Set once at start-up; read from any thread (the extraction threads print notes too).

use std::sync::atomic::{AtomicU8, Ordering};

/// The chosen level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// `-q`: errors only.
    Quiet,
    /// The default.
    Normal,
    /// `-v`.
    Verbose,
}

static LEVEL: AtomicU8 = AtomicU8::new(Level::Normal as u8);

/// Sets the level for the rest of the run.
pub fn set(level: Level) {
    LEVEL.store(level as u8, Ordering::Relaxed);
}

/// The level in force.
pub fn level() -> Level {
    match LEVEL.load(Ordering::Relaxed) {
        0 => Level::Quiet,
        1 => Level::Normal,
        _ => Level::Verbose,
    }
}

/// Prints `uapi-guard: note: <text>` on stderr unless `-q` was given.
pub fn note(text: &str) {
    if level() >= Level::Normal {
        eprintln!("uapi-guard: note: {text}");
    }
}
