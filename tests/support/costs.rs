//! The cost of each store operation, measured on the local endpoint: requests counted and units
//! computed by the [`CapacityMeter`](crate::CapacityMeter) for a 1 KB event (an item of 1,000
//! bytes with an aggregate type, a correlation id and a user id: every index written).

use event_store_domain::{
    AggregateType, AppendRequest, Direction, EventIndex, EventQuery, ExpectedVersion,
    JsonMergeReducer, Metadata, NewEvent, PageRequest, RecordedEvent, StreamRead, TimeRange,
    Version,
};
use event_store_dynamodb::event_item;
use event_store_dynamodb::item_size::item_size;
use serde_json::json;

use crate::{event, fresh_stream, local_store, LocalStore, Usage};

/// The size of the measured event's item, in bytes.
pub const EVENT_ITEM_BYTES: usize = 1000;

/// One measured operation.
#[derive(Debug, Clone)]
pub struct CostRow {
    /// What was done.
    pub operation: &'static str,
    /// How many events it appended or read.
    pub events: usize,
    /// What it cost.
    pub usage: Usage,
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
    let bare = item_size(&event_item::to_item(&recorded, None, None).expect("storable"));
    shaped(EVENT_ITEM_BYTES.saturating_sub(bare))
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
    operation: &'static str,
    events: usize,
    work: impl std::future::Future<Output = ()>,
) -> CostRow {
    local.meter.reset();
    work.await;
    CostRow {
        operation,
        events,
        usage: local.meter.usage(),
    }
}

/// Measures every operation of the README's cost table, each on a fresh stream.
pub async fn measure_costs() -> Vec<CostRow> {
    let local = local_store().await;
    let mut rows = Vec::new();
    let request = |stream, expected, events| AppendRequest::new(stream, expected, events).unwrap();

    let stream = fresh_stream("cost");
    let first = request(stream.clone(), ExpectedVersion::NoStream, events(1));
    rows.push(
        measure(
            &local,
            "append 1 event, new stream (expected: noStream)",
            1,
            append(&local, first),
        )
        .await,
    );
    let next = request(
        stream.clone(),
        ExpectedVersion::Exact(Version::new(1)),
        events(1),
    );
    rows.push(
        measure(
            &local,
            "append 1 event at expected version",
            1,
            append(&local, next),
        )
        .await,
    );
    let ten = request(
        stream.clone(),
        ExpectedVersion::Exact(Version::new(2)),
        events(10),
    );
    rows.push(
        measure(
            &local,
            "append batch of 10 at expected version",
            10,
            append(&local, ten),
        )
        .await,
    );
    let hundred = request(fresh_stream("cost"), ExpectedVersion::NoStream, events(100));
    rows.push(
        measure(
            &local,
            "append batch of 100, new stream",
            100,
            append(&local, hundred),
        )
        .await,
    );

    let bus_event = events(1);
    let any = request(stream.clone(), ExpectedVersion::Any, bus_event.clone());
    rows.push(
        measure(
            &local,
            "append 1 event, no expected version (exactly once)",
            1,
            append(&local, any.clone()),
        )
        .await,
    );
    rows.push(
        measure(
            &local,
            "same event redelivered (duplicate, nothing written)",
            1,
            append(&local, any),
        )
        .await,
    );

    let long = fresh_stream("cost");
    for _ in 0..3 {
        append(
            &local,
            request(long.clone(), ExpectedVersion::Any, events(50)),
        )
        .await;
    }
    let hundred_forward = StreamRead::forward(100);
    let read = local.store.read_stream(&long, &hundred_forward);
    rows.push(
        measure(&local, "read 100 events (one page)", 100, async {
            read.await.unwrap();
        })
        .await,
    );

    local.snapshot_at(&long, 100).await;
    let load = local.store.load_state(&long, &JsonMergeReducer);
    rows.push(
        measure(
            &local,
            "load state: snapshot at 100 + 50 events",
            50,
            async {
                load.await.unwrap();
            },
        )
        .await,
    );

    let query = EventQuery::new(
        EventIndex::EventType,
        "Measured",
        TimeRange::default(),
        Direction::Forward,
    )
    .unwrap();
    let first_page = PageRequest::first(100);
    let by_type = local.store.query_events(&query, &first_page);
    rows.push(
        measure(
            &local,
            "query 100 events by event type (16 shards)",
            100,
            async {
                by_type.await.unwrap();
            },
        )
        .await,
    );

    let everything = EventQuery::all(TimeRange::default(), Direction::Forward).unwrap();
    let global = local.store.query_events(&everything, &first_page);
    rows.push(
        measure(
            &local,
            "global read of 100 events in time order (16 shards)",
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
        "| operation | requests | WRU | WRU per event | RRU |\n|---|---|---|---|---|\n",
    );
    for row in rows {
        let requests: Vec<String> = row
            .usage
            .requests
            .iter()
            .map(|(op, n)| format!("{n} {op}"))
            .collect();
        table.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            row.operation,
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
