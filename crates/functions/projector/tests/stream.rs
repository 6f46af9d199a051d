//! The projector fed with records read from the local endpoint's DynamoDB Streams API after real
//! appends, shaped as Lambda delivers them: seed 003's items, redelivery, out-of-order records,
//! and a poison record reported by its sequence number.

use event_store_domain::{Account, AppendCommand, ProjectorSettings, ReducerRegistry, StreamId};
use event_store_dynamodb::TRANSACTIONS_MODEL;
use event_store_dynamodb::{
    create_projections_table, DynamoReadModels, EventBridgePublisher, ReadModelDocument,
};
use event_store_tests::bus::{receive, receive_until, subscribed_bus, Subscription};
use event_store_tests::streams::{batch, stream_records};
use event_store_tests::{fixture, local_store, local_store_with, LocalStore};
use projector::{Projector, STREAMS_MODEL};
use serde_json::{json, Value};

const STREAM: &str = "eb724435-02cb-4c68-9d7a-4b6471c5a810";

async fn projector(local: &LocalStore) -> (Projector, DynamoReadModels) {
    let (projector, read_models, _) = publishing_projector(local).await;
    (projector, read_models)
}

/// A projector with the seeds' settings, publishing to a bus subscribed by a queue.
async fn publishing_projector(local: &LocalStore) -> (Projector, DynamoReadModels, Subscription) {
    let table = format!("projections-{}", uuid::Uuid::new_v4());
    create_projections_table(&local.client, &table)
        .await
        .unwrap();
    let read_models = DynamoReadModels::new(local.client.clone(), table);
    let settings =
        ProjectorSettings::from_json(&fixture("settings/projector.json").to_string()).unwrap();
    let reducers = ReducerRegistry::with_examples();
    let subscription = subscribed_bus("event-store.").await;
    let publisher = EventBridgePublisher::new(subscription.events.clone(), &subscription.bus);
    let projector = Projector::new(local.store.clone(), read_models.clone(), settings, reducers)
        .with_publisher(publisher);
    (projector, read_models, subscription)
}

/// Appends seed 003's scenario: two items created, one changed, one deleted.
async fn append_seed_003(local: &LocalStore) {
    let command = json!({
        "streamId": STREAM,
        "expectedVersion": 0,
        "events": [
            {"eventType": "ITEM_CREATED", "data": {"itemId": "1", "amount": 225}},
            {"eventType": "ITEM_CREATED", "data": {"itemId": "2", "amount": 10}},
            {"eventType": "ITEM_AMOUNT_CHANGED", "data": {"itemId": "1", "amount": 500}},
            {"eventType": "ITEM_DELETED", "data": {"itemId": "2"}}
        ]
    });
    local
        .store
        .append(&AppendCommand::from_json(command).unwrap())
        .await
        .unwrap();
}

/// Feeds every record of the table's stream to `projector`; none may fail.
async fn project_all(projector: &Projector, local: &LocalStore) {
    let records = stream_records(local).await;
    let response = projector.handle(batch(&records)).await;
    assert!(response.batch_item_failures.is_empty(), "a record failed");
}

async fn items(read_models: &DynamoReadModels) -> Vec<Value> {
    let page = read_models
        .list("testItems", &Default::default())
        .await
        .unwrap();
    page.items.into_iter().filter_map(|d| d.document).collect()
}

async fn summary(read_models: &DynamoReadModels) -> ReadModelDocument {
    read_models
        .get(STREAMS_MODEL, STREAM)
        .await
        .unwrap()
        .expect("a summary")
}

#[tokio::test]
async fn seed_003_items_are_projected_from_the_real_stream() {
    let local = local_store().await;
    append_seed_003(&local).await;
    let (projector, read_models) = projector(&local).await;
    let records = stream_records(&local).await;
    assert_eq!(records.len(), 4);
    let response = projector.handle(batch(&records)).await;
    assert!(response.batch_item_failures.is_empty());
    assert_eq!(
        items(&read_models).await,
        vec![json!({"itemId": "1", "amount": 500})]
    );
    let summary = summary(&read_models).await;
    assert_eq!(summary.document.unwrap()["lastVersion"], 4);
}

