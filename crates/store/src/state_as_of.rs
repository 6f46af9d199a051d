//! State as it was: after a given version, or as the store held it at a given time. A load as of
//! version `v` is a state load whose reads start at `v`'s snapshot position instead of the head:
//! the newest snapshot at or below `v` and the events after it up to `v`, one request when the
//! snapshot is within ten events. A load as of a time first finds the newest event the store had
//! accepted by then (its recorded time, not the producer's event time), reading back from the
//! head with a filter: one request per megabyte of items newer than that time.

use aws_sdk_dynamodb::types::AttributeValue;
use event_store_domain::{
    format_time, Error, ReducerRegistry, State, StateAt, StreamHead, StreamId, Timestamp, Version,
};

use crate::head_item::HEAD_SORT_KEY;
use crate::sdk_error::from_sdk;
use crate::tail_ranges::SortKeyRange;
use crate::{attributes, DynamoEventStore};

/// The recorded time's attribute (the envelope's `recordedTime`).
const RECORDED_TIME: &str = "recordedTime";

/// The first page of an `atTime` lookup: events newer than the time plus the one found, for a
/// time within the stream's last few events.
const FIRST_TIME_PAGE: i32 = 16;
/// The largest page of an `atTime` lookup.
const MAX_TIME_PAGE: i32 = 1000;

impl DynamoEventStore {
    /// The stream's state at `at`, folded by the reducer `registry` holds for its aggregate type
    /// (as [`DynamoEventStore::load_state_registered`] picks it). A version past the stream's
    /// end, or a time before its first event, is `Validation` naming `atVersion` or `atTime`;
    /// events it needs that expired are `Expired`, as for the latest state.
    pub async fn load_state_at(
        &self,
        stream: &StreamId,
        registry: &ReducerRegistry,
        aggregate_type: Option<&str>,
        at: StateAt,
    ) -> Result<State, Error> {
        let version = match at {
            StateAt::Latest => {
                return self
                    .load_state_registered(stream, registry, aggregate_type)
                    .await
            }
            StateAt::Version(version) => version,
            StateAt::Time(time) => self.version_at_time(stream, &time, at).await?,
        };
        let mut tail = self
            .tail_below(stream, Some(&SortKeyRange::up_to(version.get())))
            .await?;
        let newest = tail
            .events_newest_first
            .first()
            .map(|e| e.version)
            .or(tail.snapshot.as_ref().map(|s| s.version))
            .unwrap_or(Version::NONE);
        if newest < version {
            // Past the end, or the events up to it are gone: the head tells which.
            let head = self.head(stream).await?;
            if head < version {
                if self.settings.is_replica() {
                    // The write region may hold it: this replica's head has not caught up yet.
                    return Err(crate::read_stream::replication_lag());
                }
                return Err(at.past_the_end(stream, head));
            }
        }
        // The version the fold must reach, in the head's place.
        tail.head = Some(StreamHead::at(version));
        self.fold_registered(stream, registry, aggregate_type, tail)
    }

    /// The newest version of `stream` whose recorded time is at or before `time`: pages of
    /// [`FIRST_TIME_PAGE`] items, doubling, read newest first (a filter applies after the read,
    /// so a page without a limit would read 1 MB however near the head the time is).
    async fn version_at_time(
        &self,
        stream: &StreamId,
        time: &Timestamp,
        at: StateAt,
    ) -> Result<Version, Error> {
        let mut start_key = None;
        let mut limit = FIRST_TIME_PAGE;
        loop {
            let output = self
                .partition_query(stream)
                .key_condition_expression("#s = :s AND #v < :head")
                .limit(limit)
                .filter_expression("#r <= :t")
                .projection_expression("#v")
                .expression_attribute_names("#v", attributes::VERSION)
                .expression_attribute_names("#r", RECORDED_TIME)
                .expression_attribute_values(":head", AttributeValue::N(HEAD_SORT_KEY.into()))
                .expression_attribute_values(":t", AttributeValue::S(format_time(time)))
                .scan_index_forward(false)
                .set_exclusive_start_key(start_key)
                .send()
                .await
                .map_err(|e| from_sdk("Query", e))?;
            if let Some(found) = output.items.unwrap_or_default().into_iter().next() {
                let version = found
                    .get(attributes::VERSION)
                    .and_then(|v| v.as_n().ok())
                    .and_then(|n| n.parse::<u64>().ok())
                    .ok_or_else(|| Error::Corrupt {
                        attribute: attributes::VERSION.into(),
                        reason: format!("an event of stream {stream} has no whole version"),
                    })?;
                return Ok(Version::new(version));
            }
            start_key = output.last_evaluated_key;
            limit = (limit * 2).min(MAX_TIME_PAGE);
            if start_key.is_none() {
                return Err(at.past_the_end(stream, Version::NONE));
            }
        }
    }
}
