//! uapi-abi: the ABI checker of Linux UAPI layouts. It compares two versions of a header set's
//! layouts (from snapshots or from the front end), applies the rules that know the kernel's
//! extension conventions and the lints, honours waivers, and renders reports (text, Markdown,
//! JSON, SARIF). It also parses patch mails for the bot.
//!
//! Pure: no libclang, no compiler, and the library never prints and never exits.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod check;
pub mod diff;
pub mod export;
pub mod findings;
#[cfg(feature = "fuzzing")]
pub mod fuzz_check;
pub mod kb;
pub mod lints;
pub mod mbox;
pub mod report;
pub mod rules;
pub mod waiver;

pub use uapi_model::Error;
use uapi_model::{error, model, snapshot, uapi_tree};