#[tokio::test]
async fn each_event_costs_one_read_and_one_transaction_of_the_projections() {
    let local = local_store().await;
    append_seed_003(&local).await;
    let (projector, _) = projector(&local).await;
    let records = stream_records(&local).await;
    local.meter.reset();
    let response = projector.handle(batch(&records)).await;
    assert!(response.batch_item_failures.is_empty());
    // Per event: one BatchGetItem of its summary and documents, one TransactWriteItems of them;
    // the summary is never read a second time (no GetItem), and the batch reads the generation
    // pointers once.
    let requests = local.meter.snapshot();
    assert_eq!(requests.get("BatchGetItem"), Some(&4), "{requests:?}");
    assert_eq!(requests.get("TransactWriteItems"), Some(&4), "{requests:?}");
    assert_eq!(requests.get("GetItem"), None, "{requests:?}");
    assert_eq!(requests.get("Query"), Some(&1), "{requests:?}");
}

#[tokio::test]
async fn the_same_batch_delivered_twice_changes_nothing() {
    let local = local_store().await;
    append_seed_003(&local).await;
    let (projector, read_models) = projector(&local).await;
    let records = stream_records(&local).await;
    projector.handle(batch(&records)).await;
    let (items_before, summary_before) = (
        read_models.get("testItems", "1").await.unwrap(),
        summary(&read_models).await,
    );
    let response = projector.handle(batch(&records)).await;
    assert!(response.batch_item_failures.is_empty());
    assert_eq!(
        read_models.get("testItems", "1").await.unwrap(),
        items_before
    );
    assert_eq!(summary(&read_models).await, summary_before);
    assert_eq!(summary_before.document.unwrap()["count"], 4);
}

#[tokio::test]
async fn a_record_ahead_of_the_stream_fills_the_gap_from_the_table() {
    let local = local_store().await;
    append_seed_003(&local).await;
    let (projector, read_models) = projector(&local).await;
    let mut records = stream_records(&local).await;
    records.reverse();
    let response = projector.handle(batch(&records)).await;
    assert!(response.batch_item_failures.is_empty());
    assert_eq!(
        items(&read_models).await,
        vec![json!({"itemId": "1", "amount": 500})]
    );
    let summary = summary(&read_models).await.document.unwrap();
    assert_eq!(
        (summary["lastVersion"].clone(), summary["count"].clone()),
        (json!(4), json!(4))
    );
}

#[tokio::test]
async fn a_poison_record_fails_alone_with_its_sequence_number() {
    let local = local_store().await;
    append_seed_003(&local).await;
    let (projector, read_models) = projector(&local).await;
    let mut records = stream_records(&local).await;
    records[1]["dynamodb"]["NewImage"]["eventId"] = json!({"N": "12"});
    let poisoned = records[1]["dynamodb"]["SequenceNumber"]
        .as_str()
        .unwrap()
        .to_owned();
    let response = projector.handle(batch(&records)).await;
    let failed: Vec<Option<String>> = response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.clone())
        .collect();
    assert_eq!(failed, vec![Some(poisoned)]);
    // The record before it was applied, the ones after it were left for the retry.
    assert_eq!(
        summary(&read_models).await.document.unwrap()["lastVersion"],
        1
    );
    let _ = StreamId::new(STREAM).unwrap();
}

#[tokio::test]
async fn snapshots_are_taken_every_n_events_through_the_aggregate() {
    let local = local_store_with(|s| s.snapshot_every = 2).await;
    local
        .store
        .append(&AppendCommand::from_json(fixture("streams/account-123.json")).unwrap())
        .await
        .unwrap();
    let deposit = json!({"streamId": "account-123", "expectedVersion": 3, "events": [
        {"eventType": "TransactionProcessed", "aggregateType": "Account",
         "data": {"transactionId": "tx-791", "amount": 9.75, "type": "deposit"}}]});
    local
        .store
        .append(&AppendCommand::from_json(deposit).unwrap())
        .await
        .unwrap();
    let (projector, _) = projector(&local).await;
    project_all(&projector, &local).await;

    let stream = StreamId::new("account-123").unwrap();
    let snapshot = local
        .store
        .latest_snapshot(&stream)
        .await
        .unwrap()
        .expect("a snapshot");
    assert_eq!(snapshot.version.get(), 4);
    let account: Account = serde_json::from_value(snapshot.state).unwrap();
    assert_eq!(account.balance, 8000);
    let state = local
        .store
        .load_state_registered(&stream, &ReducerRegistry::with_examples(), None)
        .await
        .unwrap();
    assert_eq!(state.snapshot_version.map(|v| v.get()), Some(4));
    assert_eq!(state.state["balance"].as_f64(), Some(80.0));
}

