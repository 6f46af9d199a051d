//! Seed 004's account as a cqrs-es aggregate on three stores, in one run on the local endpoint:
//! the store through `cqrs-es-dynamodb-store`, dynamo-es as its users run it (its
//! `dynamodb_cqrs`, its `Events` and `Snapshots` tables as its `db/create_tables.sh` creates
//! them), and seed 002's append algorithm on the store's items. Commits are commands through
//! `CqrsFramework::execute` (a load and a commit); loads are cqrs-es's `load_aggregate` of a
//! stream seeded beforehand through each repository's own `persist`, in batches. Requests are
//! every attempt the SDK sends, units are the capacity meter's (DynamoDB's rules on the items
//! sent and received), CPU is this process's.

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
};
use aws_sdk_dynamodb::Client;
use cqrs_es::persist::{PersistedEventRepository, PersistedEventStore, SerializedEvent};
use cqrs_es::{Aggregate, CqrsFramework, DomainEvent, EventStore};
use cqrs_es_dynamodb_store::event_mapping::to_new_event;
use cqrs_es_dynamodb_store::{event_store_cqrs, stream_of, DynamoStoreRepository};
use dynamo_es::DynamoEventRepository;
use event_store_domain::{AccountCommand, DedupeScope, NewEvent};

use crate::bench::process_cpu::ProcessCpu;
use crate::bench::seed_002_baseline;
use crate::cqrs_account::{deposits, open, CqrsAccount, CqrsAccountEvent};
use crate::{local_store, metered_client, CapacityMeter, LocalStore};

/// Events per commit measured (dynamo-es takes at most 25 in its one transaction, 24 with a
/// snapshot).
pub const COMMIT_SIZES: [usize; 3] = [1, 10, 24];
/// Stream lengths loaded.
pub const LOAD_SIZES: [usize; 3] = [100, 1_000, 10_000];
/// Commits are averaged over this many runs; each load is run once.
const REPETITIONS: usize = 5;
/// Events per write when seeding a dynamo-es stream (its transaction's limit).
const DYNAMO_ES_BATCH: usize = 25;
/// The amount of every deposit.
const DEPOSIT: f64 = 10.0;

/// One side's figures for a workload.
#[derive(Debug, Clone, Default)]
pub struct Figures {
    /// Requests sent (every attempt).
    pub requests: f64,
    /// Write units.
    pub write_units: f64,
    /// Read units.
    pub read_units: f64,
    /// CPU time of this process, µs.
    pub cpu_micros: f64,
    /// What came of it, for loads: `ok`, or what went wrong.
    pub outcome: Option<String>,
}

/// One workload on the three stores.
#[derive(Debug, Clone)]
pub struct PeerRow {
    /// What was done.
    pub workload: String,
    /// The store, through `cqrs-es-dynamodb-store`.
    pub ours: Figures,
    /// dynamo-es.
    pub dynamo_es: Figures,
    /// Seed 002's append algorithm, where it applies (commits: its head query and a conditional
    /// put per event, without the load a command makes first).
    pub seed_002: Option<Figures>,
}

/// The three stores on the local endpoint.
struct Peers {
    ours: LocalStore,
    dynamo_client: Client,
    dynamo_meter: CapacityMeter,
}

/// Every commit and load, on the three stores.
pub async fn compare_with_dynamo_es() -> Vec<PeerRow> {
    let ours = local_store().await;
    let (dynamo_client, dynamo_meter) = metered_client().await;
    create_dynamo_es_tables(&dynamo_client).await;
    let peers = Peers {
        ours,
        dynamo_client,
        dynamo_meter,
    };
    let mut rows = Vec::new();
    for events in COMMIT_SIZES {
        rows.push(peers.commit(events).await);
    }
    for events in LOAD_SIZES {
        rows.push(peers.load(events).await);
    }
    rows
}

