//! What each operation costs, pinned: a change that adds a request or a write unit to a hot path
//! fails here. Units follow DynamoDB's rules (see `support/capacity.rs`), for 1 KB events with an
//! aggregate type, a correlation id and a user id (so each event makes 5 index entries of 1 WRU).
//! In a transaction every item costs 2 WRU per started KB: the stream's head (under 1 KB) 2, each
//! event 2, each store-wide guard (under 1 KB) 2.

use std::collections::BTreeMap;

use event_store_domain::DedupeScope;
use event_store_tests::costs::{load_label, measure_costs, CostRow};

fn requests(pairs: &[(&str, usize)]) -> BTreeMap<String, usize> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

#[track_caller]
fn assert_row(
    rows: &[CostRow],
    scope: DedupeScope,
    operation: &str,
    expected: &[(&str, usize)],
    wru: f64,
    rru: f64,
) {
    let row = rows
        .iter()
        .find(|r| r.scope == scope && r.operation == operation)
        .unwrap_or_else(|| panic!("no row {operation} ({scope})"));
    assert_eq!(
        row.usage.requests,
        requests(expected),
        "{operation} ({scope})"
    );
    assert_eq!(row.usage.write_units, wru, "{operation} ({scope}) WRU");
    assert_eq!(row.usage.read_units, rru, "{operation} ({scope}) RRU");
}

/// The head, then per event its item and 5 index entries, and per event a guard store-wide.
fn append_units(scope: DedupeScope, events: usize) -> f64 {
    let per_event = 2.0
        + 5.0
        + if scope == DedupeScope::Store {
            2.0
        } else {
            0.0
        };
    2.0 + per_event * events as f64
}

#[tokio::test]
async fn each_operation_costs_what_the_readme_says() {
    let rows = measure_costs().await;
    let transaction = [("TransactWriteItems", 1)];
    let head_then_transaction = [("GetItem", 1), ("TransactWriteItems", 1)];
    for scope in [DedupeScope::Stream, DedupeScope::Store] {
        let largest = scope.max_events_per_append();
        for size in [1, 10, largest] {
            let label = |what: &str| {
                if size == 1 {
                    format!("append 1 event, {what}")
                } else {
                    format!("append {size} events, {what}")
                }
            };
            let units = append_units(scope, size);
            // A known version: one request, no read.
            assert_row(
                &rows,
                scope,
                &label("new stream (expected: noStream)"),
                &transaction,
                units,
                0.0,
            );
            assert_row(
                &rows,
                scope,
                &label("at an expected version"),
                &transaction,
                units,
                0.0,
            );
            // None: one consistent read of the head (under 4 KB: 1 RRU), then the same write.
            assert_row(
                &rows,
                scope,
                &label("no expected version (the bus path)"),
                &head_then_transaction,
                units,
                1.0,
            );
        }
        // A redelivery the head remembers is answered from the head alone.
        assert_row(
            &rows,
            scope,
            "the same event redelivered (duplicate, nothing written)",
            &[("GetItem", 1)],
            0.0,
            1.0,
        );
        // A retry at its expected version is a cancelled transaction, billed for its items as if
        // written (the head, the event, the guard store-wide), not for index entries.
        let cancelled = if scope == DedupeScope::Store {
            6.0
        } else {
            4.0
        };
        assert_row(
            &rows,
            scope,
            "the same event retried at its expected version (cancelled transaction)",
            &transaction,
            cancelled,
            0.0,
        );
    }
    assert_eq!(append_units(DedupeScope::Stream, 1), 9.0);
    assert_eq!(append_units(DedupeScope::Store, 1), 11.0);
    let store = DedupeScope::Store;
    // 101 items of ~1 KB read consistently (one more than the page, for the token): 25 of 4 KB.
    assert_row(
        &rows,
        store,
        "read 100 events (one page)",
        &[("Query", 1)],
        0.0,
        25.0,
    );
    // The guard and the event, each under 4 KB, read consistently.
    assert_row(
        &rows,
        store,
        "read 1 event by its id alone (store-wide scope)",
        &[("GetItem", 2)],
        0.0,
        2.0,
    );
    // A load's first query reads the top 12 items of the partition (a query reads up to its
    // limit, past the snapshot if that comes first), ~1 KB each (the snapshot's state is the
    // merged payloads: ~1 KB), consistently, 1 RRU per started 4 KB: 3 RRU for a tail of 1 and
    // of 10. A longer tail reads the range down to the snapshot next, and nothing below it: of
    // 50, 39 events and the snapshot (40 KB: 10 RRU); of 99, 88 and the snapshot (89 KB: 22).
    for (tail, queries, rru) in [(1, 1, 3.0), (10, 1, 3.0), (50, 2, 13.0), (99, 2, 25.0)] {
        assert_row(
            &rows,
            store,
            &load_label(tail),
            &[("Query", queries)],
            0.0,
            rru,
        );
    }
    // 16 shard queries of index keys and one BatchGetItem of the 100 events, eventually
    // consistent: what the meter sums by DynamoDB's rules for these items.
    let index_read = [("Query", 16), ("BatchGetItem", 1)];
    assert_row(
        &rows,
        store,
        "query 100 events by event type (16 shards)",
        &index_read,
        0.0,
        58.0,
    );
    assert_row(
        &rows,
        store,
        "global read of 100 events in time order (16 shards)",
        &index_read,
        0.0,
        58.0,
    );
}
