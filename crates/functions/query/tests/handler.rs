//! The query function's handler with the fixtures' payloads, against the local AWS endpoint.

use chrono::Utc;
use event_store_domain::{AppendCommand, ReducerRegistry, Snapshot, StreamId, Version};
use event_store_tests::{fixture, local_store, LocalStore};
use lambda_runtime::{Context, LambdaEvent};
use query::Query;
use serde_json::{json, Value};

async fn query_over_sample() -> (Query, LocalStore) {
    let local = local_store().await;
    for command in ["streams/account-123.json", "invoke/append-command.json"] {
        let request = AppendCommand::from_json(fixture(command)).unwrap();
        local.store.append(&request).await.unwrap();
    }
    (
        Query::new(local.store.clone(), ReducerRegistry::with_examples()),
        local,
    )
}

async fn ask(query: &Query, payload: Value) -> Value {
    query
        .handle(LambdaEvent::new(payload, Context::default()))
        .await
}

#[tokio::test]
async fn seed_004_reconstructs_the_account_balance() {
    let (query, _local) = query_over_sample().await;
    let answer = ask(&query, fixture("invoke/query-reconstruct-state.json")).await;
    assert_eq!(
        answer["state"]["state"]["balance"],
        json!(70.25),
        "{answer}"
    );
    assert_eq!(answer["state"]["version"], 3);
    let explicit = ask(
        &query,
        json!({"op": "loadState", "streamId": "account-123", "aggregateType": "Account"}),
    )
    .await;
    assert_eq!(explicit["state"], answer["state"]);
}

#[tokio::test]
async fn a_stream_pages_with_an_opaque_token() {
    let (query, _local) = query_over_sample().await;
    let first = ask(
        &query,
        json!({"op": "readStream", "streamId": "account-123", "limit": 2}),
    )
    .await;
    assert_eq!(first["events"].as_array().unwrap().len(), 2);
    let token = first["nextPageToken"].as_str().expect("a token").to_owned();
    let second = ask(
        &query,
        json!({"op": "readStream", "streamId": "account-123", "limit": 2, "pageToken": token}),
    )
    .await;
    assert_eq!(second["events"][0]["version"], 3);
    assert!(second.get("nextPageToken").is_none());
}

