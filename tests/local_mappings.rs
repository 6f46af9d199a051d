//! The local event source mappings against the real functions (`cargo lambda watch`) and the
//! local endpoint's SQS and DynamoDB Streams: what Lambda's mappings do in AWS, checked here on
//! queues and tables of each test's own.

use std::time::Duration;

use aws_sdk_sqs::types::QueueAttributeName;
use event_store_domain::{AppendRequest, ExpectedVersion, Settings, StreamId};
use event_store_dynamodb::{create_events_table, DynamoEventStore};
use event_store_local_stack::{
    table_stream_arn, Checkpoints, Clients, FunctionInvoker, PipelineDefinition, SqsMapping,
    SqsMappingDefinition, StreamMapping, StreamMappingDefinition,
};
use event_store_tests::{event, fixture};
use serde_json::json;

fn run_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..12].to_owned()
}

async fn invoker(function: &str) -> FunctionInvoker {
    let endpoint =
        std::env::var("LAMBDA_ENDPOINT").expect("run with make test, which serves the functions");
    FunctionInvoker::at(&endpoint, function, Duration::from_secs(30)).await
}

async fn queue(
    clients: &Clients,
    name: &str,
    attributes: &[(QueueAttributeName, String)],
) -> (String, String) {
    let url = clients
        .sqs
        .create_queue()
        .queue_name(name)
        .set_attributes(Some(attributes.iter().cloned().collect()))
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let found = clients
        .sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .unwrap();
    let arn = found.attributes().unwrap()[&QueueAttributeName::QueueArn].clone();
    (url, arn)
}

/// A queue `name` whose messages move to its dead-letter queue after their second receive, with
/// a 1 s visibility timeout: (url, arn, dead-letter queue url).
async fn redriven_queue(clients: &Clients, name: &str) -> (String, String, String) {
    let (dlq_url, dlq_arn) = queue(clients, &format!("{name}-dlq"), &[]).await;
    let redrive = json!({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2}).to_string();
    let (url, arn) = queue(
        clients,
        name,
        &[
            (QueueAttributeName::VisibilityTimeout, "1".into()),
            (QueueAttributeName::RedrivePolicy, redrive),
        ],
    )
    .await;
    (url, arn, dlq_url)
}

/// Runs the mapping every 1.2 s (past the visibility timeout) until `expected` messages reached
/// the dead-letter queue, or ten rounds passed; returns their bodies.
async fn dead_letters(
    mapping: &SqsMapping,
    clients: &Clients,
    dlq_url: &str,
    expected: usize,
) -> Vec<String> {
    let mut dead = Vec::new();
    for _ in 0..10 {
        tokio::time::sleep(Duration::from_millis(1200)).await;
        mapping.deliver_one_batch().await.unwrap();
        dead.extend(bodies(clients, dlq_url).await);
        if dead.len() >= expected {
            break;
        }
    }
    dead
}

