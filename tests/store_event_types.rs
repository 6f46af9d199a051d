//! The event types file against the local endpoint: schemas checked on append before any
//! request (a failure names the JSON pointer and the rule, and nothing of the append is
//! stored), and upcasts applied on every read path while the stored item keeps what was written.

use aws_sdk_dynamodb::types::AttributeValue;
use event_store_domain::{
    AppendRequest, Direction, Error, EventCatalog, EventIndex, EventQuery, ExpectedVersion,
    JsonMergeReducer, Metadata, NewEvent, PageRequest, RecordedEvent, StreamId, StreamRead,
    TimeRange, Version,
};
use event_store_tests::{event, fixture, fresh_stream, local_store, LocalStore};
use serde_json::{json, Value};

fn catalog(document: Value) -> EventCatalog {
    EventCatalog::from_json(&document.to_string()).unwrap()
}

async fn store_with_fixture_types() -> LocalStore {
    let mut local = local_store().await;
    local.store = local
        .store
        .clone()
        .with_catalog(catalog(fixture("event-types.json")));
    local
}

fn product(data: Value, version: Option<&str>) -> NewEvent {
    event("ProductCreated", data).with_metadata(Metadata {
        schema_version: version.map(str::to_owned),
        ..Metadata::default()
    })
}

fn append_of(stream: &StreamId, events: Vec<NewEvent>) -> AppendRequest {
    AppendRequest::new(stream.clone(), ExpectedVersion::Any, events).unwrap()
}

#[tokio::test]
async fn an_event_that_breaks_its_schema_is_refused_naming_the_pointer_before_any_request() {
    let local = store_with_fixture_types().await;
    let stream = fresh_stream("product");
    let good = product(
        json!({"productId": "p-1", "name": "Lamp", "price": 12}),
        Some("1.0"),
    );
    let bad = product(
        json!({"productId": "p-1", "name": "Lamp", "price": -3}),
        Some("1.0"),
    );
    local.meter.reset();
    let error = local
        .store
        .append(&append_of(&stream, vec![good.clone(), bad]))
        .await
        .unwrap_err();
    let Error::Validation { field, reason } = error else {
        panic!("expected a validation error, got {error:?}");
    };
    assert_eq!(field, "events[1].data/price");
    assert!(reason.contains("(minimum)"), "{reason}");
    assert!(reason.contains("ProductCreated 1.0"), "{reason}");
    assert_eq!(local.meter.total(), 0, "{:?}", local.meter.snapshot());
    assert_eq!(local.store.head(&stream).await.unwrap(), Version::NONE);

    // The same event in version 2.0's shape is checked against 2.0's schema.
    let v2 = product(
        json!({"productId": "p-1", "title": "Lamp", "price": {"amount": 1, "currency": "eur"}}),
        Some("2.0"),
    );
    let error = local
        .store
        .append(&append_of(&stream, vec![v2]))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Validation { field, reason: _ } if field == "events[0].data/price/currency"),
        "{error:?}"
    );
    // A version the file has no schema for is refused naming metadata.schemaVersion.
    let v3 = product(json!({"productId": "p-1"}), Some("3.0"));
    let error = local
        .store
        .append(&append_of(&stream, vec![v3]))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Validation { field, reason: _ } if field == "events[0].metadata.schemaVersion"),
        "{error:?}"
    );
    local
        .store
        .append(&append_of(&stream, vec![good]))
        .await
        .unwrap();
    assert_eq!(local.store.head(&stream).await.unwrap(), Version::new(1));
}

#[tokio::test]
async fn unknown_event_types_are_refused_when_the_file_says_so() {
    let mut local = local_store().await;
    local.store = local.store.clone().with_catalog(catalog(json!({
        "unknownEventTypes": "refuse",
        "eventTypes": {"Known": {"schemas": {"1": {"type": "object"}}, "unversioned": "1"}}
    })));
    let stream = fresh_stream("typed");
    let error = local
        .store
        .append(&append_of(&stream, vec![event("Unlisted", json!({}))]))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Validation { field, reason } if field == "events[0].eventType" && reason.contains("Unlisted")),
        "{error:?}"
    );
    local
        .store
        .append(&append_of(&stream, vec![event("Known", json!({}))]))
        .await
        .unwrap();
}

fn assert_newest_shape(event: &RecordedEvent) {
    assert_eq!(
        event.data,
        json!({"productId": event.data["productId"], "title": "Lamp", "price": {"amount": 12, "currency": "EUR"}}),
        "{event:?}"
    );
    assert_eq!(event.metadata.schema_version.as_deref(), Some("2.0"));
}

#[tokio::test]
async fn a_version_1_event_reads_in_version_2s_shape_on_every_path_and_stays_stored_as_written() {
    let local = store_with_fixture_types().await;
    let stream = fresh_stream("product");
    let written = product(
        json!({"productId": "p-7", "name": "Lamp", "price": 12}),
        None,
    );
    let hash = written.payload_hash();
    let outcome = local
        .store
        .append(&append_of(&stream, vec![written.clone()]))
        .await
        .unwrap();
    assert_eq!(outcome.versions, vec![Version::new(1)]);

    let page = local
        .store
        .read_stream(&stream, &StreamRead::forward(10))
        .await
        .unwrap();
    assert_newest_shape(&page.items[0]);
    assert_eq!(
        page.items[0].payload_hash, hash,
        "the hash is of what was written"
    );
    let one = local
        .store
        .get_event(&stream, Version::new(1))
        .await
        .unwrap();
    assert_newest_shape(&one.unwrap());
    let by_id = local
        .store
        .get_event_by_id(&written.event_id)
        .await
        .unwrap();
    assert_newest_shape(&by_id.unwrap());
    let query = EventQuery::new(
        EventIndex::EventType,
        "ProductCreated",
        TimeRange::default(),
        Direction::Forward,
    )
    .unwrap();
    let found = local
        .store
        .query_events(&query, &PageRequest::first(100))
        .await
        .unwrap();
    let ours: Vec<&RecordedEvent> = found
        .items
        .iter()
        .filter(|e| e.stream_id == stream)
        .collect();
    assert_eq!(ours.len(), 1);
    assert_newest_shape(ours[0]);
    let state = local
        .store
        .load_state(&stream, &JsonMergeReducer)
        .await
        .unwrap();
    assert_eq!(state.state["title"], "Lamp");
    assert_eq!(state.state.get("name"), None);

    // A retry of the same event is still a duplicate: the hash is of the stored shape.
    let retry = local
        .store
        .append(&append_of(&stream, vec![written]))
        .await
        .unwrap();
    assert!(retry.duplicate);

    let item = local
        .client
        .get_item()
        .table_name(local.store.table())
        .key("streamId", AttributeValue::S(stream.to_string()))
        .key("version", AttributeValue::N("1".into()))
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    let stored = event_store_dynamodb::event_item::from_item(item).unwrap();
    assert_eq!(
        stored.data,
        json!({"productId": "p-7", "name": "Lamp", "price": 12})
    );
    assert_eq!(stored.metadata.schema_version, None);
}
