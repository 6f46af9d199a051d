//! The envelope of a stored event: what every reader gets back.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::time::{rfc3339_millis, Timestamp};
use crate::{
    AggregateType, EventId, EventType, Metadata, NewEvent, PayloadHash, StreamId, Version,
};

/// A stored event: the writer's event plus its stream, version and recorded time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordedEvent {
    /// The stream it belongs to.
    pub stream_id: StreamId,
    /// Its position in the stream, from 1.
    pub version: Version,
    /// Its unique id.
    pub event_id: EventId,
    /// What happened.
    pub event_type: EventType,
    /// The kind of aggregate, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aggregate_type: Option<AggregateType>,
    /// When it happened, by the producer's clock.
    #[serde(with = "rfc3339_millis")]
    pub event_time: Timestamp,
    /// When the store accepted it.
    #[serde(with = "rfc3339_millis")]
    pub recorded_time: Timestamp,
    /// The payload.
    pub data: Value,
    /// Its context.
    #[serde(default, skip_serializing_if = "Metadata::is_empty")]
    pub metadata: Metadata,
    /// The SHA-256 of its content (event type, aggregate type, data): what tells a retry from a
    /// reused id. Events stored before the store kept it get it computed when read
    /// ([`RecordedEvent::with_payload_hash`]).
    #[serde(default)]
    pub payload_hash: PayloadHash,
}

impl RecordedEvent {
    /// The same event with its payload hash filled in when it was stored without one.
    pub fn with_payload_hash(mut self) -> Self {
        if self.payload_hash.as_str().is_empty() {
            self.payload_hash =
                PayloadHash::of(&self.event_type, self.aggregate_type.as_ref(), &self.data);
        }
        self
    }

    /// `event` as stored at `version` of `stream_id`, accepted at `recorded_time`. Its event time
    /// is the recorded time when the writer gave none.
    pub fn record(
        stream_id: StreamId,
        version: Version,
        event: NewEvent,
        recorded_time: Timestamp,
    ) -> Self {
        let recorded_time = crate::time::truncate_to_millis(recorded_time);
        let payload_hash = event.payload_hash();
        RecordedEvent {
            stream_id,
            version,
            event_id: event.event_id,
            event_type: event.event_type,
            aggregate_type: event.aggregate_type,
            event_time: event.event_time.unwrap_or(recorded_time),
            recorded_time,
            data: event.data,
            metadata: event.metadata,
            payload_hash,
        }
    }
}
