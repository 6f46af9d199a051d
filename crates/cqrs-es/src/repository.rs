//! [`DynamoStoreRepository`]: cqrs-es's `PersistedEventRepository` over the store.
//!
//! Per call, against the store:
//! - `persist`: one append at the first event's sequence - 1 (one `TransactWriteItems`), then,
//!   when cqrs-es hands a snapshot, one `PutItem` of it;
//! - `get_events`, `get_last_events`, `stream_events`: the stream read forward in pages of
//!   [`DynamoStoreRepository::page_size`] events (DynamoDB's 1 MB per `Query` is paged under it
//!   too), never one unpaged query;
//! - `get_snapshot`: the stream's newest snapshot (the store's tail read);
//! - `stream_all_events`: the aggregate-type index, in pages.

use cqrs_es::persist::{
    PersistedEventRepository, PersistenceError, ReplayFeed, ReplayStream, SerializedEvent,
    SerializedSnapshot,
};
use cqrs_es::Aggregate;
use event_store_domain::{
    AggregateType, AppendRequest, Direction, EventIndex, EventQuery, ExpectedVersion, PageRequest,
    StreamId, StreamRead, TimeRange, Version, MAX_PAGE_SIZE,
};
use event_store_dynamodb::{DynamoEventStore, MAX_INDEX_PAGE_SIZE};
use serde_json::Value;

use crate::event_mapping::{to_new_event, to_serialized};
use crate::snapshot_mapping::{covered_sequence, from_snapshot, to_snapshot, CqrsSnapshot};
use crate::stream_mapping::{aggregate_id_of, check_aggregate_type, stream_of};
use crate::RepositoryError;

/// cqrs-es's event repository over a [`DynamoEventStore`]: where dynamo-es's
/// `DynamoEventRepository::new(client)` was, `DynamoStoreRepository::new(store)`.
#[derive(Debug, Clone)]
pub struct DynamoStoreRepository {
    store: DynamoEventStore,
    page_size: usize,
    snapshot_size: Option<usize>,
}

impl DynamoStoreRepository {
    /// A repository over `store`, reading [`MAX_PAGE_SIZE`] events a page, placing a
    /// snapshot at the last event of its commit (right for `new_aggregate_store`, and for
    /// `new_snapshot_store` when commits hold one event; see [`Self::with_snapshot_size`]).
    pub fn new(store: DynamoEventStore) -> Self {
        DynamoStoreRepository {
            store,
            page_size: MAX_PAGE_SIZE,
            snapshot_size: None,
        }
    }

    /// The same repository for `PersistedEventStore::new_snapshot_store(repo, snapshot_size)`:
    /// a snapshot of a commit of several events is placed where cqrs-es took it, at the last
    /// multiple of `snapshot_size`, not at the commit's last event.
    pub fn with_snapshot_size(mut self, snapshot_size: usize) -> Self {
        self.snapshot_size = Some(snapshot_size);
        self
    }

    /// The same repository reading `page_size` events a page (1 to [`MAX_PAGE_SIZE`]); it is also
    /// the depth of the channel `stream_events` fills.
    pub fn with_page_size(mut self, page_size: usize) -> Self {
        self.page_size = page_size.clamp(1, MAX_PAGE_SIZE);
        self
    }

    /// Events a page.
    pub fn page_size(&self) -> usize {
        self.page_size
    }

    /// The store.
    pub fn store(&self) -> &DynamoEventStore {
        &self.store
    }

    async fn append<A: Aggregate>(
        &self,
        events: &[SerializedEvent],
        snapshot_update: Option<(String, Value, usize)>,
    ) -> Result<(), RepositoryError> {
        let (Some(first), Some(last)) = (events.first(), events.last()) else {
            return Ok(());
        };
        let stream = stream_of(A::TYPE, &first.aggregate_id)?;
        check_commit::<A>(events)?;
        let new_events = events
            .iter()
            .map(to_new_event)
            .collect::<Result<Vec<_>, _>>()?;
        let expected = ExpectedVersion::Exact(Version::new(first.sequence as u64 - 1)).normalized();
        let request = AppendRequest::new(stream.clone(), expected, new_events)?;
        let outcome = self.store.append(&request).await?;
        let stored: Vec<u64> = outcome.versions.iter().map(|v| v.get()).collect();
        if stored
            .iter()
            .zip(events)
            .any(|(v, e)| *v != e.sequence as u64)
        {
            return Err(RepositoryError::Misplaced {
                aggregate_id: first.aggregate_id.clone(),
                sequences: events.iter().map(|e| e.sequence).collect(),
                stored,
            });
        }
        if let Some((_, aggregate, current_snapshot)) = snapshot_update {
            let snapshot = CqrsSnapshot {
                aggregate,
                current_sequence: covered_sequence(last.sequence, self.snapshot_size),
                current_snapshot,
            };
            let snapshot = to_snapshot(
                stream,
                AggregateType::new(A::TYPE)?,
                snapshot,
                chrono::Utc::now(),
            );
            self.store.write_snapshot(&snapshot).await?;
        }
        Ok(())
    }

