//! The event types file (`EVENT_TYPES_FILE`): per event type, its JSON Schemas by schema
//! version, its upcasts and its personal data, read once at cold start. Lambda's environment holds 4 KB, so the
//! catalogue is a file (a Lambda layer on AWS, `fixtures/` locally), not a variable.
//!
//! ```json
//! { "unknownEventTypes": "allow",
//!   "eventTypes": {
//!     "ITEM_CREATED": {
//!       "unversioned": "1.0",
//!       "schemas": { "1.0": { "type": "object" }, "2.0": { "type": "object" } },
//!       "upcasts": [ { "from": "1.0", "to": "2.0", "rename": { "/name": "title" } } ] },
//!     "CustomerRegistered": {
//!       "personalData": { "subject": "/customerId", "fields": ["/name", "/email"] } } } }
//! ```

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Deserialize;
use serde_json::Value;

use crate::event_schemas::TypeSchemas;
use crate::upcasting::{DeclaredUpcast, UpcastDeclaration};
use crate::{
    EventSchemas, NewEvent, PersonalDataDeclaration, PersonalDataRule, SealingPlan,
    UnknownEventTypes, Upcasters, ValidationError,
};

/// The file's document.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CatalogDocument {
    #[serde(default)]
    unknown_event_types: UnknownEventTypes,
    #[serde(default)]
    event_types: BTreeMap<String, EventTypeDocument>,
    /// The personal data of every event type without a rule of its own.
    #[serde(default)]
    personal_data: Option<PersonalDataDeclaration>,
}

/// One event type's entry.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct EventTypeDocument {
    #[serde(default)]
    unversioned: Option<String>,
    #[serde(default)]
    schemas: BTreeMap<String, Value>,
    #[serde(default)]
    upcasts: Vec<UpcastDeclaration>,
    #[serde(default)]
    personal_data: Option<PersonalDataDeclaration>,
}

/// A catalogue that does not load: where in the file, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("event types file: {at}: {reason}")]
pub struct CatalogError {
    /// Where: `line 3 column 7`, or the entry, e.g. `eventTypes.ITEM_CREATED.schemas.1.0`.
    pub at: String,
    /// What is wrong.
    pub reason: String,
}

/// What the store knows of event types: schemas checked on append, upcasts applied on read.
#[derive(Debug, Default, Clone)]
pub struct EventCatalog {
    schemas: Arc<EventSchemas>,
    upcasters: Upcasters,
    personal: BTreeMap<String, PersonalDataRule>,
    personal_default: Option<PersonalDataRule>,
}

impl EventCatalog {
    /// No schemas, no upcasts: every event is stored and read as written.
    pub fn empty() -> Self {
        EventCatalog::default()
    }

    /// The catalogue in `text`, the event types file; every schema is compiled and every upcast
    /// chained here, so a bad file fails at cold start naming the entry.
    pub fn from_json(text: &str) -> Result<Self, CatalogError> {
        let document: CatalogDocument = serde_json::from_str(text).map_err(|e| CatalogError {
            at: format!("line {} column {}", e.line(), e.column()),
            reason: e.to_string(),
        })?;
        let mut schemas = EventSchemas {
            types: BTreeMap::new(),
            unknown: document.unknown_event_types,
        };
        let mut upcasters = Upcasters::none();
        let mut personal = BTreeMap::new();
        let personal_default = document
            .personal_data
            .map(PersonalDataRule::new)
            .transpose()
            .map_err(|reason| CatalogError {
                at: "personalData".into(),
                reason,
            })?;
        for (event_type, entry) in document.event_types {
            let at = |part: &str| format!("eventTypes.{event_type}.{part}");
            crate::EventType::new(&event_type).map_err(|e| CatalogError {
                at: format!("eventTypes.{event_type}"),
                reason: e.reason,
            })?;
            let mut by_version = BTreeMap::new();
            for (version, schema) in &entry.schemas {
                let validator = EventSchemas::compile(schema).map_err(|reason| CatalogError {
                    at: at(&format!("schemas.{version}")),
                    reason,
                })?;
                by_version.insert(version.clone(), validator);
            }
            if let Some(version) = &entry.unversioned {
                upcasters.set_unversioned(&event_type, version);
            }
            for (index, declaration) in entry.upcasts.into_iter().enumerate() {
                let upcast_at = at(&format!("upcasts[{index}]"));
                let upcast = DeclaredUpcast::new(&event_type, declaration).map_err(|reason| {
                    CatalogError {
                        at: upcast_at.clone(),
                        reason,
                    }
                })?;
                upcasters
                    .register(Arc::new(upcast))
                    .map_err(|reason| CatalogError {
                        at: upcast_at,
                        reason,
                    })?;
            }
            if let Some(declaration) = entry.personal_data {
                let rule = PersonalDataRule::new(declaration).map_err(|reason| CatalogError {
                    at: at("personalData"),
                    reason,
                })?;
                personal.insert(event_type.clone(), rule);
            }
            schemas.types.insert(
                event_type,
                TypeSchemas {
                    by_version,
                    unversioned: entry.unversioned,
                },
            );
        }
        Ok(EventCatalog {
            schemas: Arc::new(schemas),
            upcasters,
            personal,
            personal_default,
        })
    }

    /// The same catalogue with `upcasters` (Rust upcasts registered by the application) in
    /// place of its declared ones.
    pub fn with_upcasters(mut self, upcasters: Upcasters) -> Self {
        self.upcasters = upcasters;
        self
    }

