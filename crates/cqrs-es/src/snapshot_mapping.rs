//! cqrs-es's snapshots as the store's: a snapshot item in the aggregate's stream, at the last
//! event it covers, whose `state` holds the serialized aggregate and cqrs-es's snapshot number:
//! `{"aggregate": <the aggregate>, "cqrsSnapshot": 3}`, with the aggregate's type.
//!
//! cqrs-es hands the repository the aggregate and the snapshot's number, not the sequence it
//! covers. An aggregate store (`new_aggregate_store`) applies a commit's every event, and a
//! snapshot store (`new_snapshot_store(repo, n)`) the events up to the last multiple of `n`
//! ([`covered_sequence`]), so the repository must know which to place a snapshot of a commit of
//! more than one event ([`crate::DynamoStoreRepository::for_aggregate_store`],
//! [`crate::DynamoStoreRepository::for_snapshot_store`]).
//!
//! The store's projector also writes snapshots into the stream, with the stream's aggregate
//! type; for a type it has no reducer for it JSON-merges events onto the newest snapshot's state,
//! so its snapshot of a cqrs-es stream looks like cqrs-es's with extra members. Only a state of
//! exactly `aggregate` and a `cqrsSnapshot` of at least 1 is read back as cqrs-es's
//! ([`from_snapshot`]); any other newest snapshot is not one, and the load reads the events.

use event_store_domain::{AggregateType, Snapshot, StreamId, Timestamp, Version};
use serde_json::{json, Value};

/// The member of a snapshot's state holding the serialized aggregate.
pub const AGGREGATE: &str = "aggregate";
/// The member of a snapshot's state holding cqrs-es's snapshot number.
pub const SNAPSHOT_NUMBER: &str = "cqrsSnapshot";

/// A cqrs-es snapshot as cqrs-es reads it back.
#[derive(Debug, Clone, PartialEq)]
pub struct CqrsSnapshot {
    /// The serialized aggregate.
    pub aggregate: Value,
    /// The last sequence applied to it.
    pub current_sequence: usize,
    /// cqrs-es's count of the aggregate's snapshots.
    pub current_snapshot: usize,
}

/// The last sequence a snapshot of a commit ending at `last_sequence` covers: every event of it,
/// or with snapshots every `snapshot_size` events, the last multiple of it.
pub fn covered_sequence(last_sequence: usize, snapshot_size: Option<usize>) -> usize {
    match snapshot_size {
        Some(size) if size > 0 => last_sequence - last_sequence % size,
        _ => last_sequence,
    }
}

/// The store's snapshot of `aggregate` in `stream`, at `covered`.
pub fn to_snapshot(
    stream: StreamId,
    aggregate_type: AggregateType,
    snapshot: CqrsSnapshot,
    taken_at: Timestamp,
) -> Snapshot {
    Snapshot {
        stream_id: stream,
        version: Version::new(snapshot.current_sequence as u64),
        aggregate_type: Some(aggregate_type),
        state: json!({AGGREGATE: snapshot.aggregate, SNAPSHOT_NUMBER: snapshot.current_snapshot}),
        taken_at,
    }
}

/// cqrs-es's snapshot in the store's `snapshot`, when it is one of `aggregate_type`: its state
/// holds exactly `aggregate` and a `cqrsSnapshot` of at least 1. A snapshot the store's projector
/// took (a folded JSON state, or cqrs-es's state with events merged onto it) is not, and a load
/// then reads the events.
pub fn from_snapshot(aggregate_type: &str, snapshot: Snapshot) -> Option<CqrsSnapshot> {
    if snapshot.aggregate_type.as_ref().map(AggregateType::as_str) != Some(aggregate_type) {
        return None;
    }
    let Value::Object(mut state) = snapshot.state else {
        return None;
    };
    if state.len() != 2 {
        return None;
    }
    let current_snapshot = state.get(SNAPSHOT_NUMBER)?.as_u64()?;
    let current_snapshot = usize::try_from(current_snapshot).ok().filter(|n| *n >= 1)?;
    let aggregate = state.remove(AGGREGATE)?;
    Some(CqrsSnapshot {
        aggregate,
        current_sequence: snapshot.version.get() as usize,
        current_snapshot,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account() -> AggregateType {
        AggregateType::new("Account").unwrap()
    }

    #[test]
    fn a_snapshot_comes_back_as_it_was_taken() {
        let taken = CqrsSnapshot {
            aggregate: json!({"balance": 70.25, "open": true}),
            current_sequence: 12,
            current_snapshot: 3,
        };
        let stored = to_snapshot(
            StreamId::new("Account-1").unwrap(),
            account(),
            taken.clone(),
            chrono::Utc::now(),
        );
        assert_eq!(stored.version, Version::new(12));
        assert_eq!(from_snapshot("Account", stored), Some(taken));
    }

    #[test]
    fn another_kind_of_snapshot_is_not_cqrs_ess() {
        let foreign = Snapshot {
            stream_id: StreamId::new("Account-1").unwrap(),
            version: Version::new(100),
            aggregate_type: None,
            state: json!({"balance": 1}),
            taken_at: chrono::Utc::now(),
        };
        assert_eq!(from_snapshot("Account", foreign.clone()), None);
        let other_type = Snapshot {
            aggregate_type: Some(account()),
            ..foreign
        };
        assert_eq!(from_snapshot("Ledger", other_type.clone()), None);
        assert_eq!(from_snapshot("Account", other_type), None);
    }

    #[test]
    fn a_projector_snapshot_merged_onto_cqrs_ess_state_is_not_cqrs_ess() {
        let snapshot = |state: Value| Snapshot {
            stream_id: StreamId::new("Account-1").unwrap(),
            version: Version::new(9),
            aggregate_type: Some(account()),
            state,
            taken_at: chrono::Utc::now(),
        };
        let merged = json!({"aggregate": {"balance": 1}, "cqrsSnapshot": 1, "amount": 5});
        assert_eq!(from_snapshot("Account", snapshot(merged)), None);
        for bad_number in [json!(0), json!(-1), json!(1.5), json!("1"), Value::Null] {
            let state = json!({"aggregate": {"balance": 1}, "cqrsSnapshot": bad_number});
            assert_eq!(from_snapshot("Account", snapshot(state)), None);
        }
        let no_aggregate = json!({"cqrsSnapshot": 1, "balance": 1});
        assert_eq!(from_snapshot("Account", snapshot(no_aggregate)), None);
        let good = json!({"aggregate": {"balance": 1}, "cqrsSnapshot": 2});
        assert!(from_snapshot("Account", snapshot(good)).is_some());
    }

    #[test]
    fn a_snapshot_store_covers_up_to_the_last_multiple_of_its_size() {
        // cqrs-es's own example: at 5, 8 events, a snapshot every 4: it applies 7 (up to 12)
        assert_eq!(covered_sequence(13, Some(4)), 12);
        assert_eq!(covered_sequence(8, Some(4)), 8);
        assert_eq!(covered_sequence(13, None), 13);
        assert_eq!(covered_sequence(13, Some(0)), 13);
    }
}
