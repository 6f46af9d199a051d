//! `infra/pipeline.json`: the names, redrive and event source mapping settings that infra/
//! deploys, read here so the local stack is built the same way.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

const PIPELINE_JSON: &str = include_str!("../../../infra/pipeline.json");

/// The pipeline of one environment (every `{env}` in the file replaced).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PipelineDefinition {
    /// The bus producers publish to.
    pub bus: String,
    /// The source of the projector's change notices.
    pub change_notice_source: String,
    /// Sources the store publishes under that the ingest rule never matches.
    pub never_ingested: Vec<String>,
    /// The ingest path.
    pub ingest: IngestDefinition,
    /// The stream to projector path.
    pub projection: ProjectionDefinition,
    /// The tables' names.
    pub tables: TableNames,
    /// The alias of the KMS key that wraps data subjects' keys.
    pub personal_data_key: String,
    /// Memory and timeout per function.
    pub functions: BTreeMap<String, FunctionSizing>,
}

/// Rule, queues and mapping of the ingest path.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IngestDefinition {
    /// The ingest rule's name.
    pub rule: String,
    /// Its event pattern when none is configured.
    pub default_pattern: Value,
    /// The ingest queue.
    pub queue: String,
    /// Where a message goes after `max_receive_count` receives.
    pub dead_letter_queue: String,
    /// Where the rule puts events it cannot deliver.
    pub undelivered_queue: String,
    /// Receives before the dead-letter queue.
    pub max_receive_count: u32,
    /// How long a received message stays hidden.
    pub visibility_timeout_seconds: u32,
    /// The queue to persister mapping.
    pub mapping: SqsMappingDefinition,
}

/// An SQS event source mapping's settings.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SqsMappingDefinition {
    /// Messages per invocation.
    pub batch_size: u32,
    /// How long to gather a batch.
    pub batching_window_seconds: u32,
    /// Concurrent invocations at most.
    pub max_concurrency: u32,
}

/// The stream to projector path.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProjectionDefinition {
    /// Where batches that keep failing are described.
    pub failure_queue: String,
    /// The mapping's settings.
    pub mapping: StreamMappingDefinition,
    /// The schedule of the projector's cycle sweep.
    pub cycle_sweep: CycleSweepDefinition,
}

/// The schedule invoking the projector's cycle sweep.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CycleSweepDefinition {
    /// The schedule rule's name (in AWS).
    pub rule: String,
    /// Minutes between sweeps.
    pub every_minutes: u64,
}

/// A DynamoDB Streams event source mapping's settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StreamMappingDefinition {
    /// Records per invocation at most.
    pub batch_size: u32,
    /// How long to gather a batch.
    pub batching_window_seconds: u32,
    /// Split a batch in two when the function fails.
    pub bisect_on_error: bool,
    /// Retries of a batch (or of what is left of it) before it goes to the failure queue.
    pub retry_attempts: u32,
    /// Records older than this go to the failure queue unprocessed.
    pub max_record_age_seconds: u64,
    /// Concurrent batches per shard.
    pub parallelization_factor: u32,
    /// Lambda's filter: only records that pass it are delivered (the store's event items).
    pub filter: Value,
}

/// The tables' names.
#[derive(Debug, Clone, Deserialize)]
pub struct TableNames {
    /// Events, snapshots and guards.
    pub events: String,
    /// Read models, checkpoints, transactions.
    pub projections: String,
    /// Data subjects' keys (crypto-shredding).
    pub keys: String,
}

/// A function's memory and timeout.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FunctionSizing {
    /// Memory in MB.
    pub memory_mb: u32,
    /// Timeout in seconds.
    pub timeout_seconds: u32,
}

impl PipelineDefinition {
    /// The pipeline of environment `env` (`local` for `make dev`).
    pub fn for_env(env: &str) -> Self {
        serde_json::from_str(&PIPELINE_JSON.replace("{env}", env))
            .expect("infra/pipeline.json is valid (tested)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_the_environment_and_the_rule_excludes_change_notices() {
        let pipeline = PipelineDefinition::for_env("local");
        assert_eq!(pipeline.bus, "event-store-local");
        assert_eq!(pipeline.tables.events, "event-store-local-events");
        assert_eq!(pipeline.ingest.queue, "event-store-local-ingest");
        assert_eq!(
            pipeline.ingest.default_pattern["source"][0]["anything-but"],
            Value::from(pipeline.never_ingested.clone())
        );
        assert!(pipeline
            .never_ingested
            .contains(&pipeline.change_notice_source));
        assert!(
            pipeline.ingest.visibility_timeout_seconds
                >= 6 * pipeline.functions["persister"].timeout_seconds
        );
    }

    #[test]
    fn the_sources_never_ingested_are_those_the_projectors_settings_allow_for_notices() {
        assert_eq!(
            PipelineDefinition::for_env("x").never_ingested,
            event_store_domain::NEVER_INGESTED_SOURCES
        );
    }

    #[test]
    fn the_change_notice_source_is_the_projectors_default() {
        assert_eq!(
            PipelineDefinition::for_env("x").change_notice_source,
            event_store_domain::ChangeNotices::DEFAULT_SOURCE
        );
    }
}
