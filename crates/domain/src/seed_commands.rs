//! The single-event command shapes the seeds' users already send, accepted as they are:
//! seed 004's `{"aggregateId", "eventType", "eventData"}` and seed 003's `{"streamId", "type",
//! "data"}`. Each becomes an append command of one event with no expected version.

use serde_json::{json, Map, Value};

/// The append command for a seed's single-event shape, or `None` for any other payload.
pub fn to_append_command(payload: &Value) -> Option<Value> {
    let object = payload.as_object()?;
    if object.contains_key("events") {
        return None;
    }
    let (stream, event_type, data) = if object.contains_key("aggregateId") {
        ("aggregateId", "eventType", "eventData")
    } else if object.contains_key("streamId") && object.contains_key("type") {
        ("streamId", "type", "data")
    } else {
        return None;
    };
    let mut event = Map::new();
    event.insert(
        "eventType".into(),
        object.get(event_type).cloned().unwrap_or(Value::Null),
    );
    event.insert(
        "data".into(),
        object.get(data).cloned().unwrap_or_else(|| json!({})),
    );
    for optional in ["eventId", "aggregateType", "eventTime", "metadata"] {
        if let Some(value) = object.get(optional) {
            event.insert(optional.into(), value.clone());
        }
    }
    Some(json!({
        "streamId": object.get(stream).cloned().unwrap_or(Value::Null),
        "expectedVersion": object.get("expectedVersion").cloned().unwrap_or_else(|| json!("any")),
        "events": [event],
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_004_command_handler_payload() {
        let command = to_append_command(&json!({
            "aggregateId": "account-123",
            "eventType": "AccountCreated",
            "eventData": {"accountId": "account-123"}
        }))
        .unwrap();
        assert_eq!(command["streamId"], "account-123");
        assert_eq!(command["events"][0]["eventType"], "AccountCreated");
        assert_eq!(command["events"][0]["data"]["accountId"], "account-123");
        assert_eq!(command["expectedVersion"], "any");
    }

    #[test]
    fn seed_003_add_event_payload() {
        let command = to_append_command(&json!({
            "streamId": "eb724435-02cb-4c68-9d7a-4b6471c5a810",
            "type": "ITEM_CREATED",
            "data": {"itemId": "1", "amount": 225}
        }))
        .unwrap();
        assert_eq!(command["events"][0]["eventType"], "ITEM_CREATED");
        assert_eq!(command["events"][0]["data"]["amount"], 225);
    }

    #[test]
    fn a_full_command_is_left_alone() {
        assert!(to_append_command(&json!({"streamId": "s", "events": []})).is_none());
    }
}
