//! The query operations, as JSON: `{"op": "readStream", "streamId": ..., ...}`. Seed 004's
//! `{"queryType": "reconstructState", "aggregateId"}` is accepted as `loadState`.

use event_store_domain::{
    parse_time, Direction, EventId, EventIndex, EventQuery, PageRequest, StreamId, StreamRead,
    TimeRange, ValidationError, Version,
};
use serde::Deserialize;
use serde_json::{json, Value};

/// One query.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "op", rename_all = "camelCase")]
pub enum QueryRequest {
    /// A page of a stream.
    #[serde(rename_all = "camelCase")]
    ReadStream {
        /// The stream.
        stream_id: StreamId,
        /// Range, direction, page.
        #[serde(flatten)]
        read: StreamRead,
    },
    /// One event by stream and version.
    #[serde(rename_all = "camelCase")]
    GetEvent {
        /// The stream.
        stream_id: StreamId,
        /// The version.
        version: Version,
    },
    /// One event by its id alone (the store-wide dedupe scope keeps where each id is).
    #[serde(rename_all = "camelCase")]
    GetEventById {
        /// The event's id.
        event_id: EventId,
    },
    /// Events of an aggregate type within a time window.
    #[serde(rename_all = "camelCase")]
    EventsByAggregateType {
        /// The aggregate type.
        aggregate_type: String,
        /// Time range, direction, page.
        #[serde(flatten)]
        window: TimeWindow,
    },
    /// Events of an event type within a time window.
    #[serde(rename_all = "camelCase")]
    EventsByType {
        /// The event type.
        event_type: String,
        /// Time range, direction, page.
        #[serde(flatten)]
        window: TimeWindow,
    },
    /// Events with a correlation id.
    #[serde(rename_all = "camelCase")]
    EventsByCorrelation {
        /// The correlation id.
        correlation_id: String,
        /// Time range, direction, page.
        #[serde(flatten)]
        window: TimeWindow,
    },
    /// Events caused by a user.
    #[serde(rename_all = "camelCase")]
    EventsByUser {
        /// The user id.
        user_id: String,
        /// Time range, direction, page.
        #[serde(flatten)]
        window: TimeWindow,
    },
    /// Every event of the store in a time range, in event-time order (the global read).
    #[serde(rename_all = "camelCase")]
    ReadAll {
        /// Time range, direction, page.
        #[serde(flatten)]
        window: TimeWindow,
    },
    /// A stream's state: its newest snapshot and the events after it, folded; or as of a version
    /// or a time.
    #[serde(rename_all = "camelCase")]
    LoadState {
        /// The stream.
        stream_id: StreamId,
        /// Whose reducer folds it; by default the snapshot's or the events' aggregate type.
        #[serde(default)]
        aggregate_type: Option<String>,
        /// The state after this version (the latest when absent).
        #[serde(default)]
        at_version: Option<Version>,
        /// The state as the store held it at this time (RFC 3339), by when it accepted each
        /// event.
        #[serde(default)]
        at_time: Option<String>,
    },
    /// A stream's newest snapshot.
    #[serde(rename_all = "camelCase")]
    GetSnapshot {
        /// The stream.
        stream_id: StreamId,
    },
    /// A page of a stream's snapshots, newest first.
    #[serde(rename_all = "camelCase")]
    ListSnapshots {
        /// The stream.
        stream_id: StreamId,
        /// Page size and continuation.
        #[serde(flatten)]
        page: PageRequest,
    },
    /// One document of a read model.
    #[serde(rename_all = "camelCase")]
    GetReadModel {
        /// The read model (`testItems`, `$streams`, ...).
        model: String,
        /// The document's key.
        key: String,
    },
    /// Every read model: declared, kept in code, the store's own, with its live generation.
    ListReadModels,
    /// A page of a read model's documents, by key.
    #[serde(rename_all = "camelCase")]
    ListReadModel {
        /// The read model.
        model: String,
        /// Page size and continuation.
        #[serde(flatten)]
        page: PageRequest,
    },
    /// One cycle instance (seed 000's transactions).
    #[serde(rename_all = "camelCase")]
    Transaction {
        /// The entity (stream or correlation id).
        entity: String,
        /// The cycle's name.
        cycle: String,
        /// When it started (RFC 3339).
        started: String,
    },
    /// An entity's cycle instances, newest first: the first of a cycle is its most recent window.
    #[serde(rename_all = "camelCase")]
    TransactionsForEntity {
        /// The entity.
        entity: String,
        /// Page size and continuation.
        #[serde(flatten)]
        page: PageRequest,
    },
}

