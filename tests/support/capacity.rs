//! A capacity meter: counts requests and computes the read and write units they cost by
//! DynamoDB's rules, from the typed inputs and outputs the SDK sees. (moto's `ConsumedCapacity`
//! is not faithful, so the units are computed here from item sizes.)
//!
//! The rules applied:
//! - a standard write of an item costs 1 WRU per started KB; a transactional write costs 2;
//! - a `ConditionCheck` in a transaction costs 2 per started KB of the checked item;
//! - an `Update` in a transaction costs 2 per started KB of the larger of the item before and
//!   after: for a stream's head, priced as the largest head that stream can have;
//! - each global secondary index the item appears in costs 1 WRU per started KB of the index
//!   entry (the indexes project keys only: table keys plus index keys), when the write succeeds;
//! - a write refused by its condition (or a cancelled transaction) still costs its item units;
//! - a `Query` costs 1 RRU per started 4 KB of the items it read (0.5 when eventually
//!   consistent); `GetItem` and each item of `BatchGetItem` likewise, per item; a `GetItem`, or
//!   a key of a `BatchGetItem`, that finds nothing still costs the minimum (1, or 0.5 eventually
//!   consistent).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::operation::batch_get_item::{BatchGetItemInput, BatchGetItemOutput};
use aws_sdk_dynamodb::operation::get_item::{GetItemInput, GetItemOutput};
use aws_sdk_dynamodb::operation::put_item::PutItemInput;
use aws_sdk_dynamodb::operation::query::{QueryInput, QueryOutput};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsInput;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeSerializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
    FinalizerInterceptorContextRef,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::{ConfigBag, Storable, StoreReplace};
use event_store_dynamodb::item_size::{item_size, write_units};
use event_store_dynamodb::{attributes, head_item, TableDefinitions};

type Item = HashMap<String, AttributeValue>;

/// What a run of requests cost.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Usage {
    /// Requests sent (every attempt), by operation.
    pub requests: BTreeMap<String, usize>,
    /// Write units, by DynamoDB's rule, indexes included.
    pub write_units: f64,
    /// Read units, by DynamoDB's rule.
    pub read_units: f64,
}

impl Usage {
    /// All requests.
    pub fn total_requests(&self) -> usize {
        self.requests.values().sum()
    }
}

#[derive(Debug, Default)]
struct State {
    usage: Usage,
    /// Sizes of the items written through this meter, by key, to price condition checks.
    sizes: HashMap<(String, String), usize>,
}

/// Counts requests and units; clone it into a client's interceptors and read it after.
#[derive(Debug, Clone, Default)]
pub struct CapacityMeter(Arc<Mutex<State>>);

/// Whether the read in flight is strongly consistent, carried from input to output.
#[derive(Debug, Clone, Copy)]
struct Consistent(bool);

impl Storable for Consistent {
    type Storer = StoreReplace<Self>;
}

/// Keys a `BatchGetItem` in flight asks for: each one not found still costs a read's minimum.
#[derive(Debug, Clone, Copy)]
struct RequestedKeys(usize);

impl Storable for RequestedKeys {
    type Storer = StoreReplace<Self>;
}

/// Index write units of the write in flight: charged only if it succeeds (a write refused by
/// its condition, or a cancelled transaction, writes no index entry).
#[derive(Debug, Clone, Copy)]
struct PendingIndexUnits(f64);

impl Storable for PendingIndexUnits {
    type Storer = StoreReplace<Self>;
}

impl CapacityMeter {
    /// What was used since the last reset.
    pub fn usage(&self) -> Usage {
        self.0.lock().expect("meter lock").usage.clone()
    }

    /// Requests sent since the last reset, by operation.
    pub fn snapshot(&self) -> BTreeMap<String, usize> {
        self.usage().requests
    }

    /// Requests sent since the last reset, all operations.
    pub fn total(&self) -> usize {
        self.usage().total_requests()
    }

    /// Starts counting again (item sizes are kept).
    pub fn reset(&self) {
        self.0.lock().expect("meter lock").usage = Usage::default();
    }

    fn key_of(item: &Item) -> (String, String) {
        let text = |name: &str| match item.get(name) {
            Some(AttributeValue::S(s)) => s.clone(),
            Some(AttributeValue::N(n)) => n.clone(),
            _ => String::new(),
        };
        (text(attributes::STREAM_ID), text(attributes::VERSION))
    }

    /// Charges the item write; returns its index units, charged once the write succeeds.
    fn put(&self, item: &Item, transactional: bool) -> f64 {
        let mut state = self.0.lock().expect("meter lock");
        let size = item_size(item);
        let factor = if transactional { 2.0 } else { 1.0 };
        state.usage.write_units += factor * write_units(size) as f64;
        state.sizes.insert(Self::key_of(item), size);
        index_write_units(item)
    }

