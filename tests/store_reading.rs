//! Reads against the local endpoint: stream pages both ways, index queries across shards and
//! time ranges, snapshots and state loads (and the requests they take).

use chrono::{Duration, TimeZone, Utc};
use event_store_domain::{
    AggregateReducer, AggregateType, AppendRequest, Direction, Error, EventIndex, EventQuery,
    ExpectedVersion, JsonMergeReducer, Metadata, NewEvent, PageRequest, RecordedEvent,
    ReducerRegistry, State, StateAt, StreamId, StreamRead, TimeRange, Timestamp, Version,
};
use event_store_tests::{event, fresh_stream, local_store, local_store_with, LocalStore};
use serde_json::json;

async fn append_all(local: &LocalStore, stream: &StreamId, events: Vec<NewEvent>) {
    for chunk in events.chunks(49) {
        let request =
            AppendRequest::new(stream.clone(), ExpectedVersion::Any, chunk.to_vec()).unwrap();
        local.store.append(&request).await.unwrap();
    }
}

fn numbered(count: u64) -> Vec<NewEvent> {
    (1..=count)
        .map(|n| event("Counted", json!({"n": n})))
        .collect()
}

async fn read_all(local: &LocalStore, stream: &StreamId, mut read: StreamRead) -> Vec<Vec<u64>> {
    let mut pages = Vec::new();
    loop {
        let page = local.store.read_stream(stream, &read).await.unwrap();
        pages.push(page.items.iter().map(|e| e.version.get()).collect());
        match page.next_page_token {
            Some(token) => read.page.page_token = Some(token),
            None => return pages,
        }
    }
}

#[tokio::test]
async fn a_stream_pages_forward_and_backward_with_tokens() {
    let local = local_store().await;
    let stream = fresh_stream("paging");
    append_all(&local, &stream, numbered(25)).await;

    let forward = read_all(&local, &stream, StreamRead::forward(10)).await;
    assert_eq!(
        forward,
        vec![
            (1..=10).collect::<Vec<_>>(),
            (11..=20).collect(),
            (21..=25).collect()
        ]
    );

    let backward = read_all(&local, &stream, StreamRead::backward(10)).await;
    assert_eq!(
        backward,
        vec![
            (16..=25).rev().collect::<Vec<_>>(),
            (6..=15).rev().collect(),
            (1..=5).rev().collect()
        ]
    );

    let exact_pages = read_all(&local, &stream, StreamRead::forward(5)).await;
    assert_eq!(
        exact_pages.len(),
        5,
        "no empty page after an exact fit: {exact_pages:?}"
    );
}

#[tokio::test]
async fn a_version_range_bounds_the_read_in_both_directions() {
    let local = local_store().await;
    let stream = fresh_stream("range");
    append_all(&local, &stream, numbered(12)).await;
    let range = |direction| StreamRead {
        from_version: Some(Version::new(4)),
        to_version: Some(Version::new(9)),
        direction,
        page: PageRequest::first(4),
    };
    assert_eq!(
        read_all(&local, &stream, range(Direction::Forward)).await,
        vec![vec![4, 5, 6, 7], vec![8, 9]]
    );
    assert_eq!(
        read_all(&local, &stream, range(Direction::Backward)).await,
        vec![vec![9, 8, 7, 6], vec![5, 4]]
    );
}

#[tokio::test]
async fn a_page_is_one_request() {
    let local = local_store().await;
    let stream = fresh_stream("one-page");
    append_all(&local, &stream, numbered(150)).await;
    local.meter.reset();
    let page = local
        .store
        .read_stream(&stream, &StreamRead::forward(100))
        .await
        .unwrap();
    assert_eq!(page.items.len(), 100);
    assert_eq!(local.meter.total(), 1);
}

#[tokio::test]
async fn a_token_from_another_stream_is_rejected() {
    let local = local_store().await;
    let (stream, other) = (fresh_stream("token-a"), fresh_stream("token-b"));
    append_all(&local, &stream, numbered(3)).await;
    let page = local
        .store
        .read_stream(&stream, &StreamRead::forward(1))
        .await
        .unwrap();
    let mut read = StreamRead::forward(1);
    read.page.page_token = page.next_page_token;
    let error = local.store.read_stream(&other, &read).await.unwrap_err();
    assert!(error.to_string().contains("pageToken"), "{error}");
}

