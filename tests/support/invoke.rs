//! Invoking the functions through the Lambda Invoke API that `cargo lambda watch` serves
//! (started by `tests/with-functions.sh`), with the real aws-sdk-lambda client.

use std::collections::HashMap;

use aws_sdk_lambda::primitives::Blob;
use event_store_dynamodb::{create_events_table, create_keys_table, ensure_personal_data_key};
use serde_json::Value;

use crate::fixture;

/// A Lambda client on the local Invoke API, with the functions' events and keys tables and KMS
/// key created.
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
    let keys = std::env::var("KEYS_TABLE").expect("set by tests/with-functions.sh");
    create_keys_table(&dynamodb, &keys)
        .await
        .expect("the functions' keys table");
    let alias = std::env::var("PERSONAL_DATA_KEY").expect("set by tests/with-functions.sh");
    ensure_personal_data_key(&aws_sdk_kms::Client::new(&shared), &alias)
        .await
        .expect("the functions' KMS key");
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

/// The ids the fixtures use that are not UUIDs: streams and correlation ids.
pub const FIXTURE_NAMES: [&str; 7] = [
    "account-123",
    "210987654321",
    "mbocdp-77",
    "onboarding-456",
    "tx-789",
    "tx-790",
    "saga-2024-03-10-001",
];

/// Fresh ids for fixtures, so tests that share the functions' table never meet each other's
/// events: every UUID becomes a fresh one (the same one everywhere it appears) and each name of
/// [`FIXTURE_NAMES`] gets a suffix. SQS bodies (JSON inside strings) are rewritten too.
#[derive(Debug, Default)]
pub struct FreshIds {
    suffix: String,
    uuids: HashMap<String, String>,
}

impl FreshIds {
    /// A new set of substitutions.
    pub fn new() -> Self {
        FreshIds {
            suffix: uuid::Uuid::new_v4().simple().to_string()[..8].to_owned(),
            uuids: HashMap::new(),
        }
    }

    /// The fresh form of fixture id `id` (a name or a UUID).
    pub fn name(&self, id: &str) -> String {
        if FIXTURE_NAMES.contains(&id) {
            format!("{id}-{}", self.suffix)
        } else {
            self.uuids.get(id).cloned().unwrap_or_else(|| id.to_owned())
        }
    }

    /// The fixture at `path` with fresh ids.
    pub fn fixture(&mut self, path: &str) -> Value {
        let text = fixture(path).to_string();
        serde_json::from_str(&self.apply(&text)).expect("still JSON")
    }

    /// `text` with fresh ids.
    pub fn apply(&mut self, text: &str) -> String {
        let mut text = text.to_owned();
        for name in FIXTURE_NAMES {
            text = text.replace(name, &format!("{name}-{}", self.suffix));
        }
        let mut fresh = String::with_capacity(text.len());
        let mut rest = text.as_str();
        while let Some(at) = find_uuid(rest) {
            fresh.push_str(&rest[..at]);
            let new = self
                .uuids
                .entry(rest[at..at + 36].to_owned())
                .or_insert_with(|| uuid::Uuid::new_v4().to_string());
            fresh.push_str(new);
            rest = &rest[at + 36..];
        }
        fresh.push_str(rest);
        fresh
    }
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
