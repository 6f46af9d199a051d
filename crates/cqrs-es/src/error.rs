//! What the repository reports, and how each failure reaches cqrs-es as a [`PersistenceError`]:
//! every store error is boxed, never stringified, so a caller can downcast to
//! [`event_store_domain::Error`].

use cqrs_es::persist::PersistenceError;
use event_store_domain::{Error, ValidationError};

/// A failure of the repository, before or after the store was asked.
#[derive(Debug, thiserror::Error)]
pub enum RepositoryError {
    /// The aggregate's `TYPE` cannot name streams (it is empty or holds the `-` that separates it
    /// from the aggregate id, which would let two aggregates share a stream): rename it.
    #[error("aggregate type {aggregate_type:?} cannot name streams: {reason}")]
    AggregateType {
        /// The aggregate's `TYPE`.
        aggregate_type: String,
        /// Why it cannot be used.
        reason: &'static str,
    },
    /// cqrs-es handed over a value the store refuses (a stream id, event type or aggregate type
    /// over its limits); the field says which. Fix the aggregate: retrying fails the same way.
    #[error(transparent)]
    Validation(#[from] ValidationError),
    /// An event's metadata is not a JSON object; the store keeps metadata as named fields.
    /// cqrs-es's own metadata (a map of strings) always is: look at the upcasters.
    #[error("the metadata of event {sequence} of {aggregate_id} is not a JSON object")]
    Metadata {
        /// The aggregate.
        aggregate_id: String,
        /// The event's sequence.
        sequence: usize,
    },
    /// The events of one commit are not one aggregate's, in sequence: cqrs-es never builds such
    /// a commit, a caller of the repository did.
    #[error("not one commit: {reason}")]
    Commit {
        /// What is wrong.
        reason: String,
    },
    /// The store found the commit's events already stored, but at other versions than their
    /// sequences: another writer's. Reload the aggregate and decide again.
    #[error(
        "the events of {aggregate_id} are stored at versions {stored:?}, not at {sequences:?}"
    )]
    Misplaced {
        /// The aggregate.
        aggregate_id: String,
        /// The sequences the commit gave.
        sequences: Vec<usize>,
        /// Where the store has them.
        stored: Vec<u64>,
    },
    /// A snapshot's aggregate or an event after it does not decode as the aggregate's types
    /// while an aggregate store rolls a stale snapshot forward (the repository has no upcasters:
    /// an event stored in an older shape is read by cqrs-es's own path, from the events).
    #[error("event {sequence} of {aggregate_id} does not decode: {source}")]
    Decode {
        /// The aggregate.
        aggregate_id: String,
        /// The event's sequence.
        sequence: usize,
        /// Why.
        source: serde_json::Error,
    },
    /// The store refused or failed; its error says how a caller handles it.
    #[error(transparent)]
    Store(#[from] Error),
}

impl From<RepositoryError> for PersistenceError {
    fn from(error: RepositoryError) -> Self {
        match error {
            RepositoryError::Store(store) => from_store(store),
            RepositoryError::Misplaced { .. } => PersistenceError::OptimisticLockError,
            decode @ RepositoryError::Decode { .. } => {
                PersistenceError::DeserializationError(Box::new(decode))
            }
            other @ (RepositoryError::AggregateType { .. }
            | RepositoryError::Validation(_)
            | RepositoryError::Metadata { .. }
            | RepositoryError::Commit { .. }) => PersistenceError::UnknownError(Box::new(other)),
        }
    }
}

/// A store error as cqrs-es's: another writer's events where the commit goes (a stale version,
/// its ids taken by other content, part of the commit there) is the optimistic-lock error the
/// framework answers with `AggregateConflict`; a service that failed or refused is a connection
/// error; stored data that does not decode is a deserialization error.
fn from_store(error: Error) -> PersistenceError {
    match error {
        Error::Conflict { .. } | Error::IdReused(_) | Error::PartlyStored { .. } => {
            PersistenceError::OptimisticLockError
        }
        Error::Unavailable(_) | Error::Refused(_) => {
            PersistenceError::ConnectionError(Box::new(error))
        }
        Error::Corrupt { .. } => PersistenceError::DeserializationError(Box::new(error)),
        Error::Validation { .. }
        | Error::TooLarge { .. }
        | Error::Expired { .. }
        | Error::NotWriteRegion { .. } => PersistenceError::UnknownError(Box::new(error)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use event_store_domain::{
        EventId, ExpectedVersion, FailureKind, ServiceFailure, StoredAt, StreamId, Version,
    };

    fn stored_at() -> StoredAt {
        StoredAt {
            event_id: EventId::new("e-1").unwrap(),
            stream_id: StreamId::new("account-1").unwrap(),
            version: Version::new(3),
        }
    }

    fn persistence(error: Error) -> PersistenceError {
        RepositoryError::Store(error).into()
    }

    #[test]
    fn another_writers_events_are_an_optimistic_lock_error() {
        let conflict = Error::Conflict {
            stream: StreamId::new("account-1").unwrap(),
            expected: ExpectedVersion::Exact(Version::new(2)),
            actual: Version::new(3),
        };
        for error in [
            conflict,
            Error::IdReused(stored_at()),
            Error::PartlyStored {
                stored: vec![stored_at()],
            },
        ] {
            assert!(matches!(
                persistence(error),
                PersistenceError::OptimisticLockError
            ));
        }
        let misplaced = RepositoryError::Misplaced {
            aggregate_id: "1".into(),
            sequences: vec![3],
            stored: vec![7],
        };
        assert!(matches!(
            PersistenceError::from(misplaced),
            PersistenceError::OptimisticLockError
        ));
    }

    #[test]
    fn a_failing_service_is_a_connection_error_that_keeps_the_store_error() {
        let error = persistence(Error::Unavailable(ServiceFailure::new(
            FailureKind::Throttled,
            "TransactWriteItems",
        )));
        let PersistenceError::ConnectionError(inner) = error else {
            panic!("not a connection error: {error:?}");
        };
        let store = inner.downcast_ref::<Error>().expect("the store's error");
        assert!(store.is_transient());
    }

    #[test]
    fn undecodable_items_are_deserialization_errors_and_bad_input_unknown_errors() {
        let corrupt = Error::Corrupt {
            attribute: "data".into(),
            reason: "not a map".into(),
        };
        assert!(matches!(
            persistence(corrupt),
            PersistenceError::DeserializationError(_)
        ));
        assert!(matches!(
            persistence(Error::validation("events", "too many")),
            PersistenceError::UnknownError(_)
        ));
        let bad_type = RepositoryError::AggregateType {
            aggregate_type: "bank-account".into(),
            reason: "holds '-'",
        };
        assert!(matches!(
            PersistenceError::from(bad_type),
            PersistenceError::UnknownError(_)
        ));
    }
}
