//! The projector: consumes the events table's DynamoDB stream (NEW_IMAGE) and keeps read models
//! and per-stream summaries up to date. Every write is conditional on the stream version it
//! applies, so a redelivered record changes nothing; records of one stream may arrive out of
//! order (each event is its own item), so a gap is filled from the table before going on.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod handler;
mod stream_summary;

pub use handler::Projector;
pub use stream_summary::{StreamSummary, STREAMS_MODEL};
