//! The persister's handler: recognizes the input shape and answers in kind. An SQS batch gets
//! `batchItemFailures`; a direct EventBridge event fails the invocation on error (so Lambda's
//! asynchronous retries and on-failure destination apply); an append command gets the versions
//! or a typed error payload.

use std::time::Instant;

use event_store_domain::{BusMapping, Error};
use event_store_dynamodb::DynamoEventStore;
use function_support::{error_payload, validation_payload, Metrics};
use lambda_runtime::LambdaEvent;
use serde_json::{json, Value};

use crate::bus_event::store_bus_event;
use crate::sqs_batch::store_batch;
use crate::PersisterInput;

/// The persister: the store and how bus events map to stored events.
pub struct Persister {
    store: DynamoEventStore,
    mapping: BusMapping,
}

impl Persister {
    /// Built once at cold start.
    pub fn new(store: DynamoEventStore, mapping: BusMapping) -> Self {
        Persister { store, mapping }
    }

    /// Handles one invocation.
    pub async fn handle(&self, event: LambdaEvent<Value>) -> Result<Value, Error> {
        let started = Instant::now();
        let mut metrics = Metrics::new("persister");
        let answer = match PersisterInput::classify(event.payload) {
            Err(invalid) => {
                metrics.count("Failures", 1);
                Ok(validation_payload(invalid))
            }
            Ok(PersisterInput::SqsBatch(batch)) => {
                let response = store_batch(&self.store, &self.mapping, batch, &mut metrics).await;
                Ok(serde_json::to_value(response).unwrap_or_default())
            }
            Ok(PersisterInput::BusEvent(bus_event)) => {
                match store_bus_event(&self.store, &self.mapping, &bus_event).await {
                    Ok(outcome) => {
                        metrics.count(
                            if outcome.duplicate {
                                "Duplicates"
                            } else {
                                "EventsAppended"
                            },
                            1,
                        );
                        Ok(serde_json::to_value(outcome).unwrap_or_default())
                    }
                    Err(error) => {
                        metrics.count("Failures", 1);
                        tracing::warn!(event_id = ?bus_event.id, error_type = error.kind(), reason = %error, "event not stored");
                        Err(error)
                    }
                }
            }
            Ok(PersisterInput::Append(request)) => match self.store.append(&request).await {
                Ok(outcome) => {
                    let count = outcome.versions.len();
                    metrics.count(
                        if outcome.duplicate {
                            "Duplicates"
                        } else {
                            "EventsAppended"
                        },
                        count,
                    );
                    Ok(json!(outcome))
                }
                Err(error) => {
                    metrics.count(
                        if matches!(error, Error::Conflict { .. }) {
                            "Conflicts"
                        } else {
                            "Failures"
                        },
                        1,
                    );
                    Ok(error_payload(&error))
                }
            },
        };
        metrics.milliseconds("Latency", started.elapsed().as_secs_f64() * 1000.0);
        metrics.flush();
        answer
    }
}
