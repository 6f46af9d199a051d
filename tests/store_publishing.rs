//! Publishing to EventBridge on the local endpoint: a rule routes the bus to an SQS queue, and
//! every published entry arrives, across several PutEvents requests.

use std::collections::BTreeSet;

use event_store_dynamodb::{EventBridgePublisher, Publication};
use event_store_tests::endpoint;
use serde_json::{json, Value};

struct Subscription {
    sqs: aws_sdk_sqs::Client,
    queue_url: String,
    bus: String,
    events: aws_sdk_eventbridge::Client,
}

/// A bus with a rule sending everything of `source_prefix` to a new queue.
async fn subscribed_bus(source_prefix: &str) -> Subscription {
    endpoint();
    let config = event_store_dynamodb::sdk_config().await;
    let (events, sqs) = (
        aws_sdk_eventbridge::Client::new(&config),
        aws_sdk_sqs::Client::new(&config),
    );
    let run = uuid::Uuid::new_v4().simple().to_string();
    let bus = format!("bus-{run}");
    events.create_event_bus().name(&bus).send().await.unwrap();
    let queue_url = sqs
        .create_queue()
        .queue_name(format!("q-{run}"))
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let attributes = sqs
        .get_queue_attributes()
        .queue_url(&queue_url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
        .send()
        .await
        .unwrap();
    let queue_arn =
        attributes.attributes().unwrap()[&aws_sdk_sqs::types::QueueAttributeName::QueueArn].clone();
    events
        .put_rule()
        .name(format!("rule-{run}"))
        .event_bus_name(&bus)
        .event_pattern(json!({"source": [{"prefix": source_prefix}]}).to_string())
        .send()
        .await
        .unwrap();
    events
        .put_targets()
        .rule(format!("rule-{run}"))
        .event_bus_name(&bus)
        .targets(
            aws_sdk_eventbridge::types::Target::builder()
                .id("queue")
                .arn(queue_arn)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    Subscription {
        sqs,
        queue_url,
        bus,
        events,
    }
}

async fn receive(subscription: &Subscription, expected: usize) -> Vec<Value> {
    let mut received = Vec::new();
    for _ in 0..50 {
        if received.len() >= expected {
            break;
        }
        let output = subscription
            .sqs
            .receive_message()
            .queue_url(&subscription.queue_url)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .send()
            .await
            .unwrap();
        for message in output.messages() {
            received.push(serde_json::from_str(message.body().unwrap()).unwrap());
        }
    }
    received
}

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
    };
    publisher
        .publish(&[publication("test.other"), publication("test.wanted")])
        .await
        .unwrap();
    let received = receive(&subscription, 1).await;
    assert_eq!(received.len(), 1);
    assert_eq!(received[0]["source"], "test.wanted");
}
