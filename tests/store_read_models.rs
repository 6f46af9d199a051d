//! Read-model documents on the local endpoint: seed 003's items list built by its declarative
//! rules, and the guarantees the projector relies on, each event one step with its stream's
//! checkpoint: a redelivered or older record changes nothing, a deleted document is deleted and
//! stays so, concurrent writers lose no update, a document touched by ten thousand streams stays
//! as small as its content, and one that would pass DynamoDB's 400 KB is refused naming it.

use event_store_domain::{
    Error, EventType, NewEvent, PageRequest, Projection, ReadModelDefinition, RecordedEvent,
    StreamId, Version,
};
use event_store_dynamodb::item_size::item_size;
use event_store_dynamodb::{
    create_projections_table, reads_of, writes_of, Applied, DocumentChange, DynamoReadModels,
    Prepared, ProjectionPart, ProjectionStep, StepPart, StepPlan, StepReads, StepWrite,
};
use event_store_tests::{fixture, fresh_stream, metered_client};
use futures::StreamExt;
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

/// The checkpoints of these tests' steps, one per stream, as the stream summaries are.
const CHECKPOINTS: &str = "$test-checkpoints";

/// Applies `event` through the read model's rules in one step with its stream's checkpoint, as
/// the projector does.
async fn project(
    models: &DynamoReadModels,
    definition: &ReadModelDefinition,
    event: &RecordedEvent,
) -> Applied {
    try_project(models, definition, event).await.unwrap()
}

async fn try_project(
    models: &DynamoReadModels,
    projection: &dyn Projection,
    event: &RecordedEvent,
) -> Result<Applied, Error> {
    let parts: Vec<Box<dyn StepPart + '_>> = vec![Box::new(ProjectionPart {
        projection,
        stored_name: projection.name().to_owned(),
    })];
    let step = ProjectionStep {
        checkpoint_model: CHECKPOINTS,
        stream: &event.stream_id,
        version: event.version,
        reads: reads_of(&parts, event),
    };
    let written = models
        .apply_step(&step, |reads| {
            let (writes, _) = writes_of(&parts, event, reads)?;
            let checkpoint = json!({"version": event.version});
            Ok((StepPlan { writes, checkpoint }, ()))
        })
        .await?;
    Ok(match written {
        Some(()) => Applied::Written,
        None => Applied::AlreadyApplied,
    })
}

/// A read model counting every event, all in one document: what a low-cardinality key does.
struct CountAll;

impl Projection for CountAll {
    fn name(&self) -> &str {
        "counts"
    }

    fn key(&self, _event: &RecordedEvent) -> Option<String> {
        Some("all".into())
    }

    fn apply(
        &self,
        current: Option<&Value>,
        _event: &RecordedEvent,
    ) -> Result<Option<event_store_domain::ReadModelChange>, Error> {
        let count = current.and_then(|d| d["count"].as_u64()).unwrap_or(0);
        Ok(Some(event_store_domain::ReadModelChange::Put {
            key: "all".into(),
            document: json!({ "count": count + 1 }),
        }))
    }
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
async fn a_deleted_document_is_deleted_and_not_brought_back_by_an_older_record() {
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
    // No tombstone is kept: the checkpoint is what refuses the older record.
    assert_eq!(models.get("testItems", "9").await.unwrap(), None);
}

#[tokio::test]
async fn concurrent_writers_from_many_streams_lose_no_update() {
    let models = read_models().await;
    let streams: Vec<StreamId> = (0..8).map(|_| fresh_stream("writer")).collect();
    let writes = streams.iter().map(|stream| {
        let models = models.clone();
        async move {
            let event = recorded(stream, 1, "Counted", json!({}));
            try_project(&models, &CountAll, &event).await.unwrap()
        }
    });
    assert!(futures::future::join_all(writes)
        .await
        .iter()
        .all(|a| *a == Applied::Written));
    let document = models.get("counts", "all").await.unwrap().unwrap();
    assert_eq!(document.document, Some(json!({"count": 8})));
}

#[tokio::test]
async fn a_document_ten_thousand_streams_touched_stays_as_small_as_its_content() {
    let models = read_models().await;
    let streams: Vec<StreamId> = (0..10_000)
        .map(|n| StreamId::new(format!("many-{n}")).unwrap())
        .collect();
    futures::stream::iter(&streams)
        .for_each_concurrent(4, |stream| {
            let models = &models;
            async move {
                let event = recorded(stream, 1, "Counted", json!({}));
                try_project(models, &CountAll, &event).await.unwrap();
            }
        })
        .await;
    let stored = |models: DynamoReadModels| async move {
        let item = models
            .client()
            .get_item()
            .table_name(models.table())
            .key(
                "model",
                aws_sdk_dynamodb::types::AttributeValue::S("counts".into()),
            )
            .key(
                "key",
                aws_sdk_dynamodb::types::AttributeValue::S("all".into()),
            )
            .consistent_read(true)
            .send()
            .await
            .unwrap()
            .item
            .unwrap();
        item_size(&item)
    };
    let bytes = stored(models.clone()).await;
    // model, key, {"count": 10000}, revision, updatedAt: no trace of the 10,000 streams.
    assert!(bytes <= 200, "the document is {bytes} bytes");
    let document = models.get("counts", "all").await.unwrap().unwrap();
    assert_eq!(document.document, Some(json!({"count": 10_000})));
    // A redelivered record of any of them still changes nothing.
    let again = recorded(&streams[4_242], 1, "Counted", json!({}));
    assert_eq!(
        try_project(&models, &CountAll, &again).await.unwrap(),
        Applied::AlreadyApplied
    );
    assert_eq!(
        models.get("counts", "all").await.unwrap().unwrap(),
        document
    );
}

#[tokio::test]
async fn a_document_that_would_pass_400_kb_is_refused_naming_it_and_nothing_is_written() {
    let models = read_models().await;
    let stream = fresh_stream("huge");
    let event = recorded(&stream, 1, "Grew", json!({}));
    let step = ProjectionStep {
        checkpoint_model: CHECKPOINTS,
        stream: &stream,
        version: Version::new(1),
        reads: vec![],
    };
    let error = models
        .apply_step(&step, |_| {
            let writes = vec![StepWrite {
                model: "big".into(),
                key: "one".into(),
                change: DocumentChange::Put(json!({"blob": "x".repeat(410 * 1024)})),
            }];
            Ok((
                StepPlan {
                    writes,
                    checkpoint: json!({"version": 1}),
                },
                (),
            ))
        })
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::TooLarge { event_id, .. } if event_id == "document big/one"),
        "{error}"
    );
    assert_eq!(models.get("big", "one").await.unwrap(), None);
    assert_eq!(
        models.stream_position(CHECKPOINTS, &stream).await.unwrap(),
        0
    );
    let _ = event;
}

