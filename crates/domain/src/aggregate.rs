//! Aggregates: decide (command → events) and evolve (event → state), and their reducer adapter.

use std::marker::PhantomData;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

use crate::{AggregateType, Error, EventType, NewEvent, RecordedEvent, Reducer};

/// A consistency boundary with typed commands and events.
///
/// `decide` holds the business rules and never changes state; `evolve` only records what an
/// event says happened, with no rules (it must accept every event `decide` ever produced).
///
/// Events serialize as `{"eventType": ..., "data": ...}`: derive them with
/// `#[serde(tag = "eventType", content = "data")]`, one variant per event type.
pub trait Aggregate: Default + Serialize + DeserializeOwned + Send + Sync {
    /// The aggregate type its streams carry, e.g. `Account`.
    const AGGREGATE_TYPE: &'static str;
    /// What callers ask for.
    type Command;
    /// What happened.
    type Event: Serialize + DeserializeOwned;
    /// Why a command is refused.
    type Error: std::error::Error;

    /// Decides which events a command produces against the current state.
    fn decide(&self, command: Self::Command) -> Result<Vec<Self::Event>, Self::Error>;

    /// Applies one event to the state.
    fn evolve(&mut self, event: &Self::Event);

    /// `event` as a [`NewEvent`] of this aggregate's type, ready to append.
    fn to_new_event(event: &Self::Event) -> Result<NewEvent, Error> {
        let tagged =
            serde_json::to_value(event).map_err(|e| Error::validation("event", e.to_string()))?;
        let event_type = tagged
            .get("eventType")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                Error::validation(
                    "event",
                    "does not serialize with an \"eventType\" tag; derive with #[serde(tag = \"eventType\", content = \"data\")]",
                )
            })?;
        let event_type = EventType::new(event_type)?;
        let aggregate_type = AggregateType::new(Self::AGGREGATE_TYPE)?;
        let data = tagged.get("data").cloned().unwrap_or(Value::Null);
        Ok(NewEvent::new(event_type, data).with_aggregate_type(aggregate_type))
    }

    /// Decodes a stored event into this aggregate's event type.
    fn decode(event: &RecordedEvent) -> Result<Self::Event, Error> {
        serde_json::from_value(json!({"eventType": event.event_type, "data": event.data})).map_err(
            |e| Error::Corrupt {
                attribute: "data".into(),
                reason: format!(
                    "event {} of stream {} ({}) is not a {} event: {e}",
                    event.version,
                    event.stream_id,
                    event.event_type,
                    Self::AGGREGATE_TYPE
                ),
            },
        )
    }
}

/// Runs an [`Aggregate`] as a JSON [`Reducer`]: the state is the aggregate serialized.
pub struct AggregateReducer<A>(PhantomData<fn() -> A>);

impl<A> AggregateReducer<A> {
    /// The reducer for `A`.
    pub fn new() -> Self {
        AggregateReducer(PhantomData)
    }
}

impl<A> Default for AggregateReducer<A> {
    fn default() -> Self {
        Self::new()
    }
}

impl<A: Aggregate> Reducer for AggregateReducer<A> {
    fn initial(&self) -> Value {
        serde_json::to_value(A::default()).unwrap_or(Value::Null)
    }

    fn apply(&self, state: Value, event: &RecordedEvent) -> Result<Value, Error> {
        let mut aggregate: A = serde_json::from_value(state).map_err(|e| Error::Corrupt {
            attribute: "state".into(),
            reason: format!("not a {} state: {e}", A::AGGREGATE_TYPE),
        })?;
        aggregate.evolve(&A::decode(event)?);
        serde_json::to_value(&aggregate).map_err(|e| Error::Corrupt {
            attribute: "state".into(),
            reason: e.to_string(),
        })
    }
}
