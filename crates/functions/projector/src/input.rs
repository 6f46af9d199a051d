//! What the projector is invoked with: a batch of the events table's stream records (the stream
//! mapping), or the cycle sweep (an EventBridge schedule, or `{"sweep": "cycles"}` by hand).

use aws_lambda_events::event::dynamodb::Event;
use event_store_domain::ValidationError;
use serde_json::Value;

/// The projector's input.
#[derive(Debug)]
pub enum ProjectorInput {
    /// Stream records to project.
    Records(Event),
    /// Time out the cycles that stopped.
    Sweep,
}

impl ProjectorInput {
    /// Recognizes `payload`: `Records` is a stream batch; a scheduled event or `{"sweep":
    /// "cycles"}` the sweep.
    pub fn classify(payload: Value) -> Result<Self, ValidationError> {
        if payload.get("Records").is_some() {
            return serde_json::from_value(payload)
                .map(ProjectorInput::Records)
                .map_err(|e| ValidationError::new("Records", e.to_string()));
        }
        let scheduled = payload["detail-type"] == "Scheduled Event";
        if scheduled || payload["sweep"] == "cycles" {
            return Ok(ProjectorInput::Sweep);
        }
        Err(ValidationError::new(
            "payload",
            "is neither a DynamoDB stream batch (Records) nor the cycle sweep (a scheduled event, or {\"sweep\": \"cycles\"})",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn batches_and_sweeps_are_told_apart() {
        let batch: Value = serde_json::from_str(include_str!(
            "../../../../fixtures/streams/dynamodb-batch.json"
        ))
        .unwrap();
        assert!(matches!(
            ProjectorInput::classify(batch),
            Ok(ProjectorInput::Records(_))
        ));
        let scheduled =
            json!({"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}});
        assert!(matches!(
            ProjectorInput::classify(scheduled),
            Ok(ProjectorInput::Sweep)
        ));
        assert!(matches!(
            ProjectorInput::classify(json!({"sweep": "cycles"})),
            Ok(ProjectorInput::Sweep)
        ));
        assert_eq!(
            ProjectorInput::classify(json!({"hello": 1}))
                .unwrap_err()
                .field,
            "payload"
        );
    }
}
