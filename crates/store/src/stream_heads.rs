//! Reading a stream's head, and what stands for it in a stream written before heads existed
//! (its last event's version); the check that every writer of a stream uses its dedupe scope.

use aws_sdk_dynamodb::types::AttributeValue;
use event_store_domain::{Error, StreamHead, StreamId, Version};

use crate::sdk_error::from_sdk;
use crate::{attributes, head_item, DynamoEventStore};

impl DynamoEventStore {
    /// The stream's head, if it has one: one strongly consistent `GetItem`.
    pub(crate) async fn read_head(&self, stream: &StreamId) -> Result<Option<StreamHead>, Error> {
        let output = self
            .client
            .get_item()
            .table_name(self.table())
            .set_key(Some(head_item::key(stream)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| from_sdk("GetItem", e))?;
        output.item.as_ref().map(head_item::from_item).transpose()
    }
    /// The version of the newest event of `stream`'s partition (0 when it has none): what a
    /// stream written before heads existed is at. One strongly consistent query below the head.
    pub(crate) async fn last_event_version(&self, stream: &StreamId) -> Result<Version, Error> {
        let output = self
            .partition_query(stream)
            .key_condition_expression("#s = :s AND #v < :head")
            .expression_attribute_names("#v", attributes::VERSION)
            .expression_attribute_values(
                ":head",
                AttributeValue::N(head_item::HEAD_SORT_KEY.into()),
            )
            .projection_expression("#v")
            .scan_index_forward(false)
            .limit(1)
            .send()
            .await
            .map_err(|e| from_sdk("Query", e))?;
        let Some(sort_key) = output
            .items()
            .first()
            .and_then(|item| item.get(attributes::VERSION))
            .and_then(|v| v.as_n().ok())
        else {
            return Ok(Version::NONE);
        };
        // A snapshot at v + 0.5 says event v is (or was) there.
        let whole = sort_key.split('.').next().unwrap_or(sort_key);
        whole
            .parse::<u64>()
            .map(Version::new)
            .map_err(|_| Error::Corrupt {
                attribute: attributes::VERSION.into(),
                reason: format!("{sort_key:?} is not a version"),
            })
    }

    /// Refuses to write a stream whose head says it is written with another dedupe scope.
    pub(crate) fn check_scope_of(&self, stream: &StreamId, head: &StreamHead) -> Result<(), Error> {
        match head.scope {
            Some(scope) if scope != self.settings.dedupe_scope => Err(Error::validation(
                "DEDUPE_SCOPE",
                format!(
                    "stream {stream} is written with the {scope} dedupe scope and this writer uses {}: every writer of a table must use the same scope",
                    self.settings.dedupe_scope
                ),
            )),
            _ => Ok(()),
        }
    }
}
