//! Invokes a function through the Lambda Invoke API (Lambda itself, or `cargo lambda watch`
//! locally) and tells a function's answer from its failure: the local pipeline's mappings, esctl
//! and the api function (which starts and follows replays) share it.

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

/// Why an asynchronous invocation was not queued.
#[derive(Debug, Clone, PartialEq)]
pub struct NotQueued {
    /// What failed.
    pub reason: String,
    /// Whether it may have been queued all the same (a timeout, an unreadable answer): sending
    /// it again may then run it twice.
    pub maybe_queued: bool,
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
        Self::through(Some(endpoint), function, timeout).await
    }

    /// Invokes `function` where the environment says: the Invoke API at `LAMBDA_ENDPOINT` when it
    /// is set (the local stack), else Lambda itself through the standard AWS chain.
    pub async fn from_env(function: impl Into<String>, timeout: Duration) -> Self {
        let endpoint = std::env::var("LAMBDA_ENDPOINT").ok();
        Self::through(endpoint.as_deref(), function, timeout).await
    }

    /// A client with `timeout` per attempt and no retries (a failed invocation is the caller's
    /// to retry, with its own semantics), at `endpoint` or Lambda's own.
    async fn through(
        endpoint: Option<&str>,
        function: impl Into<String>,
        timeout: Duration,
    ) -> Self {
        let config = crate::sdk_config().await;
        let mut lambda = aws_sdk_lambda::config::Builder::from(&config)
            .timeout_config(
                aws_smithy_types::timeout::TimeoutConfig::builder()
                    .operation_attempt_timeout(timeout)
                    .build(),
            )
            .retry_config(aws_smithy_types::retry::RetryConfig::disabled());
        if let Some(endpoint) = endpoint {
            lambda = lambda.endpoint_url(endpoint);
        }
        Self::new(Client::from_conf(lambda.build()), function)
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

    /// Invokes the function asynchronously with `event` (Lambda queues it and answers at once;
    /// its retries and on-failure destination apply). The error says why it was not queued,
    /// and whether it may have been all the same.
    pub async fn invoke_async(&self, event: &impl Serialize) -> Result<(), NotQueued> {
        let payload = serde_json::to_vec(event).expect("events serialize");
        self.client
            .invoke()
            .function_name(&self.function)
            .invocation_type(aws_sdk_lambda::types::InvocationType::Event)
            .payload(Blob::new(payload))
            .send()
            .await
            .map(|_| ())
            .map_err(|error| {
                use aws_sdk_lambda::error::SdkError;
                // Refused by Lambda, or never sent: certainly not queued. A timeout or an answer
                // that could not be read: the invocation may be queued.
                let maybe_queued = !matches!(
                    error,
                    SdkError::ServiceError(_) | SdkError::ConstructionFailure(_)
                ) && !matches!(&error, SdkError::DispatchFailure(failure) if failure.is_io());
                NotQueued {
                    reason: format!(
                        "Invoke (Event) of {} failed: {}",
                        self.function,
                        aws_smithy_types::error::display::DisplayErrorContext(&error)
                    ),
                    maybe_queued,
                }
            })
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
                return InvokeOutcome::Failed(format!(
                    "Invoke of {} failed: {}",
                    self.function,
                    aws_smithy_types::error::display::DisplayErrorContext(&error)
                ))
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
