//! Criterion: the persister's hot pure path for one EventBridge event, from the JSON Lambda hands
//! over to the event the store appends (classification, envelope parsing, the bus mapping).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use event_store_domain::{BusEvent, BusMapping};
use persister::PersisterInput;

const SEED_004: &str = include_str!("../../../../fixtures/events/seed-004-account-created.json");

fn envelope(c: &mut Criterion) {
    let mapping = BusMapping::from_lookup(|_| None).expect("the default mapping");
    c.bench_function(
        "envelope: parse and classify a seed-004 EventBridge event",
        |b| {
            b.iter(|| {
                let payload: serde_json::Value = serde_json::from_str(black_box(SEED_004)).unwrap();
                PersisterInput::classify(payload).unwrap()
            })
        },
    );
    let event: aws_lambda_events::event::eventbridge::EventBridgeEvent<serde_json::Value> =
        serde_json::from_str(SEED_004).unwrap();
    let resources = Vec::new();
    let view = BusEvent {
        id: event.id.as_deref().unwrap(),
        detail_type: &event.detail_type,
        source: &event.source,
        time: event.time,
        account: event.account.as_deref(),
        region: event.region.as_deref(),
        resources: &resources,
        detail: &event.detail,
    };
    c.bench_function("envelope: map a bus event to a stream and event", |b| {
        b.iter(|| mapping.map(black_box(&view)).unwrap())
    });
}

criterion_group!(benches, envelope);
criterion_main!(benches);
