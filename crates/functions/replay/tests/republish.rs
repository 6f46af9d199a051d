//! The replay function's handler against the local endpoint: events appended to a store of the
//! test's own, re-published to a bus of its own that a queue subscribes to, checkpointed in a
//! projections table of its own.

use chrono::{Duration, TimeZone, Utc};
use event_store_domain::{AppendRequest, ExpectedVersion, Timestamp};
use event_store_dynamodb::{create_projections_table, DynamoReadModels, EventBridgePublisher};
use event_store_tests::bus::{receive_until, subscribed_bus, Subscription};
use event_store_tests::{event, fresh_stream, local_store, local_store_with};
use lambda_runtime::{Context, LambdaEvent};
use replay::{Replayer, REPLAYS_MODEL};
use serde_json::{json, Value};
use std::collections::BTreeSet;

fn at(minute: i64) -> Timestamp {
    Utc.with_ymd_and_hms(2024, 3, 1, 9, 0, 0).unwrap() + Duration::minutes(minute)
}

struct Setup {
    replayer: Replayer,
    read_models: DynamoReadModels,
    bus: Subscription,
}

/// A store holding `count` events (minutes 0..count, spread over 3 streams), and a replayer
/// publishing to a bus that a queue subscribes to.
async fn setup(count: i64) -> Setup {
    let local = local_store().await;
    for s in 0..3 {
        let stream = fresh_stream("replayed");
        let events: Vec<_> = (0..count)
            .filter(|minute| minute % 3 == s)
            .map(|minute| event("Ticked", json!({"minute": minute})).with_event_time(at(minute)))
            .collect();
        for chunk in events.chunks(49) {
            let request =
                AppendRequest::new(stream.clone(), ExpectedVersion::Any, chunk.to_vec()).unwrap();
            local.store.append(&request).await.unwrap();
        }
    }
    replaying(&local.store).await
}

/// A replayer over `store`, with a projections table of its own, publishing to a bus that a
/// queue subscribes to.
async fn replaying(store: &event_store_dynamodb::DynamoEventStore) -> Setup {
    let projections = format!("replays-{}", uuid::Uuid::new_v4().simple());
    create_projections_table(store.client(), &projections)
        .await
        .unwrap();
    let read_models = DynamoReadModels::new(store.client().clone(), &projections);
    let bus = subscribed_bus("event-store.replay").await;
    let publisher = EventBridgePublisher::new(bus.events.clone(), bus.bus.clone());
    let replayer = Replayer::new(
        store.clone(),
        read_models.clone(),
        publisher,
        bus.bus.clone(),
    );
    Setup {
        replayer,
        read_models,
        bus,
    }
}

async fn ask(setup: &Setup, payload: Value) -> Value {
    setup
        .replayer
        .handle(LambdaEvent::new(payload, Context::default()))
        .await
}

