//! Read models in tests: a projections table of a test's own, the fixture's read models as
//! projector settings, every document of a model, and a replayer over them publishing to a bus of
//! the test's own.

use std::collections::BTreeMap;

use event_store_domain::{PageRequest, ProjectorSettings};
use event_store_dynamodb::{
    create_projections_table, DynamoEventStore, DynamoReadModels, EventBridgePublisher,
};
use replay::Replayer;
use serde_json::{json, Value};

use crate::bus::subscribed_bus;
use crate::{fixture, LocalStore};

/// A new projections table beside `local`'s events table.
pub async fn projections_table(local: &LocalStore, prefix: &str) -> DynamoReadModels {
    let table = format!("{prefix}-{}", uuid::Uuid::new_v4().simple());
    create_projections_table(&local.client, &table)
        .await
        .expect("the test projections table can be created");
    DynamoReadModels::new(local.client.clone(), table)
}

/// `fixtures/settings/projector.json`'s read models alone (no cycles, follow-ups or change
/// notices, so no bus is needed).
pub fn fixture_read_models() -> ProjectorSettings {
    let document = json!({"readModels": fixture("settings/projector.json")["readModels"]});
    ProjectorSettings::from_json(&document.to_string()).expect("the fixture's read models")
}

/// Every live document of the stored model `name`, by key.
pub async fn all_documents(read_models: &DynamoReadModels, name: &str) -> BTreeMap<String, Value> {
    let mut page = PageRequest {
        limit: Some(100),
        page_token: None,
    };
    let mut documents = BTreeMap::new();
    loop {
        let found = read_models.list(name, &page).await.expect("listed");
        for document in found.items {
            documents.insert(document.key, document.document.unwrap_or(Value::Null));
        }
        match found.next_page_token {
            Some(token) => page.page_token = Some(token),
            None => return documents,
        }
    }
}

/// A replayer over `store` and `read_models`, rebuilding the fixture's read models and publishing
/// to a new bus that a queue subscribes to (for `event-store.replay`).
pub async fn replayer(store: &DynamoEventStore, read_models: &DynamoReadModels) -> Replayer {
    let bus = subscribed_bus("event-store.replay").await;
    let publisher = EventBridgePublisher::new(bus.events.clone(), bus.bus.clone());
    Replayer::new(
        store.clone(),
        read_models.clone(),
        publisher,
        bus.bus.clone(),
    )
    .with_settings(&fixture_read_models())
}
