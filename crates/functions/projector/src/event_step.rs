//! One event applied: its live step read first (the stream's summary, the checkpoint, and the
//! documents it changes: one read, which also says whether the event is applied already or
//! follows a gap), then the event applied to any generation a rebuild is building (so a
//! generation that switches is never behind the live one), a snapshot when one is due, and the
//! live step committed: the read models, the cycles and the summary in one transaction. What the event causes (follow-ups, change notices, metering)
//! is published before that step commits: a crash in between publishes again (at least once,
//! consumers dedupe by the deterministic ids), never not at all.

use event_store_domain::{Error, Publication, RecordedEvent};
use event_store_dynamodb::{
    reads_of, still_contended, writes_of, Committed, Prepared, ProjectionStep, StepPlan, StepReads,
};

use crate::snapshots::SnapshotOutcome;
use crate::{BatchGenerations, Projector, StreamSummary, STREAMS_MODEL};

/// How often the live step is prepared again after meeting another projector instance.
const MAX_TRIES: usize = 64;

/// What applying one event found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StepOutcome {
    /// Applied (now, or by another instance meanwhile), and what became of its snapshot.
    Applied(SnapshotOutcome),
    /// The checkpoint recorded it already: nothing was done.
    AlreadyApplied,
    /// The checkpoint is behind the event's predecessor: the versions after `position` come
    /// first (nothing was done).
    Gap {
        /// The version the stream's checkpoint records.
        position: u64,
    },
}

impl Projector {
    /// Applies one event unless its stream's checkpoint records it: the step's one read (the
    /// checkpoint and the documents) comes first and says whether it is applied already or, unless
    /// `after_gap_fill` (the versions before it were read from the table, and those missing have
    /// expired), whether a gap lies before it. So a record costs one read of the stream's summary.
    pub(crate) async fn apply(
        &self,
        event: &RecordedEvent,
        generations: &BatchGenerations<'_>,
        after_gap_fill: bool,
    ) -> Result<StepOutcome, Error> {
        let step = ProjectionStep {
            checkpoint_model: STREAMS_MODEL,
            stream: &event.stream_id,
            version: event.version,
            reads: reads_of(&generations.live, event),
        };
        let compute = |reads: &StepReads| {
            let (writes, metering) = writes_of(&generations.live, event, reads)?;
            let plan = StepPlan {
                writes,
                checkpoint: StreamSummary::after(reads.checkpoint(), event),
            };
            Ok((plan, metering))
        };
        let first = if after_gap_fill {
            self.read_models.prepare_step(&step, &compute).await?
        } else {
            self.read_models.prepare_next_step(&step, &compute).await?
        };
        match &first {
            Prepared::AlreadyApplied { .. } => return Ok(StepOutcome::AlreadyApplied),
            Prepared::Gap { position } => {
                return Ok(StepOutcome::Gap {
                    position: *position,
                })
            }
            Prepared::Ready(_) => {}
        }
        for target in &generations.building {
            self.read_models
                .catch_up(
                    &self.events,
                    target,
                    &event.stream_id,
                    std::slice::from_ref(event),
                )
                .await?;
        }
        let snapshot = self.snapshot_if_due(event).await;
        let mut prepared = Some(first);
        let mut waits = event_store_dynamodb::retry_waits(MAX_TRIES);
        loop {
            // The first read serves the first try; a try that met another instance reads again.
            let current = match prepared.take() {
                Some(current) => current,
                None => self.read_models.prepare_step(&step, &compute).await?,
            };
            let ready = match current {
                // Another instance applied it (a checkpoint never moves back, so no gap opens).
                Prepared::AlreadyApplied { .. } | Prepared::Gap { .. } => {
                    return Ok(StepOutcome::Applied(snapshot))
                }
                Prepared::Ready(ready) => ready,
            };
            let mut publications = crate::publications(&self.settings, event);
            publications.extend(ready.output.iter().cloned());
            self.events.reveal_publications(&mut publications).await?;
            self.publish(&publications).await?;
            match self.read_models.commit_step(ready).await? {
                Committed::Written(_) => return Ok(StepOutcome::Applied(snapshot)),
                Committed::Conflict => match waits.next() {
                    Some(wait) => tokio::time::sleep(wait).await,
                    None => return Err(still_contended(&step)),
                },
            }
        }
    }

    /// Publishes what an event causes. A failure fails the record (retried by Lambda), so nothing
    /// is dropped; a retry may publish again, which consumers dedupe by event id.
    async fn publish(&self, publications: &[Publication]) -> Result<(), Error> {
        match (&self.publisher, publications.is_empty()) {
            (_, true) => Ok(()),
            (Some(publisher), false) => publisher.publish(publications).await,
            (None, false) => Err(Error::validation(
                "EVENT_BUS_NAME",
                "follow-ups or change notices are configured but no bus is set",
            )),
        }
    }
}
