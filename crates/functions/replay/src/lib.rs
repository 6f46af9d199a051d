//! The replay function: re-publishes a range of stored events to a bus, each marked as a replay
//! of its original, in pages, checkpointed after each page so that a replay longer than one
//! invocation (or killed in one) continues where it stopped; dry runs count only; a rate limit
//! holds the pace; progress can be asked for at any time.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod handler;
mod replay_progress;
mod replay_request;
mod replay_source;

pub use handler::Replayer;
pub use replay_progress::{ReplayProgress, ReplayStatus, REPLAYS_MODEL};
pub use replay_request::{ReplayFilter, ReplayRequest, REPLAY_SOURCE};
