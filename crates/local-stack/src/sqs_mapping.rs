//! The ingest queue's event source mapping: gathers up to `batchSize` messages within the
//! batching window, invokes the function with them as an SQS event, deletes the messages it did
//! not report in `batchItemFailures`, and leaves the rest to come back after the visibility
//! timeout, until the queue's redrive moves them to the dead-letter queue. When the function
//! fails as a whole, no message is deleted. One poller: the local endpoint answers one request
//! at a time, so more would only queue behind each other.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use aws_sdk_sqs::types::{DeleteMessageBatchRequestEntry, Message, MessageSystemAttributeName};

use crate::batch_answer::batch_item_failures;
use crate::batch_window::{BatchWindow, NextPoll, IDLE_POLL};
use crate::{sqs_event, FunctionInvoker, InvokeOutcome, LocalStackError, SqsMappingDefinition};

/// Feeds one queue to one function.
pub struct SqsMapping {
    sqs: aws_sdk_sqs::Client,
    queue_url: String,
    queue_arn: String,
    invoker: FunctionInvoker,
    settings: SqsMappingDefinition,
}

/// What one batch came to.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SqsBatchReport {
    /// Messages handed to the function.
    pub delivered: usize,
    /// Messages the function reported failed, or all of them when it failed as a whole.
    pub failed: usize,
}

impl SqsMapping {
    /// A mapping from the queue at `queue_url` (`queue_arn`) to the function `invoker` calls.
    pub fn new(
        sqs: aws_sdk_sqs::Client,
        queue_url: impl Into<String>,
        queue_arn: impl Into<String>,
        invoker: FunctionInvoker,
        settings: SqsMappingDefinition,
    ) -> Self {
        Self {
            sqs,
            queue_url: queue_url.into(),
            queue_arn: queue_arn.into(),
            invoker,
            settings,
        }
    }

    /// Polls and delivers until the task is dropped; errors are logged and retried.
    pub async fn run(self) {
        loop {
            match self.deliver_one_batch().await {
                Ok(report) if report.delivered == 0 => tokio::time::sleep(IDLE_POLL).await,
                Ok(_) => {}
                Err(error) => {
                    tracing::warn!(queue = %self.queue_url, %error, "polling the queue failed; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    }

    /// Gathers one batch (nothing when the queue is empty), invokes the function with it and
    /// deletes what succeeded.
    pub async fn deliver_one_batch(&self) -> Result<SqsBatchReport, LocalStackError> {
        let messages = self.gather().await?;
        if messages.is_empty() {
            return Ok(SqsBatchReport::default());
        }
        let event = sqs_event(&self.queue_arn, &messages);
        let failed: HashSet<String> = match self.invoker.invoke(&event).await {
            InvokeOutcome::Answered(answer) => match batch_item_failures(&answer) {
                Some(ids) => ids.into_iter().collect(),
                None => {
                    tracing::warn!(function = self.invoker.function(), %answer, "malformed batchItemFailures: the whole batch failed");
                    ids_of(&messages)
                }
            },
            InvokeOutcome::Failed(reason) => {
                tracing::warn!(function = self.invoker.function(), %reason, "the function failed: the whole batch will be retried");
                ids_of(&messages)
            }
        };
        let done: Vec<&Message> = messages
            .iter()
            .filter(|m| !failed.contains(m.message_id().unwrap_or_default()))
            .collect();
        self.delete(&done).await?;
        let report = SqsBatchReport {
            delivered: messages.len(),
            failed: messages.len() - done.len(),
        };
        tracing::info!(
            function = self.invoker.function(),
            delivered = report.delivered,
            failed = report.failed,
            "sqs batch"
        );
        Ok(report)
    }

    /// Up to `batchSize` messages: polls until the batch is full or the batching window, counted
    /// from the first message, is over.
    async fn gather(&self) -> Result<Vec<Message>, LocalStackError> {
        let mut window = BatchWindow::new(
            self.settings.batch_size,
            self.settings.batching_window_seconds,
        );
        let mut batch: Vec<Message> = Vec::new();
        loop {
            let room = window.room(batch.len()).min(10) as i32;
            let received = self
                .sqs
                .receive_message()
                .queue_url(&self.queue_url)
                .max_number_of_messages(room)
                .message_system_attribute_names(MessageSystemAttributeName::All)
                .send()
                .await
                .map_err(|e| LocalStackError::aws("ReceiveMessage", e))?;
            for message in received.messages() {
                // A message whose visibility timeout ran out while the batch was gathering comes
                // back: keep it once, with its newest receipt handle (the older one is stale).
                match batch
                    .iter_mut()
                    .find(|m| m.message_id() == message.message_id())
                {
                    Some(earlier) => *earlier = message.clone(),
                    None => batch.push(message.clone()),
                }
            }
            match window.after_poll(batch.len(), received.messages().len(), Instant::now()) {
                NextPoll::Deliver => return Ok(batch),
                NextPoll::After(pause) => tokio::time::sleep(pause).await,
            }
        }
    }

    async fn delete(&self, messages: &[&Message]) -> Result<(), LocalStackError> {
        for chunk in messages.chunks(10) {
            let entries = chunk
                .iter()
                .enumerate()
                .map(|(i, m)| {
                    DeleteMessageBatchRequestEntry::builder()
                        .id(i.to_string())
                        .receipt_handle(m.receipt_handle().unwrap_or_default())
                        .build()
                        .expect("id and receipt handle are set")
                })
                .collect();
            self.sqs
                .delete_message_batch()
                .queue_url(&self.queue_url)
                .set_entries(Some(entries))
                .send()
                .await
                .map_err(|e| LocalStackError::aws("DeleteMessageBatch", e))?;
        }
        Ok(())
    }
}

fn ids_of(messages: &[Message]) -> HashSet<String> {
    messages
        .iter()
        .filter_map(|m| m.message_id().map(str::to_owned))
        .collect()
}
