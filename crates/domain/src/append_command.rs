//! The append command in JSON, as clients send it (Lambda invoke, `esctl append`, fixtures):
//! `{ "streamId", "expectedVersion"?, "events": [ { "eventId"?, "eventType", "data", ... } ] }`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{AppendRequest, ExpectedVersion, NewEvent, StreamId, ValidationError};

/// An append command before validation; [`AppendCommand::validate`] turns it into an
/// [`AppendRequest`] or an error naming the field (`events[2]`, `streamId`, ...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AppendCommand {
    /// The stream to append to.
    pub stream_id: String,
    /// The version the stream must be at; any when absent.
    #[serde(default)]
    pub expected_version: ExpectedVersion,
    /// The events, each as JSON, validated one by one so errors say which.
    pub events: Vec<Value>,
}

impl AppendCommand {
    /// Parses a JSON command; malformed JSON shapes are named too.
    pub fn from_json(value: Value) -> Result<AppendRequest, ValidationError> {
        let command: AppendCommand = serde_json::from_value(value)
            .map_err(|e| ValidationError::new("command", e.to_string()))?;
        command.validate()
    }

    /// Validates every part.
    pub fn validate(self) -> Result<AppendRequest, ValidationError> {
        let stream_id = StreamId::new(self.stream_id)?;
        let events = self
            .events
            .into_iter()
            .enumerate()
            .map(|(index, event)| {
                serde_json::from_value::<NewEvent>(event)
                    .map_err(|e| ValidationError::new(format!("events[{index}]"), e.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        AppendRequest::new(stream_id, self.expected_version, events)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_well_formed_command_becomes_a_request() {
        let request = AppendCommand::from_json(json!({
            "streamId": "eb724435-02cb-4c68-9d7a-4b6471c5a810",
            "expectedVersion": 2,
            "events": [{"eventType": "ITEM_CREATED", "data": {"itemId": "1", "amount": 225}}]
        }))
        .unwrap();
        assert_eq!(request.events().len(), 1);
        assert_eq!(
            request.expected(),
            ExpectedVersion::Exact(crate::Version::new(2))
        );
    }

    #[test]
    fn a_bad_event_is_named_by_position_and_field() {
        let error = AppendCommand::from_json(json!({
            "streamId": "s",
            "events": [{"eventType": "A", "data": {}}, {"eventType": "", "data": {}}]
        }))
        .unwrap_err();
        assert_eq!(error.field, "events[1]");
        assert!(error.reason.contains("eventType"), "{}", error.reason);
    }

    #[test]
    fn an_unknown_top_level_field_is_rejected() {
        let error = AppendCommand::from_json(json!({"streamId": "s", "event": []})).unwrap_err();
        assert_eq!(error.field, "command");
        assert!(error.reason.contains("event"), "{}", error.reason);
    }
}