#[tokio::test]
async fn seed_001_follow_ups_and_change_notices_reach_the_bus() {
    let local = local_store().await;
    let command = json!({"streamId": "mbocdp-77", "expectedVersion": 0, "events": [
        {"eventType": "CustomerUpdatedEvent", "aggregateType": "customer",
         "data": {"DOMAIN": "customer", "payload": {"tier": "gold"}}}]});
    local
        .store
        .append(&AppendCommand::from_json(command).unwrap())
        .await
        .unwrap();
    let (projector, _, subscription) = publishing_projector(&local).await;
    project_all(&projector, &local).await;

    let received = receive(&subscription, 2).await;
    let follow_up = received
        .iter()
        .find(|e| e["source"] == "event-store.follow-ups")
        .expect("a follow-up");
    assert_eq!(follow_up["detail-type"], "ValidatableEvent");
    assert_eq!(follow_up["detail"]["DOMAIN"], "customer");
    assert_eq!(follow_up["detail"]["streamId"], "mbocdp-77");
    let notice = received
        .iter()
        .find(|e| e["source"] == "event-store.changes")
        .expect("a change notice");
    assert_eq!(notice["detail-type"], "CustomerUpdatedEvent");
    assert_eq!(notice["detail"]["version"], 1);
}

#[tokio::test]
async fn seed_000_cycles_end_complete_with_metering_or_partial_with_a_reason() {
    let local = local_store().await;
    let at = |minute: u32| format!("2024-02-01T08:{minute:02}:00Z");
    let lifecycle = |account: &str, steps: &[(&str, u32)]| {
        let events: Vec<Value> = steps
            .iter()
            .map(|(event_type, minute)| json!({"eventType": event_type, "eventTime": at(*minute), "data": {"Account": account}}))
            .collect();
        json!({"streamId": account, "expectedVersion": 0, "events": events})
    };
    let complete = lifecycle(
        "111111111111",
        &[
            ("ExpiredAccount", 0),
            ("PurgedAccount", 5),
            ("PreparedAccount", 10),
            ("ReleasedAccount", 12),
        ],
    );
    let missing_step = lifecycle(
        "222222222222",
        &[("ExpiredAccount", 0), ("PreparedAccount", 10)],
    );
    for command in [complete, missing_step] {
        local
            .store
            .append(&AppendCommand::from_json(command).unwrap())
            .await
            .unwrap();
    }
    let (projector, read_models, subscription) = publishing_projector(&local).await;
    project_all(&projector, &local).await;

    let received = receive(&subscription, 7).await;
    let metering: Vec<&Value> = received
        .iter()
        .filter(|e| e["source"] == "event-store.metering")
        .collect();
    assert_eq!(metering.len(), 1, "{received:?}");
    let detail = &metering[0]["detail"];
    assert_eq!(
        (detail["cycle"].clone(), detail["entity"].clone()),
        (json!("account-maintenance"), json!("111111111111"))
    );
    assert_eq!(detail["durationSeconds"], json!(720.0));
    assert_eq!(detail["steps"].as_array().unwrap().len(), 4);

    let partial = read_models
        .get(
            TRANSACTIONS_MODEL,
            "222222222222#2024-02-01T08:00:00.000Z#account-maintenance",
        )
        .await
        .unwrap()
        .and_then(|d| d.document)
        .expect("the partial instance is kept");
    assert_eq!(partial["status"], "partial");
    assert_eq!(
        partial["reason"],
        "PurgedAccount missing before PreparedAccount"
    );
    let complete = read_models
        .get(
            TRANSACTIONS_MODEL,
            "111111111111#2024-02-01T08:00:00.000Z#account-maintenance",
        )
        .await
        .unwrap()
        .and_then(|d| d.document)
        .unwrap();
    assert_eq!(complete["status"], "complete");
}

