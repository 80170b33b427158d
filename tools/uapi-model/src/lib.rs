//! uapi-model: the layouts of Linux UAPI headers as plain data (records, members, constants,
//! ioctls, per architecture), the reviewable snapshot text format that stores them, and the
//! text-level facts of a UAPI header tree (logical lines, includes, defined names).
//!
//! No libclang, no I/O beyond reading and atomically writing snapshot files.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod error;
pub mod input;
pub mod model;
pub mod snapshot;
pub mod uapi_tree;

pub use error::Error;
