//! Validated text identifiers: the rule they share, and the event and aggregate type names.
//!
//! Identifiers end up in DynamoDB keys (table or index), so they are bounded well under the
//! 2,048-byte partition-key limit and may not contain control characters or surrounding spaces,
//! which would make keys that look equal but are not.

use crate::ValidationError;

/// Checks the rule every identifier shares: non-empty, at most `max_bytes` of UTF-8, no control
/// characters, no leading or trailing whitespace.
pub(crate) fn check_identifier(
    field: &str,
    value: &str,
    max_bytes: usize,
) -> Result<(), ValidationError> {
    if value.is_empty() {
        return Err(ValidationError::new(field, "must not be empty"));
    }
    if value.len() > max_bytes {
        return Err(ValidationError::new(
            field,
            format!("is {} bytes, the limit is {max_bytes}", value.len()),
        ));
    }
    if let Some(c) = value.chars().find(|c| c.is_control()) {
        return Err(ValidationError::new(
            field,
            format!("contains the control character {c:?}"),
        ));
    }
    if value.trim() != value {
        return Err(ValidationError::new(
            field,
            "must not start or end with whitespace",
        ));
    }
    Ok(())
}

/// Defines a string newtype whose only constructor validates it, and which serializes as the
/// plain string (deserializing validates too).
macro_rules! identifier {
    ($(#[$doc:meta])* $name:ident, field = $field:literal, max_bytes = $max:expr, extra = $extra:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// The longest value accepted, in bytes of UTF-8.
            pub const MAX_BYTES: usize = $max;

            /// Validates `value`; the error names the field and the rule broken.
            pub fn new(value: impl Into<String>) -> Result<Self, $crate::ValidationError> {
                let value = value.into();
                $crate::name::check_identifier($field, &value, Self::MAX_BYTES)?;
                let extra: fn(&str) -> Result<(), $crate::ValidationError> = $extra;
                extra(&value)?;
                Ok($name(value))
            }

            /// The identifier as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl TryFrom<String> for $name {
            type Error = $crate::ValidationError;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                $name::new(value)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::ValidationError;
            fn from_str(value: &str) -> Result<Self, Self::Err> {
                $name::new(value)
            }
        }
    };
}
pub(crate) use identifier;

identifier!(
    /// The name of what happened, in the past tense: `AccountCreated`, `ITEM_CREATED`.
    EventType,
    field = "eventType",
    max_bytes = 256,
    extra = |_| Ok(())
);

identifier!(
    /// The kind of aggregate a stream belongs to: `Account`, `Product`.
    AggregateType,
    field = "aggregateType",
    max_bytes = 256,
    extra = |_| Ok(())
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_type_keeps_its_text() {
        let event_type = EventType::new("ITEM_AMOUNT_CHANGED").unwrap();
        assert_eq!(event_type.as_str(), "ITEM_AMOUNT_CHANGED");
        assert_eq!(event_type.to_string(), "ITEM_AMOUNT_CHANGED");
    }

    #[test]
    fn an_empty_event_type_is_rejected_naming_the_field() {
        let error = EventType::new("").unwrap_err();
        assert_eq!(error.field, "eventType");
        assert_eq!(error.reason, "must not be empty");
    }

    #[test]
    fn an_overlong_aggregate_type_is_rejected_with_its_size() {
        let error = AggregateType::new("a".repeat(257)).unwrap_err();
        assert_eq!(error.field, "aggregateType");
        assert_eq!(error.reason, "is 257 bytes, the limit is 256");
    }

    #[test]
    fn control_characters_and_padding_are_rejected() {
        assert!(EventType::new("Account\nCreated").is_err());
        assert!(EventType::new(" AccountCreated").is_err());
        assert!(EventType::new("AccountCreated ").is_err());
    }

    #[test]
    fn aws_detail_types_with_inner_spaces_are_accepted() {
        assert!(EventType::new("EC2 Instance State-change Notification").is_ok());
    }

    #[test]
    fn deserializing_validates() {
        let parsed: Result<EventType, _> = serde_json::from_str("\"\"");
        assert!(parsed.unwrap_err().to_string().contains("eventType"));
    }
}
