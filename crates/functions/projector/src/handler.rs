//! The projector's handler: records in order; the first that fails is reported by its sequence
//! number (`batchItemFailures`), so Lambda retries from it and never reprocesses the ones before.

use std::collections::HashMap;

use aws_lambda_events::event::dynamodb::Event;
use aws_lambda_events::event::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use aws_sdk_dynamodb::types::AttributeValue;
use event_store_domain::{
    builtin_projections, Error, Projection, ProjectorSettings, RecordedEvent, ReducerRegistry,
    Snapshot, State, Version,
};
use event_store_dynamodb::{
    event_item, DocumentChange, DynamoEventStore, DynamoReadModels, EventBridgePublisher, ItemKind,
    Publication,
};
use function_support::Metrics;

use crate::{BatchGenerations, StreamSummary, STREAMS_MODEL};

/// The projector: where events are read from (to fill gaps), where projections go, and what to
/// project.
pub struct Projector {
    events: DynamoEventStore,
    read_models: DynamoReadModels,
    settings: ProjectorSettings,
    reducers: ReducerRegistry,
    publisher: Option<EventBridgePublisher>,
    projections: Vec<Box<dyn Projection>>,
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
        }
    }

    /// The same projector, publishing follow-ups and change notices with `publisher`.
    pub fn with_publisher(mut self, publisher: EventBridgePublisher) -> Self {
        self.publisher = Some(publisher);
        self
    }

    /// Projects a batch of stream records.
    pub async fn handle(&self, batch: Event) -> DynamoDbEventResponse {
        let mut metrics = Metrics::new("projector");
        let mut response = DynamoDbEventResponse::default();
        let generations = match self.generations().await {
            Ok(generations) => generations,
            Err(error) => {
                tracing::warn!(error_type = error.kind(), reason = %error, "generation pointers not read");
                metrics.count("Failures", 1);
                if let Some(first) = batch.records.first() {
                    let mut failure = DynamoDbBatchItemFailure::default();
                    failure.item_identifier = first.change.sequence_number.clone();
                    response.batch_item_failures.push(failure);
                }
                metrics.flush();
                return response;
            }
        };
        for record in batch.records {
            let sequence_number = record.change.sequence_number.clone();
            let result = match event_of_record(record) {
                Ok(None) => continue,
                Ok(Some(event)) => self.project(&event, &generations).await,
                Err(error) => Err(error),
            };
            match result {
                Ok(applied) => metrics.count("EventsProjected", applied),
                Err(error) => {
                    tracing::warn!(sequence_number, error_type = error.kind(), reason = %error, "record not projected");
                    metrics.count("Failures", 1);
                    let mut failure = DynamoDbBatchItemFailure::default();
                    failure.item_identifier = sequence_number;
                    response.batch_item_failures.push(failure);
                    break;
                }
            }
        }
        metrics.flush();
        response
    }

    /// Projects `event` into `generations`, first filling any gap between the stream's last
    /// applied version and it by reading the events table; returns how many events were applied.
    pub async fn project(
        &self,
        event: &RecordedEvent,
        generations: &BatchGenerations<'_>,
    ) -> Result<usize, Error> {
        let applied = self.last_applied(event).await?;
        if event.version.get() <= applied {
            return Ok(0);
        }
        let missing = self
            .events
            .read_versions(
                &event.stream_id,
                Version::new(applied + 1),
                Version::new(event.version.get() - 1),
            )
            .await?;
        for earlier in missing.iter().chain(std::iter::once(event)) {
            self.apply(earlier, generations).await?;
        }
        Ok(missing.len() + 1)
    }

    /// Where this projector's read models are written now: read from the generation pointers
    /// (what a batch does once).
    pub async fn generations(&self) -> Result<BatchGenerations<'_>, Error> {
        let pointers = self.read_models.all_generations().await?;
        Ok(BatchGenerations::of(&self.projections, &pointers))
    }

    async fn last_applied(&self, event: &RecordedEvent) -> Result<u64, Error> {
        self.read_models
            .stream_position(STREAMS_MODEL, &event.stream_id)
            .await
    }

    /// Applies one event to every read model it concerns (in its live generation and in any
    /// generation a rebuild is building), then to its stream's summary (last: the summary is the
    /// checkpoint that says the event is done).
    async fn apply(
        &self,
        event: &RecordedEvent,
        generations: &BatchGenerations<'_>,
    ) -> Result<(), Error> {
        self.read_models
            .project_into(&generations.live, event)
            .await?;
        let mut metering = Vec::new();
        for cycle in &self.settings.cycles {
            metering.extend(crate::cycles::advance(&self.read_models, cycle, event).await?);
        }
        // A snapshot only makes loads cheaper: one that cannot be taken must not stop the
        // stream's projections (loads fold from the previous snapshot).
        if let Err(error) = self.snapshot_if_due(event).await {
            tracing::warn!(stream = %event.stream_id, version = %event.version, error_type = error.kind(), reason = %error, "snapshot not taken");
        }
        self.publish(event, metering).await?;
        for target in &generations.building {
            self.read_models
                .catch_up(
                    &self.events,
                    target,
                    &event.stream_id,
                    std::slice::from_ref(event),
                )
                .await?;
        }
        self.read_models
            .apply(
                STREAMS_MODEL,
                event.stream_id.as_str(),
                &event.stream_id,
                event.version,
                |previous| DocumentChange::Put(StreamSummary::after(previous, event)),
            )
            .await?;
        Ok(())
    }

    /// Publishes what `event` causes (and the metering events of the cycles it completed). A
    /// failure fails the record (retried by Lambda), so nothing
    /// is dropped; a retry may publish again, which consumers dedupe by event id.
    async fn publish(
        &self,
        event: &RecordedEvent,
        metering: Vec<Publication>,
    ) -> Result<(), Error> {
        let mut publications = crate::publications(&self.settings, event);
        publications.extend(metering);
        match (&self.publisher, publications.is_empty()) {
            (_, true) => Ok(()),
            (Some(publisher), false) => publisher.publish(&publications).await,
            (None, false) => Err(Error::validation(
                "EVENT_BUS_NAME",
                "follow-ups or change notices are configured but no bus is set",
            )),
        }
    }

    /// Every `SNAPSHOT_EVERY` events, the stream's state at this event, folded by its
    /// aggregate's reducer from the previous snapshot and the events since. Rewriting one on a
    /// redelivery stores the same state again.
    async fn snapshot_if_due(&self, event: &RecordedEvent) -> Result<(), Error> {
        if !Snapshot::is_due(event.version, self.events.settings().snapshot_every) {
            return Ok(());
        }
        let tail = self.events.tail(&event.stream_id).await?;
        if tail
            .snapshot
            .as_ref()
            .is_some_and(|s| s.version >= event.version)
        {
            return Ok(());
        }
        let mut events = tail.events_newest_first;
        events.retain(|e| e.version <= event.version);
        // The same rule as every state load, so a load folds on this snapshot with the reducer
        // that made it.
        let aggregate_type = ReducerRegistry::aggregate_type_of(
            None,
            tail.snapshot.as_ref(),
            &events,
            &event.stream_id,
            self.events.categories(),
        )
        .map(str::to_owned);
        events.reverse();
        let reducer = self.reducers.reducer_for(aggregate_type.as_deref());
        let state = State::fold(
            reducer,
            event.stream_id.clone(),
            tail.snapshot.as_ref(),
            &events,
        )?;
        if state.version != event.version {
            return Err(Error::Corrupt {
                attribute: "version".into(),
                reason: format!(
                    "stream {} folds to {} instead of {}",
                    event.stream_id, state.version, event.version
                ),
            });
        }
        self.events
            .write_snapshot(&Snapshot {
                stream_id: event.stream_id.clone(),
                version: event.version,
                aggregate_type: aggregate_type
                    .map(event_store_domain::AggregateType::new)
                    .transpose()?,
                state: state.state,
                taken_at: chrono::Utc::now(),
            })
            .await
    }
}

