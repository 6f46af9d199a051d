//! Records as Lambda hands them to a function: SQS messages as an `SqsEvent`, DynamoDB Streams
//! records as a DynamoDB event, built from what the SQS and Streams APIs return.

use aws_lambda_events::event::dynamodb::Event as DynamoDbEvent;
use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use aws_sdk_dynamodbstreams::types::Record;
use aws_sdk_sqs::types::Message;
use serde_json::{json, Value};

/// The region every local resource lives in.
pub const REGION: &str = "us-east-1";

/// The messages as one SQS event for the function, as Lambda's SQS poller delivers them.
pub fn sqs_event(queue_arn: &str, messages: &[Message]) -> SqsEvent {
    let mut event = SqsEvent::default();
    event.records = messages
        .iter()
        .map(|message| {
            let mut record = SqsMessage::default();
            record.message_id = message.message_id().map(str::to_owned);
            record.receipt_handle = message.receipt_handle().map(str::to_owned);
            record.body = message.body().map(str::to_owned);
            record.md5_of_body = message.md5_of_body().map(str::to_owned);
            record.attributes = message
                .attributes()
                .map(|attributes| {
                    attributes
                        .iter()
                        .map(|(name, value)| (name.as_str().to_owned(), value.clone()))
                        .collect()
                })
                .unwrap_or_default();
            record.event_source = Some("aws:sqs".to_owned());
            record.event_source_arn = Some(queue_arn.to_owned());
            record.aws_region = Some(REGION.to_owned());
            record
        })
        .collect();
    event
}

/// One Streams API record in the shape of a record of Lambda's DynamoDB event.
pub fn stream_record(stream_arn: &str, record: &Record) -> Value {
    let change = record.dynamodb();
    let image: serde_dynamo::Item = change
        .and_then(|c| c.new_image().cloned())
        .unwrap_or_default()
        .into();
    let keys: serde_dynamo::Item = change
        .and_then(|c| c.keys().cloned())
        .unwrap_or_default()
        .into();
    json!({
        "eventID": record.event_id(),
        "eventName": record.event_name().map(|n| n.as_str()),
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": REGION,
        "eventSourceARN": stream_arn,
        "dynamodb": {
            "ApproximateCreationDateTime": change.and_then(|c| c.approximate_creation_date_time()).map(|t| t.secs()).unwrap_or(0),
            "Keys": keys,
            "NewImage": image,
            "SequenceNumber": change.and_then(|c| c.sequence_number()),
            "SizeBytes": change.and_then(|c| c.size_bytes()).unwrap_or(0),
            "StreamViewType": change.and_then(|c| c.stream_view_type()).map(|v| v.as_str()).unwrap_or("NEW_IMAGE"),
        }
    })
}

/// The records (from [`stream_record`]) as one Lambda DynamoDB event.
pub fn dynamodb_event(records: &[Value]) -> DynamoDbEvent {
    serde_json::from_value(json!({ "Records": records }))
        .expect("stream_record builds records of Lambda's DynamoDB event")
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_dynamodbstreams::types::{AttributeValue, OperationType, StreamRecord};

    #[test]
    fn an_sqs_message_keeps_its_id_receipt_body_and_receive_count() {
        let message = Message::builder()
            .message_id("m-1")
            .receipt_handle("r-1")
            .body("{}")
            .attributes(
                aws_sdk_sqs::types::MessageSystemAttributeName::ApproximateReceiveCount,
                "2",
            )
            .build();
        let event = sqs_event("arn:aws:sqs:us-east-1:123456789012:q", &[message]);
        let record = &event.records[0];
        assert_eq!(record.message_id.as_deref(), Some("m-1"));
        assert_eq!(record.receipt_handle.as_deref(), Some("r-1"));
        assert_eq!(record.body.as_deref(), Some("{}"));
        assert_eq!(record.attributes["ApproximateReceiveCount"], "2");
        assert_eq!(
            record.event_source_arn.as_deref(),
            Some("arn:aws:sqs:us-east-1:123456789012:q")
        );
    }

    #[test]
    fn a_stream_record_becomes_a_lambda_dynamodb_record_with_its_image() {
        let record = Record::builder()
            .event_id("e-1")
            .event_name(OperationType::Insert)
            .dynamodb(
                StreamRecord::builder()
                    .keys("streamId", AttributeValue::S("s-1".into()))
                    .keys("version", AttributeValue::N("1".into()))
                    .new_image("streamId", AttributeValue::S("s-1".into()))
                    .new_image("version", AttributeValue::N("1".into()))
                    .sequence_number("000100")
                    .size_bytes(40)
                    .build(),
            )
            .build();
        let event = dynamodb_event(&[stream_record("arn:stream", &record)]);
        let lambda_record = &event.records[0];
        assert_eq!(lambda_record.event_name, "INSERT");
        assert_eq!(
            lambda_record.change.sequence_number.as_deref(),
            Some("000100")
        );
        assert_eq!(lambda_record.change.new_image.len(), 2);
        assert_eq!(
            lambda_record.event_source_arn.as_deref(),
            Some("arn:stream")
        );
    }
}
