//! Personal data in events, for erasure by crypto-shredding: which fields of an event type hold
//! personal data and which names their data subject (declared in the event types file), and
//! the sealed form such a value is stored in.
//!
//! A sealed value replaces the plaintext in place, as a JSON object of one member:
//! `{"$sealed": {"subject": "c-1", "key": "<key id>", "nonce": "<base64>", "ciphertext": "<base64>"}}`,
//! AES-256-GCM under the subject's data key. It is self-describing, so whatever copies it (a
//! reducer folding state, a read model, a snapshot) carries it sealed, and every reader opens it
//! at the edge: the plaintext while the subject's key exists, [`ERASED`] once it is forgotten.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::json_pointer::JsonPointer;
use crate::{NewEvent, ValidationError};

/// The member name of a sealed value's object.
pub const SEALED: &str = "$sealed";

/// What a sealed value of a forgotten subject reads as, wherever it is.
pub const ERASED: &str = "[erased]";

/// The longest subject id, in bytes (its erasure stream's id is `erasure-` and it).
pub const MAX_SUBJECT_BYTES: usize = 256;

/// The event type of the event a forget stores.
pub const SUBJECT_FORGOTTEN: &str = "SubjectForgotten";

/// Checks `subject` as a data subject's id: what an identifier may be (1 to
/// [`MAX_SUBJECT_BYTES`] bytes, no control characters, no surrounding whitespace), so that its
/// erasure stream is a valid stream id and a forget of every subject that has keys can be
/// recorded.
pub fn check_subject(field: &str, subject: &str) -> Result<(), ValidationError> {
    crate::name::check_identifier(field, subject, MAX_SUBJECT_BYTES)
}

/// The stream a subject's forgets are stored in.
pub fn erasure_stream(subject: &str) -> String {
    format!("erasure-{subject}")
}

/// A personal value as stored: who it belongs to, under which of their keys, and its
/// ciphertext (the JSON text of the value, authenticated with the subject and key id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SealedValue {
    /// The data subject.
    pub subject: String,
    /// The id of the subject's data key it is sealed under.
    pub key: String,
    /// The 96-bit nonce, base64.
    pub nonce: String,
    /// The ciphertext and its 128-bit tag, base64.
    pub ciphertext: String,
}

impl SealedValue {
    /// The sealed value's JSON form.
    pub fn to_value(&self) -> Value {
        let mut object = serde_json::Map::new();
        object.insert(
            SEALED.to_owned(),
            serde_json::to_value(self).expect("strings serialize"),
        );
        Value::Object(object)
    }

    /// `value` read as a sealed value, if it is one (an object whose only member is `$sealed`).
    pub fn of(value: &Value) -> Option<SealedValue> {
        let object = value.as_object()?;
        if object.len() != 1 {
            return None;
        }
        serde_json::from_value(object.get(SEALED)?.clone()).ok()
    }
}

/// Where an event's data subject is named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubjectSource {
    /// A field of its data, by JSON pointer: `/customerId`.
    Data(JsonPointer),
    /// Its `metadata.userId`.
    UserId,
}

/// One event type's personal data: the fields that hold it and what names their subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonalDataRule {
    subject: SubjectSource,
    fields: Vec<JsonPointer>,
}

/// The rule as the event types file writes it: `{"subject": "/customerId", "fields": ["/email"]}`
/// (`"subject": "metadata.userId"` for the user in the metadata).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PersonalDataDeclaration {
    /// A JSON pointer into the data, or `metadata.userId`.
    pub subject: String,
    /// JSON pointers to the fields holding personal data.
    pub fields: Vec<String>,
}

/// What sealing an event takes: its subject and the fields present in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealingPlan {
    /// The data subject.
    pub subject: String,
    /// The personal fields the event holds (absent ones are left out).
    pub fields: Vec<JsonPointer>,
}

impl PersonalDataRule {
    /// The rule declared; the error names what does not parse.
    pub fn new(declaration: PersonalDataDeclaration) -> Result<Self, String> {
        let subject = if declaration.subject == "metadata.userId" {
            SubjectSource::UserId
        } else {
            SubjectSource::Data(JsonPointer::parse(&declaration.subject)?)
        };
        if declaration.fields.is_empty() {
            return Err("fields: name at least one field holding personal data".into());
        }
        let fields = declaration
            .fields
            .iter()
            .map(|f| JsonPointer::parse(f))
            .collect::<Result<Vec<_>, _>>()?;
        if let SubjectSource::Data(pointer) = &subject {
            if fields.iter().any(|f| f == pointer) {
                return Err(format!(
                    "{}: the subject's id names whose data it is and is not sealed itself",
                    pointer.as_str()
                ));
            }
        }
        Ok(PersonalDataRule { subject, fields })
    }

