//! The cost of each store operation, measured on the local endpoint: requests counted and units
//! computed by the [`CapacityMeter`](crate::CapacityMeter) for a 1 KB event (an item of 1,000
//! bytes with an aggregate type, a correlation id and a user id: every index written).

use event_store_domain::{
    AggregateType, AppendRequest, DedupeScope, Direction, EventId, EventIndex, EventQuery,
    ExpectedVersion, JsonMergeReducer, Metadata, NewEvent, PageRequest, RecordedEvent, StreamRead,
    TimeRange, Version,
};
use event_store_dynamodb::event_item;
use event_store_dynamodb::item_size::item_size;
use serde_json::json;

use crate::{event, fresh_stream, local_store, local_store_with, LocalStore, Usage};

/// The size of the measured event's item, in bytes.
pub const EVENT_ITEM_BYTES: usize = 1000;

/// One measured operation.
#[derive(Debug, Clone)]
pub struct CostRow {
    /// What was done.
    pub operation: String,
    /// The dedupe scope it was done in.
    pub scope: DedupeScope,
    /// How many events it appended or read.
    pub events: usize,
    /// What it cost.
    pub usage: Usage,
}

/// The tails the state loads are measured with: events after a snapshot at 100.
pub const LOAD_TAILS: [usize; 4] = [1, 10, 50, 99];

/// The cost table's label of a state load with `tail` events after its snapshot.
pub fn load_label(tail: usize) -> String {
    let events = if tail == 1 { "event" } else { "events" };
    format!("load state: snapshot at 100 + {tail} {events}")
}

/// An event whose item is exactly [`EVENT_ITEM_BYTES`], for `event_type`.
pub fn one_kb_event(event_type: &str) -> NewEvent {
    let shaped = |padding: usize| {
        event(event_type, json!({"payload": "x".repeat(padding)}))
            .with_aggregate_type(AggregateType::new("Account").unwrap())
            .with_metadata(Metadata {
                correlation_id: Some(uuid::Uuid::new_v4().to_string()),
                user_id: Some("user-0042".into()),
                ..Metadata::default()
            })
    };
    let probe = shaped(0);
    let recorded = RecordedEvent::record(
        fresh_stream("size"),
        Version::new(1),
        probe.clone(),
        chrono::Utc::now(),
    );
    let bare = item_size(
        &event_item::to_item(
            &recorded,
            None,
            None,
            event_store_domain::EnabledIndexes::all(),
        )
        .expect("storable"),
    );
    shaped(EVENT_ITEM_BYTES.saturating_sub(bare))
}

/// What a stored event costs in bytes besides its data: each attribute of the item of a seed
/// 004 `TransactionProcessed` (stream `account-123`, a correlation and a user id) with the
/// default indexes, its bytes by DynamoDB's rule (name + value), as a markdown table.
pub fn item_anatomy() -> String {
    let new = event(
        "TransactionProcessed",
        json!({"transactionId": "tx-789", "amount": 100.5, "type": "deposit"}),
    )
    .with_aggregate_type(AggregateType::new("Account").unwrap())
    .with_metadata(Metadata {
        correlation_id: Some("tx-789".into()),
        user_id: Some("customer-456".into()),
        ..Metadata::default()
    });
    let recorded = RecordedEvent::record(
        event_store_domain::StreamId::new("account-123").unwrap(),
        Version::new(8),
        new,
        chrono::Utc::now(),
    );
    let item = event_item::to_item(
        &recorded,
        None,
        None,
        event_store_dynamodb::TableDefinitions::shipped()
            .events
            .default_indexes(),
    )
    .expect("storable");
    let mut rows: Vec<(String, usize)> = item
        .iter()
        .map(|(name, value)| {
            let alone = [(name.clone(), value.clone())].into();
            (name.clone(), item_size(&alone))
        })
        .collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut table = String::from("| attribute | bytes |\n|---|---|\n");
    for (name, bytes) in &rows {
        table.push_str(&format!("| `{name}` | {bytes} |\n"));
    }
    let total = item_size(&item);
    let data = rows.iter().find(|(n, _)| n == "data").map_or(0, |r| r.1);
    table.push_str(&format!(
        "| the item | {total} ({} besides `data`) |\n",
        total - data
    ));
    table
}

fn events(count: usize) -> Vec<NewEvent> {
    (0..count).map(|_| one_kb_event("Measured")).collect()
}

async fn append(local: &LocalStore, request: AppendRequest) {
    local
        .store
        .append(&request)
        .await
        .expect("measured append succeeds");
}

async fn measure(
    local: &LocalStore,
    operation: String,
    events: usize,
    work: impl std::future::Future<Output = ()>,
) -> CostRow {
    local.meter.reset();
    work.await;
    CostRow {
        operation,
        scope: local.store.settings().dedupe_scope,
        events,
        usage: local.meter.usage(),
    }
}

