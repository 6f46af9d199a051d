//! A stream's head: its position and a window of its recent event ids, kept in one small item
//! that every append writes with a condition on it.
//!
//! The head is what an append's optimistic-concurrency check reads (its version, never an event
//! item), so expiring events (DynamoDB's TTL) can never make a version be given twice: the head
//! does not expire. It also remembers the last [`RECENT_EVENTS`] events of the stream, one slot
//! per version (`version % RECENT_EVENTS`), each as a short digest of the event id and of its
//! payload hash: a retry of one of them is recognized from the head alone, at any expected
//! version. The digests are 64 bits each (16 hex digits): a window of 20 takes 680 bytes, so the
//! whole head stays under 1 KB (2 write units in a transaction) for stream ids up to about 250
//! bytes.

use sha2::{Digest, Sha256};

use crate::payload_hash::hex;
use crate::{DedupeScope, EventId, PayloadHash, Version};

/// How many of a stream's latest events its head remembers.
pub const RECENT_EVENTS: usize = 20;
/// Hex digits kept of an event id's SHA-256 and of a payload hash.
const MARK_DIGITS: usize = 16;

/// A stream's position and recent events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamHead {
    /// The stream's version: its last event's.
    pub version: Version,
    /// Per slot, the id mark of the event at the slot's version (empty: no event yet).
    pub recent_ids: Vec<String>,
    /// Per slot, the payload-hash mark of that event.
    pub recent_hashes: Vec<String>,
    /// The dedupe scope the stream is written with (`None` for a head written before the store
    /// kept it): every writer of a stream must use the same.
    pub scope: Option<DedupeScope>,
}

/// A recent event the head remembers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecentEvent {
    /// Its version.
    pub version: Version,
    /// Whether its payload hash is the one asked about.
    pub same_content: bool,
}

/// What an append writes into its stream's head slots: `(slot, id mark, hash mark)`.
pub type SlotWrite = (usize, String, String);

impl StreamHead {
    /// The head of a stream with no events.
    pub fn empty() -> Self {
        StreamHead::at(Version::NONE)
    }

    /// A head at `version` that remembers no event yet (what a stream written before heads
    /// existed gets, at its last event's version).
    pub fn at(version: Version) -> Self {
        StreamHead {
            version,
            recent_ids: vec![String::new(); RECENT_EVENTS],
            recent_hashes: vec![String::new(); RECENT_EVENTS],
            scope: None,
        }
    }

    /// The same head, written with `scope`.
    pub fn with_scope(mut self, scope: DedupeScope) -> Self {
        self.scope = Some(scope);
        self
    }

    /// The slot of `version`.
    pub fn slot(version: Version) -> usize {
        (version.get() % RECENT_EVENTS as u64) as usize
    }

    /// The mark of an event id in the window: the first 64 bits of its SHA-256, in hex.
    pub fn id_mark(event_id: &EventId) -> String {
        let digest = Sha256::digest(event_id.as_str().as_bytes());
        hex(&digest[..MARK_DIGITS / 2])
    }

    /// The mark of a payload hash in the window: its first 16 hex digits.
    pub fn hash_mark(hash: &PayloadHash) -> String {
        hash.prefix(MARK_DIGITS).to_owned()
    }

    /// Where the head remembers `event_id`, if it does, and whether with a content of `hashes`
    /// (any of them: an event's content may have more than one hash, see the store's sealing).
    pub fn recent(&self, event_id: &EventId, hashes: &[&PayloadHash]) -> Option<RecentEvent> {
        let mark = StreamHead::id_mark(event_id);
        let slot = self.recent_ids.iter().position(|id| *id == mark)?;
        let version = self.version_of_slot(slot)?;
        let remembered = self.recent_hashes.get(slot).map(String::as_str);
        Some(RecentEvent {
            version,
            same_content: hashes
                .iter()
                .any(|hash| remembered == Some(StreamHead::hash_mark(hash).as_str())),
        })
    }

    /// The version whose event sits in `slot`: the one of the last [`RECENT_EVENTS`] versions
    /// that maps to it.
    fn version_of_slot(&self, slot: usize) -> Option<Version> {
        let window = RECENT_EVENTS as u64;
        let head = self.version.get();
        let back = (head % window + window - slot as u64) % window;
        let version = head.checked_sub(back)?;
        (version >= 1).then_some(Version::new(version))
    }

