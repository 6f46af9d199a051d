//! cqrs-es's [`PersistedEventRepository`](cqrs_es::persist::PersistedEventRepository) over the
//! event store ([`event_store_dynamodb::DynamoEventStore`]): a cqrs-es application moves from
//! dynamo-es by changing the one constructor of its repository (or of its framework).
//!
//! - A commit is one append at the aggregate's version (the first event's sequence - 1): a stale
//!   one is cqrs-es's `OptimisticLockError` ([`stream_mapping`], [`error`]).
//! - One commit, once: each event's id is derived from a nonce drawn once per `persist`
//!   ([`event_id`]), so the SDK's retry of a commit whose answer was lost is found already stored,
//!   while any other commit at the same sequence (even byte-identical) is an `OptimisticLockError`.
//! - Loads read the stream in pages ([`repository`]); snapshots are the store's own, holding the
//!   serialized aggregate ([`snapshot_mapping`]).
//! - The event's type, version (`schemaVersion`) and metadata (`extra`) are kept
//!   ([`event_mapping`]).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod error;
pub mod event_id;
pub mod event_mapping;
pub mod frameworks;
pub mod repository;
pub mod snapshot_mapping;
pub mod stream_mapping;

pub use error::RepositoryError;
pub use frameworks::{
    event_store_aggregate_cqrs, event_store_cqrs, event_store_snapshot_cqrs, EventStoreCqrs,
};
pub use repository::{DynamoStoreRepository, SnapshotMode};
pub use stream_mapping::stream_of;