#[tokio::test]
async fn seed_004_account_balances_are_a_read_model_defined_in_code() {
    let local = local_store().await;
    local
        .store
        .append(&AppendCommand::from_json(fixture("streams/account-123.json")).unwrap())
        .await
        .unwrap();
    let (projector, read_models) = projector(&local).await;
    project_all(&projector, &local).await;
    let balance = read_models
        .get("accountBalances", "account-123")
        .await
        .unwrap()
        .and_then(|d| d.document)
        .unwrap();
    assert_eq!(balance["balance"], json!(70.25));
    assert_eq!(balance["transactionCount"], 2);
    // Redelivered: unchanged.
    project_all(&projector, &local).await;
    let again = read_models
        .get("accountBalances", "account-123")
        .await
        .unwrap()
        .and_then(|d| d.document)
        .unwrap();
    assert_eq!(again, balance);
}

#[tokio::test]
async fn a_snapshot_that_cannot_be_folded_never_stops_the_stream() {
    // An `account-` stream whose events are not seed 004's: its category names Account, whose
    // aggregate cannot fold them; the snapshot due every 2 events is skipped, not fatal.
    let local = local_store_with(|s| s.snapshot_every = 2).await;
    let stream = format!("account-{}", uuid::Uuid::new_v4());
    let command = json!({"streamId": stream, "expectedVersion": 0, "events": [
        {"eventType": "AccountOpened", "data": {"x": 1}},
        {"eventType": "AccountNoted", "data": {"y": 2}},
        {"eventType": "AccountNoted", "data": {"y": 3}}
    ]});
    local
        .store
        .append(&AppendCommand::from_json(command).unwrap())
        .await
        .unwrap();
    let (projector, read_models) = projector(&local).await;
    project_all(&projector, &local).await;
    let summary = read_models
        .get(STREAMS_MODEL, &stream)
        .await
        .unwrap()
        .expect("a summary");
    assert_eq!(summary.document.unwrap()["lastVersion"], 3);
    // Its state loads all the same, folded as JSON where the category's aggregate cannot.
    let stream = StreamId::new(stream).unwrap();
    let state = local
        .store
        .load_state_registered(&stream, &ReducerRegistry::with_examples(), None)
        .await
        .unwrap();
    assert_eq!(state.state, json!({"x": 1, "y": 3}));
}

#[tokio::test]
async fn a_300_kb_event_is_published_as_a_claim_check_and_its_stream_goes_on() {
    let local = local_store().await;
    let stream = format!("big-{}", uuid::Uuid::new_v4());
    let command = json!({"streamId": stream, "expectedVersion": 0, "events": [
        {"eventType": "DocumentScanned", "data": {"pages": "x".repeat(300 * 1024)}},
        {"eventType": "DocumentFiled", "data": {"shelf": 4}}
    ]});
    local
        .store
        .append(&AppendCommand::from_json(command).unwrap())
        .await
        .unwrap();
    let (projector, read_models, subscription) = publishing_projector(&local).await;
    project_all(&projector, &local).await;
    let notices = receive_until(&subscription, |got| {
        got.iter()
            .filter(|e| {
                e["source"] == "event-store.changes" && e["detail"]["streamId"] == json!(stream)
            })
            .count()
            >= 2
    })
    .await;
    let mine: Vec<&Value> = notices
        .iter()
        .filter(|e| {
            e["source"] == "event-store.changes" && e["detail"]["streamId"] == json!(stream)
        })
        .collect();
    let scanned = mine
        .iter()
        .find(|e| e["detail-type"] == "DocumentScanned")
        .expect("the big event's notice");
    let claim = &scanned["detail"]["claimCheck"];
    assert_eq!(claim["dataOmitted"], true, "{scanned}");
    assert_eq!(
        claim["read"],
        json!({"op": "getEvent", "streamId": stream, "version": 1})
    );
    assert!(scanned.to_string().len() < 256 * 1024);
    assert!(scanned["detail"].get("data").is_none());
    let filed = mine
        .iter()
        .find(|e| e["detail-type"] == "DocumentFiled")
        .expect("the next event's notice");
    assert_eq!(filed["detail"]["data"], json!({"shelf": 4}));
    let summary = read_models
        .get(STREAMS_MODEL, &stream)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(summary.document.unwrap()["lastVersion"], 2);
}

