//! Every input shape end to end through the Lambda Invoke API (`cargo lambda watch`) with the
//! AWS SDK, against the local AWS endpoint: the same payloads as `fixtures/`.

use event_store_tests::failed_message_ids;
use event_store_tests::invoke::{functions, invoke, FreshIds};
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

async fn stream_versions(lambda: &aws_sdk_lambda::Client, stream: String) -> Vec<u64> {
    versions(
        &invoke(
            lambda,
            "query",
            &json!({"op": "readStream", "streamId": stream}),
        )
        .await,
    )
}

#[tokio::test]
async fn an_sqs_batch_with_poison_fails_only_the_poison_messages() {
    let (lambda, mut ids) = (functions().await, FreshIds::new());
    let answer = invoke(
        &lambda,
        "persister",
        &ids.fixture("sqs/ingest-batch-with-poison.json"),
    )
    .await;
    let failed = failed_message_ids(&answer);
    assert_eq!(failed, ["msg-poison-json", "msg-poison-no-stream"]);
    assert_eq!(stream_versions(&lambda, ids.name("account-123")).await, [1]);
    assert_eq!(
        stream_versions(&lambda, ids.name("210987654321")).await,
        [1]
    );
}

#[tokio::test]
async fn a_redelivered_eventbridge_event_is_stored_once() {
    let (lambda, mut ids) = (functions().await, FreshIds::new());
    let event = ids.fixture("events/seed-004-account-created.json");
    let first = invoke(&lambda, "persister", &event).await;
    let again = invoke(&lambda, "persister", &event).await;
    assert_eq!(
        (&first["duplicate"], &again["duplicate"]),
        (&json!(false), &json!(true))
    );
    assert_eq!(stream_versions(&lambda, ids.name("account-123")).await, [1]);
}

#[tokio::test]
async fn a_stale_expected_version_comes_back_as_a_conflict_payload() {
    let (lambda, mut ids) = (functions().await, FreshIds::new());
    let stored = invoke(
        &lambda,
        "persister",
        &ids.fixture("invoke/append-command.json"),
    )
    .await;
    assert_eq!(stored["versions"], json!([1, 2]), "{stored}");
    let conflict = invoke(
        &lambda,
        "persister",
        &ids.fixture("invoke/append-stale.json"),
    )
    .await;
    assert_eq!(conflict["error"]["type"], "Conflict", "{conflict}");
    assert_eq!(
        (&conflict["error"]["expected"], &conflict["error"]["actual"]),
        (&json!(1), &json!(2))
    );
}

#[tokio::test]
async fn seed_004_account_state_is_reconstructed_through_the_query_function() {
    let (lambda, mut ids) = (functions().await, FreshIds::new());
    invoke(
        &lambda,
        "persister",
        &ids.fixture("events/seed-004-account-created.json"),
    )
    .await;
    let deposit = invoke(
        &lambda,
        "persister",
        &ids.fixture("invoke/seed-004-command.json"),
    )
    .await;
    assert_eq!(deposit["versions"], json!([2]), "{deposit}");
    let state = invoke(
        &lambda,
        "query",
        &ids.fixture("invoke/query-reconstruct-state.json"),
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

#[tokio::test]
async fn the_readmes_aws_cli_invoke_works_against_the_local_functions() {
    let lambda = functions().await;
    let mut ids = FreshIds::new();
    invoke(
        &lambda,
        "persister",
        &ids.fixture("streams/account-123.json"),
    )
    .await;
    let out = std::env::temp_dir().join(format!("invoke-{}.json", uuid::Uuid::new_v4()));
    let aws = concat!(env!("CARGO_MANIFEST_DIR"), "/../.venv/bin/aws");
    let status = std::process::Command::new(aws)
        .args([
            "lambda",
            "invoke",
            "--endpoint-url",
            &std::env::var("LAMBDA_ENDPOINT").unwrap(),
        ])
        .args(["--function-name", "query", "--payload"])
        .arg(
            json!({"queryType": "reconstructState", "aggregateId": ids.name("account-123")})
                .to_string(),
        )
        .arg(&out)
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .stdout(std::process::Stdio::null())
        .status()
        .expect("the AWS CLI from the project's virtualenv runs");
    assert!(status.success());
    let answer: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    std::fs::remove_file(&out).ok();
    assert_eq!(
        answer["state"]["state"]["balance"],
        json!(70.25),
        "{answer}"
    );
}
