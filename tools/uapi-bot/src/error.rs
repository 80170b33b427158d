//! The bot's typed error: what step failed, and why.

/// Why a review could not be made.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A step failed; the message says which and why.
    #[error("{0}")]
    Failed(String),
    /// A step failed because of the error below it; the message names the step.
    #[error("{what}")]
    Step {
        /// The step, such as `running git apply`.
        what: String,
        /// What went wrong.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// An I/O error with nothing to add.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// The model or the checker refused its input.
    #[error(transparent)]
    Model(#[from] uapi_model::Error),
}

/// The bot's result.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Names the step a fallible value belongs to.
pub trait Context<T> {
    /// The step `what` failed because of this error (or this value is missing).
    fn context(self, what: impl Into<String>) -> Result<T>;
    /// [`Context::context`] with the step's name computed only on failure.
    fn with_context<S: Into<String>>(self, what: impl FnOnce() -> S) -> Result<T>;
}

impl<T, E: std::error::Error + Send + Sync + 'static> Context<T> for std::result::Result<T, E> {
    fn context(self, what: impl Into<String>) -> Result<T> {
        self.map_err(|e| Error::Step {
            what: what.into(),
            source: Box::new(e),
        })
    }

    fn with_context<S: Into<String>>(self, what: impl FnOnce() -> S) -> Result<T> {
        self.map_err(|e| Error::Step {
            what: what().into(),
            source: Box::new(e),
        })
    }
}

impl<T> Context<T> for Option<T> {
    fn context(self, what: impl Into<String>) -> Result<T> {
        self.ok_or_else(|| Error::Failed(what.into()))
    }

    fn with_context<S: Into<String>>(self, what: impl FnOnce() -> S) -> Result<T> {
        self.ok_or_else(|| Error::Failed(what().into()))
    }
}

/// Returns early with [`Error::Failed`] and a formatted message.
macro_rules! bail {
    ($($arg:tt)*) => {
        return Err($crate::error::Error::Failed(format!($($arg)*)))
    };
}
pub(crate) use bail;
