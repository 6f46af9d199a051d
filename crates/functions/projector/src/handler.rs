//! The projector's handler: records in order; the first that fails is reported by its sequence
//! number (`batchItemFailures`), so Lambda retries from it and never reprocesses the ones before.

use std::collections::HashMap;

use aws_lambda_events::event::dynamodb::Event;
use aws_lambda_events::event::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use aws_sdk_dynamodb::types::AttributeValue;
use event_store_domain::{
    Error, Projection, ProjectorSettings, RecordedEvent, ReducerRegistry, Snapshot, State,
    StreamRead, Version,
};
use event_store_dynamodb::{
    event_item, DocumentChange, DynamoEventStore, DynamoReadModels, EventBridgePublisher, ItemKind,
    Publication,
};
use function_support::Metrics;

use crate::{StreamSummary, STREAMS_MODEL};

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
    /// Built once at cold start.
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
                .collect(),
            settings,
            reducers,
            publisher: None,
        }
    }

    /// The same projector, also keeping a read model defined in code.
    pub fn with_projection(mut self, projection: impl Projection + 'static) -> Self {
        self.projections.push(Box::new(projection));
        self
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
        for record in batch.records {
            let sequence_number = record.change.sequence_number.clone();
            let image: HashMap<String, AttributeValue> = record.change.new_image.into();
            if image.is_empty() || ItemKind::of(&image) != ItemKind::Event {
                continue; // removals (TTL), snapshots and idempotency guards project nothing
            }
            let result = match event_item::from_item(image) {
                Ok(event) => self.project(&event).await,
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

    /// Projects `event`, first filling any gap between the stream's last applied version and
    /// it by reading the events table; returns how many events were applied.
    pub async fn project(&self, event: &RecordedEvent) -> Result<usize, Error> {
        let applied = self.last_applied(event).await?;
        if event.version.get() <= applied {
            return Ok(0);
        }
        let mut count = 0;
        if event.version.get() > applied + 1 {
            let missing = StreamRead {
                from_version: Some(Version::new(applied + 1)),
                to_version: Some(Version::new(event.version.get() - 1)),
                ..StreamRead::forward(1000)
            };
            let mut read = missing;
            loop {
                let page = self.events.read_stream(&event.stream_id, &read).await?;
                for earlier in &page.items {
                    self.apply(earlier).await?;
                    count += 1;
                }
                match page.next_page_token {
                    Some(token) => read.page.page_token = Some(token),
                    None => break,
                }
            }
            let filled = applied + count as u64;
            if filled + 1 != event.version.get() {
                return Err(Error::Corrupt {
                    attribute: "version".into(),
                    reason: format!(
                        "stream {} has no event between {filled} and {}",
                        event.stream_id, event.version
                    ),
                });
            }
        }
        self.apply(event).await?;
        Ok(count + 1)
    }

    async fn last_applied(&self, event: &RecordedEvent) -> Result<u64, Error> {
        let summary = self
            .read_models
            .get(STREAMS_MODEL, event.stream_id.as_str())
            .await?;
        Ok(summary
            .and_then(|s| s.positions.get(event.stream_id.as_str()).copied())
            .unwrap_or(0))
    }

    /// Applies one event to every read model it concerns, then to its stream's summary (last:
    /// the summary is the checkpoint that says the event is done).
    async fn apply(&self, event: &RecordedEvent) -> Result<(), Error> {
        for projection in &self.projections {
            let Some(key) = projection.key(event) else {
                continue;
            };
            self.read_models
                .apply(
                    projection.name(),
                    &key,
                    &event.stream_id,
                    event.version,
                    |current| projection.apply(current, event).into(),
                )
                .await?;
        }
        let mut metering = Vec::new();
        for cycle in &self.settings.cycles {
            metering.extend(crate::cycles::advance(&self.read_models, cycle, event).await?);
        }
        self.snapshot_if_due(event).await?;
        self.publish(event, metering).await?;
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
        events.reverse();
        events.retain(|e| e.version <= event.version);
        let aggregate_type = event.aggregate_type.as_ref().map(|t| t.as_str());
        let reducer = self.reducers.reducer_for(aggregate_type);
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
                aggregate_type: event.aggregate_type.clone(),
                state: state.state,
                taken_at: chrono::Utc::now(),
            })
            .await
    }
}
