//! A stream's snapshots, newest first, a page at a time: what the console lists beside a stream's
//! state. Snapshots sit between the events of their partition (`v + 0.5`), so a page is a
//! strongly consistent descending `Query` of the partition filtered to snapshot items: it reads
//! (and is charged for) the events between them too, at most [`SCANNED_PAGES`] pages of
//! DynamoDB's 1 MB each per call. A page may so come back short, or empty, with a token to go
//! on from where the reading stopped. A page holds at most [`MAX_PAGE_BYTES`] of snapshots.

use aws_sdk_dynamodb::types::AttributeValue;
use event_store_domain::{Error, Page, PageRequest, Snapshot, StreamId, MAX_PAGE_SIZE};
use serde::{Deserialize, Serialize};

use crate::head_item::HEAD_SORT_KEY;
use crate::item_size::item_size;
use crate::sdk_error::from_sdk;
use crate::{attributes, page_token, snapshot_item, DynamoEventStore};

/// How many DynamoDB pages (up to 1 MB each) one call reads at most before it answers.
pub const SCANNED_PAGES: usize = 4;

/// The most snapshot bytes (DynamoDB's count) one page answers: its JSON stays well within
/// Lambda's 6 MB response, so a page of large snapshots can always be read and paged past.
pub const MAX_PAGE_BYTES: usize = 2 * 1024 * 1024;

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
                if !is_sort_key(&position.below) {
                    return Err(Error::validation(
                        "pageToken",
                        "is not a token this read returned",
                    ));
                }
                position.below
            }
            None => HEAD_SORT_KEY.to_owned(),
        };
        let mut snapshots = Vec::new();
        let mut bytes = 0;
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
                bytes += item_size(&item);
                let snapshot = snapshot_item::from_item(item)?;
                let sort_key = snapshot_item::snapshot_sort_key(snapshot.version);
                snapshots.push(snapshot);
                if snapshots.len() == limit || bytes >= MAX_PAGE_BYTES {
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

/// Whether `text` is a sort key of a stream's partition: a version, or a snapshot's `v.5`.
fn is_sort_key(text: &str) -> bool {
    let digits = text.strip_suffix(".5").unwrap_or(text);
    !digits.is_empty() && digits.len() <= 30 && digits.bytes().all(|b| b.is_ascii_digit())
}

fn token(stream: &StreamId, below: String) -> String {
    page_token::encode(&SnapshotPosition {
        stream: stream.to_string(),
        below,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_partitions_sort_keys_are_taken_back_from_a_token() {
        assert!(is_sort_key("120.5") && is_sort_key("7") && is_sort_key(HEAD_SORT_KEY));
        for bad in ["", ".5", "1e9", "-3", "12.25", "abc"] {
            assert!(!is_sort_key(bad), "{bad}");
        }
    }
}