    /// What sealing `event` (the `position`th of its append) takes, `None` when it holds none of
    /// the fields; an event holding personal data without a subject is refused naming where
    /// the subject should be.
    pub fn plan(
        &self,
        position: usize,
        event: &NewEvent,
    ) -> Result<Option<SealingPlan>, ValidationError> {
        let fields: Vec<JsonPointer> = self
            .fields
            .iter()
            .filter(|f| {
                f.get(&event.data)
                    .is_some_and(|v| SealedValue::of(v).is_none())
            })
            .cloned()
            .collect();
        if fields.is_empty() {
            return Ok(None);
        }
        let (field, subject) = match &self.subject {
            SubjectSource::Data(pointer) => (
                format!("events[{position}].data{}", pointer.as_str()),
                pointer.get(&event.data).and_then(Value::as_str),
            ),
            SubjectSource::UserId => (
                format!("events[{position}].metadata.userId"),
                event.metadata.user_id.as_deref(),
            ),
        };
        match subject {
            Some(subject) => {
                check_subject(&field, subject).map_err(|invalid| {
                    ValidationError::new(
                        field.clone(),
                        format!(
                            "names the data subject of {} (personal data) and {}",
                            event.event_type, invalid.reason
                        ),
                    )
                })?;
                Ok(Some(SealingPlan {
                    subject: subject.to_owned(),
                    fields,
                }))
            }
            None => Err(ValidationError::new(
                field,
                format!(
                    "names the data subject of {} (personal data): a text of 1 to {MAX_SUBJECT_BYTES} bytes",
                    event.event_type
                ),
            )),
        }
    }
}

/// Refuses what only the store writes: an event of type [`SUBJECT_FORGOTTEN`] (a forget
/// records it) and a [`SEALED`] member anywhere in an event's data (only the store seals values;
/// one given by a client would be taken for a sealed value on every read).
pub fn check_not_reserved(events: &[NewEvent]) -> Result<(), ValidationError> {
    for (position, event) in events.iter().enumerate() {
        if event.event_type.as_str() == SUBJECT_FORGOTTEN {
            return Err(ValidationError::new(
                format!("events[{position}].eventType"),
                format!("{SUBJECT_FORGOTTEN} is the store's own record of a forget: ask the store to forget the subject"),
            ));
        }
        let extra = Value::Object(event.metadata.extra.clone());
        for (part, value) in [("data", &event.data), ("metadata.extra", &extra)] {
            if let Some(at) = reserved_member(value, &mut String::new()) {
                return Err(ValidationError::new(
                    format!("events[{position}].{part}{at}"),
                    format!("holds a member named {SEALED}, which is reserved for the values the store seals"),
                ));
            }
        }
    }
    Ok(())
}

/// The JSON pointer of the first object in `value` with a [`SEALED`] member.
fn reserved_member(value: &Value, at: &mut String) -> Option<String> {
    let before = at.len();
    let found = match value {
        Value::Object(map) if map.contains_key(SEALED) => Some(at.clone()),
        Value::Object(map) => map.iter().find_map(|(name, v)| {
            at.truncate(before);
            at.push('/');
            at.push_str(&name.replace('~', "~0").replace('/', "~1"));
            reserved_member(v, at)
        }),
        Value::Array(items) => items.iter().enumerate().find_map(|(i, v)| {
            at.truncate(before);
            at.push('/');
            at.push_str(&i.to_string());
            reserved_member(v, at)
        }),
        _ => None,
    };
    at.truncate(before);
    found
}

/// The subject and key id of every sealed value in `value`.
pub fn sealed_keys(value: &Value, keys: &mut BTreeSet<(String, String)>) {
    if let Some(sealed) = SealedValue::of(value) {
        keys.insert((sealed.subject, sealed.key));
        return;
    }
    match value {
        Value::Object(map) => map.values().for_each(|v| sealed_keys(v, keys)),
        Value::Array(items) => items.iter().for_each(|v| sealed_keys(v, keys)),
        _ => {}
    }
}

