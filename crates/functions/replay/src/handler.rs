//! The replay function's handler: parses the request, runs a republish page by page (or a
//! rebuild round by round, see `rebuild`) within the invocation's budget, checkpoints after each
//! page, and answers with the progress (and how to continue). Errors come back as typed payloads.

use std::time::{Duration, Instant};

use event_store_domain::{
    builtin_projections, format_time, CycleDefinition, Error, EventIndex, Projection,
    ProjectorSettings, Version,
};
use event_store_dynamodb::{
    Applied, DynamoEventStore, DynamoReadModels, EventBridgePublisher, FunctionInvoker, NotQueued,
    Publication,
};
use function_support::{error_payload, validation_payload, Metrics};
use lambda_runtime::LambdaEvent;
use serde_json::{json, Value};

use crate::replay_source::ReplaySource;
use crate::started::Started;
use crate::{
    RebuildProgress, ReplayFilter, ReplayProgress, ReplayRequest, ReplayStatus, StoredReplay,
    REPLAYS_MODEL, REPLAY_SOURCE,
};

/// Events per page: one read, then PutEvents in chunks of ten (or one scan page of a segment).
pub(crate) const PAGE_SIZE: usize = 100;

/// Stop this long before the invocation's deadline, to checkpoint and answer in time.
const DEADLINE_MARGIN: Duration = Duration::from_secs(10);

/// The replay function's dependencies, built once per cold start.
pub struct Replayer {
    store: DynamoEventStore,
    read_models: DynamoReadModels,
    publisher: EventBridgePublisher,
    bus: String,
    projections: Vec<Box<dyn Projection>>,
    cycles: Vec<CycleDefinition>,
    grace: chrono::Duration,
    next_invocation: Option<FunctionInvoker>,
}

/// How long a generation a rebuild replaced is kept (a rollback is one pointer write until then)
/// when `REBUILD_GRACE_HOURS` is unset.
pub const DEFAULT_GRACE_HOURS: i64 = 24;

/// What one invocation may still do.
pub(crate) struct Budget {
    deadline: Option<Instant>,
    max_events: Option<u64>,
}

impl Budget {
    /// Whether an invocation that has handled `events` must stop (and checkpoint) now.
    pub(crate) fn spent(&self, events: u64) -> bool {
        self.deadline
            .is_some_and(|deadline| Instant::now() >= deadline)
            || self.max_events.is_some_and(|max| events >= max)
    }
}

impl Replayer {
    /// A replayer reading `store`, checkpointing in `read_models`, publishing to `bus`.
    pub fn new(
        store: DynamoEventStore,
        read_models: DynamoReadModels,
        publisher: EventBridgePublisher,
        bus: impl Into<String>,
    ) -> Self {
        Self {
            store,
            read_models,
            publisher,
            bus: bus.into(),
            projections: builtin_projections(),
            cycles: Vec::new(),
            grace: chrono::Duration::hours(DEFAULT_GRACE_HOURS),
            next_invocation: None,
        }
    }

    /// The same replayer, carrying a replay asked to run until done on by invoking `itself`
    /// (asynchronously) after each invocation that left it in progress.
    pub fn continuing_through(mut self, itself: FunctionInvoker) -> Self {
        self.next_invocation = Some(itself);
        self
    }

    /// The same replayer, keeping a replaced generation for `grace` before the sweep deletes it.
    pub fn with_grace(mut self, grace: chrono::Duration) -> Self {
        self.grace = grace;
        self
    }

    pub(crate) fn grace(&self) -> chrono::Duration {
        self.grace
    }

    pub(crate) fn cycles(&self) -> &[CycleDefinition] {
        &self.cycles
    }

    /// The same replayer, rebuilding the settings' declarative read models besides the built-in
    /// ones (the projector's settings: what the projector keeps, a rebuild can rebuild).
    pub fn with_settings(mut self, settings: &ProjectorSettings) -> Self {
        let declared = settings
            .read_models
            .iter()
            .map(|definition| Box::new(definition.clone()) as Box<dyn Projection>);
        self.projections = declared.chain(builtin_projections()).collect();
        self.cycles = settings.cycles.clone();
        self
    }