#[tokio::test]
async fn a_single_event_is_read_by_stream_and_version() {
    let local = local_store().await;
    let stream = fresh_stream("get");
    append_all(&local, &stream, numbered(2)).await;
    let found = local
        .store
        .get_event(&stream, Version::new(2))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.data, json!({"n": 2}));
    assert_eq!(
        local
            .store
            .get_event(&stream, Version::new(3))
            .await
            .unwrap(),
        None
    );
}

fn at(minute: i64) -> Timestamp {
    Utc.with_ymd_and_hms(2024, 1, 15, 10, 0, 0).unwrap() + Duration::minutes(minute)
}

async fn query_all(local: &LocalStore, query: &EventQuery, limit: usize) -> Vec<RecordedEvent> {
    let mut page = PageRequest::first(limit);
    let mut events = Vec::new();
    loop {
        let result = local.store.query_events(query, &page).await.unwrap();
        events.extend(result.items);
        match result.next_page_token {
            Some(token) => page.page_token = Some(token),
            None => return events,
        }
    }
}

#[tokio::test]
async fn every_index_answers_its_query_within_a_time_range_across_shards() {
    let local = local_store().await;
    let run = uuid::Uuid::new_v4().to_string();
    let aggregate = AggregateType::new(format!("Agg-{run}")).unwrap();
    let (correlation, user) = (format!("corr-{run}"), format!("user-{run}"));
    // 40 events over 40 minutes in 4 streams: every shard of the sharded indexes gets some.
    for s in 0..4 {
        let stream = fresh_stream("indexed");
        let events = (0..10)
            .map(|i| {
                let minute = i * 4 + s;
                event(&format!("Evt-{run}"), json!({"minute": minute}))
                    .with_aggregate_type(aggregate.clone())
                    .with_event_time(at(minute))
                    .with_metadata(Metadata {
                        correlation_id: (minute % 2 == 0).then(|| correlation.clone()),
                        user_id: Some(user.clone()),
                        ..Metadata::default()
                    })
            })
            .collect();
        append_all(&local, &stream, events).await;
    }
    let minutes = |events: &[RecordedEvent]| -> Vec<i64> {
        events
            .iter()
            .map(|e| e.data["minute"].as_i64().unwrap())
            .collect()
    };
    let range = TimeRange {
        from: Some(at(10)),
        to: Some(at(29)),
    };

    for (index, key) in [
        (EventIndex::AggregateType, aggregate.to_string()),
        (EventIndex::EventType, format!("Evt-{run}")),
        (EventIndex::User, user.clone()),
    ] {
        let query = EventQuery::new(index, key, range, Direction::Forward).unwrap();
        assert_eq!(
            minutes(&query_all(&local, &query, 7).await),
            (10..=29).collect::<Vec<_>>(),
            "{index:?}"
        );
        let newest_first = EventQuery::new(index, query.key(), range, Direction::Backward).unwrap();
        assert_eq!(
            minutes(&query_all(&local, &newest_first, 6).await),
            (10..=29).rev().collect::<Vec<_>>(),
            "{index:?} backward"
        );
    }
    let by_correlation = EventQuery::new(
        EventIndex::Correlation,
        correlation,
        TimeRange::default(),
        Direction::Forward,
    )
    .unwrap();
    assert_eq!(
        minutes(&query_all(&local, &by_correlation, 100).await),
        (0..40).filter(|m| m % 2 == 0).collect::<Vec<_>>()
    );
    let unknown_user = EventQuery::new(
        EventIndex::User,
        "nobody",
        TimeRange::default(),
        Direction::Forward,
    )
    .unwrap();
    assert!(query_all(&local, &unknown_user, 10).await.is_empty());
}

