//! The projector: consumes the events table's DynamoDB stream (NEW_IMAGE), keeps read models,
//! per-stream summaries and snapshots up to date, and publishes follow-ups and change notices. Every write is conditional on the stream version it
//! applies, so a redelivered record changes nothing; records of one stream may arrive out of
//! order (each event is its own item), so a gap is filled from the table before going on.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod batch_generations;
mod cycles;
mod handler;
mod publications;
mod stream_summary;

pub use batch_generations::BatchGenerations;
pub use cycles::{open_model, transaction_key, METERING_SOURCE};
pub use handler::{event_of_record, Projector};
pub use publications::{publications, FOLLOW_UP_SOURCE};
pub use stream_summary::{StreamSummary, STREAMS_MODEL};
