//! The summary every stream gets: its last version, last event type and time, and event count.
//! It is also the projector's checkpoint: the version it says is the last one applied.

use event_store_domain::{format_time, RecordedEvent};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The read model holding the summaries, one document per stream (named in the domain's list of
/// read models).
pub use event_store_domain::STREAMS_MODEL;

/// One stream's summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StreamSummary {
    /// The last version applied.
    pub last_version: u64,
    /// Its event type.
    pub last_event_type: String,
    /// Its event time.
    pub last_event_time: String,
    /// Events applied.
    pub count: u64,
}

impl StreamSummary {
    /// The summary after `event`, from the one before it.
    pub fn after(previous: Option<&Value>, event: &RecordedEvent) -> Value {
        let count = previous.and_then(|p| p["count"].as_u64()).unwrap_or(0) + 1;
        serde_json::to_value(StreamSummary {
            last_version: event.version.get(),
            last_event_type: event.event_type.to_string(),
            last_event_time: format_time(&event.event_time),
            count,
        })
        .unwrap_or(Value::Null)
    }
}
