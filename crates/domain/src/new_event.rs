//! An event as a writer submits it, before the store gives it a version.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::time::{rfc3339_millis, Timestamp};
use crate::{AggregateType, EventId, EventType, Metadata, PayloadHash, ValidationError};

/// An event to append. In JSON (the direct append command's `events[]`):
/// `{ "eventId"?, "eventType", "aggregateType"?, "eventTime"?, "data", "metadata"? }`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewEvent {
    /// Its idempotency key; a fresh UUID when the writer gives none.
    #[serde(default = "EventId::generate")]
    pub event_id: EventId,
    /// What happened.
    pub event_type: EventType,
    /// The kind of aggregate the stream belongs to, when known (indexed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aggregate_type: Option<AggregateType>,
    /// When it happened, by the producer's clock; the recorded time when absent.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "rfc3339_millis::option"
    )]
    pub event_time: Option<Timestamp>,
    /// The payload, any JSON value (usually an object).
    pub data: Value,
    /// Context: correlation, causation, user, source, schema version, trace.
    #[serde(default, skip_serializing_if = "Metadata::is_empty")]
    pub metadata: Metadata,
}

impl NewEvent {
    /// An event with a fresh id, no aggregate type, no event time and no metadata.
    pub fn new(event_type: EventType, data: Value) -> Self {
        NewEvent {
            event_id: EventId::generate(),
            event_type,
            aggregate_type: None,
            event_time: None,
            data,
            metadata: Metadata::default(),
        }
    }

    /// The same event with this id.
    pub fn with_id(mut self, event_id: EventId) -> Self {
        self.event_id = event_id;
        self
    }

    /// The same event with this aggregate type.
    pub fn with_aggregate_type(mut self, aggregate_type: AggregateType) -> Self {
        self.aggregate_type = Some(aggregate_type);
        self
    }

    /// The same event with this metadata.
    pub fn with_metadata(mut self, metadata: Metadata) -> Self {
        self.metadata = metadata;
        self
    }

    /// The same event with this event time.
    pub fn with_event_time(mut self, event_time: Timestamp) -> Self {
        self.event_time = Some(event_time);
        self
    }

    /// The hash of its content: event type, aggregate type and data (see [`PayloadHash`]).
    pub fn payload_hash(&self) -> PayloadHash {
        PayloadHash::of(&self.event_type, self.aggregate_type.as_ref(), &self.data)
    }

    /// Checks what the types alone cannot: the metadata's indexed fields.
    pub fn validate(&self) -> Result<(), ValidationError> {
        self.metadata.validate()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_missing_event_id_is_generated() {
        let event: NewEvent =
            serde_json::from_value(json!({"eventType": "ITEM_CREATED", "data": {"itemId": "1"}}))
                .unwrap();
        assert!(!event.event_id.as_str().is_empty());
        assert_eq!(event.data["itemId"], "1");
    }

    #[test]
    fn a_missing_event_type_is_named() {
        let error = serde_json::from_value::<NewEvent>(json!({"data": {}})).unwrap_err();
        assert!(error.to_string().contains("eventType"), "{error}");
    }

    #[test]
    fn event_times_are_normalized_to_utc_millis() {
        let event: NewEvent = serde_json::from_value(json!({
            "eventType": "AccountCreated", "data": {}, "eventTime": "2024-01-15T11:00:00+01:00"
        }))
        .unwrap();
        assert_eq!(
            serde_json::to_value(&event).unwrap()["eventTime"],
            "2024-01-15T10:00:00.000Z"
        );
    }
}
