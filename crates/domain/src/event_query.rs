//! Queries across streams through the secondary indexes: by aggregate type, event type,
//! correlation id or user id, within a time range.

use serde::{Deserialize, Serialize};

use crate::name::check_identifier;
use crate::{Direction, Metadata, Timestamp, ValidationError};

/// The secondary indexes a query can use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum EventIndex {
    /// Every event of an aggregate type, by event time.
    AggregateType,
    /// Every event of an event type, by event time.
    EventType,
    /// Every event with a correlation id, by event time.
    Correlation,
    /// Every event caused by a user, by event time.
    User,
    /// Every event, under the one key [`EventQuery::ALL`]: the global time-ordered read.
    Time,
}

impl EventIndex {
    /// Every index, in the order `schema/tables.json` lists them.
    pub const ALL: [EventIndex; 5] = [
        EventIndex::AggregateType,
        EventIndex::EventType,
        EventIndex::Correlation,
        EventIndex::User,
        EventIndex::Time,
    ];

    /// The index's name in `schema/tables.json`, DynamoDB and the `INDEXES` setting.
    pub fn name(self) -> &'static str {
        match self {
            EventIndex::AggregateType => "byAggregateType",
            EventIndex::EventType => "byEventType",
            EventIndex::Correlation => "byCorrelation",
            EventIndex::User => "byUser",
            EventIndex::Time => "byTime",
        }
    }

    /// The index named `name`, if there is one.
    pub fn named(name: &str) -> Option<EventIndex> {
        Self::ALL.into_iter().find(|index| index.name() == name)
    }

    /// The request field that carries this index's key, for error messages.
    pub fn key_field(self) -> &'static str {
        match self {
            EventIndex::AggregateType => "aggregateType",
            EventIndex::EventType => "eventType",
            EventIndex::Correlation => "correlationId",
            EventIndex::User => "userId",
            EventIndex::Time => "time",
        }
    }
}

/// An inclusive range of event times; open on a side when that bound is absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TimeRange {
    /// The earliest event time.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::time::rfc3339_millis::option"
    )]
    pub from: Option<Timestamp>,
    /// The latest event time.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::time::rfc3339_millis::option"
    )]
    pub to: Option<Timestamp>,
}

/// A validated query of one index for one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventQuery {
    index: EventIndex,
    key: String,
    range: TimeRange,
    direction: Direction,
}

impl EventQuery {
    /// The key every event has in [`EventIndex::Time`].
    pub const ALL: &'static str = "all";

    /// Every event of the store in `range`, in event-time order: the global read.
    pub fn all(range: TimeRange, direction: Direction) -> Result<Self, ValidationError> {
        Self::new(EventIndex::Time, Self::ALL, range, direction)
    }

    /// A query of `index` for `key`; the error names the key's field or the range.
    pub fn new(
        index: EventIndex,
        key: impl Into<String>,
        range: TimeRange,
        direction: Direction,
    ) -> Result<Self, ValidationError> {
        let key = key.into();
        check_identifier(index.key_field(), &key, Metadata::MAX_INDEXED_BYTES)?;
        if let (Some(from), Some(to)) = (range.from, range.to) {
            if to < from {
                return Err(ValidationError::new("to", "is before from"));
            }
        }
        Ok(EventQuery {
            index,
            key,
            range,
            direction,
        })
    }

    /// The index.
    pub fn index(&self) -> EventIndex {
        self.index
    }

    /// The key looked up.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The time range.
    pub fn range(&self) -> TimeRange {
        self.range
    }

    /// The order of results.
    pub fn direction(&self) -> Direction {
        self.direction
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse_time;

    #[test]
    fn an_empty_key_names_the_index_field() {
        let error = EventQuery::new(
            EventIndex::User,
            "",
            TimeRange::default(),
            Direction::Forward,
        )
        .unwrap_err();
        assert_eq!(error.field, "userId");
    }

    #[test]
    fn an_inverted_range_is_rejected() {
        let range = TimeRange {
            from: Some(parse_time("from", "2024-02-01T00:00:00Z").unwrap()),
            to: Some(parse_time("to", "2024-01-01T00:00:00Z").unwrap()),
        };
        let error =
            EventQuery::new(EventIndex::EventType, "X", range, Direction::Forward).unwrap_err();
        assert_eq!(error.field, "to");
    }
}
