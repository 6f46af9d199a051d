//! Invokes a function through the Lambda Invoke API (`cargo lambda watch` locally) and tells a
//! function's answer from its failure, the way an event source mapping must.

use std::time::Duration;

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::Client;
use serde::Serialize;
use serde_json::Value;

/// How one invocation ended.
#[derive(Debug, Clone, PartialEq)]
pub enum InvokeOutcome {
    /// The function answered with this payload.
    Answered(Value),
    /// The function failed: an error it returned, a crash, a timeout, or no answer at all.
    Failed(String),
}

/// A client of the Invoke API for one function.
#[derive(Clone, Debug)]
pub struct FunctionInvoker {
    client: Client,
    function: String,
}

impl FunctionInvoker {
    /// Invokes `function` at `endpoint` (the Lambda Invoke API `cargo lambda watch` serves). An
    /// invocation that has not answered after `timeout` (the function's timeout) has failed, as
    /// in Lambda.
    pub async fn at(endpoint: &str, function: impl Into<String>, timeout: Duration) -> Self {
        let config = event_store_dynamodb::sdk_config().await;
        let lambda = aws_sdk_lambda::config::Builder::from(&config)
            .endpoint_url(endpoint)
            .timeout_config(
                aws_smithy_types::timeout::TimeoutConfig::builder()
                    .operation_attempt_timeout(timeout)
                    .build(),
            )
            // A failed invocation is the mapping's to retry, with its own semantics.
            .retry_config(aws_smithy_types::retry::RetryConfig::disabled())
            .build();
        Self::new(Client::from_conf(lambda), function)
    }

    /// Invokes `function` where the environment says: the Invoke API at `LAMBDA_ENDPOINT` when it
    /// is set (the local stack), else Lambda itself through the standard AWS chain.
    pub async fn from_env(function: impl Into<String>, timeout: Duration) -> Self {
        match std::env::var("LAMBDA_ENDPOINT") {
            Ok(endpoint) => Self::at(&endpoint, function, timeout).await,
            Err(_) => {
                let config = event_store_dynamodb::sdk_config().await;
                let lambda = aws_sdk_lambda::config::Builder::from(&config)
                    .timeout_config(
                        aws_smithy_types::timeout::TimeoutConfig::builder()
                            .operation_attempt_timeout(timeout)
                            .build(),
                    )
                    .retry_config(aws_smithy_types::retry::RetryConfig::disabled())
                    .build();
                Self::new(Client::from_conf(lambda), function)
            }
        }
    }

    /// Invokes `function` through `client`.
    pub fn new(client: Client, function: impl Into<String>) -> Self {
        Self {
            client,
            function: function.into(),
        }
    }

    /// The function's name.
    pub fn function(&self) -> &str {
        &self.function
    }

    /// Invokes the function synchronously with `event`.
    pub async fn invoke(&self, event: &impl Serialize) -> InvokeOutcome {
        let payload = serde_json::to_vec(event).expect("events serialize");
        let response = self
            .client
            .invoke()
            .function_name(&self.function)
            .payload(Blob::new(payload))
            .send()
            .await;
        let output = match response {
            Ok(output) => output,
            // `cargo lambda watch` answers a function's Err with HTTP 500; AWS with 200 and
            // X-Amz-Function-Error. Both are the function failing.
            Err(error) => {
                return InvokeOutcome::Failed(
                    crate::LocalStackError::aws("Invoke", error).to_string(),
                )
            }
        };
        let body = output
            .payload()
            .map(|p| p.as_ref().to_vec())
            .unwrap_or_default();
        if let Some(kind) = output.function_error() {
            return InvokeOutcome::Failed(format!("{kind}: {}", String::from_utf8_lossy(&body)));
        }
        if body.is_empty() {
            return InvokeOutcome::Answered(Value::Null);
        }
        match serde_json::from_slice(&body) {
            Ok(answer) => InvokeOutcome::Answered(answer),
            Err(e) => InvokeOutcome::Failed(format!(
                "unreadable answer ({e}): {}",
                String::from_utf8_lossy(&body)
            )),
        }
    }
}

/// The item identifiers an answer lists in `batchItemFailures`. As in AWS, an answer without
/// them (null, `{}`) means every item succeeded, and a malformed list is None: the whole batch
/// failed.
pub fn batch_item_failures(answer: &Value) -> Option<Vec<String>> {
    let Some(failures) = answer.get("batchItemFailures") else {
        return Some(Vec::new());
    };
    let failures = failures.as_array()?;
    failures
        .iter()
        .map(|failure| failure.get("itemIdentifier")?.as_str().map(str::to_owned))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_batch_answer_lists_its_failed_items() {
        let answer =
            json!({"batchItemFailures": [{"itemIdentifier": "a"}, {"itemIdentifier": "b"}]});
        assert_eq!(
            batch_item_failures(&answer),
            Some(vec!["a".to_owned(), "b".to_owned()])
        );
        assert_eq!(
            batch_item_failures(&json!({"batchItemFailures": []})),
            Some(vec![])
        );
        assert_eq!(batch_item_failures(&Value::Null), Some(vec![]));
        assert_eq!(batch_item_failures(&json!({})), Some(vec![]));
    }

    #[test]
    fn a_malformed_failure_list_fails_the_batch() {
        assert_eq!(
            batch_item_failures(&json!({"batchItemFailures": "a"})),
            None
        );
        assert_eq!(
            batch_item_failures(&json!({"batchItemFailures": [{"id": "a"}]})),
            None
        );
    }
}
