//! Throughput on the local endpoint: appends per second with 1 and 16 writers on one stream and
//! on 1,000 streams, projector records per second, rebuild and republish events per second, and
//! the requests one state load takes. The local endpoint answers one request at a time, so these
//! are the product's figures against moto, a floor, not DynamoDB's.

use std::time::Instant;

use event_store_domain::{
    AppendRequest, ExpectedVersion, JsonMergeReducer, ReducerRegistry, StreamId,
};
use futures::future::join_all;
use lambda_runtime::{Context, LambdaEvent};
use projector::Projector;
use serde_json::json;

use crate::costs::one_kb_event;
use crate::read_models::{fixture_read_models, projections_table, replayer};
use crate::{fresh_stream, local_store, LocalStore};

/// One throughput figure.
#[derive(Debug, Clone)]
pub struct Rate {
    /// What was measured.
    pub what: String,
    /// How many were done.
    pub count: usize,
    /// Per second.
    pub per_second: f64,
}

/// Appends per second: `writers` writers, `total` single-event appends with no expected
/// version, spread round-robin over `streams` streams.
pub async fn append_rate(writers: usize, streams: usize, total: usize) -> Rate {
    let local = local_store().await;
    let ids: Vec<StreamId> = (0..streams).map(|_| fresh_stream("rate")).collect();
    let started = Instant::now();
    let work = (0..writers).map(|writer| {
        let (store, ids) = (local.store.clone(), ids.clone());
        async move {
            for n in (writer..total).step_by(writers) {
                let request = AppendRequest::single(
                    ids[n % ids.len()].clone(),
                    ExpectedVersion::Any,
                    one_kb_event("Rated"),
                )
                .expect("valid");
                store.append(&request).await.expect("appended");
            }
        }
    });
    join_all(work).await;
    Rate {
        what: format!(
            "appends/s, {writers} writer{}, {streams} stream{}",
            if writers == 1 { "" } else { "s" },
            if streams == 1 { "" } else { "s" }
        ),
        count: total,
        per_second: total as f64 / started.elapsed().as_secs_f64(),
    }
}

/// A store of `streams` streams of `per_stream` seed-003 item events each.
async fn item_store(streams: usize, per_stream: usize) -> (LocalStore, Vec<StreamId>) {
    let local = local_store().await;
    let mut ids = Vec::new();
    for _ in 0..streams {
        let stream = fresh_stream("items");
        let events = (0..per_stream)
            .map(|n| {
                crate::event(
                    if n % 5 == 0 {
                        "ITEM_CREATED"
                    } else {
                        "ITEM_AMOUNT_CHANGED"
                    },
                    json!({"itemId": format!("{stream}-{}", n / 5), "amount": n}),
                )
            })
            .collect();
        local
            .store
            .append_chunked(&stream, ExpectedVersion::NoStream, events)
            .await
            .expect("appended");
        ids.push(stream);
    }
    (local, ids)
}

/// Projector records per second, and rebuild and republish events per second, over one store of
/// `streams` × `per_stream` events.
pub async fn pipeline_rates(streams: usize, per_stream: usize) -> Vec<Rate> {
    let (local, ids) = item_store(streams, per_stream).await;
    let total = streams * per_stream;
    let read_models = projections_table(&local, "bench").await;
    let projector = Projector::new(
        local.store.clone(),
        read_models.clone(),
        fixture_read_models(),
        ReducerRegistry::with_examples(),
    );
    let mut events = Vec::new();
    for stream in &ids {
        events.extend(local.all_events(stream).await);
    }
    let started = Instant::now();
    let generations = projector.generations().await.expect("pointers");
    for event in &events {
        projector
            .project(event, &generations)
            .await
            .expect("projected");
    }
    let projected = started.elapsed().as_secs_f64();

    let replayer = replayer(&local.store, &read_models).await;
    let ask = |payload| replayer.handle(LambdaEvent::new(payload, Context::default()));
    let started = Instant::now();
    let rebuilt = ask(json!({"op": "rebuild", "models": ["testItems"], "segments": 4})).await;
    assert_eq!(rebuilt["status"], "complete", "{rebuilt}");
    let rebuilding = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let republished = ask(json!({"op": "republish"})).await;
    assert_eq!(republished["status"], "complete", "{republished}");
    let republishing = started.elapsed().as_secs_f64();
    vec![
        Rate {
            what: "projector records/s (seed-003 read model, summaries)".into(),
            count: total,
            per_second: total as f64 / projected,
        },
        Rate {
            what: "rebuild events/s (4 segments)".into(),
            count: total,
            per_second: total as f64 / rebuilding,
        },
        Rate {
            what: "republish events/s (global time-ordered read, PutEvents)".into(),
            count: total,
            per_second: total as f64 / republishing,
        },
    ]
}

/// What one state load of a stream of `events` events with a snapshot every 100 costs:
/// (requests, read units).
pub async fn state_load_cost(events: usize) -> (usize, f64) {
    let local = local_store().await;
    let stream = fresh_stream("state");
    for chunk in (0..events).collect::<Vec<_>>().chunks(49) {
        let batch = chunk.iter().map(|_| one_kb_event("Loaded")).collect();
        let request =
            AppendRequest::new(stream.clone(), ExpectedVersion::Any, batch).expect("valid");
        local.store.append(&request).await.expect("appended");
    }
    let snapshot_at = (events / 100 * 100) as u64;
    if snapshot_at > 0 {
        local.snapshot_at(&stream, snapshot_at).await;
    }
    local.meter.reset();
    local
        .store
        .load_state(&stream, &JsonMergeReducer)
        .await
        .expect("loaded");
    let usage = local.meter.usage();
    (usage.total_requests(), usage.read_units)
}
