//! A replay's checkpoint and progress, kept as a document of the `$replays` read model in the
//! projections table: what it covers, how far it got (the page token to continue from), how many
//! events it re-published, and whether it is done.

use serde::{Deserialize, Serialize};

use event_store_domain::Error;
use serde_json::Value;

use crate::{RebuildProgress, ReplayFilter, REBUILD_KIND};

/// The read model that holds replays, one document per replay id (named in the domain's list of
/// read models).
pub use event_store_domain::REPLAYS_MODEL;

/// Whether a replay has more to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ReplayStatus {
    /// Invoke again with its id to continue.
    InProgress,
    /// Every selected event was re-published (a rebuild: its models switched).
    Complete,
    /// A rebuild given up: its generations and checkpoints are retired, nothing switched.
    Abandoned,
    /// A rebuild that scanned everything and is switching its models: no longer abandoned;
    /// continuing it finishes the switch.
    Switching,
}

/// One replay, as checkpointed after each page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReplayProgress {
    /// Its id.
    pub replay_id: String,
    /// What it covers.
    pub filter: ReplayFilter,
    /// The bus it publishes to.
    pub bus: String,
    /// In progress or complete.
    pub status: ReplayStatus,
    /// Events re-published so far.
    pub done: u64,
    /// Pages re-published so far (each page is checkpointed once).
    pub pages: u64,
    /// Where the next page starts; none before the first page and once complete.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_token: Option<String>,
    /// The rate of the last invocation, events per second.
    pub events_per_second: f64,
    /// When it started (RFC 3339).
    pub started_at: String,
    /// When it last checkpointed (RFC 3339).
    pub updated_at: String,
}

/// A document of `$replays`: a republish or a rebuild (told by `kind`).
#[derive(Debug, Clone, PartialEq)]
pub enum StoredReplay {
    /// A republish.
    Republish(ReplayProgress),
    /// A rebuild.
    Rebuild(RebuildProgress),
}

impl StoredReplay {
    /// Reads a stored document.
    pub fn from_document(document: Value) -> Result<Self, serde_json::Error> {
        if document.get("kind").and_then(Value::as_str) == Some(REBUILD_KIND) {
            serde_json::from_value(document).map(StoredReplay::Rebuild)
        } else {
            serde_json::from_value(document).map(StoredReplay::Republish)
        }
    }

    /// The republish `replay_id` names; an error when it names a rebuild.
    pub fn republish(self, replay_id: &str) -> Result<ReplayProgress, Error> {
        match self {
            StoredReplay::Republish(progress) => Ok(progress),
            StoredReplay::Rebuild(_) => Err(Error::validation(
                "replayId",
                format!("{replay_id} is a rebuild: continue it with op rebuild"),
            )),
        }
    }

    /// The rebuild `replay_id` names; an error when it names a republish.
    pub fn rebuild(self, replay_id: &str) -> Result<RebuildProgress, Error> {
        match self {
            StoredReplay::Rebuild(progress) => Ok(progress),
            StoredReplay::Republish(_) => Err(Error::validation(
                "replayId",
                format!("{replay_id} is a republish: continue it with op republish"),
            )),
        }
    }
}
