//! Steps of `features/pipeline.feature`: events published on the local stack's bus travel the
//! whole pipeline (rule, ingest queue, its mapping, persister, table, stream, its mapping,
//! projector) that `tests/with-pipeline.sh` runs; the steps only publish, wait and ask.

use std::time::{Duration, Instant};

use aws_sdk_sqs::types::QueueAttributeName;
use cucumber::gherkin::Step;
use cucumber::{given, then, when};
use event_store_local_stack::PipelineDefinition;
use event_store_tests::bus::{receive_until, subscribe};
use event_store_tests::invoke::invoke;
use serde_json::{json, Value};

use super::StoreWorld;

/// How long the pipeline may take to carry one event through.
const PATIENCE: Duration = Duration::from_secs(60);

fn pipeline() -> PipelineDefinition {
    PipelineDefinition::for_env("local")
}

/// Asks the query function until `done` accepts its answer, or fails after [`PATIENCE`].
async fn query_until(
    world: &mut StoreWorld,
    request: Value,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let lambda = world.lambda().await;
    let started = Instant::now();
    loop {
        let answer = invoke(&lambda, "query", &request).await;
        if done(&answer) {
            return answer;
        }
        assert!(
            started.elapsed() < PATIENCE,
            "after {PATIENCE:?}, {request} still answers {answer}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

async fn event_types(world: &mut StoreWorld, stream: &str, at_least: usize) -> Vec<String> {
    let answer = query_until(
        world,
        json!({"op": "readStream", "streamId": stream}),
        |answer| {
            answer["events"]
                .as_array()
                .is_some_and(|e| e.len() >= at_least)
        },
    )
    .await;
    answer["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["eventType"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[when("these events are published on the bus, each stored before the next:")]
async fn published_in_turn(world: &mut StoreWorld, step: &Step) {
    let table = step.table.as_ref().expect("a table of events");
    let config = event_store_dynamodb::sdk_config().await;
    let events = aws_sdk_eventbridge::Client::new(&config);
    let mut published_to: std::collections::HashMap<String, usize> = Default::default();
    for row in table.rows.iter().skip(1) {
        let cell = |i: usize| world.fresh(&row[i]);
        let (stream, source, detail_type, detail) = (cell(0), cell(1), cell(2), cell(3));
        let entry = aws_sdk_eventbridge::types::PutEventsRequestEntry::builder()
            .event_bus_name(pipeline().bus)
            .source(source)
            .detail_type(detail_type)
            .detail(detail)
            .build();
        let output = events.put_events().entries(entry).send().await.unwrap();
        assert_eq!(output.failed_entry_count(), 0, "{output:?}");
        let count = published_to.entry(stream.clone()).or_default();
        *count += 1;
        let expected = *count;
        event_types(world, &stream, expected).await;
    }
}

#[then(regex = r#"^read model "([^"]+)" comes to hold (\{.*\}) at key "([^"]+)"$"#)]
async fn read_model_holds(world: &mut StoreWorld, model: String, document: String, key: String) {
    let expected: Value = serde_json::from_str(&world.fresh(&document)).expect("JSON in the step");
    let request = json!({"op": "getReadModel", "model": model, "key": world.fresh(&key)});
    query_until(world, request, |answer| answer["document"] == expected).await;
}

#[then(regex = r#"^read model "([^"]+)" comes to hold nothing at key "([^"]+)"$"#)]
async fn read_model_empty(world: &mut StoreWorld, model: String, key: String) {
    let request = json!({"op": "getReadModel", "model": model, "key": world.fresh(&key)});
    query_until(world, request, |answer| {
        answer.get("document").is_none_or(Value::is_null)
    })
    .await;
}

#[then(regex = r#"^stream "([^"]+)" comes to hold (.+)$"#)]
async fn stream_comes_to_hold(world: &mut StoreWorld, stream: String, types: String) {
    let expected: Vec<String> = types.split(',').map(|t| t.trim().to_owned()).collect();
    let stream = world.fresh(&stream);
    assert_eq!(event_types(world, &stream, expected.len()).await, expected);
}

#[given(regex = r#"^a queue subscribed to source "([^"]+)" on the store's bus$"#)]
async fn subscribed(world: &mut StoreWorld, source: String) {
    world.subscription = Some(subscribe(&pipeline().bus, json!({"source": [source]})).await);
}

#[then(
    regex = r#"^a CycleCompleted event of cycle "([^"]+)" for "([^"]+)" arrives on that queue$"#
)]
async fn cycle_completed(world: &mut StoreWorld, cycle: String, entity: String) {
    let entity = world.fresh(&entity);
    let subscription = world.subscription.as_ref().expect("a subscription");
    let matches = |e: &Value| {
        e["detail-type"] == "CycleCompleted"
            && e["detail"]["cycle"] == json!(cycle)
            && e["detail"]["entity"] == json!(entity)
    };
    let received = receive_until(subscription, |got| got.iter().any(matches)).await;
    let completed = received
        .iter()
        .find(|e| matches(e))
        .unwrap_or_else(|| panic!("no CycleCompleted for {entity}: {received:?}"));
    assert_eq!(completed["source"], "event-store.metering");
    assert_eq!(
        completed["detail"]["steps"].as_array().map(Vec::len),
        Some(4),
        "{completed}"
    );
}

#[then(regex = r#"^a change notice for stream "([^"]+)" arrives on that queue$"#)]
async fn change_notice(world: &mut StoreWorld, stream: String) {
    let stream = world.fresh(&stream);
    let subscription = world.subscription.as_ref().expect("a subscription");
    let received = receive_until(subscription, |got| {
        got.iter().any(|e| e["detail"]["streamId"] == json!(stream))
    })
    .await;
    assert!(
        received
            .iter()
            .any(|e| e["detail"]["streamId"] == json!(stream)
                && e["source"] == "event-store.changes"),
        "no change notice for {stream}: {received:?}"
    );
}

#[then(regex = r#"^once the ingest queue is drained, stream "([^"]+)" holds (\d+) events?$"#)]
async fn after_drain(world: &mut StoreWorld, stream: String, count: usize) {
    let config = event_store_dynamodb::sdk_config().await;
    let sqs = aws_sdk_sqs::Client::new(&config);
    let url = sqs
        .get_queue_url()
        .queue_name(pipeline().ingest.queue)
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let started = Instant::now();
    loop {
        let attributes = sqs
            .get_queue_attributes()
            .queue_url(&url)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
            .send()
            .await
            .unwrap();
        let attributes = attributes.attributes().unwrap();
        let waiting: u64 = [
            QueueAttributeName::ApproximateNumberOfMessages,
            QueueAttributeName::ApproximateNumberOfMessagesNotVisible,
        ]
        .iter()
        .map(|a| attributes[a].parse::<u64>().unwrap())
        .sum();
        if waiting == 0 {
            break;
        }
        assert!(
            started.elapsed() < PATIENCE,
            "the ingest queue still holds {waiting} messages"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let stream = world.fresh(&stream);
    let types = event_types(world, &stream, count).await;
    assert_eq!(types.len(), count, "{types:?}");
}
