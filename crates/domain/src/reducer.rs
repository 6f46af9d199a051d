//! The reducer: how a stream's state is folded from its events, as JSON.

use serde_json::Value;

use crate::{Error, RecordedEvent};

/// Folds events into a JSON state. Object safe, so a registry can hold reducers of different
/// aggregates by aggregate type; typed aggregates plug in through
/// [`AggregateReducer`](crate::AggregateReducer).
pub trait Reducer: Send + Sync {
    /// The state of a stream with no events.
    fn initial(&self) -> Value;

    /// The state after `event`. Pure: no I/O, no clock.
    fn apply(&self, state: Value, event: &RecordedEvent) -> Result<Value, Error>;
}
