//! What an item of the events table is: an event, a snapshot, a stream head or an idempotency
//! guard. Readers of a stream partition and of the table's change stream skip what is not an
//! event.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::attributes;

/// The four kinds of item in the events table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemKind {
    /// A stored event (has `eventType`).
    Event,
    /// A snapshot, at sort key `v + 0.5` in its stream's partition (has `snapshotVersion`).
    Snapshot,
    /// An idempotency guard, in a reserved partition `$event#<id>` (has `guardedStream`).
    Guard,
    /// A stream's head, above its versions in its partition (has `head`).
    Head,
    /// Anything else: not written by this store.
    Unknown,
}

impl ItemKind {
    /// Classifies `item` by the attributes only its kind carries.
    pub fn of(item: &HashMap<String, AttributeValue>) -> ItemKind {
        if item.contains_key(attributes::EVENT_TYPE) {
            ItemKind::Event
        } else if item.contains_key(attributes::SNAPSHOT_VERSION) {
            ItemKind::Snapshot
        } else if item.contains_key(attributes::GUARD_STREAM) {
            ItemKind::Guard
        } else if item.contains_key(attributes::HEAD_VERSION) {
            ItemKind::Head
        } else {
            ItemKind::Unknown
        }
    }
}
