//! What each operation costs, pinned: a change that adds a request or a write unit to a hot path
//! fails here. Units follow DynamoDB's rules (see `support/capacity.rs`).

use std::collections::BTreeMap;

use event_store_tests::costs::{measure_costs, CostRow};

fn requests(pairs: &[(&str, usize)]) -> BTreeMap<String, usize> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

#[track_caller]
fn assert_row(rows: &[CostRow], operation: &str, expected: &[(&str, usize)], wru: f64, rru: f64) {
    let row = rows
        .iter()
        .find(|r| r.operation.starts_with(operation))
        .unwrap_or_else(|| panic!("no row {operation}"));
    assert_eq!(row.usage.requests, requests(expected), "{operation}");
    assert_eq!(row.usage.write_units, wru, "{operation} WRU");
    assert_eq!(row.usage.read_units, rru, "{operation} RRU");
}

#[tokio::test]
async fn each_operation_costs_what_the_readme_says() {
    let rows = measure_costs().await;
    // 1 KB item: 1 WRU, plus 1 WRU for each of the 5 index entries (the 4 lookups and time).
    assert_row(
        &rows,
        "append 1 event, new stream",
        &[("PutItem", 1)],
        6.0,
        0.0,
    );
    // Transactional: 2 to check the previous event (1 KB), 2 for the event, 5 for its indexes.
    assert_row(
        &rows,
        "append 1 event at expected version",
        &[("TransactWriteItems", 1)],
        9.0,
        0.0,
    );
    assert_row(
        &rows,
        "append batch of 10",
        &[("TransactWriteItems", 1)],
        2.0 + 10.0 * 7.0,
        0.0,
    );
    assert_row(
        &rows,
        "append batch of 100",
        &[("TransactWriteItems", 1)],
        100.0 * 7.0,
        0.0,
    );
    // One consistent read of the head, then the event (2), its guard (2) and its indexes (5).
    assert_row(
        &rows,
        "append 1 event, no expected",
        &[("Query", 1), ("TransactWriteItems", 1)],
        9.0,
        1.0,
    );
    // The failed transaction is priced as if written here: what matters is that it is one try.
    let duplicate = rows
        .iter()
        .find(|r| r.operation.starts_with("same event redelivered"))
        .unwrap();
    assert_eq!(
        duplicate.usage.requests,
        requests(&[("Query", 1), ("TransactWriteItems", 1)])
    );
    // 101 items of ~1 KB read consistently: 25 units of 4 KB.
    assert_row(&rows, "read 100 events", &[("Query", 1)], 0.0, 25.0);
    let load = rows
        .iter()
        .find(|r| r.operation.starts_with("load state"))
        .unwrap();
    assert_eq!(load.usage.requests, requests(&[("Query", 1)]));
    let query = rows
        .iter()
        .find(|r| r.operation.starts_with("query 100 events"))
        .unwrap();
    assert_eq!(
        query.usage.requests,
        requests(&[("Query", 16), ("BatchGetItem", 1)])
    );
    let global = rows
        .iter()
        .find(|r| r.operation.starts_with("global read of 100 events"))
        .unwrap();
    assert_eq!(
        global.usage.requests,
        requests(&[("Query", 16), ("BatchGetItem", 1)])
    );
}
