//! Retention (`EVENT_TTL_DAYS`) never reuses a version: DynamoDB's TTL removes old events (done
//! here by `support/ttl.rs`, since moto runs no expiry), never a stream's position. After every
//! event of a stream has expired, appends go on from the version it had; the projector never
//! meets a version it already applied; a snapshot that outlived its events blocks no append; a
//! state whose events are gone is `Expired`, never silently behind.

use event_store_domain::{
    AppendRequest, Error, EventId, ExpectedVersion, JsonMergeReducer, NewEvent, ReducerRegistry,
    StreamId, Version,
};
use event_store_tests::read_models::{fixture_read_models, projections_table};
use event_store_tests::ttl::expire_items;
use event_store_tests::{event, fresh_stream, local_store_with, LocalStore};
use projector::{Projector, STREAMS_MODEL};
use serde_json::json;

/// Two days from now: past the expiry of everything recorded now with a one-day retention.
fn after_two_days() -> i64 {
    chrono::Utc::now().timestamp() + 2 * 86_400
}

async fn one_day_store() -> LocalStore {
    local_store_with(|s| s.event_ttl_days = Some(1)).await
}

fn item(stream: &StreamId, n: u64) -> NewEvent {
    event(
        "ITEM_CREATED",
        json!({"itemId": format!("{stream}-{n}"), "amount": n}),
    )
    .with_id(EventId::new(format!("{stream}-e{n}")).unwrap())
}

async fn append(
    local: &LocalStore,
    stream: &StreamId,
    expected: ExpectedVersion,
    events: Vec<NewEvent>,
) -> Version {
    let request = AppendRequest::new(stream.clone(), expected, events).unwrap();
    local.store.append(&request).await.unwrap().last_version()
}

#[tokio::test]
async fn after_every_event_expired_appends_go_on_from_the_streams_version() {
    let local = one_day_store().await;
    let stream = fresh_stream("expired");
    append(
        &local,
        &stream,
        ExpectedVersion::NoStream,
        (1..=3).map(|n| item(&stream, n)).collect(),
    )
    .await;
    let removed = expire_items(&local.client, local.store.table(), after_two_days()).await;
    assert!(
        removed >= 3,
        "the events and their guards expire: {removed}"
    );
    assert!(local.all_events(&stream).await.is_empty());

    // The head kept the position: version 3 is still the stream's, so an append expecting it
    // succeeds at 4, and one expecting no stream conflicts.
    assert_eq!(local.store.head(&stream).await.unwrap(), Version::new(3));
    let fourth = append(
        &local,
        &stream,
        ExpectedVersion::Exact(Version::new(3)),
        vec![item(&stream, 4)],
    )
    .await;
    assert_eq!(fourth, Version::new(4));
    let fifth = append(
        &local,
        &stream,
        ExpectedVersion::Any,
        vec![item(&stream, 5)],
    )
    .await;
    assert_eq!(fifth, Version::new(5));
    let request =
        AppendRequest::single(stream.clone(), ExpectedVersion::NoStream, item(&stream, 6)).unwrap();
    assert!(matches!(
        local.store.append(&request).await,
        Err(Error::Conflict { actual, .. }) if actual == Version::new(5)
    ));
    let versions: Vec<u64> = local
        .all_events(&stream)
        .await
        .iter()
        .map(|e| e.version.get())
        .collect();
    assert_eq!(versions, vec![4, 5]);
}

