//! Event ids derived from where an event goes, so a commit sent again is the same events.
//!
//! An event's id is the UUIDv5, in a namespace of this crate, of its aggregate type, aggregate
//! id, sequence and metadata. A commit sent again after its answer was lost carries the same
//! ids, and the store answers it as a duplicate (nothing written twice). Another writer's event
//! at the same sequence either has other metadata, so another id and the store's version check
//! refuses it, or the same metadata and other content, which the store tells apart by its
//! payload hash (`IdReused`); both are cqrs-es's optimistic-lock error. Only an event of the
//! same content and metadata at the same position is taken for a retry: a caller that puts a
//! command id in cqrs-es's metadata (`execute_with_metadata`) makes even that one its own.

use std::collections::BTreeMap;

use event_store_domain::{EventId, ValidationError};
use serde_json::{Map, Value};
use uuid::Uuid;

/// The namespace of the ids (random, fixed forever: changing it changes every id).
pub const NAMESPACE: Uuid = Uuid::from_u128(0x6d9a_f768_8e16_497c_83d4_5549_562d_f8ef);

/// The id of the event at `sequence` of `aggregate_id` of `aggregate_type`, with `metadata`.
pub fn event_id_of(
    aggregate_type: &str,
    aggregate_id: &str,
    sequence: usize,
    metadata: &Value,
) -> Result<EventId, ValidationError> {
    // Length-prefixed parts: no two different tuples give the same name.
    let mut name = Vec::new();
    let metadata = canonical(metadata);
    for part in [
        aggregate_type,
        aggregate_id,
        &sequence.to_string(),
        metadata.as_str(),
    ] {
        name.extend_from_slice(&part.len().to_be_bytes());
        name.extend_from_slice(part.as_bytes());
    }
    EventId::new(Uuid::new_v5(&NAMESPACE, &name).to_string())
}

/// `metadata` as JSON with its members sorted by name, so the id does not depend on the order
/// a `HashMap` gave them.
fn canonical(metadata: &Value) -> String {
    match metadata {
        Value::Object(members) => {
            let sorted: BTreeMap<&String, &Value> = members.iter().collect();
            let sorted: Map<String, Value> = sorted
                .into_iter()
                .map(|(name, value)| (name.clone(), value.clone()))
                .collect();
            Value::Object(sorted).to_string()
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_same_event_at_the_same_place_has_the_same_id() {
        let metadata = json!({"user": "u-1", "command": "c-9"});
        let reordered = json!({"command": "c-9", "user": "u-1"});
        assert_eq!(
            event_id_of("Account", "a-1", 3, &metadata).unwrap(),
            event_id_of("Account", "a-1", 3, &reordered).unwrap()
        );
        let id = event_id_of("Account", "a-1", 3, &json!({})).unwrap();
        assert!(Uuid::parse_str(id.as_str()).unwrap().get_version_num() == 5);
    }

    #[test]
    fn any_other_place_or_metadata_is_another_id() {
        let base = event_id_of("Account", "a-1", 3, &json!({})).unwrap();
        for other in [
            event_id_of("Account", "a-1", 4, &json!({})).unwrap(),
            event_id_of("Account", "a-2", 3, &json!({})).unwrap(),
            event_id_of("Ledger", "a-1", 3, &json!({})).unwrap(),
            event_id_of("Account", "a-1", 3, &json!({"command": "c-1"})).unwrap(),
            // the parts are length-prefixed: moving a character between them changes the id
            event_id_of("Accoun", "ta-1", 3, &json!({})).unwrap(),
        ] {
            assert_ne!(base, other);
        }
    }
}
