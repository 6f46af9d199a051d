//! Steps of `features/reading.feature`.

use chrono::{Duration, TimeZone, Utc};
use cucumber::{given, then, when};
use event_store_domain::{
    AppendRequest, Direction, EventIndex, EventQuery, ExpectedVersion, JsonMergeReducer, Metadata,
    PageRequest, State, StreamRead, TimeRange, Timestamp, Version,
};
use event_store_tests::{event, fresh_stream};
use serde_json::json;

use super::StoreWorld;

fn at(minute: i64) -> Timestamp {
    Utc.with_ymd_and_hms(2024, 1, 15, 10, 0, 0).unwrap() + Duration::minutes(minute)
}

fn numbers(list: &str) -> Vec<i64> {
    list.split(',')
        .map(|n| n.trim().parse().expect("a number"))
        .collect()
}

#[given(expr = "a new stream holding {int} events")]
async fn stream_holding(world: &mut StoreWorld, count: u64) {
    world.fill(count).await;
}

async fn read_pages(world: &mut StoreWorld, mut read: StreamRead) {
    world.pages.clear();
    loop {
        let page = world
            .local
            .store
            .read_stream(&world.stream, &read)
            .await
            .unwrap();
        world
            .pages
            .push(page.items.iter().map(|e| e.version.get()).collect());
        match page.next_page_token {
            Some(token) => read.page.page_token = Some(token),
            None => return,
        }
    }
}

#[when(regex = r"^I read the stream (forward|backward) (\d+) at a time$")]
async fn read_stream(world: &mut StoreWorld, direction: String, limit: usize) {
    let read = if direction == "forward" {
        StreamRead::forward(limit)
    } else {
        StreamRead::backward(limit)
    };
    read_pages(world, read).await;
}

#[when(expr = "I read versions {int} to {int}")]
async fn read_range(world: &mut StoreWorld, from: u64, to: u64) {
    let read = StreamRead {
        from_version: Some(Version::new(from)),
        to_version: Some(Version::new(to)),
        ..StreamRead::forward(100)
    };
    read_pages(world, read).await;
}

#[then(regex = r"^I get pages of versions (.+)$")]
fn pages_of_versions(world: &mut StoreWorld, pages: String) {
    let expected: Vec<Vec<u64>> = pages
        .split(',')
        .map(|range| {
            let (from, to) = range.trim().split_once('-').expect("a range like 1-10");
            let (from, to): (u64, u64) = (from.parse().unwrap(), to.parse().unwrap());
            if from <= to {
                (from..=to).collect()
            } else {
                (to..=from).rev().collect()
            }
        })
        .collect();
    assert_eq!(world.pages, expected);
}

async fn append_timed(
    world: &mut StoreWorld,
    streams: usize,
    minutes: &str,
    shape: impl Fn(i64) -> event_store_domain::NewEvent,
) {
    for _ in 0..streams {
        let stream = fresh_stream("timed");
        let events = numbers(minutes)
            .into_iter()
            .map(|m| shape(m).with_event_time(at(m)))
            .collect();
        let request = AppendRequest::new(stream, ExpectedVersion::NoStream, events).unwrap();
        world.local.store.append(&request).await.unwrap();
    }
}

#[given(regex = r#"^events of type "(\w+)" at minutes ([\d, ]+) in (\d+) streams?$"#)]
async fn events_of_type(
    world: &mut StoreWorld,
    event_type: String,
    minutes: String,
    streams: usize,
) {
    append_timed(world, streams, &minutes, |m| {
        event(&event_type, json!({"minute": m}))
    })
    .await;
}

#[given(regex = r#"^events by user "([\w-]+)" at minutes ([\d, ]+) in (\d+) streams?$"#)]
async fn events_by_user(world: &mut StoreWorld, user: String, minutes: String, streams: usize) {
    append_timed(world, streams, &minutes, |m| {
        event("Touched", json!({"minute": m})).with_metadata(Metadata {
            user_id: Some(user.clone()),
            ..Metadata::default()
        })
    })
    .await;
}

async fn query(world: &mut StoreWorld, query: EventQuery) {
    world.found.clear();
    let mut page = PageRequest::first(2);
    loop {
        let result = world.local.store.query_events(&query, &page).await.unwrap();
        world.found.extend(result.items);
        match result.next_page_token {
            Some(token) => page.page_token = Some(token),
            None => return,
        }
    }
}

#[when(expr = "I query events of type {string} between minutes {int} and {int}")]
async fn query_by_type(world: &mut StoreWorld, event_type: String, from: i64, to: i64) {
    let range = TimeRange {
        from: Some(at(from)),
        to: Some(at(to)),
    };
    query(
        world,
        EventQuery::new(EventIndex::EventType, event_type, range, Direction::Forward).unwrap(),
    )
    .await;
}

#[when(expr = "I query events by user {string} newest first")]
async fn query_by_user(world: &mut StoreWorld, user: String) {
    query(
        world,
        EventQuery::new(
            EventIndex::User,
            user,
            TimeRange::default(),
            Direction::Backward,
        )
        .unwrap(),
    )
    .await;
}

#[then(regex = r"^I get (\d+) events at minutes ([\d, ]+)$")]
fn found_at(world: &mut StoreWorld, count: usize, minutes: String) {
    let found: Vec<i64> = world
        .found
        .iter()
        .map(|e| e.data["minute"].as_i64().unwrap())
        .collect();
    assert_eq!(found.len(), count);
    assert_eq!(found, numbers(&minutes));
}

#[given(expr = "a snapshot of the stream at version {int}")]
async fn snapshot_at(world: &mut StoreWorld, version: u64) {
    world.local.snapshot_at(&world.stream, version).await;
}

#[when("I load the stream's state")]
async fn load_state(world: &mut StoreWorld) {
    world.local.meter.reset();
    world.state = Some(
        world
            .local
            .store
            .load_state(&world.stream, &JsonMergeReducer)
            .await
            .unwrap(),
    );
}

#[when(expr = "I load the stream's state as of version {int}")]
async fn load_state_at(world: &mut StoreWorld, version: u64) {
    world.local.meter.reset();
    world.state = Some(
        world
            .local
            .store
            .load_state_at(
                &world.stream,
                &event_store_domain::ReducerRegistry::empty(),
                None,
                event_store_domain::StateAt::Version(Version::new(version)),
            )
            .await
            .unwrap(),
    );
}

#[then(expr = "the state is built from the snapshot at {int} and {int} events")]
async fn state_built(world: &mut StoreWorld, snapshot: u64, applied: usize) {
    state_built_up_to(world, u64::MAX, snapshot, applied).await;
}

#[then(expr = "the state as of {int} is built from the snapshot at {int} and {int} events")]
async fn state_built_up_to(world: &mut StoreWorld, upto: u64, snapshot: u64, applied: usize) {
    let state = world.state.as_ref().unwrap();
    assert_eq!(state.snapshot_version, Some(Version::new(snapshot)));
    assert_eq!(state.events_applied, applied);
    let events: Vec<_> = world
        .stream_events()
        .await
        .into_iter()
        .filter(|e| e.version.get() <= upto)
        .collect();
    let full = State::fold(&JsonMergeReducer, world.stream.clone(), None, &events).unwrap();
    assert_eq!(state.state, full.state);
    assert_eq!(state.version, full.version);
}
