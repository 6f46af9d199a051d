//! The events table stream's event source mapping: reads each shard after its checkpoint, gathers
//! up to `batchSize` records within the batching window, invokes the function with them as a
//! DynamoDB event, and acts on the answer as Lambda does ([`plan_after`]): checkpoint, retry from
//! the first failed record, bisect, or, out of attempts or past the maximum record age, describe
//! the batch to the on-failure queue and move on. Checkpoints go to a file, so a restarted
//! mapping resumes after the last record it processed.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::batch_answer::batch_item_failures;
use crate::batch_window::{BatchWindow, NextPoll, IDLE_POLL};
use crate::record_filter::passes;
use crate::stream_reader::{shard_iterator, stream_shards};
use crate::{
    dynamodb_event, plan_after, stream_record, BatchOutcome, BatchPlan, Checkpoints,
    FunctionInvoker, InvokeOutcome, LocalStackError, StreamMappingDefinition,
};

/// One record as the mapping holds it: its sequence number, creation time and Lambda shape.
#[derive(Debug, Clone)]
struct HeldRecord {
    sequence: String,
    created_epoch: i64,
    lambda: Value,
}

/// What one pass over the shards came to.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct StreamPassReport {
    /// Records read from the stream and handed to the function (they passed the filter).
    pub read: usize,
    /// Records read that the mapping's filter kept from the function.
    pub filtered: usize,
    /// Invocations made (retries and halves included).
    pub invocations: usize,
    /// Records given up on, described to the on-failure queue.
    pub given_up: usize,
}

/// Feeds one table stream to one function.
pub struct StreamMapping {
    streams: aws_sdk_dynamodbstreams::Client,
    sqs: aws_sdk_sqs::Client,
    stream_arn: String,
    failure_queue_url: String,
    invoker: FunctionInvoker,
    settings: StreamMappingDefinition,
    checkpoints: Checkpoints,
    iterators: HashMap<String, Option<String>>,
}

impl StreamMapping {
    /// A mapping from `stream_arn` to the function `invoker` calls.
    pub fn new(
        streams: aws_sdk_dynamodbstreams::Client,
        sqs: aws_sdk_sqs::Client,
        stream_arn: impl Into<String>,
        failure_queue_url: impl Into<String>,
        invoker: FunctionInvoker,
        settings: StreamMappingDefinition,
        checkpoints: Checkpoints,
    ) -> Self {
        Self {
            streams,
            sqs,
            stream_arn: stream_arn.into(),
            failure_queue_url: failure_queue_url.into(),
            invoker,
            settings,
            checkpoints,
            iterators: HashMap::new(),
        }
    }

