//! What can be asked of the replay function, as JSON: `{"op": "republish", ...}`,
//! `{"op": "rebuild", ...}` or `{"op": "progress", "replayId"}`.

use event_store_domain::{parse_time, Timestamp, ValidationError};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The `source` of every re-published event: consumers tell replays by it, and the ingest rule
/// never matches it (`neverIngested` in infra/pipeline.json), so a replay is never stored again.
pub use event_store_domain::REPLAY_SOURCE;

/// Which stored events a replay covers: one stream, one aggregate type or one event type (or
/// every event), within an optional event-time range.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReplayFilter {
    /// Only this stream.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream_id: Option<String>,
    /// Only this aggregate type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aggregate_type: Option<String>,
    /// Only this event type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_type: Option<String>,
    /// From this event time (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Up to this event time (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
}

impl ReplayFilter {
    /// The time range, parsed; the error names the field.
    pub fn range(&self) -> Result<(Option<Timestamp>, Option<Timestamp>), ValidationError> {
        let from = self
            .from
            .as_deref()
            .map(|t| parse_time("from", t))
            .transpose()?;
        let to = self
            .to
            .as_deref()
            .map(|t| parse_time("to", t))
            .transpose()?;
        if let (Some(from), Some(to)) = (from, to) {
            if to < from {
                return Err(ValidationError::new("to", "is before from"));
            }
        }
        Ok((from, to))
    }

    fn check(&self) -> Result<(), ValidationError> {
        let keys = [&self.stream_id, &self.aggregate_type, &self.event_type];
        if keys.iter().filter(|k| k.is_some()).count() > 1 {
            return Err(ValidationError::new(
                "filter",
                "give at most one of streamId, aggregateType, eventType",
            ));
        }
        self.range().map(|_| ())
    }
}

/// The most scan segments a rebuild reads at once.
pub const MAX_SEGMENTS: u32 = 64;

fn default_segments() -> u32 {
    4
}

/// A request to the replay function.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "op", rename_all = "camelCase", deny_unknown_fields)]
pub enum ReplayRequest {
    /// Re-publish the events `filter` selects (a new replay), or continue replay `replayId`.
    #[serde(rename_all = "camelCase")]
    Republish {
        /// The replay to continue; a new one when absent.
        #[serde(default)]
        replay_id: Option<String>,
        /// The id a new replay takes: a start sent again with it finds the replay it began and
        /// starts no second one (what the HTTP API sends, from its `Idempotency-Key` or its own).
        #[serde(default)]
        new_replay_id: Option<String>,
        /// What to re-publish (a new replay only).
        #[serde(default)]
        filter: ReplayFilter,
        /// Count only: publish nothing, write nothing.
        #[serde(default)]
        dry_run: bool,
        /// At most this many events per second.
        #[serde(default)]
        events_per_second: Option<f64>,
        /// Stop after this many events in this invocation (and checkpoint), to continue later.
        #[serde(default)]
        max_events: Option<u64>,
        /// Go on in a new invocation of this function after each one, until done (what the
        /// HTTP API asks: nobody waits to ask for the next chunk).
        #[serde(default)]
        until_done: bool,
        /// Invocations of this chain in a row that failed transiently before this one.
        #[serde(default)]
        retried: u32,
    },
    /// Rebuild read models (all the deployment keeps when `models` is absent) into new
    /// generations from a parallel scan of the store, switching them live once complete; or
    /// continue rebuild `replayId`.
    #[serde(rename_all = "camelCase")]
    Rebuild {
        /// The rebuild to continue; a new one when absent.
        #[serde(default)]
        replay_id: Option<String>,
        /// The id a new rebuild takes, as `newReplayId` of a republish.
        #[serde(default)]
        new_replay_id: Option<String>,
        /// The read models to rebuild (a new rebuild only); all when absent.
        #[serde(default)]
        models: Option<Vec<String>>,
        /// Scan segments read at once (a new rebuild only).
        #[serde(default = "default_segments")]
        segments: u32,
        /// Count only: rebuild nothing, write nothing.
        #[serde(default)]
        dry_run: bool,
        /// Stop after scanning about this many events in this invocation (and checkpoint).
        #[serde(default)]
        max_events: Option<u64>,
        /// Go on in a new invocation of this function after each one, until done.
        #[serde(default)]
        until_done: bool,
        /// Invocations of this chain in a row that failed transiently before this one.
        #[serde(default)]
        retried: u32,
    },
    /// How far replay `replayId` has got.
    #[serde(rename_all = "camelCase")]
    Progress {
        /// The replay.
        replay_id: String,
    },
    /// Give up rebuild `replayId`: the generations it builds stop being written and are
    /// deleted (with its checkpoints) by the next sweep; the live ones stay as they are.
    #[serde(rename_all = "camelCase")]
    Abandon {
        /// The rebuild.
        replay_id: String,
    },
}

