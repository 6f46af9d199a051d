//! Event metadata: who and what caused an event, and how to trace it.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::name::check_identifier;
use crate::ValidationError;

/// Context carried with an event. Every field is optional; `correlationId` and `userId` are
/// indexed, so they follow the identifier rule (non-empty, bounded, no control characters).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Metadata {
    /// Ties together the events of one business transaction or request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    /// The event or command that directly caused this event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub causation_id: Option<String>,
    /// Who (a user or a system) caused the event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// Where the event came from, e.g. an EventBridge `source`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The version of the event's data schema.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema_version: Option<String>,
    /// A distributed-tracing id (X-Ray or W3C).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<String>,
    /// Anything else the producer attached (an EventBridge event's account, region, resources).
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub extra: Map<String, Value>,
}

impl Metadata {
    /// The longest indexed metadata value, in bytes.
    pub const MAX_INDEXED_BYTES: usize = 512;

    /// Checks the indexed fields; the error names the field, e.g. `metadata.userId`.
    pub fn validate(&self) -> Result<(), ValidationError> {
        for (field, value) in [
            ("metadata.correlationId", &self.correlation_id),
            ("metadata.userId", &self.user_id),
        ] {
            if let Some(value) = value {
                check_identifier(field, value, Self::MAX_INDEXED_BYTES)?;
            }
        }
        Ok(())
    }

    /// True when nothing is set.
    pub fn is_empty(&self) -> bool {
        self == &Metadata::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_user_id_is_rejected_naming_the_field() {
        let metadata = Metadata {
            user_id: Some(String::new()),
            ..Metadata::default()
        };
        assert_eq!(metadata.validate().unwrap_err().field, "metadata.userId");
    }

    #[test]
    fn unknown_fields_are_rejected_rather_than_lost() {
        let parsed = serde_json::from_str::<Metadata>(r#"{"corelationId": "typo"}"#);
        assert!(parsed.unwrap_err().to_string().contains("corelationId"));
    }

    #[test]
    fn extra_context_is_kept() {
        let metadata: Metadata =
            serde_json::from_str(r#"{"userId": "u-1", "extra": {"region": "eu-west-1"}}"#).unwrap();
        assert_eq!(metadata.extra["region"], "eu-west-1");
        assert_eq!(metadata.user_id.as_deref(), Some("u-1"));
    }
}