    /// The slots an append of `events` (ids and hashes, in order) after version `base` writes:
    /// the last [`RECENT_EVENTS`] of them, each in its version's slot.
    pub fn slot_writes(base: Version, events: &[(&EventId, &PayloadHash)]) -> Vec<SlotWrite> {
        let skip = events.len().saturating_sub(RECENT_EVENTS);
        events
            .iter()
            .enumerate()
            .skip(skip)
            .map(|(offset, (id, hash))| {
                let version = base.plus(offset as u64 + 1);
                (
                    StreamHead::slot(version),
                    StreamHead::id_mark(id),
                    StreamHead::hash_mark(hash),
                )
            })
            .collect()
    }

    /// The head after appending `events` to this one.
    pub fn after(&self, events: &[(&EventId, &PayloadHash)]) -> StreamHead {
        let mut next = self.clone();
        for (slot, id, hash) in StreamHead::slot_writes(self.version, events) {
            next.recent_ids[slot] = id;
            next.recent_hashes[slot] = hash;
        }
        next.version = self.version.plus(events.len() as u64);
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EventType;
    use serde_json::json;

    fn id(n: u64) -> EventId {
        EventId::new(format!("evt-{n}")).unwrap()
    }

    fn hash(n: u64) -> PayloadHash {
        PayloadHash::of(&EventType::new("E").unwrap(), None, &json!({ "n": n }))
    }

    fn appended(head: &StreamHead, from: u64, to: u64) -> StreamHead {
        let ids: Vec<EventId> = (from..=to).map(id).collect();
        let hashes: Vec<PayloadHash> = (from..=to).map(hash).collect();
        let events: Vec<(&EventId, &PayloadHash)> = ids.iter().zip(&hashes).collect();
        head.after(&events)
    }

    #[test]
    fn the_head_remembers_exactly_the_last_twenty_events() {
        let head = appended(&StreamHead::empty(), 1, 45);
        assert_eq!(head.version, Version::new(45));
        for n in 26..=45 {
            assert_eq!(
                head.recent(&id(n), &[&hash(n)]),
                Some(RecentEvent {
                    version: Version::new(n),
                    same_content: true
                }),
                "event {n}"
            );
        }
        assert_eq!(head.recent(&id(25), &[&hash(25)]), None);
        assert_eq!(head.recent(&id(1), &[&hash(1)]), None);
    }

    #[test]
    fn other_content_under_a_remembered_id_is_told_apart() {
        let head = appended(&StreamHead::empty(), 1, 3);
        let found = head.recent(&id(2), &[&hash(99)]).unwrap();
        assert_eq!(found.version, Version::new(2));
        assert!(!found.same_content);
    }

    #[test]
    fn a_content_with_more_than_one_hash_is_the_same_by_any_of_them() {
        let head = appended(&StreamHead::empty(), 1, 3);
        let found = head.recent(&id(2), &[&hash(99), &hash(2)]).unwrap();
        assert!(found.same_content);
        assert!(!head.recent(&id(2), &[]).unwrap().same_content);
    }

    #[test]
    fn a_short_stream_has_empty_slots_that_match_nothing() {
        let head = appended(&StreamHead::empty(), 1, 2);
        assert_eq!(head.recent_ids.iter().filter(|s| s.is_empty()).count(), 18);
        assert_eq!(head.recent(&id(3), &[&hash(3)]), None);
    }

    #[test]
    fn a_batch_larger_than_the_window_writes_only_its_last_twenty() {
        let ids: Vec<EventId> = (1..=30).map(id).collect();
        let hashes: Vec<PayloadHash> = (1..=30).map(hash).collect();
        let events: Vec<(&EventId, &PayloadHash)> = ids.iter().zip(&hashes).collect();
        let writes = StreamHead::slot_writes(Version::new(5), &events);
        assert_eq!(writes.len(), 20);
        // Events 11..=30 of the batch land at versions 16..=35.
        assert_eq!(writes[0].0, StreamHead::slot(Version::new(16)));
        let mut slots: Vec<usize> = writes.iter().map(|w| w.0).collect();
        slots.sort_unstable();
        slots.dedup();
        assert_eq!(slots.len(), 20, "each slot written once");
    }
}
