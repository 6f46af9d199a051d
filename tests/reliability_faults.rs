//! Faults between the SDK and the local endpoint (our proxy in `support/fault_proxy.rs`): dropped
//! connections before and after a write, HTTP 500 after a write, throttling errors and added
//! latency, on a fixed schedule. Appends at expected versions, appends through the bus path and
//! projections must end with nothing lost, nothing doubled, and a bounded number of retries. And
//! the projector handed the same stream batch twice must leave every read model as it was.

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_smithy_types::retry::RetryConfig;
use event_store_domain::{
    AppendRequest, Error, EventId, ExpectedVersion, PageRequest, ReducerRegistry, StreamId, Version,
};
use event_store_dynamodb::{DynamoEventStore, DynamoReadModels};
use event_store_tests::fault_proxy::{Fault, FaultProxy};
use event_store_tests::read_models::{all_documents, fixture_read_models, projections_table};
use event_store_tests::streams::{batch, stream_records};
use event_store_tests::{endpoint, event, fresh_stream, local_store, LocalStore};
use projector::Projector;
use serde_json::json;

/// SDK attempts per request (the SDK's default is 3; two faults can follow each other here).
const SDK_ATTEMPTS: u32 = 5;
/// Times the caller sends an append again when the SDK gave up, as a Lambda retry would.
const CALLER_ATTEMPTS: u32 = 4;

/// Four requests in ten meet a fault, of every kind, at fixed places; one in ten is delayed.
fn schedule(request: u64) -> Option<Fault> {
    match request % 10 {
        1 => Some(Fault::DropAfter),
        3 => Some(Fault::ServerErrorAfter),
        5 => Some(Fault::Throttle),
        6 => Some(Fault::DropBefore),
        8 => Some(Fault::Latency(Duration::from_millis(20))),
        _ => None,
    }
}

/// A DynamoDB client whose requests go through the proxy, with short backoffs.
async fn faulty_client(proxy: &FaultProxy) -> Client {
    let shared = event_store_dynamodb::sdk_config().await;
    let config = aws_sdk_dynamodb::config::Builder::from(&shared)
        .endpoint_url(&proxy.endpoint)
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(SDK_ATTEMPTS)
                .with_initial_backoff(Duration::from_millis(5))
                .with_max_backoff(Duration::from_millis(50)),
        )
        .build();
    Client::from_conf(config)
}

/// The local store, and the same store seen through a faulty proxy.
async fn faulty_store() -> (LocalStore, DynamoEventStore, FaultProxy) {
    let local = local_store().await;
    let proxy = FaultProxy::start(&endpoint(), schedule).await;
    let store = DynamoEventStore::new(faulty_client(&proxy).await, local.store.settings());
    (local, store, proxy)
}

/// Sends `request` until it is taken, as a caller retrying on `Unavailable` would; any other
/// error fails the test.
async fn append_until_taken(store: &DynamoEventStore, request: &AppendRequest) -> Version {
    for _ in 0..CALLER_ATTEMPTS {
        match store.append(request).await {
            Ok(outcome) => return outcome.last_version(),
            Err(Error::Unavailable(reason)) => {
                eprintln!("caller retries after: {reason}");
            }
            Err(other) => panic!("{}: {other}", request.stream_id()),
        }
    }
    panic!(
        "{}: not taken after {CALLER_ATTEMPTS} attempts",
        request.stream_id()
    )
}

/// Every event id of `stream`, checking versions run 1..=n.
async fn stored_ids(local: &LocalStore, stream: &StreamId) -> Vec<String> {
    let events = local.all_events(stream).await;
    let versions: Vec<u64> = events.iter().map(|e| e.version.get()).collect();
    assert_eq!(versions, (1..=events.len() as u64).collect::<Vec<_>>());
    events.iter().map(|e| e.event_id.to_string()).collect()
}

