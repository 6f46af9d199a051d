//! The DynamoDB event store: its configuration and the stream-head read the other operations
//! share. Appends, reads, index queries and snapshots live in their own modules.

use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;
use event_store_domain::{Error, Settings, StreamId, Version};

use crate::attributes;
use crate::sdk_error::{from_sdk, unavailable};

/// The event store over one DynamoDB events table.
#[derive(Debug, Clone)]
pub struct DynamoEventStore {
    pub(crate) client: Client,
    pub(crate) settings: Settings,
}

impl DynamoEventStore {
    /// A store over `settings.events_table`, using `client` (built once, at cold start).
    pub fn new(client: Client, settings: &Settings) -> Self {
        DynamoEventStore {
            client,
            settings: settings.clone(),
        }
    }

    /// The events table's name.
    pub fn table(&self) -> &str {
        &self.settings.events_table
    }

    /// The DynamoDB client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The settings the store was built with.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// A strongly consistent query of `stream`'s partition, with `#s = :s` bound for the key
    /// condition; the caller narrows it.
    pub(crate) fn partition_query(&self, stream: &StreamId) -> QueryFluentBuilder {
        self.client
            .query()
            .table_name(self.table())
            .expression_attribute_names("#s", attributes::STREAM_ID)
            .expression_attribute_values(":s", AttributeValue::S(stream.to_string()))
            .consistent_read(true)
    }

    /// The stream's current version (0 when it has no events): one strongly consistent query
    /// for the newest item of the partition. A snapshot at `v + 0.5` means event `v` is the head.
    pub async fn head(&self, stream: &StreamId) -> Result<Version, Error> {
        let output = self
            .partition_query(stream)
            .key_condition_expression("#s = :s")
            .expression_attribute_names("#v", attributes::VERSION)
            .projection_expression("#v")
            .scan_index_forward(false)
            .limit(1)
            .send()
            .await
            .map_err(|e| from_sdk("Query", e))?;
        let Some(item) = output.items().first() else {
            return Ok(Version::NONE);
        };
        let sort_key = item
            .get(attributes::VERSION)
            .and_then(|v| v.as_n().ok())
            .ok_or_else(|| unavailable("Query", "the newest item has no numeric version"))?;
        parse_sort_key(sort_key)
    }
}

/// The event version at a sort key: `7` for an event, `7.5` for the snapshot after event 7.
pub(crate) fn parse_sort_key(sort_key: &str) -> Result<Version, Error> {
    let whole = sort_key.split('.').next().unwrap_or(sort_key);
    whole
        .parse::<u64>()
        .map(Version::new)
        .map_err(|_| Error::Corrupt {
            attribute: attributes::VERSION.into(),
            reason: format!("{sort_key:?} is not a version"),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_sort_keys_belong_to_the_event_before_them() {
        assert_eq!(parse_sort_key("7").unwrap(), Version::new(7));
        assert_eq!(parse_sort_key("7.5").unwrap(), Version::new(7));
        assert!(parse_sort_key("x").is_err());
    }
}
