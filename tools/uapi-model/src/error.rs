//! Typed errors of the library. Each names the file, item, architecture or line it concerns.

use crate::model::Arch;
use std::path::PathBuf;

/// Everything that can go wrong while extracting, probing or reading snapshots.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A header named by the header set or on the command line does not exist.
    #[error("{}: no such header", path.display())]
    MissingHeader {
        /// The path looked for.
        path: PathBuf,
    },
    /// The include root does not exist or is not a directory.
    #[error("{}: not a directory", path.display())]
    MissingDir {
        /// The path given.
        path: PathBuf,
    },
    /// No `asm/` headers for an architecture.
    #[error("no asm/ headers for {arch}: looked in {searched}; install them with `apt-get install linux-libc-dev-{debarch}-cross`", debarch = arch.debian_arch())]
    MissingAsm {
        /// The architecture.
        arch: Arch,
        /// The directories looked in, comma separated.
        searched: String,
    },
    /// A header does not compile.
    #[error("{header} ({arch}): does not compile: {message}")]
    Compile {
        /// The header.
        header: String,
        /// The target.
        arch: Arch,
        /// The compiler's first error.
        message: String,
    },
    /// bindgen's output could not be read back.
    #[error("{header} ({arch}): bindgen output not understood: {message}")]
    Bindings {
        /// The header.
        header: String,
        /// The target.
        arch: Arch,
        /// What went wrong.
        message: String,
    },
    /// The compiled probe failed.
    #[error("probe for {arch}: {item}: {message}")]
    Probe {
        /// The target.
        arch: Arch,
        /// The item whose probe line failed, or `probe` for the whole file.
        item: String,
        /// The compiler's message or the object-file problem.
        message: String,
    },
    /// The front end (bindgen or libclang) and the compiled probe disagree.
    #[error("{arch}: {item}: {what} is {bindgen} according to {front} but {probe} according to the compiled probe")]
    Mismatch {
        /// Which front end: `bindgen` or `libclang`.
        front: &'static str,
        /// The target.
        arch: Arch,
        /// The record, field or constant.
        item: String,
        /// Which number.
        what: &'static str,
        /// The front end's number.
        bindgen: i128,
        /// The probe's number.
        probe: i128,
    },
    /// A snapshot file is malformed.
    #[error("{}:{line}: {message}", path.display())]
    Snapshot {
        /// The file.
        path: PathBuf,
        /// 1-based line number (0 for the whole file).
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A header set name that is not known.
    #[error("unknown header set `{0}` (known: vfio, all)")]
    UnknownHeaderSet(String),
    /// Two sides that cannot be compared.
    #[error("{0}")]
    Check(String),
    /// A waiver file is malformed.
    #[error("{path}: {message}")]
    Waiver {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// An input file that is not a regular file, is too large or is not text.
    #[error("{}: {message}", path.display())]
    Input {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// An I/O error on a named file. The system's error is part of the message, not a source
    /// of its own, so a report of the chain (`{:#}`) does not say it twice.
    #[error("{}: {error}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        error: std::io::Error,
    },
}

impl Error {
    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            error: source,
        }
    }
}
