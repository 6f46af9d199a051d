//! Exactly once by event id on every path, against the local endpoint: a retry is recognized
//! whatever expected version it comes back with (or none), an id reused for other content is
//! refused with `IdReused`, a batch mixing stored and new events is refused whole, and both
//! dedupe scopes keep what the README promises of them (the stream scope within its window).

use event_store_domain::{
    AggregateType, AppendOutcome, AppendRequest, DedupeScope, Direction, Error, EventId,
    EventIndex, EventQuery, ExpectedVersion, NewEvent, PageRequest, ReducerRegistry, Snapshot,
    StreamId, TimeRange, Version, RECENT_EVENTS,
};
use event_store_dynamodb::snapshot_item;
use event_store_tests::{event, fresh_stream, local_store, local_store_with, LocalStore};
use serde_json::json;

fn with_id(id: &str, n: u64) -> NewEvent {
    event("ItemAdded", json!({ "n": n })).with_id(EventId::new(id).unwrap())
}

async fn append(
    local: &LocalStore,
    stream: &StreamId,
    expected: ExpectedVersion,
    events: Vec<NewEvent>,
) -> Result<AppendOutcome, Error> {
    let request = AppendRequest::new(stream.clone(), expected, events).expect("valid request");
    local.store.append(&request).await
}

fn id(stream: &StreamId, name: &str) -> String {
    format!("{stream}-{name}")
}

#[track_caller]
fn assert_duplicate_at(outcome: &AppendOutcome, stream: &StreamId, versions: &[u64]) {
    assert!(outcome.duplicate, "{outcome:?}");
    assert_eq!(&outcome.stream_id, stream);
    let expected: Vec<Version> = versions.iter().copied().map(Version::new).collect();
    assert_eq!(outcome.versions, expected);
}

#[tokio::test]
async fn a_retry_is_a_duplicate_whatever_expected_version_it_comes_back_with() {
    for scope in [DedupeScope::Store, DedupeScope::Stream] {
        let local = local_store_with(|s| s.dedupe_scope = scope).await;
        let stream = fresh_stream("retry");
        let first = with_id(&id(&stream, "1"), 1);
        append(
            &local,
            &stream,
            ExpectedVersion::NoStream,
            vec![first.clone()],
        )
        .await
        .unwrap();
        // The same event again: at the same version, with none, at the stream's new version
        // (a writer whose answer was lost and who reloaded), and as "stream exists".
        for expected in [
            ExpectedVersion::NoStream,
            ExpectedVersion::Any,
            ExpectedVersion::Exact(Version::new(1)),
            ExpectedVersion::StreamExists,
        ] {
            let again = append(&local, &stream, expected, vec![first.clone()])
                .await
                .unwrap_or_else(|e| panic!("{scope} {expected}: {e}"));
            assert_duplicate_at(&again, &stream, &[1]);
        }
        assert_eq!(local.all_events(&stream).await.len(), 1, "{scope}");
    }
}

#[tokio::test]
async fn the_same_id_with_other_content_is_refused_naming_where_it_is_stored() {
    for scope in [DedupeScope::Store, DedupeScope::Stream] {
        let local = local_store_with(|s| s.dedupe_scope = scope).await;
        let stream = fresh_stream("reused");
        let event_id = id(&stream, "1");
        append(
            &local,
            &stream,
            ExpectedVersion::NoStream,
            vec![with_id(&event_id, 1)],
        )
        .await
        .unwrap();
        for expected in [
            ExpectedVersion::Any,
            ExpectedVersion::Exact(Version::new(1)),
        ] {
            let error = append(&local, &stream, expected, vec![with_id(&event_id, 2)])
                .await
                .unwrap_err();
            match &error {
                Error::IdReused(at) => {
                    assert_eq!(at.event_id.as_str(), event_id);
                    assert_eq!(&at.stream_id, &stream);
                    assert_eq!(at.version, Version::new(1));
                }
                other => panic!("{scope} {expected}: expected IdReused, got {other}"),
            }
            assert!(!error.is_transient());
        }
        assert_eq!(local.all_events(&stream).await.len(), 1);
    }
}

