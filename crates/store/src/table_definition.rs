//! The table definitions in `schema/tables.json`, parsed once: keys, stream view, TTL attribute
//! and indexes with their shard counts. The same file feeds `infra/` and the local stack.

use std::sync::OnceLock;

use event_store_domain::{EnabledIndexes, EventIndex};
use serde::Deserialize;

/// The definitions file, as shipped.
pub const TABLES_JSON: &str = include_str!("../schema/tables.json");

/// Every table the store owns.
#[derive(Debug, Clone, Deserialize)]
pub struct TableDefinitions {
    /// The events table.
    pub events: TableDefinition,
    /// The projections table: read models, stream summaries.
    pub projections: TableDefinition,
    /// The keys table: each data subject's data keys (crypto-shredding), wrapped by KMS.
    pub keys: TableDefinition,
}

/// One table.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TableDefinition {
    /// The partition key.
    pub partition_key: KeyAttribute,
    /// The sort key.
    pub sort_key: KeyAttribute,
    /// The DynamoDB Streams view type, if the table has a stream.
    pub stream_view: Option<String>,
    /// The TTL attribute, if items expire.
    pub ttl_attribute: Option<String>,
    /// Every attribute a snapshot item may hold (events table only): infra/ allows the projector
    /// to put only items made of these into the events table.
    #[serde(default)]
    pub snapshot_attributes: Vec<String>,
    /// The indexes a store writes and deploys when its settings name none (events table only).
    #[serde(default)]
    pub default_indexes: Vec<String>,
    /// Global secondary indexes.
    #[serde(default)]
    pub indexes: Vec<IndexDefinition>,
}

/// A key attribute and its DynamoDB scalar type (`S` or `N`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct KeyAttribute {
    /// The attribute name.
    pub name: String,
    /// `S` or `N`.
    #[serde(rename = "type")]
    pub kind: String,
}

/// A global secondary index.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IndexDefinition {
    /// The index name.
    pub name: String,
    /// Its partition key.
    pub partition_key: KeyAttribute,
    /// Its sort key.
    pub sort_key: KeyAttribute,
    /// `KEYS_ONLY`, `INCLUDE` or `ALL`.
    pub projection: String,
    /// How many partition keys one value is spread over.
    pub shards: u32,
}

impl TableDefinitions {
    /// The shipped definitions, parsed on first use. A malformed file is a build defect, caught
    /// by this crate's tests.
    pub fn shipped() -> &'static TableDefinitions {
        static PARSED: OnceLock<TableDefinitions> = OnceLock::new();
        PARSED.get_or_init(|| {
            serde_json::from_str(TABLES_JSON).expect("schema/tables.json is valid (tested)")
        })
    }
}

impl TableDefinition {
    /// `defaultIndexes` as a set. A name that is no index is a build defect, caught by this
    /// crate's tests.
    pub fn default_indexes(&self) -> EnabledIndexes {
        EnabledIndexes::of(
            self.default_indexes
                .iter()
                .filter_map(|n| EventIndex::named(n)),
        )
    }

    /// The index serving `index`.
    pub fn index_for(&self, index: EventIndex) -> &IndexDefinition {
        let name = index.name();
        self.indexes
            .iter()
            .find(|definition| definition.name == name)
            .expect("every EventIndex has a definition (tested)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_file_defines_every_index_with_the_time_sort_key() {
        let events = &TableDefinitions::shipped().events;
        assert_eq!(events.partition_key.name, "streamId");
        assert_eq!(
            events.sort_key,
            KeyAttribute {
                name: "version".into(),
                kind: "N".into()
            }
        );
        assert_eq!(events.stream_view.as_deref(), Some("NEW_IMAGE"));
        for index in [
            EventIndex::AggregateType,
            EventIndex::EventType,
            EventIndex::Correlation,
            EventIndex::User,
            EventIndex::Time,
        ] {
            let definition = events.index_for(index);
            assert_eq!(definition.sort_key.name, "eventTime");
            assert!(definition.shards >= 1);
        }
        assert_eq!(events.indexes.len(), EventIndex::ALL.len());
    }

    #[test]
    fn the_default_indexes_are_the_seeds_queries_and_each_is_an_index() {
        let events = &TableDefinitions::shipped().events;
        for name in &events.default_indexes {
            assert!(EventIndex::named(name).is_some(), "{name} is no index");
        }
        assert_eq!(
            events.default_indexes().names(),
            ["byAggregateType", "byUser", "byTime"]
        );
    }
}
