//! Snapshots: a stream's folded state at a version, so loads read only the events after it.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::time::{rfc3339_millis, Timestamp};
use crate::{AggregateType, StreamId, Version};

/// The state of `stream_id` after applying events 1..=`version`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Snapshot {
    /// The stream.
    pub stream_id: StreamId,
    /// The last event folded into `state`.
    pub version: Version,
    /// The aggregate type whose reducer made `state`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aggregate_type: Option<AggregateType>,
    /// The folded state.
    pub state: Value,
    /// When it was taken.
    #[serde(with = "rfc3339_millis")]
    pub taken_at: Timestamp,
}

impl Snapshot {
    /// Whether a snapshot is due after `version` when one is taken every `every` events.
    pub fn is_due(version: Version, every: u32) -> bool {
        every > 0 && version.get() > 0 && version.get() % u64::from(every) == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshots_fall_due_on_multiples_of_the_interval() {
        let due: Vec<u64> = (0..=10)
            .filter(|v| Snapshot::is_due(Version::new(*v), 4))
            .collect();
        assert_eq!(due, vec![4, 8]);
        assert!(!Snapshot::is_due(Version::new(4), 0));
    }
}