    /// Reads and delivers until the task is dropped; errors are logged and retried.
    pub async fn run(mut self) {
        loop {
            match self.pass().await {
                Ok(report) if report.read == 0 => tokio::time::sleep(IDLE_POLL).await,
                Ok(report) => tracing::info!(
                    function = self.invoker.function(),
                    records = report.read,
                    invocations = report.invocations,
                    given_up = report.given_up,
                    "stream batch"
                ),
                Err(error) => {
                    tracing::warn!(stream = %self.stream_arn, %error, "reading the stream failed; retrying");
                    self.iterators.clear();
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    }

    /// One pass: one batch from every shard that has records, each delivered to the end (done,
    /// or given up on) before the next. Each pass starts from fresh iterators after the
    /// checkpoints: moto swaps a table's stream shard for a copy on every transaction, so an
    /// iterator kept from an earlier pass would read a shard that no longer grows.
    pub async fn pass(&mut self) -> Result<StreamPassReport, LocalStackError> {
        self.iterators.clear();
        let mut report = StreamPassReport::default();
        for shard in self.shards().await? {
            let (records, last_read) = self.gather(&shard, &mut report).await?;
            if !records.is_empty() {
                report.read += records.len();
                self.deliver(&shard, records, &mut report).await?;
            }
            // Every record read is done (delivered, given up, or filtered out): the shard's
            // position moves past the last, as Lambda's does past filtered records.
            if let Some(sequence) = last_read {
                self.checkpoints.save(&self.stream_arn, &shard, &sequence)?;
            }
        }
        Ok(report)
    }

    async fn shards(&self) -> Result<Vec<String>, LocalStackError> {
        stream_shards(&self.streams, &self.stream_arn).await
    }

    /// The shard's iterator in this pass: after its checkpoint, or from the oldest record.
    async fn iterator(&mut self, shard: &str) -> Result<Option<String>, LocalStackError> {
        if let Some(known) = self.iterators.get(shard) {
            return Ok(known.clone());
        }
        let after = self
            .checkpoints
            .get(&self.stream_arn, shard)
            .map(str::to_owned);
        let iterator =
            shard_iterator(&self.streams, &self.stream_arn, shard, after.as_deref()).await?;
        self.iterators.insert(shard.to_owned(), iterator.clone());
        Ok(iterator)
    }

    /// Up to `batchSize` records of `shard` that pass the mapping's filter, gathered within the
    /// batching window, and the sequence number of the last record read.
    async fn gather(
        &mut self,
        shard: &str,
        report: &mut StreamPassReport,
    ) -> Result<(Vec<HeldRecord>, Option<String>), LocalStackError> {
        let mut last_read = None;
        let mut window = BatchWindow::new(
            self.settings.batch_size,
            self.settings.batching_window_seconds,
        );
        let mut batch = Vec::new();
        loop {
            let Some(iterator) = self.iterator(shard).await? else {
                return Ok((batch, last_read));
            };
            let output = self
                .streams
                .get_records()
                .shard_iterator(iterator)
                .limit(window.room(batch.len()) as i32)
                .send()
                .await
                .map_err(|e| LocalStackError::aws("GetRecords", e))?;
            self.iterators.insert(
                shard.to_owned(),
                output.next_shard_iterator().map(str::to_owned),
            );
            for record in output.records() {
                let change = record.dynamodb();
                let sequence = change
                    .and_then(|c| c.sequence_number())
                    .unwrap_or_default()
                    .to_owned();
                last_read = Some(sequence.clone());
                let lambda = stream_record(&self.stream_arn, record);
                if !passes(&self.settings.filter, &lambda) {
                    report.filtered += 1;
                    continue;
                }
                batch.push(HeldRecord {
                    sequence,
                    created_epoch: change
                        .and_then(|c| c.approximate_creation_date_time())
                        .map(|t| t.secs())
                        .unwrap_or(0),
                    lambda,
                });
            }
            match window.after_poll(batch.len(), output.records().len(), Instant::now()) {
                NextPoll::Deliver => return Ok((batch, last_read)),
                NextPoll::After(pause) => tokio::time::sleep(pause).await,
            }
        }
    }

    /// Delivers `records` to the end: every record processed or given up on, checkpointed.
    async fn deliver(
        &mut self,
        shard: &str,
        records: Vec<HeldRecord>,
        report: &mut StreamPassReport,
    ) -> Result<(), LocalStackError> {
        let mut pending: VecDeque<(Vec<HeldRecord>, u32)> = VecDeque::from([(records, 0)]);
        while let Some((batch, attempts)) = pending.pop_front() {
            let (expired, batch) = self.split_expired(batch);
            if !expired.is_empty() {
                self.give_up(shard, &expired, "RecordAgeExceeded", attempts)
                    .await?;
                report.given_up += expired.len();
            }
            if batch.is_empty() {
                continue;
            }
            report.invocations += 1;
            let outcome = self.invoke(&batch).await;
            match plan_after(outcome, batch.len(), attempts, &self.settings) {
                BatchPlan::Checkpoint => self.checkpoint(shard, &batch[batch.len() - 1])?,
                BatchPlan::RetryFrom { from } => {
                    if from > 0 {
                        self.checkpoint(shard, &batch[from - 1])?;
                    }
                    backoff(attempts).await;
                    pending.push_front((batch[from..].to_vec(), attempts + 1));
                }
                BatchPlan::Split { mid } => {
                    backoff(attempts).await;
                    pending.push_front((batch[mid..].to_vec(), attempts + 1));
                    pending.push_front((batch[..mid].to_vec(), attempts + 1));
                }
                BatchPlan::GiveUp { from } => {
                    self.give_up(shard, &batch[from..], "RetryAttemptsExhausted", attempts)
                        .await?;
                    report.given_up += batch.len() - from;
                }
            }
        }
        Ok(())
    }

    async fn invoke(&self, batch: &[HeldRecord]) -> BatchOutcome {
        let lambda: Vec<Value> = batch.iter().map(|r| r.lambda.clone()).collect();
        match self.invoker.invoke(&dynamodb_event(&lambda)).await {
            InvokeOutcome::Answered(answer) => match batch_item_failures(&answer) {
                Some(failed) if failed.is_empty() => BatchOutcome::Completed,
                Some(failed) => match batch.iter().position(|r| failed.contains(&r.sequence)) {
                    Some(first) => BatchOutcome::FailedFrom(first),
                    // A failure naming no record of the batch: Lambda fails the whole batch.
                    None => BatchOutcome::FunctionError,
                },
                None => BatchOutcome::FunctionError,
            },
            InvokeOutcome::Failed(reason) => {
                tracing::warn!(function = self.invoker.function(), %reason, records = batch.len(), "the function failed on a stream batch");
                BatchOutcome::FunctionError
            }
        }
    }

    /// Splits off the leading records older than the maximum record age.
    fn split_expired(&self, batch: Vec<HeldRecord>) -> (Vec<HeldRecord>, Vec<HeldRecord>) {
        let oldest_allowed =
            chrono::Utc::now().timestamp() - self.settings.max_record_age_seconds as i64;
        let cut = batch
            .iter()
            .take_while(|r| r.created_epoch < oldest_allowed)
            .count();
        let mut batch = batch;
        let rest = batch.split_off(cut);
        (batch, rest)
    }

    fn checkpoint(&mut self, shard: &str, record: &HeldRecord) -> Result<(), LocalStackError> {
        self.checkpoints
            .save(&self.stream_arn, shard, &record.sequence)
    }

    /// Sends Lambda's on-failure record for `records` (which shard, which sequence range) to the
    /// failure queue, then checkpoints past them.
    async fn give_up(
        &mut self,
        shard: &str,
        records: &[HeldRecord],
        condition: &str,
        attempts: u32,
    ) -> Result<(), LocalStackError> {
        let (first, last) = (&records[0], &records[records.len() - 1]);
        let description = json!({
            "requestContext": {
                "condition": condition,
                "functionArn": format!("arn:aws:lambda:{}:000000000000:function:{}", crate::lambda_records::REGION, self.invoker.function()),
                "approximateInvokeCount": attempts + 1,
            },
            "version": "1.0",
            "timestamp": chrono::Utc::now().to_rfc3339(),
            "DDBStreamBatchInfo": {
                "shardId": shard,
                "startSequenceNumber": first.sequence,
                "endSequenceNumber": last.sequence,
                "batchSize": records.len(),
                "streamArn": self.stream_arn,
            }
        });
        tracing::error!(function = self.invoker.function(), %description, "stream records given up on");
        self.sqs
            .send_message()
            .queue_url(&self.failure_queue_url)
            .message_body(description.to_string())
            .send()
            .await
            .map_err(|e| LocalStackError::aws("SendMessage", e))?;
        self.checkpoint(shard, last)
    }
}

/// Waits before a retry: 100 ms doubled per attempt, at most 2 s.
async fn backoff(attempts: u32) {
    let millis = 100u64.saturating_mul(1 << attempts.min(5)).min(2_000);
    tokio::time::sleep(Duration::from_millis(millis)).await;
}
