//! Idempotency guards: one small item per event id appended without an expected version, written
//! in the same transaction as the event, in a reserved partition (`$event#<id>`). A redelivered
//! event finds its guard, and the append reports where the event was first stored.

use aws_sdk_dynamodb::types::AttributeValue;
use event_store_domain::{Error, EventId, StreamId, Version, RESERVED_PREFIX};

use crate::attributes;
use crate::event_item::Item;

/// The guard's partition key for `event_id`; stream ids may not start with the reserved prefix,
/// so it can never collide with a stream.
pub fn guard_key(event_id: &EventId) -> String {
    format!("{RESERVED_PREFIX}event#{event_id}")
}

/// The guard for `event_id` stored at `version` of `stream`.
pub fn to_item(
    event_id: &EventId,
    stream: &StreamId,
    version: Version,
    expires_at: Option<i64>,
) -> Item {
    let mut item: Item = [
        (
            attributes::STREAM_ID.to_string(),
            AttributeValue::S(guard_key(event_id)),
        ),
        (
            attributes::VERSION.to_string(),
            AttributeValue::N("0".into()),
        ),
        (
            attributes::GUARD_STREAM.to_string(),
            AttributeValue::S(stream.to_string()),
        ),
        (
            attributes::GUARD_VERSION.to_string(),
            AttributeValue::N(version.to_string()),
        ),
    ]
    .into();
    if let Some(expires_at) = expires_at {
        item.insert(
            attributes::EXPIRES_AT.into(),
            AttributeValue::N(expires_at.to_string()),
        );
    }
    item
}

/// Where a guard says its event is stored.
pub fn guarded_position(item: &Item) -> Result<(StreamId, Version), Error> {
    let corrupt = |attribute: &str| Error::Corrupt {
        attribute: attribute.into(),
        reason: "missing or malformed on a guard item".into(),
    };
    let stream = item
        .get(attributes::GUARD_STREAM)
        .and_then(|v| v.as_s().ok())
        .and_then(|s| StreamId::new(s.as_str()).ok())
        .ok_or_else(|| corrupt(attributes::GUARD_STREAM))?;
    let version = item
        .get(attributes::GUARD_VERSION)
        .and_then(|v| v.as_n().ok())
        .and_then(|n| n.parse::<u64>().ok())
        .ok_or_else(|| corrupt(attributes::GUARD_VERSION))?;
    Ok((stream, Version::new(version)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_guard_records_where_its_event_is() {
        let id = EventId::new("evt-1").unwrap();
        let item = to_item(&id, &StreamId::new("s-1").unwrap(), Version::new(9), None);
        assert_eq!(item["streamId"], AttributeValue::S("$event#evt-1".into()));
        assert_eq!(crate::ItemKind::of(&item), crate::ItemKind::Guard);
        let (stream, version) = guarded_position(&item).unwrap();
        assert_eq!((stream.as_str(), version.get()), ("s-1", 9));
    }
}
