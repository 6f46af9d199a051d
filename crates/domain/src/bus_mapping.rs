//! Mapping an EventBridge event to an event to store: which stream it belongs to, its aggregate
//! type, correlation and user ids, each found by a configurable list of JSON paths into the
//! event, so producers' events map without code.
//!
//! The event id is the EventBridge `id` (a redelivered event is stored once), the event type its
//! `detail-type`, the event time its `time`, the data its `detail`; `source` becomes the
//! metadata's source and `account`, `region` and `resources` go to the metadata's extras.

use serde_json::{Map, Value};

use crate::{
    AggregateType, EventId, EventType, Metadata, NewEvent, SettingsError, StreamId, Timestamp,
    ValidationError,
};

/// The parts of an EventBridge event the mapping reads.
#[derive(Debug, Clone, Copy)]
pub struct BusEvent<'a> {
    /// `id`.
    pub id: &'a str,
    /// `detail-type`.
    pub detail_type: &'a str,
    /// `source`.
    pub source: &'a str,
    /// `time`.
    pub time: Option<Timestamp>,
    /// `account`.
    pub account: Option<&'a str>,
    /// `region`.
    pub region: Option<&'a str>,
    /// `resources`.
    pub resources: &'a [String],
    /// `detail`.
    pub detail: &'a Value,
}

/// A path into an EventBridge event: `detail.a.b` into the detail, or a top-level field
/// (`source`, `id`, `detail-type`, `account`, `region`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventPath(Vec<String>);

impl EventPath {
    /// Parses `detail.streamId`-style text; the error names `variable`.
    pub fn parse(variable: &'static str, text: &str) -> Result<Self, SettingsError> {
        let segments: Vec<String> = text.trim().split('.').map(str::to_owned).collect();
        let valid_root = matches!(
            segments[0].as_str(),
            "detail" | "source" | "id" | "detail-type" | "account" | "region"
        );
        if !valid_root
            || segments.iter().any(String::is_empty)
            || (segments[0] != "detail" && segments.len() > 1)
        {
            return Err(SettingsError {
                variable,
                reason: format!(
                    "has {text:?}, not a path like detail.streamId (or source, id, detail-type, account, region)"
                ),
            });
        }
        Ok(EventPath(segments))
    }

    /// The text at this path in `event`: strings as they are, numbers in decimal.
    fn find(&self, event: &BusEvent<'_>) -> Option<String> {
        let top = |text: &str| Some(text.to_owned());
        match self.0[0].as_str() {
            "source" => top(event.source),
            "id" => top(event.id),
            "detail-type" => top(event.detail_type),
            "account" => event.account.map(str::to_owned),
            "region" => event.region.map(str::to_owned),
            _ => {
                let found = self.0[1..]
                    .iter()
                    .try_fold(event.detail, |value, key| value.get(key))?;
                match found {
                    Value::String(text) => Some(text.clone()),
                    Value::Number(number) => Some(number.to_string()),
                    _ => None,
                }
            }
        }
    }
}

impl std::fmt::Display for EventPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.join("."))
    }
}

/// Where each mapped value is looked for, first match wins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusMapping {
    /// The event id (`id`, unless the producer gives its own idempotency key in the detail).
    pub event_id: Vec<EventPath>,
    /// The stream id (required: an event with none is refused).
    pub stream_id: Vec<EventPath>,
    /// The aggregate type.
    pub aggregate_type: Vec<EventPath>,
    /// The correlation id.
    pub correlation_id: Vec<EventPath>,
    /// The user id.
    pub user_id: Vec<EventPath>,
}

impl BusMapping {
    /// Paths to the event id, comma-separated.
    pub const EVENT_ID_PATHS: &'static str = "EVENT_ID_PATHS";
    /// Paths to the stream id, comma-separated.
    pub const STREAM_ID_PATHS: &'static str = "STREAM_ID_PATHS";
    /// Paths to the aggregate type.
    pub const AGGREGATE_TYPE_PATHS: &'static str = "AGGREGATE_TYPE_PATHS";
    /// Paths to the correlation id.
    pub const CORRELATION_ID_PATHS: &'static str = "CORRELATION_ID_PATHS";
    /// Paths to the user id.
    pub const USER_ID_PATHS: &'static str = "USER_ID_PATHS";

