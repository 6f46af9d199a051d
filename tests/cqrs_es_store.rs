//! cqrs-es on the store: seed 004's account through `CqrsFramework` over
//! `cqrs-es-dynamodb-store`, against the local endpoint through the real SDK: commands and
//! loads, the optimistic lock between two frameworks (even for byte-identical commits), a commit
//! whose answer was lost, paged loads that refuse holes, snapshots (placed only where the
//! repository's mode says, a projector's never read as cqrs-es's, a failed write never an error
//! nor a stale aggregate).

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::config::retry::RetryConfig;
use aws_sdk_dynamodb::Client;
use cqrs_es::persist::{
    PersistedEventRepository, PersistedEventStore, PersistenceError, SerializedEvent,
};
use cqrs_es::{Aggregate, AggregateError, DomainEvent, EventStore};
use cqrs_es_dynamodb_store::{
    event_store_aggregate_cqrs, event_store_cqrs, event_store_snapshot_cqrs, stream_of,
    DynamoStoreRepository,
};
use event_store_domain::{AccountCreated, AccountEvent, Snapshot, StreamId, Version};
use event_store_dynamodb::DynamoEventStore;
use event_store_tests::cqrs_account::{deposits, open, withdrawal, CqrsAccount, CqrsAccountEvent};
use event_store_tests::fault_proxy::{Fault, FaultProxy};
use event_store_tests::{endpoint, local_store, LocalStore};

fn fresh_account() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn stream(id: &str) -> StreamId {
    stream_of(CqrsAccount::TYPE, id).expect("a stream id")
}

fn event_store(
    store: &DynamoEventStore,
) -> PersistedEventStore<DynamoStoreRepository, CqrsAccount> {
    PersistedEventStore::new_event_store(DynamoStoreRepository::new(store.clone()))
}

async fn balance(store: &DynamoEventStore, id: &str) -> (i64, usize) {
    let context = event_store(store).load_aggregate(id).await.expect("loads");
    (context.aggregate.0.balance, context.current_sequence)
}

#[tokio::test]
async fn commands_run_through_the_framework_and_load_back_with_their_metadata() {
    let local = local_store().await;
    let cqrs = event_store_cqrs::<CqrsAccount>(local.store.clone(), vec![], ());
    let id = fresh_account();
    cqrs.execute(&id, open(&id)).await.expect("opened");
    let metadata = HashMap::from([("user".to_owned(), "customer-456".to_owned())]);
    cqrs.execute_with_metadata(&id, deposits(1, 1, 100.50), metadata)
        .await
        .expect("deposited");
    cqrs.execute(&id, withdrawal("tx-w", 30.25))
        .await
        .expect("withdrawn");
    let refused = cqrs.execute(&id, withdrawal("tx-big", 1000.0)).await;
    assert!(matches!(refused, Err(AggregateError::UserError(_))));

    assert_eq!(balance(&local.store, &id).await, (7025, 3));
    let stored = local.all_events(&stream(&id)).await;
    assert_eq!(
        stored
            .iter()
            .map(|e| e.event_type.as_str())
            .collect::<Vec<_>>(),
        [
            "AccountCreated",
            "TransactionProcessed",
            "TransactionProcessed"
        ]
    );
    assert_eq!(stored[1].metadata.extra["user"], "customer-456");
    assert_eq!(stored[1].metadata.schema_version.as_deref(), Some("1.0"));
    assert_eq!(
        stored[1].aggregate_type.as_ref().unwrap().as_str(),
        "Account"
    );

    let events = event_store(&local.store)
        .load_events(&id)
        .await
        .expect("loads");
    assert_eq!(events.len(), 3);
    assert_eq!(events[1].metadata["user"], "customer-456");
    assert_eq!(events[1].payload.event_version(), "1.0");
}

