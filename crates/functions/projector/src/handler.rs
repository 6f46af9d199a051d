//! The projector's batch adapter: records in order, each decoded by the store and projected;
//! the first that fails, or the one where the invocation's event budget runs out, is reported by
//! its sequence number (`batchItemFailures`), so Lambda goes on from it and never reprocesses
//! the ones before.

use std::time::Instant;

use aws_lambda_events::event::dynamodb::Event;
use aws_lambda_events::event::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use event_store_domain::{
    builtin_projections, Error, Projection, ProjectorSettings, ReducerRegistry,
};
use event_store_dynamodb::stream_record::{event_of_record, sequence_number};
use event_store_dynamodb::{DynamoEventStore, DynamoReadModels, EventBridgePublisher};
use function_support::Metrics;

use crate::gap_fill::Progress;
use crate::{BatchGenerations, ProjectorInput};

/// Events one invocation applies at most (gap fills included) when none is set: well inside a
/// 60 s function, in pages of 100 so memory stays bounded.
pub const DEFAULT_EVENT_BUDGET: usize = 1000;

/// The projector: where events are read from (to fill gaps), where projections go, and what to
/// project.
pub struct Projector {
    pub(crate) events: DynamoEventStore,
    pub(crate) read_models: DynamoReadModels,
    pub(crate) settings: ProjectorSettings,
    pub(crate) reducers: ReducerRegistry,
    pub(crate) publisher: Option<EventBridgePublisher>,
    pub(crate) projections: Vec<Box<dyn Projection>>,
    pub(crate) event_budget: usize,
}

impl Projector {
    /// Built once at cold start: keeps the settings' read models and the built-in ones.
    pub fn new(
        events: DynamoEventStore,
        read_models: DynamoReadModels,
        settings: ProjectorSettings,
        reducers: ReducerRegistry,
    ) -> Self {
        Projector {
            events,
            read_models,
            projections: settings
                .read_models
                .iter()
                .map(|definition| Box::new(definition.clone()) as Box<dyn Projection>)
                .chain(builtin_projections())
                .collect(),
            settings,
            reducers,
            publisher: None,
            event_budget: DEFAULT_EVENT_BUDGET,
        }
    }

    /// The same projector, publishing follow-ups and change notices with `publisher`.
    pub fn with_publisher(mut self, publisher: EventBridgePublisher) -> Self {
        self.publisher = Some(publisher);
        self
    }

    /// The same projector, applying at most `events` events per invocation (gap fills
    /// included); the record it stops at is retried from its stream's checkpoint.
    pub fn with_event_budget(mut self, events: usize) -> Self {
        self.event_budget = events.max(1);
        self
    }

    /// Projects a batch of stream records, with no deadline.
    pub async fn handle(&self, batch: Event) -> DynamoDbEventResponse {
        self.handle_until(batch, None).await
    }

    /// Projects a batch of stream records until `stop` (the invocation's deadline less a
    /// margin): the record it stops at is reported, so the next invocation goes on from it.
    pub async fn handle_until(&self, batch: Event, stop: Option<Instant>) -> DynamoDbEventResponse {
        let mut metrics = Metrics::new("projector");
        let mut response = DynamoDbEventResponse::default();
        let fail_from = |response: &mut DynamoDbEventResponse, sequence: Option<String>| {
            let mut failure = DynamoDbBatchItemFailure::default();
            failure.item_identifier = sequence;
            response.batch_item_failures.push(failure);
        };
        let generations = match self.generations().await {
            Ok(generations) => generations,
            Err(error) => {
                tracing::warn!(error_type = error.kind(), reason = %error, "generation pointers not read");
                metrics.count("Failures", 1);
                fail_from(
                    &mut response,
                    batch.records.first().and_then(sequence_number),
                );
                metrics.flush();
                return response;
            }
        };
        let mut budget = self.event_budget;
        for record in &batch.records {
            let sequence = sequence_number(record);
            let result = match event_of_record(record) {
                Ok(None) => continue,
                Ok(Some(event)) => {
                    let event = self.events.upcast(event);
                    self.project_within(&event, &generations, budget, stop)
                        .await
                }
                Err(error) => Err(error),
            };
            match result {
                Ok(Progress::Done(progress)) => {
                    metrics.count("EventsProjected", progress.applied);
                    metrics.count("SnapshotFailures", progress.snapshot_failures);
                    budget = budget.saturating_sub(progress.applied);
                }
                Ok(Progress::Paused(progress)) => {
                    // The budget or the time ran out at this record (or inside its gap): what was
                    // applied is checkpointed; the next invocation goes on from this record.
                    metrics.count("EventsProjected", progress.applied);
                    metrics.count("SnapshotFailures", progress.snapshot_failures);
                    metrics.count("GapFillPaused", 1);
                    tracing::info!(
                        sequence,
                        applied = progress.applied,
                        "event budget or time spent: the record is retried from its checkpoint"
                    );
                    fail_from(&mut response, sequence);
                    break;
                }
                Err(error) => {
                    tracing::warn!(sequence, error_type = error.kind(), reason = %error, "record not projected");
                    metrics.count("Failures", 1);
                    if matches!(error, Error::TooLarge { .. }) {
                        metrics.count("DocumentTooLarge", 1);
                    }
                    fail_from(&mut response, sequence);
                    break;
                }
            }
        }
        metrics.flush();
        response
    }

    /// Handles one invocation of any shape: a stream batch answers its `batchItemFailures`, the
    /// sweep its report. Input that is neither, a batch that does not decode, and a sweep that
    /// fails are the invocation's error: Lambda retries them (and counts them in the function's
    /// `Errors`), where a success would drop the batch or skip the sweep unseen.
    pub async fn handle_input(
        &self,
        payload: serde_json::Value,
        stop: Option<Instant>,
    ) -> Result<serde_json::Value, Error> {
        match ProjectorInput::classify(payload) {
            Ok(ProjectorInput::Records(batch)) => {
                Ok(serde_json::to_value(self.handle_until(batch, stop).await).unwrap_or_default())
            }
            Ok(ProjectorInput::Sweep) => {
                let mut metrics = Metrics::new("projector");
                let outcome = self.sweep(chrono::Utc::now()).await;
                match &outcome {
                    Ok(report) => {
                        metrics.count("CyclesTimedOut", report.timed_out);
                        metrics.count("RetiredDocumentsPurged", report.purged);
                    }
                    Err(error) => {
                        tracing::warn!(error_type = error.kind(), reason = %error, "cycle sweep failed");
                        metrics.count("Failures", 1);
                    }
                }
                metrics.flush();
                let report = outcome?;
                Ok(serde_json::json!({"sweep": {
                    "open": report.open, "timedOut": report.timed_out, "purged": report.purged
                }}))
            }
            Err(invalid) => {
                tracing::warn!(field = invalid.field, reason = %invalid.reason, "input not understood");
                Err(Error::Validation {
                    field: invalid.field,
                    reason: invalid.reason,
                })
            }
        }
    }

    /// Where this projector's read models are written now: read from the generation pointers
    /// (what a batch does once).
    pub async fn generations(&self) -> Result<BatchGenerations<'_>, Error> {
        let pointers = self.read_models.all_generations().await?;
        Ok(BatchGenerations::of(
            &self.projections,
            &self.settings.cycles,
            &pointers,
        ))
    }
}
