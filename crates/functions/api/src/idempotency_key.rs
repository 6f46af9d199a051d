//! The `Idempotency-Key` header: a key the client chooses for one request, so that sending it
//! again (after a timeout or a 503 that left the outcome unknown) does what the first did once.
//! Events given without an `eventId` get ids derived from it, which the store's event-id guard
//! then answers as duplicates; a replay started with it takes an id derived from it, which the
//! replay function begins only once.

use event_store_domain::ValidationError;
use serde_json::{json, Value};
use uuid::Uuid;

/// The header's name, as HTTP clients send it (case does not matter).
pub const HEADER: &str = "idempotency-key";

/// The longest key taken.
pub const MAX_LEN: usize = 255;

/// The namespace of the ids derived from keys (a fixed UUID of this product's own).
const NAMESPACE: Uuid = Uuid::from_u128(0x6f1c_2a4e_58b3_4d0f_9a7e_3c51_e2b8_d904);

/// A checked idempotency key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// The key `raw`: 1 to 255 visible ASCII characters.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        if raw.is_empty() || raw.len() > MAX_LEN || !raw.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(ValidationError::new(
                "Idempotency-Key",
                format!("must be 1 to {MAX_LEN} visible ASCII characters"),
            ));
        }
        Ok(IdempotencyKey(raw.to_owned()))
    }

    /// The id of the `index`th event of the request this key names.
    pub fn event_id(&self, index: usize) -> String {
        Uuid::new_v5(&NAMESPACE, format!("event/{index}/{}", self.0).as_bytes()).to_string()
    }

    /// The id of the replay the request this key names starts.
    pub fn replay_id(&self) -> String {
        Uuid::new_v5(&NAMESPACE, format!("replay/{}", self.0).as_bytes()).to_string()
    }

    /// Gives each event of append command `command` that has no `eventId` the one this key
    /// derives for its place in the batch.
    pub fn name_events(&self, command: &mut Value) {
        let Some(events) = command.get_mut("events").and_then(Value::as_array_mut) else {
            return;
        };
        for (index, event) in events.iter_mut().enumerate() {
            if let Some(fields) = event.as_object_mut() {
                fields
                    .entry("eventId")
                    .or_insert_with(|| json!(self.event_id(index)));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_key_names_the_same_events_every_time_and_leaves_given_ids_alone() {
        let key = IdempotencyKey::parse("order-42-attempt").unwrap();
        let command = || json!({"streamId": "s", "events": [{"eventType": "A"}, {"eventType": "B", "eventId": "mine"}, {"eventType": "C"}]});
        let (mut first, mut again) = (command(), command());
        key.name_events(&mut first);
        key.name_events(&mut again);
        assert_eq!(first, again);
        assert_eq!(first["events"][1]["eventId"], "mine");
        assert_ne!(first["events"][0]["eventId"], first["events"][2]["eventId"]);
        let mut other = command();
        IdempotencyKey::parse("order-43-attempt")
            .unwrap()
            .name_events(&mut other);
        assert_ne!(first["events"][0]["eventId"], other["events"][0]["eventId"]);
    }

    #[test]
    fn a_replay_id_differs_from_every_event_id_of_its_key() {
        let key = IdempotencyKey::parse("k").unwrap();
        assert_eq!(key.replay_id(), key.replay_id());
        assert_ne!(key.replay_id(), key.event_id(0));
    }

    #[test]
    fn a_key_that_is_empty_too_long_or_not_visible_ascii_is_refused() {
        for bad in [
            String::new(),
            "x".repeat(MAX_LEN + 1),
            "a b".into(),
            "é".into(),
        ] {
            assert_eq!(
                IdempotencyKey::parse(&bad).unwrap_err().field,
                "Idempotency-Key"
            );
        }
        assert!(IdempotencyKey::parse(&"x".repeat(MAX_LEN)).is_ok());
    }
}
