//! Test support: a store on the local AWS endpoint (moto's server, started by
//! `tests/local-aws.sh`) through the real SDK, with every request counted by operation.
#![forbid(unsafe_code)]

pub mod bench;
pub mod bus;
pub mod capacity;
pub mod costs;
pub mod cqrs_account;
pub mod fault_proxy;
pub mod http_message;
pub mod invoke;
pub mod read_models;
pub mod readme;
pub mod runtime_api;
pub mod streams;
pub mod ttl;

use aws_sdk_dynamodb::Client;
use event_store_domain::{
    EventCatalog, EventType, JsonMergeReducer, NewEvent, RecordedEvent, Settings, Snapshot, State,
    StreamId, StreamRead, Version,
};
use event_store_dynamodb::{
    create_events_table, create_keys_table, ensure_personal_data_key, DynamoEventStore, SubjectKeys,
};
use serde_json::Value;

pub use capacity::{CapacityMeter, Usage};

/// A store on the local endpoint and the meter of its requests.
#[derive(Debug)]
pub struct LocalStore {
    /// The store under test.
    pub store: DynamoEventStore,
    /// Its requests and the capacity they cost.
    pub meter: CapacityMeter,
    /// The raw client, for checks below the store's API.
    pub client: Client,
}

impl LocalStore {
    /// Every event of `stream`, oldest first, following page tokens.
    pub async fn all_events(&self, stream: &StreamId) -> Vec<RecordedEvent> {
        let mut read = StreamRead::forward(1000);
        let mut events = Vec::new();
        loop {
            let page = self
                .store
                .read_stream(stream, &read)
                .await
                .expect("readable");
            events.extend(page.items);
            match page.next_page_token {
                Some(token) => read.page.page_token = Some(token),
                None => return events,
            }
        }
    }

    /// Takes a snapshot of `stream` at `version`, folded with the JSON merge reducer.
    pub async fn snapshot_at(&self, stream: &StreamId, version: u64) {
        let events: Vec<RecordedEvent> = self
            .all_events(stream)
            .await
            .into_iter()
            .filter(|e| e.version.get() <= version)
            .collect();
        let state = State::fold(&JsonMergeReducer, stream.clone(), None, &events).expect("folds");
        let snapshot = Snapshot {
            stream_id: stream.clone(),
            version: Version::new(version),
            aggregate_type: None,
            state: state.state,
            taken_at: chrono::Utc::now(),
        };
        self.store
            .write_snapshot(&snapshot)
            .await
            .expect("snapshot stored");
    }
}

/// The message ids an SQS batch response reports failed, sorted.
pub fn failed_message_ids(answer: &Value) -> Vec<String> {
    let mut failed: Vec<String> = answer["batchItemFailures"]
        .as_array()
        .unwrap_or_else(|| panic!("not a batch response: {answer}"))
        .iter()
        .map(|f| f["itemIdentifier"].as_str().expect("an id").to_owned())
        .collect();
    failed.sort();
    failed
}

/// The local endpoint, or a clear failure: these tests never silently skip.
pub fn endpoint() -> String {
    std::env::var("AWS_ENDPOINT_URL").unwrap_or_else(|_| {
        panic!("AWS_ENDPOINT_URL is not set: run the tests with `make test`, which starts the local AWS endpoint")
    })
}

/// A DynamoDB client on the local endpoint that meters its requests.
pub async fn metered_client() -> (Client, CapacityMeter) {
    endpoint();
    let shared = event_store_dynamodb::sdk_config().await;
    let meter = CapacityMeter::default();
    let config = aws_sdk_dynamodb::config::Builder::from(&shared)
        .interceptor(meter.clone())
        .build();
    (Client::from_conf(config), meter)
}

/// A store over a new events table of its own, with `settings` tweaks applied. A table per test
/// keeps tests apart and keeps moto fast: it copies a whole table for every transaction action.
pub async fn local_store_with(tweak: impl FnOnce(&mut Settings)) -> LocalStore {
    let (client, meter) = metered_client().await;
    let table = format!("events-{}", uuid::Uuid::new_v4());
    create_events_table(&client, &table)
        .await
        .expect("the test events table can be created");
    let mut settings = Settings::for_table(table);
    // Tests query every index; `tests/store_indexes.rs` holds the default set to its promise.
    settings.indexes = Some(event_store_domain::EnabledIndexes::all());
    tweak(&mut settings);
    meter.reset();
    LocalStore {
        store: DynamoEventStore::new(client.clone(), &settings),
        meter,
        client,
    }
}

/// A store over a new events table with default settings.
pub async fn local_store() -> LocalStore {
    local_store_with(|_| {}).await
}

/// The KMS key that wraps the tests' subject keys (made once, kept by the endpoint).
pub const TEST_PERSONAL_DATA_KEY: &str = "alias/event-store-tests-personal-data";

/// A store over new events and keys tables of its own, with `fixtures/event-types.json`'s event
/// types (customers' personal data) and the tests' KMS key; the meter counts KMS requests too.
pub async fn local_store_with_personal_data() -> LocalStore {
    local_store_with_personal_data_and(|_| {}).await
}

/// [`local_store_with_personal_data`] with `settings` tweaks applied.
pub async fn local_store_with_personal_data_and(tweak: impl FnOnce(&mut Settings)) -> LocalStore {
    let mut local = local_store_with(tweak).await;
    let keys_table = format!("keys-{}", uuid::Uuid::new_v4());
    create_keys_table(&local.client, &keys_table)
        .await
        .expect("the test keys table can be created");
    let kms = metered_kms(&local.meter).await;
    ensure_personal_data_key(&kms, TEST_PERSONAL_DATA_KEY)
        .await
        .expect("the tests' KMS key");
    let catalog = EventCatalog::from_json(&fixture("event-types.json").to_string())
        .expect("fixtures/event-types.json is a valid event types file");
    local.store = local
        .store
        .clone()
        .with_catalog(catalog)
        .with_subject_keys(SubjectKeys::new(
            local.client.clone(),
            kms,
            keys_table,
            TEST_PERSONAL_DATA_KEY,
        ));
    local.meter.reset();
    local
}

/// A KMS client on the local endpoint whose requests `meter` counts.
pub async fn metered_kms(meter: &CapacityMeter) -> aws_sdk_kms::Client {
    let shared = event_store_dynamodb::sdk_config().await;
    let config = aws_sdk_kms::config::Builder::from(&shared)
        .interceptor(meter.clone())
        .build();
    aws_sdk_kms::Client::from_conf(config)
}

/// A file of `fixtures/` as JSON, e.g. `fixture("events/seed-004-account-created.json")`.
pub fn fixture(path: &str) -> Value {
    let full = format!("{}/../fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{full}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{full}: {e}"))
}

/// A stream id no other test uses.
pub fn fresh_stream(prefix: &str) -> StreamId {
    StreamId::new(format!("{prefix}-{}", uuid::Uuid::new_v4())).expect("valid stream id")
}

/// A new event of `event_type` with `data`.
pub fn event(event_type: &str, data: Value) -> NewEvent {
    NewEvent::new(EventType::new(event_type).expect("valid event type"), data)
}