#[tokio::test]
async fn the_projector_never_skips_a_new_event_after_its_streams_events_expired() {
    let local = one_day_store().await;
    let read_models = projections_table(&local, "retention").await;
    let projector = Projector::new(
        local.store.clone(),
        read_models.clone(),
        fixture_read_models(),
        ReducerRegistry::with_examples(),
    );
    let stream = fresh_stream("expired-projected");
    append(
        &local,
        &stream,
        ExpectedVersion::NoStream,
        (1..=3).map(|n| item(&stream, n)).collect(),
    )
    .await;
    let generations = projector.generations().await.unwrap();
    for event in local.all_events(&stream).await {
        projector.project(&event, &generations).await.unwrap();
    }
    expire_items(&local.client, local.store.table(), after_two_days()).await;

    append(
        &local,
        &stream,
        ExpectedVersion::Exact(Version::new(3)),
        vec![item(&stream, 4)],
    )
    .await;
    let fourth = local.all_events(&stream).await.pop().expect("event 4");
    assert_eq!(fourth.version, Version::new(4));
    assert_eq!(
        projector.project(&fourth, &generations).await.unwrap(),
        1,
        "applied, not skipped"
    );
    let document = read_models
        .get("testItems", &format!("{stream}-4"))
        .await
        .unwrap()
        .expect("projected");
    assert_eq!(document.document.unwrap()["amount"], json!(4));
    let summary = read_models
        .get(STREAMS_MODEL, stream.as_str())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(summary.document.unwrap()["lastVersion"], json!(4));
}

#[tokio::test]
async fn a_new_projector_starts_past_events_that_expired_before_it_saw_them() {
    let local = one_day_store().await;
    let stream = fresh_stream("expired-before");
    append(
        &local,
        &stream,
        ExpectedVersion::NoStream,
        (1..=3).map(|n| item(&stream, n)).collect(),
    )
    .await;
    expire_items(&local.client, local.store.table(), after_two_days()).await;
    append(
        &local,
        &stream,
        ExpectedVersion::Any,
        vec![item(&stream, 4)],
    )
    .await;
    let fourth = local.all_events(&stream).await.pop().unwrap();

    let read_models = projections_table(&local, "retention").await;
    let projector = Projector::new(
        local.store.clone(),
        read_models.clone(),
        fixture_read_models(),
        ReducerRegistry::with_examples(),
    );
    let generations = projector.generations().await.unwrap();
    // Versions 1..=3 are gone: the gap fill takes them as expired instead of failing forever.
    assert_eq!(projector.project(&fourth, &generations).await.unwrap(), 1);
    assert!(read_models
        .get("testItems", &format!("{stream}-4"))
        .await
        .unwrap()
        .is_some());
}

#[tokio::test]
async fn a_snapshot_that_outlived_its_events_blocks_no_append_and_a_gone_state_is_expired() {
    let local = one_day_store().await;
    let stream = fresh_stream("outlived");
    append(
        &local,
        &stream,
        ExpectedVersion::NoStream,
        (1..=4).map(|n| item(&stream, n)).collect(),
    )
    .await;
    local.snapshot_at(&stream, 2).await;
    expire_items(&local.client, local.store.table(), after_two_days()).await;

    // The snapshot at 2 remains (snapshots do not expire), events 3 and 4 are gone: the state
    // cannot be folded, and the load says so rather than answering version 2.
    match local.store.load_state(&stream, &JsonMergeReducer).await {
        Err(Error::Expired { from, to, .. }) => {
            assert_eq!((from, to), (Version::new(3), Version::new(4)));
        }
        other => panic!("expected Expired, got {other:?}"),
    }
    let next = append(
        &local,
        &stream,
        ExpectedVersion::Exact(Version::new(4)),
        vec![item(&stream, 5)],
    )
    .await;
    assert_eq!(next, Version::new(5));
}

#[tokio::test]
async fn a_stream_whose_oldest_events_expired_before_any_snapshot_is_expired_to_load() {
    let local = one_day_store().await;
    let stream = fresh_stream("partly-expired");
    append(
        &local,
        &stream,
        ExpectedVersion::NoStream,
        (1..=2).map(|n| item(&stream, n)).collect(),
    )
    .await;
    expire_items(&local.client, local.store.table(), after_two_days()).await;
    append(
        &local,
        &stream,
        ExpectedVersion::Any,
        vec![item(&stream, 3)],
    )
    .await;
    match local.store.load_state(&stream, &JsonMergeReducer).await {
        Err(Error::Expired { from, to, .. }) => {
            assert_eq!((from, to), (Version::new(1), Version::new(2)));
        }
        other => panic!("expected Expired, got {other:?}"),
    }
}

