//! Appends against the local endpoint: optimistic concurrency, idempotency, atomic batches,
//! size limits, TTL, and the requests each kind of append makes (counted, not estimated).

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::AttributeValue;
use event_store_domain::{
    AppendRequest, DedupeScope, Error, EventId, ExpectedVersion, NewEvent, StreamId, Version,
};
use event_store_tests::{event, fresh_stream, local_store, local_store_with, LocalStore};
use serde_json::json;

fn versions(numbers: &[u64]) -> Vec<Version> {
    numbers.iter().copied().map(Version::new).collect()
}

fn requests(pairs: &[(&str, usize)]) -> BTreeMap<String, usize> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

async fn append(
    local: &LocalStore,
    stream: &StreamId,
    expected: ExpectedVersion,
    events: Vec<NewEvent>,
) -> Result<event_store_domain::AppendOutcome, Error> {
    let request = AppendRequest::new(stream.clone(), expected, events).expect("valid request");
    local.store.append(&request).await
}

async fn stored_ids(local: &LocalStore, stream: &StreamId) -> Vec<String> {
    let events = local.all_events(stream).await;
    events.iter().map(|e| e.event_id.to_string()).collect()
}

fn with_id(id: &str) -> NewEvent {
    event("ITEM_CREATED", json!({"itemId": id})).with_id(EventId::new(id).unwrap())
}

#[tokio::test]
async fn appending_at_a_known_version_is_one_request_and_no_read() {
    let local = local_store().await;
    let stream = fresh_stream("one-request");

    let first = append(
        &local,
        &stream,
        ExpectedVersion::NoStream,
        vec![with_id("a")],
    )
    .await
    .unwrap();
    assert_eq!(first.versions, versions(&[1]));
    assert_eq!(
        local.meter.snapshot(),
        requests(&[("TransactWriteItems", 1)])
    );

    local.meter.reset();
    let second = append(
        &local,
        &stream,
        ExpectedVersion::Exact(Version::new(1)),
        vec![with_id("b")],
    )
    .await
    .unwrap();
    assert_eq!(second.versions, versions(&[2]));
    assert!(!second.duplicate);
    assert_eq!(
        local.meter.snapshot(),
        requests(&[("TransactWriteItems", 1)])
    );

    local.meter.reset();
    let batch: Vec<NewEvent> = (0..10).map(|i| with_id(&format!("c{i}"))).collect();
    let third = append(
        &local,
        &stream,
        ExpectedVersion::Exact(Version::new(2)),
        batch,
    )
    .await
    .unwrap();
    assert_eq!(
        third.versions,
        (3..=12).map(Version::new).collect::<Vec<_>>()
    );
    assert_eq!(
        local.meter.snapshot(),
        requests(&[("TransactWriteItems", 1)])
    );
}

#[tokio::test]
async fn appending_at_a_stale_version_conflicts_with_expected_and_actual() {
    let local = local_store().await;
    let stream = fresh_stream("stale");
    append(
        &local,
        &stream,
        ExpectedVersion::NoStream,
        vec![with_id("a"), with_id("b")],
    )
    .await
    .unwrap();

    let error = append(
        &local,
        &stream,
        ExpectedVersion::Exact(Version::new(1)),
        vec![with_id("c")],
    )
    .await
    .unwrap_err();
    match error {
        Error::Conflict {
            stream: s,
            expected,
            actual,
        } => {
            assert_eq!(s, stream);
            assert_eq!(expected, ExpectedVersion::Exact(Version::new(1)));
            assert_eq!(actual, Version::new(2));
        }
        other => panic!("expected a conflict, got {other}"),
    }
    assert_eq!(stored_ids(&local, &stream).await, ["a", "b"]);
}

#[tokio::test]
async fn appending_to_an_existing_stream_as_new_conflicts() {
    let local = local_store().await;
    let stream = fresh_stream("exists");
    append(
        &local,
        &stream,
        ExpectedVersion::NoStream,
        vec![with_id("a")],
    )
    .await
    .unwrap();
    let error = append(
        &local,
        &stream,
        ExpectedVersion::NoStream,
        vec![with_id("b")],
    )
    .await
    .unwrap_err();
    assert!(
        matches!(error, Error::Conflict { actual, .. } if actual == Version::new(1)),
        "{error}"
    );
}

