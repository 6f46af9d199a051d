//! The persister: stores events. Fed by the ingest queue (SQS batches of EventBridge events), by
//! a rule targeting it directly (one EventBridge event), or invoked with an append command
//! carrying an expected version. One handler, an enum of input shapes.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod bus_event;
mod handler;
mod input;
mod sqs_batch;

pub use bus_event::append_request_of;
pub use handler::Persister;
pub use input::PersisterInput;
pub use sqs_batch::parse_body;
