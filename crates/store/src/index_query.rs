//! Queries across streams through a secondary index (aggregate type, event type, correlation id,
//! user id), merging the index's shards into one time-ordered page.
//!
//! Each shard is queried (in parallel) for the page size; the shards' results are merged by event
//! time taking a prefix of each, so a page is exactly the oldest (or newest) matching events.
//! The token keeps, per shard, the last key taken. The indexes project keys only (cheaper
//! writes), so the page's events are then read with one `BatchGetItem`.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use aws_sdk_dynamodb::types::AttributeValue;
use event_store_domain::{Direction, Error, EventQuery, Page, PageRequest, RecordedEvent};
use futures::future::try_join_all;
use serde::{Deserialize, Serialize};

use crate::batch_get::{batch_get_items, Consistency};
use crate::index_keys::shard_key;
use crate::sdk_error::from_sdk;
use crate::table_definition::IndexDefinition;
use crate::{attributes, page_token, DynamoEventStore, TableDefinitions};
use event_store_domain::format_time;

/// The most events one index page returns: one `BatchGetItem`.
pub const MAX_INDEX_PAGE_SIZE: usize = crate::batch_get::MAX_BATCH_KEYS;

/// One index entry: where an event is, and its time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Entry {
    #[serde(rename = "t")]
    time: String,
    #[serde(rename = "s")]
    stream: String,
    #[serde(rename = "v")]
    version: u64,
}

/// Where each shard continues.
#[derive(Debug, Default, Serialize, Deserialize)]
struct IndexPosition {
    #[serde(rename = "k")]
    key: String,
    #[serde(rename = "c")]
    cursors: BTreeMap<u32, Entry>,
    #[serde(rename = "x")]
    done: BTreeSet<u32>,
}

/// One shard's answer: entries in index order, and whether more follow.
struct ShardPage {
    shard: u32,
    entries: VecDeque<Entry>,
    more: bool,
}

impl DynamoEventStore {
    /// One page of the events matching `query`, oldest first (or newest first when backward).
    pub async fn query_events(
        &self,
        query: &EventQuery,
        page: &PageRequest,
    ) -> Result<Page<RecordedEvent>, Error> {
        self.indexes().require(query.index())?;
        let index = TableDefinitions::shipped().events.index_for(query.index());
        let limit = page.limit_within(MAX_INDEX_PAGE_SIZE)?;
        let backward = query.direction() == Direction::Backward;
        let mut position = match &page.page_token {
            Some(token) => {
                let position: IndexPosition = page_token::decode(token)?;
                if position.key != query.key() {
                    return Err(Error::validation("pageToken", "belongs to another query"));
                }
                position
            }
            None => IndexPosition {
                key: query.key().to_owned(),
                ..IndexPosition::default()
            },
        };
        let pending = (0..index.shards).filter(|shard| !position.done.contains(shard));
        let mut shards = try_join_all(pending.map(|shard| {
            self.query_shard(index, query, shard, position.cursors.get(&shard), limit)
        }))
        .await?;
        let taken = merge(&mut shards, &mut position, limit, backward);
        let events = self.get_events(&taken).await?;
        let next_page_token =
            (position.done.len() < index.shards as usize).then(|| page_token::encode(&position));
        Ok(Page {
            items: events,
            next_page_token,
        })
    }

    async fn query_shard(
        &self,
        index: &IndexDefinition,
        query: &EventQuery,
        shard: u32,
        after: Option<&Entry>,
        limit: usize,
    ) -> Result<ShardPage, Error> {
        let partition = shard_key(index, query.key(), shard);
        let range = query.range();
        let time_condition = match (range.from, range.to) {
            (Some(_), Some(_)) => " AND #t BETWEEN :from AND :to",
            (Some(_), None) => " AND #t >= :from",
            (None, Some(_)) => " AND #t <= :to",
            (None, None) => "",
        };
        let mut request = self
            .client
            .query()
            .table_name(self.table())
            .index_name(&index.name)
            .key_condition_expression(format!("#p = :p{time_condition}"))
            .expression_attribute_names("#p", &index.partition_key.name)
            .expression_attribute_values(":p", AttributeValue::S(partition.clone()))
            .scan_index_forward(query.direction() == Direction::Forward)
            .limit(limit as i32);
        if !time_condition.is_empty() {
            request = request.expression_attribute_names("#t", attributes::EVENT_TIME);
        }
        if let Some(from) = range.from {
            request =
                request.expression_attribute_values(":from", AttributeValue::S(format_time(&from)));
        }
        if let Some(to) = range.to {
            request =
                request.expression_attribute_values(":to", AttributeValue::S(format_time(&to)));
        }
        if let Some(after) = after {
            request = request.set_exclusive_start_key(Some(
                [
                    (
                        attributes::STREAM_ID.to_string(),
                        AttributeValue::S(after.stream.clone()),
                    ),
                    (
                        attributes::VERSION.to_string(),
                        AttributeValue::N(after.version.to_string()),
                    ),
                    (
                        index.partition_key.name.clone(),
                        AttributeValue::S(partition.clone()),
                    ),
                    (
                        attributes::EVENT_TIME.to_string(),
                        AttributeValue::S(after.time.clone()),
                    ),
                ]
                .into(),
            ));
        }
        let output = request.send().await.map_err(|e| from_sdk("Query", e))?;
        let entries = output
            .items()
            .iter()
            .map(entry_of)
            .collect::<Result<VecDeque<_>, _>>()?;
        Ok(ShardPage {
            shard,
            entries,
            more: output.last_evaluated_key.is_some(),
        })
    }

