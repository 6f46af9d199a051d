//! Rebuilds against the local endpoint: a store of several thousand events across streams,
//! projected live by the real projector, then rebuilt by the replay function into new
//! generations; the rebuilt models must equal the live ones, whether the rebuild ran in one go,
//! was interrupted twice (once killed mid-flight), or had the projector writing beside it.

use std::collections::BTreeMap;
use std::time::Duration;

use event_store_domain::{AggregateType, ExpectedVersion, NewEvent, ReducerRegistry, StreamId};
use event_store_dynamodb::DynamoReadModels;
use event_store_tests::read_models::{
    all_documents, fixture_read_models, projections_table, replayer,
};
use event_store_tests::{event, local_store, LocalStore};
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
    assert_eq!(answer["models"], json!(["testItems", "accountBalances"]));
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
