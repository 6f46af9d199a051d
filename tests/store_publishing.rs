//! Publishing to EventBridge on the local endpoint: a rule routes the bus to an SQS queue, and
//! every published entry arrives, across several PutEvents requests.

use std::collections::BTreeSet;

use event_store_dynamodb::{EventBridgePublisher, Publication};
use event_store_tests::bus::{receive, subscribed_bus};
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
