//! The event types file, read once at cold start by every function and by esctl: where
//! `EVENT_TYPES_FILE` points, its catalogue compiled (see [`EventCatalog`]).

use event_store_domain::{EventCatalog, SettingsError};

/// The event types file's variable: JSON Schemas checked on append and upcasts applied on
/// read, per event type (see [`EventCatalog`]); unset, events are stored and read as written.
pub const EVENT_TYPES_FILE: &str = "EVENT_TYPES_FILE";

/// The catalogue in `EVENT_TYPES_FILE`, read and compiled once; an unreadable or invalid file is
/// an error naming the variable, the file and the entry.
pub fn catalog_from_env() -> Result<EventCatalog, SettingsError> {
    catalog_from_file(std::env::var(EVENT_TYPES_FILE).ok())
}

fn catalog_from_file(path: Option<String>) -> Result<EventCatalog, SettingsError> {
    let Some(path) = path.filter(|p| !p.trim().is_empty()) else {
        return Ok(EventCatalog::empty());
    };
    let text = std::fs::read_to_string(&path).map_err(|e| SettingsError {
        variable: EVENT_TYPES_FILE,
        reason: format!("names {path}, which cannot be read: {e}"),
    })?;
    EventCatalog::from_json(&text).map_err(|e| SettingsError {
        variable: EVENT_TYPES_FILE,
        reason: format!("names {path}: {e}"),
    })
}

#[cfg(test)]
mod tests {
    use super::catalog_from_file;

    #[test]
    fn no_event_types_file_checks_nothing() {
        assert!(catalog_from_file(None).unwrap().schemas().is_empty());
    }

    #[test]
    fn the_fixture_event_types_file_loads() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../fixtures/event-types.json"
        );
        assert!(!catalog_from_file(Some(path.into()))
            .unwrap()
            .schemas()
            .is_empty());
    }

    #[test]
    fn a_missing_or_invalid_event_types_file_is_named() {
        let error = catalog_from_file(Some("/nonexistent/types.json".into())).unwrap_err();
        assert_eq!(error.variable, "EVENT_TYPES_FILE");
        assert!(error.reason.contains("/nonexistent/types.json"), "{error}");
        let bad = std::env::temp_dir().join("event-types-invalid.json");
        std::fs::write(
            &bad,
            r#"{"eventTypes": {"A": {"schemas": {"1": {"type": 5}}}}}"#,
        )
        .unwrap();
        let error = catalog_from_file(Some(bad.display().to_string())).unwrap_err();
        assert!(error.reason.contains("eventTypes.A.schemas.1"), "{error}");
    }
}
