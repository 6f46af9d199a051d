//! One event applied: to any generation a rebuild is building (first, so a generation that
//! switches is never behind the live one), then a snapshot when one is due, then one step of the
//! live read models, the cycles and the stream's summary, the summary being the checkpoint
//! written in the same transaction. What the event causes (follow-ups, change notices, metering)
//! is published before that step commits: a crash in between publishes again (at least once,
//! consumers dedupe by the deterministic ids), never not at all.

use event_store_domain::{Error, Publication, RecordedEvent};
use event_store_dynamodb::{
    reads_of, still_contended, writes_of, Committed, Prepared, ProjectionStep, StepPlan,
};

use crate::snapshots::SnapshotOutcome;
use crate::{BatchGenerations, Projector, StreamSummary, STREAMS_MODEL};

/// How often the live step is prepared again after meeting another projector instance.
const MAX_TRIES: usize = 64;

impl Projector {
    /// Applies one event (its version must follow its stream's checkpoint; the gap fill sees to
    /// that), and says what became of its snapshot.
    pub(crate) async fn apply(
        &self,
        event: &RecordedEvent,
        generations: &BatchGenerations<'_>,
    ) -> Result<SnapshotOutcome, Error> {
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
        let step = ProjectionStep {
            checkpoint_model: STREAMS_MODEL,
            stream: &event.stream_id,
            version: event.version,
            reads: reads_of(&generations.live, event),
        };
        let mut waits = event_store_dynamodb::retry_waits(MAX_TRIES);
        loop {
            let prepared = self
                .read_models
                .prepare_step(&step, |reads| {
                    let (writes, metering) = writes_of(&generations.live, event, reads)?;
                    let plan = StepPlan {
                        writes,
                        checkpoint: StreamSummary::after(reads.checkpoint(), event),
                    };
                    Ok((plan, metering))
                })
                .await?;
            let ready = match prepared {
                Prepared::AlreadyApplied { .. } => return Ok(snapshot),
                Prepared::Ready(ready) => ready,
            };
            let mut publications = crate::publications(&self.settings, event);
            publications.extend(ready.output.iter().cloned());
            self.publish(&publications).await?;
            match self.read_models.commit_step(ready).await? {
                Committed::Written(_) => return Ok(snapshot),
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
