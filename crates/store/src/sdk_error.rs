//! SDK errors into the domain's errors: the request's fault becomes `Validation`, everything else
//! `Unavailable` with the operation, code and message (never an SDK debug dump).

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_types::error::display::DisplayErrorContext;
use event_store_domain::Error;

/// A DynamoDB call that failed for a reason the caller cannot fix by changing the request.
#[derive(Debug, thiserror::Error)]
#[error("DynamoDB {operation} failed: {detail}")]
pub struct DynamoFailure {
    /// The API operation, e.g. `TransactWriteItems`.
    pub operation: &'static str,
    /// The error code and message, or the transport failure.
    pub detail: String,
}

/// Converts a failed call of `operation`.
pub fn from_sdk<E, R>(operation: &'static str, error: SdkError<E, R>) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    if let Some(service) = error.as_service_error() {
        let code = service.code().unwrap_or("Unknown");
        let message = service.message().unwrap_or_default();
        if code == "ValidationException" {
            return Error::validation(
                "request",
                format!("DynamoDB {operation} rejected it: {message}"),
            );
        }
        return unavailable(operation, format!("{code}: {message}"));
    }
    unavailable(operation, DisplayErrorContext(&error).to_string())
}

/// An `Unavailable` error for `operation`.
pub fn unavailable(operation: &'static str, detail: impl Into<String>) -> Error {
    Error::Unavailable(Box::new(DynamoFailure {
        operation,
        detail: detail.into(),
    }))
}
