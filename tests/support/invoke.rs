//! Invoking the functions through the Lambda Invoke API that `cargo lambda watch` serves
//! (started by `tests/with-functions.sh`), with the real aws-sdk-lambda client.

use aws_sdk_lambda::primitives::Blob;
use event_store_dynamodb::create_events_table;
use serde_json::Value;

use crate::fixture;

/// A Lambda client on the local Invoke API, with the functions' events table created.
pub async fn functions() -> aws_sdk_lambda::Client {
    let endpoint = std::env::var("LAMBDA_ENDPOINT").unwrap_or_else(|_| {
        panic!("LAMBDA_ENDPOINT is not set: run the tests with `make test`, which serves the functions")
    });
    let table = std::env::var("FUNCTIONS_EVENTS_TABLE").expect("set by tests/with-functions.sh");
    let (dynamodb, _) = crate::metered_client().await;
    create_events_table(&dynamodb, &table)
        .await
        .expect("the functions' table");
    let shared = event_store_dynamodb::sdk_config().await;
    let config = aws_sdk_lambda::config::Builder::from(&shared)
        .endpoint_url(endpoint)
        .build();
    aws_sdk_lambda::Client::from_conf(config)
}

/// Invokes `function` with `payload`; a function error fails loudly with its payload.
pub async fn invoke(client: &aws_sdk_lambda::Client, function: &str, payload: &Value) -> Value {
    let output = client
        .invoke()
        .function_name(function)
        .payload(Blob::new(serde_json::to_vec(payload).expect("JSON")))
        .send()
        .await
        .unwrap_or_else(|e| {
            panic!(
                "invoke {function}: {}",
                aws_sdk_lambda::error::DisplayErrorContext(&e)
            )
        });
    let body = output
        .payload()
        .map(|b| b.as_ref().to_vec())
        .unwrap_or_default();
    let answer: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    assert!(
        output.function_error().is_none(),
        "{function} failed: {answer}"
    );
    answer
}

/// A fixture with every UUID replaced by a fresh one (consistently) and each of `streams`
/// suffixed, so tests that share the functions' table never meet each other's events. SQS
/// bodies (JSON inside strings) are rewritten too.
pub fn fresh_fixture(path: &str, streams: &[&str]) -> (Value, String) {
    let suffix = uuid::Uuid::new_v4().simple().to_string()[..8].to_owned();
    let mut text = fixture(path).to_string();
    for stream in streams {
        text = text.replace(stream, &format!("{stream}-{suffix}"));
    }
    let mut fresh = String::with_capacity(text.len());
    let mut seen: std::collections::HashMap<String, String> = Default::default();
    let mut rest = text.as_str();
    while let Some(uuid_at) = find_uuid(rest) {
        fresh.push_str(&rest[..uuid_at]);
        let old = &rest[uuid_at..uuid_at + 36];
        let new = seen
            .entry(old.to_owned())
            .or_insert_with(|| uuid::Uuid::new_v4().to_string());
        fresh.push_str(new);
        rest = &rest[uuid_at + 36..];
    }
    fresh.push_str(rest);
    (serde_json::from_str(&fresh).expect("still JSON"), suffix)
}

fn find_uuid(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    (0..bytes.len().saturating_sub(35)).find(|&start| {
        bytes[start..start + 36]
            .iter()
            .enumerate()
            .all(|(i, b)| match i {
                8 | 13 | 18 | 23 => *b == b'-',
                _ => b.is_ascii_hexdigit(),
            })
    })
}
