//! Rebuilds against the local endpoint: a store of several thousand events across streams,
//! projected live by the real projector, then rebuilt by the replay function into new
//! generations; the rebuilt models must equal the live ones, whether the rebuild ran in one go,
//! was interrupted twice (once killed mid-flight), or had the projector writing beside it. What a
//! rebuild replaces is kept for its grace period, then deleted by the sweep; an abandoned rebuild
//! is no longer written and is deleted; seed 000's transactions rebuild like any read model.

use std::collections::BTreeMap;
use std::time::Duration;

use event_store_domain::{
    AggregateType, AppendCommand, AppendRequest, ExpectedVersion, NewEvent, ProjectorSettings,
    ReducerRegistry, StreamId, GENERATIONS_MODEL, TRANSACTIONS_MODEL,
};
use event_store_dynamodb::{DynamoReadModels, EventBridgePublisher, Publication};
use event_store_tests::bus::{receive_until, subscribed_bus};
use event_store_tests::read_models::{
    all_documents, fixture_read_models, projections_table, replayer,
};
use event_store_tests::{event, fixture, local_store, LocalStore};
use lambda_runtime::{Context, LambdaEvent};
use projector::Projector;
use replay::Replayer;
use serde_json::{json, Value};

const EVENTS_PER_STREAM: u64 = 50;

struct Setup {
    local: LocalStore,
    read_models: DynamoReadModels,
    projector: Projector,
    replayer: Replayer,
    run: String,
}

async fn setup() -> Setup {
    let local = local_store().await;
    let read_models = projections_table(&local, "rebuild").await;
    let projector = Projector::new(
        local.store.clone(),
        read_models.clone(),
        fixture_read_models(),
        ReducerRegistry::with_examples(),
    );
    let replayer = replayer(&local.store, &read_models).await;
    Setup {
        local,
        read_models,
        projector,
        replayer,
        run: uuid::Uuid::new_v4().simple().to_string()[..8].to_owned(),
    }
}

/// Event `n` of an account stream: opened, then deposits and withdrawals.
fn account_event(account: &str, n: u64) -> NewEvent {
    let new = match n {
        0 => event(
            "AccountCreated",
            json!({"accountId": account, "customerId": "c-1", "accountType": "checking"}),
        ),
        n => event(
            "TransactionProcessed",
            json!({"transactionId": format!("t-{n}"), "amount": (n % 7) as f64 * 10.5,
                   "type": if n % 3 == 0 { "withdrawal" } else { "deposit" }}),
        ),
    };
    new.with_aggregate_type(AggregateType::new("Account").unwrap())
}

/// Event `n` of an item stream (seed 003): ten items per stream, created, changed, some deleted.
fn item_event(stream: usize, n: u64) -> NewEvent {
    let item = format!("item-{stream}-{}", n % 10);
    match n / 10 {
        0 => event("ITEM_CREATED", json!({"itemId": item, "amount": n})),
        4 if n % 3 == 0 => event("ITEM_DELETED", json!({"itemId": item})),
        round => event(
            "ITEM_AMOUNT_CHANGED",
            json!({"itemId": item, "amount": n * 100 + round}),
        ),
    }
}

/// Appends `streams` account streams and as many item streams, `per_stream` events each.
async fn append(setup: &Setup, streams: usize, from: u64, per_stream: u64) -> Vec<StreamId> {
    let mut ids = Vec::new();
    for s in 0..streams {
        for kind in ["account", "items"] {
            let stream = StreamId::new(format!("{kind}-{}-{s}", setup.run)).unwrap();
            let events: Vec<NewEvent> = (from..from + per_stream)
                .map(|n| match kind {
                    "account" => account_event(stream.as_str(), n),
                    _ => item_event(s, n),
                })
                .collect();
            let expected = match from {
                0 => ExpectedVersion::NoStream,
                n => ExpectedVersion::Exact(event_store_domain::Version::new(n)),
            };
            setup
                .local
                .store
                .append_chunked(&stream, expected, events)
                .await
                .unwrap();
            ids.push(stream);
        }
    }
    ids
}

