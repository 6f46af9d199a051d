//! Schemas on append: a JSON Schema per event type and schema version, checked before any
//! request, so an event that does not fit is refused naming the JSON pointer and the rule.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::{NewEvent, ValidationError};

/// What an event whose type has no schema gets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum UnknownEventTypes {
    /// Stored unchecked (the default).
    #[default]
    Allow,
    /// Refused: every event type written must have a schema.
    Refuse,
}

/// The compiled schemas of one event type, by schema version.
#[derive(Debug, Default)]
pub(crate) struct TypeSchemas {
    pub(crate) by_version: BTreeMap<String, jsonschema::Validator>,
    /// The schema version of an event of this type that names none.
    pub(crate) unversioned: Option<String>,
}

/// Every event type's schemas, and what a type with none gets.
#[derive(Debug, Default)]
pub struct EventSchemas {
    pub(crate) types: BTreeMap<String, TypeSchemas>,
    pub(crate) unknown: UnknownEventTypes,
}

/// How many rule failures one refusal names at most.
const MAX_FAILURES_NAMED: usize = 5;

impl EventSchemas {
    /// Compiles `schema`, the JSON Schema of `version` of `event_type`; the error says why it is
    /// not a schema.
    pub(crate) fn compile(schema: &Value) -> Result<jsonschema::Validator, String> {
        jsonschema::validator_for(schema).map_err(|e| e.to_string())
    }

    /// True when no event type has a schema and unknown ones are allowed: nothing is checked.
    pub fn is_empty(&self) -> bool {
        self.types.is_empty() && self.unknown == UnknownEventTypes::Allow
    }

    /// Checks `event`, the `position`th of its append, against the schema of its type and
    /// schema version (`metadata.schemaVersion`, else its type's `unversioned` version).
    ///
    /// A failure is a `Validation` error whose field is the JSON pointer into the event
    /// (`events[0].data/amount`) and whose reason names the rule (`minimum`) and the schema;
    /// an event of a type without schemas is refused naming `eventType` when unknown types are
    /// refused, and one of a version without a schema naming `metadata.schemaVersion`.
    pub fn check(&self, position: usize, event: &NewEvent) -> Result<(), ValidationError> {
        let event_type = event.event_type.as_str();
        let Some(schemas) = self.types.get(event_type) else {
            return match self.unknown {
                UnknownEventTypes::Allow => Ok(()),
                UnknownEventTypes::Refuse => Err(ValidationError::new(
                    format!("events[{position}].eventType"),
                    format!(
                        "event type {event_type} has no schema, and unknownEventTypes is refuse"
                    ),
                )),
            };
        };
        if schemas.by_version.is_empty() {
            return Ok(());
        }
        let version = event
            .metadata
            .schema_version
            .as_deref()
            .or(schemas.unversioned.as_deref());
        let Some((version, validator)) = version.and_then(|v| schemas.by_version.get_key_value(v))
        else {
            let known: Vec<&str> = schemas.by_version.keys().map(String::as_str).collect();
            return Err(ValidationError::new(
                format!("events[{position}].metadata.schemaVersion"),
                format!(
                    "{event_type} has schemas for versions {} only; this event names {}",
                    known.join(", "),
                    version.map_or("none".to_owned(), |v| format!("version {v}")),
                ),
            ));
        };
        let mut failures = validator.iter_errors(&event.data).peekable();
        let Some(first) = failures.next() else {
            return Ok(());
        };
        // Masked: the message names the rule, never the value (which may be personal data, and
        // the reason is logged).
        let rule = |error: &jsonschema::ValidationError| {
            format!("{} ({})", error.masked(), error.kind().keyword())
        };
        let mut reason = format!("{} (schema {event_type} {version})", rule(&first));
        let others: Vec<String> = failures
            .by_ref()
            .take(MAX_FAILURES_NAMED - 1)
            .map(|e| {
                format!(
                    "{}: {}",
                    pointer_or_root(e.instance_path().as_str()),
                    rule(&e)
                )
            })
            .collect();
        if !others.is_empty() {
            reason.push_str("; also ");
            reason.push_str(&others.join("; "));
        }
        Err(ValidationError::new(
            format!("events[{position}].data{}", first.instance_path().as_str()),
            reason,
        ))
    }
}

