//! An append: events for one stream with an expected version, and what the store answers.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::{DedupeScope, ExpectedVersion, NewEvent, StreamId, ValidationError, Version};

/// The most events one append may carry in any dedupe scope (99, with the stream-wide scope);
/// each scope has its own, smaller or equal limit ([`DedupeScope::max_events_per_append`]),
/// which [`AppendRequest::check_scope`] applies before any request.
pub const MAX_EVENTS_PER_APPEND: usize = DedupeScope::Stream.max_events_per_append();

/// A validated append: 1..=99 events with distinct ids, for one stream.
#[derive(Debug, Clone, PartialEq)]
pub struct AppendRequest {
    stream_id: StreamId,
    expected: ExpectedVersion,
    events: Vec<NewEvent>,
}

impl AppendRequest {
    /// Validates the batch; the error names the offending field (`events`, `events[3].eventId`).
    pub fn new(
        stream_id: StreamId,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
    ) -> Result<Self, ValidationError> {
        if events.is_empty() {
            return Err(ValidationError::new(
                "events",
                "must hold at least one event",
            ));
        }
        DedupeScope::Stream.check_batch(events.len())?;
        let mut seen = HashSet::new();
        for (index, event) in events.iter().enumerate() {
            event
                .validate()
                .map_err(|e| e.within(&format!("events[{index}]")))?;
            if !seen.insert(&event.event_id) {
                return Err(ValidationError::new(
                    format!("events[{index}].eventId"),
                    format!("{} appears twice in the same append", event.event_id),
                ));
            }
        }
        Ok(AppendRequest {
            stream_id,
            expected: expected.normalized(),
            events,
        })
    }

    /// A single event appended at `expected`.
    pub fn single(
        stream_id: StreamId,
        expected: ExpectedVersion,
        event: NewEvent,
    ) -> Result<Self, ValidationError> {
        AppendRequest::new(stream_id, expected, vec![event])
    }

    /// Checks the batch against `scope`'s limit (49 events store-wide, 99 per stream).
    pub fn check_scope(&self, scope: DedupeScope) -> Result<(), ValidationError> {
        scope.check_batch(self.events.len())
    }

    /// The stream appended to.
    pub fn stream_id(&self) -> &StreamId {
        &self.stream_id
    }

    /// The expected version, normalized (`Exact(0)` is `NoStream`).
    pub fn expected(&self) -> ExpectedVersion {
        self.expected
    }

    /// The events, in append order.
    pub fn events(&self) -> &[NewEvent] {
        &self.events
    }

    /// Gives the events back.
    pub fn into_events(self) -> Vec<NewEvent> {
        self.events
    }
}

/// What an append did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppendOutcome {
    /// The stream the events are stored in.
    pub stream_id: StreamId,
    /// The version of each event, in request order.
    pub versions: Vec<Version>,
    /// True when every event was already stored (a retry): nothing was written this time.
    pub duplicate: bool,
}

impl AppendOutcome {
    /// The stream's version after the append: the last event's version.
    pub fn last_version(&self) -> Version {
        self.versions.last().copied().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{EventId, EventType};
    use serde_json::json;

    fn event(id: &str) -> NewEvent {
        NewEvent::new(EventType::new("ITEM_CREATED").unwrap(), json!({}))
            .with_id(EventId::new(id).unwrap())
    }

    fn stream() -> StreamId {
        StreamId::new("s-1").unwrap()
    }

    #[test]
    fn an_empty_append_is_rejected() {
        let error = AppendRequest::new(stream(), ExpectedVersion::Any, vec![]).unwrap_err();
        assert_eq!(error.field, "events");
    }

    #[test]
    fn each_scope_has_its_limit_and_the_request_the_largest() {
        let batch = |n: usize| (0..n).map(|i| event(&format!("e-{i}"))).collect::<Vec<_>>();
        let ninety_nine = AppendRequest::new(stream(), ExpectedVersion::Any, batch(99)).unwrap();
        assert!(ninety_nine.check_scope(DedupeScope::Stream).is_ok());
        let error = ninety_nine.check_scope(DedupeScope::Store).unwrap_err();
        assert_eq!(error.field, "events");
        assert!(error
            .reason
            .starts_with("holds 99 events, the limit per append is 49"));
        let error = AppendRequest::new(stream(), ExpectedVersion::Any, batch(100)).unwrap_err();
        assert!(error
            .reason
            .starts_with("holds 100 events, the limit per append is 99"));
    }

    #[test]
    fn a_repeated_event_id_is_named_by_position() {
        let error = AppendRequest::new(
            stream(),
            ExpectedVersion::Any,
            vec![event("a"), event("b"), event("a")],
        )
        .unwrap_err();
        assert_eq!(error.field, "events[2].eventId");
    }

    #[test]
    fn bad_metadata_is_named_by_position() {
        let mut bad = event("b");
        bad.metadata.correlation_id = Some(String::new());
        let error =
            AppendRequest::new(stream(), ExpectedVersion::Any, vec![event("a"), bad]).unwrap_err();
        assert_eq!(error.field, "events[1].metadata.correlationId");
    }

    #[test]
    fn exact_zero_is_normalized_to_no_stream() {
        let request =
            AppendRequest::single(stream(), ExpectedVersion::Exact(Version::NONE), event("a"))
                .unwrap();
        assert_eq!(request.expected(), ExpectedVersion::NoStream);
    }
}
