//! Steps of `features/replay.feature`: the replay function asked through the Lambda Invoke API of
//! the local stack, its re-published events received from a queue subscribed to the bus.

use cucumber::{then, when};
use event_store_tests::bus::receive_until;
use event_store_tests::invoke::invoke;
use serde_json::{json, Value};

use super::StoreWorld;

#[when(regex = r"^the replay function is asked (\{.*\})$")]
async fn replay_is_asked(world: &mut StoreWorld, payload: String) {
    let payload: Value = serde_json::from_str(&world.fresh(&payload)).expect("JSON in the step");
    let lambda = world.lambda().await;
    world.answer = invoke(&lambda, "replay", &payload).await;
}

#[then(regex = r"^the replay is complete(?:, having done (\d+) events?)?$")]
fn replay_complete(world: &mut StoreWorld, done: String) {
    assert_eq!(world.answer["status"], "complete", "{}", world.answer);
    assert!(
        world.answer.get("continuation").is_none(),
        "{}",
        world.answer
    );
    if let Ok(done) = done.parse::<u64>() {
        assert_eq!(world.answer["done"], json!(done), "{}", world.answer);
    }
}

#[then("the replay function's progress of that replay says complete")]
async fn progress_complete(world: &mut StoreWorld) {
    let replay_id = world.answer["replayId"].clone();
    let lambda = world.lambda().await;
    let progress = invoke(
        &lambda,
        "replay",
        &json!({"op": "progress", "replayId": replay_id}),
    )
    .await;
    assert_eq!(progress["status"], "complete", "{progress}");
    assert_eq!(progress["replayId"], replay_id);
}

#[then(expr = "the answer counts {int} event(s)")]
fn answer_counts(world: &mut StoreWorld, count: u64) {
    assert_eq!(world.answer["dryRun"], true, "{}", world.answer);
    assert_eq!(world.answer["count"], json!(count), "{}", world.answer);
}

#[then(
    regex = r#"^(\d+) replays of stream "([^"]+)" arrive on that queue, each naming its original event$"#
)]
async fn replays_arrive(world: &mut StoreWorld, count: usize, stream: String) {
    let stream = world.fresh(&stream);
    let subscription = world.subscription.as_ref().expect("a subscription");
    let of_stream = |e: &&Value| e["detail"]["streamId"] == json!(stream);
    let received = receive_until(subscription, |got| {
        got.iter().filter(of_stream).count() >= count
    })
    .await;
    let replays: Vec<&Value> = received.iter().filter(of_stream).collect();
    assert_eq!(replays.len(), count, "{replays:?}");
    let mut originals = std::collections::BTreeSet::new();
    for replay in replays {
        assert_eq!(replay["source"], "event-store.replay", "{replay}");
        let original = &replay["detail"]["replay"]["originalEventId"];
        assert_eq!(original, &replay["detail"]["eventId"], "{replay}");
        originals.insert(original.to_string());
    }
    assert_eq!(originals.len(), count, "each original once");
    world.arrived = received;
}
