//! Seed 000's correlated transactions: each configured cycle's open instance per entity lives in
//! read model `$cycle:<name>`; every instance, in progress or ended (complete or partial), is
//! kept in `$transactions` under `<entity>#<started>#<cycle>`; a completed cycle publishes a metering
//! event. Writes are conditional on the stream version like every projection, and the metering
//! event carries a deterministic `meteringId` so a republished one can be recognized.

use std::sync::Mutex;

use event_store_domain::{
    format_time, CycleDefinition, CycleInstance, CycleStatus, Error, RecordedEvent,
};
use event_store_dynamodb::{
    Applied, DocumentChange, DynamoReadModels, Publication, TRANSACTIONS_MODEL,
};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// The `source` of metering events.
pub const METERING_SOURCE: &str = "event-store.metering";

/// The read model of `cycle`'s open instances.
pub fn open_model(cycle: &CycleDefinition) -> String {
    format!("$cycle:{}", cycle.name)
}

/// Where `instance` is kept in `$transactions`.
pub fn transaction_key(instance: &CycleInstance) -> String {
    event_store_dynamodb::transaction_key(&instance.entity, &instance.started, &instance.cycle)
}

/// The document of one entity in `$cycle:<name>`: its open instance, and the instances the last
/// applied event ended (so a retry of that event publishes their metering events again).
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CycleDocument {
    open: Option<CycleInstance>,
    last_event: Option<(String, u64)>,
    last_ended: Vec<CycleInstance>,
}

/// Advances `cycle` with `event`: updates the open instance, keeps ended ones in
/// `$transactions`, and returns the metering events to publish (again, when the record is a
/// retry of the event that ended them).
pub async fn advance(
    read_models: &DynamoReadModels,
    cycle: &CycleDefinition,
    event: &RecordedEvent,
) -> Result<Vec<Publication>, Error> {
    let Some(entity) = cycle.entity_of(event) else {
        return Ok(Vec::new());
    };
    let model = open_model(cycle);
    let this_event = (event.stream_id.to_string(), event.version.get());
    let ended = Mutex::new(Vec::new());
    let still_open = Mutex::new(None);
    let applied = read_models
        .apply(
            &model,
            &entity,
            &event.stream_id,
            event.version,
            |current| {
                let document: CycleDocument = current
                    .and_then(|d| serde_json::from_value(d.clone()).ok())
                    .unwrap_or_default();
                let change = cycle.advance(document.open, event);
                let (open, finished): (Option<CycleInstance>, Option<CycleInstance>) =
                    match change.current {
                        Some(instance) if instance.status == CycleStatus::InProgress => {
                            (Some(instance), None)
                        }
                        other => (None, other),
                    };
                let last_ended: Vec<CycleInstance> =
                    change.closed.into_iter().chain(finished).collect();
                *ended.lock().expect("ended lock") = last_ended.clone();
                *still_open.lock().expect("open lock") = open.clone();
                DocumentChange::Put(json!(CycleDocument {
                    open,
                    last_event: Some(this_event.clone()),
                    last_ended
                }))
            },
        )
        .await?;
    let (ended, open) = match applied {
        Applied::Written => (
            ended.into_inner().expect("ended lock"),
            still_open.into_inner().expect("open lock"),
        ),
        Applied::AlreadyApplied => {
            let stored = read_models.get(&model, &entity).await?;
            let document: CycleDocument = stored
                .and_then(|d| d.document)
                .and_then(|d| serde_json::from_value(d).ok())
                .unwrap_or_default();
            if document.last_event.as_ref() == Some(&this_event) {
                (document.last_ended, document.open)
            } else {
                (Vec::new(), None)
            }
        }
    };
    if let Some(instance) = open {
        // In progress instances are listed too: "the most recent maintenance window" may be open.
        keep(read_models, &instance, event).await?;
    }
    let mut metering = Vec::new();
    for instance in ended {
        let key = keep(read_models, &instance, event).await?;
        if instance.status == CycleStatus::Complete {
            metering.push(metering_event(&instance, key));
        }
    }
    Ok(metering)
}

/// Keeps `instance` in `$transactions` as of `event`; returns its key.
async fn keep(
    read_models: &DynamoReadModels,
    instance: &CycleInstance,
    event: &RecordedEvent,
) -> Result<String, Error> {
    let key = transaction_key(instance);
    read_models
        .apply(
            TRANSACTIONS_MODEL,
            &key,
            &event.stream_id,
            event.version,
            |_| DocumentChange::Put(json!(instance)),
        )
        .await?;
    Ok(key)
}

fn metering_event(instance: &CycleInstance, metering_id: String) -> Publication {
    let completed = instance.completed.unwrap_or(instance.started);
    let steps: Vec<Value> = instance
        .steps
        .iter()
        .map(
            |s| json!({"eventType": s.event_type, "eventId": s.event_id, "at": format_time(&s.at)}),
        )
        .collect();
    Publication {
        source: METERING_SOURCE.to_owned(),
        detail_type: "CycleCompleted".to_owned(),
        detail: json!({
            "meteringId": metering_id,
            "cycle": instance.cycle,
            "entity": instance.entity,
            "started": format_time(&instance.started),
            "completed": format_time(&completed),
            "durationSeconds": (completed - instance.started).num_milliseconds() as f64 / 1000.0,
            "steps": steps,
        }),
        resources: Vec::new(),
    }
}
