//! Tables written before stream heads and payload hashes existed keep working: their events
//! read with their hash computed, a stream without a head gets one at its last event's version on
//! its next append (with or without an expected version), and a retry of an old event is still
//! recognized through its old guard.

use event_store_domain::{
    AppendRequest, Error, EventId, ExpectedVersion, NewEvent, RecordedEvent, StreamId, Version,
};
use event_store_dynamodb::{event_item, guard_item};
use event_store_tests::{event, fresh_stream, local_store, LocalStore};
use serde_json::json;

fn old_event(stream: &StreamId, n: u64) -> NewEvent {
    event("ItemAdded", json!({"n": n})).with_id(EventId::new(format!("{stream}-old-{n}")).unwrap())
}

/// Writes `count` events as the store did before heads: event items without `payloadHash`, and
/// guards without it, no head.
async fn write_old_stream(local: &LocalStore, stream: &StreamId, count: u64) {
    for n in 1..=count {
        let new = old_event(stream, n);
        let recorded =
            RecordedEvent::record(stream.clone(), Version::new(n), new, chrono::Utc::now());
        let mut item = event_item::to_item(
            &recorded,
            None,
            None,
            event_store_domain::EnabledIndexes::all(),
        )
        .unwrap();
        item.remove("payloadHash");
        put(local, item).await;
        let mut guard = guard_item::to_item(
            &recorded.event_id,
            &recorded.payload_hash,
            stream,
            Version::new(n),
            None,
        );
        guard.remove("payloadHash");
        put(local, guard).await;
    }
}

async fn put(local: &LocalStore, item: event_item::Item) {
    local
        .client
        .put_item()
        .table_name(local.store.table())
        .set_item(Some(item))
        .send()
        .await
        .unwrap();
}

async fn append(
    local: &LocalStore,
    stream: &StreamId,
    expected: ExpectedVersion,
    events: Vec<NewEvent>,
) -> Result<event_store_domain::AppendOutcome, Error> {
    local
        .store
        .append(&AppendRequest::new(stream.clone(), expected, events).unwrap())
        .await
}

#[tokio::test]
async fn old_events_read_back_with_their_hash_computed() {
    let local = local_store().await;
    let stream = fresh_stream("old");
    write_old_stream(&local, &stream, 2).await;
    let events = local.all_events(&stream).await;
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].payload_hash, old_event(&stream, 1).payload_hash());
}

#[tokio::test]
async fn a_stream_without_a_head_gets_one_at_its_last_version_on_its_next_append() {
    let local = local_store().await;
    for expected in [
        ExpectedVersion::Any,
        ExpectedVersion::Exact(Version::new(2)),
        ExpectedVersion::StreamExists,
    ] {
        let stream = fresh_stream("headless");
        write_old_stream(&local, &stream, 2).await;
        assert_eq!(local.store.head(&stream).await.unwrap(), Version::NONE);
        let outcome = append(
            &local,
            &stream,
            expected,
            vec![event("ItemAdded", json!({"n": 3}))],
        )
        .await
        .unwrap_or_else(|e| panic!("{expected}: {e}"));
        assert_eq!(outcome.versions, vec![Version::new(3)], "{expected}");
        assert_eq!(local.store.head(&stream).await.unwrap(), Version::new(3));
        let next = append(
            &local,
            &stream,
            ExpectedVersion::Exact(Version::new(3)),
            vec![event("ItemAdded", json!({"n": 4}))],
        )
        .await
        .unwrap();
        assert_eq!(next.versions, vec![Version::new(4)]);
    }
}

#[tokio::test]
async fn a_headless_stream_still_refuses_a_wrong_expected_version() {
    let local = local_store().await;
    let stream = fresh_stream("headless-conflict");
    write_old_stream(&local, &stream, 2).await;
    for expected in [
        ExpectedVersion::NoStream,
        ExpectedVersion::Exact(Version::new(1)),
        ExpectedVersion::Exact(Version::new(5)),
    ] {
        let error = append(
            &local,
            &stream,
            expected,
            vec![event("ItemAdded", json!({}))],
        )
        .await
        .unwrap_err();
        assert!(
            matches!(&error, Error::Conflict { actual, .. } if *actual == Version::new(2)),
            "{expected}: {error}"
        );
    }
    assert_eq!(local.all_events(&stream).await.len(), 2);
}

#[tokio::test]
async fn a_retry_of_an_old_event_is_recognized_through_its_old_guard() {
    let local = local_store().await;
    let stream = fresh_stream("old-retry");
    write_old_stream(&local, &stream, 2).await;
    let again = append(
        &local,
        &stream,
        ExpectedVersion::Any,
        vec![old_event(&stream, 1)],
    )
    .await
    .unwrap();
    assert!(again.duplicate);
    assert_eq!(again.versions, vec![Version::new(1)]);
    let mut other = old_event(&stream, 1);
    other.data = json!({"n": "something else"});
    let error = append(&local, &stream, ExpectedVersion::Any, vec![other])
        .await
        .unwrap_err();
    assert!(matches!(error, Error::IdReused(_)), "{error}");
}
