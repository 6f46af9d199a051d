//! One EventBridge event to one stored event, through the configured mapping, appended with no
//! expected version: exactly once per EventBridge `id`.

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use event_store_domain::{
    AppendOutcome, AppendRequest, BusEvent, BusMapping, Error, ExpectedVersion,
};
use event_store_dynamodb::DynamoEventStore;
use serde_json::Value;

/// Maps and appends `event`.
pub async fn store_bus_event(
    store: &DynamoEventStore,
    mapping: &BusMapping,
    event: &EventBridgeEvent<Value>,
) -> Result<AppendOutcome, Error> {
    store.append(&append_request_of(mapping, event)?).await
}

/// The append `event` becomes through `mapping` (pure: what the fuzz targets exercise).
pub fn append_request_of(
    mapping: &BusMapping,
    event: &EventBridgeEvent<Value>,
) -> Result<AppendRequest, Error> {
    let id = event
        .id
        .as_deref()
        .ok_or_else(|| Error::validation("id", "an EventBridge event needs its id: it is the event id that makes storing it idempotent"))?;
    let resources = event.resources.clone().unwrap_or_default();
    let view = BusEvent {
        id,
        detail_type: &event.detail_type,
        source: &event.source,
        time: event.time.map(event_store_domain::truncate_to_millis),
        account: event.account.as_deref(),
        region: event.region.as_deref(),
        resources: &resources,
        detail: &event.detail,
    };
    let (stream, new_event) = mapping.map(&view)?;
    Ok(AppendRequest::single(
        stream,
        ExpectedVersion::Any,
        new_event,
    )?)
}
