//! Idempotency guards: with the store-wide dedupe scope, one small item per event id, written in
//! the same transaction as the event, in a reserved partition (`$event#<id>`). It says where the
//! event is stored and with which payload hash, so a retry arriving by any path (another expected
//! version, none, another stream) is told from an id reused for other content, and an event can
//! be read by its id alone.

use aws_sdk_dynamodb::types::AttributeValue;
use event_store_domain::{
    Error, EventId, PayloadHash, StoredAt, StreamId, Version, RESERVED_PREFIX,
};

use crate::attributes;
use crate::event_item::Item;

/// The guard's partition key for `event_id`; stream ids may not start with the reserved prefix,
/// so it can never collide with a stream.
pub fn guard_key(event_id: &EventId) -> String {
    format!("{RESERVED_PREFIX}event#{event_id}")
}

/// The key of `event_id`'s guard.
pub fn key(event_id: &EventId) -> Item {
    [
        (
            attributes::STREAM_ID.to_string(),
            AttributeValue::S(guard_key(event_id)),
        ),
        (
            attributes::VERSION.to_string(),
            AttributeValue::N("0".into()),
        ),
    ]
    .into()
}

/// The guard for `event_id` with content `hash`, stored at `version` of `stream`.
pub fn to_item(
    event_id: &EventId,
    hash: &PayloadHash,
    stream: &StreamId,
    version: Version,
    expires_at: Option<i64>,
) -> Item {
    let mut item = key(event_id);
    item.insert(
        attributes::GUARD_STREAM.to_string(),
        AttributeValue::S(stream.to_string()),
    );
    item.insert(
        attributes::GUARD_VERSION.to_string(),
        AttributeValue::N(version.to_string()),
    );
    item.insert(
        attributes::PAYLOAD_HASH.to_string(),
        AttributeValue::S(hash.to_string()),
    );
    if let Some(expires_at) = expires_at {
        item.insert(
            attributes::EXPIRES_AT.into(),
            AttributeValue::N(expires_at.to_string()),
        );
    }
    item
}

/// What a guard says of its event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Guarded {
    /// Where the event is stored.
    pub at: StoredAt,
    /// With which payload hash (absent on guards written before the store kept it).
    pub hash: Option<PayloadHash>,
    /// When the guard expires (epoch seconds), with retention.
    pub expires_at: Option<i64>,
}

/// What a guard of `event_id` says: where its event is stored, and with which payload hash.
pub fn guarded(event_id: &EventId, item: &Item) -> Result<Guarded, Error> {
    let corrupt = |attribute: &str| Error::Corrupt {
        attribute: attribute.into(),
        reason: format!("missing or malformed on the guard of event {event_id}"),
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
    let hash = match item.get(attributes::PAYLOAD_HASH) {
        None => None,
        Some(value) => Some(
            value
                .as_s()
                .ok()
                .and_then(|h| PayloadHash::parse(h))
                .ok_or_else(|| corrupt(attributes::PAYLOAD_HASH))?,
        ),
    };
    let expires_at = item
        .get(attributes::EXPIRES_AT)
        .and_then(|v| v.as_n().ok())
        .and_then(|n| n.parse::<i64>().ok());
    Ok(Guarded {
        at: StoredAt {
            event_id: event_id.clone(),
            stream_id: stream,
            version: Version::new(version),
        },
        hash,
        expires_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use event_store_domain::EventType;

    #[test]
    fn a_guard_records_where_its_event_is_and_its_content() {
        let id = EventId::new("evt-1").unwrap();
        let hash = PayloadHash::of(&EventType::new("A").unwrap(), None, &serde_json::json!({}));
        let item = to_item(
            &id,
            &hash,
            &StreamId::new("s-1").unwrap(),
            Version::new(9),
            None,
        );
        assert_eq!(item["streamId"], AttributeValue::S("$event#evt-1".into()));
        assert_eq!(crate::ItemKind::of(&item), crate::ItemKind::Guard);
        let found = guarded(&id, &item).unwrap();
        assert_eq!(
            (found.at.stream_id.as_str(), found.at.version.get()),
            ("s-1", 9)
        );
        assert_eq!(found.hash, Some(hash));
        assert_eq!(found.expires_at, None);
    }
}
