//! A call to a backing service (DynamoDB, EventBridge, Lambda) that failed, classified.
//!
//! The kind decides everything a caller sees: whether to retry (only throttling, a
//! transaction conflict, a server error, a timeout or a lost connection are transient), the
//! stable error type, and a fixed message. The service's own text (which can hold account ids and
//! ARNs) and the transport's error chain are logged where the failure is classified and kept as
//! the error's `source` for operators, never put in a message.

/// Why a service call failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FailureKind {
    /// The service throttled the request (after the SDK's own retries). Transient.
    Throttled,
    /// A concurrent transaction touched the same item. Transient.
    TransactionConflict,
    /// The service failed (HTTP 5xx). Transient.
    ServerError,
    /// The request timed out. Transient.
    Timeout,
    /// The connection failed or was lost. Transient.
    Connection,
    /// This replica region has not received every version of a stream yet (a global table
    /// replicates item by item, in no particular order). Transient.
    ReplicationLag,
    /// The function's role may not make this call. Not transient: fix the permissions.
    AccessDenied,
    /// A table, bus or function does not exist. Not transient: fix the configuration.
    ResourceNotFound,
    /// The service refused the request as invalid. Not transient: retrying fails the same way.
    InvalidRequest,
    /// Anything else the service answered. Not transient.
    Other,
}

impl FailureKind {
    /// Whether the same request may succeed later.
    pub const fn is_transient(self) -> bool {
        matches!(
            self,
            FailureKind::Throttled
                | FailureKind::TransactionConflict
                | FailureKind::ServerError
                | FailureKind::Timeout
                | FailureKind::Connection
                | FailureKind::ReplicationLag
        )
    }

    /// The stable error type callers get: `Unavailable` for every transient kind.
    pub const fn error_type(self) -> &'static str {
        match self {
            kind if kind.is_transient() => "Unavailable",
            FailureKind::AccessDenied => "AccessDenied",
            FailureKind::ResourceNotFound => "ResourceNotFound",
            FailureKind::InvalidRequest => "InvalidRequest",
            _ => "ServiceError",
        }
    }

    /// The fixed message of the kind.
    pub const fn message(self) -> &'static str {
        match self {
            FailureKind::Throttled => "the request was throttled; retry later",
            FailureKind::TransactionConflict => {
                "a concurrent transaction on the same items kept cancelling it; retry later"
            }
            FailureKind::ServerError => "the service failed; retry later",
            FailureKind::Timeout => "the request timed out; retry later",
            FailureKind::Connection => "the service could not be reached; retry later",
            FailureKind::ReplicationLag => {
                "this replica region has not received every event of the stream yet; retry later"
            }
            FailureKind::AccessDenied => "access denied: the caller's role may not make this call",
            FailureKind::ResourceNotFound => {
                "a table, bus or function it needs does not exist: check the configuration"
            }
            FailureKind::InvalidRequest => "the service refused the request as invalid",
            FailureKind::Other => "the service refused the request",
        }
    }
}

/// A failed service call.
#[derive(Debug)]
pub struct ServiceFailure {
    /// Why it failed.
    pub kind: FailureKind,
    /// The API operation, e.g. `TransactWriteItems`.
    pub operation: String,
    /// The service's request id, when it answered.
    pub request_id: Option<String>,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl ServiceFailure {
    /// A failure of `operation`.
    pub fn new(kind: FailureKind, operation: impl Into<String>) -> Self {
        ServiceFailure {
            kind,
            operation: operation.into(),
            request_id: None,
            source: None,
        }
    }

    /// The same failure with the service's request id.
    pub fn with_request_id(mut self, request_id: Option<String>) -> Self {
        self.request_id = request_id;
        self
    }

    /// The same failure keeping `source` (the service's error, for operators and logs).
    pub fn with_source(
        mut self,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        self.source = Some(source.into());
        self
    }
}

impl std::fmt::Display for ServiceFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} failed: {}", self.operation, self.kind.message())?;
        if let Some(request_id) = &self.request_id {
            write!(f, " (request id {request_id})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ServiceFailure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_passing_causes_are_transient() {
        let transient = [
            FailureKind::Throttled,
            FailureKind::TransactionConflict,
            FailureKind::ServerError,
            FailureKind::Timeout,
            FailureKind::Connection,
        ];
        for kind in transient {
            assert!(kind.is_transient(), "{kind:?}");
            assert_eq!(kind.error_type(), "Unavailable");
        }
        for (kind, error_type) in [
            (FailureKind::AccessDenied, "AccessDenied"),
            (FailureKind::ResourceNotFound, "ResourceNotFound"),
            (FailureKind::InvalidRequest, "InvalidRequest"),
            (FailureKind::Other, "ServiceError"),
        ] {
            assert!(!kind.is_transient(), "{kind:?}");
            assert_eq!(kind.error_type(), error_type);
        }
    }

    #[test]
    fn the_message_is_fixed_and_the_service_text_stays_in_the_source() {
        let failure = ServiceFailure::new(FailureKind::AccessDenied, "PutItem")
            .with_request_id(Some("R-1".into()))
            .with_source("User: arn:aws:iam::123456789012:role/x is not authorized");
        let message = failure.to_string();
        assert_eq!(
            message,
            "PutItem failed: access denied: the caller's role may not make this call (request id R-1)"
        );
        assert!(!message.contains("123456789012"));
        let source = std::error::Error::source(&failure).unwrap().to_string();
        assert!(source.contains("arn:aws:iam"));
    }
}
