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

/// A whole-number setting: `default` when `name` is unset, an error naming the variable, its
/// text and `unit` when it is not a whole number.
pub fn whole_number_from_env(name: &str, default: u64, unit: &str) -> Result<u64, String> {
    whole_number_setting(name, std::env::var(name).ok(), default, unit)
}

fn whole_number_setting(
    name: &str,
    text: Option<String>,
    default: u64,
    unit: &str,
) -> Result<u64, String> {
    match text {
        None => Ok(default),
        Some(text) => text
            .trim()
            .parse::<u64>()
            .map_err(|_| format!("setting {name} is {text:?}, expected a whole number of {unit}")),
    }
}

#[cfg(test)]
mod tests {
    use super::whole_number_setting;

    #[test]
    fn an_unset_whole_number_is_its_default() {
        assert_eq!(whole_number_setting("X", None, 24, "hours"), Ok(24));
    }

    #[test]
    fn a_whole_number_is_read_with_blanks_around() {
        assert_eq!(
            whole_number_setting("X", Some(" 7 ".into()), 24, "hours"),
            Ok(7)
        );
    }

    #[test]
    fn a_setting_that_is_not_a_whole_number_is_named() {
        assert_eq!(
            whole_number_setting("REBUILD_GRACE_HOURS", Some("-1".into()), 24, "hours"),
            Err("setting REBUILD_GRACE_HOURS is \"-1\", expected a whole number of hours".into())
        );
    }
}