fn pointer_or_root(pointer: &str) -> &str {
    if pointer.is_empty() {
        "/"
    } else {
        pointer
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{EventType, Metadata};
    use serde_json::json;

    fn schemas(unknown: UnknownEventTypes) -> EventSchemas {
        let mut by_version = BTreeMap::new();
        by_version.insert(
            "1.0".to_owned(),
            EventSchemas::compile(&json!({
                "type": "object",
                "required": ["itemId", "price"],
                "properties": {
                    "itemId": {"type": "string"},
                    "price": {"type": "number", "minimum": 0}
                }
            }))
            .unwrap(),
        );
        let mut types = BTreeMap::new();
        types.insert(
            "ItemCreated".to_owned(),
            TypeSchemas {
                by_version,
                unversioned: Some("1.0".into()),
            },
        );
        EventSchemas { types, unknown }
    }

    fn event(event_type: &str, data: Value, version: Option<&str>) -> NewEvent {
        NewEvent::new(EventType::new(event_type).unwrap(), data).with_metadata(Metadata {
            schema_version: version.map(str::to_owned),
            ..Metadata::default()
        })
    }

    #[test]
    fn an_event_that_fits_its_schema_passes() {
        let event = event(
            "ItemCreated",
            json!({"itemId": "i-1", "price": 3}),
            Some("1.0"),
        );
        assert_eq!(schemas(UnknownEventTypes::Allow).check(0, &event), Ok(()));
    }

    #[test]
    fn a_failure_names_the_pointer_the_rule_and_the_schema() {
        let event = event("ItemCreated", json!({"itemId": "i-1", "price": -1}), None);
        let error = schemas(UnknownEventTypes::Allow)
            .check(2, &event)
            .unwrap_err();
        assert_eq!(error.field, "events[2].data/price");
        assert!(error.reason.contains("(minimum)"), "{}", error.reason);
        assert!(
            error.reason.contains("schema ItemCreated 1.0"),
            "{}",
            error.reason
        );
    }

    #[test]
    fn a_missing_field_is_named_at_the_object_holding_it() {
        let event = event("ItemCreated", json!({"price": 1}), Some("1.0"));
        let error = schemas(UnknownEventTypes::Allow)
            .check(0, &event)
            .unwrap_err();
        assert_eq!(error.field, "events[0].data");
        assert!(error.reason.contains("itemId"), "{}", error.reason);
        assert!(error.reason.contains("(required)"), "{}", error.reason);
    }

    #[test]
    fn several_failures_are_named_together() {
        let event = event(
            "ItemCreated",
            json!({"itemId": 5, "price": "x"}),
            Some("1.0"),
        );
        let error = schemas(UnknownEventTypes::Allow)
            .check(0, &event)
            .unwrap_err();
        assert!(error.reason.contains("; also /"), "{}", error.reason);
    }

    #[test]
    fn a_failure_never_quotes_the_value_it_refused() {
        // The value may be personal data, and the persister logs the reason.
        let event = event(
            "ItemCreated",
            json!({"itemId": "i-1", "price": "ada@example.com"}),
            Some("1.0"),
        );
        let error = schemas(UnknownEventTypes::Allow)
            .check(0, &event)
            .unwrap_err();
        assert_eq!(error.field, "events[0].data/price");
        assert!(error.reason.contains("(type)"), "{}", error.reason);
        assert!(
            !error.reason.contains("ada@example.com"),
            "{}",
            error.reason
        );
    }

    #[test]
    fn a_version_without_a_schema_is_refused_naming_the_known_ones() {
        let event = event("ItemCreated", json!({"itemId": "i"}), Some("3.0"));
        let error = schemas(UnknownEventTypes::Allow)
            .check(0, &event)
            .unwrap_err();
        assert_eq!(error.field, "events[0].metadata.schemaVersion");
        assert!(
            error.reason.contains("versions 1.0 only"),
            "{}",
            error.reason
        );
        assert!(error.reason.contains("version 3.0"), "{}", error.reason);
    }

    #[test]
    fn unknown_event_types_are_allowed_or_refused_by_the_setting() {
        let event = event("Other", json!({}), None);
        assert_eq!(schemas(UnknownEventTypes::Allow).check(0, &event), Ok(()));
        let error = schemas(UnknownEventTypes::Refuse)
            .check(1, &event)
            .unwrap_err();
        assert_eq!(error.field, "events[1].eventType");
        assert!(
            error.reason.contains("Other has no schema"),
            "{}",
            error.reason
        );
    }
}