fn assert_every_fault_happened(proxy: &FaultProxy) {
    let log = proxy.log();
    eprintln!(
        "fault proxy: {} requests, {} faults ({} dropped after the write, {} HTTP 500 after the write)",
        log.requests,
        log.faults.len(),
        log.faults.iter().filter(|f| **f == Fault::DropAfter).count(),
        log.faults.iter().filter(|f| **f == Fault::ServerErrorAfter).count(),
    );
    let kinds: HashSet<Fault> = log.faults.iter().copied().collect();
    for fault in [
        Fault::DropAfter,
        Fault::ServerErrorAfter,
        Fault::Throttle,
        Fault::DropBefore,
    ] {
        assert!(kinds.contains(&fault), "{fault:?} never happened: {log:?}");
    }
}

#[tokio::test]
async fn appends_at_expected_versions_through_faults_are_stored_once_in_order() {
    let (local, store, proxy) = faulty_store().await;
    let stream = fresh_stream("faults-occ");
    let mut version = Version::NONE;
    let mut expected_ids = Vec::new();
    for n in 0..40 {
        let events: Vec<_> = (0..(1 + n % 3))
            .map(|k| {
                let id = format!("e-{n}-{k}");
                expected_ids.push(id.clone());
                event("Tick", json!({"n": n})).with_id(EventId::new(id).unwrap())
            })
            .collect();
        let request =
            AppendRequest::new(stream.clone(), ExpectedVersion::Exact(version), events).unwrap();
        version = append_until_taken(&store, &request).await;
    }
    assert_eq!(stored_ids(&local, &stream).await, expected_ids);
    assert_every_fault_happened(&proxy);
    let log = proxy.log();
    assert!(
        log.requests <= 40 * 2 * u64::from(SDK_ATTEMPTS * CALLER_ATTEMPTS),
        "retries are bounded: {} requests",
        log.requests
    );
}

#[tokio::test]
async fn bus_path_batches_through_faults_are_stored_exactly_once() {
    let (local, store, proxy) = faulty_store().await;
    let streams: Vec<StreamId> = (0..3).map(|_| fresh_stream("faults-any")).collect();
    let mut expected: BTreeMap<StreamId, Vec<String>> = BTreeMap::new();
    for round in 0..6 {
        for stream in &streams {
            let events: Vec<_> = (0..8)
                .map(|k| {
                    let id = format!("{stream}-{round}-{k}");
                    expected.entry(stream.clone()).or_default().push(id.clone());
                    event("Tick", json!({"k": k})).with_id(EventId::new(id).unwrap())
                })
                .collect();
            let request = AppendRequest::new(stream.clone(), ExpectedVersion::Any, events).unwrap();
            append_until_taken(&store, &request).await;
        }
    }
    for stream in &streams {
        assert_eq!(stored_ids(&local, stream).await, expected[stream]);
    }
    assert_every_fault_happened(&proxy);
}

/// Appends seed 003's items to `stream`: created, changed, some deleted.
async fn append_items(local: &LocalStore, stream: &StreamId, items: u64) {
    let mut events = Vec::new();
    for item in 0..items {
        let id = format!("{stream}-{item}");
        events.push(event("ITEM_CREATED", json!({"itemId": id, "amount": item})));
        events.push(event(
            "ITEM_AMOUNT_CHANGED",
            json!({"itemId": id, "amount": item * 10}),
        ));
        if item % 3 == 0 {
            events.push(event("ITEM_DELETED", json!({"itemId": id})));
        }
    }
    let request = AppendRequest::new(stream.clone(), ExpectedVersion::NoStream, events).unwrap();
    local.store.append(&request).await.unwrap();
}

