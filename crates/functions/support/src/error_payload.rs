//! The error payload a caller gets: `{"error": {"type", "message", ...}}` with a stable type,
//! a human message and the fields that help (expected and actual versions, the field, the
//! event), never an SDK dump or a stack trace.

use event_store_domain::{Error, ValidationError};
use serde_json::{json, Value};

/// The payload for `error`.
pub fn error_payload(error: &Error) -> Value {
    let mut body = json!({"type": error.kind(), "message": error.to_string()});
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
        Error::Unavailable(_) => body["retryable"] = json!(true),
        Error::Corrupt { attribute, .. } => body["attribute"] = json!(attribute),
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
    fn a_validation_error_names_the_field() {
        let payload = validation_payload(ValidationError::new("events[0]", "bad"));
        assert_eq!(payload["error"]["type"], "Validation");
        assert_eq!(payload["error"]["field"], "events[0]");
    }
}
