//! The events table's change-stream records, decoded: the one place a record (as Lambda's
//! DynamoDB Streams event delivers it, typed by aws_lambda_events, its images serde_dynamo items)
//! becomes a stored event. The projector and `esctl tail` both read records through it.

use std::collections::HashMap;

use aws_lambda_events::event::dynamodb::EventRecord;
use aws_sdk_dynamodb::types::AttributeValue;
use event_store_domain::{Error, RecordedEvent};

use crate::{event_item, ItemKind};

/// The event a stream record carries: `None` for removals (TTL), heads, snapshots and guards,
/// which project nothing; an image of an event that does not decode is `Corrupt`.
pub fn event_of_record(record: &EventRecord) -> Result<Option<RecordedEvent>, Error> {
    let image: HashMap<String, AttributeValue> = record.change.new_image.clone().into();
    if image.is_empty() || ItemKind::of(&image) != ItemKind::Event {
        return Ok(None);
    }
    event_item::from_item(image).map(Some)
}

/// The sequence number of a record (what a batch item failure names).
pub fn sequence_number(record: &EventRecord) -> Option<String> {
    record.change.sequence_number.clone()
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lambda_events::event::dynamodb::Event;

    const BATCH: &str = include_str!("../../../fixtures/streams/dynamodb-batch.json");

    #[test]
    fn a_stream_record_of_an_event_reads_back_as_that_event() {
        let batch: Event = serde_json::from_str(BATCH).unwrap();
        let event = event_of_record(&batch.records[0]).unwrap().unwrap();
        assert_eq!(event.stream_id.as_str(), "account-123");
        assert_eq!(event.version.get(), 1);
        assert_eq!(event.event_type.as_str(), "AccountCreated");
        // Stored before the store kept payload hashes: computed on read.
        assert_eq!(event.payload_hash.as_str().len(), 64);
    }

    #[test]
    fn a_removal_projects_nothing_and_a_broken_image_is_corrupt() {
        let mut batch: serde_json::Value = serde_json::from_str(BATCH).unwrap();
        batch["Records"][0]["dynamodb"]
            .as_object_mut()
            .unwrap()
            .remove("NewImage");
        let removal: Event = serde_json::from_value(batch.clone()).unwrap();
        assert_eq!(event_of_record(&removal.records[0]).unwrap(), None);
        batch["Records"][0]["dynamodb"]["NewImage"] =
            serde_json::json!({"eventType": {"S": "X"}, "version": {"S": "not a number"}});
        let broken: Event = serde_json::from_value(batch).unwrap();
        assert!(matches!(
            event_of_record(&broken.records[0]),
            Err(Error::Corrupt { .. })
        ));
    }
}
