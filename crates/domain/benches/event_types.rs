//! Criterion: what the event types file costs per event: a JSON Schema check on append (seed
//! 002's ProductCreated, passing and failing) and an upcast from 1.0 to 2.0 on read.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use event_store_domain::{
    EventCatalog, EventType, Metadata, NewEvent, RecordedEvent, StreamId, Version,
};
use serde_json::{json, Value};

fn product(data: Value) -> NewEvent {
    NewEvent::new(EventType::new("ProductCreated").unwrap(), data).with_metadata(Metadata {
        schema_version: Some("1.0".into()),
        ..Metadata::default()
    })
}

fn event_types(c: &mut Criterion) {
    let catalog =
        EventCatalog::from_json(include_str!("../../../fixtures/event-types.json")).unwrap();
    let passing = [product(
        json!({"productId": "p-1", "name": "Lamp", "price": 12}),
    )];
    let failing = [product(
        json!({"productId": "p-1", "name": "", "price": -1}),
    )];
    c.bench_function("schema check, passing event", |b| {
        b.iter(|| catalog.check_all(black_box(&passing)).unwrap())
    });
    c.bench_function("schema check, failing event", |b| {
        b.iter(|| catalog.check_all(black_box(&failing)).unwrap_err())
    });
    let stored = RecordedEvent::record(
        StreamId::new("product-1").unwrap(),
        Version::new(1),
        passing[0].clone(),
        chrono::Utc::now(),
    );
    c.bench_function("upcast 1.0 to 2.0", |b| {
        b.iter(|| catalog.upcasters().apply(black_box(stored.clone())))
    });
    c.bench_function("clone of the event alone", |b| {
        b.iter(|| black_box(stored.clone()))
    });
}

criterion_group!(benches, event_types);
criterion_main!(benches);