#[tokio::test]
async fn store_wide_an_id_reused_in_another_stream_is_refused_and_nothing_is_stored_there() {
    let local = local_store().await;
    let (first, second) = (fresh_stream("producer-a"), fresh_stream("producer-b"));
    let event_id = id(&first, "shared");
    append(
        &local,
        &first,
        ExpectedVersion::Any,
        vec![with_id(&event_id, 1)],
    )
    .await
    .unwrap();
    for expected in [ExpectedVersion::Any, ExpectedVersion::NoStream] {
        let error = append(&local, &second, expected, vec![with_id(&event_id, 2)])
            .await
            .unwrap_err();
        assert!(
            matches!(&error, Error::IdReused(at) if at.stream_id == first && at.version == Version::new(1)),
            "{error}"
        );
    }
    assert!(local.all_events(&second).await.is_empty());
    assert_eq!(local.store.head(&second).await.unwrap(), Version::NONE);
}

#[tokio::test]
async fn per_stream_an_id_used_in_another_stream_is_stored_there_as_documented() {
    let local = local_store_with(|s| s.dedupe_scope = DedupeScope::Stream).await;
    let (first, second) = (fresh_stream("scope-a"), fresh_stream("scope-b"));
    let event_id = id(&first, "shared");
    append(
        &local,
        &first,
        ExpectedVersion::Any,
        vec![with_id(&event_id, 1)],
    )
    .await
    .unwrap();
    let other = append(
        &local,
        &second,
        ExpectedVersion::Any,
        vec![with_id(&event_id, 2)],
    )
    .await
    .unwrap();
    assert!(!other.duplicate);
    assert_eq!(local.all_events(&second).await.len(), 1);
}

#[tokio::test]
async fn a_batch_of_stored_and_new_events_is_refused_whole_naming_the_stored() {
    for scope in [DedupeScope::Store, DedupeScope::Stream] {
        let local = local_store_with(|s| s.dedupe_scope = scope).await;
        let stream = fresh_stream("mixed");
        let stored = with_id(&id(&stream, "stored"), 1);
        append(
            &local,
            &stream,
            ExpectedVersion::NoStream,
            vec![stored.clone()],
        )
        .await
        .unwrap();
        let fresh = with_id(&id(&stream, "new"), 2);
        for expected in [
            ExpectedVersion::Any,
            ExpectedVersion::Exact(Version::new(1)),
        ] {
            let error = append(
                &local,
                &stream,
                expected,
                vec![fresh.clone(), stored.clone()],
            )
            .await
            .unwrap_err();
            let Error::PartlyStored { stored: found } = &error else {
                panic!("{scope} {expected}: expected PartlyStored, got {error}")
            };
            assert_eq!(found.len(), 1);
            assert_eq!(found[0].event_id, stored.event_id);
            assert_eq!(found[0].version, Version::new(1));
        }
        // Nothing of it was written; the new event alone is then taken.
        assert_eq!(local.all_events(&stream).await.len(), 1);
        let outcome = append(&local, &stream, ExpectedVersion::Any, vec![fresh])
            .await
            .unwrap();
        assert_eq!(outcome.versions, vec![Version::new(2)]);
    }
}

#[tokio::test]
async fn per_stream_a_retry_is_recognized_within_the_window_and_at_its_own_version_beyond() {
    let local = local_store_with(|s| s.dedupe_scope = DedupeScope::Stream).await;
    let stream = fresh_stream("window");
    let first = with_id(&id(&stream, "first"), 0);
    append(
        &local,
        &stream,
        ExpectedVersion::NoStream,
        vec![first.clone()],
    )
    .await
    .unwrap();
    let others: Vec<NewEvent> = (1..=RECENT_EVENTS as u64)
        .map(|n| with_id(&id(&stream, &format!("e{n}")), n))
        .collect();
    append(
        &local,
        &stream,
        ExpectedVersion::Exact(Version::new(1)),
        others.clone(),
    )
    .await
    .unwrap();
    // The last of them is within the window, at any expected version.
    let last = others.last().unwrap().clone();
    let again = append(&local, &stream, ExpectedVersion::Any, vec![last])
        .await
        .unwrap();
    assert_duplicate_at(&again, &stream, &[1 + RECENT_EVENTS as u64]);
    // The first fell out of the window (20 events came after it); retried at the version it
    // was appended at, the event item itself says it is there.
    let again = append(
        &local,
        &stream,
        ExpectedVersion::NoStream,
        vec![first.clone()],
    )
    .await
    .unwrap();
    assert_duplicate_at(&again, &stream, &[1]);
    // Without an expected version, beyond the window, the stream scope cannot know it: it is
    // stored again. This is the documented limit of the cheaper scope.
    let beyond = append(&local, &stream, ExpectedVersion::Any, vec![first])
        .await
        .unwrap();
    assert!(!beyond.duplicate);
    assert_eq!(
        beyond.versions,
        vec![Version::new(2 + RECENT_EVENTS as u64)]
    );
}

