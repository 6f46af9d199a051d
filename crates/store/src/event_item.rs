//! Event items: a [`RecordedEvent`] as a DynamoDB item (through serde_dynamo, its payload hash
//! included) plus the index keys and TTL attribute the store adds.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use event_store_domain::{
    AggregateType, EnabledIndexes, Error, EventIndex, EventQuery, RecordedEvent,
};

use crate::index_keys::index_key;
use crate::{attributes, TableDefinitions};

/// A DynamoDB item.
pub type Item = HashMap<String, AttributeValue>;

/// The item for `event`, with its keys in the `indexes` enabled and, when given, its expiry
/// (epoch seconds). An event that names no aggregate type is indexed under `category_type`, the
/// aggregate its stream's category stands for, when there is one (the stored event is left as
/// written).
pub fn to_item(
    event: &RecordedEvent,
    category_type: Option<&AggregateType>,
    expires_at: Option<i64>,
    indexes: EnabledIndexes,
) -> Result<Item, Error> {
    let mut item: Item = serde_dynamo::to_item(event).map_err(|e| {
        Error::validation(
            "data",
            format!("event {} cannot be stored: {e}", event.event_id),
        )
    })?;
    let events = &TableDefinitions::shipped().events;
    let event_id = event.event_id.as_str();
    let keyed_values = [
        (
            EventIndex::AggregateType,
            event
                .aggregate_type
                .as_ref()
                .or(category_type)
                .map(|t| t.as_str()),
        ),
        (EventIndex::EventType, Some(event.event_type.as_str())),
        (
            EventIndex::Correlation,
            event.metadata.correlation_id.as_deref(),
        ),
        (EventIndex::User, event.metadata.user_id.as_deref()),
        (EventIndex::Time, Some(EventQuery::ALL)),
    ];
    for (index, value) in keyed_values {
        // Absent values leave the item out of that index (a sparse index), and so does an
        // index the store does not enable.
        if let Some(value) = value.filter(|_| indexes.contains(index)) {
            let definition = events.index_for(index);
            item.insert(
                definition.partition_key.name.clone(),
                AttributeValue::S(index_key(definition, value, event_id)),
            );
        }
    }
    if let Some(expires_at) = expires_at {
        item.insert(
            attributes::EXPIRES_AT.into(),
            AttributeValue::N(expires_at.to_string()),
        );
    }
    Ok(item)
}

/// The event stored in `item`; an item that does not decode is `Corrupt`, naming the reason. An
/// event stored before the store kept payload hashes gets its hash computed.
pub fn from_item(item: Item) -> Result<RecordedEvent, Error> {
    serde_dynamo::from_item::<_, RecordedEvent>(item)
        .map(RecordedEvent::with_payload_hash)
        .map_err(|e| Error::Corrupt {
            attribute: "event item".into(),
            reason: e.to_string(),
        })
}

/// When an item expires (its `expiresAt`, epoch seconds), if it does.
pub fn expires_at(item: &Item) -> Option<i64> {
    item.get(attributes::EXPIRES_AT)
        .and_then(|v| v.as_n().ok())
        .and_then(|n| n.parse::<i64>().ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use event_store_domain::{AggregateType, EventType, Metadata, NewEvent, StreamId, Version};
    use serde_json::json;

    fn recorded(metadata: Metadata) -> RecordedEvent {
        let event = NewEvent::new(
            EventType::new("TransactionProcessed").unwrap(),
            json!({"amount": 100.5, "type": "deposit", "tags": ["a", 1], "nested": {"n": null}}),
        )
        .with_aggregate_type(AggregateType::new("Account").unwrap())
        .with_metadata(metadata);
        RecordedEvent::record(
            StreamId::new("account-123").unwrap(),
            Version::new(7),
            event,
            chrono::Utc::now(),
        )
    }

    #[test]
    fn an_event_round_trips_through_its_item() {
        let event = recorded(Metadata {
            correlation_id: Some("corr-1".into()),
            ..Metadata::default()
        });
        let item = to_item(&event, None, None, EnabledIndexes::all()).unwrap();
        assert_eq!(item["version"], AttributeValue::N("7".into()));
        assert!(matches!(item["data"], AttributeValue::M(_)));
        assert_eq!(from_item(item).unwrap(), event);
    }

    #[test]
    fn index_keys_are_sharded_and_sparse() {
        let item = to_item(
            &recorded(Metadata::default()),
            None,
            Some(42),
            EnabledIndexes::all(),
        )
        .unwrap();
        let AttributeValue::S(key) = &item["eventTypeKey"] else {
            panic!()
        };
        assert!(key.starts_with("TransactionProcessed#"), "{key}");
        assert!(item.contains_key("aggregateTypeKey"));
        assert!(!item.contains_key("userKey"));
        assert!(!item.contains_key("correlationKey"));
        assert_eq!(item["expiresAt"], AttributeValue::N("42".into()));
    }

    #[test]
    fn an_untyped_event_is_indexed_under_its_category_type_and_stored_as_written() {
        let mut event = recorded(Metadata::default());
        event.aggregate_type = None;
        let account = AggregateType::new("Account").unwrap();
        let item = to_item(&event, Some(&account), None, EnabledIndexes::all()).unwrap();
        let AttributeValue::S(key) = &item["aggregateTypeKey"] else {
            panic!()
        };
        assert!(key.starts_with("Account#"), "{key}");
        assert!(!item.contains_key("aggregateType"));
        assert!(matches!(item["payloadHash"], AttributeValue::S(_)));
    }

    #[test]
    fn a_disabled_index_gets_no_key() {
        let event = recorded(Metadata {
            correlation_id: Some("corr-1".into()),
            user_id: Some("user-1".into()),
            ..Metadata::default()
        });
        let three = EnabledIndexes::of([
            EventIndex::AggregateType,
            EventIndex::User,
            EventIndex::Time,
        ]);
        let item = to_item(&event, None, None, three).unwrap();
        for (key, present) in [
            ("aggregateTypeKey", true),
            ("userKey", true),
            ("timeKey", true),
            ("eventTypeKey", false),
            ("correlationKey", false),
        ] {
            assert_eq!(item.contains_key(key), present, "{key}");
        }
        assert!(to_item(&event, None, None, EnabledIndexes::none())
            .unwrap()
            .keys()
            .all(|k| !k.ends_with("Key")));
    }

    #[test]
    fn a_foreign_item_is_corrupt() {
        let item: Item = [("streamId".to_string(), AttributeValue::S("x".into()))].into();
        assert!(matches!(from_item(item), Err(Error::Corrupt { .. })));
    }
}
