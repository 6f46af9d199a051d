//! The replay function: re-publishes a range of stored events to a bus, each marked as a replay
//! of its original, or rebuilds read models into new generations that go live once complete; in
//! pages, checkpointed after each page so that a replay longer than one
//! invocation (or killed in one) continues where it stopped; dry runs count only; a rate limit
//! holds the pace; progress can be asked for at any time.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod handler;
mod rebuild;
mod rebuild_progress;
mod replay_progress;
mod replay_request;
mod replay_source;
mod started;

pub use handler::{Replayer, DEFAULT_GRACE_HOURS};
pub use rebuild_progress::{RebuildProgress, SegmentProgress, REBUILD_KIND};
pub use replay_progress::{ReplayProgress, ReplayStatus, StoredReplay, REPLAYS_MODEL};
pub use replay_request::{
    ReplayFilter, ReplayRequest, MAX_CHAIN_RETRIES, MAX_SEGMENTS, REPLAY_SOURCE,
};