    /// Charges a transaction's item units; returns its index units, charged once it succeeds.
    fn transaction(&self, transaction: &TransactWriteItemsInput) -> f64 {
        let mut pending = 0.0;
        for action in transaction.transact_items() {
            if let Some(put) = action.put() {
                pending += self.put(put.item(), true);
            }
            if let Some(check) = action.condition_check() {
                self.condition_check(check.key());
            }
            if let Some(update) = action.update() {
                self.update(update.key());
            }
        }
        pending
    }

    fn update(&self, key: &Item) {
        let (stream, version) = Self::key_of(key);
        let size = match event_store_domain::StreamId::new(stream) {
            Ok(stream) if version == head_item::HEAD_SORT_KEY => head_item::largest_size(&stream),
            _ => {
                let state = self.0.lock().expect("meter lock");
                state.sizes.get(&Self::key_of(key)).copied().unwrap_or(1)
            }
        };
        self.0.lock().expect("meter lock").usage.write_units += 2.0 * write_units(size) as f64;
    }

    fn condition_check(&self, key: &Item) {
        let mut state = self.0.lock().expect("meter lock");
        let size = state.sizes.get(&Self::key_of(key)).copied().unwrap_or(1);
        state.usage.write_units += 2.0 * write_units(size) as f64;
    }

    fn read(&self, items: &[&Item], consistent: bool, per_item: bool) {
        let unit = |bytes: usize| bytes.div_ceil(4096).max(1) as f64;
        let sizes: Vec<usize> = items.iter().map(|i| item_size(i)).collect();
        let units = if per_item {
            sizes.iter().map(|s| unit(*s)).sum()
        } else {
            unit(sizes.iter().sum())
        };
        let factor = if consistent { 1.0 } else { 0.5 };
        self.0.lock().expect("meter lock").usage.read_units += factor * units;
    }
}

/// 1 WRU per started KB of each index entry the item has (keys-only projection).
fn index_write_units(item: &Item) -> f64 {
    index_entries(item)
        .iter()
        .map(|entry| entry.write_units)
        .sum()
}

/// One index entry a write makes.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexEntry {
    /// The index.
    pub index: String,
    /// The entry's partition key value.
    pub partition_key: String,
    /// What writing it costs: 1 WRU per started KB of the entry (keys-only projection).
    pub write_units: f64,
}

/// The index entries an event item makes, one per index whose partition key it carries.
pub fn index_entries(item: &Item) -> Vec<IndexEntry> {
    TableDefinitions::shipped()
        .events
        .indexes
        .iter()
        .filter_map(|index| {
            let partition_key = match item.get(&index.partition_key.name)? {
                AttributeValue::S(value) => value.clone(),
                _ => return None,
            };
            let entry: Item = [
                attributes::STREAM_ID,
                attributes::VERSION,
                index.partition_key.name.as_str(),
                index.sort_key.name.as_str(),
            ]
            .iter()
            .filter_map(|name| item.get(*name).map(|v| (name.to_string(), v.clone())))
            .collect();
            Some(IndexEntry {
                index: index.name.clone(),
                partition_key,
                write_units: write_units(item_size(&entry)) as f64,
            })
        })
        .collect()
}

