//! Snapshots, every `SNAPSHOT_EVERY` events: the stream's state at the event, folded from the
//! previous snapshot and the events since by the reducer the one rule picks for the stream
//! (`ReducerRegistry::aggregate_type_of`, as every state load does). A snapshot only makes loads
//! cheaper: one that cannot be taken is logged, counted and skipped, never a reason to stop the
//! stream's projections.

use event_store_domain::{AggregateType, Error, RecordedEvent, ReducerRegistry, Snapshot, State};

use crate::Projector;

/// What became of an event's snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnapshotOutcome {
    /// None was due (or one at that version was there already).
    NotDue,
    /// Taken.
    Taken,
    /// Due, but it could not be taken (logged).
    Failed,
}

impl Projector {
    /// Takes the snapshot `event` makes due, if any. Rewriting one on a redelivery stores the
    /// same state again.
    pub(crate) async fn snapshot_if_due(&self, event: &RecordedEvent) -> SnapshotOutcome {
        if !Snapshot::is_due(event.version, self.events.settings().snapshot_every) {
            return SnapshotOutcome::NotDue;
        }
        match self.take_snapshot(event).await {
            Ok(true) => SnapshotOutcome::Taken,
            Ok(false) => SnapshotOutcome::NotDue,
            Err(error) => {
                tracing::warn!(stream = %event.stream_id, version = %event.version, error_type = error.kind(), reason = %error, "snapshot not taken");
                SnapshotOutcome::Failed
            }
        }
    }

    async fn take_snapshot(&self, event: &RecordedEvent) -> Result<bool, Error> {
        // Two snapshot intervals and the snapshot: a stream projected in order always has its
        // previous snapshot within them.
        let every = usize::try_from(self.events.settings().snapshot_every).unwrap_or(usize::MAX);
        let reach = every.saturating_mul(2).saturating_add(2);
        let Some(tail) = self
            .events
            .tail_at(&event.stream_id, event.version, reach)
            .await?
        else {
            tracing::info!(stream = %event.stream_id, version = %event.version, "no snapshot within {reach} items: skipped, not folding the whole stream");
            return Ok(false);
        };
        if tail
            .snapshot
            .as_ref()
            .is_some_and(|s| s.version >= event.version)
        {
            return Ok(false);
        }
        let mut events = tail.events_newest_first;
        let aggregate_type = ReducerRegistry::aggregate_type_of(
            None,
            tail.snapshot.as_ref(),
            &events,
            &event.stream_id,
            self.events.categories(),
        )
        .map(str::to_owned);
        events.reverse();
        let reducer = self.reducers.reducer_for(aggregate_type.as_deref());
        let state = State::fold(
            reducer,
            event.stream_id.clone(),
            tail.snapshot.as_ref(),
            &events,
        )?;
        if state.version != event.version {
            return Err(Error::Corrupt {
                attribute: "version".into(),
                reason: format!(
                    "stream {} folds to {} instead of {}",
                    event.stream_id, state.version, event.version
                ),
            });
        }
        self.events
            .write_snapshot(&Snapshot {
                stream_id: event.stream_id.clone(),
                version: event.version,
                aggregate_type: aggregate_type.map(AggregateType::new).transpose()?,
                state: state.state,
                taken_at: chrono::Utc::now(),
            })
            .await?;
        Ok(true)
    }
}
