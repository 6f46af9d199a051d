//! A stream's snapshots, newest first, a page at a time: what the console lists beside a stream's
//! state. Snapshots sit between the events of their partition (`v + 0.5`), so a page is a
//! strongly consistent descending `Query` of the partition filtered to snapshot items: it reads
//! (and is charged for) the events between them too, at most [`SCANNED_PAGES`] pages of
//! DynamoDB's 1 MB each per call. A page may so come back short, or empty, with a token to go
//! on from where the reading stopped.

use aws_sdk_dynamodb::types::AttributeValue;
use event_store_domain::{Error, Page, PageRequest, Snapshot, StreamId, MAX_PAGE_SIZE};
use serde::{Deserialize, Serialize};

use crate::head_item::HEAD_SORT_KEY;
use crate::sdk_error::from_sdk;
use crate::{attributes, page_token, snapshot_item, DynamoEventStore};

/// How many DynamoDB pages (up to 1 MB each) one call reads at most before it answers.
pub const SCANNED_PAGES: usize = 4;

/// Where the next page starts: below this sort key of the stream.
#[derive(Debug, Serialize, Deserialize)]
struct SnapshotPosition {
    stream: String,
    below: String,
}

impl DynamoEventStore {
    /// A page of the stream's snapshots, newest first.
    pub async fn list_snapshots(
        &self,
        stream: &StreamId,
        page: &PageRequest,
    ) -> Result<Page<Snapshot>, Error> {
        let limit = page.limit_within(MAX_PAGE_SIZE)?;
        let below = match &page.page_token {
            Some(token) => {
                let position: SnapshotPosition = page_token::decode(token)?;
                if position.stream != stream.as_str() {
                    return Err(Error::validation(
                        "pageToken",
                        "belongs to the snapshots of another stream",
                    ));
                }
                position.below
            }
            None => HEAD_SORT_KEY.to_owned(),
        };
        let mut snapshots = Vec::new();
        let mut start_key = None;
        for _ in 0..SCANNED_PAGES {
            let output = self
                .partition_query(stream)
                .scan_index_forward(false)
                .key_condition_expression("#s = :s AND #v < :below")
                .filter_expression("attribute_exists(#snapshot)")
                .expression_attribute_names("#v", attributes::VERSION)
                .expression_attribute_names("#snapshot", attributes::SNAPSHOT_VERSION)
                .expression_attribute_values(":below", AttributeValue::N(below.clone()))
                .set_exclusive_start_key(start_key)
                .send()
                .await
                .map_err(|e| from_sdk("Query", e))?;
            for item in output.items.unwrap_or_default() {
                let snapshot = snapshot_item::from_item(item)?;
                let sort_key = snapshot_item::snapshot_sort_key(snapshot.version);
                snapshots.push(snapshot);
                if snapshots.len() == limit {
                    return Ok(Page {
                        items: snapshots,
                        next_page_token: Some(token(stream, sort_key)),
                    });
                }
            }
            start_key = output.last_evaluated_key;
            if start_key.is_none() {
                return Ok(Page {
                    items: snapshots,
                    next_page_token: None,
                });
            }
        }
        // Read as far as one call may: go on below the last item read.
        let reached = start_key
            .as_ref()
            .and_then(|key| key.get(attributes::VERSION))
            .and_then(|v| v.as_n().ok())
            .cloned()
            .ok_or_else(|| Error::Corrupt {
                attribute: attributes::VERSION.into(),
                reason: "missing from the key a query stopped at".into(),
            })?;
        Ok(Page {
            items: snapshots,
            next_page_token: Some(token(stream, reached)),
        })
    }
}

fn token(stream: &StreamId, below: String) -> String {
    page_token::encode(&SnapshotPosition {
        stream: stream.to_string(),
        below,
    })
}