    /// Default event id paths: a producer's own `eventId` (the store's follow-ups carry one, so
    /// a follow-up published twice is stored once), else EventBridge's `id`.
    pub const DEFAULT_EVENT_ID_PATHS: &'static str = "detail.eventId,id";
    /// The defaults: the seeds' shapes (`streamId`, seed 004's `aggregateId`, seed 000's
    /// `Account`, seed 001's `DOMAIN` and `saga_id`).
    pub const DEFAULT_STREAM_ID_PATHS: &'static str =
        "detail.streamId,detail.aggregateId,detail.entityId,detail.accountId,detail.Account";
    /// Default aggregate type paths.
    pub const DEFAULT_AGGREGATE_TYPE_PATHS: &'static str =
        "detail.aggregateType,detail.domain,detail.DOMAIN";
    /// Default correlation id paths.
    pub const DEFAULT_CORRELATION_ID_PATHS: &'static str =
        "detail.correlationId,detail.sagaId,detail.saga_id";
    /// Default user id paths.
    pub const DEFAULT_USER_ID_PATHS: &'static str = "detail.userId,detail.user_id";

    /// Reads the four path lists through `lookup`, with the defaults for those unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, SettingsError> {
        let paths =
            |variable: &'static str, default: &str| -> Result<Vec<EventPath>, SettingsError> {
                let text = lookup(variable).filter(|t| !t.trim().is_empty());
                text.as_deref()
                    .unwrap_or(default)
                    .split(',')
                    .map(|path| EventPath::parse(variable, path))
                    .collect()
            };
        Ok(BusMapping {
            event_id: paths(Self::EVENT_ID_PATHS, Self::DEFAULT_EVENT_ID_PATHS)?,
            stream_id: paths(Self::STREAM_ID_PATHS, Self::DEFAULT_STREAM_ID_PATHS)?,
            aggregate_type: paths(
                Self::AGGREGATE_TYPE_PATHS,
                Self::DEFAULT_AGGREGATE_TYPE_PATHS,
            )?,
            correlation_id: paths(
                Self::CORRELATION_ID_PATHS,
                Self::DEFAULT_CORRELATION_ID_PATHS,
            )?,
            user_id: paths(Self::USER_ID_PATHS, Self::DEFAULT_USER_ID_PATHS)?,
        })
    }

    /// The stream and event `event` maps to; the error names what is missing or malformed.
    pub fn map(&self, event: &BusEvent<'_>) -> Result<(StreamId, NewEvent), ValidationError> {
        let first = |paths: &[EventPath]| paths.iter().find_map(|path| path.find(event));
        let stream_text = first(&self.stream_id).ok_or_else(|| {
            let tried: Vec<String> = self.stream_id.iter().map(ToString::to_string).collect();
            ValidationError::new(
                "streamId",
                format!(
                    "none of {} is in the event (set STREAM_ID_PATHS)",
                    tried.join(", ")
                ),
            )
        })?;
        let stream_id = StreamId::new(stream_text)?;
        let event_id = first(&self.event_id).unwrap_or_else(|| event.id.to_owned());
        let event_id = EventId::new(event_id).map_err(|e| rename(e, "id"))?;
        let event_type = EventType::new(event.detail_type).map_err(|e| rename(e, "detail-type"))?;
        let aggregate_type = first(&self.aggregate_type)
            .map(AggregateType::new)
            .transpose()?;
        let mut extra = Map::new();
        if let Some(account) = event.account {
            extra.insert("account".into(), Value::String(account.to_owned()));
        }
        if let Some(region) = event.region {
            extra.insert("region".into(), Value::String(region.to_owned()));
        }
        if !event.resources.is_empty() {
            extra.insert("resources".into(), Value::from(event.resources.to_vec()));
        }
        let metadata = Metadata {
            correlation_id: first(&self.correlation_id),
            user_id: first(&self.user_id),
            source: Some(event.source.to_owned()),
            extra,
            ..Metadata::default()
        };
        metadata.validate()?;
        let mut new = NewEvent::new(event_type, event.detail.clone())
            .with_id(event_id)
            .with_metadata(metadata);
        new.aggregate_type = aggregate_type;
        new.event_time = event.time;
        Ok((stream_id, new))
    }
}