/// dynamo-es's tables as its `db/create_tables.sh` creates them (on-demand, its key names);
/// already there on a second run against the same endpoint.
async fn create_dynamo_es_tables(client: &Client) {
    let key = |name: &str, kind: KeyType| {
        KeySchemaElement::builder()
            .attribute_name(name)
            .key_type(kind)
            .build()
            .expect("a key")
    };
    let attribute = |name: &str, kind: ScalarAttributeType| {
        AttributeDefinition::builder()
            .attribute_name(name)
            .attribute_type(kind)
            .build()
            .expect("an attribute")
    };
    let events = client
        .create_table()
        .table_name("Events")
        .key_schema(key("AggregateTypeAndId", KeyType::Hash))
        .key_schema(key("AggregateIdSequence", KeyType::Range))
        .attribute_definitions(attribute("AggregateTypeAndId", ScalarAttributeType::S))
        .attribute_definitions(attribute("AggregateIdSequence", ScalarAttributeType::N))
        .billing_mode(BillingMode::PayPerRequest);
    let snapshots = client
        .create_table()
        .table_name("Snapshots")
        .key_schema(key("AggregateTypeAndId", KeyType::Hash))
        .attribute_definitions(attribute("AggregateTypeAndId", ScalarAttributeType::S))
        .billing_mode(BillingMode::PayPerRequest);
    for table in [events, snapshots] {
        if let Err(error) = table.send().await {
            let exists = error
                .as_service_error()
                .is_some_and(|e| e.is_resource_in_use_exception());
            assert!(exists, "dynamo-es's table: {error:?}");
        }
    }
}

impl Peers {
    async fn commit(&self, events: usize) -> PeerRow {
        let ours = event_store_cqrs::<CqrsAccount>(self.ours.store.clone(), vec![], ());
        let dynamo_es =
            dynamo_es::dynamodb_cqrs::<CqrsAccount>(self.dynamo_client.clone(), vec![], ());
        let mut row = PeerRow {
            workload: format!(
                "a command of {events} deposit{} (load + commit)",
                plural(events)
            ),
            ours: Figures::default(),
            dynamo_es: Figures::default(),
            seed_002: Some(Figures::default()),
        };
        for _ in 0..REPETITIONS {
            add(
                &mut row.ours,
                command(&ours, &self.ours.meter, events).await,
            );
            add(
                &mut row.dynamo_es,
                command(&dynamo_es, &self.dynamo_meter, events).await,
            );
            let seed_002 = row.seed_002.as_mut().expect("seed 002 commits");
            add(seed_002, self.seed_002_commit(events).await);
        }
        for figures in [&mut row.ours, &mut row.dynamo_es] {
            average(figures);
        }
        average(row.seed_002.as_mut().expect("seed 002 commits"));
        row
    }

    /// Seed 002's append of the same events (the store's item mapping) after the account's
    /// creation.
    async fn seed_002_commit(&self, events: usize) -> Figures {
        let id = uuid::Uuid::new_v4().to_string();
        let stream = stream_of(CqrsAccount::TYPE, &id).expect("a stream");
        // The account's creation, then the command's deposits.
        let nonce = uuid::Uuid::new_v4();
        let new_events: Vec<NewEvent> = account_events(&id, events + 1)
            .iter()
            .map(|event| to_new_event(event, &nonce).expect("maps"))
            .collect();
        let table = self.ours.store.table().to_owned();
        let client = &self.ours.client;
        seed_002_baseline::append(client, &table, &stream, &new_events[..1]).await;
        measure(&self.ours.meter, async {
            seed_002_baseline::append(client, &table, &stream, &new_events[1..]).await;
            None
        })
        .await
    }