#[tokio::test]
async fn state_loads_from_the_newest_snapshot_and_the_events_after_it_in_one_request() {
    let local = local_store_with(|s| s.snapshot_every = 4).await;
    let stream = fresh_stream("snap");
    append_all(
        &local,
        &stream,
        (1..=10)
            .map(|n| event("Set", json!({format!("k{n}"): n})))
            .collect(),
    )
    .await;
    let full = State::fold(
        &JsonMergeReducer,
        stream.clone(),
        None,
        &local
            .store
            .read_stream(&stream, &StreamRead::forward(100))
            .await
            .unwrap()
            .items,
    )
    .unwrap();
    for version in [4, 8] {
        local.snapshot_at(&stream, version).await;
    }

    local.meter.reset();
    let loaded = local
        .store
        .load_state(&stream, &JsonMergeReducer)
        .await
        .unwrap();
    assert_eq!(local.meter.total(), 1, "{:?}", local.meter.snapshot());
    assert_eq!(loaded.snapshot_version, Some(Version::new(8)));
    assert_eq!(loaded.events_applied, 2);
    assert_eq!(loaded.version, Version::new(10));
    assert_eq!(loaded.state, full.state);

    let latest = local.store.latest_snapshot(&stream).await.unwrap().unwrap();
    assert_eq!(latest.version, Version::new(8));
    // Snapshot items never show up as events.
    let versions: Vec<u64> = local
        .store
        .read_stream(&stream, &StreamRead::forward(100))
        .await
        .unwrap()
        .items
        .iter()
        .map(|e| e.version.get())
        .collect();
    assert_eq!(versions, (1..=10).collect::<Vec<_>>());
    assert_eq!(local.store.head(&stream).await.unwrap(), Version::new(10));
}

/// Every page of `stream`'s snapshots of at most `limit`, as their versions.
async fn snapshot_pages(local: &LocalStore, stream: &StreamId, limit: usize) -> Vec<Vec<u64>> {
    let mut page = PageRequest::first(limit);
    let mut pages = Vec::new();
    loop {
        let found = local.store.list_snapshots(stream, &page).await.unwrap();
        pages.push(found.items.iter().map(|s| s.version.get()).collect());
        match found.next_page_token {
            Some(token) => page.page_token = Some(token),
            None => return pages,
        }
    }
}

#[tokio::test]
async fn a_streams_snapshots_list_newest_first_page_by_page_one_request_each() {
    let local = local_store().await;
    let stream = numbered_stream(&local, 30).await;
    for version in [10, 20, 25] {
        local.snapshot_at(&stream, version).await;
    }
    local.meter.reset();
    assert_eq!(
        snapshot_pages(&local, &stream, 2).await,
        vec![vec![25, 20], vec![10]]
    );
    assert_eq!(local.meter.snapshot().get("Query"), Some(&2));
    let first = local
        .store
        .list_snapshots(&stream, &PageRequest::first(1))
        .await
        .unwrap();
    assert_eq!(first.items[0].state["n"], json!(25), "the state as taken");

    // A stream without snapshots lists none; a token is for its own stream only.
    let bare = numbered_stream(&local, 3).await;
    assert_eq!(
        snapshot_pages(&local, &bare, 10).await,
        vec![Vec::<u64>::new()]
    );
    let refused = local
        .store
        .list_snapshots(
            &bare,
            &PageRequest {
                limit: Some(1),
                page_token: first.next_page_token,
            },
        )
        .await
        .unwrap_err();
    assert_eq!(refused.kind(), "Validation");
    assert!(refused.to_string().contains("pageToken"), "{refused}");
}

#[tokio::test]
async fn a_page_of_large_snapshots_stops_at_its_byte_bound_and_the_next_goes_on() {
    let local = local_store().await;
    let stream = numbered_stream(&local, 10).await;
    let big = "s".repeat(330 * 1024);
    for version in 1..=8 {
        let snapshot = event_store_domain::Snapshot {
            stream_id: stream.clone(),
            version: Version::new(version),
            aggregate_type: None,
            state: json!({"v": version, "blob": big}),
            taken_at: Utc::now(),
        };
        local.store.write_snapshot(&snapshot).await.unwrap();
    }
    let pages = snapshot_pages(&local, &stream, 10).await;
    assert!(
        pages[0].len() < 8 && pages[0].len() as u64 * 330 * 1024 >= 2 * 1024 * 1024 - 330 * 1024,
        "the first page stops near 2 MB: {pages:?}"
    );
    let all: Vec<u64> = pages.concat();
    assert_eq!(
        all,
        (1..=8).rev().collect::<Vec<_>>(),
        "each once, newest first"
    );
}

