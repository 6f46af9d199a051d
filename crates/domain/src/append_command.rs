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
    /// Parses a JSON command; malformed JSON shapes are named too (`expectedVersion`, or
    /// `command` for the shape as a whole).
    pub fn from_json(value: Value) -> Result<AppendRequest, ValidationError> {
        let (stream_id, expected, events) = AppendCommand::parts_of(value)?;
        AppendRequest::new(stream_id, expected, events)
    }

    /// Parses a command in any shape a client sends: a full command, or a seed's single event
    /// (seed 003's `{streamId, type, data}`, seed 004's `{aggregateId, eventType, eventData}`).
    pub fn from_any_json(value: Value) -> Result<AppendRequest, ValidationError> {
        match crate::to_append_command(&value) {
            Some(command) => AppendCommand::from_json(command),
            None => AppendCommand::from_json(value),
        }
    }

    /// The stream, expected version and events of a JSON command, each validated, with no limit
    /// on the number of events: what a chunked append takes.
    pub fn parts_of(
        value: Value,
    ) -> Result<(StreamId, ExpectedVersion, Vec<NewEvent>), ValidationError> {
        let command = AppendCommand::parse(value)?;
        let stream_id = StreamId::new(command.stream_id)?;
        let events = command
            .events
            .into_iter()
            .enumerate()
            .map(|(index, event)| {
                serde_json::from_value::<NewEvent>(event)
                    .map_err(|e| ValidationError::new(format!("events[{index}]"), e.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok((stream_id, command.expected_version, events))
    }

    fn parse(mut value: Value) -> Result<AppendCommand, ValidationError> {
        let expected = match value
            .as_object_mut()
            .and_then(|command| command.remove("expectedVersion"))
        {
            None | Some(Value::Null) => ExpectedVersion::Any,
            Some(raw) => serde_json::from_value(raw).map_err(|e| {
                let reason = e.to_string();
                let reason = reason
                    .strip_prefix("invalid expectedVersion: ")
                    .unwrap_or(&reason);
                ValidationError::new("expectedVersion", reason)
            })?,
        };
        let mut command: AppendCommand = serde_json::from_value(value)
            .map_err(|e| ValidationError::new("command", e.to_string()))?;
        command.expected_version = expected;
        Ok(command)
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
    fn a_bad_expected_version_is_named_as_such() {
        for bad in [json!("latest"), json!(-1), json!(1.5), json!({"v": 1})] {
            let error = AppendCommand::from_json(json!({
                "streamId": "s", "expectedVersion": bad, "events": [{"eventType": "A", "data": {}}]
            }))
            .unwrap_err();
            assert_eq!(error.field, "expectedVersion", "{bad}: {}", error.reason);
        }
    }

    #[test]
    fn an_unknown_top_level_field_is_rejected() {
        let error = AppendCommand::from_json(json!({"streamId": "s", "event": []})).unwrap_err();
        assert_eq!(error.field, "command");
        assert!(error.reason.contains("event"), "{}", error.reason);
    }
}
