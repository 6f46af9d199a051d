//! Cold start: logging and the store, built once per execution environment. Settings are read
//! and checked here, so a misconfigured function fails at init with a message naming the
//! variable (`infra/` sets them; the README lists them).

use event_store_domain::{Settings, SettingsError};
use event_store_dynamodb::{dynamodb_client, DynamoEventStore, DynamoReadModels};

/// Logs through `tracing`: JSON when Lambda's log format is JSON (`AWS_LAMBDA_LOG_FORMAT`), each
/// line inside the runtime's per-invocation span, which carries the request id.
pub fn init_logging() {
    lambda_runtime::tracing::init_default_subscriber();
}

/// The store over `EVENTS_TABLE`, with its DynamoDB client built from the standard AWS
/// configuration chain.
pub async fn store_from_env() -> Result<DynamoEventStore, SettingsError> {
    let settings = Settings::from_env()?;
    Ok(DynamoEventStore::new(dynamodb_client().await, &settings))
}

/// The projections table's variable (set by `infra/` and the local stack where the projector
/// runs).
pub const PROJECTIONS_TABLE: &str = "PROJECTIONS_TABLE";

/// The read models in `PROJECTIONS_TABLE`, sharing `store`'s client; `None` when it is unset.
pub fn read_models_from_env(store: &DynamoEventStore) -> Option<DynamoReadModels> {
    std::env::var(PROJECTIONS_TABLE)
        .ok()
        .filter(|table| !table.trim().is_empty())
        .map(|table| DynamoReadModels::new(store.client().clone(), table))
}