    async fn read_after(
        &self,
        aggregate_type: &str,
        aggregate_id: &str,
        after: usize,
    ) -> Result<Vec<SerializedEvent>, RepositoryError> {
        let stream = stream_of(aggregate_type, aggregate_id)?;
        let mut read = self.read_from(after);
        let mut events = Vec::new();
        loop {
            let page = self.store.read_stream(&stream, &read).await?;
            events.extend(
                page.items
                    .into_iter()
                    .map(|e| to_serialized(aggregate_type, aggregate_id, e)),
            );
            match page.next_page_token {
                Some(token) => read.page.page_token = Some(token),
                None => return Ok(events),
            }
        }
    }

    fn read_from(&self, after: usize) -> StreamRead {
        StreamRead {
            from_version: Some(Version::new(after as u64 + 1)),
            ..StreamRead::forward(self.page_size)
        }
    }

    async fn snapshot<A: Aggregate>(
        &self,
        aggregate_id: &str,
    ) -> Result<Option<SerializedSnapshot>, RepositoryError> {
        let stream = stream_of(A::TYPE, aggregate_id)?;
        let Some(snapshot) = self.store.latest_snapshot(&stream).await? else {
            return Ok(None);
        };
        Ok(
            from_snapshot(A::TYPE, snapshot).map(|snapshot| SerializedSnapshot {
                aggregate_id: aggregate_id.to_owned(),
                aggregate: snapshot.aggregate,
                current_sequence: snapshot.current_sequence,
                current_snapshot: snapshot.current_snapshot,
            }),
        )
    }
}

/// Refuses a batch that is not one commit of one aggregate of `A`, in sequence.
fn check_commit<A: Aggregate>(events: &[SerializedEvent]) -> Result<(), RepositoryError> {
    check_aggregate_type(A::TYPE)?;
    let first = &events[0];
    if first.sequence == 0 {
        return Err(RepositoryError::Commit {
            reason: "sequences start at 1".into(),
        });
    }
    for (offset, event) in events.iter().enumerate() {
        if event.aggregate_type != A::TYPE || event.aggregate_id != first.aggregate_id {
            return Err(RepositoryError::Commit {
                reason: format!(
                    "event {offset} is of {}:{}, the first of {}:{}",
                    event.aggregate_type,
                    event.aggregate_id,
                    A::TYPE,
                    first.aggregate_id
                ),
            });
        }
        if event.sequence != first.sequence + offset {
            return Err(RepositoryError::Commit {
                reason: format!(
                    "event {offset} has sequence {}, not {}",
                    event.sequence,
                    first.sequence + offset
                ),
            });
        }
    }
    Ok(())
}

/// Feeds `stream`'s events after `after` into `feed`, a page at a time; stops at the end, at
/// the first error (fed as the last item) or when the reader is gone.
async fn feed_stream(
    repository: DynamoStoreRepository,
    aggregate_type: &'static str,
    aggregate_id: String,
    stream: StreamId,
    mut feed: ReplayFeed,
) {
    let mut read = repository.read_from(0);
    loop {
        let page = match repository.store.read_stream(&stream, &read).await {
            Ok(page) => page,
            Err(error) => {
                let _ = feed.push(Err(RepositoryError::from(error).into())).await;
                return;
            }
        };
        for event in page.items {
            let event = to_serialized(aggregate_type, &aggregate_id, event);
            if feed.push(Ok(event)).await.is_err() {
                return;
            }
        }
        match page.next_page_token {
            Some(token) => read.page.page_token = Some(token),
            None => return,
        }
    }
}