#[tokio::test]
async fn expecting_a_version_the_stream_has_not_reached_conflicts_and_leaves_no_gap() {
    let local = local_store().await;
    let stream = fresh_stream("ahead");
    append(
        &local,
        &stream,
        ExpectedVersion::NoStream,
        vec![with_id("a")],
    )
    .await
    .unwrap();

    let error = append(
        &local,
        &stream,
        ExpectedVersion::Exact(Version::new(5)),
        vec![with_id("b")],
    )
    .await
    .unwrap_err();
    assert!(
        matches!(error, Error::Conflict { actual, .. } if actual == Version::new(1)),
        "{error}"
    );
    assert_eq!(
        local
            .store
            .get_event(&stream, Version::new(6))
            .await
            .unwrap(),
        None
    );
    assert_eq!(local.store.head(&stream).await.unwrap(), Version::new(1));
}

#[tokio::test]
async fn retrying_an_append_at_the_same_version_is_a_no_op() {
    let local = local_store().await;
    let stream = fresh_stream("retry");
    let single =
        AppendRequest::single(stream.clone(), ExpectedVersion::NoStream, with_id("a")).unwrap();
    assert!(!local.store.append(&single).await.unwrap().duplicate);
    let again = local.store.append(&single).await.unwrap();
    assert!(again.duplicate);
    assert_eq!(again.versions, versions(&[1]));

    let batch = AppendRequest::new(
        stream.clone(),
        ExpectedVersion::Exact(Version::new(1)),
        vec![with_id("b"), with_id("c")],
    )
    .unwrap();
    local.store.append(&batch).await.unwrap();
    let again = local.store.append(&batch).await.unwrap();
    assert!(again.duplicate);
    assert_eq!(again.versions, versions(&[2, 3]));
    assert_eq!(stored_ids(&local, &stream).await, ["a", "b", "c"]);
}

#[tokio::test]
async fn a_batch_with_one_conflicting_event_writes_nothing() {
    let local = local_store().await;
    let stream = fresh_stream("atomic");
    append(
        &local,
        &stream,
        ExpectedVersion::NoStream,
        vec![with_id("a"), with_id("b")],
    )
    .await
    .unwrap();

    // At expected version 1 the batch would take versions 2 (held by "b") and 3 (free).
    let error = append(
        &local,
        &stream,
        ExpectedVersion::Exact(Version::new(1)),
        vec![with_id("x"), with_id("y")],
    )
    .await
    .unwrap_err();
    assert!(matches!(error, Error::Conflict { .. }), "{error}");
    assert_eq!(stored_ids(&local, &stream).await, ["a", "b"]);
    assert_eq!(
        local
            .store
            .get_event(&stream, Version::new(3))
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn appends_without_an_expected_version_store_each_event_id_once() {
    let local = local_store().await;
    let stream = fresh_stream("any");

    let first = append(
        &local,
        &stream,
        ExpectedVersion::Any,
        vec![with_id(&format!("{stream}-1"))],
    )
    .await
    .unwrap();
    assert_eq!(first.versions, versions(&[1]));
    assert_eq!(
        local.meter.snapshot(),
        requests(&[("GetItem", 1), ("TransactWriteItems", 1)])
    );

    for _ in 0..2 {
        local.meter.reset();
        let redelivered = append(
            &local,
            &stream,
            ExpectedVersion::Any,
            vec![with_id(&format!("{stream}-1"))],
        )
        .await
        .unwrap();
        assert!(redelivered.duplicate);
        assert_eq!(redelivered.versions, versions(&[1]));
        assert_eq!(redelivered.stream_id, stream);
        // The head remembers its recent ids: a redelivery is answered from it, nothing written.
        assert_eq!(local.meter.snapshot(), requests(&[("GetItem", 1)]));
    }
    let next = append(
        &local,
        &stream,
        ExpectedVersion::Any,
        vec![with_id(&format!("{stream}-2"))],
    )
    .await
    .unwrap();
    assert_eq!(next.versions, versions(&[2]));
    assert_eq!(stored_ids(&local, &stream).await.len(), 2);
}

#[tokio::test]
async fn an_event_id_sent_to_another_stream_even_with_the_same_content_is_reused_not_a_retry() {
    let local = local_store().await;
    let (stream, other) = (fresh_stream("first"), fresh_stream("second"));
    let id = format!("{stream}-evt");
    append(&local, &stream, ExpectedVersion::Any, vec![with_id(&id)])
        .await
        .unwrap();
    // A retry always targets its own stream: the same id elsewhere is another producer's event,
    // refused so it is never dropped as if stored.
    let error = append(&local, &other, ExpectedVersion::Any, vec![with_id(&id)])
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::IdReused(at) if at.stream_id == stream && at.version == Version::new(1)),
        "{error}"
    );
    assert!(stored_ids(&local, &other).await.is_empty());
}

