//! A replay's checkpoint and progress, kept as a document of the `$replays` read model in the
//! projections table: what it covers, how far it got (the page token to continue from), how many
//! events it re-published, and whether it is done.

use serde::{Deserialize, Serialize};

use crate::ReplayFilter;

/// The read model that holds replays, one document per replay id.
pub const REPLAYS_MODEL: &str = "$replays";

/// Whether a replay has more to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ReplayStatus {
    /// Invoke again with its id to continue.
    InProgress,
    /// Every selected event was re-published.
    Complete,
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
