//! The event store's domain, shared by every function and the CLI.
//!
//! Pure by design: no AWS types, no Lambda types, no I/O. It owns what an event *is* (the
//! envelope and its validated parts), what an append *means* (expected versions, limits), how
//! state is folded from events (aggregates, reducers, snapshots), the errors every layer speaks,
//! and the settings read at cold start.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod account;
mod aggregate;
mod append;
mod append_command;
mod bus_mapping;
mod cycle;
mod dedupe_scope;
mod duplicates;
mod enabled_indexes;
mod error;
mod event_catalog;
mod event_id;
mod event_query;
mod event_schemas;
mod expected_version;
mod follow_up;
mod json_pointer;
mod json_reducer;
mod metadata;
mod model_generation;
mod name;
mod new_event;
mod page;
mod payload_hash;
mod personal_data;
mod projection;
mod projector_settings;
mod publication;
mod publish_batch;
mod read_model;
mod read_model_catalog;
mod recorded_event;
mod reducer;
mod reducer_registry;
mod seed_commands;
mod service_failure;
mod settings;
mod snapshot;
mod state;
mod state_at;
mod stream_category;
mod stream_head;
mod stream_id;
mod stream_read;
mod time;
mod upcasting;
mod version;

pub use account::{
    Account, AccountCommand, AccountCreated, AccountError, AccountEvent, TransactionKind,
    TransactionProcessed,
};
pub use aggregate::{Aggregate, AggregateReducer};
pub use append::{AppendOutcome, AppendRequest, MAX_EVENTS_PER_APPEND};
pub use append_command::AppendCommand;
pub use bus_mapping::{BusEvent, BusMapping, EventPath};
pub use cycle::{CorrelateBy, CycleChange, CycleDefinition, CycleInstance, CycleStatus, CycleStep};
pub use dedupe_scope::{DedupeScope, MAX_TRANSACTION_ACTIONS};
pub use duplicates::{judge, Prior, Verdict};
pub use enabled_indexes::EnabledIndexes;
pub use error::{Error, StoredAt, ValidationError};
pub use event_catalog::{CatalogError, EventCatalog};
pub use event_id::EventId;
pub use event_query::{EventIndex, EventQuery, TimeRange};
pub use event_schemas::{EventSchemas, UnknownEventTypes};
pub use expected_version::ExpectedVersion;
pub use follow_up::{FollowUpRule, FollowUpRules, TypePattern};
pub use json_pointer::JsonPointer;
pub use json_reducer::JsonMergeReducer;
pub use metadata::Metadata;
pub use model_generation::{
    generation_name, is_store_model, model_of, purge_time, rebuild_checkpoints_model,
    BuildingGeneration, ModelGenerations, RetiredModel, GENERATIONS_MODEL, GENERATION_SEPARATOR,
    IN_FLIGHT_WRITES, TRANSACTIONS_MODEL,
};
pub use name::{AggregateType, EventType};
pub use new_event::NewEvent;
pub use page::{Direction, Page, PageRequest, MAX_PAGE_SIZE};
pub use payload_hash::PayloadHash;
pub use personal_data::{
    check_not_reserved, check_subject, erasure_stream, open_sealed, sealed_keys,
    PersonalDataDeclaration, PersonalDataRule, SealedValue, SealingPlan, SubjectSource, ERASED,
    MAX_SUBJECT_BYTES, SEALED, SUBJECT_FORGOTTEN,
};
pub use projection::{builtin_projections, AccountBalances, Projection};
pub use projector_settings::{
    ChangeNotices, ProjectorSettings, METERING_SOURCE, NEVER_INGESTED_SOURCES, REPLAY_SOURCE,
};
pub use publication::{Publication, PublishedEvent, MAX_DETAIL_TYPE_CHARS, MAX_ENTRY_BYTES};
pub use publish_batch::{chunk_by_size, entry_size, MAX_ENTRIES_PER_REQUEST, MAX_REQUEST_BYTES};
pub use read_model::{ReadModelChange, ReadModelDefinition, ReadModelOp, ReadModelRule};
pub use read_model_catalog::{
    read_model_catalog, ReadModelEntry, ReadModelOrigin, REPLAYS_MODEL, STREAMS_MODEL,
};
pub use recorded_event::RecordedEvent;
pub use reducer::Reducer;
pub use reducer_registry::ReducerRegistry;
pub use seed_commands::to_append_command;
pub use service_failure::{FailureKind, ServiceFailure};
pub use settings::{Settings, SettingsError};
pub use snapshot::Snapshot;
pub use state::State;
pub use state_at::StateAt;
pub use stream_category::{category, AggregateCategories};
pub use stream_head::{RecentEvent, SlotWrite, StreamHead, RECENT_EVENTS};
pub use stream_id::{StreamId, RESERVED_PREFIX};
pub use stream_read::StreamRead;
pub use time::{format_time, parse_time, truncate_to_millis, Timestamp};
pub use upcasting::{DeclaredUpcast, Upcast, UpcastDeclaration, Upcasters};
pub use version::Version;