    /// The events at `entries`, in that order: `BatchGetItem`, retrying unprocessed keys.
    async fn get_events(&self, entries: &[Entry]) -> Result<Vec<RecordedEvent>, Error> {
        if entries.is_empty() {
            return Ok(Vec::new());
        }
        let keys = entries
            .iter()
            .map(|entry| {
                HashMap::from([
                    (
                        attributes::STREAM_ID.to_string(),
                        AttributeValue::S(entry.stream.clone()),
                    ),
                    (
                        attributes::VERSION.to_string(),
                        AttributeValue::N(entry.version.to_string()),
                    ),
                ])
            })
            .collect();
        let mut found: HashMap<(String, u64), RecordedEvent> = HashMap::new();
        for item in batch_get_items(&self.client, self.table(), keys, Consistency::Eventual).await?
        {
            let event = self.event_from_item(item)?;
            found.insert((event.stream_id.to_string(), event.version.get()), event);
        }
        // An index entry whose event is gone (expired by TTL between the query and the read) is
        // left out rather than failing the page.
        Ok(entries
            .iter()
            .filter_map(|entry| found.remove(&(entry.stream.clone(), entry.version)))
            .collect())
    }
}

/// Takes up to `limit` entries across the shards in time order, a prefix of each shard, and
/// moves `position` past them. Stops early where a shard's next entry is not yet known.
fn merge(
    shards: &mut [ShardPage],
    position: &mut IndexPosition,
    limit: usize,
    backward: bool,
) -> Vec<Entry> {
    let mut taken = Vec::with_capacity(limit);
    while taken.len() < limit {
        if shards.iter().any(|s| s.entries.is_empty() && s.more) {
            break;
        }
        let next = shards
            .iter_mut()
            .filter(|s| !s.entries.is_empty())
            .min_by(|a, b| {
                let order = compare(&a.entries[0], &b.entries[0]);
                if backward {
                    order.reverse()
                } else {
                    order
                }
            });
        let Some(shard) = next else { break };
        let entry = shard.entries.pop_front().expect("non-empty");
        position.cursors.insert(shard.shard, entry.clone());
        taken.push(entry);
    }
    for shard in shards.iter() {
        if shard.entries.is_empty() && !shard.more {
            position.done.insert(shard.shard);
            position.cursors.remove(&shard.shard);
        }
    }
    taken
}

fn compare(a: &Entry, b: &Entry) -> Ordering {
    (&a.time, &a.stream, a.version).cmp(&(&b.time, &b.stream, b.version))
}

fn entry_of(item: &HashMap<String, AttributeValue>) -> Result<Entry, Error> {
    let text = |name: &str| item.get(name).and_then(|v| v.as_s().ok()).cloned();
    let version = item
        .get(attributes::VERSION)
        .and_then(|v| v.as_n().ok())
        .and_then(|n| n.parse().ok());
    match (
        text(attributes::EVENT_TIME),
        text(attributes::STREAM_ID),
        version,
    ) {
        (Some(time), Some(stream), Some(version)) => Ok(Entry {
            time,
            stream,
            version,
        }),
        _ => Err(Error::Corrupt {
            attribute: "index entry".into(),
            reason: "missing eventTime, streamId or version".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(time: &str, stream: &str) -> Entry {
        Entry {
            time: time.into(),
            stream: stream.into(),
            version: 1,
        }
    }

    fn shard(id: u32, times: &[&str], more: bool) -> ShardPage {
        ShardPage {
            shard: id,
            entries: times.iter().map(|t| entry(t, &format!("s{id}"))).collect(),
            more,
        }
    }

    #[test]
    fn shards_merge_in_time_order_and_exhausted_shards_are_done() {
        let mut shards = [shard(0, &["1", "4"], false), shard(1, &["2", "3"], false)];
        let mut position = IndexPosition::default();
        let taken = merge(&mut shards, &mut position, 10, false);
        let times: Vec<_> = taken.iter().map(|e| e.time.as_str()).collect();
        assert_eq!(times, ["1", "2", "3", "4"]);
        assert_eq!(position.done, BTreeSet::from([0, 1]));
    }

    #[test]
    fn the_page_stops_at_the_limit_and_remembers_each_shards_last_entry() {
        let mut shards = [shard(0, &["1", "4"], false), shard(1, &["2", "3"], true)];
        let mut position = IndexPosition::default();
        let taken = merge(&mut shards, &mut position, 2, false);
        assert_eq!(taken.len(), 2);
        assert_eq!(position.cursors[&0].time, "1");
        assert_eq!(position.cursors[&1].time, "2");
        assert!(position.done.is_empty());
    }

    #[test]
    fn a_shard_with_unread_entries_stops_the_merge() {
        // Shard 1 has more beyond what it returned: nothing later than its last entry may be
        // taken from shard 0, which could come after shard 1's unread entries.
        let mut shards = [shard(0, &["5"], false), shard(1, &["1"], true)];
        let mut position = IndexPosition::default();
        let taken = merge(&mut shards, &mut position, 10, false);
        assert_eq!(taken, vec![entry("1", "s1")]);
        assert!(!position.done.contains(&0));
    }

    #[test]
    fn backward_merges_newest_first() {
        let mut shards = [shard(0, &["4", "1"], false), shard(1, &["3", "2"], false)];
        let taken = merge(&mut shards, &mut IndexPosition::default(), 10, true);
        let times: Vec<_> = taken.iter().map(|e| e.time.as_str()).collect();
        assert_eq!(times, ["4", "3", "2", "1"]);
    }
}