#[tokio::test]
async fn store_wide_a_retry_is_recognized_however_long_ago_it_was_stored() {
    let local = local_store().await;
    let stream = fresh_stream("long-ago");
    let first = with_id(&id(&stream, "first"), 0);
    append(
        &local,
        &stream,
        ExpectedVersion::NoStream,
        vec![first.clone()],
    )
    .await
    .unwrap();
    let later: Vec<NewEvent> = (1..=40)
        .map(|n| with_id(&id(&stream, &format!("e{n}")), n))
        .collect();
    append(
        &local,
        &stream,
        ExpectedVersion::Exact(Version::new(1)),
        later,
    )
    .await
    .unwrap();
    for expected in [
        ExpectedVersion::Any,
        ExpectedVersion::Exact(Version::new(41)),
    ] {
        let again = append(&local, &stream, expected, vec![first.clone()])
            .await
            .unwrap();
        assert_duplicate_at(&again, &stream, &[1]);
    }
    assert_eq!(local.all_events(&stream).await.len(), 41);
}

#[tokio::test]
async fn an_event_is_read_by_its_id_alone_with_its_payload_hash() {
    let local = local_store().await;
    let stream = fresh_stream("by-id");
    let stored = with_id(&id(&stream, "x"), 7);
    append(&local, &stream, ExpectedVersion::Any, vec![stored.clone()])
        .await
        .unwrap();
    local.meter.reset();
    let found = local
        .store
        .get_event_by_id(&stored.event_id)
        .await
        .unwrap()
        .expect("found by id");
    assert_eq!(found.stream_id, stream);
    assert_eq!(found.version, Version::new(1));
    assert_eq!(found.payload_hash, stored.payload_hash());
    assert_eq!(local.meter.total(), 2, "the guard, then the event");
    let missing = EventId::new(id(&stream, "never")).unwrap();
    assert_eq!(local.store.get_event_by_id(&missing).await.unwrap(), None);

    let per_stream = local_store_with(|s| s.dedupe_scope = DedupeScope::Stream).await;
    let error = per_stream
        .store
        .get_event_by_id(&stored.event_id)
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Validation { reason, .. } if reason.contains("DEDUPE_SCOPE=store")),
        "{error}"
    );
}

#[tokio::test]
async fn more_events_than_one_append_holds_go_in_atomic_chunks_and_a_retry_stores_nothing() {
    let local = local_store().await;
    let stream = fresh_stream("chunked");
    let events: Vec<NewEvent> = (0..120)
        .map(|n| with_id(&id(&stream, &n.to_string()), n))
        .collect();
    let chunks = local
        .store
        .append_chunked(&stream, ExpectedVersion::NoStream, events.clone())
        .await
        .unwrap();
    let sizes: Vec<usize> = chunks.iter().map(|c| c.versions.len()).collect();
    assert_eq!(sizes, vec![49, 49, 22]);
    assert_eq!(chunks[2].last_version(), Version::new(120));
    let versions: Vec<u64> = local
        .all_events(&stream)
        .await
        .iter()
        .map(|e| e.version.get())
        .collect();
    assert_eq!(versions, (1..=120).collect::<Vec<_>>());
    let again = local
        .store
        .append_chunked(&stream, ExpectedVersion::NoStream, events)
        .await
        .unwrap();
    assert!(again.iter().all(|c| c.duplicate), "{again:?}");
    assert_eq!(local.store.head(&stream).await.unwrap(), Version::new(120));
}