#[tokio::test]
async fn a_commit_on_a_stale_aggregate_is_an_aggregate_conflict_whatever_it_holds() {
    let local = local_store().await;
    let first = event_store_cqrs::<CqrsAccount>(local.store.clone(), vec![], ());
    let second = event_store(&local.store);
    let id = fresh_account();
    first.execute(&id, open(&id)).await.expect("opened");

    // The second framework's store loads, the first commits, the second commits on what it read:
    // with the same (empty) metadata its event has the first's id with other content, with
    // other metadata another id at a taken version; both are the optimistic lock.
    for (amount, metadata) in [
        (20.0, HashMap::new()),
        (30.0, HashMap::from([("c".into(), "2".into())])),
    ] {
        let stale = second.load_aggregate(&id).await.expect("loads");
        first
            .execute(&id, deposits(0, 1, 10.0))
            .await
            .expect("first commit");
        let deposit = event_for(&stale.aggregate, deposits(9, 1, amount)).await;
        let conflict = second.commit(deposit, stale, metadata).await;
        assert!(
            matches!(conflict, Err(AggregateError::AggregateConflict)),
            "{conflict:?}"
        );
    }
    assert_eq!(balance(&local.store, &id).await, (2000, 3));
}

/// The events `aggregate` decides for `commands`.
async fn event_for(
    aggregate: &CqrsAccount,
    commands: Vec<event_store_domain::AccountCommand>,
) -> Vec<CqrsAccountEvent> {
    let sink = cqrs_es::event_sink::EventSink::default();
    aggregate
        .clone()
        .handle(commands, &(), &sink)
        .await
        .expect("decided");
    sink.collect().await
}

/// A client through `proxy`, with `attempts` SDK attempts and short backoffs.
async fn client_through(proxy: &FaultProxy, attempts: u32) -> Client {
    let shared = event_store_dynamodb::sdk_config().await;
    let config = aws_sdk_dynamodb::config::Builder::from(&shared)
        .endpoint_url(&proxy.endpoint)
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(attempts)
                .with_initial_backoff(Duration::from_millis(5))
                .with_max_backoff(Duration::from_millis(50)),
        )
        .build();
    Client::from_conf(config)
}

fn serialized(id: &str, sequence: usize, event: AccountEvent) -> SerializedEvent {
    let event = CqrsAccountEvent(event);
    SerializedEvent::new(
        id.to_owned(),
        sequence,
        CqrsAccount::TYPE.to_owned(),
        event.event_type(),
        event.event_version(),
        serde_json::to_value(&event).expect("serializes"),
        serde_json::json!({}),
    )
}

fn created(id: &str) -> SerializedEvent {
    serialized(
        id,
        1,
        AccountEvent::AccountCreated(AccountCreated {
            account_id: id.to_owned(),
            customer_id: "customer-456".into(),
            account_type: "checking".into(),
            created_at: None,
        }),
    )
}

#[tokio::test]
async fn a_persist_called_again_after_its_answer_was_lost_is_a_conflict_never_a_double() {
    let local = local_store().await;
    // The first request (the commit's one TransactWriteItems) is applied and its answer lost.
    let proxy = FaultProxy::start(&endpoint(), |n| (n == 0).then_some(Fault::DropAfter)).await;
    let faulty = DynamoEventStore::new(client_through(&proxy, 1).await, local.store.settings());
    let repository = DynamoStoreRepository::new(faulty);
    let id = fresh_account();
    let created = created(&id);
    let lost = repository
        .persist::<CqrsAccount>(std::slice::from_ref(&created), None)
        .await;
    assert!(
        matches!(lost, Err(PersistenceError::ConnectionError(_))),
        "{lost:?}"
    );
    assert_eq!(
        local.all_events(&stream(&id)).await.len(),
        1,
        "it was applied"
    );
    // A new persist is a new commit (its own nonce): the events already there are another's.
    let again = repository.persist::<CqrsAccount>(&[created], None).await;
    assert!(
        matches!(again, Err(PersistenceError::OptimisticLockError)),
        "{again:?}"
    );
    assert_eq!(local.all_events(&stream(&id)).await.len(), 1);
    assert_eq!(proxy.log().faults, vec![Fault::DropAfter]);
}

