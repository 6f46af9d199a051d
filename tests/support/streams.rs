//! The events table's real DynamoDB stream on the local endpoint, read through the Streams API
//! and shaped as Lambda's event-source mapping delivers it to the projector: through the
//! mapping's filter from `infra/pipeline.json` (event items only).

use aws_lambda_events::event::dynamodb::Event;
use serde_json::{json, Value};

use crate::LocalStore;

/// Every record of the table's stream so far that the projection mapping's filter lets through,
/// as Lambda's event-source mapping delivers them.
pub async fn stream_records(local: &LocalStore) -> Vec<Value> {
    let filter = event_store_local_stack::PipelineDefinition::for_env("local")
        .projection
        .mapping
        .filter;
    all_stream_records(local)
        .await
        .into_iter()
        .filter(|record| event_store_local_stack::passes(&filter, record))
        .collect()
}

/// Every record of the table's stream so far (events, heads, guards, snapshots), unfiltered.
pub async fn all_stream_records(local: &LocalStore) -> Vec<Value> {
    let config = event_store_dynamodb::sdk_config().await;
    let streams = aws_sdk_dynamodbstreams::Client::new(&config);
    let table = local
        .client
        .describe_table()
        .table_name(local.store.table())
        .send()
        .await
        .unwrap();
    let arn = table
        .table()
        .unwrap()
        .latest_stream_arn()
        .unwrap()
        .to_owned();
    let description = streams
        .describe_stream()
        .stream_arn(&arn)
        .send()
        .await
        .unwrap();
    let mut records = Vec::new();
    for shard in description.stream_description().unwrap().shards() {
        let iterator = streams
            .get_shard_iterator()
            .stream_arn(&arn)
            .shard_id(shard.shard_id().unwrap())
            .shard_iterator_type(aws_sdk_dynamodbstreams::types::ShardIteratorType::TrimHorizon)
            .send()
            .await
            .unwrap();
        let mut next = iterator.shard_iterator().map(str::to_owned);
        let mut shard_records = Vec::new();
        // A page holds at most 1,000 records: read the shard to its end.
        while let Some(at) = next {
            let output = streams
                .get_records()
                .shard_iterator(at)
                .send()
                .await
                .unwrap();
            if output.records().is_empty() {
                break;
            }
            shard_records.extend(output.records().iter().cloned());
            next = output.next_shard_iterator().map(str::to_owned);
        }
        for record in &shard_records {
            let change = record.dynamodb().unwrap();
            let image: serde_dynamo::Item = change.new_image().cloned().unwrap_or_default().into();
            let keys: serde_dynamo::Item = change.keys().cloned().unwrap_or_default().into();
            records.push(json!({
                "eventID": record.event_id(),
                "eventName": record.event_name().map(|n| n.as_str()),
                "eventVersion": "1.1",
                "eventSource": "aws:dynamodb",
                "awsRegion": "us-east-1",
                "eventSourceARN": arn,
                "dynamodb": {
                    "ApproximateCreationDateTime": change.approximate_creation_date_time().map(|t| t.secs()).unwrap_or(0),
                    "Keys": keys,
                    "NewImage": image,
                    "SequenceNumber": change.sequence_number(),
                    "SizeBytes": change.size_bytes().unwrap_or(0),
                    "StreamViewType": "NEW_IMAGE"
                }
            }));
        }
    }
    records
}

/// The records as one Lambda DynamoDB event.
pub fn batch(records: &[Value]) -> Event {
    serde_json::from_value(json!({"Records": records})).expect("a Lambda DynamoDB event")
}