#[tokio::test]
async fn a_gap_of_thousands_is_filled_across_invocations_within_the_budget_applying_each_once() {
    let local = local_store().await;
    let stream = format!("backlog-{}", uuid::Uuid::new_v4());
    let events: Vec<event_store_domain::NewEvent> = (0..2_000)
        .map(|n| {
            event_store_tests::event(
                "ITEM_AMOUNT_CHANGED",
                json!({"itemId": format!("{stream}-{}", n % 10), "amount": n}),
            )
        })
        .collect();
    let stream_id = StreamId::new(stream.clone()).unwrap();
    local
        .store
        .append_chunked(
            &stream_id,
            event_store_domain::ExpectedVersion::NoStream,
            events,
        )
        .await
        .unwrap();
    let (projector, read_models) = projector(&local).await;
    let projector = projector.with_event_budget(300);
    // Only the stream's last record arrives (its earlier ones were trimmed from the stream, or
    // will come later): the whole gap is filled from the table, 300 events per invocation.
    let records = stream_records(&local).await;
    let last = records
        .iter()
        .rev()
        .find(|r| r["dynamodb"]["NewImage"]["streamId"]["S"] == json!(stream))
        .cloned()
        .unwrap();
    let mut invocations = 0;
    loop {
        invocations += 1;
        let response = projector.handle(batch(std::slice::from_ref(&last))).await;
        let position = read_models
            .stream_position(STREAMS_MODEL, &stream_id)
            .await
            .unwrap();
        if response.batch_item_failures.is_empty() {
            break;
        }
        assert_eq!(
            position,
            300 * invocations,
            "each invocation applies its budget"
        );
    }
    assert_eq!(invocations, 7, "2,000 events at 300 per invocation");
    let summary = read_models
        .get(STREAMS_MODEL, &stream)
        .await
        .unwrap()
        .unwrap();
    let summary = summary.document.unwrap();
    assert_eq!(
        (summary["lastVersion"].clone(), summary["count"].clone()),
        (json!(2000), json!(2000)),
        "each applied once"
    );
    // Delivered again: nothing changes.
    let before = read_models.get(STREAMS_MODEL, &stream).await.unwrap();
    assert!(projector
        .handle(batch(std::slice::from_ref(&last)))
        .await
        .batch_item_failures
        .is_empty());
    assert_eq!(
        read_models.get(STREAMS_MODEL, &stream).await.unwrap(),
        before
    );
}