#[tokio::test]
async fn two_identical_commits_at_the_same_sequence_are_one_commit_and_one_conflict() {
    let local = local_store().await;
    let id = fresh_account();
    let first = DynamoStoreRepository::new(local.store.clone());
    let second = DynamoStoreRepository::new(local.store.clone());
    // Two writers decide byte-identical events at the same sequence (same metadata too).
    let events = [created(&id)];
    let (a, b) = tokio::join!(
        first.persist::<CqrsAccount>(&events, None),
        second.persist::<CqrsAccount>(&events, None)
    );
    let outcomes = [a, b];
    assert_eq!(
        outcomes.iter().filter(|o| o.is_ok()).count(),
        1,
        "{outcomes:?}"
    );
    assert!(
        outcomes
            .iter()
            .any(|o| matches!(o, Err(PersistenceError::OptimisticLockError))),
        "{outcomes:?}"
    );
    assert_eq!(local.all_events(&stream(&id)).await.len(), 1);

    // Through two frameworks: the same deposit decided on the same state, one is stored.
    let one = event_store_cqrs::<CqrsAccount>(local.store.clone(), vec![], ());
    let other = event_store(&local.store);
    let seen = other.load_aggregate(&id).await.expect("loads");
    let deposit = event_for(&seen.aggregate, deposits(1, 1, 5.0)).await;
    one.execute(&id, deposits(1, 1, 5.0))
        .await
        .expect("first commit");
    let conflict = other.commit(deposit, seen, HashMap::new()).await;
    assert!(
        matches!(conflict, Err(AggregateError::AggregateConflict)),
        "{conflict:?}"
    );
    assert_eq!(balance(&local.store, &id).await, (500, 2));
}

#[tokio::test]
async fn a_command_whose_commit_answer_was_lost_is_applied_once_through_the_sdks_retry() {
    let local = local_store().await;
    let id = fresh_account();
    event_store_cqrs::<CqrsAccount>(local.store.clone(), vec![], ())
        .execute(&id, open(&id))
        .await
        .expect("opened");
    // Request 0 loads the account, request 1 is the commit: applied, its answer lost.
    let proxy = FaultProxy::start(&endpoint(), |n| (n == 1).then_some(Fault::DropAfter)).await;
    let faulty = DynamoEventStore::new(client_through(&proxy, 3).await, local.store.settings());
    event_store_cqrs::<CqrsAccount>(faulty, vec![], ())
        .execute(&id, deposits(1, 1, 100.5))
        .await
        .expect("the SDK's retry finds the commit stored");
    assert_eq!(proxy.log().faults, vec![Fault::DropAfter]);
    assert_eq!(balance(&local.store, &id).await, (10050, 2));
}

async fn seeded(local: &LocalStore, id: &str, deposits_count: usize) {
    let cqrs = event_store_cqrs::<CqrsAccount>(local.store.clone(), vec![], ());
    cqrs.execute(id, open(id)).await.expect("opened");
    for chunk in 0..deposits_count.div_ceil(20) {
        let count = 20.min(deposits_count - chunk * 20);
        cqrs.execute(id, deposits(chunk * 20, count, 1.0))
            .await
            .expect("deposited");
    }
}

#[tokio::test]
async fn a_load_reads_the_stream_in_pages() {
    let local = local_store().await;
    let id = fresh_account();
    seeded(&local, &id, 44).await;
    let repository = DynamoStoreRepository::new(local.store.clone()).with_page_size(10);
    local.meter.reset();
    let events = repository
        .get_events::<CqrsAccount>(&id)
        .await
        .expect("loads");
    assert_eq!(
        events.iter().map(|e| e.sequence).collect::<Vec<_>>(),
        (1..=45).collect::<Vec<_>>()
    );
    assert_eq!(local.meter.snapshot()["Query"], 5, "45 events, 10 a page");
    let after = repository
        .get_last_events::<CqrsAccount>(&id, 40)
        .await
        .expect("loads");
    assert_eq!(after.first().map(|e| e.sequence), Some(41));
    assert_eq!(after.len(), 5);

    let mut replay = repository
        .stream_events::<CqrsAccount>(&id)
        .await
        .expect("streams");
    let mut streamed = 0;
    while let Some(event) = replay.next::<CqrsAccount>(&[]).await {
        streamed += 1;
        assert_eq!(event.expect("decodes").sequence, streamed);
    }
    assert_eq!(streamed, 45);
}

