//! Publishing to EventBridge on the local endpoint: a rule routes the bus to an SQS queue, and
//! every published entry arrives, across several PutEvents requests. Entries EventBridge refuses
//! (injected by the fault proxy: the local endpoint refuses none) are retried only when retrying
//! can help.

use std::collections::BTreeSet;

use event_store_domain::{Error, FailureKind};
use event_store_dynamodb::{EventBridgePublisher, Publication};
use event_store_tests::bus::{receive, subscribed_bus};
use event_store_tests::fault_proxy::{Fault, FaultProxy};
use serde_json::json;

#[tokio::test]
async fn every_entry_reaches_a_queue_subscribed_to_the_bus() {
    let subscription = subscribed_bus("test.publisher").await;
    let publisher = EventBridgePublisher::new(subscription.events.clone(), &subscription.bus);
    let publications: Vec<Publication> = (0..25)
        .map(|n| Publication {
            source: "test.publisher".into(),
            detail_type: "Published".into(),
            detail: json!({"n": n, "padding": "x".repeat(if n == 3 { 150 * 1024 } else { 10 })}),
            resources: vec![],
            subject: None,
        })
        .collect();
    publisher.publish(&publications).await.unwrap();
    let received = receive(&subscription, 25).await;
    let numbers: BTreeSet<u64> = received
        .iter()
        .map(|e| e["detail"]["n"].as_u64().unwrap())
        .collect();
    assert_eq!(numbers, (0..25).collect::<BTreeSet<_>>());
    assert!(received
        .iter()
        .all(|e| e["detail-type"] == "Published" && e["source"] == "test.publisher"));
}

#[tokio::test]
async fn other_sources_are_not_routed_to_the_subscription() {
    let subscription = subscribed_bus("test.wanted").await;
    let publisher = EventBridgePublisher::new(subscription.events.clone(), &subscription.bus);
    let publication = |source: &str| Publication {
        source: source.into(),
        detail_type: "X".into(),
        detail: json!({}),
        resources: vec![],
        subject: None,
    };
    publisher
        .publish(&[publication("test.other"), publication("test.wanted")])
        .await
        .unwrap();
    let received = receive(&subscription, 1).await;
    assert_eq!(received.len(), 1);
    assert_eq!(received[0]["source"], "test.wanted");
}

/// A publisher whose PutEvents go through a fault proxy with `schedule`.
async fn proxied_publisher(
    bus: &str,
    schedule: impl Fn(u64) -> Option<Fault> + Send + Sync + 'static,
) -> (EventBridgePublisher, FaultProxy) {
    let proxy = FaultProxy::start(&event_store_tests::endpoint(), schedule).await;
    let config = event_store_dynamodb::sdk_config().await;
    let events = aws_sdk_eventbridge::Client::from_conf(
        aws_sdk_eventbridge::config::Builder::from(&config)
            .endpoint_url(&proxy.endpoint)
            .build(),
    );
    (EventBridgePublisher::new(events, bus), proxy)
}

fn one_publication() -> Vec<Publication> {
    vec![Publication {
        source: "test.refusals".into(),
        detail_type: "Refused".into(),
        detail: json!({"n": 1}),
        resources: vec![],
        subject: None,
    }]
}

#[tokio::test]
async fn an_entry_refused_for_what_it_is_fails_at_once_and_is_not_retryable() {
    let subscription = subscribed_bus("test.refusals").await;
    let (publisher, proxy) = proxied_publisher(&subscription.bus, |_| {
        Some(Fault::RefuseEntries("MalformedDetail"))
    })
    .await;
    let error = publisher.publish(&one_publication()).await.unwrap_err();
    assert!(
        matches!(&error, Error::Refused(f) if f.kind == FailureKind::InvalidRequest),
        "{error:?}"
    );
    assert!(!error.is_transient());
    assert_eq!(proxy.log().requests, 1, "sending it again cannot help");
}

#[tokio::test]
async fn an_entry_refused_for_a_passing_cause_is_sent_again_and_arrives() {
    let subscription = subscribed_bus("test.refusals").await;
    let (publisher, proxy) = proxied_publisher(&subscription.bus, |n| {
        (n == 0).then_some(Fault::RefuseEntries("ThrottlingException"))
    })
    .await;
    publisher.publish(&one_publication()).await.unwrap();
    assert_eq!(proxy.log().requests, 2);
    let received = receive(&subscription, 1).await;
    assert_eq!(received.len(), 1);
}

#[tokio::test]
async fn entries_refused_for_a_passing_cause_every_time_end_unavailable_and_retryable() {
    let subscription = subscribed_bus("test.refusals").await;
    let (publisher, proxy) = proxied_publisher(&subscription.bus, |_| {
        Some(Fault::RefuseEntries("InternalFailure"))
    })
    .await;
    let error = publisher.publish(&one_publication()).await.unwrap_err();
    assert!(error.is_transient(), "{error:?}");
    assert_eq!(
        proxy.log().requests,
        4,
        "the retry policy's tries for PutEvents"
    );
}
