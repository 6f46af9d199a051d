//! The store as its settings describe it, for every function's cold start and for esctl: one
//! AWS configuration, the events table, the event types file and, when personal data is
//! declared, the subjects' keys (`KEYS_TABLE`, `PERSONAL_DATA_KEY`).

use event_store_domain::{Settings, SettingsError};

use crate::personal_values::{KEYS_TABLE, PERSONAL_DATA_KEY};
use crate::{catalog_from_env, sdk_config, DynamoEventStore, SubjectKeys};

/// The store over `settings`, with the event types of `EVENT_TYPES_FILE` and the keys of
/// `KEYS_TABLE` wrapped by `PERSONAL_DATA_KEY`. An event types file that declares personal data
/// without both keys settings is an error naming them, as is one without the other.
pub async fn store_from_settings(settings: &Settings) -> Result<DynamoEventStore, SettingsError> {
    let catalog = catalog_from_env()?;
    let config = sdk_config().await;
    let dynamodb = aws_sdk_dynamodb::Client::new(&config);
    let keys = keys_settings(
        std::env::var(KEYS_TABLE).ok(),
        std::env::var(PERSONAL_DATA_KEY).ok(),
        catalog.declares_personal_data(),
    )?
    .map(|(table, key)| {
        SubjectKeys::new(
            dynamodb.clone(),
            aws_sdk_kms::Client::new(&config),
            table,
            key,
        )
    });
    let store = DynamoEventStore::new(dynamodb, settings).with_catalog(catalog);
    Ok(match keys {
        Some(keys) => store.with_subject_keys(keys),
        None => store,
    })
}

/// The keys table and KMS key, when set; both or neither, and both when personal data is
/// declared.
fn keys_settings(
    table: Option<String>,
    key: Option<String>,
    personal_data_declared: bool,
) -> Result<Option<(String, String)>, SettingsError> {
    let set = |value: Option<String>| value.filter(|v| !v.trim().is_empty());
    match (set(table), set(key)) {
        (Some(table), Some(key)) => Ok(Some((table, key))),
        (None, None) if !personal_data_declared => Ok(None),
        (table, _) => Err(SettingsError {
            variable: if table.is_none() {
                KEYS_TABLE
            } else {
                PERSONAL_DATA_KEY
            },
            reason: if personal_data_declared {
                format!("is unset, and the event types file declares personal data: set {KEYS_TABLE} and {PERSONAL_DATA_KEY}")
            } else {
                format!("is unset: {KEYS_TABLE} and {PERSONAL_DATA_KEY} go together")
            },
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::keys_settings;

    #[test]
    fn keys_are_optional_until_personal_data_is_declared() {
        assert_eq!(keys_settings(None, None, false), Ok(None));
        let error = keys_settings(None, None, true).unwrap_err();
        assert_eq!(error.variable, "KEYS_TABLE");
        assert!(error.reason.contains("declares personal data"), "{error}");
    }

    #[test]
    fn the_two_keys_settings_go_together() {
        let error = keys_settings(Some("keys".into()), None, false).unwrap_err();
        assert_eq!(error.variable, "PERSONAL_DATA_KEY");
        assert_eq!(
            keys_settings(Some("keys".into()), Some("alias/k".into()), true),
            Ok(Some(("keys".into(), "alias/k".into())))
        );
    }
}