impl ReplayRequest {
    /// The request that carries this one on in the next invocation, once it answered
    /// `answer`: only for a replay asked to run until done and still in progress. It names the
    /// replay, so the next invocation resumes it and never starts another.
    /// A start that found its replay begun already (`alreadyStarted`) has no continuation: the
    /// invocation that began it carries it on. An invocation of a chain that failed transiently
    /// (a retryable error) is tried again from its checkpoint, up to [`MAX_CHAIN_RETRIES`] times
    /// in a row; after that the replay waits, in progress, to be resumed by its id.
    pub fn continuation(&self, answer: &Value) -> Option<Value> {
        let (op, continued, rate, retried) = match self {
            ReplayRequest::Republish {
                until_done: true,
                dry_run: false,
                replay_id,
                events_per_second,
                retried,
                ..
            } => ("republish", replay_id, *events_per_second, *retried),
            ReplayRequest::Rebuild {
                until_done: true,
                dry_run: false,
                replay_id,
                retried,
                ..
            } => ("rebuild", replay_id, None, *retried),
            _ => return None,
        };
        let mut next = if answer["error"]["retryable"] == true {
            if retried >= MAX_CHAIN_RETRIES {
                return None;
            }
            // Only a chain's own link is retried: a failed start answered its caller.
            let replay_id = continued.as_deref()?;
            serde_json::json!({"op": op, "replayId": replay_id, "untilDone": true, "retried": retried + 1})
        } else {
            if answer["status"] != "inProgress" || answer["alreadyStarted"] == true {
                return None;
            }
            let replay_id = answer["replayId"].as_str()?;
            serde_json::json!({"op": op, "replayId": replay_id, "untilDone": true})
        };
        if let Some(rate) = rate {
            next["eventsPerSecond"] = serde_json::json!(rate);
        }
        Some(next)
    }

    /// How many invocations of this request's chain failed transiently in a row before it.
    pub fn retried(&self) -> u32 {
        match self {
            ReplayRequest::Republish { retried, .. } | ReplayRequest::Rebuild { retried, .. } => {
                *retried
            }
            _ => 0,
        }
    }

    /// Parses and checks a request; the error names the field that is wrong.
    pub fn parse(payload: Value) -> Result<Self, ValidationError> {
        if payload.get("op").is_none() {
            return Err(ValidationError::new(
                "op",
                "is required: republish, rebuild, progress or abandon",
            ));
        }
        let request: ReplayRequest = serde_json::from_value(payload)
            .map_err(|e| ValidationError::new("request", e.to_string()))?;
        request.check_new_replay_id()?;
        if let ReplayRequest::Republish {
            filter,
            events_per_second,
            ..
        } = &request
        {
            filter.check()?;
            if events_per_second.is_some_and(|rate| rate.is_nan() || rate <= 0.0) {
                return Err(ValidationError::new("eventsPerSecond", "must be above 0"));
            }
        }
        if let ReplayRequest::Rebuild {
            segments, models, ..
        } = &request
        {
            if !(1..=MAX_SEGMENTS).contains(segments) {
                return Err(ValidationError::new(
                    "segments",
                    format!("must be from 1 to {MAX_SEGMENTS}"),
                ));
            }
            if models.as_ref().is_some_and(|m| m.is_empty()) {
                return Err(ValidationError::new(
                    "models",
                    "names no read model: leave it out to rebuild all",
                ));
            }
        }
        Ok(request)
    }