#[tokio::test]
async fn snapshots_are_the_stores_and_a_load_starts_from_the_newest() {
    let local = local_store().await;
    let cqrs = event_store_snapshot_cqrs::<CqrsAccount>(local.store.clone(), vec![], 5, ());
    let id = fresh_account();
    cqrs.execute(&id, open(&id)).await.expect("opened");
    // 1 + 7 events: cqrs-es snapshots after 5, inside this commit of 7.
    cqrs.execute(&id, deposits(1, 7, 2.0))
        .await
        .expect("deposited");
    let snapshot = local
        .store
        .latest_snapshot(&stream(&id))
        .await
        .expect("reads")
        .expect("a snapshot");
    assert_eq!(
        snapshot.version.get(),
        5,
        "where cqrs-es took it, not the commit's end"
    );
    assert_eq!(snapshot.state["aggregate"]["balance"], 8.0);
    assert_eq!(snapshot.state["cqrsSnapshot"], 1);

    cqrs.execute(&id, withdrawal("tx-w", 3.0))
        .await
        .expect("withdrawn");
    let store = PersistedEventStore::<_, CqrsAccount>::new_snapshot_store(
        DynamoStoreRepository::new(local.store.clone()).for_snapshot_store(5),
        5,
    );
    let context = store.load_aggregate(&id).await.expect("loads");
    assert_eq!(
        (context.aggregate.0.balance, context.current_sequence),
        (1100, 9)
    );
    assert_eq!(context.current_snapshot, Some(1));
    assert_eq!(
        balance(&local.store, &id).await,
        (1100, 9),
        "the events agree"
    );

    // An aggregate store: the snapshot, rewritten after every commit, is the whole state.
    let id = fresh_account();
    let cqrs = event_store_aggregate_cqrs::<CqrsAccount>(local.store.clone(), vec![], ());
    cqrs.execute(&id, open(&id)).await.expect("opened");
    cqrs.execute(&id, deposits(1, 3, 5.0))
        .await
        .expect("deposited");
    cqrs.execute(&id, withdrawal("tx-w", 1.0))
        .await
        .expect("withdrawn");
    let snapshot = local
        .store
        .latest_snapshot(&stream(&id))
        .await
        .expect("reads")
        .expect("a snapshot");
    assert_eq!(snapshot.version.get(), 5);
    assert_eq!(snapshot.state["aggregate"]["balance"], 14.0);
    assert_eq!(snapshot.state["cqrsSnapshot"], 3);
}

fn snapshot_store(
    repository: DynamoStoreRepository,
    size: usize,
) -> PersistedEventStore<DynamoStoreRepository, CqrsAccount> {
    PersistedEventStore::new_snapshot_store(repository, size)
}

async fn load(
    store: &PersistedEventStore<DynamoStoreRepository, CqrsAccount>,
    id: &str,
) -> (i64, usize) {
    let context = store.load_aggregate(id).await.expect("loads");
    (context.aggregate.0.balance, context.current_sequence)
}

#[tokio::test]
async fn a_projector_snapshot_over_cqrs_ess_state_is_never_taken_for_cqrs_ess() {
    let local = local_store().await;
    for aggregate_store in [false, true] {
        let id = fresh_account();
        let cqrs = event_store_snapshot_cqrs::<CqrsAccount>(local.store.clone(), vec![], 5, ());
        cqrs.execute(&id, open(&id)).await.expect("opened");
        cqrs.execute(&id, deposits(1, 4, 1.0)).await.expect("5");
        let ours = local
            .store
            .latest_snapshot(&stream(&id))
            .await
            .expect("reads")
            .expect("cqrs-es's snapshot");
        assert_eq!(ours.version.get(), 5);
        cqrs.execute(&id, deposits(5, 3, 10.0)).await.expect("8");
        // The projector, with no reducer for the type, JSON-merges the events onto the newest
        // snapshot's state and writes it, with the same aggregate type, at its own version.
        let mut state = ours.state.clone();
        state["amount"] = serde_json::json!(10.0);
        state["type"] = serde_json::json!("deposit");
        local
            .store
            .write_snapshot(&Snapshot {
                version: Version::new(8),
                state,
                taken_at: chrono::Utc::now(),
                ..ours
            })
            .await
            .expect("the projector's snapshot");
        let repository = DynamoStoreRepository::new(local.store.clone());
        let (store, name) = if aggregate_store {
            (
                PersistedEventStore::new_aggregate_store(repository.for_aggregate_store()),
                "aggregate store",
            )
        } else {
            (
                snapshot_store(repository.for_snapshot_store(5), 5),
                "snapshot store",
            )
        };
        assert_eq!(load(&store, &id).await, (3400, 8), "{name}: the full fold");
        assert_eq!(balance(&local.store, &id).await, (3400, 8));
    }
}