/// Projects every event of `streams` with the live projector, in stream order.
async fn project_live(setup: &Setup, streams: &[StreamId]) {
    let generations = setup.projector.generations().await.unwrap();
    for stream in streams {
        for event in setup.local.all_events(stream).await {
            setup.projector.project(&event, &generations).await.unwrap();
        }
    }
}

/// What queries read of `model` now: its live generation.
async fn live(read_models: &DynamoReadModels, model: &str) -> BTreeMap<String, Value> {
    let name = read_models.live_name(model).await.unwrap();
    all_documents(read_models, &name).await
}

async fn ask(setup: &Setup, payload: Value) -> Value {
    setup
        .replayer
        .handle(LambdaEvent::new(payload, Context::default()))
        .await
}

const MODELS: [&str; 2] = ["testItems", "accountBalances"];

#[tokio::test]
async fn a_rebuild_equals_the_live_projection_of_thousands_of_events() {
    let setup = setup().await;
    let streams = append(&setup, 30, 0, EVENTS_PER_STREAM).await;
    project_live(&setup, &streams).await;
    let mut before = BTreeMap::new();
    for model in MODELS {
        let documents = live(&setup.read_models, model).await;
        assert!(documents.len() >= 30, "{model} holds {}", documents.len());
        before.insert(model, documents);
    }
    assert_eq!(before["accountBalances"].len(), 30);
    assert_eq!(
        before["accountBalances"][streams[0].as_str()]["transactionCount"],
        json!(EVENTS_PER_STREAM - 1)
    );

    let answer = ask(&setup, json!({"op": "rebuild", "segments": 4})).await;
    assert_eq!(answer["status"], "complete", "{answer}");
    assert_eq!(answer["done"], json!(3000), "{answer}");
    assert_eq!(answer["applied"], json!(3000), "{answer}");
    for model in MODELS {
        assert_eq!(
            setup.read_models.live_name(model).await.unwrap(),
            format!("{model}@1")
        );
        assert_eq!(
            live(&setup.read_models, model).await,
            before[model],
            "{model}"
        );
    }
    // The checkpoints retire with the last model to switch: until then another model may still
    // build from them.
    let checkpoints = format!("$rebuild.{}", answer["replayId"].as_str().unwrap());
    assert_eq!(
        retired(&setup.read_models, "accountBalances").await,
        ["accountBalances".to_owned()]
    );
    assert_eq!(
        retired(&setup.read_models, "testItems").await,
        ["testItems".to_owned(), checkpoints]
    );
}

