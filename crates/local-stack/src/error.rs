//! What can go wrong running the local pipeline, named by the part that failed.

/// A failure of the local stack, with the AWS operation or file it came from.
#[derive(Debug, thiserror::Error)]
pub enum LocalStackError {
    /// An AWS API call failed; `operation` names it (`CreateQueue`, `GetRecords`, ...).
    #[error("{operation} failed: {reason}")]
    Aws {
        /// The API operation.
        operation: &'static str,
        /// What the SDK said.
        reason: String,
    },
    /// The store failed (creating a table).
    #[error(transparent)]
    Store(#[from] event_store_domain::Error),
    /// A checkpoint file could not be read or written.
    #[error("checkpoint file {path}: {reason}")]
    Checkpoint {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
}

impl LocalStackError {
    /// An SDK error of `operation`, with its full cause chain.
    pub fn aws(operation: &'static str, error: impl std::error::Error) -> Self {
        let mut reason = error.to_string();
        let mut source = error.source();
        while let Some(cause) = source {
            reason.push_str(": ");
            reason.push_str(&cause.to_string());
            source = cause.source();
        }
        Self::Aws { operation, reason }
    }
}
