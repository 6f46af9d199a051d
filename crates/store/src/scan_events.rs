//! The full-table parallel scan: every event of the store, in no order, split into segments that
//! workers read at the same time (DynamoDB's `Segment` / `TotalSegments`). For rebuilds, where
//! order across streams does not matter but throughput does. Guards and snapshots are skipped.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use event_store_domain::{Error, Page, PageRequest, RecordedEvent, MAX_PAGE_SIZE};
use serde::{Deserialize, Serialize};

use crate::item_kind::ItemKind;
use crate::sdk_error::from_sdk;
use crate::{attributes, page_token, DynamoEventStore};

/// Where a segment's scan stopped: the last key DynamoDB evaluated.
#[derive(Serialize, Deserialize)]
struct ScanPosition {
    #[serde(rename = "seg")]
    segment: u32,
    #[serde(rename = "s")]
    stream: String,
    #[serde(rename = "v")]
    version: String,
}

impl DynamoEventStore {
    /// How many items the events table holds, as DynamoDB estimates it (`DescribeTable`'s
    /// `ItemCount`, refreshed about every six hours; snapshots and guards count too): an upper
    /// bound for a full scan's progress.
    pub async fn approximate_item_count(&self) -> Result<u64, Error> {
        let output = self
            .client
            .describe_table()
            .table_name(self.table())
            .send()
            .await
            .map_err(|e| from_sdk("DescribeTable", e))?;
        Ok(output
            .table
            .and_then(|t| t.item_count)
            .map_or(0, |count| count.max(0) as u64))
    }

    /// One page of segment `segment` of `segments`. A page may hold fewer events than asked (the
    /// scan reads `limit` items, events or not) and even none while more follow: continue while
    /// there is a next page token.
    pub async fn scan_events(
        &self,
        segment: u32,
        segments: u32,
        page: &PageRequest,
    ) -> Result<Page<RecordedEvent>, Error> {
        if segments == 0 || segment >= segments {
            return Err(Error::validation(
                "segment",
                format!("{segment} is not a segment of {segments}"),
            ));
        }
        let start = match &page.page_token {
            Some(token) => {
                let position: ScanPosition = page_token::decode(token)?;
                if position.segment != segment {
                    return Err(Error::validation("pageToken", "belongs to another segment"));
                }
                Some(HashMap::from([
                    (
                        attributes::STREAM_ID.to_owned(),
                        AttributeValue::S(position.stream),
                    ),
                    (
                        attributes::VERSION.to_owned(),
                        AttributeValue::N(position.version),
                    ),
                ]))
            }
            None => None,
        };
        let output = self
            .client
            .scan()
            .table_name(self.table())
            .segment(segment as i32)
            .total_segments(segments as i32)
            .limit(page.limit_within(MAX_PAGE_SIZE)? as i32)
            // Strongly consistent: an event written just before a rebuild began (whose
            // projector batch read the pointers before it) is in the scan.
            .consistent_read(true)
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(|e| from_sdk("Scan", e))?;
        let mut events = Vec::new();
        for item in output.items().iter().cloned() {
            if ItemKind::of(&item) == ItemKind::Event {
                events.push(self.event_from_item(item)?);
            }
        }
        let next_page_token = output.last_evaluated_key().and_then(|key| {
            let text = |name: &str| match key.get(name) {
                Some(AttributeValue::S(s)) | Some(AttributeValue::N(s)) => Some(s.clone()),
                _ => None,
            };
            Some(page_token::encode(&ScanPosition {
                segment,
                stream: text(attributes::STREAM_ID)?,
                version: text(attributes::VERSION)?,
            }))
        });
        Ok(Page {
            items: events,
            next_page_token,
        })
    }
}
