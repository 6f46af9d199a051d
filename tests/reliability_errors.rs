//! Errors classified exhaustively, tried where they break: the fault proxy injects what moto,
//! answering one request at a time, never produces (`TransactionCanceledException` with
//! `TransactionConflict` or `ValidationError` reasons, `AccessDeniedException`, server errors
//! carrying AWS's own text). Only passing causes are retried and come back `retryable`; the
//! caller's message is fixed per kind, with the request id, and never carries AWS's text.

use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_smithy_types::retry::RetryConfig;
use event_store_domain::{AppendRequest, Error, ExpectedVersion, FailureKind, Settings, Version};
use event_store_dynamodb::DynamoEventStore;
use event_store_tests::fault_proxy::{Fault, FaultProxy, INJECTED_REQUEST_ID};
use event_store_tests::{endpoint, event, fresh_stream, local_store, metered_client, LocalStore};
use function_support::error_payload;
use serde_json::json;

/// AWS's own text in an injected answer: what must never reach a caller.
const AWS_TEXT: &str = "User: arn:aws:sts::123456789012:assumed-role/event-store-persister/fn is not authorized to perform: dynamodb:TransactWriteItems on resource: arn:aws:dynamodb:us-east-1:123456789012:table/events";

async fn proxied_store(
    local: &LocalStore,
    schedule: impl Fn(u64) -> Option<Fault> + Send + Sync + 'static,
) -> (
    DynamoEventStore,
    FaultProxy,
    event_store_tests::CapacityMeter,
) {
    let proxy = FaultProxy::start(&endpoint(), schedule).await;
    let meter = event_store_tests::CapacityMeter::default();
    let shared = event_store_dynamodb::sdk_config().await;
    let config = aws_sdk_dynamodb::config::Builder::from(&shared)
        .endpoint_url(&proxy.endpoint)
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(3)
                .with_initial_backoff(Duration::from_millis(5))
                .with_max_backoff(Duration::from_millis(20)),
        )
        .interceptor(meter.clone())
        .build();
    let store = DynamoEventStore::new(Client::from_conf(config), local.store.settings());
    (store, proxy, meter)
}

fn request(expected: ExpectedVersion) -> AppendRequest {
    AppendRequest::single(
        fresh_stream("errors"),
        expected,
        event("ItemAdded", json!({"n": 1})),
    )
    .unwrap()
}

#[tokio::test]
async fn a_transaction_conflict_is_retried_with_backoff_and_the_event_stored_once() {
    // With an expected version the transaction is request 0; without, the head's read is
    // request 0 and the transaction request 1: each meets two conflicts, then goes through.
    for (expected, first) in [(ExpectedVersion::NoStream, 0), (ExpectedVersion::Any, 1)] {
        let local = local_store().await;
        let (store, proxy, meter) = proxied_store(&local, move |n| {
            (n >= first && n < first + 2).then_some(Fault::Cancel("TransactionConflict"))
        })
        .await;
        let append = request(expected);
        let outcome = store.append(&append).await.unwrap();
        assert_eq!(outcome.versions, vec![Version::new(1)]);
        assert_eq!(local.all_events(append.stream_id()).await.len(), 1);
        assert_eq!(proxy.log().faults.len(), 2, "{expected}");
        assert_eq!(
            meter.snapshot()["TransactWriteItems"],
            3,
            "{expected}: 2 cancelled, 1 through"
        );
    }
}

#[tokio::test]
async fn a_conflict_that_never_clears_is_unavailable_and_retryable_after_bounded_tries() {
    let local = local_store().await;
    let (store, _proxy, meter) =
        proxied_store(&local, |_| Some(Fault::Cancel("TransactionConflict"))).await;
    let append = request(ExpectedVersion::NoStream);
    let error = store.append(&append).await.unwrap_err();
    assert!(
        matches!(&error, Error::Unavailable(f) if f.kind == FailureKind::TransactionConflict),
        "{error}"
    );
    assert_eq!(meter.snapshot()["TransactWriteItems"], 5);
    let payload = error_payload(&error);
    assert_eq!(payload["error"]["type"], "Unavailable");
    assert_eq!(payload["error"]["retryable"], true);
    assert!(local.all_events(append.stream_id()).await.is_empty());
}