#[tokio::test]
async fn a_chunked_append_that_meets_another_writer_stops_and_says_what_was_stored() {
    let local = local_store().await;
    let stream = fresh_stream("chunk-conflict");
    append(
        &local,
        &stream,
        ExpectedVersion::NoStream,
        vec![with_id(&id(&stream, "a"), 0)],
    )
    .await
    .unwrap();
    let events: Vec<NewEvent> = (0..60)
        .map(|n| with_id(&id(&stream, &n.to_string()), n))
        .collect();
    let failure = local
        .store
        .append_chunked(&stream, ExpectedVersion::NoStream, events)
        .await
        .unwrap_err();
    assert!(failure.stored.is_empty());
    assert_eq!(failure.first_unstored, 0);
    assert!(
        matches!(failure.error, Error::Conflict { .. }),
        "{}",
        failure.error
    );
}

#[tokio::test]
async fn a_snapshot_write_never_overwrites_an_event_or_a_head() {
    let local = local_store().await;
    let stream = fresh_stream("snapshot-guard");
    append(
        &local,
        &stream,
        ExpectedVersion::NoStream,
        vec![with_id(&id(&stream, "a"), 1)],
    )
    .await
    .unwrap();
    let snapshot = Snapshot {
        stream_id: stream.clone(),
        version: Version::new(1),
        aggregate_type: None,
        state: json!({"overwritten": true}),
        taken_at: chrono::Utc::now(),
    };
    for key in ["1", event_store_dynamodb::head_item::HEAD_SORT_KEY] {
        let mut item = snapshot_item::to_item(&snapshot).unwrap();
        item.insert(
            "version".into(),
            aws_sdk_dynamodb::types::AttributeValue::N(key.into()),
        );
        let error = local.store.put_snapshot_item(item).await.unwrap_err();
        assert!(matches!(error, Error::Validation { .. }), "{key}: {error}");
    }
    let stored = local.all_events(&stream).await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].data, json!({"n": 1}));
    assert_eq!(local.store.head(&stream).await.unwrap(), Version::new(1));
    // At its own key a snapshot is written, and written again.
    local.store.write_snapshot(&snapshot).await.unwrap();
    local.store.write_snapshot(&snapshot).await.unwrap();
}