    /// A new replay's id is a short key (it names a read-model document), never given beside
    /// the `replayId` of one to continue.
    fn check_new_replay_id(&self) -> Result<(), ValidationError> {
        let (ReplayRequest::Republish {
            replay_id,
            new_replay_id: Some(new),
            ..
        }
        | ReplayRequest::Rebuild {
            replay_id,
            new_replay_id: Some(new),
            ..
        }) = self
        else {
            return Ok(());
        };
        if replay_id.is_some() {
            return Err(ValidationError::new(
                "newReplayId",
                "starts a replay: give it or replayId (to continue one), not both",
            ));
        }
        let fits = |c: char| c.is_ascii_alphanumeric() || "-_.:".contains(c);
        if new.is_empty() || new.len() > MAX_REPLAY_ID_LEN || !new.chars().all(fits) {
            return Err(ValidationError::new(
                "newReplayId",
                format!("must be 1 to {MAX_REPLAY_ID_LEN} letters, digits or - _ . :"),
            ));
        }
        Ok(())
    }
}

/// Invocations of a chain in a row that may fail transiently before it stops to be resumed.
pub const MAX_CHAIN_RETRIES: u32 = 5;

/// The longest id a new replay may be given.
pub const MAX_REPLAY_ID_LEN: usize = 64;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_republish_of_a_time_range_parses() {
        let request = ReplayRequest::parse(json!({
            "op": "republish",
            "filter": {"eventType": "AccountCreated", "from": "2024-01-01T00:00:00Z", "to": "2024-02-01T00:00:00Z"},
            "eventsPerSecond": 50,
        }))
        .unwrap();
        let ReplayRequest::Republish {
            filter,
            dry_run,
            events_per_second,
            ..
        } = request
        else {
            panic!("a republish")
        };
        assert_eq!(filter.event_type.as_deref(), Some("AccountCreated"));
        assert!(!dry_run);
        assert_eq!(events_per_second, Some(50.0));
    }

    #[test]
    fn a_rebuild_of_everything_reads_four_segments() {
        let request = ReplayRequest::parse(json!({"op": "rebuild"})).unwrap();
        assert_eq!(
            request,
            ReplayRequest::Rebuild {
                replay_id: None,
                new_replay_id: None,
                models: None,
                segments: 4,
                dry_run: false,
                max_events: None,
                until_done: false,
                retried: 0,
            }
        );
    }

    #[test]
    fn only_a_replay_asked_to_run_until_done_and_still_in_progress_goes_on() {
        let in_progress = json!({"replayId": "r-1", "status": "inProgress"});
        let driven = ReplayRequest::parse(
            json!({"op": "republish", "untilDone": true, "eventsPerSecond": 5}),
        )
        .unwrap();
        assert_eq!(
            driven.continuation(&in_progress),
            Some(
                json!({"op": "republish", "replayId": "r-1", "untilDone": true, "eventsPerSecond": 5.0})
            )
        );
        assert_eq!(
            driven.continuation(&json!({"replayId": "r-1", "status": "complete"})),
            None
        );
        assert_eq!(
            driven.continuation(&json!({"error": {"type": "Unavailable"}})),
            None
        );
        let asked = ReplayRequest::parse(json!({"op": "republish"})).unwrap();
        assert_eq!(asked.continuation(&in_progress), None);
        let rebuild = ReplayRequest::parse(json!({"op": "rebuild", "untilDone": true})).unwrap();
        assert_eq!(
            rebuild.continuation(&in_progress),
            Some(json!({"op": "rebuild", "replayId": "r-1", "untilDone": true}))
        );
        let counting =
            ReplayRequest::parse(json!({"op": "rebuild", "untilDone": true, "dryRun": true}))
                .unwrap();
        assert_eq!(counting.continuation(&in_progress), None);
        let begun_before =
            json!({"replayId": "r-1", "status": "inProgress", "alreadyStarted": true});
        assert_eq!(driven.continuation(&begun_before), None);
    }

    #[test]
    fn a_chain_link_that_failed_transiently_is_tried_again_five_times_in_a_row_then_waits() {
        let unavailable = json!({"error": {"type": "Unavailable", "retryable": true}});
        let refused = json!({"error": {"type": "Validation", "retryable": false}});
        let link = |retried: u32| {
            ReplayRequest::parse(
                json!({"op": "rebuild", "replayId": "r-1", "untilDone": true, "retried": retried}),
            )
            .unwrap()
        };
        assert_eq!(
            link(0).continuation(&unavailable),
            Some(json!({"op": "rebuild", "replayId": "r-1", "untilDone": true, "retried": 1}))
        );
        assert_eq!(
            link(MAX_CHAIN_RETRIES - 1)
                .continuation(&unavailable)
                .unwrap()["retried"],
            MAX_CHAIN_RETRIES
        );
        assert_eq!(link(MAX_CHAIN_RETRIES).continuation(&unavailable), None);
        assert_eq!(link(0).continuation(&refused), None);
        // A link that went on resets the count.
        let went_on = link(3).continuation(&json!({"replayId": "r-1", "status": "inProgress"}));
        assert_eq!(went_on.unwrap().get("retried"), None);
        // A start that failed answered its caller, who holds its id: nothing to go on with.
        let start = ReplayRequest::parse(json!({"op": "republish", "untilDone": true})).unwrap();
        assert_eq!(start.continuation(&unavailable), None);
    }

    #[test]
    fn bad_requests_name_what_is_wrong() {
        let error = |payload: Value| ReplayRequest::parse(payload).unwrap_err().field;
        assert_eq!(error(json!({})), "op");
        assert_eq!(error(json!({"op": "rebuildEverything"})), "request");
        assert_eq!(
            error(json!({"op": "republish", "newReplayId": "a", "replayId": "b"})),
            "newReplayId"
        );
        assert_eq!(
            error(json!({"op": "rebuild", "newReplayId": ""})),
            "newReplayId"
        );
        assert_eq!(
            error(json!({"op": "republish", "newReplayId": "a/b"})),
            "newReplayId"
        );
        assert_eq!(
            error(json!({"op": "republish", "newReplayId": "x".repeat(65)})),
            "newReplayId"
        );
        assert_eq!(
            error(json!({"op": "republish", "filter": {"streamId": "a", "eventType": "b"}})),
            "filter"
        );
        assert_eq!(
            error(json!({"op": "republish", "filter": {"from": "yesterday"}})),
            "from"
        );
        assert_eq!(
            error(
                json!({"op": "republish", "filter": {"from": "2024-02-01T00:00:00Z", "to": "2024-01-01T00:00:00Z"}})
            ),
            "to"
        );
        assert_eq!(
            error(json!({"op": "republish", "eventsPerSecond": 0})),
            "eventsPerSecond"
        );
        assert_eq!(error(json!({"op": "progress"})), "request");
        assert_eq!(error(json!({"op": "rebuild", "segments": 0})), "segments");
        assert_eq!(error(json!({"op": "rebuild", "segments": 65})), "segments");
        assert_eq!(error(json!({"op": "rebuild", "models": []})), "models");
        assert_eq!(error(json!({"op": "rebuild", "model": "x"})), "request");
    }
}
