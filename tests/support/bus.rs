//! A local EventBridge bus subscribed by an SQS queue through a rule, to see what is published.

use serde_json::{json, Value};

use crate::endpoint;

/// A bus whose rule sends what matches to a queue of its own.
#[derive(Debug)]
pub struct Subscription {
    /// The queue's client.
    pub sqs: aws_sdk_sqs::Client,
    /// The queue.
    pub queue_url: String,
    /// The bus's name.
    pub bus: String,
    /// The bus's client.
    pub events: aws_sdk_eventbridge::Client,
}

/// A new bus with a rule sending everything of `source_prefix` to a new queue.
pub async fn subscribed_bus(source_prefix: &str) -> Subscription {
    endpoint();
    let config = event_store_dynamodb::sdk_config().await;
    let events = aws_sdk_eventbridge::Client::new(&config);
    let bus = format!("bus-{}", uuid::Uuid::new_v4().simple());
    events.create_event_bus().name(&bus).send().await.unwrap();
    subscribe(&bus, json!({"source": [{"prefix": source_prefix}]})).await
}

/// A new queue that a new rule on the existing `bus` sends what matches `pattern` to.
pub async fn subscribe(bus: &str, pattern: Value) -> Subscription {
    endpoint();
    let config = event_store_dynamodb::sdk_config().await;
    let (events, sqs) = (
        aws_sdk_eventbridge::Client::new(&config),
        aws_sdk_sqs::Client::new(&config),
    );
    let run = uuid::Uuid::new_v4().simple().to_string();
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
        .event_bus_name(bus)
        .event_pattern(pattern.to_string())
        .send()
        .await
        .unwrap();
    events
        .put_targets()
        .rule(format!("rule-{run}"))
        .event_bus_name(bus)
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
        bus: bus.to_owned(),
        events,
    }
}

/// The events the queue received, as JSON, each once: messages are deleted as they arrive (so
/// none comes back when its visibility timeout ends) and deduplicated by event id. Waits until
/// `done` says enough arrived, or about 30 s. Polls are short: a long poll would hold the local
/// endpoint, which answers one request at a time, for its whole wait.
pub async fn receive_until(
    subscription: &Subscription,
    done: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let mut received: Vec<Value> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for _ in 0..150 {
        if done(&received) {
            break;
        }
        let output = subscription
            .sqs
            .receive_message()
            .queue_url(&subscription.queue_url)
            .max_number_of_messages(10)
            .send()
            .await
            .unwrap();
        if output.messages().is_empty() {
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        for message in output.messages() {
            if let Some(receipt) = message.receipt_handle() {
                subscription
                    .sqs
                    .delete_message()
                    .queue_url(&subscription.queue_url)
                    .receipt_handle(receipt)
                    .send()
                    .await
                    .unwrap();
            }
            let event: Value = serde_json::from_str(message.body().unwrap()).unwrap();
            if seen.insert(event["id"].to_string()) {
                received.push(event);
            }
        }
    }
    received
}

/// The events the queue received, waiting for at least `expected`.
pub async fn receive(subscription: &Subscription, expected: usize) -> Vec<Value> {
    receive_until(subscription, |received| received.len() >= expected).await
}