#[tokio::test]
async fn stream_exists_on_an_empty_stream_conflicts() {
    let local = local_store().await;
    let stream = fresh_stream("missing");
    let error = append(
        &local,
        &stream,
        ExpectedVersion::StreamExists,
        vec![with_id("a")],
    )
    .await
    .unwrap_err();
    assert!(
        matches!(error, Error::Conflict { actual, .. } if actual == Version::NONE),
        "{error}"
    );
}

#[tokio::test]
async fn each_scope_takes_its_largest_batch_in_one_transaction_and_refuses_more_before_any_request()
{
    let batch = |prefix: &str, n: usize| -> Vec<NewEvent> {
        (0..n).map(|i| with_id(&format!("{prefix}{i}"))).collect()
    };
    // Store-wide: the head, then an event and its guard each: 49 events.
    let local = local_store().await;
    let stream = fresh_stream("largest");
    for (expected, prefix) in [
        (ExpectedVersion::NoStream, "a"),
        (ExpectedVersion::Exact(Version::new(49)), "b"),
        (ExpectedVersion::Any, "c"),
    ] {
        local.meter.reset();
        let error = append(&local, &stream, expected, batch(&format!("{prefix}x"), 50))
            .await
            .unwrap_err();
        assert!(
            matches!(&error, Error::Validation { field, reason } if field == "events" && reason.contains("limit per append is 49")),
            "{error}"
        );
        assert_eq!(local.meter.total(), 0, "refused before any request");
        append(&local, &stream, expected, batch(prefix, 49))
            .await
            .unwrap();
    }
    assert_eq!(local.store.head(&stream).await.unwrap(), Version::new(147));

    // Per stream: the head and the events: 99, and the request itself holds no more.
    let local = local_store_with(|s| s.dedupe_scope = DedupeScope::Stream).await;
    let stream = fresh_stream("largest");
    let outcome = append(&local, &stream, ExpectedVersion::NoStream, batch("d", 99))
        .await
        .unwrap();
    assert_eq!(outcome.last_version(), Version::new(99));
    assert_eq!(
        local.meter.snapshot(),
        requests(&[("TransactWriteItems", 1)])
    );
    let error = AppendRequest::new(stream, ExpectedVersion::Any, batch("e", 100)).unwrap_err();
    assert_eq!(error.field, "events");
    assert!(
        error.reason.contains("limit per append is 99"),
        "{}",
        error.reason
    );
}

#[tokio::test]
async fn a_410_kb_event_is_too_large_and_nothing_is_sent() {
    let local = local_store().await;
    let stream = fresh_stream("large");
    let big = event("Big", json!({"blob": "x".repeat(410 * 1024)}));
    let big_id = big.event_id.to_string();
    for expected in [ExpectedVersion::NoStream, ExpectedVersion::Any] {
        let error = append(
            &local,
            &stream,
            expected,
            vec![with_id("small"), big.clone()],
        )
        .await
        .unwrap_err();
        match error {
            Error::TooLarge {
                event_id,
                bytes,
                limit,
            } => {
                assert_eq!(event_id, big_id);
                assert!(bytes > 410 * 1024, "{bytes}");
                assert_eq!(limit, 400 * 1024);
            }
            other => panic!("expected TooLarge, got {other}"),
        }
    }
    assert_eq!(local.meter.total(), 0, "nothing may be sent");
}

