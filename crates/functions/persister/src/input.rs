//! The three input shapes, told apart by their fields so a wrong payload gets an error that
//! names what was expected.

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use aws_lambda_events::event::sqs::SqsEvent;
use event_store_domain::{AppendCommand, AppendRequest, ValidationError};
use serde_json::Value;

/// What the persister was invoked with.
#[derive(Debug)]
pub enum PersisterInput {
    /// A batch from the ingest queue; each body is an EventBridge event.
    SqsBatch(SqsEvent),
    /// One EventBridge event, from a rule targeting the function.
    BusEvent(Box<EventBridgeEvent<Value>>),
    /// An append command: `{"streamId", "expectedVersion"?, "events": [...]}`.
    Append(AppendRequest),
}

impl PersisterInput {
    /// Recognizes `payload`: `Records` is an SQS batch, `detail-type` an EventBridge event,
    /// `streamId` (or a seed's single-event shape) an append command.
    pub fn classify(payload: Value) -> Result<Self, ValidationError> {
        if payload.get("Records").is_some() {
            return serde_json::from_value(payload)
                .map(PersisterInput::SqsBatch)
                .map_err(|e| ValidationError::new("Records", e.to_string()));
        }
        if payload.get("detail-type").is_some() {
            return serde_json::from_value(payload)
                .map(|event| PersisterInput::BusEvent(Box::new(event)))
                .map_err(|e| ValidationError::new("detail-type", e.to_string()));
        }
        if payload.get("streamId").is_some() || payload.get("aggregateId").is_some() {
            return AppendCommand::from_any_json(payload).map(PersisterInput::Append);
        }
        Err(ValidationError::new(
            "payload",
            "is neither an SQS batch (Records), an EventBridge event (detail-type) nor an append command (streamId, events)",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn each_shape_is_recognized() {
        let sqs =
            json!({"Records": [{"messageId": "m-1", "body": "{}", "eventSource": "aws:sqs"}]});
        assert!(matches!(
            PersisterInput::classify(sqs),
            Ok(PersisterInput::SqsBatch(_))
        ));
        let bus = json!({"id": "e-1", "detail-type": "X", "source": "s", "detail": {}});
        assert!(matches!(
            PersisterInput::classify(bus),
            Ok(PersisterInput::BusEvent(_))
        ));
        let append = json!({"streamId": "s", "events": [{"eventType": "X", "data": {}}]});
        assert!(matches!(
            PersisterInput::classify(append),
            Ok(PersisterInput::Append(_))
        ));
    }

    #[test]
    fn an_unknown_shape_says_what_was_expected() {
        let error = PersisterInput::classify(json!({"hello": "world"})).unwrap_err();
        assert_eq!(error.field, "payload");
        assert!(error.reason.contains("Records"));
    }
}