#[tokio::test]
async fn an_expired_id_may_be_used_again_though_its_streams_head_still_remembers_it() {
    for expected in [
        ExpectedVersion::Any,
        ExpectedVersion::Exact(Version::new(1)),
    ] {
        let local = one_day_store().await;
        let stream = fresh_stream("reuse-expired");
        append(
            &local,
            &stream,
            ExpectedVersion::NoStream,
            vec![item(&stream, 1)],
        )
        .await;
        expire_items(&local.client, local.store.table(), after_two_days()).await;
        // The retention is the dedupe window: once the event has expired, its id is free.
        let again = AppendRequest::single(stream.clone(), expected, item(&stream, 1)).unwrap();
        let outcome = local.store.append(&again).await.unwrap();
        assert!(!outcome.duplicate, "{expected}");
        assert_eq!(outcome.versions, vec![Version::new(2)]);
    }
}

#[tokio::test]
async fn an_expired_guard_that_ttl_has_not_deleted_yet_does_not_hold_its_id() {
    let local = one_day_store().await;
    let stream = fresh_stream("late-deletion");
    append(
        &local,
        &stream,
        ExpectedVersion::NoStream,
        vec![item(&stream, 1)],
    )
    .await;
    // A day passed: the event was deleted, its guard (expired too) is still there, as DynamoDB's
    // TTL deletes late and in no order.
    let guard_key =
        event_store_dynamodb::guard_item::key(&EventId::new(format!("{stream}-e1")).unwrap());
    local
        .client
        .update_item()
        .table_name(local.store.table())
        .set_key(Some(guard_key.clone()))
        .update_expression("SET expiresAt = :past")
        .expression_attribute_values(
            ":past",
            aws_sdk_dynamodb::types::AttributeValue::N(
                (chrono::Utc::now().timestamp() - 60).to_string(),
            ),
        )
        .send()
        .await
        .unwrap();
    local
        .client
        .delete_item()
        .table_name(local.store.table())
        .key(
            "streamId",
            aws_sdk_dynamodb::types::AttributeValue::S(stream.to_string()),
        )
        .key(
            "version",
            aws_sdk_dynamodb::types::AttributeValue::N("1".into()),
        )
        .send()
        .await
        .unwrap();
    let again =
        AppendRequest::single(stream.clone(), ExpectedVersion::Any, item(&stream, 1)).unwrap();
    let outcome = local.store.append(&again).await.unwrap();
    assert!(!outcome.duplicate);
    assert_eq!(outcome.versions, vec![Version::new(2)]);
}

#[tokio::test]
async fn a_gap_fill_takes_events_deleted_in_any_order_as_expired() {
    let local = one_day_store().await;
    let stream = fresh_stream("any-order");
    append(
        &local,
        &stream,
        ExpectedVersion::NoStream,
        (1..=5).map(|n| item(&stream, n)).collect(),
    )
    .await;
    // TTL deleted 2 and 4 first; 1, 3 and 5 are still there.
    for version in ["2", "4"] {
        local
            .client
            .delete_item()
            .table_name(local.store.table())
            .key(
                "streamId",
                aws_sdk_dynamodb::types::AttributeValue::S(stream.to_string()),
            )
            .key(
                "version",
                aws_sdk_dynamodb::types::AttributeValue::N(version.into()),
            )
            .send()
            .await
            .unwrap();
    }
    append(
        &local,
        &stream,
        ExpectedVersion::Any,
        vec![item(&stream, 6)],
    )
    .await;
    let sixth = local.all_events(&stream).await.pop().unwrap();
    let read_models = projections_table(&local, "retention").await;
    let projector = Projector::new(
        local.store.clone(),
        read_models.clone(),
        fixture_read_models(),
        ReducerRegistry::with_examples(),
    );
    let generations = projector.generations().await.unwrap();
    assert_eq!(
        projector.project(&sixth, &generations).await.unwrap(),
        4,
        "1, 3, 5 and 6"
    );
    for n in [1, 3, 5, 6] {
        assert!(
            read_models
                .get("testItems", &format!("{stream}-{n}"))
                .await
                .unwrap()
                .is_some(),
            "{n}"
        );
    }
}