    async fn load(&self, events: usize) -> PeerRow {
        let ours_repository = DynamoStoreRepository::new(self.ours.store.clone());
        let ours_id = uuid::Uuid::new_v4().to_string();
        seed(
            &ours_repository,
            &ours_id,
            events,
            DedupeScope::Store.max_events_per_append(),
        )
        .await;
        let dynamo_repository = DynamoEventRepository::new(self.dynamo_client.clone());
        let dynamo_id = uuid::Uuid::new_v4().to_string();
        seed(&dynamo_repository, &dynamo_id, events, DYNAMO_ES_BATCH).await;

        let ours = event_store_cqrs::<CqrsAccount>(self.ours.store.clone(), vec![], ());
        let dynamo_es =
            dynamo_es::dynamodb_cqrs::<CqrsAccount>(self.dynamo_client.clone(), vec![], ());
        PeerRow {
            workload: format!("load a stream of {} events", thousands(events)),
            ours: load(
                PersistedEventStore::new_event_store(ours_repository),
                &ours,
                &self.ours.meter,
                &ours_id,
                events,
            )
            .await,
            dynamo_es: load(
                PersistedEventStore::new_event_store(dynamo_repository),
                &dynamo_es,
                &self.dynamo_meter,
                &dynamo_id,
                events,
            )
            .await,
            seed_002: None,
        }
    }
}

/// A command of `events` deposits on a new account (opened first, not measured).
async fn command<ES: EventStore<CqrsAccount>>(
    cqrs: &CqrsFramework<CqrsAccount, ES>,
    meter: &CapacityMeter,
    events: usize,
) -> Figures {
    let id = uuid::Uuid::new_v4().to_string();
    cqrs.execute(&id, open(&id)).await.expect("opened");
    measure(meter, async {
        cqrs.execute(&id, deposits(1, events, DEPOSIT))
            .await
            .expect("committed");
        None
    })
    .await
}

/// Loads `id` (`events` long) and says whether all of it came back; when not, what the next
/// command on it gets.
async fn load<R: PersistedEventRepository>(
    store: PersistedEventStore<R, CqrsAccount>,
    cqrs: &CqrsFramework<CqrsAccount, impl EventStore<CqrsAccount>>,
    meter: &CapacityMeter,
    id: &str,
    events: usize,
) -> Figures {
    let mut figures = measure(meter, async {
        Some(match store.load_aggregate(id).await {
            Err(error) => format!("**error**: {error}"),
            Ok(context) => {
                let balance = context.aggregate.0.balance;
                let expected = (events as i64 - 1) * (DEPOSIT * 100.0) as i64;
                if context.current_sequence == events && balance == expected {
                    "ok".to_owned()
                } else {
                    format!(
                        "**truncated, no error**: {} of {} events",
                        thousands(context.current_sequence),
                        thousands(events)
                    )
                }
            }
        })
    })
    .await;
    if figures.outcome.as_deref() != Some("ok") {
        let next = cqrs.execute(id, deposits(events, 1, DEPOSIT)).await;
        let next = match next {
            Ok(()) => "succeeds".to_owned(),
            Err(error) => format!("{error:?}"),
        };
        if let Some(outcome) = figures.outcome.as_mut() {
            outcome.push_str(&format!("; the next command: {next}"));
        }
    }
    meter.reset();
    figures
}

/// The account's events for opening `id` and `events - 1` deposits, as cqrs-es serializes
/// them at sequences 1..=events.
fn account_events(id: &str, events: usize) -> Vec<SerializedEvent> {
    let mut account = CqrsAccount::default();
    let mut commands: Vec<AccountCommand> = open(id);
    commands.extend(deposits(1, events - 1, DEPOSIT));
    commands
        .into_iter()
        .enumerate()
        .flat_map(|(offset, command)| {
            let decided =
                event_store_domain::Aggregate::decide(&account.0, command).expect("decided");
            let serialized: Vec<SerializedEvent> = decided
                .into_iter()
                .map(|event| {
                    let event = CqrsAccountEvent(event);
                    account.apply(event.clone());
                    SerializedEvent::new(
                        id.to_owned(),
                        offset + 1,
                        CqrsAccount::TYPE.to_owned(),
                        event.event_type(),
                        event.event_version(),
                        serde_json::to_value(&event).expect("serializes"),
                        serde_json::json!({}),
                    )
                })
                .collect();
            serialized
        })
        .collect()
}