    pub(crate) fn projections(&self) -> &[Box<dyn Projection>] {
        &self.projections
    }

    pub(crate) fn read_models(&self) -> &DynamoReadModels {
        &self.read_models
    }

    /// The events store it replays from.
    pub fn store(&self) -> &DynamoEventStore {
        &self.store
    }

    /// Answers one invocation.
    pub async fn handle(&self, event: LambdaEvent<Value>) -> Value {
        let mut metrics = Metrics::new("replay");
        let deadline = function_support::stop_before_deadline(&event.context, DEADLINE_MARGIN);
        let answer = match ReplayRequest::parse(event.payload) {
            Err(invalid) => validation_payload(invalid),
            Ok(request) => {
                let answer = match self.answer(request.clone(), deadline, &mut metrics).await {
                    Ok(answer) => answer,
                    Err(error) => {
                        tracing::warn!(error_type = error.kind(), reason = %error, "replay failed");
                        metrics.count("Failures", 1);
                        error_payload(&error)
                    }
                };
                self.go_on(&request, answer, deadline, &mut metrics).await
            }
        };
        metrics.flush();
        answer
    }

    /// Invokes this function again for a replay asked to run until done that `answer` left in
    /// progress. Only after the checkpoint, as the invocation's last step, so two invocations
    /// never work on one replay at once; when the next cannot be queued the replay stays where
    /// it is (resumable by its id) and the answer says so. A link that failed transiently is
    /// queued again after a backoff (1, 2, 4 ... seconds, never past the deadline); queuing
    /// refused by Lambda is tried [`QUEUE_ATTEMPTS`] times (a duplicate link would stop at its
    /// first checkpoint, but one that may be queued is not sent again).
    async fn go_on(
        &self,
        request: &ReplayRequest,
        mut answer: Value,
        deadline: Option<Instant>,
        metrics: &mut Metrics,
    ) -> Value {
        let Some(next) = request.continuation(&answer) else {
            return answer;
        };
        let Some(itself) = &self.next_invocation else {
            answer["continued"] = json!(false);
            answer["continueHint"] =
                json!("this replay function cannot invoke itself: resume with the replayId");
            return answer;
        };
        if answer.get("error").is_some() {
            metrics.count("ChainRetries", 1);
            let backoff = Duration::from_secs(1 << request.retried().min(5));
            tokio::time::sleep(until_deadline(backoff, deadline)).await;
        }
        let mut last_failure = NotQueued {
            reason: String::new(),
            maybe_queued: false,
        };
        for attempt in 0..QUEUE_ATTEMPTS {
            if attempt > 0 {
                let backoff = Duration::from_millis(200 << attempt);
                tokio::time::sleep(until_deadline(backoff, deadline)).await;
            }
            match itself.invoke_async(&next).await {
                Ok(()) => {
                    answer["continued"] = json!(true);
                    return answer;
                }
                // Queued perhaps (cargo lambda watch, one instance per function, times out
                // queuing an invocation of the function it is running, and runs it after):
                // sending it again would only add a duplicate link.
                Err(failure) if failure.maybe_queued => {
                    last_failure = failure;
                    break;
                }
                Err(failure) => last_failure = failure,
            }
        }
        tracing::warn!(reason = %last_failure.reason, replay_id = ?answer["replayId"], "the next invocation was not queued");
        metrics.count("ContinuationFailures", 1);
        if last_failure.maybe_queued {
            answer["continued"] = Value::Null;
            answer["continueHint"] = json!("the next invocation may not be queued: follow the progress, and resume the replay if it goes no further");
        } else {
            answer["continued"] = json!(false);
            answer["continueHint"] =
                json!("the next invocation was not queued: resume the replay by its id");
        }
        answer
    }

