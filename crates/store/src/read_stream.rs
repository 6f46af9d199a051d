//! Reading one stream: a version range, forward or backward, in pages with an opaque token.
//!
//! One strongly consistent `Query` on the stream's partition per page (more only when a page
//! passes DynamoDB's 1 MB response limit). It asks for one event more than the page holds, so
//! the token is given only when another event really follows. Snapshot items, which share the
//! partition, are skipped. In a replica region (outside `WRITE_REGION`) a page stops before a
//! version that has not replicated yet, and a read that would start at one is `Unavailable`.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use event_store_domain::{
    Direction, Error, FailureKind, Page, RecordedEvent, ServiceFailure, StreamId, StreamRead,
    Version, MAX_PAGE_SIZE,
};
use serde::{Deserialize, Serialize};

use crate::item_kind::ItemKind;
use crate::sdk_error::from_sdk;
use crate::{attributes, page_token, DynamoEventStore};

/// Where `versions` (in read order) first miss one: `first` is the version the read must start
/// with when known (a forward read with no retention), and each must follow the one before.
/// `None` when there is no hole.
fn replication_gap(versions: &[u64], first: Option<u64>, backward: bool) -> Option<usize> {
    let mut expected = first.or_else(|| versions.first().copied())?;
    for (index, version) in versions.iter().enumerate() {
        if *version != expected {
            return Some(index);
        }
        expected = if backward {
            expected.saturating_sub(1)
        } else {
            expected + 1
        };
    }
    None
}

/// What a replica region answers for a stream whose next version has not replicated yet.
pub(crate) fn replication_lag() -> Error {
    Error::Unavailable(ServiceFailure::new(FailureKind::ReplicationLag, "Query"))
}

/// Where the next page of a stream read starts.
#[derive(Serialize, Deserialize)]
struct StreamPosition {
    #[serde(rename = "s")]
    stream: String,
    #[serde(rename = "b")]
    backward: bool,
    #[serde(rename = "v")]
    next: u64,
}

impl DynamoEventStore {
    /// One page of `stream`'s events as `read` asks.
    pub async fn read_stream(
        &self,
        stream: &StreamId,
        read: &StreamRead,
    ) -> Result<Page<RecordedEvent>, Error> {
        let (low, high) = read.bounds()?;
        let backward = read.direction == Direction::Backward;
        let limit = read.page.limit_within(MAX_PAGE_SIZE)?;
        let start = match &read.page.page_token {
            Some(token) => {
                let position: StreamPosition = page_token::decode(token)?;
                if position.stream != stream.as_str() || position.backward != backward {
                    return Err(Error::validation(
                        "pageToken",
                        "belongs to a read of another stream or direction",
                    ));
                }
                Version::new(position.next)
            }
            None if backward => high,
            None => low,
        };
        let (from, to) = if backward {
            (low, start)
        } else {
            (start, high)
        };
        if from > to {
            return Ok(Page {
                items: Vec::new(),
                next_page_token: None,
            });
        }
        let mut events = self
            .query_range(stream, from, to, backward, limit + 1)
            .await?;
        // In a replica region a page ends before the first version not replicated yet, so a
        // reader that goes on from the last event it saw never skips one.
        let gap = if self.settings.is_replica() {
            let first = (!backward && self.settings.event_ttl_days.is_none()).then_some(start);
            let versions: Vec<u64> = events.iter().map(|e| e.version.get()).collect();
            replication_gap(&versions, first.map(Version::get), backward)
        } else {
            None
        };
        if let Some(at) = gap {
            if at == 0 {
                return Err(replication_lag());
            }
            events.truncate(at);
        }
        let next_page_token = if gap.is_some() || events.len() > limit {
            events.truncate(limit);
            let last = events.last().map(|e| e.version.get()).unwrap_or_default();
            Some(page_token::encode(&StreamPosition {
                stream: stream.to_string(),
                backward,
                next: if backward { last - 1 } else { last + 1 },
            }))
        } else {
            None
        };
        Ok(Page {
            items: events,
            next_page_token,
        })
    }

