//! Declarative read models: per event type, an operation on one document of a named model,
//! keyed by a path into the event. Seed 003's items list is three lines of settings:
//! `ITEM_CREATED` upserts `{itemId, amount}`, `ITEM_AMOUNT_CHANGED` merges `amount`,
//! `ITEM_DELETED` deletes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{RecordedEvent, SettingsError};

/// What an event does to its document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ReadModelOp {
    /// Replace the document with `fields`.
    Upsert,
    /// Set `fields` on the document (created when missing).
    Merge,
    /// Add each of `fields` (a number, or a path to one) to the document's number.
    Increment,
    /// Remove the document.
    Delete,
}

/// One event type's effect.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReadModelRule {
    /// The operation.
    pub op: ReadModelOp,
    /// Document fields: a string is a path into the event (`data.amount`, `streamId`,
    /// `metadata.userId`, `eventTime`), anything else a literal.
    #[serde(default)]
    pub fields: BTreeMap<String, Value>,
}

/// A read model, as configured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReadModelDefinition {
    /// Its name: what `getReadModel` and `listReadModel` ask for.
    pub name: String,
    /// The path to the document key, e.g. `data.itemId`.
    pub key: String,
    /// The rules, by event type; other event types leave the model alone.
    pub on: BTreeMap<String, ReadModelRule>,
}

/// What an event does to a read model.
#[derive(Debug, Clone, PartialEq)]
pub enum ReadModelChange {
    /// Store this document under this key.
    Put {
        /// The document key.
        key: String,
        /// The new document.
        document: Value,
    },
    /// Remove the document under this key.
    Delete {
        /// The document key.
        key: String,
    },
}

impl ReadModelDefinition {
    /// Checks the definition; the error names the model and the problem.
    pub fn validate(&self) -> Result<(), SettingsError> {
        let fail = |reason: String| SettingsError {
            variable: "readModels",
            reason,
        };
        if self.name.trim().is_empty() {
            return Err(fail("a read model has no name".into()));
        }
        if crate::is_store_model(&self.name) || self.name.contains(crate::GENERATION_SEPARATOR) {
            return Err(fail(format!(
                "read model {}: names starting with $ or holding {} are the store's own",
                self.name,
                crate::GENERATION_SEPARATOR
            )));
        }
        if self.key.trim().is_empty() {
            return Err(fail(format!("read model {} has no key path", self.name)));
        }
        for (event_type, rule) in &self.on {
            if rule.op != ReadModelOp::Delete && rule.fields.is_empty() {
                return Err(fail(format!(
                    "read model {}: {event_type} sets no fields",
                    self.name
                )));
            }
        }
        Ok(())
    }

    /// The document key `event` addresses, if this model handles its type.
    pub fn key_of(&self, event: &RecordedEvent) -> Option<String> {
        self.on.get(event.event_type.as_str())?;
        text_at(&envelope(event), &self.key)
    }

    /// What `event` does to the document `current` (the stored one, if any). `None` when the
    /// model does not handle the event's type or the event has no key.
    pub fn apply(&self, current: Option<&Value>, event: &RecordedEvent) -> Option<ReadModelChange> {
        let rule = self.on.get(event.event_type.as_str())?;
        let envelope = envelope(event);
        let key = text_at(&envelope, &self.key)?;
        let field = |spec: &Value| match spec {
            Value::String(path) => value_at(&envelope, path).cloned().unwrap_or(Value::Null),
            literal => literal.clone(),
        };
        let document = match rule.op {
            ReadModelOp::Delete => return Some(ReadModelChange::Delete { key }),
            ReadModelOp::Upsert => Value::Object(
                rule.fields
                    .iter()
                    .map(|(name, spec)| (name.clone(), field(spec)))
                    .collect(),
            ),
            ReadModelOp::Merge | ReadModelOp::Increment => {
                let mut document = current
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_else(Map::new);
                for (name, spec) in &rule.fields {
                    let value = field(spec);
                    let value = if rule.op == ReadModelOp::Increment {
                        let before = document.get(name).and_then(Value::as_f64).unwrap_or(0.0);
                        number(before + value.as_f64().unwrap_or(0.0))
                    } else {
                        value
                    };
                    document.insert(name.clone(), value);
                }
                Value::Object(document)
            }
        };
        Some(ReadModelChange::Put { key, document })
    }
}

