//! An SQS batch from the ingest queue: each message stored on its own, and only the messages
//! that failed reported (`batchItemFailures`), so the rest of the batch is never retried. A
//! message that cannot be parsed or mapped is logged with its id and reason and reported failed:
//! after the queue's maximum receives it reaches the dead-letter queue, blocking nothing.

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use event_store_domain::{AppendOutcome, BusMapping, Error};
use event_store_dynamodb::DynamoEventStore;
use function_support::Metrics;
use futures::stream::{self, StreamExt};
use serde_json::Value;

/// How many messages of a batch are stored at once.
const CONCURRENCY: usize = 8;

/// Stores every message of `batch`; returns the failed ones.
pub async fn store_batch(
    store: &DynamoEventStore,
    mapping: &BusMapping,
    batch: SqsEvent,
    metrics: &mut Metrics,
) -> SqsBatchResponse {
    let results: Vec<(String, Result<AppendOutcome, Error>)> = stream::iter(batch.records)
        .map(|message| async move {
            let id = message.message_id.clone().unwrap_or_default();
            let result = store_message(store, mapping, &message).await;
            (id, result)
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    let mut response = SqsBatchResponse::default();
    for (message_id, result) in results {
        match result {
            Ok(outcome) if outcome.duplicate => metrics.count("Duplicates", 1),
            Ok(_) => metrics.count("EventsAppended", 1),
            Err(error) => {
                tracing::warn!(message_id, error_type = error.kind(), reason = %error, "message not stored");
                metrics.count("Failures", 1);
                if matches!(error, Error::Conflict { .. }) {
                    metrics.count("Conflicts", 1);
                }
                let mut failure = BatchItemFailure::default();
                failure.item_identifier = message_id;
                response.batch_item_failures.push(failure);
            }
        }
    }
    response
}

async fn store_message(
    store: &DynamoEventStore,
    mapping: &BusMapping,
    message: &SqsMessage,
) -> Result<AppendOutcome, Error> {
    let body = message
        .body
        .as_deref()
        .ok_or_else(|| Error::validation("body", "the message has no body"))?;
    crate::bus_event::store_bus_event(store, mapping, &parse_body(body)?).await
}

/// An ingest message's body: one EventBridge event, as the ingest rule delivers it.
pub fn parse_body(body: &str) -> Result<EventBridgeEvent<Value>, Error> {
    serde_json::from_str(body)
        .map_err(|e| Error::validation("body", format!("is not an EventBridge event: {e}")))
}
