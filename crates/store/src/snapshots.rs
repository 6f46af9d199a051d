//! Snapshots and state loads: the newest snapshot plus the events after it, one request for a
//! tail of up to ten events.
//!
//! Snapshots sit in their stream's partition at `v + 0.5`, the stream's head above every
//! version. A load is strongly consistent descending `Query`s: the head, the events after the
//! newest snapshot, and then the snapshot itself, one request for a tail of up to ten events and
//! the ranges [`crate::tail_ranges`] plans below that, so it reads what it folds. The head's version says what
//! the state must reach: when events it needs have expired (`EVENT_TTL_DAYS`) and no snapshot
//! covers them, the load is [`Error::Expired`], never a state silently behind the stream.

use std::collections::HashMap;

use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::AttributeValue;
use event_store_domain::{
    Error, RecordedEvent, Reducer, ReducerRegistry, Snapshot, State, StreamHead, StreamId, Version,
};

use crate::item_kind::ItemKind;
use crate::item_size::{item_size, MAX_ITEM_BYTES};
use crate::sdk_error::from_sdk;
use crate::tail_ranges::{SortKeyRange, FIRST_PAGE_ITEMS};
use crate::{attributes, head_item, snapshot_item, DynamoEventStore};

/// The newest events of a stream down to (not including) its newest snapshot, that snapshot,
/// and the stream's head.
pub struct Tail {
    /// The stream's head: its version (absent for a stream never written).
    pub head: Option<StreamHead>,
    /// Events after the snapshot, newest first.
    pub events_newest_first: Vec<RecordedEvent>,
    /// The newest snapshot, if the stream has one.
    pub snapshot: Option<Snapshot>,
}

impl Tail {
    /// The stream's version by its head.
    pub fn version(&self) -> Version {
        self.head.as_ref().map_or(Version::NONE, |h| h.version)
    }
}

impl DynamoEventStore {
    /// Stores `snapshot` (replacing one taken at the same version).
    pub async fn write_snapshot(&self, snapshot: &Snapshot) -> Result<(), Error> {
        self.put_snapshot_item(snapshot_item::to_item(snapshot)?)
            .await
    }

    /// Puts a snapshot item, on condition that its key holds nothing or a snapshot: a snapshot
    /// write can never overwrite an event or a stream's head, whatever key it was given.
    pub async fn put_snapshot_item(&self, item: crate::event_item::Item) -> Result<(), Error> {
        let snapshot = snapshot_item::from_item(item.clone())?;
        let bytes = item_size(&item);
        if bytes > MAX_ITEM_BYTES {
            return Err(Error::TooLarge {
                event_id: format!("snapshot of {} at {}", snapshot.stream_id, snapshot.version),
                bytes,
                limit: MAX_ITEM_BYTES,
            });
        }
        let result = self
            .client
            .put_item()
            .table_name(self.table())
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(#v) OR attribute_exists(#sv)")
            .expression_attribute_names("#v", attributes::VERSION)
            .expression_attribute_names("#sv", attributes::SNAPSHOT_VERSION)
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(error) => match error.as_service_error() {
                Some(PutItemError::ConditionalCheckFailedException(_)) => {
                    Err(Error::validation(
                        "snapshot",
                        format!(
                            "the key of the snapshot of {} at {} holds an item that is not a snapshot: nothing was written",
                            snapshot.stream_id, snapshot.version
                        ),
                    ))
                }
                _ => Err(from_sdk("PutItem", error)),
            },
        }
    }

    /// The stream's newest snapshot, if any.
    pub async fn latest_snapshot(&self, stream: &StreamId) -> Result<Option<Snapshot>, Error> {
        Ok(self.tail(stream).await?.snapshot)
    }

    /// The stream's state: its newest snapshot and the events after it, folded by `reducer`.
    pub async fn load_state(
        &self,
        stream: &StreamId,
        reducer: &dyn Reducer,
    ) -> Result<State, Error> {
        let tail = self.tail(stream).await?;
        self.fold_tail(stream, reducer, tail)
    }

    /// The stream's state, folded by the reducer `registry` holds for its aggregate type:
    /// `aggregate_type` when given, else the one [`ReducerRegistry::aggregate_type_of`] picks
    /// (the snapshot's, the newest event's, or the stream's category's).
    pub async fn load_state_registered(
        &self,
        stream: &StreamId,
        registry: &ReducerRegistry,
        aggregate_type: Option<&str>,
    ) -> Result<State, Error> {
        let tail = self.tail(stream).await?;
        self.fold_registered(stream, registry, aggregate_type, tail)
    }

