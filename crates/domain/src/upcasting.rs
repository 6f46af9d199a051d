//! Upcasting: declared transformations of an event type's data from schema version n to the
//! next, applied when events are read, so aggregates and projections see only the latest
//! shape. Stored events are never rewritten; an upcast event's `metadata.schemaVersion` is the
//! version it was brought to, and its `payloadHash` stays the hash of what was written.

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::sync::Arc;

use serde::Deserialize;
use serde_json::Value;

use crate::json_pointer::JsonPointer;
use crate::RecordedEvent;

/// One step of an event type's data from one schema version to the next: implement it in Rust
/// for what a declaration cannot say, or declare renames, moves and defaults
/// ([`DeclaredUpcast`]).
pub trait Upcast: Send + Sync + Debug {
    /// The event type it applies to.
    fn event_type(&self) -> &str;
    /// The schema version it reads.
    fn reads_version(&self) -> &str;
    /// The schema version it gives.
    fn gives_version(&self) -> &str;
    /// Changes `event` (its data, or metadata other than the schema version, which the chain
    /// sets) from `reads_version`'s shape to `gives_version`'s.
    fn upcast(&self, event: &mut RecordedEvent);
}

/// An upcast declared in the event types file: fields renamed in place, moved, removed and
/// given defaults, in that order. A field that is not there is left alone (a rename or move of
/// it does nothing; a default fills it).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpcastDeclaration {
    /// The schema version it reads.
    pub from: String,
    /// The schema version it gives.
    pub to: String,
    /// A field's pointer to its new name in the same object: `{"/name": "title"}`.
    #[serde(default)]
    pub rename: BTreeMap<String, String>,
    /// A field's pointer to where it goes: `{"/price": "/price/amount"}`.
    #[serde(default, rename = "move")]
    pub moves: BTreeMap<String, String>,
    /// Fields dropped.
    #[serde(default)]
    pub remove: Vec<String>,
    /// A field's pointer to the value it gets when absent: `{"/currency": "EUR"}`.
    #[serde(default)]
    pub defaults: BTreeMap<String, Value>,
}

/// A declared upcast, its pointers parsed.
#[derive(Debug, Clone)]
pub struct DeclaredUpcast {
    event_type: String,
    from: String,
    to: String,
    moves: Vec<(JsonPointer, JsonPointer)>,
    remove: Vec<JsonPointer>,
    defaults: Vec<(JsonPointer, Value)>,
}

impl DeclaredUpcast {
    /// `declaration` for `event_type`; the error names the pointer that does not parse.
    pub fn new(event_type: &str, declaration: UpcastDeclaration) -> Result<Self, String> {
        let pointer = |text: &str| JsonPointer::parse(text);
        let mut moves = Vec::new();
        for (from, name) in &declaration.rename {
            let from = pointer(from)?;
            if name.is_empty() || name.contains('/') {
                return Err(format!(
                    "rename of {} to {name:?}: a new name is one field name, without /",
                    from.as_str()
                ));
            }
            let to = from
                .with_last(name)
                .ok_or_else(|| "rename of the whole data: name a field".to_owned())?;
            moves.push((from, to));
        }
        for (from, to) in &declaration.moves {
            moves.push((pointer(from)?, pointer(to)?));
        }
        Ok(DeclaredUpcast {
            event_type: event_type.to_owned(),
            from: declaration.from,
            to: declaration.to,
            moves,
            remove: declaration
                .remove
                .iter()
                .map(|p| pointer(p))
                .collect::<Result<_, _>>()?,
            defaults: declaration
                .defaults
                .into_iter()
                .map(|(p, v)| Ok((pointer(&p)?, v)))
                .collect::<Result<_, String>>()?,
        })
    }
}

impl Upcast for DeclaredUpcast {
    fn event_type(&self) -> &str {
        &self.event_type
    }

    fn reads_version(&self) -> &str {
        &self.from
    }

