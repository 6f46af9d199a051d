//! Seed 002's append algorithm, as the benchmark's baseline: query the stream's head, then one
//! conditional `PutItem` per event at the next version (`attribute_not_exists` on the key). It
//! writes the same items as the store (the store's own item mapping, every index), so the two are
//! compared on requests and write units alone. It is not atomic across a batch and has no
//! idempotency: that is the baseline, not a proposal.

use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;
use event_store_domain::{NewEvent, RecordedEvent, StreamId, Version};
use event_store_dynamodb::{attributes, event_item};

/// Appends `events` to `stream` of `table` the seed-002 way; returns the last version written.
pub async fn append(client: &Client, table: &str, stream: &StreamId, events: &[NewEvent]) -> u64 {
    let head = client
        .query()
        .table_name(table)
        // Its newest event: the store's own head item (which seed 002's table does not have)
        // sorts above every event and is left out of the range.
        .key_condition_expression("#s = :s AND #v < :head")
        .expression_attribute_names("#s", attributes::STREAM_ID)
        .expression_attribute_names("#v", attributes::VERSION)
        .expression_attribute_values(":s", AttributeValue::S(stream.to_string()))
        .expression_attribute_values(
            ":head",
            AttributeValue::N(event_store_dynamodb::head_item::HEAD_SORT_KEY.into()),
        )
        .scan_index_forward(false)
        .limit(1)
        .consistent_read(true)
        .send()
        .await
        .expect("head query");
    let mut version = head
        .items()
        .first()
        .and_then(|item| item.get(attributes::VERSION))
        .and_then(|v| v.as_n().ok())
        .and_then(|n| n.parse::<f64>().ok())
        .map_or(0, |v| v.floor() as u64);
    for event in events {
        version += 1;
        let recorded = RecordedEvent::record(
            stream.clone(),
            Version::new(version),
            event.clone(),
            chrono::Utc::now(),
        );
        let item = event_item::to_item(
            &recorded,
            None,
            None,
            event_store_domain::EnabledIndexes::all(),
        )
        .expect("storable");
        client
            .put_item()
            .table_name(table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(#s)")
            .expression_attribute_names("#s", attributes::STREAM_ID)
            .send()
            .await
            .expect("conditional put");
    }
    version
}