#[tokio::test]
async fn index_queries_answer_by_type_correlation_and_user() {
    let (query, _local) = query_over_sample().await;
    let by_type = ask(&query, fixture("invoke/query-events-by-type.json")).await;
    assert_eq!(by_type["events"][0]["streamId"], "account-123", "{by_type}");
    let by_correlation = ask(
        &query,
        json!({"op": "eventsByCorrelation", "correlationId": "tx-789"}),
    )
    .await;
    assert_eq!(
        by_correlation["events"][0]["data"]["transactionId"],
        "tx-789"
    );
    let by_user = ask(
        &query,
        json!({"op": "eventsByUser", "userId": "customer-456", "direction": "backward"}),
    )
    .await;
    let versions: Vec<u64> = by_user["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["version"].as_u64().unwrap())
        .collect();
    assert_eq!(versions, [3, 2, 1]);
    let by_aggregate = ask(&query, json!({"op": "eventsByAggregateType", "aggregateType": "Account", "to": "2024-01-15T10:15:00Z"})).await;
    assert_eq!(by_aggregate["events"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn single_events_and_snapshots_are_read() {
    let (query, local) = query_over_sample().await;
    let event = ask(
        &query,
        json!({"op": "getEvent", "streamId": "account-123", "version": 2}),
    )
    .await;
    assert_eq!(event["event"]["data"]["amount"], json!(100.5));
    let missing = ask(
        &query,
        json!({"op": "getEvent", "streamId": "account-123", "version": 9}),
    )
    .await;
    assert_eq!(missing["event"], Value::Null);

    assert_eq!(
        ask(
            &query,
            json!({"op": "getSnapshot", "streamId": "account-123"})
        )
        .await["snapshot"],
        Value::Null
    );
    let state = ask(
        &query,
        json!({"op": "loadState", "streamId": "account-123"}),
    )
    .await;
    local
        .store
        .write_snapshot(&Snapshot {
            stream_id: StreamId::new("account-123").unwrap(),
            version: Version::new(3),
            aggregate_type: Some(event_store_domain::AggregateType::new("Account").unwrap()),
            state: state["state"]["state"].clone(),
            taken_at: Utc::now(),
        })
        .await
        .unwrap();
    let snapshot = ask(
        &query,
        json!({"op": "getSnapshot", "streamId": "account-123"}),
    )
    .await;
    assert_eq!(snapshot["snapshot"]["version"], 3);
    let listed = ask(
        &query,
        json!({"op": "listSnapshots", "streamId": "account-123", "limit": 5}),
    )
    .await;
    assert_eq!(listed["snapshots"][0]["version"], 3);
    assert_eq!(listed["snapshots"].as_array().map(Vec::len), Some(1));
    assert!(listed.get("nextPageToken").is_none(), "{listed}");
    let from_snapshot = ask(
        &query,
        json!({"op": "loadState", "streamId": "account-123"}),
    )
    .await;
    assert_eq!(from_snapshot["state"]["snapshotVersion"], 3);
    assert_eq!(from_snapshot["state"]["state"]["balance"], json!(70.25));

    // As of version 2 the snapshot at 3 is past it: events 1 and 2 are folded.
    let at_two = ask(
        &query,
        json!({"op": "loadState", "streamId": "account-123", "atVersion": 2}),
    )
    .await;
    assert_eq!(at_two["state"]["version"], 2, "{at_two}");
    assert_eq!(at_two["state"]["eventsApplied"], 2, "{at_two}");
    assert_eq!(at_two["state"]["snapshotVersion"], Value::Null, "{at_two}");
    assert_ne!(at_two["state"]["state"], from_snapshot["state"]["state"]);
    // As of now (by recorded time) is the latest state.
    let now = ask(
        &query,
        json!({"op": "loadState", "streamId": "account-123",
               "atTime": event_store_domain::format_time(&Utc::now())}),
    )
    .await;
    assert_eq!(
        now["state"]["version"], from_snapshot["state"]["version"],
        "{now}"
    );
    assert_eq!(
        now["state"]["state"], from_snapshot["state"]["state"],
        "{now}"
    );
}

#[tokio::test]
async fn bad_queries_get_typed_errors_without_internals() {
    let (query, _local) = query_over_sample().await;
    for (payload, field) in [
        (json!({"streamId": "s"}), "op"),
        (json!({"op": "nope"}), "query"),
        (json!({"op": "readStream", "streamId": ""}), "query"),
        (
            json!({"op": "eventsByType", "eventType": "X", "from": "yesterday"}),
            "from",
        ),
        (
            json!({"op": "readStream", "streamId": "account-123", "pageToken": "forged"}),
            "pageToken",
        ),
        (
            json!({"op": "loadState", "streamId": "account-123", "atVersion": 0}),
            "atVersion",
        ),
        (
            json!({"op": "loadState", "streamId": "account-123", "atVersion": 99}),
            "atVersion",
        ),
        (
            json!({"op": "loadState", "streamId": "account-123", "atTime": "yesterday"}),
            "atTime",
        ),
        (
            json!({"op": "loadState", "streamId": "account-123", "atTime": "2000-01-01T00:00:00Z"}),
            "atTime",
        ),
        (
            json!({"op": "loadState", "streamId": "account-123", "atVersion": 2,
                   "atTime": "2030-01-01T00:00:00Z"}),
            "atVersion",
        ),
    ] {
        let answer = ask(&query, payload.clone()).await;
        assert_eq!(answer["error"]["type"], "Validation", "{payload}: {answer}");
        assert_eq!(answer["error"]["field"], field, "{payload}: {answer}");
    }
}

#[tokio::test]
async fn read_models_and_transactions_are_served() {
    use event_store_domain::parse_time;
    use event_store_dynamodb::{
        create_projections_table, transaction_key, DynamoReadModels, TRANSACTIONS_MODEL,
    };
    let (without, local) = query_over_sample().await;
    let table = format!("projections-{}", uuid::Uuid::new_v4());
    create_projections_table(&local.client, &table)
        .await
        .unwrap();
    let read_models = DynamoReadModels::new(local.client.clone(), table.clone());
    read_models
        .put_versioned(
            "testItems",
            "1",
            Version::new(1),
            json!({"itemId": "1", "amount": 500}),
        )
        .await
        .unwrap();
    for (version, started, status) in [
        (1, "2024-01-01T00:00:00Z", "complete"),
        (2, "2024-02-01T00:00:00Z", "inProgress"),
    ] {
        let key = transaction_key(
            "210987654321",
            &parse_time("t", started).unwrap(),
            "account-maintenance",
        );
        read_models
            .put_versioned(
                TRANSACTIONS_MODEL,
                &key,
                Version::new(version),
                json!({"cycle": "account-maintenance", "started": started, "status": status}),
            )
            .await
            .unwrap();
    }
    let declared = event_store_domain::ProjectorSettings::from_json(include_str!(
        "../../../../fixtures/settings/projector.json"
    ))
    .unwrap()
    .read_models;
    let query = Query::new(local.store.clone(), ReducerRegistry::with_examples())
        .with_read_models(read_models)
        .with_declared_models(declared);
    let models = ask(&query, json!({"op": "listReadModels"})).await;
    assert_eq!(models["models"][0]["name"], "testItems", "{models}");
    assert_eq!(models["models"][0]["generation"], 0, "never rebuilt here");
    assert_eq!(
        models["models"].as_array().map(Vec::len),
        Some(7),
        "two declared, one in code, four of the store's: {models}"
    );

    // Settings that do not load stop the list only, naming them; reads go on.
    let misconfigured = Query::new(local.store.clone(), ReducerRegistry::with_examples())
        .with_read_models(DynamoReadModels::new(local.client.clone(), table))
        .with_settings(event_store_domain::ProjectorSettings::from_json(
            "{\"readModels\": 3}",
        ));
    let refused = ask(&misconfigured, json!({"op": "listReadModels"})).await;
    assert_eq!(refused["error"]["type"], "Validation", "{refused}");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("PROJECTOR_SETTINGS"),
        "{refused}"
    );
    let still = ask(
        &misconfigured,
        json!({"op": "listReadModel", "model": "testItems", "limit": 1}),
    )
    .await;
    assert!(still.get("documents").is_some(), "{still}");

    let item = ask(
        &query,
        json!({"op": "getReadModel", "model": "testItems", "key": "1"}),
    )
    .await;
    assert_eq!(item["document"]["amount"], 500, "{item}");
    let listed = ask(
        &query,
        json!({"op": "listReadModel", "model": "testItems", "limit": 10}),
    )
    .await;
    assert_eq!(listed["documents"][0]["key"], "1");
    let windows = ask(
        &query,
        json!({"op": "transactionsForEntity", "entity": "210987654321"}),
    )
    .await;
    let statuses: Vec<&str> = windows["transactions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        ["inProgress", "complete"],
        "the most recent window comes first"
    );
    let one = ask(&query, json!({"op": "transaction", "entity": "210987654321", "cycle": "account-maintenance", "started": "2024-01-01T00:00:00Z"})).await;
    assert_eq!(one["transaction"]["status"], "complete");

    let refused = ask(
        &without,
        json!({"op": "listReadModel", "model": "testItems"}),
    )
    .await;
    assert_eq!(refused["error"]["type"], "Validation");
    assert!(refused["error"]["message"]
        .as_str()
        .unwrap()
        .contains("PROJECTIONS_TABLE"));
}
