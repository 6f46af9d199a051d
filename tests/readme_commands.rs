//! The README's `make dev` commands, run as printed: the block after `<!-- make-dev-commands -->`
//! is read from README.md, its fixed ports (make dev's 4566 and 9001) pointed at this run's
//! local endpoint and Invoke API, and each line run by bash from the repository root. Between
//! lines the test waits for the pipeline to carry the published event into the store.

use std::process::Command;
use std::time::{Duration, Instant};

use event_store_local_stack::PipelineDefinition;

const MARKER: &str = "<!-- make-dev-commands -->";

/// The command lines of the README's block (continuations joined).
fn readme_commands() -> Vec<String> {
    event_store_tests::readme::readme_block(MARKER)
}

async fn stream_length(stream: &str) -> usize {
    let client = event_store_dynamodb::dynamodb_client().await;
    let found = client
        .query()
        .table_name(PipelineDefinition::for_env("local").tables.events)
        .key_condition_expression("streamId = :s")
        .expression_attribute_values(
            ":s",
            aws_sdk_dynamodb::types::AttributeValue::S(stream.into()),
        )
        .consistent_read(true)
        .send()
        .await
        .unwrap();
    found
        .items()
        .iter()
        .filter(|item| item.contains_key("eventId"))
        .count()
}

#[tokio::test]
async fn the_readme_make_dev_commands_work_as_printed() {
    let endpoint = event_store_tests::endpoint();
    let functions = std::env::var("LAMBDA_ENDPOINT").expect("run with make test");
    let commands = readme_commands();
    assert!(commands.len() >= 4, "{commands:?}");
    let mut environment = String::new();
    let mut published = 0;
    let mut last_output = String::new();
    for command in commands {
        let command = command
            .replace("http://127.0.0.1:4566", &endpoint)
            .replace("http://127.0.0.1:9001", &functions);
        if command.starts_with("export ") {
            environment.push_str(&command);
            environment.push_str("; ");
            continue;
        }
        let output = Command::new("bash")
            .arg("-c")
            .arg(format!("{environment}{command}"))
            .current_dir(event_store_tests::readme::repository())
            .output()
            .unwrap();
        last_output = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(
            output.status.success(),
            "{command}\n{last_output}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        if command.contains("put-events") {
            assert!(
                last_output.contains("\"FailedEntryCount\": 0"),
                "{last_output}"
            );
            published += 1;
            let started = Instant::now();
            while stream_length("account-cli-1").await < published {
                assert!(
                    started.elapsed() < Duration::from_secs(60),
                    "not stored: {command}"
                );
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        }
    }
    // `aws lambda invoke ... /dev/stdout` prints the function's answer, then the call's metadata.
    let answer: serde_json::Value = serde_json::Deserializer::from_str(&last_output)
        .into_iter()
        .next()
        .expect("the query's answer")
        .unwrap_or_else(|e| panic!("{e}: {last_output}"));
    assert_eq!(answer["state"]["version"], 2, "{answer}");
    assert_eq!(answer["state"]["state"]["balance"], 100.5, "{answer}");
}