    /// Folds `tail` by the reducer `registry` holds for the stream's aggregate type (as
    /// [`DynamoEventStore::load_state_registered`] picks it).
    pub(crate) fn fold_registered(
        &self,
        stream: &StreamId,
        registry: &ReducerRegistry,
        aggregate_type: Option<&str>,
        tail: Tail,
    ) -> Result<State, Error> {
        let named = ReducerRegistry::aggregate_type_of(
            aggregate_type,
            tail.snapshot.as_ref(),
            &tail.events_newest_first,
            stream,
            &event_store_domain::AggregateCategories::off(),
        )
        .map(str::to_owned);
        if named.is_some() {
            return self.fold_tail(stream, registry.reducer_for(named.as_deref()), tail);
        }
        // Only the stream's category names a type: its aggregate folds the stream when it can;
        // a stream of other shapes (`account-x` holding no seed 004 events) folds as JSON.
        let inferred = self.categories().resolve(stream).map(|t| t.to_string());
        match inferred {
            Some(inferred) => {
                let retry = Tail {
                    head: tail.head.clone(),
                    events_newest_first: tail.events_newest_first.clone(),
                    snapshot: tail.snapshot.clone(),
                };
                match self.fold_tail(stream, registry.reducer_for(Some(&inferred)), tail) {
                    Err(Error::Corrupt { .. }) => {
                        self.fold_tail(stream, registry.reducer_for(None), retry)
                    }
                    folded => folded,
                }
            }
            None => self.fold_tail(stream, registry.reducer_for(None), tail),
        }
    }

    /// Folds a tail, checking it reaches the head: events the head counts but the partition no
    /// longer holds have expired (or, with no TTL set, were removed: `Corrupt`).
    pub(crate) fn fold_tail(
        &self,
        stream: &StreamId,
        reducer: &dyn Reducer,
        tail: Tail,
    ) -> Result<State, Error> {
        let head = tail.version();
        let covered = tail.snapshot.as_ref().map_or(Version::NONE, |s| s.version);
        let oldest = tail
            .events_newest_first
            .last()
            .map_or(head.next(), |e| e.version);
        if oldest > covered.next() {
            return Err(self.missing(stream, covered.next(), Version::new(oldest.get() - 1)));
        }
        let mut events = tail.events_newest_first;
        events.reverse();
        let replica = self.settings.is_replica();
        let state = State::fold(reducer, stream.clone(), tail.snapshot.as_ref(), &events).map_err(
            |error| match error {
                // A hole in a replica is a version still replicating, not a corrupt stream.
                Error::Corrupt { .. }
                    if replica
                        && events
                            .windows(2)
                            .any(|w| w[1].version != w[0].version.next()) =>
                {
                    crate::read_stream::replication_lag()
                }
                other => other,
            },
        )?;
        if state.version < head {
            return Err(self.missing(stream, state.version.next(), head));
        }
        Ok(state)
    }

    /// The error for versions `from..=to` of `stream` missing from its partition.
    fn missing(&self, stream: &StreamId, from: Version, to: Version) -> Error {
        if self.settings.is_replica() && self.settings.event_ttl_days.is_none() {
            // The head replicated before the events it counts.
            return crate::read_stream::replication_lag();
        }
        if self.settings.event_ttl_days.is_some() {
            Error::Expired {
                stream: stream.clone(),
                from,
                to,
            }
        } else {
            Error::Corrupt {
                attribute: attributes::VERSION.into(),
                reason: format!("stream {stream} has no events {from}..={to}"),
            }
        }
    }

    /// What a snapshot at version `at` folds: the newest snapshot at or below `at` and the events
    /// after it up to `at`, read backwards, at most `max_items` items; `None` when neither a
    /// snapshot nor the stream's first event is within them (too far to fold in one step: a
    /// projector that starts in the middle of a long stream without snapshots skips the snapshot
    /// rather than holding the whole stream).
    pub async fn tail_at(
        &self,
        stream: &StreamId,
        at: Version,
        max_items: usize,
    ) -> Result<Option<Tail>, Error> {
        let top = AttributeValue::N(format!("{}.5", at.get()));
        let mut events_newest_first = Vec::new();
        let mut start_key: Option<HashMap<String, AttributeValue>> = None;
        let mut read = 0;
        while read < max_items {
            let output = self
                .partition_query(stream)
                .key_condition_expression("#s = :s AND #v <= :top")
                .expression_attribute_names("#v", attributes::VERSION)
                .expression_attribute_values(":top", top.clone())
                .scan_index_forward(false)
                .limit(i32::try_from((max_items - read).min(1000)).unwrap_or(1000))
                .set_exclusive_start_key(start_key)
                .send()
                .await
                .map_err(|e| from_sdk("Query", e))?;
            for item in output.items.unwrap_or_default() {
                read += 1;
                match ItemKind::of(&item) {
                    ItemKind::Snapshot => {
                        return Ok(Some(Tail {
                            head: None,
                            events_newest_first,
                            snapshot: Some(snapshot_item::from_item(item)?),
                        }))
                    }
                    ItemKind::Event => events_newest_first.push(self.event_from_item(item)?),
                    ItemKind::Head | ItemKind::Guard | ItemKind::Unknown => {}
                }
            }
            start_key = output.last_evaluated_key;
            if start_key.is_none() {
                return Ok(Some(Tail {
                    head: None,
                    events_newest_first,
                    snapshot: None,
                }));
            }
        }
        Ok(None)
    }