    fn gives_version(&self) -> &str {
        &self.to
    }

    fn upcast(&self, event: &mut RecordedEvent) {
        for (from, to) in &self.moves {
            if let Some(value) = from.take(&mut event.data) {
                to.put(&mut event.data, value);
            }
        }
        for field in &self.remove {
            field.take(&mut event.data);
        }
        for (field, value) in &self.defaults {
            if field.get(&event.data).is_none() {
                field.put(&mut event.data, value.clone());
            }
        }
    }
}

/// Every event type's upcasts, chained by version: an event read is brought from its schema
/// version (`metadata.schemaVersion`, else its type's unversioned version) to the newest one
/// its type's chain reaches.
#[derive(Debug, Clone, Default)]
pub struct Upcasters {
    steps: BTreeMap<(String, String), Arc<dyn Upcast>>,
    unversioned: BTreeMap<String, String>,
}

impl Upcasters {
    /// No upcasts: events are read as written.
    pub fn none() -> Self {
        Upcasters::default()
    }

    /// True when there is nothing to apply.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// Adds `upcast`; refused when its type already has a step from the same version, or when
    /// it would close a loop of versions.
    pub fn register(&mut self, upcast: Arc<dyn Upcast>) -> Result<(), String> {
        let event_type = upcast.event_type().to_owned();
        let from = upcast.reads_version().to_owned();
        if from == upcast.gives_version() {
            return Err(format!("{event_type}: an upcast from {from} to itself"));
        }
        let key = (event_type.clone(), from.clone());
        if self.steps.contains_key(&key) {
            return Err(format!("{event_type}: two upcasts from version {from}"));
        }
        // Follow the chain from where this step leads: reaching its start again is a loop.
        let mut version = upcast.gives_version().to_owned();
        while let Some(next) = self.steps.get(&(event_type.clone(), version.clone())) {
            version = next.gives_version().to_owned();
            if version == from {
                return Err(format!(
                    "{event_type}: the upcasts from {from} lead back to {from}"
                ));
            }
        }
        self.steps.insert(key, upcast);
        Ok(())
    }

    /// Events of `event_type` that name no schema version are read as `version`.
    pub fn set_unversioned(&mut self, event_type: &str, version: &str) {
        self.unversioned
            .insert(event_type.to_owned(), version.to_owned());
    }