#[tokio::test]
async fn a_cycle_document_that_does_not_decode_is_corrupt_naming_it() {
    let local = local_store().await;
    let (projector, read_models) = projector(&local).await;
    read_models
        .put_versioned(
            "$cycle:account-release",
            "999999999999",
            event_store_domain::Version::new(1),
            json!({"open": "not an instance"}),
        )
        .await
        .unwrap();
    local
        .store
        .append(
            &AppendCommand::from_json(json!({"streamId": "999999999999", "events": [
                {"eventType": "CreatedAccount", "data": {}}
            ]}))
            .unwrap(),
        )
        .await
        .unwrap();
    let event = local
        .all_events(&StreamId::new("999999999999").unwrap())
        .await
        .remove(0);
    let generations = projector.generations().await.unwrap();
    let error = projector.project(&event, &generations).await.unwrap_err();
    assert!(
        matches!(&error, event_store_domain::Error::Corrupt { attribute, .. } if attribute == "$cycle:account-release/999999999999"),
        "{error}"
    );
    // Nothing of the event was applied: not its summary, not a fresh cycle.
    assert!(read_models
        .get(STREAMS_MODEL, "999999999999")
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn the_sweep_marks_a_cycle_that_stopped_partial_once() {
    let local = local_store().await;
    let (projector, read_models) = projector(&local).await;
    let entity = format!("{}", 100_000_000_000u64 + rand_suffix());
    let started = chrono::Utc::now() - chrono::Duration::days(2);
    local
        .store
        .append(
            &AppendCommand::from_json(json!({"streamId": entity, "events": [
                {"eventType": "CreatedAccount", "eventTime": event_store_domain::format_time(&started), "data": {}}
            ]}))
            .unwrap(),
        )
        .await
        .unwrap();
    project_all(&projector, &local).await;
    // The account's release never went on: only the sweep can tell the cycle stopped.
    let answer = projector
        .handle_input(json!({"sweep": "cycles"}), None)
        .await
        .unwrap();
    assert_eq!(answer["sweep"]["timedOut"], 1, "{answer}");
    let key = event_store_dynamodb::transaction_key(
        &entity,
        &event_store_domain::truncate_to_millis(started),
        "account-release",
    );
    let instance = read_models
        .get(TRANSACTIONS_MODEL, &key)
        .await
        .unwrap()
        .unwrap()
        .document
        .unwrap();
    assert_eq!(instance["status"], "partial");
    assert_eq!(instance["reason"], "not finished within 1440 minutes");
    let open = read_models
        .get("$cycle:account-release", &entity)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(open.document.unwrap()["open"], Value::Null);
    let again = projector
        .handle_input(json!({"sweep": "cycles"}), None)
        .await
        .unwrap();
    assert_eq!(again["sweep"]["timedOut"], 0, "once: {again}");
}

#[tokio::test]
async fn an_event_that_happened_in_time_but_is_projected_after_the_sweep_carries_the_cycle_on() {
    let local = local_store().await;
    let (projector, read_models, subscription) = publishing_projector(&local).await;
    let entity = format!("{}", 100_000_000_000u64 + rand_suffix());
    let started = chrono::Utc::now() - chrono::Duration::days(2);
    let at =
        |hours: i64| event_store_domain::format_time(&(started + chrono::Duration::hours(hours)));
    let append = |events: Value| {
        let command = json!({"streamId": entity, "events": events});
        let store = local.store.clone();
        async move {
            store
                .append(&AppendCommand::from_json(command).unwrap())
                .await
                .unwrap()
        }
    };
    append(json!([{"eventType": "CreatedAccount", "eventTime": at(0), "data": {}}])).await;
    project_all(&projector, &local).await;
    let swept = projector
        .handle_input(json!({"sweep": "cycles"}), None)
        .await
        .unwrap();
    assert_eq!(swept["sweep"]["timedOut"], 1, "{swept}");
    // The rest of the cycle happened within its 1,440 minutes, but reaches the projector only
    // now (a projector that was behind): the sweep's verdict by the clock gives way.
    append(json!([
        {"eventType": "PreparedAccount", "eventTime": at(1), "data": {}},
        {"eventType": "ReleasedAccount", "eventTime": at(2), "data": {}}
    ]))
    .await;
    project_all(&projector, &local).await;
    let key = event_store_dynamodb::transaction_key(
        &entity,
        &event_store_domain::truncate_to_millis(started),
        "account-release",
    );
    let instance = read_models
        .get(TRANSACTIONS_MODEL, &key)
        .await
        .unwrap()
        .unwrap()
        .document
        .unwrap();
    assert_eq!(instance["status"], "complete", "{instance}");
    assert_eq!(instance["steps"].as_array().unwrap().len(), 3);
    let metering = receive_until(&subscription, |received| {
        received
            .iter()
            .any(|e| e["source"] == "event-store.metering" && e["detail"]["entity"] == entity)
    })
    .await;
    assert!(
        metering
            .iter()
            .any(|e| e["source"] == "event-store.metering"
                && e["detail"]["cycle"] == "account-release"),
        "{metering:?}"
    );
    // A late event past the timeout leaves a timed-out instance as it is.
    let other = format!("{}", 100_000_000_000u64 + rand_suffix());
    let command = |events: Value| json!({"streamId": other, "events": events});
    local
        .store
        .append(
            &AppendCommand::from_json(command(
                json!([{"eventType": "CreatedAccount", "eventTime": at(0), "data": {}}]),
            ))
            .unwrap(),
        )
        .await
        .unwrap();
    project_all(&projector, &local).await;
    projector
        .handle_input(json!({"sweep": "cycles"}), None)
        .await
        .unwrap();
    local
        .store
        .append(
            &AppendCommand::from_json(command(
                json!([{"eventType": "PreparedAccount", "eventTime": at(30), "data": {}}]),
            ))
            .unwrap(),
        )
        .await
        .unwrap();
    project_all(&projector, &local).await;
    let late = event_store_dynamodb::transaction_key(
        &other,
        &event_store_domain::truncate_to_millis(started),
        "account-release",
    );
    let instance = read_models
        .get(TRANSACTIONS_MODEL, &late)
        .await
        .unwrap()
        .unwrap()
        .document
        .unwrap();
    assert_eq!(instance["status"], "partial");
    assert_eq!(instance["reason"], "not finished within 1440 minutes");
}

#[tokio::test]
async fn input_the_projector_cannot_read_is_an_invocation_error_lambda_retries() {
    let local = local_store().await;
    let (projector, _) = projector(&local).await;
    let undecodable = json!({"Records": [{"dynamodb": {"NewImage": "not a map"}}]});
    let error = projector.handle_input(undecodable, None).await.unwrap_err();
    assert_eq!(error.kind(), "Validation");
    let unknown = projector
        .handle_input(json!({"hello": 1}), None)
        .await
        .unwrap_err();
    assert_eq!(error.kind(), unknown.kind());
}

#[tokio::test]
async fn a_batch_stops_before_the_deadline_and_reports_where_the_next_invocation_goes_on() {
    let local = local_store().await;
    append_seed_003(&local).await;
    let (projector, read_models) = projector(&local).await;
    let records = stream_records(&local).await;
    let sequences: Vec<String> = records
        .iter()
        .map(|r| r["dynamodb"]["SequenceNumber"].as_str().unwrap().to_owned())
        .collect();
    // A deadline already reached: nothing is applied, the first record is where to go on.
    let passed = Some(std::time::Instant::now());
    let response = projector.handle_until(batch(&records), passed).await;
    let failures: Vec<Option<String>> = response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.clone())
        .collect();
    assert_eq!(failures, [Some(sequences[0].clone())]);
    assert!(items(&read_models).await.is_empty());
    // The next invocation, with time, goes on from it and applies everything once.
    let response = projector.handle(batch(&records)).await;
    assert!(response.batch_item_failures.is_empty());
    assert_eq!(summary(&read_models).await.document.unwrap()["count"], 4);
}

fn rand_suffix() -> u64 {
    u64::from(uuid::Uuid::new_v4().as_fields().0) % 1_000_000_000
}

/// Change notices published after a forget, of events stored before it (a projector behind, a
/// redelivered batch), carry `[erased]` for the forgotten subject and the plaintext of the
/// others; the read model holds sealed values only.
#[tokio::test]
async fn notices_published_after_a_forget_carry_no_plaintext_of_that_subject() {
    let local = event_store_tests::local_store_with_personal_data().await;
    let run = uuid::Uuid::new_v4().simple().to_string();
    let (ada, charles) = (format!("ada-{run}"), format!("charles-{run}"));
    let registered = |customer: &str, name: &str| {
        json!({"eventType": "CustomerRegistered", "data": {
            "customerId": customer, "name": name, "email": format!("{name}@example.com"), "plan": "gold"}})
    };
    let command = json!({
        "streamId": format!("customers-{run}"),
        "expectedVersion": 0,
        "events": [registered(&ada, "Ada Lovelace"), registered(&charles, "Charles Babbage")],
    });
    local
        .store
        .append(&AppendCommand::from_json(command).unwrap())
        .await
        .unwrap();
    local.store.forget(&ada, None).await.unwrap();

    let (projector, read_models, subscription) = publishing_projector(&local).await;
    project_all(&projector, &local).await;

    let notices = receive_until(&subscription, |got| {
        got.iter()
            .filter(|e| {
                e["source"] == "event-store.changes" && e["detail-type"] == "CustomerRegistered"
            })
            .count()
            >= 2
    })
    .await;
    let of = |customer: &str| {
        notices
            .iter()
            .find(|e| e["detail"]["data"]["customerId"] == json!(customer))
            .unwrap_or_else(|| panic!("no notice of {customer}: {notices:?}"))
            .clone()
    };
    assert_eq!(of(&ada)["detail"]["data"]["name"], json!("[erased]"));
    assert_eq!(of(&ada)["detail"]["data"]["plan"], json!("gold"));
    assert_eq!(
        of(&charles)["detail"]["data"]["name"],
        json!("Charles Babbage")
    );
    let published = Value::from(notices.clone()).to_string();
    assert!(!published.contains("Ada Lovelace"), "{published}");

    let stored = read_models
        .get("customers", &charles)
        .await
        .unwrap()
        .and_then(|d| d.document)
        .expect("charles's document");
    assert!(stored["name"].get("$sealed").is_some(), "{stored}");
}
