//! The store's pipeline on a local AWS endpoint, as it runs in AWS.
//!
//! [`provision`] builds the tables, bus, ingest rule and queues from the files infra/ deploys
//! from (`crates/store/schema/tables.json`, `infra/pipeline.json`). [`SqsMapping`] and
//! [`StreamMapping`] do what Lambda's event source mappings do in AWS: feed the ingest queue to
//! the persister and the events table's stream to the projector, through the Lambda Invoke API
//! (`cargo lambda watch` locally), with batch sizes and windows, partial batch failures,
//! bisect on error, bounded retries, an on-failure queue, and checkpoints that survive a
//! restart. This crate is for local runs and tests; no function links it.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod batch_answer;
mod batch_window;
mod checkpoints;
mod error;
mod lambda_records;
mod pipeline_definition;
mod provision;
mod record_filter;
mod sqs_mapping;
mod stream_batch_plan;
mod stream_follower;
mod stream_mapping;
mod stream_reader;

pub use batch_answer::batch_item_failures;
pub use checkpoints::Checkpoints;
pub use error::LocalStackError;
pub use event_store_dynamodb::{FunctionInvoker, InvokeOutcome};
pub use lambda_records::{dynamodb_event, sqs_event, stream_record};
pub use pipeline_definition::{
    CycleSweepDefinition, FunctionSizing, IngestDefinition, PipelineDefinition,
    ProjectionDefinition, SqsMappingDefinition, StreamMappingDefinition, TableNames,
};
pub use provision::{provision, Clients, Provisioned, PUBLISHED_PATTERN};
pub use record_filter::passes;
pub use sqs_mapping::{SqsBatchReport, SqsMapping};
pub use stream_batch_plan::{plan_after, BatchOutcome, BatchPlan};
pub use stream_follower::StreamFollower;
pub use stream_mapping::{StreamMapping, StreamPassReport};
pub use stream_reader::table_stream_arn;
