//! Event ids: one random nonce per commit, so the SDK's retry of a request is the same events
//! and a second commit never is.
//!
//! An event's id is the UUIDv5, in a namespace of this crate, of its aggregate type, aggregate
//! id, sequence and the nonce the repository draws once per `persist` call. The SDK's own retry
//! of the commit's `TransactWriteItems` (its answer lost) resends the same request, with the
//! same ids, and the store answers it as a duplicate: nothing written twice. Any other commit
//! (another writer deciding byte-identical events at the same sequence, or a caller that calls
//! `persist` again after a lost answer) has other ids, and the store's version check refuses it:
//! cqrs-es's optimistic-lock error, never a merge and never a double.

use event_store_domain::{EventId, ValidationError};
use uuid::Uuid;

/// The namespace of the ids (random, fixed forever).
pub const NAMESPACE: Uuid = Uuid::from_u128(0x6d9a_f768_8e16_497c_83d4_5549_562d_f8ef);

/// A commit's nonce: drawn once per `persist` call.
pub fn commit_nonce() -> Uuid {
    Uuid::new_v4()
}

/// The id of the event at `sequence` of `aggregate_id` of `aggregate_type` in the commit of
/// `nonce`.
pub fn event_id_of(
    aggregate_type: &str,
    aggregate_id: &str,
    sequence: usize,
    nonce: &Uuid,
) -> Result<EventId, ValidationError> {
    // Length-prefixed parts: no two different tuples give the same name.
    let mut name = Vec::new();
    let nonce = nonce.to_string();
    for part in [
        aggregate_type,
        aggregate_id,
        &sequence.to_string(),
        nonce.as_str(),
    ] {
        name.extend_from_slice(&part.len().to_be_bytes());
        name.extend_from_slice(part.as_bytes());
    }
    EventId::new(Uuid::new_v5(&NAMESPACE, &name).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_event_of_the_same_commit_has_the_same_id() {
        let nonce = commit_nonce();
        assert_eq!(
            event_id_of("Account", "a-1", 3, &nonce).unwrap(),
            event_id_of("Account", "a-1", 3, &nonce).unwrap()
        );
        let id = event_id_of("Account", "a-1", 3, &nonce).unwrap();
        assert!(Uuid::parse_str(id.as_str()).unwrap().get_version_num() == 5);
    }

    #[test]
    fn any_other_place_or_commit_is_another_id() {
        let nonce = commit_nonce();
        let base = event_id_of("Account", "a-1", 3, &nonce).unwrap();
        for other in [
            event_id_of("Account", "a-1", 4, &nonce).unwrap(),
            event_id_of("Account", "a-2", 3, &nonce).unwrap(),
            event_id_of("Ledger", "a-1", 3, &nonce).unwrap(),
            // the same event decided again (another writer, or persist called again)
            event_id_of("Account", "a-1", 3, &commit_nonce()).unwrap(),
            // the parts are length-prefixed: moving a character between them changes the id
            event_id_of("Accoun", "ta-1", 3, &nonce).unwrap(),
        ] {
            assert_ne!(base, other);
        }
    }
}