    /// Reads the stream backwards from its head until its newest snapshot (or its first event):
    /// the first page of [`FIRST_PAGE_ITEMS`], then the ranges [`SortKeyRange`] plans, so a load
    /// reads the snapshot and the events after it, not a whole snapshot interval.
    pub async fn tail(&self, stream: &StreamId) -> Result<Tail, Error> {
        self.tail_below(stream, None).await
    }

    /// [`DynamoEventStore::tail`] from `top` down (the head and all when none): the first page
    /// of [`FIRST_PAGE_ITEMS`] items at or below `top`, then the planned ranges below it.
    pub(crate) async fn tail_below(
        &self,
        stream: &StreamId,
        top: Option<&SortKeyRange>,
    ) -> Result<Tail, Error> {
        let every = self.settings.snapshot_every;
        let mut tail = Tail {
            head: None,
            events_newest_first: Vec::new(),
            snapshot: None,
        };
        let first_page = (every > 0).then_some(FIRST_PAGE_ITEMS);
        let more = self
            .read_tail_range(stream, top, first_page, &mut tail)
            .await?;
        if !more || tail.snapshot.is_some() {
            return Ok(tail);
        }
        let oldest_read = tail
            .events_newest_first
            .last()
            .map_or(tail.version().next(), |e| e.version);
        let mut range = SortKeyRange::below(oldest_read.get(), every);
        while let Some(current) = range {
            self.read_tail_range(stream, Some(&current), None, &mut tail)
                .await?;
            if tail.snapshot.is_some() {
                break;
            }
            range = current.next(every);
        }
        Ok(tail)
    }

    /// Reads `range` of the partition (all of it when none) backwards into `tail`, page by page,
    /// until its end or a snapshot; with `limit`, one page of that many items only. True when
    /// that one page left items unread.
    async fn read_tail_range(
        &self,
        stream: &StreamId,
        range: Option<&SortKeyRange>,
        limit: Option<i32>,
        tail: &mut Tail,
    ) -> Result<bool, Error> {
        let mut start_key: Option<HashMap<String, AttributeValue>> = None;
        loop {
            let query = self.partition_query(stream).scan_index_forward(false);
            let query = match range {
                None => query.key_condition_expression("#s = :s"),
                Some(range) => {
                    let query = query
                        .expression_attribute_names("#v", attributes::VERSION)
                        .expression_attribute_values(
                            ":high",
                            AttributeValue::N(range.high.clone()),
                        );
                    match &range.low {
                        Some(low) => query
                            .key_condition_expression("#s = :s AND #v BETWEEN :low AND :high")
                            .expression_attribute_values(":low", AttributeValue::N(low.clone())),
                        None => query.key_condition_expression("#s = :s AND #v <= :high"),
                    }
                }
            };
            let output = query
                .set_limit(limit)
                .set_exclusive_start_key(start_key)
                .send()
                .await
                .map_err(|e| from_sdk("Query", e))?;
            for item in output.items.unwrap_or_default() {
                match ItemKind::of(&item) {
                    ItemKind::Snapshot => {
                        tail.snapshot = Some(snapshot_item::from_item(item)?);
                        return Ok(false);
                    }
                    ItemKind::Event => tail.events_newest_first.push(self.event_from_item(item)?),
                    ItemKind::Head => tail.head = Some(head_item::from_item(&item)?),
                    ItemKind::Guard | ItemKind::Unknown => {}
                }
            }
            start_key = output.last_evaluated_key;
            match (&start_key, limit) {
                (None, _) => return Ok(false),
                (Some(_), Some(_)) => return Ok(true),
                (Some(_), None) => {}
            }
        }
    }
}
