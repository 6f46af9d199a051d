//! cqrs-es's serialized events to the store's events and back.
//!
//! | cqrs-es `SerializedEvent` | the store's event |
//! |---|---|
//! | `aggregate_type`, `aggregate_id` | the stream (see [`crate::stream_mapping`]); `aggregateType` |
//! | `sequence` | `version` (the append's expected version is the first one's - 1) |
//! | `event_type` | `eventType` |
//! | `event_version` | `metadata.schemaVersion` |
//! | `payload` | `data` |
//! | `metadata` (an object) | `metadata.extra`, member for member |
//! | – | `eventId` ([`crate::event_id`], of the commit's nonce), `eventTime`, `recordedTime`, `payloadHash` |

use cqrs_es::persist::SerializedEvent;
use event_store_domain::{AggregateType, EventType, Metadata, NewEvent, RecordedEvent};
use serde_json::Value;
use uuid::Uuid;

use crate::event_id::event_id_of;
use crate::RepositoryError;

/// The store's event for `event` of the commit of `nonce`, with its derived id.
pub fn to_new_event(event: &SerializedEvent, nonce: &Uuid) -> Result<NewEvent, RepositoryError> {
    let Value::Object(extra) = &event.metadata else {
        return Err(RepositoryError::Metadata {
            aggregate_id: event.aggregate_id.clone(),
            sequence: event.sequence,
        });
    };
    let id = event_id_of(
        &event.aggregate_type,
        &event.aggregate_id,
        event.sequence,
        nonce,
    )?;
    let metadata = Metadata {
        schema_version: Some(event.event_version.clone()),
        extra: extra.clone(),
        ..Metadata::default()
    };
    Ok(
        NewEvent::new(EventType::new(&event.event_type)?, event.payload.clone())
            .with_id(id)
            .with_aggregate_type(AggregateType::new(&event.aggregate_type)?)
            .with_metadata(metadata),
    )
}

/// cqrs-es's event for the store's `event` of `aggregate_id`; `aggregate_type` stands in for an
/// event stored without one.
pub fn to_serialized(
    aggregate_type: &str,
    aggregate_id: &str,
    event: RecordedEvent,
) -> SerializedEvent {
    SerializedEvent {
        aggregate_id: aggregate_id.to_owned(),
        sequence: event.version.get() as usize,
        aggregate_type: event
            .aggregate_type
            .map_or_else(|| aggregate_type.to_owned(), |t| t.to_string()),
        event_type: event.event_type.to_string(),
        event_version: event.metadata.schema_version.unwrap_or_default(),
        payload: event.data,
        metadata: Value::Object(event.metadata.extra),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use event_store_domain::{StreamId, Version};
    use serde_json::json;

    fn serialized(sequence: usize, metadata: Value) -> SerializedEvent {
        SerializedEvent {
            aggregate_id: "acc-1".into(),
            sequence,
            aggregate_type: "Account".into(),
            event_type: "TransactionProcessed".into(),
            event_version: "2.0".into(),
            payload: json!({"TransactionProcessed": {"amount": 100.5, "type": "deposit"}}),
            metadata,
        }
    }

    #[test]
    fn an_event_comes_back_as_it_was_sent() {
        let sent = serialized(4, json!({"user": "u-1", "correlation": "c-7"}));
        let new = to_new_event(&sent, &Uuid::nil()).unwrap();
        assert_eq!(new.metadata.schema_version.as_deref(), Some("2.0"));
        assert_eq!(new.aggregate_type.as_ref().unwrap().as_str(), "Account");
        let recorded = RecordedEvent::record(
            StreamId::new("Account-acc-1").unwrap(),
            Version::new(4),
            new,
            chrono::Utc::now(),
        );
        assert_eq!(to_serialized("Account", "acc-1", recorded), sent);
    }

    #[test]
    fn the_id_is_the_derived_one() {
        let sent = serialized(4, json!({}));
        let nonce = crate::event_id::commit_nonce();
        assert_eq!(
            to_new_event(&sent, &nonce).unwrap().event_id,
            event_id_of("Account", "acc-1", 4, &nonce).unwrap()
        );
    }

    #[test]
    fn metadata_that_is_not_an_object_is_refused() {
        let error = to_new_event(&serialized(1, json!(["x"])), &Uuid::nil()).unwrap_err();
        assert!(matches!(
            error,
            RepositoryError::Metadata { sequence: 1, .. }
        ));
    }

    #[test]
    fn an_event_stored_without_aggregate_type_or_version_maps_to_defaults() {
        let new = NewEvent::new(EventType::new("AccountCreated").unwrap(), json!({}));
        let recorded = RecordedEvent::record(
            StreamId::new("Account-acc-1").unwrap(),
            Version::new(1),
            new,
            chrono::Utc::now(),
        );
        let event = to_serialized("Account", "acc-1", recorded);
        assert_eq!(event.aggregate_type, "Account");
        assert_eq!(event.event_version, "");
        assert_eq!(event.metadata, json!({}));
    }
}
