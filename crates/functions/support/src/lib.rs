//! What every Lambda function of the store shares: the error payload callers get, metrics in
//! CloudWatch Embedded Metric Format, logging set-up, the store built at cold start, and when an
//! invocation must stop.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod cold_start;
mod deadline;
mod error_payload;
mod metrics;

pub use cold_start::{
    init_logging, read_models_from_env, store_from_env, whole_number_from_env, CONNECT_AT_INIT,
    PROJECTIONS_TABLE,
};
pub use deadline::stop_before_deadline;
pub use error_payload::{error_payload, validation_payload};
pub use metrics::Metrics;