/// Replaces every sealed value in `value` by what `open` gives for it.
pub fn open_sealed(value: &mut Value, open: &mut dyn FnMut(&SealedValue) -> Value) {
    if let Some(sealed) = SealedValue::of(value) {
        *value = open(&sealed);
        return;
    }
    match value {
        Value::Object(map) => map.values_mut().for_each(|v| open_sealed(v, open)),
        Value::Array(items) => items.iter_mut().for_each(|v| open_sealed(v, open)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{EventType, Metadata};
    use serde_json::json;

    fn rule(subject: &str, fields: &[&str]) -> PersonalDataRule {
        PersonalDataRule::new(PersonalDataDeclaration {
            subject: subject.into(),
            fields: fields.iter().map(|f| f.to_string()).collect(),
        })
        .unwrap()
    }

    fn customer(data: Value) -> NewEvent {
        NewEvent::new(EventType::new("CustomerRegistered").unwrap(), data)
    }

    #[test]
    fn a_subject_that_could_not_name_its_erasure_stream_is_refused() {
        for subject in ["ada ", "ada\n", ""] {
            let error = rule("/customerId", &["/name"])
                .plan(3, &customer(json!({"customerId": subject, "name": "Ada"})))
                .unwrap_err();
            assert_eq!(error.field, "events[3].data/customerId", "{subject:?}");
        }
    }

    #[test]
    fn what_only_the_store_writes_is_refused_naming_where_it_is() {
        let forgotten = NewEvent::new(
            EventType::new(SUBJECT_FORGOTTEN).unwrap(),
            json!({"subjectId": "c-1"}),
        );
        let error = check_not_reserved(&[customer(json!({})), forgotten]).unwrap_err();
        assert_eq!(error.field, "events[1].eventType");
        let smuggled = customer(json!({"a/b": [{"x": 1}, {"$sealed": {"subject": "c-2"}}]}));
        let error = check_not_reserved(&[smuggled]).unwrap_err();
        assert_eq!(error.field, "events[0].data/a~1b/1");
        assert!(error.reason.contains("$sealed"), "{error}");
        assert!(check_not_reserved(&[customer(json!({"sealed": 1, "x": ["$sealed"]}))]).is_ok());
        let mut in_metadata = customer(json!({}));
        in_metadata
            .metadata
            .extra
            .insert("note".into(), json!({"$sealed": {}}));
        let error = check_not_reserved(&[in_metadata]).unwrap_err();
        assert_eq!(error.field, "events[0].metadata.extra/note");
    }

    #[test]
    fn a_plan_names_the_subject_and_the_fields_present() {
        let plan = rule("/customerId", &["/name", "/email", "/address/street"])
            .plan(
                0,
                &customer(
                    json!({"customerId": "c-1", "name": "Ada", "address": {"street": "1 Main"}}),
                ),
            )
            .unwrap()
            .unwrap();
        assert_eq!(plan.subject, "c-1");
        let fields: Vec<&str> = plan.fields.iter().map(JsonPointer::as_str).collect();
        assert_eq!(fields, ["/name", "/address/street"]);
    }

    #[test]
    fn an_event_without_personal_fields_needs_no_key() {
        let event = customer(json!({"customerId": "c-1", "plan": "gold"}));
        assert_eq!(rule("/customerId", &["/name"]).plan(0, &event), Ok(None));
    }

    #[test]
    fn personal_data_without_a_subject_is_refused_naming_where_it_should_be() {
        let event = customer(json!({"name": "Ada"}));
        let error = rule("/customerId", &["/name"]).plan(3, &event).unwrap_err();
        assert_eq!(error.field, "events[3].data/customerId");
        let error = rule("metadata.userId", &["/name"])
            .plan(0, &event)
            .unwrap_err();
        assert_eq!(error.field, "events[0].metadata.userId");
        let with_user = event.with_metadata(Metadata {
            user_id: Some("u-9".into()),
            ..Metadata::default()
        });
        let plan = rule("metadata.userId", &["/name"])
            .plan(0, &with_user)
            .unwrap();
        assert_eq!(plan.unwrap().subject, "u-9");
    }

    #[test]
    fn the_subject_cannot_be_one_of_the_sealed_fields() {
        let error = PersonalDataRule::new(PersonalDataDeclaration {
            subject: "/customerId".into(),
            fields: vec!["/customerId".into()],
        })
        .unwrap_err();
        assert!(error.contains("not sealed itself"), "{error}");
    }

    #[test]
    fn sealed_values_are_found_and_opened_wherever_they_were_copied() {
        let sealed = SealedValue {
            subject: "c-1".into(),
            key: "k".into(),
            nonce: "n".into(),
            ciphertext: "c".into(),
        };
        let mut state = json!({"customers": [{"name": sealed.to_value(), "plan": "gold"}], "n": 1});
        let mut keys = BTreeSet::new();
        sealed_keys(&state, &mut keys);
        assert_eq!(
            keys.into_iter().collect::<Vec<_>>(),
            [("c-1".to_owned(), "k".to_owned())]
        );
        open_sealed(&mut state, &mut |s| json!(format!("opened {}", s.subject)));
        assert_eq!(state["customers"][0]["name"], "opened c-1");
        assert_eq!(state["customers"][0]["plan"], "gold");
    }

    #[test]
    fn an_object_with_other_members_is_not_a_sealed_value() {
        assert_eq!(SealedValue::of(&json!({"$sealed": {}, "x": 1})), None);
        assert_eq!(SealedValue::of(&json!({"$sealed": "text"})), None);
    }
}
