//! Bringing a generation under construction up to date with one stream: the events it has not
//! applied yet, in version order, into each of its read models, then its per-stream checkpoint.
//! A rebuild does this for every stream it scans and the projector for every event that arrives
//! while the rebuild runs; both may do it for one stream at once, which is safe because every
//! document and the checkpoint refuse a version they already applied.

use event_store_domain::{Error, Projection, RecordedEvent, StreamId, Version};
use serde_json::json;

use crate::{DocumentChange, DynamoEventStore, DynamoReadModels};

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

    /// The last version of `stream` recorded by its document in `model` (keyed by the stream id,
    /// as the stream summaries and rebuild checkpoints are); 0 when none.
    pub async fn stream_position(&self, model: &str, stream: &StreamId) -> Result<u64, Error> {
        let stored = self.get(model, stream.as_str()).await?;
        Ok(stored
            .and_then(|d| d.positions.get(stream.as_str()).copied())
            .unwrap_or(0))
    }

    /// Applies `event` to each of `projections` that it concerns, each into its stored name.
    pub async fn project_into(
        &self,
        projections: &[(&dyn Projection, String)],
        event: &RecordedEvent,
    ) -> Result<(), Error> {
        for (projection, stored_name) in projections {
            let Some(key) = projection.key(event) else {
                continue;
            };
            self.apply(
                stored_name,
                &key,
                &event.stream_id,
                event.version,
                |current| projection.apply(current, event).into(),
            )
            .await?;
        }
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
            self.project_into(&target.projections, event).await?;
        }
        self.apply(
            &target.checkpoints,
            stream.as_str(),
            stream,
            Version::new(last),
            |_| DocumentChange::Put(json!({ "version": last })),
        )
        .await?;
        Ok(events.len())
    }
}