#[tokio::test]
async fn a_model_lists_in_pages() {
    let models = read_models().await;
    let stream = fresh_stream("pages");
    for n in 0..7 {
        models
            .put_versioned(
                "numbers",
                &format!("k{n}"),
                Version::new(1),
                json!({"n": n}),
            )
            .await
            .unwrap();
    }
    let _ = stream;
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

#[tokio::test]
async fn a_document_an_earlier_store_already_advanced_is_not_applied_again_after_an_upgrade() {
    // The earlier projector wrote a document (with the versions it applied per stream) before
    // the stream's summary: one that stopped in between left the document at version 2 and the
    // summary at 1. The upgraded projector retries version 2.
    let models = read_models().await;
    let stream = fresh_stream("upgraded");
    let legacy = serde_json::json!({
        "model": "counts", "key": "all", "document": {"count": 2}, "revision": 2,
        "updatedAt": "2026-11-30T00:00:00.000Z", "positions": {stream.as_str(): 2},
    });
    let item: std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue> =
        serde_dynamo::to_item(legacy).unwrap();
    models
        .client()
        .put_item()
        .table_name(models.table())
        .set_item(Some(item))
        .send()
        .await
        .unwrap();
    try_project(
        &models,
        &CountAll,
        &recorded(&stream, 1, "Counted", json!({})),
    )
    .await
    .unwrap();
    let retried = recorded(&stream, 2, "Counted", json!({}));
    assert_eq!(
        try_project(&models, &CountAll, &retried).await.unwrap(),
        Applied::Written,
        "the summary moves on"
    );
    let document = models.get("counts", "all").await.unwrap().unwrap();
    assert_eq!(
        document.document,
        Some(json!({"count": 2})),
        "not counted twice"
    );
    let next = recorded(&stream, 3, "Counted", json!({}));
    try_project(&models, &CountAll, &next).await.unwrap();
    let document = models.get("counts", "all").await.unwrap().unwrap();
    assert_eq!(document.document, Some(json!({"count": 3})));
    assert!(
        document.legacy_positions.is_empty(),
        "the old map goes at the next write"
    );
}

#[tokio::test]
async fn a_step_that_must_follow_its_checkpoint_answers_the_gap_before_computing_anything() {
    let models = read_models().await;
    let stream = fresh_stream("gap");
    let step = ProjectionStep {
        checkpoint_model: CHECKPOINTS,
        stream: &stream,
        version: Version::new(3),
        reads: vec![],
    };
    // The event alone would be refused (a document over 400 KB): the gap comes first, and the
    // computation is never asked, so an event out of order cannot fail for its predecessors.
    let refused = |_: &StepReads| -> Result<(StepPlan, ()), Error> {
        Err(Error::validation(
            "document",
            "computed before its predecessors",
        ))
    };
    match models.prepare_next_step(&step, refused).await.unwrap() {
        Prepared::Gap { position } => assert_eq!(position, 0),
        _ => panic!("expected the gap"),
    }
    // Without the gap check (after a gap fill) the same step is computed.
    assert!(models.prepare_step(&step, refused).await.is_err());
}
