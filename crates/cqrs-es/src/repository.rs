//! [`DynamoStoreRepository`]: cqrs-es's `PersistedEventRepository` over the store.
//!
//! Per call, against the store:
//! - `persist`: one append at the first event's sequence - 1 (one `TransactWriteItems`), then,
//!   when cqrs-es hands a snapshot the repository can place, one `PutItem` of it. The append is
//!   the commit: a snapshot write that fails after it is logged and the persist is `Ok`;
//! - `get_events`, `get_last_events`: the stream's head (one `GetItem`, alongside the first
//!   page) and the stream read forward in pages of [`DynamoStoreRepository::page_size`] events
//!   (DynamoDB's 1 MB per `Query` is paged under it too), never one unpaged query; the versions
//!   must run from the one asked for to the head without a hole (an expired or removed event is
//!   an error, never a partial aggregate);
//! - `stream_events`: the stream in pages, ending in an error at a hole;
//! - `get_snapshot`: the stream's newest snapshot (the store's tail read); an aggregate store
//!   ([`DynamoStoreRepository::for_aggregate_store`]) rolls it forward by the events after it;
//! - `stream_all_events`: the aggregate-type index, in pages.

use std::sync::atomic::{AtomicBool, Ordering};

use cqrs_es::persist::{
    PersistedEventRepository, PersistenceError, ReplayFeed, ReplayStream, SerializedEvent,
    SerializedSnapshot,
};
use cqrs_es::Aggregate;
use event_store_domain::{
    AggregateType, AppendRequest, Direction, Error, EventIndex, EventQuery, ExpectedVersion,
    PageRequest, RecordedEvent, StreamId, StreamRead, TimeRange, Version, MAX_PAGE_SIZE,
};
use event_store_dynamodb::{DynamoEventStore, MAX_INDEX_PAGE_SIZE};
use serde_json::Value;

use crate::event_id::commit_nonce;
use crate::event_mapping::{to_new_event, to_serialized};
use crate::snapshot_mapping::{covered_sequence, from_snapshot, to_snapshot, CqrsSnapshot};
use crate::stream_mapping::{aggregate_id_of, check_aggregate_type, stream_of};
use crate::RepositoryError;

/// Which of cqrs-es's snapshotting stores the repository serves: it decides where a snapshot of
/// a commit of several events goes (cqrs-es hands the aggregate, not the sequence it covers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnapshotMode {
    /// None chosen ([`DynamoStoreRepository::new`]): a snapshot of a one-event commit is placed
    /// at it (right for either store); one of a commit of several events is not written.
    Unchosen,
    /// `PersistedEventStore::new_aggregate_store`: a snapshot covers its whole commit, and
    /// `get_snapshot` rolls a stale one forward.
    AggregateStore,
    /// `PersistedEventStore::new_snapshot_store(repo, n)` with this `n`.
    SnapshotStore(usize),
}

static WARNED_UNCHOSEN: AtomicBool = AtomicBool::new(false);
static WARNED_MISMATCH: AtomicBool = AtomicBool::new(false);

/// cqrs-es's event repository over a [`DynamoEventStore`]: where dynamo-es's
/// `DynamoEventRepository::new(client)` was, `DynamoStoreRepository::new(store)`, with
/// [`Self::for_aggregate_store`] or [`Self::for_snapshot_store`] for a snapshotting store (the
/// [`crate::frameworks`] helpers choose it).
#[derive(Debug, Clone)]
pub struct DynamoStoreRepository {
    store: DynamoEventStore,
    page_size: usize,
    mode: SnapshotMode,
}

impl DynamoStoreRepository {
    /// A repository over `store`, reading [`MAX_PAGE_SIZE`] events a page, with no snapshot mode
    /// chosen ([`SnapshotMode::Unchosen`]): right for `new_event_store`; a snapshotting store
    /// should choose one.
    pub fn new(store: DynamoEventStore) -> Self {
        DynamoStoreRepository {
            store,
            page_size: MAX_PAGE_SIZE,
            mode: SnapshotMode::Unchosen,
        }
    }