#[tokio::test]
async fn untyped_events_take_their_stream_categorys_aggregate_unless_that_is_turned_off() {
    let events = |n: u64| {
        vec![
            event(
                "AccountCreated",
                json!({"accountId": "a", "customerId": "c", "accountType": "checking"}),
            ),
            event(
                "TransactionProcessed",
                json!({"transactionId": format!("t{n}"), "amount": 80.4, "type": "deposit"}),
            ),
        ]
    };
    let registry = ReducerRegistry::with_examples();
    let on = local_store().await;
    let stream = StreamId::new(format!("account-{}", uuid::Uuid::new_v4())).unwrap();
    append(&on, &stream, ExpectedVersion::NoStream, events(1))
        .await
        .unwrap();
    let state = on
        .store
        .load_state_registered(&stream, &registry, None)
        .await
        .unwrap();
    assert_eq!(state.state["balance"], json!(80.4), "{}", state.state);
    // The aggregate-type index holds them under Account; the stored events are as written.
    let query = EventQuery::new(
        EventIndex::AggregateType,
        "Account",
        TimeRange::default(),
        Direction::Forward,
    )
    .unwrap();
    let found = on
        .store
        .query_events(&query, &PageRequest::first(100))
        .await
        .unwrap();
    assert_eq!(found.items.len(), 2);
    assert!(found.items.iter().all(|e| e.aggregate_type.is_none()));
    assert!(found.items.iter().all(|e| e.stream_id == stream));

    let off = local_store_with(|s| s.aggregate_type_from_category = false).await;
    append(&off, &stream, ExpectedVersion::NoStream, events(2))
        .await
        .unwrap();
    let merged = off
        .store
        .load_state_registered(&stream, &registry, None)
        .await
        .unwrap();
    assert_eq!(merged.state["amount"], json!(80.4), "{}", merged.state);
    assert!(merged.state.get("balance").is_none());
    let found = off
        .store
        .query_events(&query, &PageRequest::first(100))
        .await
        .unwrap();
    assert!(found.items.is_empty());
    // A type the writer names always wins over the category.
    let typed = fresh_stream("account");
    let named =
        event("Noted", json!({})).with_aggregate_type(AggregateType::new("Ledger").unwrap());
    append(&on, &typed, ExpectedVersion::NoStream, vec![named])
        .await
        .unwrap();
    let ledger = EventQuery::new(
        EventIndex::AggregateType,
        "Ledger",
        TimeRange::default(),
        Direction::Forward,
    )
    .unwrap();
    let found = on
        .store
        .query_events(&ledger, &PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(found.items.len(), 1);
}

#[tokio::test]
async fn a_batch_longer_than_the_heads_window_retried_is_one_duplicate_in_both_scopes() {
    for scope in [DedupeScope::Store, DedupeScope::Stream] {
        let local = local_store_with(|s| s.dedupe_scope = scope).await;
        let stream = fresh_stream("long-batch");
        let batch: Vec<NewEvent> = (0..30)
            .map(|n| with_id(&id(&stream, &n.to_string()), n))
            .collect();
        append(&local, &stream, ExpectedVersion::Any, batch.clone())
            .await
            .unwrap();
        let all: Vec<u64> = (1..=30).collect();
        // Without an expected version, and (a writer that reloaded) at the stream's version: the
        // head remembers only the last 20, the stream holds the rest right before them.
        for expected in [
            ExpectedVersion::Any,
            ExpectedVersion::Exact(Version::new(30)),
        ] {
            let again = append(&local, &stream, expected, batch.clone())
                .await
                .unwrap_or_else(|e| panic!("{scope} {expected}: {e}"));
            assert_duplicate_at(&again, &stream, &all);
        }
        assert_eq!(local.store.head(&stream).await.unwrap(), Version::new(30));
    }
}

#[tokio::test]
async fn a_chunked_append_retried_is_stored_once_where_the_scope_can_know_it() {
    // Store-wide, with no expected version; per stream, at a known expected version (each chunk
    // then meets its own events at their versions). Per stream with no expected version, chunks
    // further back than the head's window of 20 cannot be known: the documented limit.
    for (scope, expected) in [
        (DedupeScope::Store, ExpectedVersion::Any),
        (DedupeScope::Store, ExpectedVersion::NoStream),
        (DedupeScope::Stream, ExpectedVersion::NoStream),
    ] {
        let local = local_store_with(|s| s.dedupe_scope = scope).await;
        let stream = fresh_stream("chunked-retry");
        let events: Vec<NewEvent> = (0..120)
            .map(|n| with_id(&id(&stream, &n.to_string()), n))
            .collect();
        let first = local
            .store
            .append_chunked(&stream, expected, events.clone())
            .await
            .unwrap();
        assert_eq!(first.last().unwrap().last_version(), Version::new(120));
        let again = local
            .store
            .append_chunked(&stream, expected, events)
            .await
            .unwrap_or_else(|e| panic!("{scope} {expected}: {e}"));
        assert!(
            again.iter().all(|c| c.duplicate),
            "{scope} {expected}: {again:?}"
        );
        assert_eq!(local.store.head(&stream).await.unwrap(), Version::new(120));
    }
}

#[tokio::test]
async fn every_writer_of_a_stream_must_use_the_same_dedupe_scope() {
    let store_wide = local_store().await;
    let stream = fresh_stream("scopes");
    append(
        &store_wide,
        &stream,
        ExpectedVersion::NoStream,
        vec![with_id(&id(&stream, "a"), 1)],
    )
    .await
    .unwrap();
    let per_stream = local_store_with(|s| {
        s.events_table = store_wide.store.table().to_owned();
        s.dedupe_scope = DedupeScope::Stream;
    })
    .await;
    for expected in [
        ExpectedVersion::Any,
        ExpectedVersion::Exact(Version::new(1)),
    ] {
        let error = append(
            &per_stream,
            &stream,
            expected,
            vec![with_id(&id(&stream, "b"), 2)],
        )
        .await
        .unwrap_err();
        assert!(
            matches!(&error, Error::Validation { field, .. } if field == "DEDUPE_SCOPE"),
            "{expected}: {error}"
        );
    }
    assert_eq!(store_wide.all_events(&stream).await.len(), 1);
}
