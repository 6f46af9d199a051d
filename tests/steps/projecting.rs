//! Steps of `features/projections.feature`, `transactions.feature` and `follow-ups.feature`: real
//! appends, the table's stream records, the projector handler, and what reaches the bus.

use cucumber::gherkin::Step;
use cucumber::{given, then, when};
use event_store_domain::{AppendCommand, ProjectorSettings, ReducerRegistry};
use event_store_dynamodb::{create_projections_table, DynamoReadModels, EventBridgePublisher};
use event_store_tests::bus::{receive_until, subscribed_bus};
use event_store_tests::fixture;
use event_store_tests::streams::{batch, stream_records};
use lambda_runtime::{Context, LambdaEvent};
use projector::{Projector, STREAMS_MODEL};
use query::Query;
use serde_json::{json, Value};

use super::StoreWorld;

#[given(regex = r#"^these events in stream "([^"]+)":$"#)]
async fn events_in_stream(world: &mut StoreWorld, stream: String, step: &Step) {
    let table = step.table.as_ref().expect("a table of events");
    let header = &table.rows[0];
    let events: Vec<Value> = table.rows[1..]
        .iter()
        .map(|row| {
            let mut event = json!({"data": {}});
            for (column, cell) in header.iter().zip(row) {
                event[column] = match column.as_str() {
                    "data" => serde_json::from_str(cell).expect("JSON data"),
                    _ => json!(cell),
                };
            }
            event
        })
        .collect();
    let command = json!({"streamId": stream, "expectedVersion": "any", "events": events});
    world
        .local
        .store
        .append(&AppendCommand::from_json(command).unwrap())
        .await
        .unwrap();
}

async fn projector(world: &mut StoreWorld) -> (Projector, DynamoReadModels) {
    let table = format!("projections-{}", uuid::Uuid::new_v4());
    create_projections_table(&world.local.client, &table)
        .await
        .unwrap();
    let read_models = DynamoReadModels::new(world.local.client.clone(), table);
    let settings =
        ProjectorSettings::from_json(&fixture("settings/projector.json").to_string()).unwrap();
    let subscription = subscribed_bus("event-store.").await;
    let publisher = EventBridgePublisher::new(subscription.events.clone(), &subscription.bus);
    world.subscription = Some(subscription);
    let projector = Projector::new(
        world.local.store.clone(),
        read_models.clone(),
        settings,
        ReducerRegistry::with_examples(),
    )
    .with_publisher(publisher);
    (projector, read_models)
}

#[when(
    regex = r"^the projector receives the stream's records(?: (\d+) times)?( in reverse order)?$"
)]
async fn projector_receives(world: &mut StoreWorld, times: String, reverse: String) {
    let (projector, read_models) = projector(world).await;
    let mut records = stream_records(&world.local).await;
    if !reverse.is_empty() {
        records.reverse();
    }
    for _ in 0..times.parse::<usize>().unwrap_or(1) {
        let response = projector.handle(batch(&records)).await;
        assert!(response.batch_item_failures.is_empty(), "a record failed");
    }
    world.read_models = Some(read_models);
}

fn read_models(world: &StoreWorld) -> &DynamoReadModels {
    world.read_models.as_ref().expect("the projector ran")
}

#[then(regex = r#"^read model "([^"]+)" lists (\{.*\}) only$"#)]
async fn read_model_lists(world: &mut StoreWorld, model: String, document: String) {
    let page = read_models(world)
        .list(&model, &Default::default())
        .await
        .unwrap();
    let documents: Vec<Value> = page.items.into_iter().filter_map(|d| d.document).collect();
    assert_eq!(
        documents,
        vec![serde_json::from_str::<Value>(&document).unwrap()]
    );
}

#[then(expr = "the summary of stream {string} says version {int} after {int} events")]
async fn summary_says(world: &mut StoreWorld, stream: String, version: u64, count: u64) {
    let summary = read_models(world)
        .get(STREAMS_MODEL, &stream)
        .await
        .unwrap()
        .and_then(|d| d.document)
        .expect("a summary");
    assert_eq!(
        (summary["lastVersion"].as_u64(), summary["count"].as_u64()),
        (Some(version), Some(count))
    );
}

async fn most_recent_window(world: &StoreWorld, cycle: &str, entity: &str) -> Value {
    let query = Query::new(world.local.store.clone(), ReducerRegistry::with_examples())
        .with_read_models(read_models(world).clone());
    let answer = query
        .handle(LambdaEvent::new(
            json!({"op": "transactionsForEntity", "entity": entity}),
            Context::default(),
        ))
        .await;
    answer["transactions"]
        .as_array()
        .expect("transactions")
        .iter()
        .find(|t| t["cycle"] == cycle)
        .cloned()
        .unwrap_or_else(|| panic!("no {cycle} window: {answer}"))
}

#[then(regex = r#"^the most recent "([^"]+)" window of "([^"]+)" is (\w+)(?:: "(.*)")?$"#)]
async fn window_is(
    world: &mut StoreWorld,
    cycle: String,
    entity: String,
    status: String,
    reason: String,
) {
    let window = most_recent_window(world, &cycle, &entity).await;
    assert_eq!(window["status"], json!(status), "{window}");
    if !reason.is_empty() {
        assert_eq!(window["reason"], json!(reason));
    }
}

/// What reached the bus from `source`, once at least one such event arrived.
async fn published(world: &StoreWorld, source: &str) -> Vec<Value> {
    let subscription = world.subscription.as_ref().expect("the projector ran");
    let received = receive_until(subscription, |r| r.iter().any(|e| e["source"] == source)).await;
    received
        .into_iter()
        .filter(|e| e["source"] == source)
        .collect()
}

#[then(expr = "a metering event for {string} of {string} lasting {int} seconds reaches the bus")]
async fn metering_reaches(world: &mut StoreWorld, cycle: String, entity: String, seconds: u64) {
    let metering = published(world, "event-store.metering").await;
    assert_eq!(metering.len(), 1, "{metering:?}");
    let detail = &metering[0]["detail"];
    assert_eq!(
        (&detail["cycle"], &detail["entity"]),
        (&json!(cycle), &json!(entity))
    );
    assert_eq!(detail["durationSeconds"].as_f64(), Some(seconds as f64));
}

#[then(expr = "a {string} follow-up of stream {string} with DOMAIN {string} reaches the bus")]
async fn follow_up_reaches(
    world: &mut StoreWorld,
    event_type: String,
    stream: String,
    domain: String,
) {
    let follow_ups = published(world, "event-store.follow-ups").await;
    assert_eq!(follow_ups.len(), 1, "{follow_ups:?}");
    assert_eq!(follow_ups[0]["detail-type"], json!(event_type));
    assert_eq!(follow_ups[0]["detail"]["streamId"], json!(stream));
    assert_eq!(follow_ups[0]["detail"]["DOMAIN"], json!(domain));
}

#[when(expr = "the projector settings have the follow-up rule {string} to {string}")]
fn settings_with_rule(world: &mut StoreWorld, when: String, emit: String) {
    let document = json!({"followUps": [{"when": when, "emit": emit}]}).to_string();
    world.rejection = ProjectorSettings::from_json(&document)
        .err()
        .map(|e| e.to_string());
}

#[then("loading them fails saying the rules could loop")]
fn loading_fails(world: &mut StoreWorld) {
    let message = world.rejection.as_ref().expect("the settings were refused");
    assert!(message.contains("could loop"), "{message}");
}
