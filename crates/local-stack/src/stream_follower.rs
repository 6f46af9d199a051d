//! Following a table's DynamoDB stream from where it was last read, every shard, records shaped
//! as Lambda delivers them: what `esctl tail` prints from and what tests read the stream with.
//! Positions live in memory only (the stream mapping keeps its own, on disk).

use std::collections::HashMap;

use serde_json::Value;

use crate::stream_reader::{shard_iterator, stream_shards, table_stream_arn};
use crate::{stream_record, Clients, LocalStackError};

/// Records GetRecords returns at most in one call.
const MAX_PAGE: i32 = 1000;

/// A reader of one table's stream that remembers, per shard, the last record it returned.
#[derive(Debug)]
pub struct StreamFollower {
    streams: aws_sdk_dynamodbstreams::Client,
    stream_arn: String,
    positions: HashMap<String, String>,
}

impl StreamFollower {
    /// Follows the stream of `table`, from its oldest record.
    pub async fn of_table(clients: &Clients, table: &str) -> Result<Self, LocalStackError> {
        Ok(StreamFollower {
            streams: clients.streams.clone(),
            stream_arn: table_stream_arn(&clients.dynamodb, table).await?,
            positions: HashMap::new(),
        })
    }

    /// The next records: up to `page` (at most 1,000) from each shard after what was returned
    /// before; empty when nothing new has arrived.
    pub async fn next_records(&mut self, page: i32) -> Result<Vec<Value>, LocalStackError> {
        let mut records = Vec::new();
        for shard in stream_shards(&self.streams, &self.stream_arn).await? {
            let after = self.positions.get(&shard).map(String::as_str);
            let Some(iterator) =
                shard_iterator(&self.streams, &self.stream_arn, &shard, after).await?
            else {
                continue;
            };
            let output = self
                .streams
                .get_records()
                .shard_iterator(iterator)
                .limit(page.clamp(1, MAX_PAGE))
                .send()
                .await
                .map_err(|e| LocalStackError::aws("GetRecords", e))?;
            for record in output.records() {
                if let Some(sequence) = record.dynamodb().and_then(|c| c.sequence_number()) {
                    self.positions.insert(shard.clone(), sequence.to_owned());
                }
                records.push(stream_record(&self.stream_arn, record));
            }
        }
        Ok(records)
    }

    /// Every record not yet returned, to each shard's end.
    pub async fn read_to_end(&mut self) -> Result<Vec<Value>, LocalStackError> {
        let mut records = Vec::new();
        loop {
            let next = self.next_records(MAX_PAGE).await?;
            if next.is_empty() {
                return Ok(records);
            }
            records.extend(next);
        }
    }
}
