//! A record's event and the gap before it: DynamoDB Streams order records per item, and each
//! event is its own item, so a record may arrive above its stream's checkpoint + 1. The missing
//! versions are read from the table (strongly consistent) in pages of 100 and applied in order
//! before it: nothing skipped, nothing applied twice, memory bounded by a page, and at most the
//! invocation's event budget applied (and nothing once its deadline nears), after which the
//! record is left for the next invocation, which goes on from the checkpoint.

use std::time::Instant;

use event_store_domain::{Error, RecordedEvent, Version};

use crate::event_step::StepOutcome;
use crate::snapshots::SnapshotOutcome;
use crate::{BatchGenerations, Projector};

/// Events read from the table per page of a gap fill.
const GAP_PAGE: u64 = 100;

/// What projecting one record did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Applied {
    /// Events applied (the record's and its gap's).
    pub applied: usize,
    /// Snapshots that could not be taken (skipped: loads fold from the previous one).
    pub snapshot_failures: usize,
}

/// How far a record got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// The record's event is applied (or was already).
    Done(Applied),
    /// The budget or the time ran out before the record's event: what was applied is
    /// checkpointed.
    Paused(Applied),
}

impl Projector {
    /// Projects `event` into `generations`, first filling any gap between the stream's last
    /// applied version and it; returns how many events were applied. No budget: what tests and
    /// rebuilds use.
    pub async fn project(
        &self,
        event: &RecordedEvent,
        generations: &BatchGenerations<'_>,
    ) -> Result<usize, Error> {
        match self
            .project_within(event, generations, usize::MAX, None)
            .await?
        {
            Progress::Done(applied) | Progress::Paused(applied) => Ok(applied.applied),
        }
    }

    /// Projects `event`, applying at most `budget` events (its gap's and its own), and none
    /// once `stop` has come (the invocation's deadline, less a margin).
    pub async fn project_within(
        &self,
        event: &RecordedEvent,
        generations: &BatchGenerations<'_>,
        budget: usize,
        stop: Option<Instant>,
    ) -> Result<Progress, Error> {
        let spent = |done: &Applied| {
            done.applied >= budget || stop.is_some_and(|stop| Instant::now() >= stop)
        };
        let mut done = Applied::default();
        if spent(&done) {
            return Ok(Progress::Paused(done));
        }
        let position = match self.apply(event, generations, false).await? {
            StepOutcome::AlreadyApplied => return Ok(Progress::Done(done)),
            StepOutcome::Applied(snapshot) => {
                done.count(snapshot);
                return Ok(Progress::Done(done));
            }
            StepOutcome::Gap { position } => position,
        };
        // The versions between the checkpoint and the record's event, in pages, in order; a
        // version the table no longer holds has expired.
        let mut from = position + 1;
        let until = event.version.get();
        while from < until {
            let to = (from + GAP_PAGE - 1).min(until - 1);
            let page = self
                .events
                .read_versions(&event.stream_id, Version::new(from), Version::new(to))
                .await?;
            for earlier in &page {
                if spent(&done) {
                    return Ok(Progress::Paused(done));
                }
                self.apply_filled(earlier, generations, &mut done).await?;
            }
            from = to + 1;
        }
        if spent(&done) {
            return Ok(Progress::Paused(done));
        }
        self.apply_filled(event, generations, &mut done).await?;
        Ok(Progress::Done(done))
    }

    /// Applies an event after the gap before it was filled, counting it.
    async fn apply_filled(
        &self,
        event: &RecordedEvent,
        generations: &BatchGenerations<'_>,
        done: &mut Applied,
    ) -> Result<(), Error> {
        match self.apply(event, generations, true).await? {
            StepOutcome::Applied(snapshot) => done.count(snapshot),
            StepOutcome::AlreadyApplied | StepOutcome::Gap { .. } => {}
        }
        Ok(())
    }
}

impl Applied {
    fn count(&mut self, snapshot: SnapshotOutcome) {
        self.applied += 1;
        if snapshot == SnapshotOutcome::Failed {
            self.snapshot_failures += 1;
        }
    }
}
