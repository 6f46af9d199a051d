//! A stream's current state: the latest snapshot plus the events after it, folded.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{Error, RecordedEvent, Reducer, Snapshot, StreamId, Version};

/// A loaded state and how it was made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct State {
    /// The stream.
    pub stream_id: StreamId,
    /// The last event folded in: append at this expected version to build on this state.
    pub version: Version,
    /// The folded state.
    pub state: Value,
    /// The snapshot it started from, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot_version: Option<Version>,
    /// How many events were folded on top of the snapshot (or the initial state).
    pub events_applied: usize,
}

impl State {
    /// Folds `events` (oldest first) onto `snapshot` (or the reducer's initial state). Events at
    /// or below the snapshot's version are skipped; the rest must follow on without a gap, or the
    /// load is reported `Corrupt` rather than silently wrong.
    pub fn fold(
        reducer: &dyn Reducer,
        stream_id: StreamId,
        snapshot: Option<&Snapshot>,
        events: &[RecordedEvent],
    ) -> Result<State, Error> {
        let (mut version, mut state) = match snapshot {
            Some(snapshot) => (snapshot.version, snapshot.state.clone()),
            None => (Version::NONE, reducer.initial()),
        };
        let start = version;
        let mut events_applied = 0;
        for event in events.iter().filter(|e| e.version > start) {
            if event.version != version.next() {
                return Err(Error::Corrupt {
                    attribute: "version".into(),
                    reason: format!(
                        "stream {stream_id} jumps from version {version} to {}",
                        event.version
                    ),
                });
            }
            state = reducer.apply(state, event)?;
            version = event.version;
            events_applied += 1;
        }
        Ok(State {
            stream_id,
            version,
            state,
            snapshot_version: snapshot.map(|s| s.version),
            events_applied,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{EventType, JsonMergeReducer, NewEvent};
    use chrono::Utc;
    use serde_json::json;

    fn stream() -> StreamId {
        StreamId::new("s-1").unwrap()
    }

    fn event(version: u64, data: Value) -> RecordedEvent {
        let new = NewEvent::new(EventType::new("Changed").unwrap(), data);
        RecordedEvent::record(stream(), Version::new(version), new, Utc::now())
    }

    #[test]
    fn events_fold_onto_the_initial_state() {
        let events = [event(1, json!({"a": 1})), event(2, json!({"b": 2}))];
        let state = State::fold(&JsonMergeReducer, stream(), None, &events).unwrap();
        assert_eq!(state.state, json!({"a": 1, "b": 2}));
        assert_eq!(state.version, Version::new(2));
        assert_eq!(state.events_applied, 2);
        assert_eq!(state.snapshot_version, None);
    }

    #[test]
    fn a_snapshot_replaces_the_events_it_covers() {
        let snapshot = Snapshot {
            stream_id: stream(),
            version: Version::new(2),
            aggregate_type: None,
            state: json!({"a": 1, "b": 2}),
            taken_at: Utc::now(),
        };
        let events = [
            event(2, json!({"ignored": true})),
            event(3, json!({"c": 3})),
        ];
        let state = State::fold(&JsonMergeReducer, stream(), Some(&snapshot), &events).unwrap();
        assert_eq!(state.state, json!({"a": 1, "b": 2, "c": 3}));
        assert_eq!(state.version, Version::new(3));
        assert_eq!(state.events_applied, 1);
        assert_eq!(state.snapshot_version, Some(Version::new(2)));
    }

    #[test]
    fn a_gap_is_reported_corrupt() {
        let events = [event(1, json!({})), event(3, json!({}))];
        let error = State::fold(&JsonMergeReducer, stream(), None, &events).unwrap_err();
        assert!(matches!(error, Error::Corrupt { .. }), "{error}");
    }
}
