//! SDK errors into the domain's errors, classified exhaustively: every variant of the SDK's
//! error and every error code the store can meet has a [`FailureKind`]; only throttling, a
//! transaction conflict, a server error (5xx), a timeout and a lost connection are transient.
//!
//! Callers get the kind's fixed message with the operation and the request id. The service's own
//! text (it can hold account ids and ARNs) and the transport's error chain are logged here, once,
//! and kept as the error's source: they never reach a message.

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::RequestId;
use aws_smithy_runtime_api::http::Response;
use aws_smithy_types::error::display::DisplayErrorContext;
use event_store_domain::{Error, FailureKind, ServiceFailure};

/// Converts a failed call of `operation` (of any AWS SDK: they share the error type).
pub fn from_sdk<E>(operation: &'static str, error: SdkError<E, Response>) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let (kind, code) = classify(&error);
    let request_id = error.request_id().map(str::to_owned);
    tracing::warn!(
        operation,
        kind = ?kind,
        code,
        request_id,
        detail = %DisplayErrorContext(&error),
        "AWS call failed"
    );
    Error::service(
        ServiceFailure::new(kind, operation)
            .with_request_id(request_id)
            .with_source(error),
    )
}

/// The kind of a failed call, and the service's error code when it answered with one.
fn classify<E: ProvideErrorMetadata>(
    error: &SdkError<E, Response>,
) -> (FailureKind, Option<String>) {
    match error {
        // The request could not be built: the store's own mistake, which retrying repeats.
        SdkError::ConstructionFailure(_) => (FailureKind::InvalidRequest, None),
        SdkError::TimeoutError(_) => (FailureKind::Timeout, None),
        SdkError::DispatchFailure(failure) if failure.is_timeout() => (FailureKind::Timeout, None),
        SdkError::DispatchFailure(_) => (FailureKind::Connection, None),
        // An answer that could not be read (cut off, garbled): the service side failed.
        SdkError::ResponseError(_) => (FailureKind::ServerError, None),
        SdkError::ServiceError(service) => {
            let code = service.err().code().map(str::to_owned);
            let status = service.raw().status().as_u16();
            (kind_of_code(code.as_deref(), status), code)
        }
        // A variant added to the SDK after this was written: not known to pass.
        _ => (FailureKind::Other, None),
    }
}

/// The kind of a service error code (DynamoDB's, EventBridge's and the common AWS ones), with
/// the HTTP status deciding for codes not listed.
pub fn kind_of_code(code: Option<&str>, status: u16) -> FailureKind {
    match code {
        Some(
            "ProvisionedThroughputExceededException"
            | "RequestLimitExceeded"
            | "ThrottlingException"
            | "Throttling"
            | "ThrottledException"
            | "TooManyRequestsException"
            | "LimitExceededException",
        ) => FailureKind::Throttled,
        Some("TransactionConflictException" | "TransactionInProgressException") => {
            FailureKind::TransactionConflict
        }
        Some(
            "InternalServerError"
            | "InternalServerException"
            | "InternalFailure"
            | "ServiceUnavailable"
            | "ServiceUnavailableException",
        ) => FailureKind::ServerError,
        Some(
            "AccessDeniedException"
            | "AccessDenied"
            | "UnrecognizedClientException"
            | "InvalidSignatureException"
            | "MissingAuthenticationTokenException"
            | "ExpiredTokenException"
            | "KMSAccessDeniedException"
            | "NotAuthorized",
        ) => FailureKind::AccessDenied,
        Some("ResourceNotFoundException" | "TableNotFoundException") => {
            FailureKind::ResourceNotFound
        }
        Some("ValidationException" | "SerializationException" | "InvalidParameterException") => {
            FailureKind::InvalidRequest
        }
        _ if status >= 500 => FailureKind::ServerError,
        _ => FailureKind::Other,
    }
}

/// A failure the store finds itself (not an SDK error), of `kind`.
pub fn failure(kind: FailureKind, operation: &'static str, detail: impl Into<String>) -> Error {
    let detail = detail.into();
    tracing::warn!(operation, kind = ?kind, detail, "AWS call failed");
    Error::service(ServiceFailure::new(kind, operation).with_source(detail))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_passing_codes_are_transient() {
        for (code, kind) in [
            (
                "ProvisionedThroughputExceededException",
                FailureKind::Throttled,
            ),
            ("ThrottlingException", FailureKind::Throttled),
            (
                "TransactionConflictException",
                FailureKind::TransactionConflict,
            ),
            ("InternalServerError", FailureKind::ServerError),
            ("AccessDeniedException", FailureKind::AccessDenied),
            ("ResourceNotFoundException", FailureKind::ResourceNotFound),
            ("ValidationException", FailureKind::InvalidRequest),
            ("ConditionalCheckFailedException", FailureKind::Other),
        ] {
            assert_eq!(kind_of_code(Some(code), 400), kind, "{code}");
        }
        assert_eq!(kind_of_code(Some("Unheard"), 503), FailureKind::ServerError);
        assert_eq!(kind_of_code(None, 400), FailureKind::Other);
        assert!(!kind_of_code(Some("ValidationException"), 400).is_transient());
    }
}