#[tokio::test]
async fn events_carry_a_ttl_attribute_only_when_retention_is_set() {
    let stream = fresh_stream("ttl");
    let raw_item = |local: &LocalStore, version: u64| {
        let request = local
            .client
            .get_item()
            .table_name(local.store.table())
            .key("streamId", AttributeValue::S(stream.to_string()))
            .key("version", AttributeValue::N(version.to_string()));
        async move { request.send().await.unwrap().item.unwrap() }
    };

    let forever = local_store().await;
    append(
        &forever,
        &stream,
        ExpectedVersion::NoStream,
        vec![with_id("a")],
    )
    .await
    .unwrap();
    assert!(!raw_item(&forever, 1).await.contains_key("expiresAt"));

    let thirty_days = local_store_with(|s| {
        s.events_table = forever.store.table().to_owned();
        s.event_ttl_days = Some(30);
    })
    .await;
    let outcome = append(
        &thirty_days,
        &stream,
        ExpectedVersion::Exact(Version::new(1)),
        vec![with_id("b")],
    )
    .await
    .unwrap();
    let item = raw_item(&thirty_days, outcome.last_version().get()).await;
    let expires: i64 = item["expiresAt"].as_n().unwrap().parse().unwrap();
    let recorded = thirty_days
        .store
        .get_event(&stream, Version::new(2))
        .await
        .unwrap()
        .unwrap()
        .recorded_time
        .timestamp();
    assert_eq!(expires, recorded + 30 * 86_400);
}

#[tokio::test]
async fn invalid_ids_are_rejected_naming_the_field_before_any_request() {
    let local = local_store().await;
    for (body, field) in [
        (
            json!({"streamId": "", "events": [{"eventType": "A", "data": {}}]}),
            "streamId",
        ),
        (
            json!({"streamId": "$reserved", "events": [{"eventType": "A", "data": {}}]}),
            "streamId",
        ),
        (
            json!({"streamId": "s", "events": [{"eventType": "", "data": {}}]}),
            "eventType",
        ),
        (
            json!({"streamId": "s", "events": [{"eventId": "has space", "eventType": "A", "data": {}}]}),
            "eventId",
        ),
    ] {
        let stream = serde_json::from_value::<StreamId>(body["streamId"].clone());
        let events = serde_json::from_value::<Vec<NewEvent>>(body["events"].clone());
        let message = match (stream, events) {
            (Err(e), _) => e.to_string(),
            (_, Err(e)) => e.to_string(),
            (Ok(_), Ok(_)) => panic!("{body} was accepted"),
        };
        assert!(message.contains(field), "{message} should name {field}");
    }
    assert_eq!(local.meter.total(), 0);
}

#[tokio::test]
async fn a_store_in_a_replica_region_refuses_appends_and_writes_nothing() {
    let replica = local_store_with(|settings| {
        settings.write_region = Some("eu-west-1".into());
        settings.region = Some("us-east-1".into());
    })
    .await;
    let stream = fresh_stream("replica");
    for expected in [
        ExpectedVersion::Any,
        ExpectedVersion::Exact(Version::new(0)),
    ] {
        let refused = append(
            &replica,
            &stream,
            expected,
            vec![with_id(&format!("r-{expected:?}"))],
        )
        .await
        .unwrap_err();
        assert!(
            matches!(&refused, Error::NotWriteRegion { write_region, region } if write_region == "eu-west-1" && region == "us-east-1"),
            "{refused:?}"
        );
    }
    assert!(stored_ids(&replica, &stream).await.is_empty());
    // The write region's store, over the same table, appends.
    let writer = local_store_with(|settings| {
        settings.events_table = replica.store.settings().events_table.clone();
        settings.write_region = Some("eu-west-1".into());
        settings.region = Some("eu-west-1".into());
    })
    .await;
    append(
        &writer,
        &stream,
        ExpectedVersion::Exact(Version::new(0)),
        vec![with_id("w-1")],
    )
    .await
    .unwrap();
    assert_eq!(stored_ids(&replica, &stream).await, ["w-1"]);
}
