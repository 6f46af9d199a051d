//! The projector: consumes the events table's DynamoDB stream (NEW_IMAGE, only event items pass
//! the mapping's filter), keeps read models, cycles, per-stream summaries and snapshots up to
//! date, and publishes follow-ups, change notices and metering events. Each event is one step,
//! written in one transaction with its stream's summary (the checkpoint), so a redelivered record
//! changes nothing; records of one stream may arrive out of order (each event is its own item),
//! so a gap is filled from the table before going on, within a budget of events per invocation.
//!
//! One job per file: `handler` (the batch adapter), `gap_fill`, `event_step` (one event's step
//! and its publications), `snapshots`, `cycles`, `publications`, `stream_summary`,
//! `batch_generations`, `sweep` (timed-out cycles, on a schedule); decoding records is the store's (`stream_record`).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod batch_generations;
mod cycles;
mod event_step;
mod gap_fill;
mod handler;
mod input;
mod publications;
mod snapshots;
mod stream_summary;
mod sweep;

pub use batch_generations::BatchGenerations;
pub use cycles::{open_model, transaction_key, CycleDocument, CyclesPart, METERING_SOURCE};
pub use gap_fill::{Applied, Progress};
pub use handler::{Projector, DEFAULT_EVENT_BUDGET};
pub use input::ProjectorInput;
pub use publications::{publications, FOLLOW_UP_SOURCE};
pub use snapshots::SnapshotOutcome;
pub use stream_summary::{StreamSummary, STREAMS_MODEL};
pub use sweep::SweepReport;