#[tokio::test]
async fn a_repository_without_the_snapshot_stores_mode_places_no_snapshot_of_several_events() {
    let local = local_store().await;
    for repository in [
        DynamoStoreRepository::new(local.store.clone()),
        // a size other than cqrs-es's: its snapshot (at 5) cannot be where the repository
        // would put it (no multiple of 10 in 2..=8)
        DynamoStoreRepository::new(local.store.clone()).for_snapshot_store(10),
    ] {
        let mode = repository.snapshot_mode();
        let store = snapshot_store(repository, 5);
        let id = fresh_account();
        let opened = event_for(&CqrsAccount::default(), open(&id)).await;
        let context = store.load_aggregate(&id).await.expect("loads");
        store
            .commit(opened, context, HashMap::new())
            .await
            .expect("opened");
        let context = store.load_aggregate(&id).await.expect("loads");
        let seven = event_for(&context.aggregate, deposits(1, 7, 2.0)).await;
        store
            .commit(seven, context, HashMap::new())
            .await
            .expect("deposited");
        let snapshot = local
            .store
            .latest_snapshot(&stream(&id))
            .await
            .expect("reads");
        assert_eq!(snapshot, None, "{mode:?}: no snapshot covering 5 put at 8");
        let right = snapshot_store(
            DynamoStoreRepository::new(local.store.clone()).for_snapshot_store(5),
            5,
        );
        assert_eq!(load(&right, &id).await, (1400, 8), "{mode:?}");
    }
}

#[tokio::test]
async fn a_snapshot_write_that_fails_after_the_commit_is_no_error_and_no_stale_aggregate() {
    let local = local_store().await;
    let id = fresh_account();
    let cqrs = event_store_aggregate_cqrs::<CqrsAccount>(local.store.clone(), vec![], ());
    cqrs.execute(&id, open(&id)).await.expect("opened");
    // Request 0 is the commit, request 1 its snapshot's PutItem: throttled, not retried.
    let proxy = FaultProxy::start(&endpoint(), |n| (n == 1).then_some(Fault::Throttle)).await;
    let faulty = DynamoEventStore::new(client_through(&proxy, 1).await, local.store.settings());
    let repository = DynamoStoreRepository::new(faulty).for_aggregate_store();
    let context = PersistedEventStore::<_, CqrsAccount>::new_aggregate_store(
        DynamoStoreRepository::new(local.store.clone()).for_aggregate_store(),
    )
    .load_aggregate(&id)
    .await
    .expect("loads");
    let deposit = event_for(&context.aggregate, deposits(1, 2, 3.0)).await;
    PersistedEventStore::<_, CqrsAccount>::new_aggregate_store(repository)
        .commit(deposit, context, HashMap::new())
        .await
        .expect("the events are stored: the commit is done");
    assert_eq!(proxy.log().faults, vec![Fault::Throttle]);
    let snapshot = local.store.latest_snapshot(&stream(&id)).await.unwrap();
    assert_eq!(snapshot.map(|s| s.version.get()), Some(1), "left behind");
    // The aggregate store rolls the old snapshot forward: the next command is not a conflict.
    cqrs.execute(&id, deposits(3, 1, 4.0))
        .await
        .expect("not blocked by the stale snapshot");
    assert_eq!(balance(&local.store, &id).await, (1000, 4));
    let snapshot = local.store.latest_snapshot(&stream(&id)).await.unwrap();
    assert_eq!(snapshot.as_ref().map(|s| s.version.get()), Some(4));
    assert_eq!(snapshot.unwrap().state["aggregate"]["balance"], 10.0);
}

async fn delete_event(local: &LocalStore, id: &str, version: u64) {
    use aws_sdk_dynamodb::types::AttributeValue;
    local
        .client
        .delete_item()
        .table_name(local.store.table())
        .key("streamId", AttributeValue::S(stream(id).to_string()))
        .key("version", AttributeValue::N(version.to_string()))
        .send()
        .await
        .expect("deleted");
}

