//! The query function: reads by Lambda invoke, `{"op": ...}`. Streams, single events, index
//! queries, state through the registered reducers, snapshots. Every answer is JSON; errors come
//! back as `{"error": {"type", "message"}}`.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod handler;
mod request;

pub use handler::Query;
pub use request::{QueryRequest, TimeWindow};
