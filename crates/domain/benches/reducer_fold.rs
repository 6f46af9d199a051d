//! Criterion: folding state from events, what every state load and snapshot does: seed 004's
//! account aggregate and the JSON merge reducer over 100 events.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use event_store_domain::{
    AggregateType, EventType, NewEvent, RecordedEvent, ReducerRegistry, State, StreamId, Version,
};
use serde_json::json;

fn account_events(count: u64) -> Vec<RecordedEvent> {
    (1..=count)
        .map(|version| {
            let (event_type, data) = match version {
                1 => (
                    "AccountCreated",
                    json!({"accountId": "account-1", "customerId": "c-1", "accountType": "checking"}),
                ),
                n => (
                    "TransactionProcessed",
                    json!({"transactionId": format!("t-{n}"), "amount": 10.5, "type": "deposit"}),
                ),
            };
            let new = NewEvent::new(EventType::new(event_type).unwrap(), data)
                .with_aggregate_type(AggregateType::new("Account").unwrap());
            RecordedEvent::record(
                StreamId::new("account-1").unwrap(),
                Version::new(version),
                new,
                chrono::Utc::now(),
            )
        })
        .collect()
}

fn reducer_fold(c: &mut Criterion) {
    let registry = ReducerRegistry::with_examples();
    let events = account_events(100);
    let stream = StreamId::new("account-1").unwrap();
    c.bench_function("reducer fold: 100 account events", |b| {
        b.iter(|| {
            State::fold(
                registry.reducer_for(Some("Account")),
                stream.clone(),
                None,
                black_box(&events),
            )
            .unwrap()
        })
    });
    c.bench_function("reducer fold: 100 events, JSON merge", |b| {
        b.iter(|| {
            State::fold(
                registry.reducer_for(None),
                stream.clone(),
                None,
                black_box(&events),
            )
            .unwrap()
        })
    });
}

criterion_group!(benches, reducer_fold);
criterion_main!(benches);
