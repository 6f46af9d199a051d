//! Every input shape end to end through the Lambda Invoke API (`cargo lambda watch`) with the
//! AWS SDK, against the local AWS endpoint: the same payloads as `fixtures/`.

use event_store_tests::invoke::{fresh_fixture, functions, invoke};
use serde_json::{json, Value};

fn versions(answer: &Value) -> Vec<u64> {
    answer["events"]
        .as_array()
        .map(|events| {
            events
                .iter()
                .map(|e| e["version"].as_u64().unwrap())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn an_sqs_batch_with_poison_fails_only_the_poison_messages() {
    let lambda = functions().await;
    let (batch, suffix) = fresh_fixture(
        "sqs/ingest-batch-with-poison.json",
        &["account-123", "210987654321"],
    );
    let answer = invoke(&lambda, "persister", &batch).await;
    let mut failed: Vec<String> = answer["batchItemFailures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["itemIdentifier"].as_str().unwrap().to_owned())
        .collect();
    failed.sort();
    assert_eq!(failed, ["msg-poison-json", "msg-poison-no-stream"]);
    let read = invoke(
        &lambda,
        "query",
        &json!({"op": "readStream", "streamId": format!("account-123-{suffix}")}),
    )
    .await;
    assert_eq!(versions(&read), [1]);
}

#[tokio::test]
async fn a_redelivered_eventbridge_event_is_stored_once() {
    let lambda = functions().await;
    let (event, suffix) = fresh_fixture("events/seed-004-account-created.json", &["account-123"]);
    let first = invoke(&lambda, "persister", &event).await;
    let again = invoke(&lambda, "persister", &event).await;
    assert_eq!(
        (first["duplicate"].clone(), again["duplicate"].clone()),
        (json!(false), json!(true))
    );
    let read = invoke(
        &lambda,
        "query",
        &json!({"op": "readStream", "streamId": format!("account-123-{suffix}")}),
    )
    .await;
    assert_eq!(versions(&read), [1]);
}

#[tokio::test]
async fn a_stale_expected_version_comes_back_as_a_conflict_payload() {
    let lambda = functions().await;
    let (command, suffix) = fresh_fixture("invoke/append-command.json", &[]);
    let stored = invoke(&lambda, "persister", &command).await;
    assert_eq!(stored["versions"], json!([1, 2]), "{stored}");
    let stale = fresh_fixture("invoke/append-stale.json", &[]).0;
    let mut stale = stale;
    stale["streamId"] = command["streamId"].clone();
    let conflict = invoke(&lambda, "persister", &stale).await;
    assert_eq!(
        conflict["error"]["type"], "Conflict",
        "{conflict} ({suffix})"
    );
    assert_eq!(
        (
            conflict["error"]["expected"].clone(),
            conflict["error"]["actual"].clone()
        ),
        (json!(1), json!(2))
    );
}

#[tokio::test]
async fn seed_004_account_state_is_reconstructed_through_the_query_function() {
    let lambda = functions().await;
    let (created, suffix) = fresh_fixture("events/seed-004-account-created.json", &["account-123"]);
    invoke(&lambda, "persister", &created).await;
    let (deposit, _) = fresh_fixture("invoke/seed-004-command.json", &[]);
    let mut deposit = deposit;
    deposit["aggregateId"] = json!(format!("account-123-{suffix}"));
    assert_eq!(
        invoke(&lambda, "persister", &deposit).await["versions"],
        json!([2])
    );
    let state = invoke(
        &lambda,
        "query",
        &json!({"queryType": "reconstructState", "aggregateId": format!("account-123-{suffix}")}),
    )
    .await;
    assert_eq!(state["state"]["state"]["balance"], json!(100.5), "{state}");
    assert_eq!(state["state"]["state"]["customerId"], "customer-456");
}

#[tokio::test]
async fn invalid_input_is_a_typed_error_payload_not_a_crash() {
    let lambda = functions().await;
    let answer = invoke(
        &lambda,
        "persister",
        &json!({"streamId": "$nope", "events": [{"eventType": "A", "data": {}}]}),
    )
    .await;
    assert_eq!(answer["error"]["type"], "Validation");
    assert_eq!(answer["error"]["field"], "streamId");
    let answer = invoke(&lambda, "query", &json!({"op": "loadState"})).await;
    assert_eq!(answer["error"]["type"], "Validation");
}
