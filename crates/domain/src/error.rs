//! The errors every layer of the store speaks, each variant saying how a caller handles it.

use crate::{ExpectedVersion, StreamId, Version};

/// What went wrong with a request to the store.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The stream is not at the version the caller expected: another writer got there first.
    /// Reload the stream (its state is at `actual`), decide again, and retry.
    #[error("stream {stream} is at version {actual}, not at the expected version {expected}")]
    Conflict {
        /// The stream written to.
        stream: StreamId,
        /// What the caller expected.
        expected: ExpectedVersion,
        /// The stream's version when the append failed.
        actual: Version,
    },
    /// The request is malformed; `field` names what is wrong. Fix the request: retrying the same
    /// request fails the same way.
    #[error("invalid {field}: {reason}")]
    Validation {
        /// Where in the request the problem is, e.g. `streamId` or `events[2].eventType`.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// An item would exceed a DynamoDB size limit; nothing was sent. Make the event smaller
    /// (store large payloads elsewhere and keep a reference).
    #[error(
        "event {event_id} is {bytes} bytes as a DynamoDB item, over the limit of {limit} bytes"
    )]
    TooLarge {
        /// The event (or `batch` for a transaction's total) over the limit.
        event_id: String,
        /// Its size by DynamoDB's rule.
        bytes: usize,
        /// The limit it exceeds.
        limit: usize,
    },
    /// The backing service failed or throttled after the SDK's retries; nothing is known to have
    /// been written. Retrying later with the same event ids is safe.
    #[error("the event store is unavailable: {0}")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// Stored data does not decode as an event; `attribute` names the bad part. An operator must
    /// look at the item: retrying does not help.
    #[error("stored item is corrupt at {attribute}: {reason}")]
    Corrupt {
        /// The attribute that failed to decode.
        attribute: String,
        /// Why it failed.
        reason: String,
    },
}

impl Error {
    /// A stable, machine-readable name for the variant, used in responses to callers.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Conflict { .. } => "Conflict",
            Error::Validation { .. } => "Validation",
            Error::TooLarge { .. } => "TooLarge",
            Error::Unavailable(_) => "Unavailable",
            Error::Corrupt { .. } => "Corrupt",
        }
    }

    /// Builds a [`Error::Validation`].
    pub fn validation(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Validation {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

/// A rejected value, naming the field it came from. Returned by the validated constructors.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {field}: {reason}")]
pub struct ValidationError {
    /// The field, e.g. `streamId`.
    pub field: String,
    /// What is wrong with it.
    pub reason: String,
}

impl ValidationError {
    /// A rejected value in `field`.
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        ValidationError {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// The same error, located inside a larger request: `events[2]` + `eventType`.
    pub fn within(self, prefix: &str) -> Self {
        ValidationError {
            field: format!("{prefix}.{}", self.field),
            reason: self.reason,
        }
    }
}

impl From<ValidationError> for Error {
    fn from(error: ValidationError) -> Self {
        Error::Validation {
            field: error.field,
            reason: error.reason,
        }
    }
}
