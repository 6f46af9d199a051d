//! The error payload a caller gets: `{"error": {"type", "message", "retryable", ...}}` with a
//! stable type, a fixed human message and the fields that help (expected and actual versions,
//! the field, the event, where an id is stored, the request id), never an SDK dump, a service's
//! own text or a stack trace. `retryable` is true only for a transient failure (`Unavailable`).

use event_store_domain::{Error, ValidationError};
use serde_json::{json, Value};

/// The payload for `error`.
pub fn error_payload(error: &Error) -> Value {
    let mut body = json!({
        "type": error.kind(),
        "message": error.to_string(),
        "retryable": error.is_transient(),
    });
    match error {
        Error::Conflict {
            stream,
            expected,
            actual,
        } => {
            body["streamId"] = json!(stream);
            body["expected"] = json!(expected);
            body["actual"] = json!(actual);
        }
        Error::Validation { field, .. } => body["field"] = json!(field),
        Error::TooLarge {
            event_id,
            bytes,
            limit,
        } => {
            body["eventId"] = json!(event_id);
            body["bytes"] = json!(bytes);
            body["limit"] = json!(limit);
        }
        Error::IdReused(at) => {
            body["eventId"] = json!(at.event_id);
            body["storedIn"] = json!(at);
        }
        Error::PartlyStored { stored } => body["stored"] = json!(stored),
        Error::Unavailable(failure) | Error::Refused(failure) => {
            body["operation"] = json!(failure.operation);
            if let Some(request_id) = &failure.request_id {
                body["requestId"] = json!(request_id);
            }
        }
        Error::Expired { stream, from, to } => {
            body["streamId"] = json!(stream);
            body["from"] = json!(from);
            body["to"] = json!(to);
        }
        Error::Corrupt { attribute, .. } => body["attribute"] = json!(attribute),
        Error::NotWriteRegion {
            region,
            write_region,
        } => {
            body["region"] = json!(region);
            body["writeRegion"] = json!(write_region);
        }
    }
    json!({ "error": body })
}

/// The payload for a rejected request.
pub fn validation_payload(error: ValidationError) -> Value {
    error_payload(&Error::from(error))
}

#[cfg(test)]
mod tests {
    use super::*;
    use event_store_domain::{ExpectedVersion, StreamId, Version};

    #[test]
    fn a_conflict_carries_expected_and_actual() {
        let payload = error_payload(&Error::Conflict {
            stream: StreamId::new("s").unwrap(),
            expected: ExpectedVersion::Exact(Version::new(1)),
            actual: Version::new(3),
        });
        assert_eq!(payload["error"]["type"], "Conflict");
        assert_eq!(payload["error"]["expected"], 1);
        assert_eq!(payload["error"]["actual"], 3);
        assert!(payload["error"]["message"]
            .as_str()
            .unwrap()
            .contains("version 3"));
    }

    #[test]
    fn service_failures_carry_a_fixed_message_and_only_transient_ones_are_retryable() {
        use event_store_domain::{FailureKind, ServiceFailure};
        let denied = error_payload(&Error::service(
            ServiceFailure::new(FailureKind::AccessDenied, "PutItem")
                .with_request_id(Some("R-9".into()))
                .with_source("arn:aws:iam::123456789012:role/secret is not authorized"),
        ));
        assert_eq!(denied["error"]["type"], "AccessDenied");
        assert_eq!(denied["error"]["retryable"], false);
        assert_eq!(denied["error"]["requestId"], "R-9");
        assert!(!denied.to_string().contains("123456789012"), "{denied}");
        let throttled = error_payload(&Error::service(ServiceFailure::new(
            FailureKind::Throttled,
            "TransactWriteItems",
        )));
        assert_eq!(throttled["error"]["type"], "Unavailable");
        assert_eq!(throttled["error"]["retryable"], true);
    }

    #[test]
    fn a_reused_id_names_where_it_is_stored() {
        use event_store_domain::{EventId, StoredAt};
        let payload = error_payload(&Error::IdReused(StoredAt {
            event_id: EventId::new("e-1").unwrap(),
            stream_id: StreamId::new("a").unwrap(),
            version: Version::new(4),
        }));
        assert_eq!(payload["error"]["type"], "IdReused");
        assert_eq!(payload["error"]["storedIn"]["streamId"], "a");
        assert_eq!(payload["error"]["storedIn"]["version"], 4);
        assert_eq!(payload["error"]["retryable"], false);
    }

    #[test]
    fn a_validation_error_names_the_field() {
        let payload = validation_payload(ValidationError::new("events[0]", "bad"));
        assert_eq!(payload["error"]["type"], "Validation");
        assert_eq!(payload["error"]["field"], "events[0]");
    }
}
