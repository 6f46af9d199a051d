//! `make bench`'s measurements: the store's appends beside seed 002's algorithm, seed 004's
//! account through cqrs-es on the store, on dynamo-es and with seed 002's appends, throughput on
//! the local endpoint, the local pipeline end to end (projector invocations, latencies), and the
//! key-distribution simulation over the store's real key functions.

pub mod append_comparison;
#[cfg(feature = "dynamo-es")]
pub mod dynamo_es_comparison;
pub mod handler_cpu;
pub mod key_distribution;
pub mod pipeline;
pub mod process_cpu;
pub mod seed_002_baseline;
pub mod throughput;
