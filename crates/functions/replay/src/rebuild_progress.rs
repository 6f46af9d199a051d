//! A rebuild's checkpoint and progress, kept beside the republishes in `$replays`: which
//! generation of each read model it builds, where each scan segment stopped, how many events it
//! scanned and applied, and whether it has switched the models over.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::ReplayStatus;

/// The `kind` that tells a rebuild's document from a republish's in `$replays`.
pub const REBUILD_KIND: &str = "rebuild";

/// Where one scan segment stopped.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SegmentProgress {
    /// Where its next page starts; none before the first page and once done.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_token: Option<String>,
    /// Whether the segment has been scanned to its end.
    pub done: bool,
}

/// One rebuild, as checkpointed after each round of pages (one page per unfinished segment) and
/// once more when it switches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RebuildProgress {
    /// Its id (continue it with `replayId`).
    pub replay_id: String,
    /// Always [`REBUILD_KIND`].
    pub kind: String,
    /// The read models it rebuilds, each with the generation it builds.
    pub models: BTreeMap<String, u32>,
    /// The scan's segments.
    pub segments: Vec<SegmentProgress>,
    /// In progress, or complete (switched).
    pub status: ReplayStatus,
    /// Events scanned so far.
    pub done: u64,
    /// Events applied to the new generations so far (fewer than scanned when the projector got
    /// to some first).
    pub applied: u64,
    /// The number of items in the events table when it started, as DynamoDB estimates it
    /// (updated about every six hours; it counts snapshots and guards too): an upper bound.
    pub total_estimate: u64,
    /// Checkpoints written so far: one per round of pages, one for the switch.
    pub checkpoints: u64,
    /// The rate of the last invocation, events scanned per second.
    pub events_per_second: f64,
    /// When it started (RFC 3339).
    pub started_at: String,
    /// When it last checkpointed (RFC 3339).
    pub updated_at: String,
}

impl RebuildProgress {
    /// Whether every segment has been scanned.
    pub fn scanned(&self) -> bool {
        self.segments.iter().all(|s| s.done)
    }
}