    async fn answer(
        &self,
        request: ReplayRequest,
        deadline: Option<Instant>,
        metrics: &mut Metrics,
    ) -> Result<Value, Error> {
        match request {
            ReplayRequest::Progress { replay_id } => match self.load(&replay_id).await? {
                StoredReplay::Republish(progress) => Ok(progress_json(&progress)),
                StoredReplay::Rebuild(progress) => Ok(rebuild_json(&progress)),
            },
            ReplayRequest::Abandon { replay_id } => {
                Ok(rebuild_json(&self.abandon(&replay_id).await?))
            }
            ReplayRequest::Republish {
                dry_run: true,
                filter,
                ..
            } => self.count(&filter).await,
            ReplayRequest::Republish {
                replay_id,
                new_replay_id,
                filter,
                events_per_second,
                max_events,
                ..
            } => {
                let progress = match replay_id {
                    Some(id) => self.load(&id).await?.republish(&id)?,
                    None => match self.start(filter, new_replay_id).await? {
                        Started::New(progress) => progress,
                        Started::Before(progress) => {
                            return Ok(begun_before(progress_json(&progress)))
                        }
                    },
                };
                let budget = Budget {
                    deadline,
                    max_events,
                };
                let progress = self
                    .republish(progress, events_per_second, budget, metrics)
                    .await?;
                Ok(progress_json(&progress))
            }
            ReplayRequest::Rebuild {
                dry_run: true,
                models,
                ..
            } => {
                let models = self.selected(models.as_deref())?;
                // A rebuild scans the table: its count comes from the time-ordered read when
                // the store has it, else from DynamoDB's estimate (a rebuild needs no index).
                let mut answer = if self.store.indexes().contains(EventIndex::Time) {
                    self.count(&ReplayFilter::default()).await?
                } else {
                    let estimate = self.store.approximate_item_count().await?;
                    json!({"dryRun": true, "filter": ReplayFilter::default(), "count": estimate, "estimated": true})
                };
                answer["models"] = json!(models);
                Ok(answer)
            }
            ReplayRequest::Rebuild {
                replay_id,
                new_replay_id,
                models,
                segments,
                max_events,
                ..
            } => {
                let progress = match replay_id {
                    Some(id) => self.load(&id).await?.rebuild(&id)?,
                    None => match self
                        .start_rebuild(models.as_deref(), segments, new_replay_id)
                        .await?
                    {
                        Started::New(progress) => progress,
                        Started::Before(progress) => {
                            return Ok(begun_before(rebuild_json(&progress)))
                        }
                    },
                };
                let budget = Budget {
                    deadline,
                    max_events,
                };
                let progress = self.rebuild(progress, budget, metrics).await?;
                Ok(rebuild_json(&progress))
            }
        }
    }

    /// Counts what a republish of `filter` would publish, writing nothing.
    async fn count(&self, filter: &ReplayFilter) -> Result<Value, Error> {
        let source = ReplaySource::of(filter)?;
        let (mut count, mut token) = (0u64, None);
        loop {
            let page = source.page(&self.store, token, PAGE_SIZE).await?;
            count += page.items.len() as u64;
            match page.next_page_token {
                Some(next) => token = Some(next),
                None => return Ok(json!({"dryRun": true, "filter": filter, "count": count})),
            }
        }
    }

    pub(crate) async fn load(&self, replay_id: &str) -> Result<StoredReplay, Error> {
        self.find(replay_id)
            .await?
            .ok_or_else(|| Error::validation("replayId", format!("no replay {replay_id}")))
    }

    /// Replay `replay_id`, if there is one.
    pub(crate) async fn find(&self, replay_id: &str) -> Result<Option<StoredReplay>, Error> {
        let stored = self.read_models.get(REPLAYS_MODEL, replay_id).await?;
        let Some(document) = stored.and_then(|d| d.document) else {
            return Ok(None);
        };
        StoredReplay::from_document(document)
            .map(Some)
            .map_err(|e| Error::Corrupt {
                attribute: format!("{REPLAYS_MODEL}/{replay_id}"),
                reason: e.to_string(),
            })
    }

