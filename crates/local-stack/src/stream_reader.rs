//! Reading a table's DynamoDB stream: its shards and an iterator after a position. Shared by the
//! stream mapping and `esctl tail`. Iterators are asked for afresh after the last record seen
//! rather than kept: moto swaps a table's stream shard for a copy on every transaction, so a
//! kept iterator would read a shard that no longer grows (in AWS a fresh iterator is as good).

use aws_sdk_dynamodbstreams::types::ShardIteratorType;
use aws_sdk_dynamodbstreams::Client;

use crate::LocalStackError;

/// The stream of `table`, by ARN.
pub async fn table_stream_arn(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
) -> Result<String, LocalStackError> {
    let described = dynamodb
        .describe_table()
        .table_name(table)
        .send()
        .await
        .map_err(|e| LocalStackError::aws("DescribeTable", e))?;
    described
        .table()
        .and_then(|t| t.latest_stream_arn())
        .map(str::to_owned)
        .ok_or_else(|| LocalStackError::Aws {
            operation: "DescribeTable",
            reason: format!("table {table} has no stream"),
        })
}

/// The shard ids of the stream.
pub async fn stream_shards(
    streams: &Client,
    stream_arn: &str,
) -> Result<Vec<String>, LocalStackError> {
    let description = streams
        .describe_stream()
        .stream_arn(stream_arn)
        .send()
        .await
        .map_err(|e| LocalStackError::aws("DescribeStream", e))?;
    Ok(description
        .stream_description()
        .map(|d| {
            d.shards()
                .iter()
                .filter_map(|s| s.shard_id().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default())
}

/// An iterator of `shard` after sequence number `after`, or from its oldest record.
pub async fn shard_iterator(
    streams: &Client,
    stream_arn: &str,
    shard: &str,
    after: Option<&str>,
) -> Result<Option<String>, LocalStackError> {
    let request = streams
        .get_shard_iterator()
        .stream_arn(stream_arn)
        .shard_id(shard);
    let request = match after {
        Some(sequence) => request
            .shard_iterator_type(ShardIteratorType::AfterSequenceNumber)
            .sequence_number(sequence),
        None => request.shard_iterator_type(ShardIteratorType::TrimHorizon),
    };
    Ok(request
        .send()
        .await
        .map_err(|e| LocalStackError::aws("GetShardIterator", e))?
        .shard_iterator()
        .map(str::to_owned))
}