#[tokio::test]
async fn a_transaction_cancelled_as_invalid_is_not_retried_and_not_retryable() {
    let local = local_store().await;
    let (store, _proxy, meter) =
        proxied_store(&local, |_| Some(Fault::Cancel("ValidationError"))).await;
    let error = store
        .append(&request(ExpectedVersion::NoStream))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Refused(f) if f.kind == FailureKind::InvalidRequest),
        "{error}"
    );
    assert!(!error.is_transient());
    assert_eq!(meter.snapshot()["TransactWriteItems"], 1, "sent once");
    let payload = error_payload(&error);
    assert_eq!(payload["error"]["type"], "InvalidRequest");
    assert_eq!(payload["error"]["retryable"], false);
    assert_eq!(payload["error"]["requestId"], INJECTED_REQUEST_ID);
}

#[tokio::test]
async fn access_denied_is_its_own_type_with_a_fixed_message_and_no_aws_text() {
    let local = local_store().await;
    let (store, _proxy, meter) = proxied_store(&local, |_| {
        Some(Fault::Answer(400, "AccessDeniedException", AWS_TEXT))
    })
    .await;
    for expected in [ExpectedVersion::NoStream, ExpectedVersion::Any] {
        let error = store.append(&request(expected)).await.unwrap_err();
        assert!(
            matches!(&error, Error::Refused(f) if f.kind == FailureKind::AccessDenied),
            "{error}"
        );
        let payload = error_payload(&error);
        assert_eq!(payload["error"]["type"], "AccessDenied");
        assert_eq!(payload["error"]["retryable"], false);
        assert_eq!(payload["error"]["requestId"], INJECTED_REQUEST_ID);
        let text = payload.to_string();
        assert!(
            !text.contains("123456789012") && !text.contains("arn:"),
            "{text}"
        );
        // The operator still has it: the error's source keeps AWS's answer.
        let source = std::error::Error::source(&error).and_then(std::error::Error::source);
        assert!(source.is_some_and(|s| format!("{s:?}").contains("not authorized")));
    }
    assert_eq!(meter.total(), 2, "never retried");
}

#[tokio::test]
async fn a_server_error_is_retried_by_the_sdk_then_unavailable_without_aws_text() {
    let local = local_store().await;
    let (store, _proxy, meter) = proxied_store(&local, |_| {
        Some(Fault::Answer(500, "InternalServerError", AWS_TEXT))
    })
    .await;
    let error = store
        .append(&request(ExpectedVersion::NoStream))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Unavailable(f) if f.kind == FailureKind::ServerError),
        "{error}"
    );
    assert_eq!(meter.total(), 3, "the SDK's attempts");
    let payload = error_payload(&error);
    assert_eq!(payload["error"]["retryable"], true);
    assert!(!payload.to_string().contains("arn:"), "{payload}");
}

#[tokio::test]
async fn a_missing_table_is_resource_not_found_and_not_retryable() {
    let (client, _meter) = metered_client().await;
    let store = DynamoEventStore::new(client, &Settings::for_table("no-such-table"));
    for expected in [ExpectedVersion::NoStream, ExpectedVersion::Any] {
        let error = store.append(&request(expected)).await.unwrap_err();
        assert!(
            matches!(&error, Error::Refused(f) if f.kind == FailureKind::ResourceNotFound),
            "{error}"
        );
        let payload = error_payload(&error);
        assert_eq!(payload["error"]["type"], "ResourceNotFound");
        assert_eq!(payload["error"]["retryable"], false);
    }
}