impl Intercept for CapacityMeter {
    fn name(&self) -> &'static str {
        "CapacityMeter"
    }

    fn read_before_execution(
        &self,
        context: &BeforeSerializationInterceptorContextRef<'_>,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let input = context.input();
        if let Some(put) = input.downcast_ref::<PutItemInput>() {
            let pending = self.put(put.item().unwrap_or(&Item::new()), false);
            cfg.interceptor_state()
                .store_put(PendingIndexUnits(pending));
        } else if let Some(transaction) = input.downcast_ref::<TransactWriteItemsInput>() {
            let pending = self.transaction(transaction);
            cfg.interceptor_state()
                .store_put(PendingIndexUnits(pending));
        } else if let Some(query) = input.downcast_ref::<QueryInput>() {
            cfg.interceptor_state()
                .store_put(Consistent(query.consistent_read().unwrap_or(false)));
        } else if let Some(get) = input.downcast_ref::<GetItemInput>() {
            cfg.interceptor_state()
                .store_put(Consistent(get.consistent_read().unwrap_or(false)));
        } else if let Some(batch) = input.downcast_ref::<BatchGetItemInput>() {
            // The store reads one table per BatchGetItem: its consistency is the request's.
            let consistent = batch
                .request_items()
                .is_some_and(|tables| tables.values().any(|t| t.consistent_read() == Some(true)));
            cfg.interceptor_state().store_put(Consistent(consistent));
            let keys = batch
                .request_items()
                .map_or(0, |tables| tables.values().map(|t| t.keys().len()).sum());
            cfg.interceptor_state().store_put(RequestedKeys(keys));
        }
        Ok(())
    }

    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let operation = cfg
            .load::<Metadata>()
            .map(|m| m.name().to_owned())
            .unwrap_or_else(|| "unknown".into());
        *self
            .0
            .lock()
            .expect("meter lock")
            .usage
            .requests
            .entry(operation)
            .or_default() += 1;
        Ok(())
    }

    fn read_after_execution(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let consistent = cfg.load::<Consistent>().is_some_and(|c| c.0);
        let Some(Ok(output)) = context.output_or_error() else {
            return Ok(());
        };
        if let Some(PendingIndexUnits(units)) = cfg.load::<PendingIndexUnits>() {
            self.0.lock().expect("meter lock").usage.write_units += units;
        }
        if let Some(query) = output.downcast_ref::<QueryOutput>() {
            self.read(&query.items().iter().collect::<Vec<_>>(), consistent, false);
        } else if let Some(get) = output.downcast_ref::<GetItemOutput>() {
            // A read of an item that does not exist still costs a read's minimum.
            let nothing = Item::new();
            self.read(&[get.item().unwrap_or(&nothing)], consistent, true);
        } else if let Some(batch) = output.downcast_ref::<BatchGetItemOutput>() {
            let items: Vec<&Item> = batch
                .responses()
                .map(|r| r.values().flatten().collect())
                .unwrap_or_default();
            self.read(&items, consistent, true);
            // Keys neither returned nor left unprocessed were read and not found.
            let unprocessed: usize = batch
                .unprocessed_keys()
                .map_or(0, |tables| tables.values().map(|t| t.keys().len()).sum());
            let requested = cfg.load::<RequestedKeys>().map_or(0, |k| k.0);
            let missing = requested.saturating_sub(items.len() + unprocessed);
            let nothing = Item::new();
            self.read(&vec![&nothing; missing], consistent, true);
        }
        Ok(())
    }
}

