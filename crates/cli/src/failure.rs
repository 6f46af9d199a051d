//! Failures of esctl's own steps (an invocation that failed, a wait that timed out, a step of the
//! demo whose effect was not seen), as the store's errors, with the detail kept as the error's
//! source: `main` prints it under the message, for the operator at the terminal.

use event_store_domain::{Error, FailureKind, ServiceFailure};

/// The error for `operation` failing with `kind`, `detail` saying how.
pub fn failed(kind: FailureKind, operation: &'static str, detail: impl std::fmt::Display) -> Error {
    Error::service(ServiceFailure::new(kind, operation).with_source(detail.to_string()))
}