/// A time window and a page, for the index queries.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TimeWindow {
    /// The earliest event time (RFC 3339).
    #[serde(default)]
    pub from: Option<String>,
    /// The latest event time (RFC 3339).
    #[serde(default)]
    pub to: Option<String>,
    /// Oldest first (default) or newest first.
    #[serde(default)]
    pub direction: Direction,
    /// Page size and continuation.
    #[serde(flatten)]
    pub page: PageRequest,
}

impl TimeWindow {
    /// The query of `index` for `key` over this window.
    pub fn query(&self, index: EventIndex, key: &str) -> Result<EventQuery, ValidationError> {
        let range = TimeRange {
            from: self
                .from
                .as_deref()
                .map(|t| parse_time("from", t))
                .transpose()?,
            to: self
                .to
                .as_deref()
                .map(|t| parse_time("to", t))
                .transpose()?,
        };
        EventQuery::new(index, key, range, self.direction)
    }
}

impl QueryRequest {
    /// Parses a payload; the error names what is wrong.
    pub fn parse(payload: Value) -> Result<Self, ValidationError> {
        let payload = seed_004_shape(payload);
        if payload.get("op").is_none() {
            return Err(ValidationError::new(
                "op",
                "is required: readStream, getEvent, getEventById, eventsByAggregateType, eventsByType, eventsByCorrelation, eventsByUser, readAll, loadState, getSnapshot, listSnapshots, getReadModel, listReadModels, listReadModel, transaction or transactionsForEntity",
            ));
        }
        serde_json::from_value(payload).map_err(|e| ValidationError::new("query", e.to_string()))
    }
}

/// Seed 004's query handler took `{"queryType": "reconstructState", "aggregateId"}`.
fn seed_004_shape(payload: Value) -> Value {
    match (
        payload.get("queryType").and_then(Value::as_str),
        payload.get("aggregateId"),
    ) {
        (Some("reconstructState"), Some(stream)) => {
            let mut request = json!({"op": "loadState", "streamId": stream});
            for field in ["atVersion", "atTime", "aggregateType"] {
                if let Some(value) = payload.get(field) {
                    request[field] = value.clone();
                }
            }
            request
        }
        _ => payload,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_parse_with_their_fields() {
        let read = QueryRequest::parse(
            json!({"op": "readStream", "streamId": "s", "direction": "backward", "limit": 5}),
        )
        .unwrap();
        assert!(
            matches!(read, QueryRequest::ReadStream { read, .. } if read.direction == Direction::Backward && read.page.limit == Some(5))
        );
        let by_type = QueryRequest::parse(
            json!({"op": "eventsByType", "eventType": "X", "from": "2024-01-01T00:00:00Z"}),
        )
        .unwrap();
        let QueryRequest::EventsByType { window, .. } = by_type else {
            panic!()
        };
        assert!(window
            .query(EventIndex::EventType, "X")
            .unwrap()
            .range()
            .from
            .is_some());
    }

    #[test]
    fn seed_004_reconstruct_state_is_load_state() {
        let request = QueryRequest::parse(
            json!({"queryType": "reconstructState", "aggregateId": "account-123"}),
        )
        .unwrap();
        assert!(
            matches!(request, QueryRequest::LoadState { stream_id, .. } if stream_id.as_str() == "account-123")
        );
    }

    #[test]
    fn seed_004_reconstruct_state_keeps_its_version_or_time() {
        let request = QueryRequest::parse(
            json!({"queryType": "reconstructState", "aggregateId": "account-123", "atVersion": 2}),
        )
        .unwrap();
        assert!(
            matches!(request, QueryRequest::LoadState { at_version: Some(v), .. } if v.get() == 2)
        );
        let request = QueryRequest::parse(json!({
            "queryType": "reconstructState", "aggregateId": "a", "atTime": "2026-01-01T00:00:00Z"
        }))
        .unwrap();
        assert!(matches!(
            request,
            QueryRequest::LoadState {
                at_time: Some(_),
                ..
            }
        ));
    }

    #[test]
    fn a_missing_op_lists_the_operations() {
        let error = QueryRequest::parse(json!({"streamId": "s"})).unwrap_err();
        assert_eq!(error.field, "op");
        assert!(error.reason.contains("loadState"));
    }

    #[test]
    fn an_invalid_stream_id_is_named() {
        let error = QueryRequest::parse(json!({"op": "getSnapshot", "streamId": ""})).unwrap_err();
        assert!(error.reason.contains("streamId"), "{}", error.reason);
    }

    #[test]
    fn a_bad_time_is_named() {
        let QueryRequest::EventsByUser { window, .. } =
            QueryRequest::parse(json!({"op": "eventsByUser", "userId": "u", "to": "soon"}))
                .unwrap()
        else {
            panic!()
        };
        assert_eq!(window.query(EventIndex::User, "u").unwrap_err().field, "to");
    }
}