#[tokio::test]
async fn a_load_with_a_hole_is_an_error_never_a_partial_aggregate() {
    let local = local_store().await;
    let id = fresh_account();
    seeded(&local, &id, 9).await;
    delete_event(&local, &id, 5).await;
    let repository = DynamoStoreRepository::new(local.store.clone()).with_page_size(3);
    let corrupt = |error: PersistenceError| match error {
        PersistenceError::DeserializationError(inner) => matches!(
            inner.downcast_ref::<event_store_domain::Error>(),
            Some(event_store_domain::Error::Corrupt { .. })
        ),
        _ => false,
    };
    let all = repository.get_events::<CqrsAccount>(&id).await.unwrap_err();
    assert!(corrupt(all));
    let after = repository
        .get_last_events::<CqrsAccount>(&id, 3)
        .await
        .unwrap_err();
    assert!(corrupt(after));
    assert!(repository
        .get_last_events::<CqrsAccount>(&id, 5)
        .await
        .is_ok());
    let loaded = event_store(&local.store).load_aggregate(&id).await;
    assert!(
        matches!(loaded, Err(AggregateError::DeserializationError(_))),
        "{:?}",
        loaded.map(|c| c.current_sequence)
    );
    let mut replay = repository
        .stream_events::<CqrsAccount>(&id)
        .await
        .expect("streams");
    let mut last = None;
    while let Some(event) = replay.next::<CqrsAccount>(&[]).await {
        last = Some(event.map(|e| e.sequence));
    }
    assert!(matches!(last, Some(Err(_))), "{last:?}");

    // The newest events gone: the head still counts them.
    let id = fresh_account();
    seeded(&local, &id, 4).await;
    delete_event(&local, &id, 5).await;
    assert!(corrupt(
        repository.get_events::<CqrsAccount>(&id).await.unwrap_err()
    ));

    // With EVENT_TTL_DAYS the missing events have expired.
    let mut settings = local.store.settings().clone();
    settings.event_ttl_days = Some(30);
    let retained =
        DynamoStoreRepository::new(DynamoEventStore::new(local.client.clone(), &settings));
    let PersistenceError::UnknownError(inner) =
        retained.get_events::<CqrsAccount>(&id).await.unwrap_err()
    else {
        panic!("not the expired answer");
    };
    assert!(matches!(
        inner.downcast_ref::<event_store_domain::Error>(),
        Some(event_store_domain::Error::Expired { .. })
    ));
}

#[tokio::test]
async fn an_aggregate_store_folds_personal_values_opened_and_erased_after_a_forget() {
    // The account's type as personal data of its customer, so cqrs-es folds a sealed field.
    let mut local = event_store_tests::local_store_with_personal_data().await;
    let catalog = event_store_domain::EventCatalog::from_json(
        r#"{"eventTypes": {"AccountCreated": {"personalData": {"subject": "/data/customerId", "fields": ["/data/accountType"]}}}}"#,
    )
    .expect("an event types file");
    local.store = local.store.clone().with_catalog(catalog);
    let id = fresh_account();
    // Written without snapshots: the aggregate store's load folds the stream's tail.
    let cqrs = event_store_cqrs::<CqrsAccount>(local.store.clone(), vec![], ());
    cqrs.execute(&id, open(&id)).await.expect("opened");
    cqrs.execute(&id, deposits(1, 2, 5.0))
        .await
        .expect("deposited");
    let stored = local.all_events(&stream(&id)).await;
    assert!(
        stored[0].data["data"]["accountType"]
            .get("$sealed")
            .is_some(),
        "sealed at rest: {}",
        stored[0].data
    );
    let aggregate_store = || {
        PersistedEventStore::<_, CqrsAccount>::new_aggregate_store(
            DynamoStoreRepository::new(local.store.clone()).for_aggregate_store(),
        )
    };
    let context = aggregate_store().load_aggregate(&id).await.expect("loads");
    assert_eq!(
        context.aggregate.0.account_type.as_deref(),
        Some("checking")
    );
    assert_eq!(context.aggregate.0.balance, 1000);

    // Its commits write no snapshot: cqrs-es's would hold the plaintext it folded.
    let cqrs = event_store_aggregate_cqrs::<CqrsAccount>(local.store.clone(), vec![], ());
    cqrs.execute(&id, deposits(3, 1, 5.0))
        .await
        .expect("deposited");
    assert!(local
        .store
        .latest_snapshot(&stream(&id))
        .await
        .expect("reads")
        .is_none());

    local
        .store
        .forget("customer-456", None)
        .await
        .expect("forgotten");
    let context = aggregate_store().load_aggregate(&id).await.expect("loads");
    assert_eq!(
        context.aggregate.0.account_type.as_deref(),
        Some(event_store_domain::ERASED)
    );
    assert_eq!(
        context.aggregate.0.customer_id.as_deref(),
        Some("customer-456")
    );
    assert_eq!(
        context.aggregate.0.balance, 1500,
        "the rest folds as it was"
    );
}