    /// Begins a republish of `filter` as `new_replay_id` (a fresh id when `None`), or finds the
    /// one an earlier start with that id began: its first checkpoint is written only when no
    /// replay has the id, so two starts with one id begin one replay.
    async fn start(
        &self,
        filter: ReplayFilter,
        new_replay_id: Option<String>,
    ) -> Result<Started<ReplayProgress>, Error> {
        ReplaySource::of(&filter)?.readable_in(&self.store)?;
        if let Some(id) = &new_replay_id {
            if let Some(before) = self.republish_begun(id, &filter).await? {
                return Ok(Started::Before(before));
            }
        }
        let now = format_time(&chrono::Utc::now());
        let progress = ReplayProgress {
            replay_id: new_replay_id.unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
            filter,
            bus: self.bus.clone(),
            status: ReplayStatus::InProgress,
            done: 0,
            pages: 0,
            page_token: None,
            events_per_second: 0.0,
            started_at: now.clone(),
            updated_at: now,
        };
        if self.checkpoint(&progress).await? == Applied::AlreadyApplied {
            // A start with the same id checkpointed between the look and the write.
            return match self
                .republish_begun(&progress.replay_id, &progress.filter)
                .await?
            {
                Some(before) => Ok(Started::Before(before)),
                None => Err(carried_on_elsewhere("replay", &progress.replay_id)),
            };
        }
        Ok(Started::New(progress))
    }

    /// Re-publishes page after page from the checkpoint, checkpointing each, until done or the
    /// budget is spent.
    async fn republish(
        &self,
        mut progress: ReplayProgress,
        rate: Option<f64>,
        budget: Budget,
        metrics: &mut Metrics,
    ) -> Result<ReplayProgress, Error> {
        let source = ReplaySource::of(&progress.filter)?;
        let started = Instant::now();
        let mut published = 0u64;
        while progress.status == ReplayStatus::InProgress {
            if budget.spent(published) {
                break;
            }
            let room = budget.max_events.map_or(PAGE_SIZE, |max| {
                (max - published).min(PAGE_SIZE as u64) as usize
            });
            let page = source
                .page(&self.store, progress.page_token.clone(), room)
                .await?;
            let mut publications: Vec<Publication> = page
                .items
                .iter()
                .map(|e| replayed(e, &progress.replay_id))
                .collect();
            self.store.reveal_publications(&mut publications).await?;
            self.publisher.publish(&publications).await?;
            published += publications.len() as u64;
            progress.done += publications.len() as u64;
            progress.pages += 1;
            progress.page_token = page.next_page_token;
            if progress.page_token.is_none() {
                progress.status = ReplayStatus::Complete;
            }
            let elapsed = started.elapsed().as_secs_f64().max(1e-3);
            progress.events_per_second = published as f64 / elapsed;
            progress.updated_at = format_time(&chrono::Utc::now());
            if self.checkpoint(&progress).await? == Applied::AlreadyApplied {
                // Another invocation checkpointed this page first (a duplicate asynchronous
                // delivery, or a resume beside a running chain): it carries the replay on, and
                // this one stops here rather than publish every page a second time.
                metrics.count("EventsReplayed", published as usize);
                return Err(carried_on_elsewhere("replay", &progress.replay_id));
            }
            if let Some(rate) = rate {
                let due = Duration::from_secs_f64(published as f64 / rate)
                    .saturating_sub(started.elapsed());
                // Never sleep past the point where the invocation must checkpoint and answer.
                tokio::time::sleep(until_deadline(due, budget.deadline)).await;
            }
        }
        metrics.count("EventsReplayed", published as usize);
        Ok(progress)
    }

    /// Stores the progress as version `pages + 1` of the replay: a checkpoint older than the
    /// stored one changes nothing.
    async fn checkpoint(&self, progress: &ReplayProgress) -> Result<Applied, Error> {
        let document = serde_json::to_value(progress).expect("progress serializes");
        self.store_progress(&progress.replay_id, progress.pages + 1, document)
            .await
    }

