//! The DynamoDB event store: the only crate that speaks to AWS for the store.
//!
//! It owns every `AttributeValue`, every SDK error and every table name: events are appended
//! with conditional writes (optimistic concurrency, idempotent by event id), read by stream or
//! through sharded secondary indexes, and folded into state from in-partition snapshots. Items
//! map through serde_dynamo; table definitions come from `schema/tables.json`.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod append;
mod append_findings;
pub mod attributes;
mod batch_get;
mod chunked_append;
mod client;
mod configured_store;
mod connection_warm_up;
mod dynamo_event_store;
mod event_bridge_publisher;
mod event_by_id;
pub mod event_item;
mod event_types_file;
mod function_invoker;
mod generation_catch_up;
pub mod guard_item;
pub mod head_item;
pub mod index_keys;
mod index_query;
pub mod item_kind;
pub mod item_size;
mod model_generations;
mod page_token;
mod personal_data_key;
mod personal_values;
mod projection_step;
mod read_models;
mod read_stream;
mod retry_policy;
mod scan_events;
pub mod sdk_error;
mod sealing;
pub mod snapshot_item;
mod snapshot_list;
mod snapshots;
mod state_as_of;
mod stream_heads;
pub mod stream_record;
mod subject_keys;
mod table_definition;
mod tables;
mod tail_ranges;
mod transaction;

pub use chunked_append::ChunkedAppendError;
pub use client::{dynamodb_client, https_client, sdk_config, sdk_config_over};
pub use configured_store::store_from_settings;
pub use connection_warm_up::WARM_UP_LIMIT;
pub use dynamo_event_store::DynamoEventStore;
pub use event_bridge_publisher::EventBridgePublisher;
pub use event_store_domain::Publication;
pub use event_types_file::{catalog_from_env, EVENT_TYPES_FILE};
pub use function_invoker::{FunctionInvoker, InvokeOutcome, NotQueued};
pub use generation_catch_up::{reads_of, writes_of, GenerationTarget, ProjectionPart, StepPart};
pub use index_query::MAX_INDEX_PAGE_SIZE;
pub use item_kind::ItemKind;
pub use personal_data_key::ensure_personal_data_key;
pub use personal_values::{Forgotten, KEYS_TABLE, PERSONAL_DATA_KEY};
pub use projection_step::{
    still_contended, Committed, Prepared, ProjectionStep, ReadyStep, StepPlan, StepReads, StepWrite,
};
pub use read_models::{
    transaction_key, Applied, DocumentChange, DynamoReadModels, ReadModelDocument,
    TRANSACTIONS_MODEL,
};
pub use retry_policy::waits as retry_waits;
pub use snapshot_list::SCANNED_PAGES;
pub use snapshots::Tail;
pub use subject_keys::SubjectKeys;
pub use table_definition::{
    IndexDefinition, KeyAttribute, TableDefinition, TableDefinitions, TABLES_JSON,
};
pub use tables::{create_events_table, create_keys_table, create_projections_table};