async fn bodies(clients: &Clients, url: &str) -> Vec<String> {
    let received = clients
        .sqs
        .receive_message()
        .queue_url(url)
        .max_number_of_messages(10)
        .send()
        .await
        .unwrap();
    received
        .messages()
        .iter()
        .filter_map(|m| m.body().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn the_ingest_mapping_deletes_what_was_stored_and_leaves_poison_to_the_dead_letter_queue() {
    event_store_tests::endpoint();
    let clients = Clients::from_env().await;
    let run = run_id();
    let (url, arn, dlq_url) = redriven_queue(&clients, &format!("mapping-{run}")).await;
    let mut good = fixture("events/seed-004-account-created.json");
    let stream = format!("mapped-{run}");
    good["id"] = json!(uuid::Uuid::new_v4().to_string());
    good["detail"]["aggregateId"] = json!(stream);
    for body in [good.to_string(), "not an event".to_owned()] {
        clients
            .sqs
            .send_message()
            .queue_url(&url)
            .message_body(body)
            .send()
            .await
            .unwrap();
    }
    let settings = SqsMappingDefinition {
        batch_size: 10,
        batching_window_seconds: 1,
        max_concurrency: 1,
    };
    let mapping = SqsMapping::new(
        clients.sqs.clone(),
        &url,
        &arn,
        invoker("persister").await,
        settings,
    );

    let first = mapping.deliver_one_batch().await.unwrap();
    assert_eq!((first.delivered, first.failed), (2, 1));
    let store = functions_store().await;
    let stored = store
        .read_stream(
            &StreamId::new(stream.as_str()).unwrap(),
            &Default::default(),
        )
        .await
        .unwrap();
    assert_eq!(stored.items.len(), 1, "the good message was stored once");

    // The poison message comes back after its visibility timeout, fails again, and the queue's
    // redrive moves it to the dead-letter queue on the receive after its second.
    let dead = dead_letters(&mapping, &clients, &dlq_url, 1).await;
    assert_eq!(dead, ["not an event"]);
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert!(
        bodies(&clients, &url).await.is_empty(),
        "nothing left on the queue"
    );
}

/// A bus event of seed 004 for `stream`, with a fresh id.
fn bus_event(stream: &str) -> serde_json::Value {
    let mut event = fixture("events/seed-004-account-created.json");
    event["id"] = json!(uuid::Uuid::new_v4().to_string());
    event["detail"]["aggregateId"] = json!(stream);
    event
}

#[tokio::test]
async fn a_poison_batch_stores_the_good_and_sends_each_bad_message_to_the_dead_letter_queue() {
    event_store_tests::endpoint();
    let clients = Clients::from_env().await;
    let run = run_id();
    let (url, arn, dlq_url) = redriven_queue(&clients, &format!("poison-{run}")).await;
    let good: Vec<String> = (0..3).map(|n| format!("good-{run}-{n}")).collect();
    let mut missing_fields = bus_event(&format!("missing-{run}"));
    missing_fields
        .as_object_mut()
        .unwrap()
        .remove("detail-type");
    let mut oversized = bus_event(&format!("oversized-{run}"));
    oversized["detail"]["padding"] = json!("x".repeat(410 * 1024));
    let invalid_stream = bus_event(&format!("$guard-{run}"));
    let bad = [
        ("bad JSON", "{\"detail\": ".to_owned()),
        ("missing detail-type", missing_fields.to_string()),
        ("410 KB", oversized.to_string()),
        ("reserved stream id", invalid_stream.to_string()),
    ];
    let mut bodies_sent = vec![bus_event(&good[0]).to_string()];
    bodies_sent.extend(bad.iter().map(|(_, body)| body.clone()));
    bodies_sent.push(bus_event(&good[1]).to_string());
    bodies_sent.push(bus_event(&good[2]).to_string());
    let mut bad_ids = Vec::new();
    for body in &bodies_sent {
        let sent = clients
            .sqs
            .send_message()
            .queue_url(&url)
            .message_body(body)
            .send()
            .await
            .unwrap();
        if bad.iter().any(|(_, b)| b == body) {
            bad_ids.push(sent.message_id.unwrap());
        }
    }
    let mapping = SqsMapping::new(
        clients.sqs.clone(),
        &url,
        &arn,
        invoker("persister").await,
        SqsMappingDefinition {
            batch_size: 10,
            batching_window_seconds: 1,
            max_concurrency: 1,
        },
    );
    let first = mapping.deliver_one_batch().await.unwrap();
    assert_eq!((first.delivered, first.failed), (7, 4));
    let store = functions_store().await;
    for stream in &good {
        let stored = store
            .read_stream(
                &StreamId::new(stream.as_str()).unwrap(),
                &Default::default(),
            )
            .await
            .unwrap();
        assert_eq!(stored.items.len(), 1, "{stream} stored once");
    }

    // Each bad message failed on its own, with a typed error naming what is wrong.
    let log = std::fs::read_to_string(
        std::env::var("LAMBDA_LOG").expect("with-functions sets LAMBDA_LOG"),
    )
    .unwrap();
    for id in &bad_ids {
        let line = log
            .lines()
            .find(|line| line.contains(id.as_str()) && line.contains("message not stored"))
            .unwrap_or_else(|| panic!("no log line for message {id}"));
        assert!(
            line.contains("\"error_type\":\"Validation\"")
                || line.contains("\"error_type\":\"TooLarge\""),
            "{line}"
        );
    }

    let mut dead = dead_letters(&mapping, &clients, &dlq_url, bad.len()).await;
    dead.sort();
    let mut expected: Vec<String> = bad.iter().map(|(_, body)| body.clone()).collect();
    expected.sort();
    assert_eq!(dead.len(), expected.len(), "every bad message, once");
    assert_eq!(dead, expected);
}

/// The store the functions under `cargo lambda watch` write to.
async fn functions_store() -> DynamoEventStore {
    let table = std::env::var("FUNCTIONS_EVENTS_TABLE").expect("set by tests/with-functions.sh");
    let settings =
        Settings::from_lookup(|name| (name == Settings::EVENTS_TABLE).then(|| table.clone()))
            .unwrap();
    DynamoEventStore::new(event_store_dynamodb::dynamodb_client().await, &settings)
}

#[tokio::test]
async fn the_stream_mapping_resumes_after_its_checkpoint_when_restarted() {
    event_store_tests::endpoint();
    let clients = Clients::from_env().await;
    let run = run_id();
    let table = format!("mapped-events-{run}");
    create_events_table(&clients.dynamodb, &table)
        .await
        .unwrap();
    let settings =
        Settings::from_lookup(|name| (name == Settings::EVENTS_TABLE).then(|| table.clone()))
            .unwrap();
    let store = DynamoEventStore::new(clients.dynamodb.clone(), &settings);
    let stream = StreamId::new(format!("resumed-{run}")).unwrap();
    let append = |from: u64, count: u64| {
        let events = (0..count)
            .map(|n| event("Counted", json!({"n": from + n})))
            .collect();
        AppendRequest::new(
            stream.clone(),
            ExpectedVersion::Exact(event_store_domain::Version::new(from - 1)),
            events,
        )
        .unwrap()
    };
    store.append(&append(1, 3)).await.unwrap();

    let stream_arn = table_stream_arn(&clients.dynamodb, &table).await.unwrap();
    let (failures, _) = queue(&clients, &format!("mapping-failures-{run}"), &[]).await;
    let checkpoints = std::env::temp_dir().join(format!("mapping-checkpoints-{run}.json"));
    let mapping_settings = StreamMappingDefinition {
        batch_size: 100,
        batching_window_seconds: 0,
        bisect_on_error: true,
        retry_attempts: 2,
        max_record_age_seconds: 86_400,
        parallelization_factor: 1,
        filter: PipelineDefinition::for_env("local")
            .projection
            .mapping
            .filter,
    };
    let start = |checkpoints: std::path::PathBuf| {
        let clients = &clients;
        let (stream_arn, failures) = (stream_arn.clone(), failures.clone());
        let mapping_settings = mapping_settings.clone();
        async move {
            StreamMapping::new(
                clients.streams.clone(),
                clients.sqs.clone(),
                stream_arn,
                failures,
                invoker("projector").await,
                mapping_settings,
                Checkpoints::open(checkpoints).unwrap(),
            )
        }
    };

    let mut first = start(checkpoints.clone()).await;
    let report = first.pass().await.unwrap();
    // The append wrote 3 events, their 3 guards and the stream's head: the filter hands the
    // projector the events alone.
    assert_eq!(
        (
            report.read,
            report.filtered,
            report.invocations,
            report.given_up
        ),
        (3, 4, 1, 0)
    );
    drop(first);

    let mut restarted = start(checkpoints.clone()).await;
    assert_eq!(
        restarted.pass().await.unwrap().read,
        0,
        "nothing is delivered twice after a restart"
    );
    store.append(&append(4, 2)).await.unwrap();
    let after = restarted.pass().await.unwrap();
    assert_eq!(
        (after.read, after.filtered),
        (2, 3),
        "only what came after the checkpoint: 2 events (their guards and the head's update filtered)"
    );
    std::fs::remove_file(checkpoints).unwrap();
}
