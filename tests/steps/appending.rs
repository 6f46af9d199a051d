//! Steps of `features/appending.feature`.

use cucumber::{given, then, when};
use event_store_domain::{
    AppendRequest, Error, EventId, ExpectedVersion, NewEvent, StreamId, Version,
};
use event_store_tests::event;
use serde_json::json;

use super::StoreWorld;

#[given("a new stream")]
fn a_new_stream(_world: &mut StoreWorld) {}

#[given(expr = "the stream holds {int} events")]
async fn the_stream_holds(world: &mut StoreWorld, count: u64) {
    world.fill(count).await;
}

fn with_id(id: &str) -> NewEvent {
    event("ITEM_CREATED", json!({"itemId": id})).with_id(EventId::new(id).unwrap())
}

#[given(expr = "I appended event {string} expecting no stream")]
async fn appended_event(world: &mut StoreWorld, id: String) {
    world
        .append(ExpectedVersion::NoStream, vec![with_id(&id)])
        .await;
    world.appended.take().unwrap().unwrap();
}

#[when(expr = "I append {string} and {string} expecting no stream")]
async fn append_two(world: &mut StoreWorld, first: String, second: String) {
    let events = vec![event(&first, json!({})), event(&second, json!({}))];
    world.append(ExpectedVersion::NoStream, events).await;
}

#[when(expr = "I append {string} expecting version {int}")]
async fn append_at(world: &mut StoreWorld, event_type: String, version: u64) {
    let expected = ExpectedVersion::Exact(Version::new(version));
    world
        .append(expected, vec![event(&event_type, json!({}))])
        .await;
}

#[when(expr = "I append event {string} expecting no stream")]
async fn append_event_new(world: &mut StoreWorld, id: String) {
    world
        .append(ExpectedVersion::NoStream, vec![with_id(&id)])
        .await;
}

#[when(expr = "I append event {string} expecting any version {int} times")]
async fn append_event_repeatedly(world: &mut StoreWorld, id: String, times: u32) {
    for _ in 0..times {
        world.append(ExpectedVersion::Any, vec![with_id(&id)]).await;
        world
            .appended
            .as_ref()
            .unwrap()
            .as_ref()
            .expect("stored or duplicate");
    }
}

#[when(expr = "I append a batch of {int} events expecting version {int}")]
async fn append_batch(world: &mut StoreWorld, count: u64, version: u64) {
    let events = (0..count)
        .map(|n| event("Batched", json!({"n": n})))
        .collect();
    world
        .append(ExpectedVersion::Exact(Version::new(version)), events)
        .await;
}

#[when(expr = "I append an event with {int} KB of data expecting any version")]
async fn append_large(world: &mut StoreWorld, kilobytes: usize) {
    let big = event("Big", json!({"blob": "x".repeat(kilobytes * 1024)}))
        .with_id(EventId::new("the-big-one").unwrap());
    world.append(ExpectedVersion::Any, vec![big]).await;
}

#[when(regex = r#"^I submit an append with (\w+) set to "(.*)"$"#)]
async fn submit_invalid(world: &mut StoreWorld, field: String, value: String) {
    let mut body = json!({
        "streamId": "s-1",
        "expectedVersion": "any",
        "events": [{"eventId": "e-1", "eventType": "A", "data": {}}]
    });
    match field.as_str() {
        "streamId" | "expectedVersion" => body[&field] = json!(value),
        _ => body["events"][0][&field] = json!(value),
    }
    let parsed = serde_json::from_value::<StreamId>(body["streamId"].clone())
        .map_err(|e| e.to_string())
        .and_then(|stream| {
            let expected =
                serde_json::from_value::<ExpectedVersion>(body["expectedVersion"].clone())
                    .map_err(|e| e.to_string())?;
            let events = serde_json::from_value::<Vec<NewEvent>>(body["events"].clone())
                .map_err(|e| e.to_string())?;
            AppendRequest::new(stream, expected, events).map_err(|e| e.to_string())
        });
    world.rejection = match parsed {
        Ok(request) => panic!("{request:?} was accepted"),
        Err(message) => Some(message),
    };
}

#[then(expr = "the append succeeds with versions {int} to {int}")]
fn succeeds(world: &mut StoreWorld, first: u64, last: u64) {
    let outcome = world
        .appended
        .as_ref()
        .unwrap()
        .as_ref()
        .expect("the append succeeds");
    let expected: Vec<Version> = (first..=last).map(Version::new).collect();
    assert_eq!(outcome.versions, expected);
    assert!(!outcome.duplicate);
}

#[then(regex = r"^the stream holds (\d+) events?$")]
async fn stream_holds(world: &mut StoreWorld, count: usize) {
    let events = world.stream_events().await;
    assert_eq!(events.len(), count);
}

#[then(expr = "the append fails with a conflict: expected {int}, actual {int}")]
fn conflict(world: &mut StoreWorld, expected: u64, actual: u64) {
    match world.appended.as_ref().unwrap() {
        Err(Error::Conflict {
            expected: e,
            actual: a,
            stream,
        }) => {
            assert_eq!(*e, ExpectedVersion::Exact(Version::new(expected)));
            assert_eq!(*a, Version::new(actual));
            assert_eq!(stream, &world.stream);
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
}

#[then(expr = "the append is reported as a duplicate at version {int}")]
fn duplicate(world: &mut StoreWorld, version: u64) {
    let outcome = world
        .appended
        .as_ref()
        .unwrap()
        .as_ref()
        .expect("a duplicate succeeds");
    assert!(outcome.duplicate);
    assert_eq!(outcome.versions, vec![Version::new(version)]);
}

#[then("the append fails as too large, naming the event")]
fn too_large(world: &mut StoreWorld) {
    match world.appended.as_ref().unwrap() {
        Err(Error::TooLarge { event_id, .. }) => assert_eq!(event_id, "the-big-one"),
        other => panic!("expected TooLarge, got {other:?}"),
    }
}

#[then("no request was sent")]
fn no_request(world: &mut StoreWorld) {
    assert_eq!(world.local.meter.total(), 0);
}

#[then(regex = r"^it took (\d+) requests?: (\w+)$")]
fn took_requests(world: &mut StoreWorld, count: usize, operation: String) {
    let requests = world.local.meter.snapshot();
    assert_eq!(
        requests,
        [(operation, count)].into_iter().collect(),
        "{requests:?}"
    );
}

#[then(expr = "the append is rejected as invalid, naming {string}")]
fn rejected(world: &mut StoreWorld, field: String) {
    let message = world.rejection.as_ref().expect("rejected");
    assert!(
        message.contains(&field),
        "{message:?} does not name {field}"
    );
}
