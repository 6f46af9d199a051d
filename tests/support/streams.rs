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
    let clients = event_store_local_stack::Clients::from_env().await;
    event_store_local_stack::StreamFollower::of_table(&clients, local.store.table())
        .await
        .expect("the events table has a stream")
        .read_to_end()
        .await
        .expect("the stream reads to its end")
}

/// The records as one Lambda DynamoDB event.
pub fn batch(records: &[Value]) -> Event {
    serde_json::from_value(json!({"Records": records})).expect("a Lambda DynamoDB event")
}