#[tokio::test]
async fn a_snapshot_below_megabytes_of_events_is_reached_through_short_pages() {
    let local = local_store().await;
    let stream = fresh_stream("snap-far");
    // 20 events of 330 KB above a snapshot at version 1: more than one call reads.
    let big = "x".repeat(330 * 1024);
    for n in 1..=21 {
        append_all(
            &local,
            &stream,
            vec![event("Big", json!({"n": n, "blob": big}))],
        )
        .await;
    }
    local.snapshot_at(&stream, 1).await;
    local.meter.reset();
    let pages = snapshot_pages(&local, &stream, 5).await;
    assert_eq!(pages.last(), Some(&vec![1]), "{pages:?}");
    assert!(pages.len() > 1, "one call read past its bound: {pages:?}");
    assert!(pages[..pages.len() - 1].iter().all(Vec::is_empty));
    let queries = local.meter.snapshot().get("Query").copied().unwrap_or(0);
    assert!(
        queries <= pages.len() * event_store_dynamodb::SCANNED_PAGES,
        "{queries} queries for {} calls",
        pages.len()
    );
}

#[tokio::test]
async fn seed_004_account_state_folds_through_its_aggregate() {
    use event_store_domain::{Account, AccountCommand, Aggregate, TransactionKind};
    let local = local_store().await;
    let stream = fresh_stream("account");
    let commands = [
        AccountCommand::Open {
            account_id: "account-123".into(),
            customer_id: "customer-456".into(),
            account_type: "checking".into(),
        },
        AccountCommand::Process {
            transaction_id: "tx-789".into(),
            amount: 100.50,
            kind: TransactionKind::Deposit,
        },
        AccountCommand::Process {
            transaction_id: "tx-790".into(),
            amount: 30.25,
            kind: TransactionKind::Withdrawal,
        },
    ];
    let reducer = AggregateReducer::<Account>::new();
    for command in commands {
        let state = local.store.load_state(&stream, &reducer).await.unwrap();
        let account: Account = serde_json::from_value(state.state).unwrap();
        let events = account
            .decide(command)
            .unwrap()
            .iter()
            .map(|e| Account::to_new_event(e).unwrap())
            .collect();
        let request = AppendRequest::new(
            stream.clone(),
            ExpectedVersion::Exact(state.version),
            events,
        )
        .unwrap();
        local.store.append(&request).await.unwrap();
    }
    let state = local.store.load_state(&stream, &reducer).await.unwrap();
    assert_eq!(state.state["balance"], json!(70.25));
    assert_eq!(state.version, Version::new(3));
}

