//! Steps of `features/exactly-once.feature`: inline payloads through the Invoke API, with
//! `{run}` replaced by the scenario's own suffix.

use cucumber::{given, then, when};
use event_store_tests::invoke::invoke;
use serde_json::{json, Value};

use super::StoreWorld;

async fn invoke_inline(world: &mut StoreWorld, function: &str, payload: &str) -> Value {
    let text = world.ids.apply(&world.fresh(payload));
    let payload: Value = serde_json::from_str(&text).expect("JSON in the step");
    let lambda = world.lambda().await;
    invoke(&lambda, function, &payload).await
}

#[given(regex = r"^the persister was invoked with (\{.*\})$")]
async fn persister_was_invoked_inline(world: &mut StoreWorld, payload: String) {
    let answer = invoke_inline(world, "persister", &payload).await;
    assert!(answer.get("error").is_none(), "{answer}");
}

#[when(regex = r"^the persister is invoked with (\{.*\})$")]
async fn persister_is_invoked_inline(world: &mut StoreWorld, payload: String) {
    world.answer = invoke_inline(world, "persister", &payload).await;
}

#[when(
    expr = "the persister is asked to append {int} events to stream {string} with no expected version"
)]
async fn persister_asked_many(world: &mut StoreWorld, count: usize, stream: String) {
    let events: Vec<Value> = (0..count)
        .map(|n| json!({"eventType": "ItemAdded", "data": {"n": n}}))
        .collect();
    let payload = json!({"streamId": world.fresh(&stream), "events": events});
    let lambda = world.lambda().await;
    world.answer = invoke(&lambda, "persister", &payload).await;
}

#[then(expr = "the answer is a duplicate at version {int} of stream {string}")]
fn answer_duplicate_at(world: &mut StoreWorld, version: u64, stream: String) {
    let answer = &world.answer;
    assert_eq!(answer["duplicate"], true, "{answer}");
    assert_eq!(answer["streamId"], json!(world.fresh(&stream)), "{answer}");
    assert_eq!(answer["versions"], json!([version]), "{answer}");
}

#[then(expr = "the answer is an IdReused error naming version {int} of stream {string}")]
fn answer_id_reused(world: &mut StoreWorld, version: u64, stream: String) {
    let error = &world.answer["error"];
    assert_eq!(error["type"], "IdReused", "{}", world.answer);
    assert_eq!(error["retryable"], false, "{}", world.answer);
    assert_eq!(error["storedIn"]["streamId"], json!(world.fresh(&stream)));
    assert_eq!(error["storedIn"]["version"], json!(version));
}

#[then(expr = "the answer is a PartlyStored error naming {string}")]
fn answer_partly_stored(world: &mut StoreWorld, event_id: String) {
    let error = &world.answer["error"];
    assert_eq!(error["type"], "PartlyStored", "{}", world.answer);
    let stored: Vec<&Value> = error["stored"]
        .as_array()
        .expect("the stored events")
        .iter()
        .map(|s| &s["eventId"])
        .collect();
    assert_eq!(
        stored,
        vec![&json!(world.fresh(&event_id))],
        "{}",
        world.answer
    );
}

#[then(expr = "the answer's event is version {int} of stream {string} with payload hash {string}")]
fn answer_event_with_hash(world: &mut StoreWorld, version: u64, stream: String, hash: String) {
    let event = &world.answer["event"];
    assert_eq!(
        event["streamId"],
        json!(world.fresh(&stream)),
        "{}",
        world.answer
    );
    assert_eq!(event["version"], json!(version));
    assert_eq!(event["payloadHash"], json!(hash));
}

#[then(expr = "the answer is a Validation error naming {string}")]
fn answer_validation_naming(world: &mut StoreWorld, field: String) {
    let error = &world.answer["error"];
    assert_eq!(error["type"], "Validation", "{}", world.answer);
    assert_eq!(error["field"], json!(field), "{}", world.answer);
}

#[then(expr = "the error message says {string}")]
fn error_message_says(world: &mut StoreWorld, text: String) {
    let message = world.answer["error"]["message"]
        .as_str()
        .unwrap_or_default();
    assert!(message.contains(&text), "{}", world.answer);
}
