//! Rebuilding read models: each named model gets a new generation, filled from a parallel scan of
//! the events table (every segment at once, one page each per round), stream by stream in version
//! order through the same catch-up the projector uses for a rebuild under way; after each round
//! the progress is checkpointed, and once every segment is scanned the models switch to their new
//! generations. Until then queries read the old, complete ones.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use event_store_domain::{
    format_time, generation_name, purge_time, rebuild_checkpoints_model, CorrelateBy, Error,
    PageRequest, RecordedEvent, StreamId, TRANSACTIONS_MODEL,
};
use event_store_dynamodb::{Applied, GenerationTarget, ProjectionPart, StepPart};
use function_support::Metrics;
use projector::CyclesPart;

use crate::handler::{carried_on_elsewhere, Budget, PAGE_SIZE};
use crate::started::Started;
use crate::{RebuildProgress, ReplayStatus, Replayer, SegmentProgress, REBUILD_KIND};

impl Replayer {
    /// What a rebuild may rebuild: the projections, and `$transactions` (the cycles) when the
    /// deployment follows any, all by stream (see [`Self::cycles_spanning_streams`]).
    pub(crate) fn rebuildable(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .projections()
            .iter()
            .map(|p| p.name().to_owned())
            .collect();
        if !self.cycles().is_empty() && self.cycles_spanning_streams().is_empty() {
            names.push(TRANSACTIONS_MODEL.to_owned());
        }
        names
    }

    /// The cycles correlated by correlation id: their steps span streams, and a rebuild applies
    /// events stream by stream, not in the order the live projector met them across streams, so
    /// it could not rebuild `$transactions` equal to what the live projector made.
    fn cycles_spanning_streams(&self) -> Vec<&str> {
        self.cycles()
            .iter()
            .filter(|c| c.correlate_by == CorrelateBy::Correlation)
            .map(|c| c.name.as_str())
            .collect()
    }

    /// The models stored in the same generation as `model`: `$transactions` keeps its cycles'
    /// open instances beside it.
    fn stored_with(&self, model: &str) -> Vec<String> {
        if model == TRANSACTIONS_MODEL {
            self.cycles().iter().map(projector::open_model).collect()
        } else {
            Vec::new()
        }
    }

    /// The models `models` names (all when `None`); an unknown name is refused by name.
    pub(crate) fn selected(&self, models: Option<&[String]>) -> Result<Vec<String>, Error> {
        let known = self.rebuildable();
        let Some(names) = models else {
            return Ok(known);
        };
        let mut selected = Vec::new();
        for name in names.iter().collect::<BTreeSet<_>>() {
            let spanning = self.cycles_spanning_streams();
            if name == TRANSACTIONS_MODEL && !spanning.is_empty() {
                return Err(Error::validation(
                    "models",
                    format!(
                        "{TRANSACTIONS_MODEL} cannot be rebuilt while cycles correlate by correlation id ({}): their steps span streams, and a rebuild applies events stream by stream",
                        spanning.join(", ")
                    ),
                ));
            }
            if !known.contains(name) {
                return Err(Error::validation(
                    "models",
                    format!(
                        "{name} is not a read model here (known: {})",
                        known.join(", ")
                    ),
                ));
            }
            selected.push(name.clone());
        }
        Ok(selected)
    }

    /// Starts a rebuild of `models`: refused before anything is written when one of them is
    /// being rebuilt already; otherwise each is marked as building its next generation.
    pub(crate) async fn start_rebuild(
        &self,
        models: Option<&[String]>,
        segments: u32,
        new_replay_id: Option<String>,
    ) -> Result<Started<RebuildProgress>, Error> {
        let selected = self.selected(models)?;
        if selected.is_empty() {
            return Err(Error::validation(
                "models",
                "this deployment keeps no read model to rebuild",
            ));
        }
        if let Some(id) = &new_replay_id {
            if let Some(before) = self.rebuild_begun(id, &selected).await? {
                return Ok(Started::Before(before));
            }
        }
        let replay_id = new_replay_id.unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        for model in &selected {
            let pointer = self.read_models().generations(model).await?;
            // A start with the same id that stopped before its first checkpoint began some
            // generations already: beginning them again is a no-op.
            if let Some(building) = pointer.building.filter(|b| b.rebuild_id != replay_id) {
                return Err(Error::validation(
                    "models",
                    format!(
                        "{model} is being rebuilt by replay {}; continue that one",
                        building.rebuild_id
                    ),
                ));
            }
        }
        let mut generations = BTreeMap::new();
        for model in &selected {
            let generation = self
                .read_models()
                .begin_generation(model, &replay_id)
                .await?;
            generations.insert(model.clone(), generation);
        }
        let now = format_time(&chrono::Utc::now());
        let progress = RebuildProgress {
            replay_id,
            kind: REBUILD_KIND.to_owned(),
            models: generations,
            segments: vec![SegmentProgress::default(); segments as usize],
            status: ReplayStatus::InProgress,
            done: 0,
            applied: 0,
            total_estimate: self.store().approximate_item_count().await?,
            checkpoints: 0,
            events_per_second: 0.0,
            started_at: now.clone(),
            updated_at: now,
        };
        if self.checkpoint_rebuild(&progress).await? == Applied::AlreadyApplied {
            // A start with the same id checkpointed between the look and the write.
            let models: Vec<String> = progress.models.keys().cloned().collect();
            return match self.rebuild_begun(&progress.replay_id, &models).await? {
                Some(before) => Ok(Started::Before(before)),
                None => Err(carried_on_elsewhere("rebuild", &progress.replay_id)),
            };
        }
        Ok(Started::New(progress))
    }

