//! Test support: a store on the local AWS endpoint (moto's server, started by
//! `tests/local-aws.sh`) through the real SDK, with every request counted by operation.
#![forbid(unsafe_code)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::Client;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use event_store_domain::{EventType, NewEvent, Settings, StreamId};
use event_store_dynamodb::{create_events_table, DynamoEventStore};
use serde_json::Value;

/// Counts the requests sent (every attempt, retries included), by API operation.
#[derive(Debug, Clone, Default)]
pub struct RequestCounter(Arc<Mutex<BTreeMap<String, usize>>>);

impl RequestCounter {
    /// Requests sent so far, by operation.
    pub fn snapshot(&self) -> BTreeMap<String, usize> {
        self.0.lock().expect("counter lock").clone()
    }

    /// Requests sent so far, all operations.
    pub fn total(&self) -> usize {
        self.snapshot().values().sum()
    }

    /// Forgets what was counted.
    pub fn reset(&self) {
        self.0.lock().expect("counter lock").clear();
    }
}

impl Intercept for RequestCounter {
    fn name(&self) -> &'static str {
        "RequestCounter"
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
            .expect("counter lock")
            .entry(operation)
            .or_default() += 1;
        Ok(())
    }
}

/// A store on the local endpoint and the counter of its requests.
#[derive(Debug)]
pub struct LocalStore {
    /// The store under test.
    pub store: DynamoEventStore,
    /// Its requests.
    pub requests: RequestCounter,
    /// The raw client, for checks below the store's API.
    pub client: Client,
}

/// The local endpoint, or a clear failure: these tests never silently skip.
pub fn endpoint() -> String {
    std::env::var("AWS_ENDPOINT_URL").unwrap_or_else(|_| {
        panic!("AWS_ENDPOINT_URL is not set: run the tests with `make test`, which starts the local AWS endpoint")
    })
}

/// A DynamoDB client on the local endpoint that counts its requests.
pub async fn counted_client() -> (Client, RequestCounter) {
    endpoint();
    let shared = event_store_dynamodb::sdk_config().await;
    let requests = RequestCounter::default();
    let config = aws_sdk_dynamodb::config::Builder::from(&shared)
        .interceptor(requests.clone())
        .build();
    (Client::from_conf(config), requests)
}

/// A store over a new events table of its own, with `settings` tweaks applied. A table per test
/// keeps tests apart and keeps moto fast: it copies a whole table for every transaction action.
pub async fn local_store_with(tweak: impl FnOnce(&mut Settings)) -> LocalStore {
    let (client, requests) = counted_client().await;
    let table = format!("events-{}", uuid::Uuid::new_v4());
    create_events_table(&client, &table)
        .await
        .expect("the test events table can be created");
    let mut settings = Settings {
        events_table: table,
        event_ttl_days: None,
        snapshot_every: Settings::DEFAULT_SNAPSHOT_EVERY,
    };
    tweak(&mut settings);
    requests.reset();
    LocalStore {
        store: DynamoEventStore::new(client.clone(), &settings),
        requests,
        client,
    }
}

/// A store over a new events table with default settings.
pub async fn local_store() -> LocalStore {
    local_store_with(|_| {}).await
}

/// A stream id no other test uses.
pub fn fresh_stream(prefix: &str) -> StreamId {
    StreamId::new(format!("{prefix}-{}", uuid::Uuid::new_v4())).expect("valid stream id")
}

/// A new event of `event_type` with `data`.
pub fn event(event_type: &str, data: Value) -> NewEvent {
    NewEvent::new(EventType::new(event_type).expect("valid event type"), data)
}