#[tokio::test]
async fn the_global_read_returns_every_stream_in_event_time_order_page_by_page() {
    let local = local_store().await;
    // 30 events over 30 minutes in 3 streams, appended stream by stream (not in time order),
    // some without expected versions so that their idempotency guards are in the table too.
    for s in 0..3 {
        let stream = fresh_stream("global");
        let events = (0..10)
            .map(|i| event("Ticked", json!({"minute": i * 3 + s})).with_event_time(at(i * 3 + s)))
            .collect();
        append_all(&local, &stream, events).await;
    }
    let minutes = |events: &[RecordedEvent]| -> Vec<i64> {
        events
            .iter()
            .map(|e| e.data["minute"].as_i64().unwrap())
            .collect()
    };
    let everything = EventQuery::all(TimeRange::default(), Direction::Forward).unwrap();
    assert_eq!(
        minutes(&query_all(&local, &everything, 4).await),
        (0..30).collect::<Vec<_>>()
    );
    let window = TimeRange {
        from: Some(at(5)),
        to: Some(at(14)),
    };
    let newest_first = EventQuery::all(window, Direction::Backward).unwrap();
    assert_eq!(
        minutes(&query_all(&local, &newest_first, 3).await),
        (5..=14).rev().collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn a_parallel_scan_visits_every_event_once_and_skips_guards_and_snapshots() {
    let local = local_store_with(|s| s.snapshot_every = 5).await;
    let mut appended = std::collections::BTreeSet::new();
    for _ in 0..4 {
        let stream = fresh_stream("scanned");
        let events = numbered(12);
        appended.extend(events.iter().map(|e| e.event_id.to_string()));
        append_all(&local, &stream, events).await;
        local.snapshot_at(&stream, 10).await;
    }
    let mut scanned = Vec::new();
    for segment in 0..4 {
        let mut page = PageRequest::first(7);
        loop {
            let found = local.store.scan_events(segment, 4, &page).await.unwrap();
            scanned.extend(found.items.iter().map(|e| e.event_id.to_string()));
            match found.next_page_token {
                Some(token) => page.page_token = Some(token),
                None => break,
            }
        }
    }
    let unique: std::collections::BTreeSet<String> = scanned.iter().cloned().collect();
    assert_eq!(unique.len(), scanned.len(), "an event was scanned twice");
    assert_eq!(unique, appended);
    let token_of_segment_0 = local
        .store
        .scan_events(0, 4, &PageRequest::first(1))
        .await
        .unwrap()
        .next_page_token
        .unwrap();
    let mut wrong = PageRequest::first(1);
    wrong.page_token = Some(token_of_segment_0);
    assert!(local.store.scan_events(1, 4, &wrong).await.is_err());
    assert!(local
        .store
        .scan_events(4, 4, &PageRequest::first(1))
        .await
        .is_err());
}

#[tokio::test]
async fn what_a_snapshot_folds_is_read_within_a_bound_never_the_whole_stream() {
    let local = local_store().await;
    let stream = fresh_stream("long");
    let events: Vec<NewEvent> = (0..300)
        .map(|n| event("Counted", json!({ "n": n })))
        .collect();
    append_all(&local, &stream, events).await;
    // No snapshot, and the first event farther than the bound: nothing to fold in one step.
    let far = local
        .store
        .tail_at(&stream, Version::new(300), 102)
        .await
        .unwrap();
    assert!(far.is_none());
    // Near the stream's start: every event up to the version, newest first.
    let near = local
        .store
        .tail_at(&stream, Version::new(60), 102)
        .await
        .unwrap()
        .unwrap();
    let versions: Vec<u64> = near
        .events_newest_first
        .iter()
        .map(|e| e.version.get())
        .collect();
    assert_eq!(versions, (1..=60).rev().collect::<Vec<_>>());
    assert!(near.snapshot.is_none());
    // With a snapshot within the bound: it and the events after it, up to the version.
    local.snapshot_at(&stream, 250).await;
    let tail = local
        .store
        .tail_at(&stream, Version::new(290), 102)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(tail.snapshot.unwrap().version.get(), 250);
    let versions: Vec<u64> = tail
        .events_newest_first
        .iter()
        .map(|e| e.version.get())
        .collect();
    assert_eq!(versions, (251..=290).rev().collect::<Vec<_>>());
}

/// A store over `local`'s table in a replica region (eu-west-1 writes, this is us-east-1).
fn replica_of(local: &LocalStore) -> event_store_dynamodb::DynamoEventStore {
    let mut settings = local.store.settings().clone();
    settings.write_region = Some("eu-west-1".into());
    settings.region = Some("us-east-1".into());
    event_store_dynamodb::DynamoEventStore::new(local.client.clone(), &settings)
}

#[tokio::test]
async fn a_replica_region_never_reads_past_a_version_that_has_not_replicated_yet() {
    use aws_sdk_dynamodb::types::AttributeValue;
    let local = local_store().await;
    let stream = fresh_stream("replicating");
    append_all(&local, &stream, numbered(5)).await;
    // A global table replicates item by item: version 3 has not reached this region yet.
    local
        .client
        .delete_item()
        .table_name(local.store.table())
        .key("streamId", AttributeValue::S(stream.to_string()))
        .key("version", AttributeValue::N("3".into()))
        .send()
        .await
        .unwrap();
    let replica = replica_of(&local);
    let page = replica
        .read_stream(&stream, &StreamRead::forward(10))
        .await
        .unwrap();
    let versions: Vec<u64> = page.items.iter().map(|e| e.version.get()).collect();
    assert_eq!(versions, [1, 2], "the page stops before the hole");
    let mut next = StreamRead::forward(10);
    next.page.page_token = Some(page.next_page_token.expect("a token to go on from 3"));
    let lag = replica.read_stream(&stream, &next).await.unwrap_err();
    assert!(lag.is_transient(), "{lag}");
    assert_eq!(lag.kind(), "Unavailable");
    let backward = replica
        .read_stream(&stream, &StreamRead::backward(10))
        .await
        .unwrap();
    let versions: Vec<u64> = backward.items.iter().map(|e| e.version.get()).collect();
    assert_eq!(versions, [5, 4]);
    let state = replica.load_state(&stream, &JsonMergeReducer).await;
    assert!(
        matches!(&state, Err(e) if e.is_transient()),
        "a state with a hole in a replica is Unavailable, not Corrupt: {state:?}"
    );
    // The write region reads what it holds, as before.
    let written = local
        .store
        .read_stream(&stream, &StreamRead::forward(10))
        .await
        .unwrap();
    assert_eq!(written.items.len(), 4);
}

/// A stream of `events` events of one shape, appended in batches.
async fn numbered_stream(local: &LocalStore, events: u64) -> StreamId {
    let stream = fresh_stream("tail");
    let mut appended = 0;
    while appended < events {
        let batch: Vec<_> = (appended + 1..=events.min(appended + 40))
            .map(|n| event("Counted", json!({"n": n, format!("at{}", n % 7): n})))
            .collect();
        appended += batch.len() as u64;
        let request = AppendRequest::new(stream.clone(), ExpectedVersion::Any, batch).unwrap();
        local.store.append(&request).await.unwrap();
    }
    stream
}

/// Loads `stream`'s state and checks it is what folding every event from the first gives.
async fn assert_loads_as_a_full_fold(local: &LocalStore, stream: &StreamId) {
    let all = local.all_events(stream).await;
    let full = State::fold(&JsonMergeReducer, stream.clone(), None, &all).unwrap();
    let loaded = local
        .store
        .load_state(stream, &JsonMergeReducer)
        .await
        .unwrap();
    assert_eq!((loaded.version, &loaded.state), (full.version, &full.state));
}

#[tokio::test]
async fn a_load_walks_down_past_a_missing_snapshot_and_folds_exactly_what_a_full_read_folds() {
    let local = local_store().await;
    // 250 events, a snapshot at 100 only (the one due at 200 was never taken).
    let stream = numbered_stream(&local, 250).await;
    local.snapshot_at(&stream, 100).await;
    local.meter.reset();
    local
        .store
        .load_state(&stream, &JsonMergeReducer)
        .await
        .unwrap();
    // The top 12 items; 239 down to where the snapshot of 200 would be; 200 down to 100's.
    assert_eq!(local.meter.snapshot().get("Query"), Some(&3));
    assert_loads_as_a_full_fold(&local, &stream).await;

    // A snapshot at a version no interval names (150) is met on the way down all the same.
    let other = numbered_stream(&local, 250).await;
    local.snapshot_at(&other, 150).await;
    assert_loads_as_a_full_fold(&local, &other).await;

    // Without snapshots (SNAPSHOT_EVERY=0) the whole stream is folded.
    let unsnapshotted = local_store_with(|s| s.snapshot_every = 0).await;
    let plain = numbered_stream(&unsnapshotted, 60).await;
    assert_loads_as_a_full_fold(&unsnapshotted, &plain).await;
}

/// The state as of `version`, with the registry's JSON fallback (these streams have no aggregate).
async fn state_at(local: &LocalStore, stream: &StreamId, at: StateAt) -> Result<State, Error> {
    local
        .store
        .load_state_at(stream, &ReducerRegistry::empty(), None, at)
        .await
}

#[tokio::test]
async fn state_as_of_a_version_folds_the_newest_snapshot_at_or_below_it_and_the_events_up_to_it() {
    let local = local_store().await;
    let stream = numbered_stream(&local, 250).await;
    for version in [100, 200] {
        local.snapshot_at(&stream, version).await;
    }
    let all = local.all_events(&stream).await;
    // (version, the snapshot it starts from, Query requests)
    for (version, snapshot, requests) in [
        (1, None, 1),
        (95, None, 2),
        (100, Some(100), 1),
        (105, Some(100), 1),
        (110, Some(100), 1),
        (150, Some(100), 2),
        (199, Some(100), 2),
        (200, Some(200), 1),
        (209, Some(200), 1),
        (250, Some(200), 2),
    ] {
        let upto: Vec<RecordedEvent> = all
            .iter()
            .filter(|e| e.version.get() <= version)
            .cloned()
            .collect();
        let full = State::fold(&JsonMergeReducer, stream.clone(), None, &upto).unwrap();
        local.meter.reset();
        let loaded = state_at(&local, &stream, StateAt::Version(Version::new(version)))
            .await
            .unwrap();
        assert_eq!(
            (loaded.version, &loaded.state),
            (Version::new(version), &full.state),
            "as of {version}"
        );
        assert_eq!(
            loaded.snapshot_version.map(Version::get),
            snapshot,
            "as of {version}"
        );
        assert_eq!(
            local.meter.snapshot().get("Query"),
            Some(&requests),
            "as of {version}: {:?}",
            local.meter.snapshot()
        );
    }
    // Past the end: refused naming atVersion and where the stream is, after one look at its head.
    let past = state_at(&local, &stream, StateAt::Version(Version::new(251)))
        .await
        .unwrap_err();
    assert!(
        matches!(&past, Error::Validation { field, reason }
            if field == "atVersion" && reason.contains("is at version 250")),
        "{past}"
    );
}

#[tokio::test]
async fn state_as_of_a_time_is_what_the_store_had_accepted_by_then() {
    let local = local_store().await;
    let stream = fresh_stream("as-of-time");
    let mut marks = Vec::new();
    for batch in 0..3u64 {
        append_all(
            &local,
            &stream,
            (1..=4)
                .map(|n| event("Set", json!({format!("b{batch}"): n})))
                .collect(),
        )
        .await;
        // Recorded times have millisecond precision: the next batch is strictly later.
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        marks.push(Utc::now());
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    for (mark, version) in marks.iter().zip([4, 8, 12]) {
        let by_time = state_at(&local, &stream, StateAt::Time(*mark))
            .await
            .unwrap();
        let by_version = state_at(&local, &stream, StateAt::Version(Version::new(version)))
            .await
            .unwrap();
        assert_eq!(by_time, by_version, "as of {mark}");
        assert_eq!(by_time.version, Version::new(version));
    }
    let before = local.all_events(&stream).await[0].recorded_time - Duration::milliseconds(1);
    let refused = state_at(&local, &stream, StateAt::Time(before))
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, Error::Validation { field, .. } if field == "atTime"),
        "{refused}"
    );
    // The lookup reads pages from the head down, not 1 MB: near the head it is one Query of one
    // page of 16 items more than the same load as of a version.
    append_all(&local, &stream, numbered(300)).await;
    local.meter.reset();
    let by_version = state_at(&local, &stream, StateAt::Version(Version::new(312)))
        .await
        .unwrap();
    let load = local.meter.usage();
    local.meter.reset();
    let now = state_at(&local, &stream, StateAt::Time(Utc::now()))
        .await
        .unwrap();
    let lookup = local.meter.usage();
    assert_eq!(now, by_version);
    assert_eq!(
        lookup.total_requests(),
        load.total_requests() + 1,
        "{lookup:?} {load:?}"
    );
    assert!(
        lookup.read_units - load.read_units <= 1.0,
        "{lookup:?} {load:?}"
    );
    // The latest state is the state as of now.
    assert_eq!(
        state_at(&local, &stream, StateAt::Latest).await.unwrap(),
        state_at(&local, &stream, StateAt::Time(Utc::now()))
            .await
            .unwrap()
    );
}