/// Writes a stream of `events` through `repository`'s own `persist`, `batch` events a commit.
async fn seed(repository: &impl PersistedEventRepository, id: &str, events: usize, batch: usize) {
    for chunk in account_events(id, events).chunks(batch) {
        repository
            .persist::<CqrsAccount>(chunk, None)
            .await
            .expect("seeded");
    }
}

async fn measure(
    meter: &CapacityMeter,
    work: impl std::future::Future<Output = Option<String>>,
) -> Figures {
    meter.reset();
    let cpu = ProcessCpu::now();
    let outcome = work.await;
    let cpu_micros = cpu.elapsed_micros();
    let usage = meter.usage();
    Figures {
        requests: usage.total_requests() as f64,
        write_units: usage.write_units,
        read_units: usage.read_units,
        cpu_micros,
        outcome,
    }
}

fn add(total: &mut Figures, one: Figures) {
    total.requests += one.requests;
    total.write_units += one.write_units;
    total.read_units += one.read_units;
    total.cpu_micros += one.cpu_micros;
}

fn average(total: &mut Figures) {
    let n = REPETITIONS as f64;
    total.requests /= n;
    total.write_units /= n;
    total.read_units /= n;
    total.cpu_micros /= n;
}

fn plural(count: usize) -> &'static str {
    if count == 1 {
        ""
    } else {
        "s"
    }
}

/// `10000` as `10,000`.
pub fn thousands(value: usize) -> String {
    let digits = value.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

impl Figures {
    /// The cell of a table: requests, units, CPU and, for loads, the outcome.
    pub fn cell(&self) -> String {
        let mut cell = format!(
            "{} req, {} WRU, {} RRU, {} µs",
            round(self.requests),
            round(self.write_units),
            round(self.read_units),
            thousands(self.cpu_micros.round() as usize)
        );
        if let Some(outcome) = &self.outcome {
            cell.push_str(&format!("; {outcome}"));
        }
        cell
    }
}

fn round(value: f64) -> String {
    if (value - value.round()).abs() < 0.05 {
        thousands(value.round() as usize)
    } else {
        format!("{value:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capacity::index_entries;
    use aws_sdk_dynamodb::primitives::Blob;
    use aws_sdk_dynamodb::types::AttributeValue;
    use std::collections::HashMap;

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(10_000), "10,000");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn a_dynamo_es_item_has_no_index_entries_and_is_priced_by_its_size() {
        // dynamo-es's event item: its attribute names, the payload and metadata as JSON bytes.
        let item: HashMap<String, AttributeValue> = [
            (
                "AggregateTypeAndId",
                AttributeValue::S("Account:a-1".into()),
            ),
            ("AggregateIdSequence", AttributeValue::N("12".into())),
            ("AggregateType", AttributeValue::S("Account".into())),
            ("AggregateId", AttributeValue::S("a-1".into())),
            ("EventVersion", AttributeValue::S("1.0".into())),
            (
                "EventType",
                AttributeValue::S("TransactionProcessed".into()),
            ),
            ("Payload", AttributeValue::B(Blob::new(vec![b'x'; 900]))),
            ("Metadata", AttributeValue::B(Blob::new(b"{}".to_vec()))),
        ]
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value))
        .collect();
        assert!(index_entries(&item).is_empty());
        // names 18+19+13+11+12+9+7+8 = 97 bytes; values 11+2+7+3+3+20+900+2 = 948: 1,045 bytes,
        // 2 started KB, 4 WRU in a transaction
        let bytes = event_store_dynamodb::item_size::item_size(&item);
        assert_eq!(bytes, 1045);
        assert_eq!(event_store_dynamodb::item_size::write_units(bytes), 2);
    }
}
