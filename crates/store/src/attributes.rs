//! Attribute names of the store's items, in one place. Index key attributes come from
//! `schema/tables.json` through [`TableDefinitions`](crate::TableDefinitions).

/// The events table's partition key: the stream id (or a guard's reserved key).
pub const STREAM_ID: &str = "streamId";
/// The events table's sort key: the event's version (or `v + 0.5` for a snapshot).
pub const VERSION: &str = "version";
/// Present on event items only.
pub const EVENT_ID: &str = "eventId";
/// Present on event items only; what tells an event item from the others.
pub const EVENT_TYPE: &str = "eventType";
/// The event time, also every index's sort key.
pub const EVENT_TIME: &str = "eventTime";
/// DynamoDB TTL: epoch seconds after which the item may be deleted.
pub const EXPIRES_AT: &str = "expiresAt";
/// On snapshot items: the version the snapshot was taken at.
pub const SNAPSHOT_VERSION: &str = "snapshotVersion";
/// On guard items: the stream the event id was stored in.
pub const GUARD_STREAM: &str = "guardedStream";
/// On guard items: the version the event id was stored at.
pub const GUARD_VERSION: &str = "guardedVersion";
/// On event and guard items: the payload hash of the event (SHA-256, keyed for personal values).
pub const PAYLOAD_HASH: &str = "payloadHash";
/// On head items: the stream's version. What tells a head item from the others.
pub const HEAD_VERSION: &str = "head";
/// On head items: the id marks of the stream's recent events, one slot per version.
pub const RECENT_IDS: &str = "recentIds";
/// On head items: the payload-hash marks of the stream's recent events.
pub const RECENT_HASHES: &str = "recentHashes";
/// On head items: the dedupe scope the stream is written with.
pub const DEDUPE_SCOPE: &str = "scope";
