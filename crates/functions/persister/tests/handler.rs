//! The persister's handler with the fixtures' payloads, against the local AWS endpoint.

use event_store_domain::{BusMapping, StreamId, StreamRead};
use event_store_tests::{failed_message_ids, fixture, local_store, LocalStore};
use lambda_runtime::{Context, LambdaEvent};
use persister::Persister;
use serde_json::{json, Value};

async fn persister() -> (Persister, LocalStore) {
    let local = local_store().await;
    let mapping = BusMapping::from_lookup(|_| None).unwrap();
    (Persister::new(local.store.clone(), mapping), local)
}

async fn invoke(persister: &Persister, payload: Value) -> Result<Value, event_store_domain::Error> {
    persister
        .handle(LambdaEvent::new(payload, Context::default()))
        .await
}

async fn event_ids(local: &LocalStore, stream: &str) -> Vec<String> {
    let stream = StreamId::new(stream).unwrap();
    let page = local
        .store
        .read_stream(&stream, &StreamRead::forward(100))
        .await
        .unwrap();
    page.items.iter().map(|e| e.event_id.to_string()).collect()
}

#[tokio::test]
async fn an_sqs_batch_reports_only_its_poison_messages() {
    let (persister, local) = persister().await;
    let answer = invoke(&persister, fixture("sqs/ingest-batch-with-poison.json"))
        .await
        .unwrap();
    let failed = failed_message_ids(&answer);
    assert_eq!(failed, ["msg-poison-json", "msg-poison-no-stream"]);
    assert_eq!(
        event_ids(&local, "account-123").await,
        ["0d4f4f1e-1b7a-4d39-9a55-6f2a3c1e0001"]
    );
    assert_eq!(
        event_ids(&local, "210987654321").await,
        ["4a1b9c7e-2d3f-4e5a-8b6c-7d8e9f000002"]
    );
}

#[tokio::test]
async fn a_batch_delivered_three_times_is_stored_once() {
    let (persister, local) = persister().await;
    for _ in 0..3 {
        invoke(&persister, fixture("sqs/ingest-batch-with-poison.json"))
            .await
            .unwrap();
    }
    assert_eq!(event_ids(&local, "account-123").await.len(), 1);
    assert_eq!(event_ids(&local, "210987654321").await.len(), 1);
}

#[tokio::test]
async fn bus_events_map_the_seeds_shapes_without_code() {
    let (persister, local) = persister().await;
    for name in [
        "seed-004-account-created",
        "seed-000-prepared-account",
        "seed-001-customer-updated",
    ] {
        let answer = invoke(&persister, fixture(&format!("events/{name}.json")))
            .await
            .unwrap();
        assert_eq!(answer["versions"], json!([1]), "{name}: {answer}");
    }
    let stored = local
        .store
        .read_stream(
            &StreamId::new("mbocdp-77").unwrap(),
            &StreamRead::forward(10),
        )
        .await
        .unwrap()
        .items;
    let event = &stored[0];
    assert_eq!(event.event_type.as_str(), "CustomerUpdatedEvent");
    assert_eq!(event.aggregate_type.as_ref().unwrap().as_str(), "customer");
    assert_eq!(
        event.metadata.correlation_id.as_deref(),
        Some("saga-2024-03-10-001")
    );
    assert_eq!(event.metadata.source.as_deref(), Some("kahula.customers"));
    assert_eq!(event.metadata.extra["region"], "eu-central-1");
    assert_eq!(event.data["payload"]["tier"], "gold");
    assert_eq!(
        event_store_domain::format_time(&event.event_time),
        "2024-03-10T12:00:00.000Z"
    );
}

#[tokio::test]
async fn a_redelivered_bus_event_is_stored_once() {
    let (persister, local) = persister().await;
    let first = invoke(&persister, fixture("events/seed-004-account-created.json"))
        .await
        .unwrap();
    let again = invoke(&persister, fixture("events/seed-004-account-created.json"))
        .await
        .unwrap();
    assert_eq!(first["duplicate"], false);
    assert_eq!(again["duplicate"], true);
    assert_eq!(again["versions"], json!([1]));
    assert_eq!(event_ids(&local, "account-123").await.len(), 1);
}

#[tokio::test]
async fn a_bus_event_that_cannot_be_mapped_fails_the_invocation() {
    let (persister, _local) = persister().await;
    let mut event = fixture("events/seed-000-prepared-account.json");
    event["detail"] = json!({"Environment": "Sandbox"});
    let error = invoke(&persister, event).await.unwrap_err();
    assert_eq!(error.kind(), "Validation");
    assert!(error.to_string().contains("streamId"), "{error}");
}

#[tokio::test]
async fn an_append_command_returns_versions_and_a_stale_one_a_conflict_payload() {
    let (persister, local) = persister().await;
    let answer = invoke(&persister, fixture("invoke/append-command.json"))
        .await
        .unwrap();
    assert_eq!(answer["versions"], json!([1, 2]));
    assert_eq!(answer["streamId"], "eb724435-02cb-4c68-9d7a-4b6471c5a810");

    let conflict = invoke(&persister, fixture("invoke/append-stale.json"))
        .await
        .unwrap();
    assert_eq!(conflict["error"]["type"], "Conflict", "{conflict}");
    assert_eq!(conflict["error"]["expected"], 1);
    assert_eq!(conflict["error"]["actual"], 2);
    assert_eq!(
        event_ids(&local, "eb724435-02cb-4c68-9d7a-4b6471c5a810")
            .await
            .len(),
        2
    );
}

#[tokio::test]
async fn the_seeds_single_event_commands_are_accepted() {
    let (persister, local) = persister().await;
    let answer = invoke(&persister, fixture("invoke/seed-004-command.json"))
        .await
        .unwrap();
    assert_eq!(answer["versions"], json!([1]), "{answer}");
    let answer = invoke(&persister, fixture("invoke/seed-003-add-event.json"))
        .await
        .unwrap();
    assert_eq!(answer["versions"], json!([1]), "{answer}");
    assert_eq!(event_ids(&local, "account-123").await.len(), 1);
}

#[tokio::test]
async fn invalid_payloads_get_a_typed_error_naming_the_field() {
    let (persister, _local) = persister().await;
    for (payload, field) in [
        (
            json!({"streamId": "", "events": [{"eventType": "A", "data": {}}]}),
            "streamId",
        ),
        (
            json!({"streamId": "s", "events": [{"data": {}}]}),
            "events[0]",
        ),
        (
            json!({"streamId": "s", "expectedVersion": "soon", "events": []}),
            "expectedVersion",
        ),
        (json!({"what": "ever"}), "payload"),
    ] {
        let answer = invoke(&persister, payload.clone()).await.unwrap();
        assert_eq!(answer["error"]["type"], "Validation", "{payload}: {answer}");
        assert_eq!(answer["error"]["field"], field, "{payload}: {answer}");
    }
    let too_large = json!({"streamId": "s", "events": [{"eventId": "big", "eventType": "A", "data": {"blob": "x".repeat(410 * 1024)}}]});
    let answer = invoke(&persister, too_large).await.unwrap();
    assert_eq!(answer["error"]["type"], "TooLarge");
    assert_eq!(answer["error"]["eventId"], "big");
}