/// The appends of every path, for 1 event, 10 and the scope's largest batch: a new stream
/// (`noStream`), an expected version, none (the bus path), and a redelivery of what was stored.
async fn measure_appends(local: &LocalStore) -> Vec<CostRow> {
    let mut rows = Vec::new();
    let largest = local.store.settings().dedupe_scope.max_events_per_append();
    for size in [1, 10, largest] {
        let request =
            |stream, expected| AppendRequest::new(stream, expected, events(size)).unwrap();
        let label = |what: &str| {
            if size == 1 {
                format!("append 1 event, {what}")
            } else {
                format!("append {size} events, {what}")
            }
        };
        let stream = fresh_stream("cost");
        rows.push(
            measure(
                local,
                label("new stream (expected: noStream)"),
                size,
                append(local, request(stream.clone(), ExpectedVersion::NoStream)),
            )
            .await,
        );
        let at = local.store.head(&stream).await.expect("head");
        rows.push(
            measure(
                local,
                label("at an expected version"),
                size,
                append(local, request(stream.clone(), ExpectedVersion::Exact(at))),
            )
            .await,
        );
        let bus = request(stream.clone(), ExpectedVersion::Any);
        rows.push(
            measure(
                local,
                label("no expected version (the bus path)"),
                size,
                append(local, bus.clone()),
            )
            .await,
        );
        if size == 1 {
            rows.push(
                measure(
                    local,
                    "the same event redelivered (duplicate, nothing written)".into(),
                    1,
                    append(local, bus),
                )
                .await,
            );
            let now_at = local.store.head(&stream).await.expect("head");
            let retried = request(stream.clone(), ExpectedVersion::Exact(now_at));
            append(local, retried.clone()).await;
            rows.push(
                measure(
                    local,
                    "the same event retried at its expected version (cancelled transaction)".into(),
                    1,
                    append(local, retried),
                )
                .await,
            );
        }
    }
    rows
}

/// Measures every operation of the README's cost table, each on a fresh stream: the appends in
/// both dedupe scopes, the reads in the store-wide one.
pub async fn measure_costs() -> Vec<CostRow> {
    let per_stream = local_store_with(|s| s.dedupe_scope = DedupeScope::Stream).await;
    let mut rows = measure_appends(&per_stream).await;
    let local = local_store().await;
    rows.extend(measure_appends(&local).await);

    let long = fresh_stream("cost");
    for _ in 0..4 {
        let request = AppendRequest::new(long.clone(), ExpectedVersion::Any, events(40)).unwrap();
        append(&local, request).await;
    }
    let hundred_forward = StreamRead::forward(100);
    let read = local.store.read_stream(&long, &hundred_forward);
    rows.push(
        measure(&local, "read 100 events (one page)".into(), 100, async {
            read.await.unwrap();
        })
        .await,
    );

    let first_event = local.all_events(&long).await.remove(0);
    let by_id = local.store.get_event_by_id(&first_event.event_id);
    rows.push(
        measure(
            &local,
            "read 1 event by its id alone (store-wide scope)".into(),
            1,
            async {
                by_id.await.unwrap().expect("found");
            },
        )
        .await,
    );

    for tail in LOAD_TAILS {
        let stream = fresh_stream("cost");
        let mut left = 100 + tail;
        while left > 0 {
            let batch = left.min(40);
            let request =
                AppendRequest::new(stream.clone(), ExpectedVersion::Any, events(batch)).unwrap();
            append(&local, request).await;
            left -= batch;
        }
        local.snapshot_at(&stream, 100).await;
        let load = local.store.load_state(&stream, &JsonMergeReducer);
        rows.push(
            measure(&local, load_label(tail), tail, async {
                load.await.unwrap();
            })
            .await,
        );
    }

    // The index reads find 100 events of their own, appended after `since`, with fixed ids (so
    // the same shards every run): what they read does not depend on the rows above.
    let since = chrono::Utc::now();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let indexed = fresh_stream("cost");
    for batch in (0..100).collect::<Vec<u32>>().chunks(40) {
        let batch_events = batch
            .iter()
            .map(|n| {
                let id = uuid::Uuid::new_v5(
                    &uuid::Uuid::NAMESPACE_OID,
                    format!("indexed-{n}").as_bytes(),
                );
                one_kb_event("Indexed").with_id(EventId::new(id.to_string()).unwrap())
            })
            .collect();
        let request =
            AppendRequest::new(indexed.clone(), ExpectedVersion::Any, batch_events).unwrap();
        append(&local, request).await;
    }
    let after = TimeRange {
        from: Some(since),
        to: None,
    };
    let query =
        EventQuery::new(EventIndex::EventType, "Indexed", after, Direction::Forward).unwrap();
    let first_page = PageRequest::first(100);
    let by_type = local.store.query_events(&query, &first_page);
    rows.push(
        measure(
            &local,
            "query 100 events by event type (16 shards)".into(),
            100,
            async {
                by_type.await.unwrap();
            },
        )
        .await,
    );

    let everything = EventQuery::all(after, Direction::Forward).unwrap();
    let global = local.store.query_events(&everything, &first_page);
    rows.push(
        measure(
            &local,
            "global read of 100 events in time order (16 shards)".into(),
            100,
            async {
                global.await.unwrap();
            },
        )
        .await,
    );
    rows
}

/// The rows as the README's markdown table.
pub fn markdown(rows: &[CostRow]) -> String {
    let mut table = String::from(
        "| operation | dedupe scope | requests | WRU | WRU per event | RRU |\n|---|---|---|---|---|---|\n",
    );
    for row in rows {
        let requests: Vec<String> = row
            .usage
            .requests
            .iter()
            .map(|(op, n)| format!("{n} {op}"))
            .collect();
        table.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            row.operation,
            row.scope,
            requests.join(" + "),
            row.usage.write_units,
            if row.usage.write_units > 0.0 {
                format!("{:.2}", row.usage.write_units / row.events as f64)
            } else {
                "–".into()
            },
            row.usage.read_units,
        ));
    }
    table
}