/// The event a stream record carries: `None` for removals (TTL), snapshots and idempotency
/// guards, which project nothing (pure: what the fuzz targets exercise).
pub fn event_of_record(
    record: aws_lambda_events::event::dynamodb::EventRecord,
) -> Result<Option<RecordedEvent>, Error> {
    let image: HashMap<String, AttributeValue> = record.change.new_image.into();
    if image.is_empty() || ItemKind::of(&image) != ItemKind::Event {
        return Ok(None);
    }
    event_item::from_item(image).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BATCH: &str = include_str!("../../../../fixtures/streams/dynamodb-batch.json");

    #[test]
    fn a_stream_record_of_an_event_reads_back_as_that_event() {
        let batch: Event = serde_json::from_str(BATCH).unwrap();
        let record = batch.records.into_iter().next().unwrap();
        let event = event_of_record(record).unwrap().unwrap();
        assert_eq!(event.stream_id.as_str(), "account-123");
        assert_eq!(event.version.get(), 1);
        assert_eq!(event.event_type.as_str(), "AccountCreated");
    }

    #[test]
    fn a_removal_projects_nothing_and_a_broken_image_is_corrupt() {
        let mut batch: serde_json::Value = serde_json::from_str(BATCH).unwrap();
        batch["Records"][0]["dynamodb"]
            .as_object_mut()
            .unwrap()
            .remove("NewImage");
        let removal: Event = serde_json::from_value(batch.clone()).unwrap();
        let record = removal.records.into_iter().next().unwrap();
        assert_eq!(event_of_record(record).unwrap(), None);
        batch["Records"][0]["dynamodb"]["NewImage"] =
            serde_json::json!({"eventType": {"S": "X"}, "version": {"S": "not a number"}});
        let broken: Event = serde_json::from_value(batch).unwrap();
        let record = broken.records.into_iter().next().unwrap();
        assert!(matches!(
            event_of_record(record),
            Err(Error::Corrupt { .. })
        ));
    }
}
