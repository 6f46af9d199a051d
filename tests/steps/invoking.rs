//! Steps of `features/ingesting.feature` and `features/querying.feature`: the functions through
//! the Lambda Invoke API, with fixtures whose ids are fresh per scenario.

use cucumber::{given, then, when};
use event_store_tests::failed_message_ids;
use event_store_tests::invoke::invoke;
use serde_json::{json, Value};

use super::StoreWorld;

async fn invoke_fixture(world: &mut StoreWorld, function: &str, path: &str) -> Value {
    let payload = world.ids.fixture(path);
    let lambda = world.lambda().await;
    invoke(&lambda, function, &payload).await
}

#[given(expr = "the persister was invoked with {string}")]
async fn persister_was_invoked(world: &mut StoreWorld, path: String) {
    let answer = invoke_fixture(world, "persister", &path).await;
    assert!(answer.get("error").is_none(), "{answer}");
}

#[when(regex = r#"^the persister is invoked with "([^"]+)"(?: (\d+) times)?$"#)]
async fn persister_is_invoked(world: &mut StoreWorld, path: String, times: String) {
    let times: usize = times.parse().unwrap_or(1);
    for _ in 0..times {
        world.answer = invoke_fixture(world, "persister", &path).await;
    }
}

#[when(regex = r"^the query function is asked (\{.*\})$")]
async fn query_is_asked(world: &mut StoreWorld, payload: String) {
    let payload = world.ids.apply(&payload);
    let payload: Value = serde_json::from_str(&world.fresh(&payload)).expect("JSON in the step");
    let lambda = world.lambda().await;
    world.answer = invoke(&lambda, "query", &payload).await;
}

#[then(regex = r"^the batch item failures are (.+)$")]
fn batch_item_failures(world: &mut StoreWorld, expected: String) {
    let failed = failed_message_ids(&world.answer);
    let expected: Vec<&str> = expected.split(',').map(str::trim).collect();
    assert_eq!(failed, expected);
}

async fn read_stream(world: &mut StoreWorld, stream: &str) -> Vec<Value> {
    let lambda = world.lambda().await;
    let stream = world.fresh(stream);
    let request = json!({"op": "readStream", "streamId": world.ids.name(&stream)});
    let answer = invoke(&lambda, "query", &request).await;
    answer["events"].as_array().cloned().unwrap_or_default()
}

#[then(regex = r#"^stream "([^"]+)" holds (\d+) events?$"#)]
async fn stream_holds(world: &mut StoreWorld, stream: String, count: usize) {
    assert_eq!(read_stream(world, &stream).await.len(), count);
}

#[then("the answer says duplicate")]
fn answer_duplicate(world: &mut StoreWorld) {
    assert_eq!(world.answer["duplicate"], true, "{}", world.answer);
}

#[then(
    expr = "event {int} of stream {string} has aggregate type {string} and correlation id {string}"
)]
async fn event_has(
    world: &mut StoreWorld,
    version: usize,
    stream: String,
    aggregate_type: String,
    correlation: String,
) {
    let events = read_stream(world, &stream).await;
    let event = &events[version - 1];
    assert_eq!(event["aggregateType"], json!(aggregate_type));
    assert_eq!(
        event["metadata"]["correlationId"],
        json!(world.ids.name(&correlation))
    );
}

#[then(expr = "the answer is a Conflict error, expected {int} and actual {int}")]
fn answer_conflict(world: &mut StoreWorld, expected: u64, actual: u64) {
    let error = &world.answer["error"];
    assert_eq!(error["type"], "Conflict", "{}", world.answer);
    assert_eq!(
        (&error["expected"], &error["actual"]),
        (&json!(expected), &json!(actual))
    );
}

#[then(regex = r"^the answer gives versions ([\d, ]+)$")]
fn answer_versions(world: &mut StoreWorld, versions: String) {
    let expected: Vec<u64> = versions
        .split(',')
        .map(|v| v.trim().parse().unwrap())
        .collect();
    assert_eq!(
        world.answer["versions"],
        json!(expected),
        "{}",
        world.answer
    );
}

#[then(expr = "the answer's state balance is {float} at version {int}")]
fn answer_balance(world: &mut StoreWorld, balance: f64, version: u64) {
    let state = &world.answer["state"];
    assert_eq!(
        state["state"]["balance"],
        json!(balance),
        "{}",
        world.answer
    );
    assert_eq!(state["version"], json!(version));
}

#[then(regex = r"^the answer holds versions ([\d, ]+?)( and a next page token)?$")]
fn answer_holds(world: &mut StoreWorld, versions: String, token: String) {
    let expected: Vec<u64> = versions
        .split(',')
        .map(|v| v.trim().parse().unwrap())
        .collect();
    let found: Vec<u64> = world.answer["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["version"].as_u64().unwrap())
        .collect();
    assert_eq!(found, expected, "{}", world.answer);
    assert_eq!(
        world.answer.get("nextPageToken").is_some(),
        !token.is_empty()
    );
}

#[then(expr = "the answer is a {word} error")]
fn answer_error(world: &mut StoreWorld, kind: String) {
    assert_eq!(
        world.answer["error"]["type"],
        json!(kind),
        "{}",
        world.answer
    );
}
