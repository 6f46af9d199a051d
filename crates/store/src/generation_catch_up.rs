//! Bringing a generation under construction up to date with one stream: the events it has not
//! applied yet, in version order, each one step into its read models and its per-stream
//! checkpoint. A rebuild does this for every stream it scans and the projector for every event
//! that arrives while the rebuild runs; both may do it for one stream at once, which is safe
//! because a step refuses a version its checkpoint already records.

use event_store_domain::{Error, Projection, Publication, RecordedEvent, StreamId, Version};
use serde_json::json;

use crate::{DynamoEventStore, DynamoReadModels, ProjectionStep, StepPlan, StepReads, StepWrite};

/// A part of an event's projection step: the documents it reads, what it writes into them, and
/// what it publishes (a rebuild drops the publications: it never repeats what was published).
pub trait StepPart: Send + Sync {
    /// The documents (stored name, key) `event` makes this part read.
    fn reads(&self, event: &RecordedEvent) -> Vec<(String, String)>;

    /// What `event` writes, from what the step read, and what it publishes.
    fn writes(
        &self,
        event: &RecordedEvent,
        reads: &StepReads,
    ) -> Result<(Vec<StepWrite>, Vec<Publication>), Error>;
}

/// A projection (declarative or in code) into one stored name (its live generation's, or the
/// one a rebuild builds).
pub struct ProjectionPart<'a> {
    /// The projection.
    pub projection: &'a dyn Projection,
    /// The stored name it writes.
    pub stored_name: String,
}

impl StepPart for ProjectionPart<'_> {
    fn reads(&self, event: &RecordedEvent) -> Vec<(String, String)> {
        self.projection
            .key(event)
            .map(|key| (self.stored_name.clone(), key))
            .into_iter()
            .collect()
    }

    fn writes(
        &self,
        event: &RecordedEvent,
        reads: &StepReads,
    ) -> Result<(Vec<StepWrite>, Vec<Publication>), Error> {
        let Some(key) = self.projection.key(event) else {
            return Ok((Vec::new(), Vec::new()));
        };
        let change = self
            .projection
            .apply(reads.document(&self.stored_name, &key), event)?;
        let write = StepWrite {
            model: self.stored_name.clone(),
            key,
            change: change.into(),
        };
        Ok((vec![write], Vec::new()))
    }
}

/// One generation under construction: the parts it rebuilds, each writing its new generation,
/// and the read model that keeps its checkpoint per stream.
pub struct GenerationTarget<'a> {
    /// What the rebuild writes, each into its new generation.
    pub parts: Vec<Box<dyn StepPart + 'a>>,
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
            reads: reads_of(&target.parts, event),
        };
        self.apply_step(&step, |reads| {
            let (writes, _publications) = writes_of(&target.parts, event, reads)?;
            let checkpoint = json!({ "version": event.version });
            Ok((StepPlan { writes, checkpoint }, ()))
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
        if contiguous {
            for event in &pending {
                self.apply_to_target(target, event).await?;
            }
            return Ok(pending.len());
        }
        // What `known` lacks is read in pages, so memory stays one page whatever the gap (a
        // stream the rebuild's scan has not reached yet may be long).
        let mut done = 0;
        let mut from = applied + 1;
        while from <= last {
            let to = (from + CATCH_UP_PAGE - 1).min(last);
            let page = store
                .read_versions(stream, Version::new(from), Version::new(to))
                .await?;
            for event in &page {
                self.apply_to_target(target, event).await?;
            }
            done += page.len();
            from = to + 1;
        }
        Ok(done)
    }
}

/// Versions read from the table per page when a catch-up must read what it was not given.
const CATCH_UP_PAGE: u64 = 100;

/// The documents `event` makes `parts` read.
pub fn reads_of(parts: &[Box<dyn StepPart + '_>], event: &RecordedEvent) -> Vec<(String, String)> {
    parts.iter().flat_map(|part| part.reads(event)).collect()
}

/// What `event` makes `parts` write and publish, from what the step read.
pub fn writes_of(
    parts: &[Box<dyn StepPart + '_>],
    event: &RecordedEvent,
    reads: &StepReads,
) -> Result<(Vec<StepWrite>, Vec<Publication>), Error> {
    let mut writes = Vec::new();
    let mut publications = Vec::new();
    for part in parts {
        let (part_writes, part_publications) = part.writes(event, reads)?;
        writes.extend(part_writes);
        publications.extend(part_publications);
    }
    Ok((writes, publications))
}