/// Feeds every event of `aggregate_type` into `feed` through the aggregate-type index.
async fn feed_all(
    repository: DynamoStoreRepository,
    aggregate_type: &'static str,
    query: EventQuery,
    mut feed: ReplayFeed,
) {
    let mut page = PageRequest::first(repository.page_size.min(MAX_INDEX_PAGE_SIZE));
    loop {
        let found = match repository.store.query_events(&query, &page).await {
            Ok(found) => found,
            Err(error) => {
                let _ = feed.push(Err(RepositoryError::from(error).into())).await;
                return;
            }
        };
        for event in found.items {
            let stream = event.stream_id.clone();
            let aggregate_id = aggregate_id_of(aggregate_type, &stream).unwrap_or(stream.as_str());
            let event = to_serialized(aggregate_type, aggregate_id, event);
            if feed.push(Ok(event)).await.is_err() {
                return;
            }
        }
        match found.next_page_token {
            Some(token) => page.page_token = Some(token),
            None => return,
        }
    }
}

impl PersistedEventRepository for DynamoStoreRepository {
    async fn get_events<A: Aggregate>(
        &self,
        aggregate_id: &str,
    ) -> Result<Vec<SerializedEvent>, PersistenceError> {
        Ok(self.read_after(A::TYPE, aggregate_id, 0).await?)
    }

    async fn get_last_events<A: Aggregate>(
        &self,
        aggregate_id: &str,
        last_sequence: usize,
    ) -> Result<Vec<SerializedEvent>, PersistenceError> {
        Ok(self
            .read_after(A::TYPE, aggregate_id, last_sequence)
            .await?)
    }

    async fn get_snapshot<A: Aggregate>(
        &self,
        aggregate_id: &str,
    ) -> Result<Option<SerializedSnapshot>, PersistenceError> {
        Ok(self.snapshot::<A>(aggregate_id).await?)
    }

    async fn persist<A: Aggregate>(
        &self,
        events: &[SerializedEvent],
        snapshot_update: Option<(String, Value, usize)>,
    ) -> Result<(), PersistenceError> {
        Ok(self.append::<A>(events, snapshot_update).await?)
    }

    async fn stream_events<A: Aggregate>(
        &self,
        aggregate_id: &str,
    ) -> Result<ReplayStream, PersistenceError> {
        let stream = stream_of(A::TYPE, aggregate_id)?;
        let (feed, replay) = ReplayStream::new(self.page_size);
        tokio::spawn(feed_stream(
            self.clone(),
            A::TYPE,
            aggregate_id.to_owned(),
            stream,
            feed,
        ));
        Ok(replay)
    }

    async fn stream_all_events<A: Aggregate>(&self) -> Result<ReplayStream, PersistenceError> {
        check_aggregate_type(A::TYPE)?;
        let query = EventQuery::new(
            EventIndex::AggregateType,
            A::TYPE,
            TimeRange::default(),
            Direction::Forward,
        )
        .map_err(RepositoryError::from)?;
        let (feed, replay) = ReplayStream::new(self.page_size);
        tokio::spawn(feed_all(self.clone(), A::TYPE, query, feed));
        Ok(replay)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Default, serde::Serialize, serde::Deserialize)]
    struct Counter;

    #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Counted;

    impl cqrs_es::DomainEvent for Counted {
        fn event_type(&self) -> String {
            "Counted".into()
        }
        fn event_version(&self) -> String {
            "1".into()
        }
    }

    #[derive(Debug, thiserror::Error)]
    #[error("never")]
    struct Never;

    impl Aggregate for Counter {
        const TYPE: &'static str = "Counter";
        type Command = ();
        type Event = Counted;
        type Error = Never;
        type Services = ();

        async fn handle(
            &mut self,
            _: (),
            _: &(),
            _: &cqrs_es::event_sink::EventSink<Self>,
        ) -> Result<(), Never> {
            Ok(())
        }

        fn apply(&mut self, _: Counted) {}
    }

    fn event(id: &str, sequence: usize) -> SerializedEvent {
        SerializedEvent {
            aggregate_id: id.into(),
            sequence,
            aggregate_type: "Counter".into(),
            event_type: "Counted".into(),
            event_version: "1".into(),
            payload: json!("Counted"),
            metadata: json!({}),
        }
    }

    #[test]
    fn a_commit_is_one_aggregates_events_in_sequence() {
        assert!(check_commit::<Counter>(&[event("c-1", 3), event("c-1", 4)]).is_ok());
        for bad in [
            vec![event("c-1", 3), event("c-1", 5)],
            vec![event("c-1", 3), event("c-2", 4)],
            vec![event("c-1", 0)],
            vec![SerializedEvent {
                aggregate_type: "Other".into(),
                ..event("c-1", 1)
            }],
        ] {
            assert!(matches!(
                check_commit::<Counter>(&bad),
                Err(RepositoryError::Commit { .. })
            ));
        }
    }
}
