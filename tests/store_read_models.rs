//! Read-model documents on the local endpoint: seed 003's items list built by its declarative
//! rules, and the guarantees the projector relies on: a redelivered record changes nothing, a
//! deleted document stays deleted, concurrent writers lose no update.

use std::collections::BTreeSet;

use event_store_domain::{
    EventType, NewEvent, PageRequest, ReadModelDefinition, RecordedEvent, StreamId, Version,
};
use event_store_dynamodb::{create_projections_table, Applied, DocumentChange, DynamoReadModels};
use event_store_tests::{fixture, fresh_stream, metered_client};
use futures::future::join_all;
use serde_json::{json, Value};

async fn read_models() -> DynamoReadModels {
    let (client, _) = metered_client().await;
    let table = format!("projections-{}", uuid::Uuid::new_v4());
    create_projections_table(&client, &table).await.unwrap();
    DynamoReadModels::new(client, table)
}

fn recorded(stream: &StreamId, version: u64, event_type: &str, data: Value) -> RecordedEvent {
    let event = NewEvent::new(EventType::new(event_type).unwrap(), data);
    RecordedEvent::record(
        stream.clone(),
        Version::new(version),
        event,
        chrono::Utc::now(),
    )
}

fn seed_003_items() -> ReadModelDefinition {
    serde_json::from_value(fixture("settings/projector.json")["readModels"][0].clone()).unwrap()
}

/// Applies `event` through the read model's rules, as the projector does.
async fn project(
    models: &DynamoReadModels,
    definition: &ReadModelDefinition,
    event: &RecordedEvent,
) -> Applied {
    let key = definition.key_of(event).expect("the event has a key");
    models
        .apply(
            &definition.name,
            &key,
            &event.stream_id,
            event.version,
            |current| definition.apply(current, event).into(),
        )
        .await
        .unwrap()
}

async fn listed(models: &DynamoReadModels, model: &str) -> Vec<Value> {
    let page = models.list(model, &PageRequest::first(100)).await.unwrap();
    page.items.into_iter().filter_map(|d| d.document).collect()
}

#[tokio::test]
async fn seed_003_items_are_created_changed_and_deleted() {
    let (models, items) = (read_models().await, seed_003_items());
    let stream = fresh_stream("poc");
    let events = [
        recorded(
            &stream,
            1,
            "ITEM_CREATED",
            json!({"itemId": "1", "amount": 225}),
        ),
        recorded(
            &stream,
            2,
            "ITEM_CREATED",
            json!({"itemId": "2", "amount": 10}),
        ),
        recorded(
            &stream,
            3,
            "ITEM_AMOUNT_CHANGED",
            json!({"itemId": "1", "amount": 500}),
        ),
    ];
    for event in &events {
        assert_eq!(project(&models, &items, event).await, Applied::Written);
    }
    assert_eq!(
        listed(&models, "testItems").await,
        vec![
            json!({"itemId": "1", "amount": 500}),
            json!({"itemId": "2", "amount": 10})
        ]
    );
    project(
        &models,
        &items,
        &recorded(&stream, 4, "ITEM_DELETED", json!({"itemId": "1"})),
    )
    .await;
    assert_eq!(
        listed(&models, "testItems").await,
        vec![json!({"itemId": "2", "amount": 10})]
    );
}

#[tokio::test]
async fn a_redelivered_or_older_record_changes_nothing() {
    let (models, items) = (read_models().await, seed_003_items());
    let stream = fresh_stream("redelivered");
    let changed = recorded(
        &stream,
        2,
        "ITEM_AMOUNT_CHANGED",
        json!({"itemId": "1", "amount": 500}),
    );
    project(
        &models,
        &items,
        &recorded(
            &stream,
            1,
            "ITEM_CREATED",
            json!({"itemId": "1", "amount": 225}),
        ),
    )
    .await;
    project(&models, &items, &changed).await;
    let before = models.get("testItems", "1").await.unwrap().unwrap();
    assert_eq!(
        project(&models, &items, &changed).await,
        Applied::AlreadyApplied
    );
    let created_again = recorded(
        &stream,
        1,
        "ITEM_CREATED",
        json!({"itemId": "1", "amount": 225}),
    );
    assert_eq!(
        project(&models, &items, &created_again).await,
        Applied::AlreadyApplied
    );
    assert_eq!(models.get("testItems", "1").await.unwrap().unwrap(), before);
}

#[tokio::test]
async fn a_deleted_document_is_not_brought_back_by_an_older_record() {
    let (models, items) = (read_models().await, seed_003_items());
    let stream = fresh_stream("tombstone");
    project(
        &models,
        &items,
        &recorded(
            &stream,
            1,
            "ITEM_CREATED",
            json!({"itemId": "9", "amount": 1}),
        ),
    )
    .await;
    project(
        &models,
        &items,
        &recorded(&stream, 2, "ITEM_DELETED", json!({"itemId": "9"})),
    )
    .await;
    let late = recorded(
        &stream,
        1,
        "ITEM_CREATED",
        json!({"itemId": "9", "amount": 1}),
    );
    assert_eq!(
        project(&models, &items, &late).await,
        Applied::AlreadyApplied
    );
    assert!(listed(&models, "testItems").await.is_empty());
    assert_eq!(
        models
            .get("testItems", "9")
            .await
            .unwrap()
            .unwrap()
            .document,
        None
    );
}

#[tokio::test]
async fn concurrent_writers_from_many_streams_lose_no_update() {
    let models = read_models().await;
    let streams: Vec<StreamId> = (0..8).map(|_| fresh_stream("writer")).collect();
    let writes = streams.iter().map(|stream| {
        let models = models.clone();
        async move {
            models
                .apply("totals", "all", stream, Version::new(1), |current| {
                    let count = current.and_then(|d| d["count"].as_u64()).unwrap_or(0);
                    DocumentChange::Put(json!({"count": count + 1}))
                })
                .await
                .unwrap()
        }
    });
    assert!(join_all(writes)
        .await
        .iter()
        .all(|a| *a == Applied::Written));
    let document = models.get("totals", "all").await.unwrap().unwrap();
    assert_eq!(document.document, Some(json!({"count": 8})));
    let applied: BTreeSet<&String> = document.positions.keys().collect();
    assert_eq!(applied.len(), 8);
}

#[tokio::test]
async fn a_model_lists_in_pages() {
    let models = read_models().await;
    let stream = fresh_stream("pages");
    for n in 0..7 {
        models
            .apply(
                "numbers",
                &format!("k{n}"),
                &stream,
                Version::new(n + 1),
                |_| DocumentChange::Put(json!({"n": n})),
            )
            .await
            .unwrap();
    }
    let (mut page, mut seen) = (PageRequest::first(3), Vec::new());
    loop {
        let result = models.list("numbers", &page).await.unwrap();
        seen.extend(result.items.iter().map(|d| d.key.clone()));
        match result.next_page_token {
            Some(token) => page.page_token = Some(token),
            None => break,
        }
    }
    assert_eq!(seen, (0..7).map(|n| format!("k{n}")).collect::<Vec<_>>());
}
