//! Sending a `TransactWriteItems` (an append's, or an event's projection step), and what its
//! cancellation reasons mean: every reason code DynamoDB documents is classified; only passing
//! causes (a concurrent transaction, throttling) are sent again, with the store's one retry
//! policy; a refusal is an error of its kind; failed conditions alone go back to the caller.

use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::operation::RequestId;
use aws_sdk_dynamodb::types::{CancellationReason, TransactWriteItem};
use event_store_domain::{Error, FailureKind, ServiceFailure};

use aws_sdk_dynamodb::Client;

use crate::retry_policy;
use crate::sdk_error::from_sdk;

/// How often a transaction cancelled for a passing reason (a concurrent transaction on the same
/// item, throttling) is sent before the caller gets `Unavailable`.
const MAX_TRANSIENT_TRIES: usize = 5;

/// Sends `transaction`, again when it is cancelled for a passing reason; `None` when it was
/// written, the cancellation reasons when only conditions failed.
pub(crate) async fn send_transaction(
    client: &Client,
    transaction: Vec<TransactWriteItem>,
) -> Result<Option<Vec<CancellationReason>>, Error> {
    {
        let actions = transaction.len();
        let mut waits = retry_policy::waits(MAX_TRANSIENT_TRIES);
        loop {
            let result = client
                .transact_write_items()
                .set_transact_items(Some(transaction.clone()))
                .send()
                .await;
            let error = match result {
                Ok(_) => return Ok(None),
                Err(error) => error,
            };
            let Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) =
                error.as_service_error()
            else {
                return Err(from_sdk("TransactWriteItems", error));
            };
            let reasons = cancelled.cancellation_reasons();
            match passing_or_refused(reasons, actions) {
                Some(kind) if kind.is_transient() => match waits.next() {
                    Some(wait) => tokio::time::sleep(wait).await,
                    None => {
                        let request_id = error.request_id().map(str::to_owned);
                        tracing::warn!(request_id, kind = ?kind, "transaction cancelled {MAX_TRANSIENT_TRIES} times");
                        return Err(Error::service(
                            ServiceFailure::new(kind, "TransactWriteItems")
                                .with_request_id(request_id),
                        ));
                    }
                },
                Some(kind) => {
                    let request_id = error.request_id().map(str::to_owned);
                    let detail = aws_smithy_types::error::display::DisplayErrorContext(&error);
                    tracing::warn!(request_id, kind = ?kind, detail = %detail, "transaction refused");
                    return Err(Error::service(
                        ServiceFailure::new(kind, "TransactWriteItems")
                            .with_request_id(request_id)
                            .with_source(error),
                    ));
                }
                None => return Ok(Some(reasons.to_vec())),
            }
        }
    }
}

/// What a cancellation reason code means.
pub(crate) enum Reason {
    /// The action would have succeeded.
    Passed,
    /// Its condition failed: the old item says why.
    ConditionFailed,
    /// A failure of this kind.
    Failed(FailureKind),
}

/// Every cancellation reason code DynamoDB documents, and the rest as not known to pass.
pub(crate) fn reason_of(code: Option<&str>) -> Reason {
    match code {
        None | Some("None") => Reason::Passed,
        Some("ConditionalCheckFailed") => Reason::ConditionFailed,
        Some("TransactionConflict" | "ReplicatedWriteConflict") => {
            Reason::Failed(FailureKind::TransactionConflict)
        }
        Some("ProvisionedThroughputExceeded" | "ThrottlingError") => {
            Reason::Failed(FailureKind::Throttled)
        }
        Some("ValidationError") => Reason::Failed(FailureKind::InvalidRequest),
        Some("ItemCollectionSizeLimitExceeded") => Reason::Failed(FailureKind::Other),
        Some(_) => Reason::Failed(FailureKind::Other),
    }
}

/// The kind of failure that cancelled a transaction of `actions` actions, when it was not only
/// failed conditions: a refusal (not transient) wins over a passing cause, and reasons that do
/// not match the actions are a failure the store cannot read.
fn passing_or_refused(reasons: &[CancellationReason], actions: usize) -> Option<FailureKind> {
    if reasons.len() != actions {
        return Some(FailureKind::Other);
    }
    let kinds: Vec<FailureKind> = reasons
        .iter()
        .filter_map(|r| match reason_of(r.code()) {
            Reason::Failed(kind) => Some(kind),
            Reason::Passed | Reason::ConditionFailed => None,
        })
        .collect();
    kinds
        .iter()
        .copied()
        .find(|k| !k.is_transient())
        .or_else(|| kinds.first().copied())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(code: &str) -> CancellationReason {
        CancellationReason::builder().code(code).build()
    }

    #[test]
    fn every_documented_reason_code_is_classified() {
        assert!(matches!(reason_of(Some("None")), Reason::Passed));
        assert!(matches!(
            reason_of(Some("ConditionalCheckFailed")),
            Reason::ConditionFailed
        ));
        for (code, kind) in [
            ("TransactionConflict", FailureKind::TransactionConflict),
            ("ProvisionedThroughputExceeded", FailureKind::Throttled),
            ("ThrottlingError", FailureKind::Throttled),
            ("ValidationError", FailureKind::InvalidRequest),
            ("ItemCollectionSizeLimitExceeded", FailureKind::Other),
            ("SomethingNew", FailureKind::Other),
        ] {
            assert!(
                matches!(reason_of(Some(code)), Reason::Failed(k) if k == kind),
                "{code}"
            );
        }
    }

    #[test]
    fn a_refusal_wins_over_a_passing_cause_and_conditions_alone_are_no_failure() {
        let conflict_and_invalid = [reason("TransactionConflict"), reason("ValidationError")];
        assert_eq!(
            passing_or_refused(&conflict_and_invalid, 2),
            Some(FailureKind::InvalidRequest)
        );
        let conflict = [reason("None"), reason("TransactionConflict")];
        assert_eq!(
            passing_or_refused(&conflict, 2),
            Some(FailureKind::TransactionConflict)
        );
        let conditions = [reason("ConditionalCheckFailed"), reason("None")];
        assert_eq!(passing_or_refused(&conditions, 2), None);
        assert_eq!(passing_or_refused(&[], 2), Some(FailureKind::Other));
    }
}