/// The minutes of the replayed events that reached the queue, once each.
async fn delivered(setup: &Setup, expected: usize) -> Vec<i64> {
    let received = receive_until(&setup.bus, |got| got.len() >= expected).await;
    for event in &received {
        assert_eq!(event["source"], "event-store.replay");
        assert_eq!(
            event["detail"]["replay"]["originalEventId"],
            event["detail"]["eventId"]
        );
    }
    received
        .iter()
        .map(|e| e["detail"]["data"]["minute"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn a_republished_time_range_delivers_exactly_those_events_marked_as_replays() {
    let setup = setup(30).await;
    let answer = ask(
        &setup,
        json!({"op": "republish", "filter": {"from": "2024-03-01T09:10:00Z", "to": "2024-03-01T09:19:00Z"}}),
    )
    .await;
    assert_eq!(
        (answer["status"].as_str(), answer["done"].as_u64()),
        (Some("complete"), Some(10)),
        "{answer}"
    );
    let mut minutes = delivered(&setup, 10).await;
    minutes.sort();
    assert_eq!(minutes, (10..20).collect::<Vec<_>>());
    let progress = ask(
        &setup,
        json!({"op": "progress", "replayId": answer["replayId"]}),
    )
    .await;
    assert_eq!(progress["done"], 10);
    assert_eq!(progress["status"], "complete");
}

#[tokio::test]
async fn a_replay_interrupted_twice_ends_as_an_uninterrupted_one_would() {
    let setup = setup(250).await;
    let first = ask(&setup, json!({"op": "republish", "maxEvents": 90})).await;
    assert_eq!(
        (first["status"].as_str(), first["done"].as_u64()),
        (Some("inProgress"), Some(90)),
        "{first}"
    );
    assert_eq!(first["continuation"]["replayId"], first["replayId"]);
    let second = ask(
        &setup,
        json!({"op": "republish", "replayId": first["replayId"], "maxEvents": 90}),
    )
    .await;
    assert_eq!(
        (second["status"].as_str(), second["done"].as_u64()),
        (Some("inProgress"), Some(180)),
        "{second}"
    );
    let last = ask(&setup, first["continuation"].clone()).await;
    assert_eq!(
        (last["status"].as_str(), last["done"].as_u64()),
        (Some("complete"), Some(250)),
        "{last}"
    );
    let again = ask(&setup, first["continuation"].clone()).await;
    assert_eq!(
        again["done"], 250,
        "continuing a complete replay publishes nothing more"
    );

    let minutes = delivered(&setup, 250).await;
    let unique: BTreeSet<i64> = minutes.iter().copied().collect();
    assert_eq!(minutes.len(), 250, "no event doubled");
    assert_eq!(
        unique,
        (0..250).collect::<BTreeSet<_>>(),
        "no event missing"
    );
    // The global read is in event-time order: the pages went out in that order.
    assert_eq!(minutes, (0..250).collect::<Vec<_>>());
}

#[tokio::test]
async fn a_dry_run_counts_and_writes_nothing() {
    let setup = setup(40).await;
    let answer = ask(
        &setup,
        json!({"op": "republish", "dryRun": true, "filter": {"eventType": "Ticked"}}),
    )
    .await;
    assert_eq!(answer["count"], 40, "{answer}");
    let replays = setup
        .read_models
        .list(REPLAYS_MODEL, &event_store_domain::PageRequest::first(10))
        .await
        .unwrap();
    assert!(replays.items.is_empty(), "a dry run checkpoints nothing");
    let sent = setup
        .bus
        .sqs
        .get_queue_attributes()
        .queue_url(&setup.bus.queue_url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessages)
        .send()
        .await
        .unwrap();
    assert_eq!(
        sent.attributes().unwrap()
            [&aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessages],
        "0"
    );
}

#[tokio::test]
async fn unknown_replays_and_bad_filters_are_typed_errors() {
    let setup = setup(1).await;
    let unknown = ask(&setup, json!({"op": "progress", "replayId": "nope"})).await;
    assert_eq!(unknown["error"]["type"], "Validation", "{unknown}");
    assert_eq!(unknown["error"]["field"], "replayId");
    let bad = ask(
        &setup,
        json!({"op": "republish", "filter": {"streamId": "a", "eventType": "b"}}),
    )
    .await;
    assert_eq!(bad["error"]["field"], "filter", "{bad}");
}

#[tokio::test]
async fn a_300_kb_event_is_republished_as_a_claim_check_and_the_replay_goes_on() {
    let setup = setup(0).await;
    let local = setup.replayer.store().clone();
    let stream = fresh_stream("big-replayed");
    let events = vec![
        event("Scanned", json!({"pages": "x".repeat(300 * 1024)})).with_event_time(at(1)),
        event("Filed", json!({"shelf": 4})).with_event_time(at(2)),
    ];
    local
        .append(&AppendRequest::new(stream.clone(), ExpectedVersion::NoStream, events).unwrap())
        .await
        .unwrap();
    let answer = ask(
        &setup,
        json!({"op": "republish", "filter": {"streamId": stream}}),
    )
    .await;
    assert_eq!(answer["status"], "complete", "{answer}");
    assert_eq!(answer["done"], 2);
    let received = receive_until(&setup.bus, |got| got.len() >= 2).await;
    let scanned = received
        .iter()
        .find(|e| e["detail-type"] == "Scanned")
        .unwrap();
    assert_eq!(
        scanned["detail"]["claimCheck"]["dataOmitted"], true,
        "{scanned}"
    );
    assert_eq!(scanned["detail"]["claimCheck"]["read"]["version"], 1);
    assert!(scanned["detail"]["replay"]["originalEventId"].is_string());
    let filed = received
        .iter()
        .find(|e| e["detail-type"] == "Filed")
        .unwrap();
    assert_eq!(filed["detail"]["data"], json!({"shelf": 4}));
}

#[tokio::test]
async fn a_republish_over_an_index_the_store_does_not_enable_is_refused_before_it_begins() {
    // The default indexes: byEventType is not among them.
    let local = local_store_with(|settings| settings.indexes = None).await;
    let setup = replaying(&local.store).await;
    let answer = ask(
        &setup,
        json!({"op": "republish", "filter": {"eventType": "Ticked"}, "maxEvents": 0}),
    )
    .await;
    assert_eq!(answer["error"]["type"], "Validation", "{answer}");
    assert_eq!(answer["error"]["field"], "eventType", "{answer}");
    let message = answer["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("byEventType"), "{answer}");
    // Nothing began: no replay is stored to sit in progress forever.
    let stored = setup
        .read_models
        .list(REPLAYS_MODEL, &Default::default())
        .await
        .unwrap();
    assert!(stored.items.is_empty(), "{:?}", stored.items);

    // A rebuild needs no index: without byTime its dry run counts by DynamoDB's estimate.
    let none = local_store_with(|settings| {
        settings.indexes = Some(event_store_domain::EnabledIndexes::none())
    })
    .await;
    let dry_run = ask(
        &replaying(&none.store).await,
        json!({"op": "rebuild", "dryRun": true}),
    )
    .await;
    assert_eq!(dry_run["estimated"], true, "{dry_run}");
    assert!(dry_run["count"].is_u64(), "{dry_run}");
}
