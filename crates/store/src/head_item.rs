//! Stream head items: a stream's [`StreamHead`] (its version and recent event ids), kept in the
//! stream's own partition at sort key [`HEAD_SORT_KEY`], above every version, so a descending
//! query of the partition meets it first and reads of a version range never do.
//!
//! Every slot of the recent-events window always holds a 16-character mark (empty slots hold
//! [`EMPTY_MARK`], which no hex mark equals), so a head's size depends only on its stream id and
//! the digits of its version: about 730 bytes plus the stream id.

use aws_sdk_dynamodb::types::AttributeValue;
use event_store_domain::{DedupeScope, Error, StreamHead, StreamId, Version, RECENT_EVENTS};

use crate::attributes;
use crate::event_item::Item;

/// The head's sort key: 10^29, above any version (a `u64`) and any snapshot (`v + 0.5`).
pub const HEAD_SORT_KEY: &str = "100000000000000000000000000000";
/// What an empty slot of the window holds: as long as a mark, and never a hex mark.
pub const EMPTY_MARK: &str = "----------------";

/// The head item of `stream`.
pub fn to_item(stream: &StreamId, head: &StreamHead) -> Item {
    let marks = |marks: &[String]| {
        AttributeValue::L(
            marks
                .iter()
                .map(|mark| {
                    AttributeValue::S(if mark.is_empty() {
                        EMPTY_MARK.to_owned()
                    } else {
                        mark.clone()
                    })
                })
                .collect(),
        )
    };
    [
        (
            attributes::STREAM_ID.to_string(),
            AttributeValue::S(stream.to_string()),
        ),
        (
            attributes::VERSION.to_string(),
            AttributeValue::N(HEAD_SORT_KEY.into()),
        ),
        (
            attributes::HEAD_VERSION.to_string(),
            AttributeValue::N(head.version.to_string()),
        ),
        (attributes::RECENT_IDS.to_string(), marks(&head.recent_ids)),
        (
            attributes::RECENT_HASHES.to_string(),
            marks(&head.recent_hashes),
        ),
    ]
    .into_iter()
    .chain(head.scope.map(|scope| {
        (
            attributes::DEDUPE_SCOPE.to_string(),
            AttributeValue::S(scope.to_string()),
        )
    }))
    .collect()
}

/// The key of `stream`'s head.
pub fn key(stream: &StreamId) -> Item {
    [
        (
            attributes::STREAM_ID.to_string(),
            AttributeValue::S(stream.to_string()),
        ),
        (
            attributes::VERSION.to_string(),
            AttributeValue::N(HEAD_SORT_KEY.into()),
        ),
    ]
    .into()
}

/// The head a head item holds; a malformed one is `Corrupt`, naming the attribute.
pub fn from_item(item: &Item) -> Result<StreamHead, Error> {
    let corrupt = |attribute: &str| Error::Corrupt {
        attribute: attribute.into(),
        reason: "missing or malformed on a stream head item".into(),
    };
    let version = item
        .get(attributes::HEAD_VERSION)
        .and_then(|v| v.as_n().ok())
        .and_then(|n| n.parse::<u64>().ok())
        .ok_or_else(|| corrupt(attributes::HEAD_VERSION))?;
    let marks = |name: &str| -> Result<Vec<String>, Error> {
        let list = item
            .get(name)
            .and_then(|v| v.as_l().ok())
            .filter(|list| list.len() == RECENT_EVENTS)
            .ok_or_else(|| corrupt(name))?;
        list.iter()
            .map(|mark| match mark.as_s() {
                Ok(mark) if mark == EMPTY_MARK => Ok(String::new()),
                Ok(mark) => Ok(mark.clone()),
                Err(_) => Err(corrupt(name)),
            })
            .collect()
    };
    let scope = match item.get(attributes::DEDUPE_SCOPE) {
        None => None,
        Some(value) => Some(
            value
                .as_s()
                .ok()
                .and_then(|s| s.parse::<DedupeScope>().ok())
                .ok_or_else(|| corrupt(attributes::DEDUPE_SCOPE))?,
        ),
    };
    Ok(StreamHead {
        version: Version::new(version),
        recent_ids: marks(attributes::RECENT_IDS)?,
        recent_hashes: marks(attributes::RECENT_HASHES)?,
        scope,
    })
}

/// The size of the largest head `stream` can have (a 20-digit version): what an update of it
/// costs at most.
pub fn largest_size(stream: &StreamId) -> usize {
    let head = StreamHead::at(Version::new(u64::MAX)).with_scope(DedupeScope::Stream);
    crate::item_size::item_size(&to_item(stream, &head))
}

#[cfg(test)]
mod tests {
    use super::*;
    use event_store_domain::{EventId, EventType, PayloadHash};
    use serde_json::json;

    #[test]
    fn a_head_round_trips_and_stays_under_one_kilobyte() {
        let stream = StreamId::new("account-7c9e6679-7425-40de-944b-e07fc1f90ae7").unwrap();
        let id = EventId::new("e-1").unwrap();
        let hash = PayloadHash::of(&EventType::new("A").unwrap(), None, &json!({}));
        let head = StreamHead::empty()
            .with_scope(DedupeScope::Store)
            .after(&[(&id, &hash)]);
        let item = to_item(&stream, &head);
        assert_eq!(crate::ItemKind::of(&item), crate::ItemKind::Head);
        assert_eq!(from_item(&item).unwrap(), head);
        let size = crate::item_size::item_size(&item);
        assert!(size <= largest_size(&stream), "{size}");
        assert!(largest_size(&stream) <= 1024, "{}", largest_size(&stream));
    }

    #[test]
    fn the_head_sorts_above_every_version_and_snapshot() {
        let head: f64 = HEAD_SORT_KEY.parse().unwrap();
        assert!(head > u64::MAX as f64 + 0.5);
    }
}