    /// The upcasts applied on read.
    pub fn upcasters(&self) -> &Upcasters {
        &self.upcasters
    }

    /// The schemas checked on append.
    pub fn schemas(&self) -> &EventSchemas {
        &self.schemas
    }

    /// True when some event type holds personal data (a store then needs its keys).
    pub fn declares_personal_data(&self) -> bool {
        !self.personal.is_empty() || self.personal_default.is_some()
    }

    /// The personal data rule of `event_type`: its own, else the one for every type.
    pub fn personal_data_of(&self, event_type: &str) -> Option<&PersonalDataRule> {
        // The store's own record of a forget names the subject and their key ids, no more.
        if event_type == crate::SUBJECT_FORGOTTEN {
            return None;
        }
        self.personal
            .get(event_type)
            .or(self.personal_default.as_ref())
    }

    /// What sealing each of an append's events takes (`None` for an event with no personal
    /// data); an event with personal data and no subject is refused naming where it should be.
    pub fn sealing_plans(
        &self,
        events: &[NewEvent],
    ) -> Result<Vec<Option<SealingPlan>>, ValidationError> {
        events
            .iter()
            .enumerate()
            .map(
                |(position, event)| match self.personal_data_of(event.event_type.as_str()) {
                    Some(rule) => rule.plan(position, event),
                    None => Ok(None),
                },
            )
            .collect()
    }

    /// Checks each of an append's events against its schema; the first failure is returned.
    pub fn check_all(&self, events: &[NewEvent]) -> Result<(), ValidationError> {
        if self.schemas.is_empty() {
            return Ok(());
        }
        events
            .iter()
            .enumerate()
            // The store's own record of a forget is not the application's to describe.
            .filter(|(_, event)| event.event_type.as_str() != crate::SUBJECT_FORGOTTEN)
            .try_for_each(|(position, event)| self.schemas.check(position, event))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EventType;
    use serde_json::json;

    #[test]
    fn the_shipped_fixture_loads() {
        let text = include_str!("../../../fixtures/event-types.json");
        let catalog = EventCatalog::from_json(text).unwrap();
        assert!(!catalog.schemas().is_empty());
        assert!(!catalog.upcasters().is_empty());
        assert!(catalog.declares_personal_data());
        assert!(catalog.personal_data_of("CustomerRegistered").is_some());
        assert!(catalog.personal_data_of("ProductCreated").is_none());
    }

    #[test]
    fn a_rule_for_every_type_yields_to_a_types_own() {
        let text = json!({
            "personalData": {"subject": "metadata.userId", "fields": ["/email"]},
            "eventTypes": {"A": {"personalData": {"subject": "/id", "fields": ["/name"]}}}
        });
        let catalog = EventCatalog::from_json(&text.to_string()).unwrap();
        let a = NewEvent::new(
            EventType::new("A").unwrap(),
            json!({"id": "s-1", "name": "N", "email": "e"}),
        );
        let b = NewEvent::new(EventType::new("B").unwrap(), json!({"email": "e"}));
        let plans = catalog.sealing_plans(std::slice::from_ref(&a)).unwrap();
        assert_eq!(plans[0].as_ref().unwrap().fields.len(), 1);
        let error = catalog.sealing_plans(&[a, b]).unwrap_err();
        assert_eq!(error.field, "events[1].metadata.userId");
    }

    #[test]
    fn a_schema_that_is_not_one_is_named() {
        let text = json!({"eventTypes": {"A": {"schemas": {"1": {"type": "nonsense"}}}}});
        let error = EventCatalog::from_json(&text.to_string()).unwrap_err();
        assert_eq!(error.at, "eventTypes.A.schemas.1");
    }

    #[test]
    fn a_typo_in_the_file_is_named_with_its_place() {
        let error = EventCatalog::from_json("{\n \"eventTyps\": {}\n}").unwrap_err();
        assert_eq!(error.at, "line 2 column 12");
        assert!(error.reason.contains("eventTyps"), "{}", error.reason);
    }

    #[test]
    fn a_bad_upcast_is_named_by_its_position() {
        let text = json!({"eventTypes": {"A": {"upcasts": [
            {"from": "1", "to": "2"}, {"from": "1", "to": "3"}
        ]}}});
        let error = EventCatalog::from_json(&text.to_string()).unwrap_err();
        assert_eq!(error.at, "eventTypes.A.upcasts[1]");
        let text = json!({"eventTypes": {"A": {"upcasts": [{"from": "1", "to": "2", "move": {"x": "/y"}}]}}});
        let error = EventCatalog::from_json(&text.to_string()).unwrap_err();
        assert!(
            error.reason.contains("must start with /"),
            "{}",
            error.reason
        );
    }

    #[test]
    fn an_append_is_checked_event_by_event() {
        let text = json!({"unknownEventTypes": "refuse", "eventTypes": {"A": {}}});
        let catalog = EventCatalog::from_json(&text.to_string()).unwrap();
        let a = NewEvent::new(EventType::new("A").unwrap(), json!({}));
        let b = NewEvent::new(EventType::new("B").unwrap(), json!({}));
        assert_eq!(catalog.check_all(std::slice::from_ref(&a)), Ok(()));
        let error = catalog.check_all(&[a, b]).unwrap_err();
        assert_eq!(error.field, "events[1].eventType");
    }
}