#[tokio::test]
async fn projections_through_faults_apply_every_event_once() {
    let (local, faulty_events, proxy) = faulty_store().await;
    let stream = fresh_stream("faults-projected");
    append_items(&local, &stream, 12).await;
    let events = local.all_events(&stream).await;

    let clean = projections_table(&local, "faults").await;
    let reference = Projector::new(
        local.store.clone(),
        clean.clone(),
        fixture_read_models(),
        ReducerRegistry::with_examples(),
    );
    let generations = reference.generations().await.unwrap();
    for event in &events {
        reference.project(event, &generations).await.unwrap();
    }

    let faulty_client = faulty_client(&proxy).await;
    let through_faults = projections_table(&local, "faults").await;
    let faulty_read_models = DynamoReadModels::new(faulty_client, through_faults.table());
    let projector = Projector::new(
        faulty_events,
        faulty_read_models,
        fixture_read_models(),
        ReducerRegistry::with_examples(),
    );
    for event in &events {
        let mut attempts = 0;
        loop {
            attempts += 1;
            let generations = match projector.generations().await {
                Ok(generations) => generations,
                Err(error) if attempts < CALLER_ATTEMPTS => {
                    eprintln!("batch retried after: {error}");
                    continue;
                }
                Err(error) => panic!("{error}"),
            };
            match projector.project(event, &generations).await {
                Ok(_) => break,
                Err(error) if attempts < CALLER_ATTEMPTS => {
                    eprintln!("record retried after: {error}")
                }
                Err(error) => panic!("version {}: {error}", event.version),
            }
        }
    }
    assert_eq!(
        all_documents(&through_faults, "testItems").await,
        all_documents(&clean, "testItems").await
    );
    let summary = through_faults
        .get("$streams", stream.as_str())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        summary.document.unwrap()["count"],
        json!(events.len()),
        "each event counted once"
    );
    assert_every_fault_happened(&proxy);
}

#[tokio::test]
async fn the_same_stream_batch_delivered_twice_changes_no_read_model() {
    let local = local_store().await;
    let stream = fresh_stream("twice");
    append_items(&local, &stream, 6).await;
    let read_models = projections_table(&local, "twice").await;
    let projector = Projector::new(
        local.store.clone(),
        read_models.clone(),
        fixture_read_models(),
        ReducerRegistry::with_examples(),
    );
    let records = stream_records(&local).await;
    let first = projector.handle(batch(&records)).await;
    assert!(first.batch_item_failures.is_empty());
    let after_first = every_stored_document(&read_models, &stream).await;
    let second = projector.handle(batch(&records)).await;
    assert!(second.batch_item_failures.is_empty());
    assert_eq!(
        every_stored_document(&read_models, &stream).await,
        after_first,
        "a redelivered batch rewrote a document"
    );
}

/// The stored form (revision and time included) of every document the stream touched.
async fn every_stored_document(read_models: &DynamoReadModels, stream: &StreamId) -> Vec<String> {
    let mut stored = Vec::new();
    for model in ["testItems", "$streams"] {
        let listed = read_models
            .list(
                model,
                &PageRequest {
                    limit: Some(500),
                    page_token: None,
                },
            )
            .await
            .unwrap();
        assert!(listed.next_page_token.is_none());
        stored.extend(
            listed
                .items
                .iter()
                .map(|d| serde_json::to_string(d).unwrap()),
        );
    }
    let summary = read_models.get("$streams", stream.as_str()).await.unwrap();
    stored.push(serde_json::to_string(&summary).unwrap());
    stored
}

/// The connection opened during a function's init (`CONNECT_AT_INIT`) against an endpoint that
/// never answers: one attempt, given up after `WARM_UP_LIMIT`, so init is not held to Lambda's
/// 10 s limit; and an endpoint that drops the connection is not retried either.
#[tokio::test]
async fn opening_the_connection_at_init_is_one_bounded_attempt() {
    let local = local_store().await;
    for fault in [Fault::Latency(Duration::from_secs(60)), Fault::DropBefore] {
        let proxy = FaultProxy::start(&endpoint(), move |_| Some(fault)).await;
        let store = DynamoEventStore::new(faulty_client(&proxy).await, local.store.settings());
        let started = std::time::Instant::now();
        let outcome = store.open_connection().await;
        let waited = started.elapsed();
        assert!(outcome.is_err(), "{fault:?}: the warm-up reports it failed");
        assert!(
            waited < event_store_dynamodb::WARM_UP_LIMIT + Duration::from_secs(1),
            "{fault:?}: the warm-up gave up after {waited:?}"
        );
        assert_eq!(
            proxy.log().requests,
            1,
            "{fault:?}: one attempt, not retried"
        );
    }
    store_opens_its_connection_on_the_endpoint(&local).await;
}

async fn store_opens_its_connection_on_the_endpoint(local: &LocalStore) {
    let started = std::time::Instant::now();
    local
        .store
        .open_connection()
        .await
        .expect("the local endpoint answers");
    assert!(started.elapsed() < event_store_dynamodb::WARM_UP_LIMIT);
}
