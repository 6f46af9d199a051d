//! The errors every layer of the store speaks, each variant saying how a caller handles it.

use serde::{Deserialize, Serialize};

use crate::{EventId, ExpectedVersion, ServiceFailure, StreamId, Version};

/// Where an event is stored: what duplicate and reused-id answers name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredAt {
    /// The event's id.
    pub event_id: EventId,
    /// Its stream.
    pub stream_id: StreamId,
    /// Its version there.
    pub version: Version,
}

impl std::fmt::Display for StoredAt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} (version {} of stream {})",
            self.event_id, self.version, self.stream_id
        )
    }
}

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
    /// The event id is already stored with other content (another event, or another producer
    /// reusing the id); nothing of this append was stored. Give the new event an id of its own:
    /// retrying the same request fails the same way.
    #[error(
        "event id {} is already used by another event (other content) at {}: nothing of this append was stored; give the new event an id of its own",
        .0.event_id, .0
    )]
    IdReused(StoredAt),
    /// Some events of the append are already stored (same content) and the others are not:
    /// nothing was stored. Send the others again without the stored ones.
    #[error(
        "{} of this append {} already stored and the others are not: nothing was stored; send the others again without {}",
        list(.stored), if .stored.len() == 1 { "is" } else { "are" }, if .stored.len() == 1 { "it" } else { "them" }
    )]
    PartlyStored {
        /// The events already stored, and where.
        stored: Vec<StoredAt>,
    },
    /// A backing service failed for a passing reason (throttling, a transaction conflict, a
    /// server error, a timeout, a lost connection) after the retries; nothing is known to have
    /// been written. Retrying later with the same event ids is safe.
    #[error("the event store is unavailable: {0}")]
    Unavailable(#[source] ServiceFailure),
    /// A backing service refused the call for a reason retrying cannot fix (access denied, a
    /// missing table, an invalid request): an operator must fix the deployment. The failure's
    /// kind is the error's type.
    #[error("the event store cannot do this: {0}")]
    Refused(#[source] ServiceFailure),
    /// The events needed to fold a stream's state have expired (`EVENT_TTL_DAYS`) and no
    /// snapshot covers them. Retrying does not help.
    #[error("events {from}..={to} of stream {stream} have expired (EVENT_TTL_DAYS) and no snapshot covers them: its state cannot be folded")]
    Expired {
        /// The stream.
        stream: StreamId,
        /// The first version missing.
        from: Version,
        /// The last version missing.
        to: Version,
    },
    /// This deployment is a replica region of a global table: it serves reads, and appends go to
    /// the write region only (a condition is checked only in the region that takes the write, so
    /// two regions appending the same version would both succeed). Send the append there.
    #[error("appends are accepted in the write region {write_region} only; this is {region}: send it there (or switch the write region, see the README's failover)")]
    NotWriteRegion {
        /// The region this store runs in.
        region: String,
        /// The region that takes appends.
        write_region: String,
    },
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
            Error::IdReused(_) => "IdReused",
            Error::PartlyStored { .. } => "PartlyStored",
            Error::Unavailable(_) => "Unavailable",
            Error::Refused(failure) => failure.kind.error_type(),
            Error::Expired { .. } => "Expired",
            Error::Corrupt { .. } => "Corrupt",
            Error::NotWriteRegion { .. } => "NotWriteRegion",
        }
    }

    /// Whether the same request may succeed later: only a transient service failure.
    pub fn is_transient(&self) -> bool {
        matches!(self, Error::Unavailable(_))
    }

    /// Builds the error for a failed service call: [`Error::Unavailable`] when its kind is
    /// transient, [`Error::Refused`] otherwise.
    pub fn service(failure: ServiceFailure) -> Self {
        if failure.kind.is_transient() {
            Error::Unavailable(failure)
        } else {
            Error::Refused(failure)
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

fn list(stored: &[StoredAt]) -> String {
    let names: Vec<String> = stored.iter().map(ToString::to_string).collect();
    format!(
        "event{} {}",
        if stored.len() == 1 { "" } else { "s" },
        names.join(", ")
    )
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