/// An integer when the sum is whole, so counts stay `3`, not `3.0`.
fn number(value: f64) -> Value {
    if value.fract() == 0.0 && value.abs() < 9.0e15 {
        Value::from(value as i64)
    } else {
        Value::from(value)
    }
}

fn envelope(event: &RecordedEvent) -> Value {
    serde_json::to_value(event).unwrap_or(Value::Null)
}

fn value_at<'v>(root: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.').try_fold(root, |value, key| value.get(key))
}

fn text_at(root: &Value, path: &str) -> Option<String> {
    match value_at(root, path)? {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{EventType, NewEvent, StreamId, Version};
    use serde_json::json;

    fn seed_003() -> ReadModelDefinition {
        serde_json::from_value(json!({
            "name": "testItems",
            "key": "data.itemId",
            "on": {
                "ITEM_CREATED": {"op": "upsert", "fields": {"itemId": "data.itemId", "amount": "data.amount"}},
                "ITEM_AMOUNT_CHANGED": {"op": "merge", "fields": {"amount": "data.amount"}},
                "ITEM_DELETED": {"op": "delete"}
            }
        }))
        .unwrap()
    }

    fn event(event_type: &str, data: Value) -> RecordedEvent {
        let new = NewEvent::new(EventType::new(event_type).unwrap(), data);
        RecordedEvent::record(
            StreamId::new("eb724435-02cb-4c68-9d7a-4b6471c5a810").unwrap(),
            Version::new(1),
            new,
            chrono::Utc::now(),
        )
    }

    #[test]
    fn seed_003_items_are_created_changed_and_deleted() {
        let model = seed_003();
        model.validate().unwrap();
        let created = model
            .apply(
                None,
                &event("ITEM_CREATED", json!({"itemId": "1", "amount": 225})),
            )
            .unwrap();
        assert_eq!(
            created,
            ReadModelChange::Put {
                key: "1".into(),
                document: json!({"itemId": "1", "amount": 225})
            }
        );
        let ReadModelChange::Put { document, .. } = created else {
            unreachable!()
        };
        let changed = model
            .apply(
                Some(&document),
                &event("ITEM_AMOUNT_CHANGED", json!({"itemId": "1", "amount": 500})),
            )
            .unwrap();
        assert_eq!(
            changed,
            ReadModelChange::Put {
                key: "1".into(),
                document: json!({"itemId": "1", "amount": 500})
            }
        );
        assert_eq!(
            model.apply(None, &event("ITEM_DELETED", json!({"itemId": "1"}))),
            Some(ReadModelChange::Delete { key: "1".into() })
        );
    }

    #[test]
    fn other_event_types_and_keyless_events_change_nothing() {
        assert_eq!(
            seed_003().apply(None, &event("ITEM_RENAMED", json!({"itemId": "1"}))),
            None
        );
        assert_eq!(
            seed_003().apply(None, &event("ITEM_CREATED", json!({"amount": 1}))),
            None
        );
    }

    #[test]
    fn increments_add_paths_and_literals() {
        let model: ReadModelDefinition = serde_json::from_value(json!({
            "name": "perStream", "key": "streamId",
            "on": {"Deposited": {"op": "increment", "fields": {"count": 1, "total": "data.amount"}}}
        }))
        .unwrap();
        let first = model
            .apply(None, &event("Deposited", json!({"amount": 2.5})))
            .unwrap();
        let ReadModelChange::Put { document, .. } = first else {
            panic!()
        };
        let second = model
            .apply(Some(&document), &event("Deposited", json!({"amount": 1.5})))
            .unwrap();
        let ReadModelChange::Put { document, .. } = second else {
            panic!()
        };
        assert_eq!(document, json!({"count": 2, "total": 4}));
    }

    #[test]
    fn a_rule_without_fields_is_refused_naming_the_model() {
        let model: ReadModelDefinition = serde_json::from_value(json!({
            "name": "broken", "key": "data.id", "on": {"X": {"op": "merge"}}
        }))
        .unwrap();
        assert!(model.validate().unwrap_err().reason.contains("broken"));
    }

    #[test]
    fn names_of_the_stores_own_models_and_generations_are_refused() {
        for name in ["$streams", "items@2"] {
            let model: ReadModelDefinition = serde_json::from_value(json!({
                "name": name, "key": "data.id", "on": {"X": {"op": "delete"}}
            }))
            .unwrap();
            assert!(model.validate().unwrap_err().reason.contains(name));
        }
    }
}