    /// `event` in its type's newest shape.
    pub fn apply(&self, mut event: RecordedEvent) -> RecordedEvent {
        if self.steps.is_empty() {
            return event;
        }
        let event_type = event.event_type.as_str().to_owned();
        let Some(mut version) = event
            .metadata
            .schema_version
            .clone()
            .or_else(|| self.unversioned.get(&event_type).cloned())
        else {
            return event;
        };
        // Registration refuses loops, so the chain ends; the bound is a second guard.
        for _ in 0..=self.steps.len() {
            let Some(step) = self.steps.get(&(event_type.clone(), version)) else {
                break;
            };
            step.upcast(&mut event);
            version = step.gives_version().to_owned();
            event.metadata.schema_version = Some(version.clone());
        }
        event
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{EventType, Metadata, NewEvent, StreamId, Version};
    use chrono::Utc;
    use serde_json::json;

    fn item_created(data: Value, version: Option<&str>) -> RecordedEvent {
        RecordedEvent::record(
            StreamId::new("item-1").unwrap(),
            Version::new(1),
            NewEvent::new(EventType::new("ITEM_CREATED").unwrap(), data).with_metadata(Metadata {
                schema_version: version.map(str::to_owned),
                ..Metadata::default()
            }),
            Utc::now(),
        )
    }

    fn declared(value: Value) -> Arc<dyn Upcast> {
        Arc::new(
            DeclaredUpcast::new("ITEM_CREATED", serde_json::from_value(value).unwrap()).unwrap(),
        )
    }

    fn seed_002_upcasters() -> Upcasters {
        let mut upcasters = Upcasters::none();
        upcasters
            .register(declared(json!({
                "from": "1.0", "to": "2.0",
                "rename": {"/name": "title"},
                "move": {"/price": "/price/amount"},
                "defaults": {"/price/currency": "EUR"}
            })))
            .unwrap();
        upcasters
            .register(declared(json!({
                "from": "2.0", "to": "3.0", "remove": ["/legacyCode"],
                "defaults": {"/tags": []}
            })))
            .unwrap();
        upcasters
    }

    #[test]
    fn an_old_event_is_brought_through_every_version() {
        let read = seed_002_upcasters().apply(item_created(
            json!({"name": "Lamp", "price": 12, "legacyCode": "x"}),
            Some("1.0"),
        ));
        assert_eq!(
            read.data,
            json!({"title": "Lamp", "price": {"amount": 12, "currency": "EUR"}, "tags": []})
        );
        assert_eq!(read.metadata.schema_version.as_deref(), Some("3.0"));
    }

    #[test]
    fn the_payload_hash_stays_that_of_what_was_written() {
        let written = item_created(json!({"name": "Lamp", "price": 1}), Some("1.0"));
        let hash = written.payload_hash.clone();
        assert_eq!(seed_002_upcasters().apply(written).payload_hash, hash);
    }

    #[test]
    fn an_event_in_the_newest_shape_is_left_alone() {
        let event = item_created(json!({"title": "Lamp", "tags": ["a"]}), Some("3.0"));
        assert_eq!(seed_002_upcasters().apply(event.clone()), event);
    }

    #[test]
    fn an_unversioned_event_starts_where_its_type_says() {
        let mut upcasters = seed_002_upcasters();
        let unversioned = item_created(json!({"name": "Lamp"}), None);
        assert_eq!(upcasters.apply(unversioned.clone()), unversioned);
        upcasters.set_unversioned("ITEM_CREATED", "1.0");
        assert_eq!(upcasters.apply(unversioned).data["title"], "Lamp");
    }

    #[test]
    fn a_default_does_not_overwrite_a_value() {
        let read = seed_002_upcasters().apply(item_created(
            json!({"price": {"amount": 1, "currency": "USD"}, "tags": ["x"]}),
            Some("2.0"),
        ));
        assert_eq!(read.data["price"]["currency"], "USD");
        assert_eq!(read.data["tags"], json!(["x"]));
    }

    #[test]
    fn a_second_step_from_one_version_and_a_loop_are_refused() {
        let mut upcasters = seed_002_upcasters();
        let twice = upcasters.register(declared(json!({"from": "1.0", "to": "9.0"})));
        assert!(twice.unwrap_err().contains("two upcasts from version 1.0"));
        let back = upcasters.register(declared(json!({"from": "3.0", "to": "1.0"})));
        assert!(back.unwrap_err().contains("lead back to 3.0"));
    }

    #[derive(Debug)]
    struct CentsToAmount;

    impl Upcast for CentsToAmount {
        fn event_type(&self) -> &str {
            "ITEM_CREATED"
        }
        fn reads_version(&self) -> &str {
            "3.0"
        }
        fn gives_version(&self) -> &str {
            "4.0"
        }
        fn upcast(&self, event: &mut RecordedEvent) {
            if let Some(cents) = event.data.get("cents").and_then(Value::as_i64) {
                event.data["amount"] = json!(cents as f64 / 100.0);
            }
        }
    }

    #[test]
    fn a_rust_upcast_chains_after_declared_ones() {
        let mut upcasters = seed_002_upcasters();
        upcasters.register(Arc::new(CentsToAmount)).unwrap();
        let read = upcasters.apply(item_created(json!({"cents": 250}), Some("2.0")));
        assert_eq!(read.data["amount"], json!(2.5));
        assert_eq!(read.metadata.schema_version.as_deref(), Some("4.0"));
    }
}