/// The meter against sums worked by hand from DynamoDB's documented rules (1 WRU per started KB,
/// twice in a transaction; 1 WRU per keys-only index entry; 1 RRU per started 4 KB, half when
/// eventually consistent, a miss costing the minimum), on the items the store itself builds:
/// every WRU and RRU figure the README prints comes from this meter.
#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_dynamodb::types::{Put, TransactWriteItem, Update};
    use event_store_domain::{
        DedupeScope, EnabledIndexes, EventId, EventIndex, EventType, Metadata, NewEvent,
        RecordedEvent, StreamHead, StreamId, Version,
    };
    use event_store_dynamodb::{event_item, guard_item};
    use serde_json::json;

    /// An event of the seeds' shape whose data holds `payload_bytes` of text.
    fn event(payload_bytes: usize) -> RecordedEvent {
        let new = NewEvent::new(
            EventType::new("TransactionProcessed").unwrap(),
            json!({"transactionId": "tx-789", "note": "x".repeat(payload_bytes)}),
        )
        .with_id(EventId::new("7b0f1c2e-4a61-4c55-9a39-0c8f3f4d1002").unwrap())
        .with_aggregate_type(event_store_domain::AggregateType::new("Account").unwrap())
        .with_metadata(Metadata {
            correlation_id: Some("tx-789".into()),
            user_id: Some("customer-456".into()),
            ..Metadata::default()
        });
        RecordedEvent::record(
            StreamId::new("account-123").unwrap(),
            Version::new(8),
            new,
            chrono::Utc::now(),
        )
    }

    fn put(item: Item) -> TransactWriteItem {
        TransactWriteItem::builder()
            .put(
                Put::builder()
                    .table_name("events")
                    .set_item(Some(item))
                    .build()
                    .unwrap(),
            )
            .build()
    }

    fn head_update(stream: &StreamId) -> TransactWriteItem {
        TransactWriteItem::builder()
            .update(
                Update::builder()
                    .table_name("events")
                    .set_key(Some(head_item::key(stream)))
                    .update_expression("SET headVersion = :v")
                    .build()
                    .unwrap(),
            )
            .build()
    }

    /// What the meter charges for the append transaction of `event`, index entries included.
    fn append_units(
        event: &RecordedEvent,
        indexes: EnabledIndexes,
        scope: DedupeScope,
        new_stream: bool,
    ) -> f64 {
        let item = event_item::to_item(event, None, None, indexes).unwrap();
        let mut actions = vec![put(item)];
        if scope == DedupeScope::Store {
            actions.push(put(guard_item::to_item(
                &event.event_id,
                &event.payload_hash,
                &event.stream_id,
                event.version,
                None,
            )));
        }
        if new_stream {
            let head = StreamHead::at(Version::NONE)
                .with_scope(scope)
                .after(&[(&event.event_id, &event.payload_hash)]);
            actions.push(put(head_item::to_item(&event.stream_id, &head)));
        } else {
            actions.push(head_update(&event.stream_id));
        }
        let transaction = TransactWriteItemsInput::builder()
            .set_transact_items(Some(actions))
            .build()
            .unwrap();
        let meter = CapacityMeter::default();
        let index_units = meter.transaction(&transaction);
        meter.usage().write_units + index_units
    }

    fn size_of(event: &RecordedEvent) -> usize {
        item_size(&event_item::to_item(event, None, None, EnabledIndexes::all()).unwrap())
    }

    #[test]
    fn a_small_event_is_stored_in_one_kilobyte() {
        // The band every "≤ 1 KB" figure stands on: the item with all five index keys.
        let size = size_of(&event(500));
        assert!((900..=1024).contains(&size), "{size} bytes");
    }

    #[test]
    fn an_append_at_an_expected_version_costs_four_plus_one_per_index_plus_two_for_the_guard() {
        let small = event(500);
        // By hand: event 2 (≤ 1 KB, transactional) + head update 2 (≤ 1 KB, transactional)
        // + guard 2 (≤ 1 KB, transactional) + 1 per index entry (keys only, ≤ 1 KB).
        let default = EnabledIndexes::parse("byAggregateType,byUser,byTime").unwrap();
        assert_eq!(
            append_units(&small, default, DedupeScope::Store, false),
            2.0 + 2.0 + 2.0 + 3.0
        );
        assert_eq!(
            append_units(&small, EnabledIndexes::all(), DedupeScope::Store, false),
            2.0 + 2.0 + 2.0 + 5.0
        );
        assert_eq!(
            append_units(&small, EnabledIndexes::none(), DedupeScope::Stream, false),
            2.0 + 2.0
        );
        let one = EnabledIndexes::parse("byTime").unwrap();
        assert_eq!(
            append_units(&small, one, DedupeScope::Stream, false),
            2.0 + 2.0 + 1.0
        );
    }

    #[test]
    fn a_new_stream_pays_the_same_as_an_expected_version() {
        // The head is put rather than updated: still one ≤ 1 KB transactional write.
        let small = event(500);
        let default = EnabledIndexes::parse("byAggregateType,byUser,byTime").unwrap();
        assert_eq!(
            append_units(&small, default, DedupeScope::Store, true),
            2.0 + 2.0 + 2.0 + 3.0
        );
    }

    #[test]
    fn a_larger_event_pays_per_started_kilobyte_and_its_index_entries_do_not_grow() {
        let large = event(1_400);
        let size = size_of(&large);
        assert!((1025..=2048).contains(&size), "{size} bytes");
        // By hand: event 2 KB started → 2 × 2; head 2; guard 2; three keys-only entries 1 each.
        let default = EnabledIndexes::parse("byAggregateType,byUser,byTime").unwrap();
        assert_eq!(
            append_units(&large, default, DedupeScope::Store, false),
            4.0 + 2.0 + 2.0 + 3.0
        );
    }

    #[test]
    fn an_index_whose_key_the_event_lacks_costs_nothing() {
        // Sparse: an event with no user id makes no byUser entry.
        let mut anonymous = event(500);
        anonymous.metadata.user_id = None;
        let item = event_item::to_item(&anonymous, None, None, EnabledIndexes::all()).unwrap();
        let indexes: Vec<String> = index_entries(&item).into_iter().map(|e| e.index).collect();
        assert_eq!(indexes.len(), 4, "{indexes:?}");
        assert!(!indexes.contains(&EventIndex::User.name().to_owned()));
    }

    #[test]
    fn reads_cost_per_started_four_kilobytes_and_a_miss_costs_the_minimum() {
        let item_of = |bytes: usize| -> Item {
            // "d" (1 byte of name) + a string of bytes - 1: `bytes` in all.
            [("d".to_owned(), AttributeValue::S("x".repeat(bytes - 1)))].into()
        };
        let (a, b, c) = (item_of(2_000), item_of(2_000), item_of(1_000));
        let units = |items: &[&Item], consistent: bool, per_item: bool| {
            let meter = CapacityMeter::default();
            meter.read(items, consistent, per_item);
            meter.usage().read_units
        };
        // A query sums its items: 5,000 bytes → 2 started 4 KB; half eventually consistent.
        assert_eq!(units(&[&a, &b, &c], true, false), 2.0);
        assert_eq!(units(&[&a, &b, &c], false, false), 1.0);
        // BatchGetItem rounds each item: 1 + 1 + 1.
        assert_eq!(units(&[&a, &b, &c], true, true), 3.0);
        // A GetItem that finds nothing: the minimum.
        assert_eq!(units(&[&Item::new()], true, true), 1.0);
        assert_eq!(units(&[&Item::new()], false, true), 0.5);
    }
}