    /// The same repository for `PersistedEventStore::new_aggregate_store(repo)`: a snapshot is
    /// placed at its commit's last event, and a load rolls a snapshot left behind (its write
    /// failed after the events were stored) forward by the events after it.
    pub fn for_aggregate_store(mut self) -> Self {
        self.mode = SnapshotMode::AggregateStore;
        self
    }

    /// The same repository for `PersistedEventStore::new_snapshot_store(repo, snapshot_size)`,
    /// with the same `snapshot_size`: a snapshot of a commit of several events is placed where
    /// cqrs-es took it, at the last multiple of `snapshot_size`. A commit whose snapshot cannot
    /// be there (the sizes differ) writes none.
    pub fn for_snapshot_store(mut self, snapshot_size: usize) -> Self {
        self.mode = SnapshotMode::SnapshotStore(snapshot_size.max(1));
        self
    }

    /// The snapshot mode.
    pub fn snapshot_mode(&self) -> SnapshotMode {
        self.mode
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

    /// The sequence a snapshot of the commit `first..=last` covers, when the mode can say.
    fn snapshot_covers(&self, first: usize, last: usize) -> Option<usize> {
        match self.mode {
            SnapshotMode::Unchosen if first == last => Some(last),
            SnapshotMode::Unchosen => {
                if !WARNED_UNCHOSEN.swap(true, Ordering::Relaxed) {
                    tracing::warn!(
                        "cqrs-es handed a snapshot of a commit of several events to a \
                         DynamoStoreRepository with no snapshot mode: it cannot tell where the \
                         snapshot goes and writes none; build it with for_aggregate_store() or \
                         for_snapshot_store(n) (the event_store_*_cqrs helpers do)"
                    );
                }
                None
            }
            SnapshotMode::AggregateStore => Some(last),
            SnapshotMode::SnapshotStore(size) => {
                let covered = covered_sequence(last, Some(size));
                if covered >= first {
                    return Some(covered);
                }
                if !WARNED_MISMATCH.swap(true, Ordering::Relaxed) {
                    tracing::warn!(
                        snapshot_size = size,
                        "cqrs-es handed a snapshot of a commit that crosses no multiple of the \
                         repository's snapshot size: the sizes of for_snapshot_store(n) and \
                         new_snapshot_store(repo, n) differ; no snapshot is written"
                    );
                }
                None
            }
        }
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
        let aggregate_type = AggregateType::new(A::TYPE)?;
        // One nonce per call: the SDK's retries of this request dedupe, no other commit does.
        let nonce = commit_nonce();
        let new_events = events
            .iter()
            .map(|event| to_new_event(event, &nonce))
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
        let Some((_, aggregate, current_snapshot)) = snapshot_update else {
            return Ok(());
        };
        // cqrs-es folds opened events: its snapshot would hold personal values in plaintext,
        // beyond a forget's reach. None is written; loads fold the events.
        if self.store.catalog().declares_personal_data() {
            tracing::debug!(
                "the event types declare personal data: no cqrs-es snapshot is written"
            );
            return Ok(());
        }
        let Some(covered) = self.snapshot_covers(first.sequence, last.sequence) else {
            return Ok(());
        };
        let snapshot = CqrsSnapshot {
            aggregate,
            current_sequence: covered,
            current_snapshot,
        };
        let snapshot = to_snapshot(stream, aggregate_type, snapshot, chrono::Utc::now());
        // The events are the commit: a failed snapshot is only a slower load (a snapshot store
        // reads more events, an aggregate store rolls the older snapshot forward), while an
        // error would make the caller decide and store the command again.
        if let Err(error) = self.store.write_snapshot(&snapshot).await {
            tracing::warn!(
                stream = %snapshot.stream_id,
                version = snapshot.version.get(),
                %error,
                "the commit is stored; its snapshot was not written"
            );
        }
        Ok(())
    }

    /// The events after `after`, checked to run without a hole up to the stream's head.
    async fn read_after(
        &self,
        aggregate_type: &str,
        aggregate_id: &str,
        after: usize,
    ) -> Result<Vec<SerializedEvent>, RepositoryError> {
        let stream = stream_of(aggregate_type, aggregate_id)?;
        let events = self.read_checked(&stream, after).await?;
        Ok(events
            .into_iter()
            .map(|e| to_serialized(aggregate_type, aggregate_id, e))
            .collect())
    }

    /// The events of `stream` after `after` up to its head, or the store's error for the
    /// versions missing (`Expired` with `EVENT_TTL_DAYS`, else `Corrupt`).
    async fn read_checked(
        &self,
        stream: &StreamId,
        after: usize,
    ) -> Result<Vec<RecordedEvent>, RepositoryError> {
        // The head alongside the first pages; events appended meanwhile are read after them.
        let (head, events) = tokio::join!(self.store.head(stream), self.read_range(stream, after));
        let head = head?.get();
        let mut events = events?;
        let last = events.last().map_or(after as u64, |e| e.version.get());
        if head > last {
            events.extend(self.read_range(stream, last as usize).await?);
        }
        self.check_versions(stream, after as u64, head, events.iter().map(|e| e.version))?;
        Ok(events)
    }

    async fn read_range(
        &self,
        stream: &StreamId,
        after: usize,
    ) -> Result<Vec<RecordedEvent>, RepositoryError> {
        let mut read = self.read_from(after);
        let mut events = Vec::new();
        loop {
            let mut page = self.store.read_stream(stream, &read).await?;
            // A typed event needs its personal values as values: opened here, before the
            // framework deserializes them (its snapshots then hold them; see the README).
            self.store.reveal_events(&mut page.items).await?;
            events.extend(page.items);
            match page.next_page_token {
                Some(token) => read.page.page_token = Some(token),
                None => return Ok(events),
            }
        }
    }

    /// Refuses `versions` (ascending) unless they are `after + 1`, `after + 2`, … up to `head`.
    fn check_versions(
        &self,
        stream: &StreamId,
        after: u64,
        head: u64,
        versions: impl IntoIterator<Item = Version>,
    ) -> Result<(), RepositoryError> {
        let mut expected = after + 1;
        for version in versions {
            let version = version.get();
            if version != expected {
                return Err(self
                    .missing(stream, expected, version.saturating_sub(1))
                    .into());
            }
            expected += 1;
        }
        if expected <= head {
            return Err(self.missing(stream, expected, head).into());
        }
        Ok(())
    }

    /// The store's error for versions `from..=to` of `stream` missing from its partition.
    fn missing(&self, stream: &StreamId, from: u64, to: u64) -> Error {
        if self.store.settings().event_ttl_days.is_some() {
            Error::Expired {
                stream: stream.clone(),
                from: Version::new(from),
                to: Version::new(to),
            }
        } else {
            Error::Corrupt {
                attribute: "version".into(),
                reason: format!("stream {stream} has no events {from}..={to}"),
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
        let tail = self.store.tail(&stream).await?;
        let had_snapshot = tail.snapshot.is_some();
        let accepted = tail
            .snapshot
            .clone()
            .and_then(|snapshot| from_snapshot(A::TYPE, snapshot));
        let serialized = |snapshot: CqrsSnapshot| SerializedSnapshot {
            aggregate_id: aggregate_id.to_owned(),
            aggregate: snapshot.aggregate,
            current_sequence: snapshot.current_sequence,
            current_snapshot: snapshot.current_snapshot,
        };
        if self.mode != SnapshotMode::AggregateStore {
            // A newest snapshot that is not cqrs-es's: none, so cqrs-es reads every event.
            return Ok(accepted.map(serialized));
        }
        // An aggregate store reads no events after the snapshot: roll it forward to the head.
        let head = tail.version().get();
        let mut events = match (&accepted, had_snapshot) {
            (Some(snapshot), _) => {
                let mut events = tail.events_newest_first;
                events.reverse();
                let after = snapshot.current_sequence as u64;
                self.check_versions(&stream, after, head, events.iter().map(|e| e.version))?;
                events
            }
            // No snapshot: the tail read the whole stream.
            (None, false) => {
                let mut events = tail.events_newest_first;
                events.reverse();
                self.check_versions(&stream, 0, head, events.iter().map(|e| e.version))?;
                events
            }
            // The newest snapshot is another kind: fold from the first event.
            (None, true) => self.read_checked(&stream, 0).await?,
        };
        // The tail's events as every other read gives them: personal values opened.
        self.store.reveal_events(&mut events).await?;
        let decode = |sequence: usize, source| RepositoryError::Decode {
            aggregate_id: aggregate_id.to_owned(),
            sequence,
            source,
        };
        let (mut aggregate, mut sequence, number) = match accepted {
            Some(snapshot) => match serde_json::from_value::<A>(snapshot.aggregate.clone()) {
                Ok(aggregate) => (
                    aggregate,
                    snapshot.current_sequence,
                    snapshot.current_snapshot,
                ),
                // cqrs-es's own answer to an aggregate that changed shape: it replays every
                // event, through its upcasters.
                Err(_) => return Ok(Some(serialized(snapshot))),
            },
            None if events.is_empty() => return Ok(None),
            None => (A::default(), 0, 0),
        };
        if events.is_empty() {
            return Ok(Some(SerializedSnapshot {
                aggregate_id: aggregate_id.to_owned(),
                aggregate: serde_json::to_value(&aggregate).map_err(|e| decode(sequence, e))?,
                current_sequence: sequence,
                current_snapshot: number,
            }));
        }
        for event in events {
            sequence = event.version.get() as usize;
            let event: A::Event =
                serde_json::from_value(event.data).map_err(|e| decode(sequence, e))?;
            aggregate.apply(event);
        }
        Ok(Some(SerializedSnapshot {
            aggregate_id: aggregate_id.to_owned(),
            aggregate: serde_json::to_value(&aggregate).map_err(|e| decode(sequence, e))?,
            current_sequence: sequence,
            current_snapshot: number,
        }))
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
    let mut expected = 1;
    loop {
        let page = match read_revealed(&repository, &stream, &read).await {
            Ok(page) => page,
            Err(error) => {
                let _ = feed.push(Err(RepositoryError::from(error).into())).await;
                return;
            }
        };
        for event in page.items {
            let version = event.version.get();
            if version != expected {
                let missing = repository.missing(&stream, expected, version - 1);
                let _ = feed.push(Err(RepositoryError::from(missing).into())).await;
                return;
            }
            expected += 1;
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

/// A page of `stream`, its personal values opened.
async fn read_revealed(
    repository: &DynamoStoreRepository,
    stream: &StreamId,
    read: &event_store_domain::StreamRead,
) -> Result<event_store_domain::Page<RecordedEvent>, event_store_domain::Error> {
    let mut page = repository.store.read_stream(stream, read).await?;
    repository.store.reveal_events(&mut page.items).await?;
    Ok(page)
}

/// A page of `query`, its personal values opened.
async fn query_revealed(
    repository: &DynamoStoreRepository,
    query: &EventQuery,
    page: &PageRequest,
) -> Result<event_store_domain::Page<RecordedEvent>, event_store_domain::Error> {
    let mut found = repository.store.query_events(query, page).await?;
    repository.store.reveal_events(&mut found.items).await?;
    Ok(found)
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
        let found = match query_revealed(&repository, &query, &page).await {
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
