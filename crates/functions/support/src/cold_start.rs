//! Cold start: logging and the store, built once per execution environment. Settings are read
//! and checked here, so a misconfigured function fails at init with a message naming the
//! variable (`infra/` sets them; the README lists them).

use event_store_domain::{Settings, SettingsError};
use event_store_dynamodb::{store_from_settings, DynamoEventStore, DynamoReadModels};

/// Logs through `tracing`: JSON when Lambda's log format is JSON (`AWS_LAMBDA_LOG_FORMAT`), each
/// line inside the runtime's per-invocation span, which carries the request id.
pub fn init_logging() {
    lambda_runtime::tracing::init_default_subscriber();
}

/// The store over `EVENTS_TABLE`, with its DynamoDB client built from the standard AWS
/// configuration chain, its event types and its subjects' keys (see
/// [`event_store_dynamodb::store_from_settings`]); its connection is opened here, during init, unless `CONNECT_AT_INIT`
/// is `false`.
pub async fn store_from_env() -> Result<DynamoEventStore, SettingsError> {
    let settings = Settings::from_env()?;
    let connect_at_init = boolean_setting(CONNECT_AT_INIT, std::env::var(CONNECT_AT_INIT).ok())?;
    let store = store_from_settings(&settings).await?;
    if connect_at_init {
        // Not fatal: a function that cannot reach its table now says so on its first request,
        // with the error the request gets.
        if let Err(error) = store.open_connection().await {
            tracing::warn!(%error, "the events table could not be reached during init");
        }
    }
    Ok(store)
}

/// Whether a function opens its DynamoDB connection during init (`true`, the default, or
/// `false`): Lambda's init runs before the first request is timed against its caller, so the
/// TLS handshake and the credential lookup move out of the first answer.
pub const CONNECT_AT_INIT: &str = "CONNECT_AT_INIT";

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

fn boolean_setting(name: &'static str, text: Option<String>) -> Result<bool, SettingsError> {
    match text.as_deref().map(str::trim) {
        None | Some("") | Some("true") => Ok(true),
        Some("false") => Ok(false),
        Some(other) => Err(SettingsError {
            variable: name,
            reason: format!("is {other:?}, expected \"true\" or \"false\""),
        }),
    }
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
    use super::{boolean_setting, whole_number_setting};

    #[test]
    fn connecting_at_init_is_on_unless_it_is_false() {
        assert_eq!(boolean_setting("CONNECT_AT_INIT", None), Ok(true));
        assert_eq!(
            boolean_setting("CONNECT_AT_INIT", Some(" ".into())),
            Ok(true)
        );
        assert_eq!(
            boolean_setting("CONNECT_AT_INIT", Some("true".into())),
            Ok(true)
        );
        assert_eq!(
            boolean_setting("CONNECT_AT_INIT", Some(" false ".into())),
            Ok(false)
        );
    }

    #[test]
    fn a_boolean_setting_that_is_neither_is_named() {
        let error = boolean_setting("CONNECT_AT_INIT", Some("yes".into())).unwrap_err();
        assert_eq!(
            error.to_string(),
            "setting CONNECT_AT_INIT is \"yes\", expected \"true\" or \"false\""
        );
    }

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