    /// Scans round after round from the checkpoint, checkpointing each, until every segment is
    /// scanned (then switches the models) or the budget is spent.
    pub(crate) async fn rebuild(
        &self,
        mut progress: RebuildProgress,
        budget: Budget,
        metrics: &mut Metrics,
    ) -> Result<RebuildProgress, Error> {
        let target = self.target(&progress)?;
        let started = Instant::now();
        let mut scanned = 0u64;
        loop {
            match progress.status {
                ReplayStatus::Switching => {
                    self.switch(&mut progress).await?;
                    break;
                }
                ReplayStatus::InProgress if progress.scanned() => {
                    if budget.spent(scanned) {
                        // The next invocation switches.
                        break;
                    }
                    // Claimed before any pointer moves: from here an abandon is refused, and
                    // a resumed rebuild finishes the switch.
                    progress.status = ReplayStatus::Switching;
                    progress.checkpoints += 1;
                    progress.updated_at = format_time(&chrono::Utc::now());
                    if self.checkpoint_rebuild(&progress).await? == Applied::AlreadyApplied {
                        return Err(Error::validation(
                            "replayId",
                            format!(
                                "rebuild {} was checkpointed by another invocation meanwhile: continue it again",
                                progress.replay_id
                            ),
                        ));
                    }
                    continue;
                }
                ReplayStatus::InProgress => {}
                ReplayStatus::Complete | ReplayStatus::Abandoned => break,
            }
            if budget.spent(scanned) {
                break;
            }
            let total = progress.segments.len() as u32;
            let rounds = progress
                .segments
                .iter()
                .enumerate()
                .filter(|(_, s)| !s.done)
                .map(|(index, segment)| {
                    self.rebuild_page(&target, index as u32, total, segment.page_token.clone())
                });
            for (index, outcome) in futures::future::try_join_all(rounds).await? {
                let segment = &mut progress.segments[index as usize];
                segment.done = outcome.next_page_token.is_none();
                segment.page_token = outcome.next_page_token;
                progress.done += outcome.scanned;
                progress.applied += outcome.applied;
                scanned += outcome.scanned;
            }
            progress.checkpoints += 1;
            progress.events_per_second = scanned as f64 / started.elapsed().as_secs_f64().max(1e-3);
            progress.updated_at = format_time(&chrono::Utc::now());
            if self.checkpoint_rebuild(&progress).await? == Applied::AlreadyApplied {
                // Another invocation checkpointed this round first: it carries the rebuild on.
                metrics.count("EventsRebuilt", scanned as usize);
                return Err(carried_on_elsewhere("rebuild", &progress.replay_id));
            }
        }
        metrics.count("EventsRebuilt", scanned as usize);
        Ok(progress)
    }

    /// Switches every model of a rebuild that claimed its switch: each pointer to its new
    /// generation (the old one retired for the grace period; the checkpoints with the last
    /// model, since the others still build from them), then the rebuild is complete. Resumed
    /// after a crash, it switches what is left: a switched pointer is not switched again.
    async fn switch(&self, progress: &mut RebuildProgress) -> Result<(), Error> {
        let purge_after = purge_time(chrono::Utc::now(), self.grace());
        let last = progress.models.len().saturating_sub(1);
        for (index, (model, generation)) in progress.models.iter().enumerate() {
            self.read_models()
                .switch_generation(
                    model,
                    &self.stored_with(model),
                    &progress.replay_id,
                    purge_after,
                    index == last,
                )
                .await?;
            let live = self.read_models().generations(model).await?.live;
            if live != *generation {
                return Err(Error::Corrupt {
                    attribute: format!("$generations/{model}"),
                    reason: format!(
                        "rebuild {} claimed its switch, yet {model} is live at generation {live}, not {generation}",
                        progress.replay_id
                    ),
                });
            }
        }
        progress.status = ReplayStatus::Complete;
        progress.checkpoints += 1;
        progress.updated_at = format_time(&chrono::Utc::now());
        self.checkpoint_rebuild(progress).await?;
        Ok(())
    }

