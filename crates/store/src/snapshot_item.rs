//! Snapshot items: kept in their stream's own partition at sort key `v + 0.5`, between events
//! `v` and `v + 1`, so that one descending query returns the tail of a stream and then its
//! newest snapshot.

use aws_sdk_dynamodb::types::AttributeValue;
use event_store_domain::{Error, Snapshot, Version};

use crate::attributes;
use crate::event_item::Item;

/// The sort key of a snapshot taken at `version`.
pub fn snapshot_sort_key(version: Version) -> String {
    format!("{}.5", version.get())
}

/// The item for `snapshot`.
pub fn to_item(snapshot: &Snapshot) -> Result<Item, Error> {
    let mut item: Item = serde_dynamo::to_item(snapshot)
        .map_err(|e| Error::validation("state", format!("snapshot cannot be stored: {e}")))?;
    item.insert(
        attributes::SNAPSHOT_VERSION.into(),
        AttributeValue::N(snapshot.version.get().to_string()),
    );
    item.insert(
        attributes::VERSION.into(),
        AttributeValue::N(snapshot_sort_key(snapshot.version)),
    );
    Ok(item)
}

/// The snapshot stored in `item`.
pub fn from_item(mut item: Item) -> Result<Snapshot, Error> {
    let version = item
        .remove(attributes::SNAPSHOT_VERSION)
        .ok_or_else(|| Error::Corrupt {
            attribute: attributes::SNAPSHOT_VERSION.into(),
            reason: "missing on a snapshot item".into(),
        })?;
    item.insert(attributes::VERSION.into(), version);
    serde_dynamo::from_item(item).map_err(|e| Error::Corrupt {
        attribute: "snapshot item".into(),
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use event_store_domain::StreamId;
    use serde_json::json;

    #[test]
    fn a_snapshot_sits_half_a_version_after_its_event_and_round_trips() {
        let snapshot = Snapshot {
            stream_id: StreamId::new("s").unwrap(),
            version: Version::new(200),
            aggregate_type: None,
            state: json!({"balance": 1.5}),
            taken_at: event_store_domain::parse_time("t", "2024-01-01T00:00:00Z").unwrap(),
        };
        let item = to_item(&snapshot).unwrap();
        assert_eq!(item["version"], AttributeValue::N("200.5".into()));
        assert_eq!(crate::ItemKind::of(&item), crate::ItemKind::Snapshot);
        assert_eq!(from_item(item).unwrap(), snapshot);
    }

    #[test]
    fn a_snapshot_item_holds_only_the_attributes_the_projector_may_write() {
        let allowed = &crate::TableDefinitions::shipped()
            .events
            .snapshot_attributes;
        let full = Snapshot {
            stream_id: StreamId::new("s").unwrap(),
            version: Version::new(3),
            aggregate_type: Some(event_store_domain::AggregateType::new("Account").unwrap()),
            state: json!({"balance": 1}),
            taken_at: event_store_domain::parse_time("t", "2024-01-01T00:00:00Z").unwrap(),
        };
        let item = to_item(&full).unwrap();
        let mut names: Vec<&String> = item.keys().collect();
        names.sort();
        for name in names {
            assert!(
                allowed.contains(name),
                "{name} is not in tables.json snapshotAttributes"
            );
        }
    }
}
