//! Snapshots and state loads: the newest snapshot plus the events after it, in one request.
//!
//! Snapshots sit in their stream's partition at `v + 0.5`. A load is one strongly consistent
//! descending `Query` of at most `SNAPSHOT_EVERY + 1` items: the events after the newest snapshot
//! and then the snapshot itself. Only a stream whose snapshots lag (or that has none) needs more
//! pages.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use event_store_domain::{
    Error, RecordedEvent, Reducer, ReducerRegistry, Snapshot, State, StreamId,
};

use crate::item_kind::ItemKind;
use crate::item_size::{item_size, MAX_ITEM_BYTES};
use crate::sdk_error::from_sdk;
use crate::{event_item, snapshot_item, DynamoEventStore};

/// The newest events of a stream down to (not including) its newest snapshot, and that snapshot.
pub struct Tail {
    /// Events after the snapshot, newest first.
    pub events_newest_first: Vec<RecordedEvent>,
    /// The newest snapshot, if the stream has one.
    pub snapshot: Option<Snapshot>,
}

impl DynamoEventStore {
    /// Stores `snapshot` (replacing one taken at the same version).
    pub async fn write_snapshot(&self, snapshot: &Snapshot) -> Result<(), Error> {
        let item = snapshot_item::to_item(snapshot)?;
        let bytes = item_size(&item);
        if bytes > MAX_ITEM_BYTES {
            return Err(Error::TooLarge {
                event_id: format!("snapshot of {} at {}", snapshot.stream_id, snapshot.version),
                bytes,
                limit: MAX_ITEM_BYTES,
            });
        }
        self.client
            .put_item()
            .table_name(self.table())
            .set_item(Some(item))
            .send()
            .await
            .map_err(|e| from_sdk("PutItem", e))?;
        Ok(())
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
        let Tail {
            mut events_newest_first,
            snapshot,
        } = self.tail(stream).await?;
        events_newest_first.reverse();
        State::fold(
            reducer,
            stream.clone(),
            snapshot.as_ref(),
            &events_newest_first,
        )
    }

    /// The stream's state, folded by the reducer `registry` holds for `aggregate_type`, or, when
    /// none is named, for the snapshot's aggregate type, or else the newest event's.
    pub async fn load_state_registered(
        &self,
        stream: &StreamId,
        registry: &ReducerRegistry,
        aggregate_type: Option<&str>,
    ) -> Result<State, Error> {
        let Tail {
            mut events_newest_first,
            snapshot,
        } = self.tail(stream).await?;
        let found_type = aggregate_type
            .map(str::to_owned)
            .or_else(|| {
                snapshot
                    .as_ref()
                    .and_then(|s| s.aggregate_type.as_ref())
                    .map(|t| t.to_string())
            })
            .or_else(|| {
                events_newest_first
                    .iter()
                    .find_map(|e| e.aggregate_type.as_ref())
                    .map(|t| t.to_string())
            });
        events_newest_first.reverse();
        State::fold(
            registry.reducer_for(found_type.as_deref()),
            stream.clone(),
            snapshot.as_ref(),
            &events_newest_first,
        )
    }

    /// Reads the stream backwards until its newest snapshot (or its first event).
    pub async fn tail(&self, stream: &StreamId) -> Result<Tail, Error> {
        let page_size = match self.settings.snapshot_every {
            0 => None,
            every => Some(i32::try_from(every).unwrap_or(i32::MAX).saturating_add(1)),
        };
        let mut events_newest_first = Vec::new();
        let mut start_key: Option<HashMap<String, AttributeValue>> = None;
        loop {
            let output = self
                .partition_query(stream)
                .key_condition_expression("#s = :s")
                .scan_index_forward(false)
                .set_limit(page_size)
                .set_exclusive_start_key(start_key)
                .send()
                .await
                .map_err(|e| from_sdk("Query", e))?;
            for item in output.items.unwrap_or_default() {
                match ItemKind::of(&item) {
                    ItemKind::Snapshot => {
                        return Ok(Tail {
                            events_newest_first,
                            snapshot: Some(snapshot_item::from_item(item)?),
                        })
                    }
                    ItemKind::Event => events_newest_first.push(event_item::from_item(item)?),
                    ItemKind::Guard | ItemKind::Unknown => {}
                }
            }
            start_key = output.last_evaluated_key;
            if start_key.is_none() {
                return Ok(Tail {
                    events_newest_first,
                    snapshot: None,
                });
            }
        }
    }
}