    /// Stores a rebuild's progress as version `checkpoints + 1` of it, when the stored one may
    /// move to it: from in progress to anything, from switching to complete. So a rebuild
    /// abandoned meanwhile stops at its next checkpoint (a Validation error naming it), an
    /// abandon never overwrites a rebuild that claimed its switch, and a switch never follows an
    /// abandon.
    pub(crate) async fn checkpoint_rebuild(
        &self,
        progress: &RebuildProgress,
    ) -> Result<Applied, Error> {
        let document = serde_json::to_value(progress).expect("progress serializes");
        let replay_id = &progress.replay_id;
        let next = progress.status;
        self.read_models
            .put_versioned_if(
                REPLAYS_MODEL,
                replay_id,
                Version::new(progress.checkpoints + 1),
                document,
                |stored| {
                    let Some(stored) = stored else {
                        return Ok(());
                    };
                    let status: Option<ReplayStatus> =
                        serde_json::from_value(stored["status"].clone()).ok();
                    match (status, next) {
                        (Some(ReplayStatus::InProgress), _)
                        | (Some(ReplayStatus::Switching), ReplayStatus::Switching)
                        | (Some(ReplayStatus::Switching), ReplayStatus::Complete) => Ok(()),
                        _ => Err(Error::validation(
                            "replayId",
                            format!(
                                "rebuild {replay_id} is {}: it goes no further",
                                stored["status"].as_str().unwrap_or("over")
                            ),
                        )),
                    }
                },
            )
            .await
    }

    async fn store_progress(
        &self,
        replay_id: &str,
        version: u64,
        document: Value,
    ) -> Result<Applied, Error> {
        self.read_models
            .put_versioned(REPLAYS_MODEL, replay_id, Version::new(version), document)
            .await
    }
}

/// Times queuing the next link of a chain is tried.
const QUEUE_ATTEMPTS: u32 = 3;

/// `wait`, or what is left before `deadline` when that is less.
fn until_deadline(wait: Duration, deadline: Option<Instant>) -> Duration {
    deadline.map_or(wait, |deadline| {
        wait.min(deadline.saturating_duration_since(Instant::now()))
    })
}

/// What an invocation answers when another one checkpointed its replay (`kind`: replay or
/// rebuild) first and carries it on.
pub(crate) fn carried_on_elsewhere(kind: &str, replay_id: &str) -> Error {
    Error::validation(
        "replayId",
        format!("{kind} {replay_id} is carried on by another invocation: this one stops"),
    )
}

/// The re-publication of `event`: its stored form, marked with the replay and its original id.
fn replayed(event: &event_store_domain::RecordedEvent, replay_id: &str) -> Publication {
    let mut detail = serde_json::to_value(event).expect("events serialize");
    detail["replay"] = json!({"replayId": replay_id, "originalEventId": event.event_id});
    Publication {
        source: REPLAY_SOURCE.to_owned(),
        detail_type: event.event_type.to_string(),
        detail,
        resources: Vec::new(),
        subject: Some(event_store_domain::PublishedEvent::of(event)),
    }
}

/// The answer of a start that found its replay begun by an earlier one: it says so, and has no
/// continuation of its own.
fn begun_before(mut answer: Value) -> Value {
    answer["alreadyStarted"] = json!(true);
    answer
}

fn progress_json(progress: &ReplayProgress) -> Value {
    let mut answer = serde_json::to_value(progress).expect("progress serializes");
    if progress.status == ReplayStatus::InProgress {
        answer["continuation"] = json!({"op": "republish", "replayId": progress.replay_id});
    }
    answer
}

fn rebuild_json(progress: &RebuildProgress) -> Value {
    let mut answer = serde_json::to_value(progress).expect("progress serializes");
    if progress.status == ReplayStatus::InProgress {
        answer["continuation"] = json!({"op": "rebuild", "replayId": progress.replay_id});
    }
    answer
}