    /// The event at `version` of `stream`, if stored: one strongly consistent `GetItem`.
    pub async fn get_event(
        &self,
        stream: &StreamId,
        version: Version,
    ) -> Result<Option<RecordedEvent>, Error> {
        let output = self
            .client
            .get_item()
            .table_name(self.table())
            .key(attributes::STREAM_ID, AttributeValue::S(stream.to_string()))
            .key(attributes::VERSION, AttributeValue::N(version.to_string()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| from_sdk("GetItem", e))?;
        output
            .item
            .map(|item| self.event_from_item(item))
            .transpose()
    }

    /// Every event of `stream` from `from` to `to`, in order, or a `Corrupt` error naming the
    /// first version missing: what a projector fills a gap with, where a hole would fold a wrong
    /// model. With `EVENT_TTL_DAYS` set, a missing version is one DynamoDB's TTL deleted (nothing
    /// else deletes events; TTL deletes in no particular order) and is left out.
    pub async fn read_versions(
        &self,
        stream: &StreamId,
        from: Version,
        to: Version,
    ) -> Result<Vec<RecordedEvent>, Error> {
        if from > to {
            return Ok(Vec::new());
        }
        let wanted = usize::try_from(to.get() - from.get() + 1).unwrap_or(usize::MAX);
        let events = self.query_range(stream, from, to, false, wanted).await?;
        if self.settings.event_ttl_days.is_some() {
            return Ok(events);
        }
        let found = events
            .iter()
            .map(|e| Some(e.version.get()))
            .chain(std::iter::repeat(None));
        if let Some((missing, _)) = (from.get()..=to.get())
            .zip(found)
            .find(|(expected, got)| *got != Some(*expected))
        {
            if self.settings.is_replica() {
                return Err(replication_lag());
            }
            return Err(Error::Corrupt {
                attribute: "version".into(),
                reason: format!("stream {stream} has no event at version {missing}"),
            });
        }
        Ok(events)
    }

    /// Up to `wanted` events of `stream` with versions in `from..=to`, in the given order.
    pub(crate) async fn query_range(
        &self,
        stream: &StreamId,
        from: Version,
        to: Version,
        backward: bool,
        wanted: usize,
    ) -> Result<Vec<RecordedEvent>, Error> {
        let mut events = Vec::new();
        let mut start_key: Option<HashMap<String, AttributeValue>> = None;
        loop {
            let remaining = wanted - events.len();
            let output = self
                .partition_query(stream)
                .key_condition_expression("#s = :s AND #v BETWEEN :from AND :to")
                .expression_attribute_names("#v", attributes::VERSION)
                .expression_attribute_values(":from", AttributeValue::N(from.to_string()))
                .expression_attribute_values(":to", AttributeValue::N(to.to_string()))
                .scan_index_forward(!backward)
                .limit(i32::try_from(remaining).unwrap_or(i32::MAX))
                .set_exclusive_start_key(start_key)
                .send()
                .await
                .map_err(|e| from_sdk("Query", e))?;
            for item in output.items.unwrap_or_default() {
                if ItemKind::of(&item) == ItemKind::Event && events.len() < wanted {
                    events.push(self.event_from_item(item)?);
                }
            }
            start_key = output.last_evaluated_key;
            if events.len() >= wanted || start_key.is_none() {
                return Ok(events);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::replication_gap;

    #[test]
    fn a_page_ends_at_the_first_version_not_replicated_yet() {
        assert_eq!(replication_gap(&[1, 2, 4, 5], Some(1), false), Some(2));
        assert_eq!(replication_gap(&[2, 3], Some(1), false), Some(0));
        assert_eq!(replication_gap(&[1, 2, 3], Some(1), false), None);
        // With retention the oldest versions may have expired: the first one found starts it.
        assert_eq!(replication_gap(&[7, 8, 10], None, false), Some(2));
        assert_eq!(replication_gap(&[9, 8, 6], None, true), Some(2));
        assert_eq!(replication_gap(&[9, 8, 7], None, true), None);
        assert_eq!(replication_gap(&[], Some(4), false), None);
    }
}