#[tokio::test]
async fn a_rebuild_interrupted_twice_once_killed_ends_equal_and_queries_never_see_it_half_built() {
    let setup = setup().await;
    let streams = append(&setup, 6, 0, EVENTS_PER_STREAM).await;
    project_live(&setup, &streams).await;
    let before = live(&setup.read_models, "testItems").await;

    let first = ask(
        &setup,
        json!({"op": "rebuild", "models": ["testItems"], "segments": 3, "maxEvents": 150}),
    )
    .await;
    assert_eq!(first["status"], "inProgress", "{first}");
    let replay_id = first["replayId"].as_str().unwrap().to_owned();
    assert_eq!(
        first["continuation"],
        json!({"op": "rebuild", "replayId": replay_id})
    );
    assert_eq!(first["models"], json!({"testItems": 1}));
    assert!(first["totalEstimate"].as_u64().unwrap() >= 600, "{first}");
    assert_eq!(
        setup.read_models.live_name("testItems").await.unwrap(),
        "testItems",
        "half built: queries stay on the old generation"
    );
    assert_eq!(live(&setup.read_models, "testItems").await, before);
    let again = ask(&setup, json!({"op": "rebuild", "models": ["testItems"]})).await;
    assert_eq!(again["error"]["type"], "Validation", "{again}");
    assert!(
        again["error"]["message"]
            .as_str()
            .unwrap()
            .contains(&replay_id),
        "{again}"
    );

    // Events arrive while the rebuild runs: the projector writes them to both generations.
    let more = append(&setup, 6, EVENTS_PER_STREAM, 10).await;
    let generations = setup.projector.generations().await.unwrap();
    assert_eq!(generations.building.len(), 1);
    for stream in more.iter().filter(|s| s.as_str().starts_with("items")) {
        for event in setup.local.all_events(stream).await {
            if event.version.get() > EVENTS_PER_STREAM {
                setup.projector.project(&event, &generations).await.unwrap();
            }
        }
    }
    let grown = live(&setup.read_models, "testItems").await;
    assert_ne!(grown, before);

    // Killed mid-flight: the invocation is dropped wherever it stands once it has sent 8
    // requests (inside its first round, before that round's checkpoint).
    let sent = setup.local.meter.total();
    let killed = tokio::select! {
        answer = ask(&setup, json!({"op": "rebuild", "replayId": replay_id})) => Some(answer),
        () = async {
            while setup.local.meter.total() < sent + 8 {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        } => None,
    };
    assert_eq!(killed, None, "the invocation was to be cut off");
    let progress = ask(&setup, json!({"op": "progress", "replayId": replay_id})).await;
    assert_eq!(progress["kind"], "rebuild");
    assert_eq!(
        setup.read_models.live_name("testItems").await.unwrap(),
        "testItems"
    );

    let last = ask(&setup, json!({"op": "rebuild", "replayId": replay_id})).await;
    assert_eq!(last["status"], "complete", "{last}");
    let progress = ask(&setup, json!({"op": "progress", "replayId": replay_id})).await;
    assert_eq!(progress["status"], "complete", "{progress}");
    assert_eq!(progress["done"], last["done"]);
    assert_eq!(
        setup.read_models.live_name("testItems").await.unwrap(),
        "testItems@1"
    );
    assert_eq!(live(&setup.read_models, "testItems").await, grown);
    assert_eq!(
        setup
            .read_models
            .live_name("accountBalances")
            .await
            .unwrap(),
        "accountBalances",
        "only the named model was rebuilt"
    );
}

#[tokio::test]
async fn a_dry_run_counts_and_writes_nothing_and_unknown_models_are_named() {
    let setup = setup().await;
    append(&setup, 2, 0, 5).await;
    let answer = ask(&setup, json!({"op": "rebuild", "dryRun": true})).await;
    assert_eq!(answer["count"], 20, "{answer}");
    assert_eq!(
        answer["models"],
        json!(["testItems", "customers", "accountBalances"])
    );
    assert!(setup
        .read_models
        .all_generations()
        .await
        .unwrap()
        .is_empty());
    assert!(all_documents(&setup.read_models, "$replays")
        .await
        .is_empty());

    let unknown = ask(&setup, json!({"op": "rebuild", "models": ["nope"]})).await;
    assert_eq!(unknown["error"]["type"], "Validation", "{unknown}");
    assert_eq!(unknown["error"]["field"], "models");
    assert!(unknown["error"]["message"]
        .as_str()
        .unwrap()
        .contains("nope"));
    assert!(setup
        .read_models
        .all_generations()
        .await
        .unwrap()
        .is_empty());

    let wrong_kind = ask(&setup, json!({"op": "republish", "replayId": "missing"})).await;
    assert_eq!(wrong_kind["error"]["field"], "replayId", "{wrong_kind}");
}

/// The stored names `model`'s pointer has retired.
async fn retired(read_models: &DynamoReadModels, model: &str) -> Vec<String> {
    let pointer = read_models.generations(model).await.unwrap();
    pointer.retired.into_iter().map(|r| r.stored_name).collect()
}

#[tokio::test]
async fn a_replaced_generation_is_kept_for_its_grace_period_then_deleted_by_the_sweep() {
    let setup = setup().await;
    let streams = append(&setup, 3, 0, 20).await;
    project_live(&setup, &streams).await;
    let before = live(&setup.read_models, "testItems").await;
    assert!(!before.is_empty());

    let answer = ask(&setup, json!({"op": "rebuild", "models": ["testItems"]})).await;
    assert_eq!(answer["status"], "complete", "{answer}");
    let replay_id = answer["replayId"].as_str().unwrap();
    let checkpoints = format!("$rebuild.{replay_id}");
    assert_eq!(
        retired(&setup.read_models, "testItems").await,
        ["testItems".to_owned(), checkpoints.clone()]
    );
    let pointer = setup.read_models.generations("testItems").await.unwrap();
    let purge_after = pointer.retired[0].purge_after;
    let grace = purge_after - chrono::Utc::now();
    assert!(
        grace > chrono::Duration::hours(23) && grace <= chrono::Duration::hours(24),
        "kept for the default 24 hours: {grace}"
    );
    assert!(!all_documents(&setup.read_models, &checkpoints)
        .await
        .is_empty());

    // Within the grace period, a rollback stays one pointer write away: nothing is deleted.
    let early = setup.projector.sweep(chrono::Utc::now()).await.unwrap();
    assert_eq!(early.purged, 0);
    assert_eq!(all_documents(&setup.read_models, "testItems").await, before);

    let late = setup
        .projector
        .sweep(purge_after + chrono::Duration::seconds(1))
        .await
        .unwrap();
    assert!(late.purged > before.len(), "{late:?}");
    assert!(all_documents(&setup.read_models, "testItems")
        .await
        .is_empty());
    assert!(all_documents(&setup.read_models, &checkpoints)
        .await
        .is_empty());
    assert!(retired(&setup.read_models, "testItems").await.is_empty());
    assert_eq!(
        live(&setup.read_models, "testItems").await,
        before,
        "live untouched"
    );
    let again = setup
        .projector
        .sweep(purge_after + chrono::Duration::seconds(2))
        .await
        .unwrap();
    assert_eq!(again.purged, 0, "nothing left to delete");
}

#[tokio::test]
async fn an_abandoned_rebuild_is_no_longer_written_and_is_deleted_once_in_flight_writes_end() {
    let setup = setup().await;
    let streams = append(&setup, 4, 0, 20).await;
    project_live(&setup, &streams).await;
    let before = live(&setup.read_models, "testItems").await;

    let first = ask(
        &setup,
        json!({"op": "rebuild", "models": ["testItems"], "segments": 1, "maxEvents": 40}),
    )
    .await;
    assert_eq!(first["status"], "inProgress", "{first}");
    let replay_id = first["replayId"].as_str().unwrap().to_owned();
    let half_built = all_documents(&setup.read_models, "testItems@1").await;
    assert!(!half_built.is_empty(), "the first page was written");

    let abandoned = ask(&setup, json!({"op": "abandon", "replayId": replay_id})).await;
    assert_eq!(abandoned["status"], "abandoned", "{abandoned}");
    let pointer = setup.read_models.generations("testItems").await.unwrap();
    assert_eq!((pointer.live, pointer.building), (0, None));
    assert_eq!(
        retired(&setup.read_models, "testItems").await,
        ["testItems@1".to_owned(), format!("$rebuild.{replay_id}")]
    );
    let again = ask(&setup, json!({"op": "abandon", "replayId": replay_id})).await;
    assert_eq!(
        again["status"], "abandoned",
        "abandoning twice answers the same"
    );
    let progress = ask(&setup, json!({"op": "progress", "replayId": replay_id})).await;
    assert_eq!(progress["status"], "abandoned", "{progress}");

    // The live projector goes on with new events and no longer writes the abandoned generation.
    let more = append(&setup, 4, 20, 5).await;
    let generations = setup.projector.generations().await.unwrap();
    assert!(generations.building.is_empty());
    for stream in &more {
        for event in setup.local.all_events(stream).await {
            if event.version.get() > 20 {
                setup.projector.project(&event, &generations).await.unwrap();
            }
        }
    }
    assert_ne!(live(&setup.read_models, "testItems").await, before);
    assert_eq!(
        all_documents(&setup.read_models, "testItems@1").await,
        half_built
    );
    // Continuing it goes no further and switches nothing.
    let resumed = ask(&setup, json!({"op": "rebuild", "replayId": replay_id})).await;
    assert_eq!(resumed["status"], "abandoned", "{resumed}");
    assert_eq!(
        setup.read_models.live_name("testItems").await.unwrap(),
        "testItems"
    );

    // A projector batch that read the pointers before the abandon may run 15 minutes more.
    let purge_after = setup
        .read_models
        .generations("testItems")
        .await
        .unwrap()
        .retired[0]
        .purge_after;
    assert!(purge_after - chrono::Utc::now() > chrono::Duration::minutes(14));
    assert_eq!(
        setup
            .projector
            .sweep(chrono::Utc::now())
            .await
            .unwrap()
            .purged,
        0
    );
    let swept = setup
        .projector
        .sweep(purge_after + chrono::Duration::seconds(1))
        .await
        .unwrap();
    assert!(swept.purged >= half_built.len(), "{swept:?}");
    assert!(all_documents(&setup.read_models, "testItems@1")
        .await
        .is_empty());
    assert!(retired(&setup.read_models, "testItems").await.is_empty());

    // The model can be rebuilt again, and the rebuild ends equal to the live model.
    let live_now = live(&setup.read_models, "testItems").await;
    let rebuilt = ask(&setup, json!({"op": "rebuild", "models": ["testItems"]})).await;
    assert_eq!(rebuilt["status"], "complete", "{rebuilt}");
    assert_eq!(live(&setup.read_models, "testItems").await, live_now);
    let complete = rebuilt["replayId"].as_str().unwrap();
    let refused = ask(&setup, json!({"op": "abandon", "replayId": complete})).await;
    assert_eq!(refused["error"]["type"], "Validation", "{refused}");
    assert_eq!(refused["error"]["field"], "replayId");
}

/// Seed 000's account lifecycle on stream `account`: each step at minute `m` of one morning.
fn lifecycle(account: &str, steps: &[(&str, u32)]) -> AppendRequest {
    let events: Vec<Value> = steps
        .iter()
        .map(|(event_type, minute)| {
            json!({"eventType": event_type, "eventTime": format!("2024-02-01T08:{minute:02}:00Z"),
                   "data": {"Account": account}})
        })
        .collect();
    AppendCommand::from_json(json!({"streamId": account, "expectedVersion": 0, "events": events}))
        .unwrap()
}

#[tokio::test]
async fn seed_000_transactions_rebuild_equal_to_the_live_ones_and_publish_nothing_again() {
    let local = local_store().await;
    let read_models = projections_table(&local, "rebuild-cycles").await;
    let settings =
        ProjectorSettings::from_json(&fixture("settings/projector.json").to_string()).unwrap();
    let subscription = subscribed_bus("event-store.").await;
    let publisher = EventBridgePublisher::new(subscription.events.clone(), &subscription.bus);
    let projector = Projector::new(
        local.store.clone(),
        read_models.clone(),
        settings.clone(),
        ReducerRegistry::with_examples(),
    )
    .with_publisher(publisher.clone());
    let replayer = Replayer::new(
        local.store.clone(),
        read_models.clone(),
        publisher.clone(),
        subscription.bus.clone(),
    )
    .with_settings(&settings);

    let mut streams = Vec::new();
    for n in 0..12u32 {
        let account = format!("{:012}", 300_000_000 + n);
        let command = match n % 3 {
            // Complete: metered once.
            0 => lifecycle(
                &account,
                &[
                    ("ExpiredAccount", 0),
                    ("PurgedAccount", 5),
                    ("PreparedAccount", 10),
                    ("ReleasedAccount", 12),
                ],
            ),
            // Partial: a step missing.
            1 => lifecycle(&account, &[("ExpiredAccount", 0), ("PreparedAccount", 10)]),
            // Still open.
            _ => lifecycle(&account, &[("CreatedAccount", 1), ("PreparedAccount", 3)]),
        };
        local.store.append(&command).await.unwrap();
        streams.push(StreamId::new(account).unwrap());
    }
    let generations = projector.generations().await.unwrap();
    for stream in &streams {
        for event in local.all_events(stream).await {
            projector.project(&event, &generations).await.unwrap();
        }
    }
    let cycle_models = ["$cycle:account-release", "$cycle:account-maintenance"];
    let mut before = BTreeMap::new();
    for model in std::iter::once(TRANSACTIONS_MODEL).chain(cycle_models) {
        before.insert(model, all_documents(&read_models, model).await);
    }
    let with_status = |status: &str| {
        before[TRANSACTIONS_MODEL]
            .values()
            .filter(|t| t["status"] == status)
            .count()
    };
    assert_eq!(
        (
            with_status("complete"),
            with_status("partial"),
            with_status("inProgress")
        ),
        (4, 4, 4)
    );
    assert!(
        !before["$cycle:account-release"].is_empty(),
        "open instances"
    );
    let metered = receive_until(&subscription, |r| {
        r.iter()
            .filter(|e| e["source"] == "event-store.metering")
            .count()
            >= 4
    })
    .await;
    assert_eq!(
        metered
            .iter()
            .filter(|e| e["source"] == "event-store.metering")
            .count(),
        4
    );

    let dry = replayer
        .handle(LambdaEvent::new(
            json!({"op": "rebuild", "dryRun": true}),
            Context::default(),
        ))
        .await;
    assert!(
        dry["models"]
            .as_array()
            .unwrap()
            .contains(&json!(TRANSACTIONS_MODEL)),
        "{dry}"
    );
    let answer = replayer
        .handle(LambdaEvent::new(
            json!({"op": "rebuild", "models": [TRANSACTIONS_MODEL], "segments": 2}),
            Context::default(),
        ))
        .await;
    assert_eq!(answer["status"], "complete", "{answer}");
    assert_eq!(
        read_models.live_name(TRANSACTIONS_MODEL).await.unwrap(),
        "$transactions@1"
    );
    for model in std::iter::once(TRANSACTIONS_MODEL).chain(cycle_models) {
        assert_eq!(
            all_documents(&read_models, &format!("{model}@1")).await,
            before[model],
            "{model}"
        );
    }
    // The old generation and its cycles' open instances retire together.
    let pointer = read_models.generations(TRANSACTIONS_MODEL).await.unwrap();
    let names: Vec<&str> = pointer
        .retired
        .iter()
        .map(|r| r.stored_name.as_str())
        .collect();
    assert_eq!(
        names[..3],
        [TRANSACTIONS_MODEL, cycle_models[0], cycle_models[1]]
    );
    assert!(all_documents(&read_models, GENERATIONS_MODEL)
        .await
        .contains_key(TRANSACTIONS_MODEL));

    // Nothing was published again: a marker sent after the rebuild is the next thing to arrive.
    publisher
        .publish(&[Publication {
            source: "event-store.test-marker".into(),
            detail_type: "Marker".into(),
            detail: json!({}),
            resources: Vec::new(),
            subject: None,
        }])
        .await
        .unwrap();
    let after = receive_until(&subscription, |r| {
        r.iter().any(|e| e["source"] == "event-store.test-marker")
    })
    .await;
    let sources: Vec<&Value> = after.iter().map(|e| &e["source"]).collect();
    assert!(
        sources.iter().all(|s| *s != "event-store.metering"),
        "the rebuild metered again: {sources:?}"
    );
    assert!(sources.contains(&&json!("event-store.test-marker")));

    // The sweep later deletes the old generation of transactions and open instances.
    projector
        .sweep(pointer.retired[0].purge_after + chrono::Duration::seconds(1))
        .await
        .unwrap();
    for model in std::iter::once(TRANSACTIONS_MODEL).chain(cycle_models) {
        assert!(
            all_documents(&read_models, model).await.is_empty(),
            "{model}"
        );
    }
}

#[tokio::test]
async fn a_rebuild_that_claimed_its_switch_cannot_be_abandoned_and_finishes_when_continued() {
    let setup = setup().await;
    let streams = append(&setup, 3, 0, 20).await;
    project_live(&setup, &streams).await;
    let before = live(&setup.read_models, "testItems").await;
    let first = ask(
        &setup,
        json!({"op": "rebuild", "models": ["testItems"], "segments": 1, "maxEvents": 1}),
    )
    .await;
    let replay_id = first["replayId"].as_str().unwrap().to_owned();
    // Scan the rest, one page per invocation: the invocation that scans the last page has
    // spent its budget and leaves the switch to the next.
    let mut progress = first;
    for _ in 0..20 {
        if progress["segments"][0]["done"] == true {
            break;
        }
        progress = ask(
            &setup,
            json!({"op": "rebuild", "replayId": replay_id, "maxEvents": 1}),
        )
        .await;
    }
    assert_eq!(progress["status"], "inProgress", "{progress}");
    assert_eq!(progress["segments"][0]["done"], true, "{progress}");
    // Stand for an invocation that claimed the switch and died before moving any pointer.
    let stored = setup
        .read_models
        .get(replay::REPLAYS_MODEL, &replay_id)
        .await
        .unwrap()
        .unwrap();
    let mut claimed = stored.document.clone().unwrap();
    claimed["status"] = json!("switching");
    let checkpoints = claimed["checkpoints"].as_u64().unwrap() + 1;
    claimed["checkpoints"] = json!(checkpoints);
    setup
        .read_models
        .put_versioned(
            replay::REPLAYS_MODEL,
            &replay_id,
            event_store_domain::Version::new(checkpoints + 1),
            claimed,
        )
        .await
        .unwrap();
    let refused = ask(&setup, json!({"op": "abandon", "replayId": replay_id})).await;
    assert_eq!(refused["error"]["type"], "Validation", "{refused}");
    assert!(refused["error"]["message"]
        .as_str()
        .unwrap()
        .contains("switch"));
    assert_eq!(
        setup.read_models.live_name("testItems").await.unwrap(),
        "testItems",
        "the refused abandon moved no pointer"
    );
    let finished = ask(&setup, json!({"op": "rebuild", "replayId": replay_id})).await;
    assert_eq!(finished["status"], "complete", "{finished}");
    assert_eq!(
        setup.read_models.live_name("testItems").await.unwrap(),
        "testItems@1"
    );
    assert_eq!(live(&setup.read_models, "testItems").await, before);
}

#[tokio::test]
async fn a_generation_made_live_again_by_hand_is_never_purged() {
    let setup = setup().await;
    let streams = append(&setup, 2, 0, 10).await;
    project_live(&setup, &streams).await;
    let answer = ask(&setup, json!({"op": "rebuild", "models": ["testItems"]})).await;
    assert_eq!(answer["status"], "complete", "{answer}");
    let old = all_documents(&setup.read_models, "testItems").await;
    // A rollback by hand, within the grace period: the pointer says generation 0 is live again.
    let stored = setup
        .read_models
        .get(GENERATIONS_MODEL, "testItems")
        .await
        .unwrap()
        .unwrap();
    let mut pointer = stored.document.clone().unwrap();
    pointer["live"] = json!(0);
    let item = serde_json::json!({
        "model": GENERATIONS_MODEL, "key": "testItems", "document": pointer,
        "revision": stored.revision + 1, "updatedAt": stored.updated_at,
    });
    setup
        .read_models
        .client()
        .put_item()
        .table_name(setup.read_models.table())
        .set_item(Some(serde_dynamo::to_item(item).unwrap()))
        .send()
        .await
        .unwrap();
    let late = chrono::Utc::now() + chrono::Duration::days(2);
    setup.projector.sweep(late).await.unwrap();
    assert_eq!(
        all_documents(&setup.read_models, "testItems").await,
        old,
        "the live generation stays"
    );
    let left = retired(&setup.read_models, "testItems").await;
    assert!(!left.contains(&"testItems".to_owned()), "{left:?}");
}

#[tokio::test]
async fn transactions_are_not_rebuilt_while_a_cycle_spans_streams() {
    let local = local_store().await;
    let read_models = projections_table(&local, "rebuild-correlated").await;
    let settings = ProjectorSettings::from_json(
        &json!({"cycles": [{"name": "orders", "steps": ["OrderPlaced", "OrderShipped"], "correlateBy": "correlation"}]})
            .to_string(),
    )
    .unwrap();
    let replayer = replayer(&local.store, &read_models)
        .await
        .with_settings(&settings);
    let dry = replayer
        .handle(LambdaEvent::new(
            json!({"op": "rebuild", "dryRun": true}),
            Context::default(),
        ))
        .await;
    assert!(
        !dry["models"]
            .as_array()
            .unwrap()
            .contains(&json!(TRANSACTIONS_MODEL)),
        "{dry}"
    );
    let refused = replayer
        .handle(LambdaEvent::new(
            json!({"op": "rebuild", "models": [TRANSACTIONS_MODEL]}),
            Context::default(),
        ))
        .await;
    assert_eq!(refused["error"]["field"], "models", "{refused}");
    assert!(refused["error"]["message"]
        .as_str()
        .unwrap()
        .contains("orders"));
}
