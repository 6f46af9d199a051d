//! Bringing a generation under construction up to date with one stream: the events it has not
//! applied yet, in version order, each one step into its read models and its per-stream
//! checkpoint. A rebuild does this for every stream it scans and the projector for every event
//! that arrives while the rebuild runs; both may do it for one stream at once, which is safe
//! because a step refuses a version its checkpoint already records.

use event_store_domain::{Error, Projection, RecordedEvent, StreamId, Version};
use serde_json::json;

use crate::{DynamoEventStore, DynamoReadModels, ProjectionStep, StepPlan, StepReads, StepWrite};

/// One generation under construction: the projections it rebuilds, each with the stored name of
/// its new generation, and the read model that keeps its checkpoint per stream.
pub struct GenerationTarget<'a> {
    /// Each projection with the name its new generation is stored under.
    pub projections: Vec<(&'a dyn Projection, String)>,
    /// The read model of the checkpoints (one document per stream).
    pub checkpoints: String,
}

impl DynamoReadModels {
    /// The last version of `stream` that `target` applied (0 when none).
    pub async fn checkpoint(
        &self,
        target: &GenerationTarget<'_>,
        stream: &StreamId,
    ) -> Result<u64, Error> {
        self.stream_position(&target.checkpoints, stream).await
    }

    /// Applies `event` to `target`'s projections that it concerns, and records it in the
    /// target's checkpoint for its stream, in one step (nothing when the checkpoint has it).
    pub async fn apply_to_target(
        &self,
        target: &GenerationTarget<'_>,
        event: &RecordedEvent,
    ) -> Result<(), Error> {
        let step = ProjectionStep {
            checkpoint_model: &target.checkpoints,
            stream: &event.stream_id,
            version: event.version,
            reads: reads_of(&target.projections, event),
        };
        self.apply_step(&step, |reads| {
            Ok((
                StepPlan {
                    writes: writes_of(&target.projections, event, reads)?,
                    checkpoint: json!({ "version": event.version }),
                },
                (),
            ))
        })
        .await?;
        Ok(())
    }

    /// Applies to `target` every event of `stream` up to the last of `known` (events of that
    /// stream in version order, as a scan page or a stream record brought them) that it has not
    /// applied; what `known` lacks is read from `store`. Returns how many events were applied.
    pub async fn catch_up(
        &self,
        store: &DynamoEventStore,
        target: &GenerationTarget<'_>,
        stream: &StreamId,
        known: &[RecordedEvent],
    ) -> Result<usize, Error> {
        let Some(last) = known.last().map(|e| e.version.get()) else {
            return Ok(0);
        };
        let applied = self.checkpoint(target, stream).await?;
        if last <= applied {
            return Ok(0);
        }
        let pending: Vec<&RecordedEvent> =
            known.iter().filter(|e| e.version.get() > applied).collect();
        let contiguous = pending
            .iter()
            .zip(applied + 1..)
            .all(|(event, expected)| event.version.get() == expected);
        let read;
        let events: Vec<&RecordedEvent> = if contiguous {
            pending
        } else {
            read = store
                .read_versions(stream, Version::new(applied + 1), Version::new(last))
                .await?;
            read.iter().collect()
        };
        for event in &events {
            self.apply_to_target(target, event).await?;
        }
        Ok(events.len())
    }
}

/// The documents `event` concerns among `projections`: (stored name, key).
pub fn reads_of(
    projections: &[(&dyn Projection, String)],
    event: &RecordedEvent,
) -> Vec<(String, String)> {
    projections
        .iter()
        .filter_map(|(projection, stored)| projection.key(event).map(|key| (stored.clone(), key)))
        .collect()
}

/// What `event` does to each of `projections`' documents, from what the step read.
pub fn writes_of(
    projections: &[(&dyn Projection, String)],
    event: &RecordedEvent,
    reads: &StepReads,
) -> Result<Vec<StepWrite>, Error> {
    let mut writes = Vec::new();
    for (projection, stored) in projections {
        let Some(key) = projection.key(event) else {
            continue;
        };
        let change = projection.apply(reads.document(stored, &key), event)?;
        writes.push(StepWrite {
            model: stored.clone(),
            key,
            change: change.into(),
        });
    }
    Ok(writes)
}
