//! Criterion: a 1 KB event to its DynamoDB item (every index key) and back, the store's hot pure
//! path on every append and read.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use event_store_domain::{
    AggregateType, EnabledIndexes, EventType, Metadata, NewEvent, RecordedEvent, StreamId, Version,
};
use event_store_dynamodb::event_item;
use serde_json::json;

fn item_mapping(c: &mut Criterion) {
    let new = NewEvent::new(
        EventType::new("AccountCreated").unwrap(),
        json!({"accountId": "account-123", "payload": "x".repeat(700)}),
    )
    .with_aggregate_type(AggregateType::new("Account").unwrap())
    .with_metadata(Metadata {
        correlation_id: Some("corr-1".into()),
        user_id: Some("user-0042".into()),
        ..Metadata::default()
    });
    let event = RecordedEvent::record(
        StreamId::new("account-123").unwrap(),
        Version::new(7),
        new,
        chrono::Utc::now(),
    );
    c.bench_function("item mapping: 1 KB event to item", |b| {
        b.iter(|| {
            event_item::to_item(
                black_box(&event),
                None,
                Some(1_800_000_000),
                EnabledIndexes::all(),
            )
            .unwrap()
        })
    });
    let item = event_item::to_item(&event, None, None, EnabledIndexes::all()).unwrap();
    c.bench_function("item mapping: item to event", |b| {
        b.iter(|| event_item::from_item(black_box(item.clone())).unwrap())
    });
}

criterion_group!(benches, item_mapping);
criterion_main!(benches);
