//! Steps of `features/event-types.feature`: schemas checked and upcasts applied by the
//! functions, which run with `fixtures/event-types.json` (tests/with-functions.sh).

use cucumber::{then, when};
use event_store_tests::invoke::invoke;
use serde_json::Value;

use super::StoreWorld;

#[when(regex = r"^the persister is asked (\{.*\})$")]
async fn persister_is_asked(world: &mut StoreWorld, payload: String) {
    let payload: Value = serde_json::from_str(&world.fresh(&payload)).expect("JSON in the step");
    let lambda = world.lambda().await;
    world.answer = invoke(&lambda, "persister", &payload).await;
}

#[then(expr = "the answer's error names {string} and says {string}")]
fn answer_error_names(world: &mut StoreWorld, field: String, words: String) {
    let error = &world.answer["error"];
    assert_eq!(error["field"], field.as_str(), "{}", world.answer);
    let message = error["message"].as_str().unwrap_or_default();
    assert!(message.contains(&words), "{}", world.answer);
}

#[then(regex = r"^(?:event (\d+) of )?the answer has data (\{.*\}) at schema version (\S+)$")]
fn answer_has_data(world: &mut StoreWorld, position: String, data: String, version: String) {
    let expected: Value = serde_json::from_str(&data).expect("JSON in the step");
    let event = match position.parse::<usize>() {
        Ok(position) => &world.answer["events"][position - 1],
        Err(_) => &world.answer["event"],
    };
    assert_eq!(event["data"], expected, "{}", world.answer);
    assert_eq!(event["metadata"]["schemaVersion"], version.as_str());
}

#[then("the answer holds no events")]
fn answer_holds_no_events(world: &mut StoreWorld) {
    assert_eq!(
        world.answer["events"].as_array().map(Vec::len),
        Some(0),
        "{}",
        world.answer
    );
}

#[then(expr = "the answer's state has {string} {string} at version {int}")]
fn answer_state_has(world: &mut StoreWorld, field: String, value: String, version: u64) {
    let state = &world.answer["state"];
    assert_eq!(state["state"][&field], value.as_str(), "{}", world.answer);
    assert_eq!(state["version"], version, "{}", world.answer);
}
