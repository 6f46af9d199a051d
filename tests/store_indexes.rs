//! The secondary indexes are optional: a store writes the keys of those it enables (by default
//! `schema/tables.json`'s `defaultIndexes`: aggregate type, user and time), pays 1 WRU per event
//! for each, and refuses a query of another one with a `Validation` error naming it.

use event_store_domain::{
    AppendRequest, DedupeScope, Direction, EnabledIndexes, Error, EventIndex, EventQuery,
    ExpectedVersion, PageRequest, TimeRange,
};
use event_store_tests::costs::one_kb_event;
use event_store_tests::{fresh_stream, local_store_with, LocalStore};

async fn default_store(scope: DedupeScope) -> LocalStore {
    local_store_with(|settings| {
        settings.indexes = None;
        settings.dedupe_scope = scope;
    })
    .await
}

fn query(index: EventIndex, key: &str) -> EventQuery {
    EventQuery::new(index, key, TimeRange::default(), Direction::Forward).unwrap()
}

#[tokio::test]
async fn the_default_store_writes_the_seeds_indexes_and_refuses_a_query_of_another_naming_it() {
    let local = default_store(DedupeScope::Store).await;
    assert_eq!(
        local.store.indexes().names(),
        ["byAggregateType", "byUser", "byTime"]
    );
    let stream = fresh_stream("indexed");
    let event = one_kb_event("Measured");
    let request =
        AppendRequest::new(stream.clone(), ExpectedVersion::NoStream, vec![event]).unwrap();
    local.meter.reset();
    local.store.append(&request).await.unwrap();
    // By hand, DynamoDB's rules: in a transaction the head (under 1 KB) 2 WRU, the event (under
    // 1 KB) 2, its guard 2; one entry of 1 WRU in each of the 3 enabled indexes: 9, not 11.
    assert_eq!(local.meter.usage().write_units, 9.0);
    // The bus path (no expected version): the head's read (1 RRU), then the same 9 WRU.
    let bus = AppendRequest::new(
        stream.clone(),
        ExpectedVersion::Any,
        vec![one_kb_event("Measured")],
    )
    .unwrap();
    local.meter.reset();
    local.store.append(&bus).await.unwrap();
    let usage = local.meter.usage();
    assert_eq!((usage.write_units, usage.read_units), (9.0, 1.0));

    let first = PageRequest::first(10);
    for (index, key) in [
        (EventIndex::AggregateType, "Account"),
        (EventIndex::User, "user-0042"),
        (EventIndex::Time, EventQuery::ALL),
    ] {
        let page = local.store.query_events(&query(index, key), &first).await;
        assert_eq!(page.unwrap().items.len(), 2, "{index:?}");
    }
    for (index, field) in [
        (EventIndex::EventType, "eventType"),
        (EventIndex::Correlation, "correlationId"),
    ] {
        match local.store.query_events(&query(index, "x"), &first).await {
            Err(Error::Validation {
                field: named,
                reason,
            }) => {
                assert_eq!(named, field);
                assert!(reason.contains(index.name()), "{reason}");
                assert!(reason.contains("INDEXES"), "{reason}");
            }
            other => panic!("{index:?}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn each_enabled_index_costs_one_write_unit_per_event_in_both_scopes() {
    for (scope, guard) in [(DedupeScope::Stream, 0.0), (DedupeScope::Store, 2.0)] {
        for indexes in [
            EnabledIndexes::none(),
            EnabledIndexes::of([EventIndex::Time]),
            EnabledIndexes::of([
                EventIndex::AggregateType,
                EventIndex::User,
                EventIndex::Time,
            ]),
            EnabledIndexes::all(),
        ] {
            let local = local_store_with(|settings| {
                settings.indexes = Some(indexes);
                settings.dedupe_scope = scope;
            })
            .await;
            let stream = fresh_stream("indexed");
            let first = AppendRequest::new(
                stream.clone(),
                ExpectedVersion::NoStream,
                vec![one_kb_event("Measured")],
            )
            .unwrap();
            local.store.append(&first).await.unwrap();
            let at_version = AppendRequest::new(
                stream.clone(),
                ExpectedVersion::Exact(event_store_domain::Version::new(1)),
                vec![one_kb_event("Measured")],
            )
            .unwrap();
            local.meter.reset();
            local.store.append(&at_version).await.unwrap();
            // 4 (the head and the event, 2 each in a transaction) + 1 per index (+ 2, the guard).
            let expected = 4.0 + indexes.iter().count() as f64 + guard;
            assert_eq!(
                local.meter.usage().write_units,
                expected,
                "{scope} with {:?}",
                indexes.names()
            );
        }
    }
}
