//! The sweep, run on a schedule (an EventBridge schedule in infra/, a timer in `make dev`).
//!
//! Cycles: a cycle whose entity stops sending events would stay "in progress" forever if its
//! timeout were judged only when the entity's next event arrives, and seed 000's point (identify
//! partial cycles) would be missed exactly when it matters. The sweep marks every open instance
//! past its cycle's `timeoutMinutes` partial (reason: not finished within N minutes), once: the
//! instance leaves its cycle's document and is kept as partial in `$transactions` in one
//! transaction, on condition the document is still as read (a concurrent event of the entity
//! wins, and the sweep reads again). The sweep judges by the clock, events by their own time: the
//! document keeps the timed-out instance, and an event of the entity that happened within the
//! timeout but is projected later (a projector behind) carries it on, metering included.
//!
//! Retired generations: the same sweep deletes, in bounded pages, what rebuilds retired once its
//! grace period has passed (a replaced or abandoned generation, a rebuild's checkpoints).

use event_store_domain::{
    generation_name, CycleDefinition, Error, PageRequest, Timestamp, TRANSACTIONS_MODEL,
};
use event_store_dynamodb::{DocumentChange, ReadModelDocument, StepWrite};
use serde_json::json;

use crate::cycles::{open_model, transaction_key, CycleDocument};
use crate::Projector;

/// How often the sweep tries one entity's document again after a concurrent write.
const MAX_TRIES: usize = 8;
/// Documents one sweep deletes at most from retired generations (the rest wait for the next).
pub const PURGE_BUDGET: usize = 5_000;

/// What one sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SweepReport {
    /// Open instances looked at.
    pub open: usize,
    /// Instances marked partial now (timed out).
    pub timed_out: usize,
    /// Documents of retired generations and rebuild checkpoints deleted.
    pub purged: usize,
}

impl Projector {
    /// Deletes what is retired and due at `now`, then marks every open cycle instance past its
    /// timeout at `now` partial.
    pub async fn sweep(&self, now: Timestamp) -> Result<SweepReport, Error> {
        // The purge first, bounded: however many cycles there are to look at, it is never
        // starved.
        let mut report = SweepReport {
            purged: self.read_models.purge_retired(now, PURGE_BUDGET).await?,
            ..SweepReport::default()
        };
        let generation = self.read_models.generations(TRANSACTIONS_MODEL).await?.live;
        let timed: Vec<&CycleDefinition> = self
            .settings
            .cycles
            .iter()
            .filter(|c| c.timeout_minutes.is_some())
            .collect();
        for cycle in timed {
            let model = generation_name(&open_model(cycle), generation);
            let mut page = PageRequest::first(100);
            loop {
                let found = self.read_models.list(&model, &page).await?;
                for document in found.items {
                    let Some(open) = decode(&document)?.open else {
                        continue;
                    };
                    report.open += 1;
                    let due = cycle.timed_out(&open, now);
                    if due && self.time_out(cycle, generation, &document.key, now).await? {
                        report.timed_out += 1;
                    }
                }
                match found.next_page_token {
                    Some(token) => page.page_token = Some(token),
                    None => break,
                }
            }
        }
        Ok(report)
    }

    /// Times out the open instance of `entity` in `cycle`, if it still is open and timed out at
    /// `now`; `true` when this sweep did it.
    async fn time_out(
        &self,
        cycle: &CycleDefinition,
        generation: u32,
        entity: &str,
        now: Timestamp,
    ) -> Result<bool, Error> {
        let model = generation_name(&open_model(cycle), generation);
        let mut waits = event_store_dynamodb::retry_waits(MAX_TRIES);
        loop {
            let Some(document) = self.read_models.get(&model, entity).await? else {
                return Ok(false);
            };
            let Some(open) = decode(&document)?.open else {
                return Ok(false);
            };
            if !cycle.timed_out(&open, now) {
                return Ok(false);
            }
            let partial = cycle.time_out(open);
            let writes = vec![
                StepWrite {
                    model: generation_name(TRANSACTIONS_MODEL, generation),
                    key: transaction_key(&partial),
                    change: DocumentChange::Overwrite(json!(partial)),
                },
                StepWrite {
                    model: model.clone(),
                    key: entity.to_owned(),
                    change: DocumentChange::Put(json!(CycleDocument {
                        open: None,
                        timed_out: Some(partial.clone()),
                    })),
                },
            ];
            if self
                .read_models
                .write_documents(&[document], writes)
                .await?
            {
                tracing::info!(cycle = %cycle.name, entity, "cycle timed out: partial");
                return Ok(true);
            }
            match waits.next() {
                Some(wait) => tokio::time::sleep(wait).await,
                None => return Ok(false),
            }
        }
    }
}

fn decode(document: &ReadModelDocument) -> Result<CycleDocument, Error> {
    match &document.document {
        None => Ok(CycleDocument::default()),
        Some(stored) => serde_json::from_value(stored.clone()).map_err(|e| Error::Corrupt {
            attribute: format!("{}/{}", document.model, document.key),
            reason: e.to_string(),
        }),
    }
}
