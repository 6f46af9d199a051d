//! The key-distribution simulation: one second of traffic at a given rate of one aggregate type,
//! with streams, users, correlation ids and event types drawn from skewed (Zipf) distributions,
//! turned into items by the store's own item mapping and index key functions; the write units
//! each partition key of the table and of each index receives in that second. DynamoDB serves at
//! most 1,000 WRU/s per partition key, so a key above that throttles whatever the table's capacity.

use std::collections::BTreeMap;

use event_store_domain::{
    AggregateType, EventId, EventType, Metadata, NewEvent, RecordedEvent, StreamId, Version,
};
use event_store_dynamodb::event_item;
use event_store_dynamodb::item_size::{item_size, write_units};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;

use crate::capacity::index_entries;

/// DynamoDB's per-partition-key write limit, WRU per second.
pub const PARTITION_WRU_LIMIT: f64 = 1000.0;

/// The traffic simulated.
#[derive(Debug, Clone)]
pub struct Traffic {
    /// Events in the second.
    pub events_per_second: usize,
    /// Streams written to (drawn with skew `stream_skew`).
    pub streams: usize,
    /// Zipf exponent of the streams' popularity.
    pub stream_skew: f64,
    /// Users (drawn with skew `user_skew`).
    pub users: usize,
    /// Zipf exponent of the users' activity.
    pub user_skew: f64,
    /// Correlation ids in flight (uniform).
    pub correlation_ids: usize,
    /// Event types of the aggregate, with their shares.
    pub event_types: Vec<(&'static str, f64)>,
    /// Payload bytes per event.
    pub payload_bytes: usize,
}

impl Traffic {
    /// 10,000 events/s of one aggregate type: 200,000 streams (Zipf 1.0), 20,000 users (Zipf
    /// 0.8), 5,000 correlation ids, five event types of which one is 40 %, 600-byte payloads.
    pub fn realistic() -> Self {
        Traffic {
            events_per_second: 10_000,
            streams: 200_000,
            stream_skew: 1.0,
            users: 20_000,
            user_skew: 0.8,
            correlation_ids: 5_000,
            event_types: vec![
                ("OrderPlaced", 0.4),
                ("OrderPaid", 0.25),
                ("OrderShipped", 0.2),
                ("OrderDelivered", 0.1),
                ("OrderCancelled", 0.05),
            ],
            payload_bytes: 600,
        }
    }
}

/// The hottest partition key of the table or of one index.
#[derive(Debug, Clone, PartialEq)]
pub struct HotKey {
    /// `table` or the index name.
    pub target: String,
    /// Its hottest partition key.
    pub key: String,
    /// WRU that key received in the second.
    pub write_units: f64,
    /// Distinct partition keys written.
    pub keys: usize,
}

impl HotKey {
    /// Whether the key stays under DynamoDB's per-key limit.
    pub fn fits(&self) -> bool {
        self.write_units <= PARTITION_WRU_LIMIT
    }
}

/// Draws from a Zipf distribution over `1..=n` by inverting its cumulative weights.
struct Zipf {
    cumulative: Vec<f64>,
}

impl Zipf {
    fn new(n: usize, exponent: f64) -> Self {
        let mut total = 0.0;
        let cumulative = (1..=n)
            .map(|k| {
                total += 1.0 / (k as f64).powf(exponent);
                total
            })
            .collect();
        Zipf { cumulative }
    }

    fn draw(&self, rng: &mut StdRng) -> usize {
        let total = *self.cumulative.last().expect("not empty");
        let target = rng.random::<f64>() * total;
        self.cumulative.partition_point(|c| *c < target)
    }
}

/// Simulates one second of `traffic` (seeded, so a run repeats) and returns the hottest key of
/// the table and of each index.
pub fn simulate(traffic: &Traffic, seed: u64) -> Vec<HotKey> {
    let mut rng = StdRng::seed_from_u64(seed);
    let streams = Zipf::new(traffic.streams, traffic.stream_skew);
    let users = Zipf::new(traffic.users, traffic.user_skew);
    let aggregate = AggregateType::new("Order").expect("valid");
    let now = chrono::Utc::now();
    let mut load: BTreeMap<String, BTreeMap<String, f64>> = BTreeMap::new();
    for n in 0..traffic.events_per_second {
        let share = rng.random::<f64>();
        let mut event_type = traffic.event_types[0].0;
        let mut acc = 0.0;
        for (name, weight) in &traffic.event_types {
            acc += weight;
            if share < acc {
                event_type = name;
                break;
            }
        }
        let stream = format!("order-{}", streams.draw(&mut rng));
        let new = NewEvent::new(
            EventType::new(event_type).expect("valid"),
            json!({"payload": "x".repeat(traffic.payload_bytes)}),
        )
        .with_id(EventId::new(format!("{:032x}", rng.random::<u128>())).expect("valid"))
        .with_aggregate_type(aggregate.clone())
        .with_metadata(Metadata {
            correlation_id: Some(format!(
                "corr-{}",
                rng.random_range(0..traffic.correlation_ids)
            )),
            user_id: Some(format!("user-{}", users.draw(&mut rng))),
            ..Metadata::default()
        });
        let recorded = RecordedEvent::record(
            StreamId::new(stream.as_str()).expect("valid"),
            Version::new(n as u64 + 1),
            new,
            now,
        );
        let item = event_item::to_item(
            &recorded,
            None,
            None,
            event_store_domain::EnabledIndexes::all(),
        )
        .expect("storable");
        *load
            .entry("table".into())
            .or_default()
            .entry(stream)
            .or_default() += write_units(item_size(&item)) as f64;
        for entry in index_entries(&item) {
            *load
                .entry(entry.index)
                .or_default()
                .entry(entry.partition_key)
                .or_default() += entry.write_units;
        }
    }
    load.into_iter()
        .map(|(target, keys)| {
            let (key, write_units) = keys
                .iter()
                .max_by(|a, b| a.1.total_cmp(b.1))
                .map(|(k, w)| (k.clone(), *w))
                .unwrap_or_default();
            HotKey {
                target,
                key,
                write_units,
                keys: keys.len(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twenty_thousand_events_per_second_overload_the_sharded_aggregate_type_index() {
        let traffic = Traffic {
            events_per_second: 20_000,
            ..Traffic::realistic()
        };
        let hot = simulate(&traffic, 7);
        let by_type = hot.iter().find(|h| h.target == "byAggregateType").unwrap();
        assert_eq!(by_type.keys, 16, "one key per shard");
        assert!(!by_type.fits(), "{by_type:?}");
        let by_correlation = hot.iter().find(|h| h.target == "byCorrelation").unwrap();
        assert!(by_correlation.fits(), "{by_correlation:?}");
    }

    #[test]
    fn zipf_draws_favour_the_first_ranks() {
        let zipf = Zipf::new(100, 1.0);
        let mut rng = StdRng::seed_from_u64(1);
        let draws: Vec<usize> = (0..10_000).map(|_| zipf.draw(&mut rng)).collect();
        let first = draws.iter().filter(|d| **d == 0).count();
        let last = draws.iter().filter(|d| **d == 99).count();
        assert!(first > 10 * last.max(1), "{first} vs {last}");
    }
}
