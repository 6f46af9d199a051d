//! Seed 000's correlated transactions, as part of an event's projection step: each configured
//! cycle's open instance per entity lives in read model `$cycle:<name>`; every instance, in
//! progress or ended (complete or partial), is kept in `$transactions` under
//! `<entity>#<started>#<cycle>`; a completed cycle publishes a metering event with a
//! deterministic `meteringId`, so one published twice can be recognized. An instance the sweep
//! timed out by the clock goes on when its entity's next event happened within the timeout.
//! `$transactions` has
//! generations like any read model (the cycles' open instances go with it), so it can be
//! rebuilt; a rebuild never publishes the metering events again.

use event_store_domain::{
    format_time, generation_name, CycleDefinition, CycleInstance, CycleStatus, Error, Publication,
    RecordedEvent, TRANSACTIONS_MODEL,
};
use event_store_dynamodb::{DocumentChange, StepPart, StepReads, StepWrite};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

pub use event_store_domain::METERING_SOURCE;

/// The read model of `cycle`'s open instances.
pub fn open_model(cycle: &CycleDefinition) -> String {
    format!("$cycle:{}", cycle.name)
}

/// Where `instance` is kept in `$transactions`.
pub fn transaction_key(instance: &CycleInstance) -> String {
    event_store_dynamodb::transaction_key(&instance.entity, &instance.started, &instance.cycle)
}

/// The document of one entity in `$cycle:<name>`: its open instance, or the one the sweep last
/// timed out (until the entity's next event: if that event happened within the timeout, the
/// instance goes on).
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CycleDocument {
    /// The instance in progress, if any.
    pub open: Option<CycleInstance>,
    /// The instance the sweep closed as timed out, judged by the clock.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timed_out: Option<CycleInstance>,
}

/// The cycles as a part of an event's projection step, writing generation `generation` of
/// `$transactions` (and of the cycles' open instances): the live one, or one a rebuild builds.
pub struct CyclesPart<'a> {
    /// The cycles followed.
    pub cycles: &'a [CycleDefinition],
    /// The generation of `$transactions` written.
    pub generation: u32,
}

impl CyclesPart<'_> {
    fn open_model(&self, cycle: &CycleDefinition) -> String {
        generation_name(&open_model(cycle), self.generation)
    }
}

impl StepPart for CyclesPart<'_> {
    fn reads(&self, event: &RecordedEvent) -> Vec<(String, String)> {
        self.cycles
            .iter()
            .filter_map(|cycle| Some((self.open_model(cycle), cycle.entity_of(event)?)))
            .collect()
    }

    /// What `event` does to the cycles: the documents to write, and the metering events of the
    /// cycles it completed. A cycle document that does not decode is `Corrupt`, naming it.
    fn writes(
        &self,
        event: &RecordedEvent,
        reads: &StepReads,
    ) -> Result<(Vec<StepWrite>, Vec<Publication>), Error> {
        let transactions = generation_name(TRANSACTIONS_MODEL, self.generation);
        let mut writes = Vec::new();
        let mut metering = Vec::new();
        for cycle in self.cycles {
            let Some(entity) = cycle.entity_of(event) else {
                continue;
            };
            let model = self.open_model(cycle);
            let document: CycleDocument = match reads.document(&model, &entity) {
                None => CycleDocument::default(),
                Some(stored) => {
                    serde_json::from_value(stored.clone()).map_err(|e| Error::Corrupt {
                        attribute: format!("{model}/{entity}"),
                        reason: e.to_string(),
                    })?
                }
            };
            let open = match (document.open, document.timed_out) {
                (Some(open), _) => Some(open),
                (None, Some(timed_out)) => cycle.reopen(timed_out, event.event_time),
                (None, None) => None,
            };
            let change = cycle.advance(open, event);
            let (open, finished) = match change.current {
                Some(instance) if instance.status == CycleStatus::InProgress => {
                    (Some(instance), None)
                }
                other => (None, other),
            };
            // In progress instances are listed too: "the most recent maintenance window" may be
            // open.
            for instance in open.iter().chain(&change.closed).chain(&finished) {
                writes.push(StepWrite {
                    model: transactions.clone(),
                    key: transaction_key(instance),
                    change: DocumentChange::Overwrite(json!(instance)),
                });
                if instance.status == CycleStatus::Complete {
                    metering.push(metering_event(instance, transaction_key(instance)));
                }
            }
            writes.push(StepWrite {
                model,
                key: entity,
                change: DocumentChange::Put(json!(CycleDocument {
                    open,
                    timed_out: None
                })),
            });
        }
        Ok((writes, metering))
    }
}

/// The metering event of a completed `instance`, identified by `metering_id`.
pub fn metering_event(instance: &CycleInstance, metering_id: String) -> Publication {
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
        subject: None,
    }
}