    /// Gives up rebuild `replay_id` while it is in progress: the abandon is claimed in its
    /// progress first (refused once the rebuild claimed its switch), then its generations stop
    /// being built and are retired (the sweep deletes them and its checkpoints once the writes
    /// in flight have ended); the live generations stay. Abandoning it again finishes what an
    /// interrupted abandon left and answers the same; a rebuild that switched is refused.
    pub(crate) async fn abandon(&self, replay_id: &str) -> Result<RebuildProgress, Error> {
        let progress = loop {
            let mut progress = self.load(replay_id).await?.rebuild(replay_id)?;
            match progress.status {
                ReplayStatus::Abandoned => break progress,
                ReplayStatus::Complete | ReplayStatus::Switching => {
                    return Err(Error::validation(
                        "replayId",
                        format!(
                            "rebuild {replay_id} has switched its models (or is switching them): rebuild again to replace them"
                        ),
                    ))
                }
                ReplayStatus::InProgress => {}
            }
            progress.status = ReplayStatus::Abandoned;
            progress.checkpoints += 1;
            progress.updated_at = format_time(&chrono::Utc::now());
            // A rebuild invocation that checkpointed meanwhile took this version: read again.
            if self.checkpoint_rebuild(&progress).await? == Applied::Written {
                break progress;
            }
        };
        let last = progress.models.len().saturating_sub(1);
        for (index, model) in progress.models.keys().enumerate() {
            let checkpoints_too = index == last;
            self.read_models()
                .abandon_generation(model, &self.stored_with(model), replay_id, checkpoints_too)
                .await?;
        }
        Ok(progress)
    }

    /// Where `progress` writes: its models' new generations and its checkpoints.
    fn target(&self, progress: &RebuildProgress) -> Result<GenerationTarget<'_>, Error> {
        let mut parts: Vec<Box<dyn StepPart + '_>> = Vec::new();
        for (model, generation) in &progress.models {
            if model == TRANSACTIONS_MODEL {
                parts.push(Box::new(CyclesPart {
                    cycles: self.cycles(),
                    generation: *generation,
                }));
                continue;
            }
            let projection = self
                .projections()
                .iter()
                .find(|p| p.name() == model)
                .ok_or_else(|| {
                    Error::validation("models", format!("{model} is not a read model here"))
                })?;
            parts.push(Box::new(ProjectionPart {
                projection: projection.as_ref(),
                stored_name: generation_name(model, *generation),
            }));
        }
        Ok(GenerationTarget {
            parts,
            checkpoints: rebuild_checkpoints_model(&progress.replay_id),
        })
    }

    /// Scans one page of one segment and brings every stream in it up to date in `target`.
    async fn rebuild_page(
        &self,
        target: &GenerationTarget<'_>,
        segment: u32,
        segments: u32,
        page_token: Option<String>,
    ) -> Result<(u32, RoundOutcome), Error> {
        let page = self
            .store()
            .scan_events(
                segment,
                segments,
                &PageRequest {
                    limit: Some(PAGE_SIZE),
                    page_token,
                },
            )
            .await?;
        let scanned = page.items.len() as u64;
        let mut by_stream: BTreeMap<StreamId, Vec<RecordedEvent>> = BTreeMap::new();
        for event in page.items {
            by_stream
                .entry(event.stream_id.clone())
                .or_default()
                .push(event);
        }
        let mut applied = 0u64;
        for (stream, mut events) in by_stream {
            events.sort_by_key(|e| e.version);
            applied += self
                .read_models()
                .catch_up(self.store(), target, &stream, &events)
                .await? as u64;
        }
        Ok((
            segment,
            RoundOutcome {
                scanned,
                applied,
                next_page_token: page.next_page_token,
            },
        ))
    }
}

/// What one segment's page did.
struct RoundOutcome {
    scanned: u64,
    applied: u64,
    next_page_token: Option<String>,
}
