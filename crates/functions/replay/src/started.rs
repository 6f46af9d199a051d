//! Starting a replay under an id its caller chose (`newReplayId`): a start sent again, after
//! an answer that was lost, finds the replay the first one began and begins no second one.

use event_store_domain::Error;

use crate::{RebuildProgress, ReplayFilter, ReplayProgress, Replayer, StoredReplay};

/// What a start found: a replay it began, or the one an earlier start with its id began.
pub(crate) enum Started<P> {
    /// Begun by this start: this invocation runs it.
    New(P),
    /// Begun by an earlier start with the same id: the invocation that began it runs it.
    Before(P),
}

impl Replayer {
    /// The republish an earlier start began as `replay_id`, if any; an error when that id
    /// names another replay (a key reused for another request).
    pub(crate) async fn republish_begun(
        &self,
        replay_id: &str,
        filter: &ReplayFilter,
    ) -> Result<Option<ReplayProgress>, Error> {
        match self.find(replay_id).await? {
            None => Ok(None),
            Some(StoredReplay::Republish(progress)) if progress.filter == *filter => {
                Ok(Some(progress))
            }
            Some(_) => Err(taken(replay_id)),
        }
    }

    /// The rebuild of `models` an earlier start began as `replay_id`, if any; an error when
    /// that id names another replay.
    pub(crate) async fn rebuild_begun(
        &self,
        replay_id: &str,
        models: &[String],
    ) -> Result<Option<RebuildProgress>, Error> {
        match self.find(replay_id).await? {
            None => Ok(None),
            Some(StoredReplay::Rebuild(progress)) if progress.models.keys().eq(sorted(models)) => {
                Ok(Some(progress))
            }
            Some(_) => Err(taken(replay_id)),
        }
    }
}

fn sorted(models: &[String]) -> Vec<&String> {
    let mut sorted: Vec<&String> = models.iter().collect();
    sorted.sort();
    sorted.dedup();
    sorted
}

fn taken(replay_id: &str) -> Error {
    Error::validation(
        "newReplayId",
        format!("replay {replay_id} was started by another request: choose another id (or Idempotency-Key)"),
    )
}