fn rename(error: ValidationError, field: &str) -> ValidationError {
    ValidationError::new(field, error.reason)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn defaults() -> BusMapping {
        BusMapping::from_lookup(|_| None).unwrap()
    }

    fn bus_event<'a>(detail_type: &'a str, detail: &'a Value) -> BusEvent<'a> {
        BusEvent {
            id: "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
            detail_type,
            source: "bank.accounts",
            time: Some(crate::parse_time("time", "2024-01-15T10:00:00Z").unwrap()),
            account: Some("123456789012"),
            region: Some("us-east-1"),
            resources: &[],
            detail,
        }
    }

    #[test]
    fn seed_004_events_map_by_aggregate_id() {
        let detail = json!({"aggregateId": "account-123", "eventData": {"amount": 1}});
        let (stream, event) = defaults()
            .map(&bus_event("AccountCreated", &detail))
            .unwrap();
        assert_eq!(stream.as_str(), "account-123");
        assert_eq!(
            event.event_id.as_str(),
            "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa"
        );
        assert_eq!(event.event_type.as_str(), "AccountCreated");
        assert_eq!(event.data, detail);
        assert_eq!(event.metadata.source.as_deref(), Some("bank.accounts"));
        assert_eq!(event.metadata.extra["region"], "us-east-1");
    }

    #[test]
    fn seed_000_account_events_map_to_a_stream_per_account() {
        let detail = json!({"Account": "123456789012", "Environment": "Sandbox"});
        let (stream, _) = defaults()
            .map(&bus_event("PreparedAccount", &detail))
            .unwrap();
        assert_eq!(stream.as_str(), "123456789012");
    }

    #[test]
    fn seed_001_domain_and_saga_become_aggregate_type_and_correlation() {
        let detail = json!({"entityId": "m-1", "DOMAIN": "customer", "saga_id": "saga-9"});
        let (_, event) = defaults()
            .map(&bus_event("CustomerUpdatedEvent", &detail))
            .unwrap();
        assert_eq!(event.aggregate_type.unwrap().as_str(), "customer");
        assert_eq!(event.metadata.correlation_id.as_deref(), Some("saga-9"));
    }

    #[test]
    fn configured_paths_win_and_numbers_become_text() {
        let mapping = BusMapping::from_lookup(|name| {
            (name == BusMapping::STREAM_ID_PATHS).then(|| "detail.order.number".to_owned())
        })
        .unwrap();
        let detail = json!({"order": {"number": 42}});
        let (stream, _) = mapping.map(&bus_event("OrderPlaced", &detail)).unwrap();
        assert_eq!(stream.as_str(), "42");
    }

    #[test]
    fn a_producer_event_id_in_the_detail_wins_over_the_bus_id() {
        let detail = json!({"streamId": "s", "eventId": "follow-up-1"});
        let (_, event) = defaults()
            .map(&bus_event("ValidatableEvent", &detail))
            .unwrap();
        assert_eq!(event.event_id.as_str(), "follow-up-1");
    }

    #[test]
    fn an_event_without_a_stream_id_names_the_paths_tried() {
        let detail = json!({"unrelated": true});
        let error = defaults().map(&bus_event("X", &detail)).unwrap_err();
        assert_eq!(error.field, "streamId");
        assert!(
            error.reason.contains("detail.aggregateId"),
            "{}",
            error.reason
        );
    }

    #[test]
    fn an_empty_detail_type_is_named_as_the_bus_field() {
        let detail = json!({"streamId": "s"});
        let error = defaults().map(&bus_event("", &detail)).unwrap_err();
        assert_eq!(error.field, "detail-type");
    }

    #[test]
    fn a_malformed_path_setting_names_the_variable() {
        let error = BusMapping::from_lookup(|name| {
            (name == BusMapping::USER_ID_PATHS).then(|| "payload.user".to_owned())
        })
        .unwrap_err();
        assert_eq!(error.variable, "USER_ID_PATHS");
    }
}
