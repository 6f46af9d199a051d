//! One event's projection, written atomically: every read-model document the event changes and
//! the checkpoint that says it is applied (a stream's summary, or a rebuild's checkpoint for the
//! stream) go in one `TransactWriteItems`, each on condition it is still what was read.
//!
//! So a redelivered record finds its version in the checkpoint and changes nothing, without any
//! document keeping a trace of the streams that touched it (a document's size depends on its
//! content alone), and a deleted document can be deleted for real. A step is prepared (one
//! strongly consistent `BatchGetItem` of the checkpoint and the documents, then the caller's
//! pure computation), then committed; a commit that finds a document or the checkpoint changed
//! since (another projector instance wrote it) is a [`Committed::Conflict`], and the caller
//! prepares again.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put, TransactWriteItem};
use event_store_domain::{format_time, Error, FailureKind, StreamId, Version};
use serde_json::Value;

use crate::batch_get::{batch_get_items, Consistency};
use crate::item_size::{item_size, MAX_ITEM_BYTES, MAX_TRANSACTION_BYTES};
use crate::read_models::{checkpoint_position, decode, encode};
use crate::sdk_error::failure;
use crate::transaction::send_transaction;
use crate::{retry_policy, DocumentChange, DynamoReadModels, ReadModelDocument};

/// DynamoDB's limit of actions in one transaction: the checkpoint and 99 documents.
const MAX_DOCUMENTS_PER_STEP: usize = 99;
/// How often a step that met a concurrent writer is prepared again.
const MAX_TRIES: usize = 64;

/// One event of one stream, to apply under a checkpoint.
#[derive(Debug, Clone)]
pub struct ProjectionStep<'a> {
    /// The read model of the checkpoints (`$streams`, `$rebuild.<id>`): one document per stream,
    /// keyed by the stream id, recording the version applied.
    pub checkpoint_model: &'a str,
    /// The event's stream.
    pub stream: &'a StreamId,
    /// The event's version.
    pub version: Version,
    /// The documents the step reads (model, key), besides the checkpoint.
    pub reads: Vec<(String, String)>,
}

/// What a step read: the checkpoint and the documents, as they were.
#[derive(Debug, Default)]
pub struct StepReads {
    checkpoint: Option<ReadModelDocument>,
    documents: HashMap<(String, String), ReadModelDocument>,
}

impl StepReads {
    /// The checkpoint's document (the stream's summary), if the stream has one.
    pub fn checkpoint(&self) -> Option<&Value> {
        self.checkpoint.as_ref().and_then(|d| d.document.as_ref())
    }

    /// The document `key` of `model`, if stored.
    pub fn document(&self, model: &str, key: &str) -> Option<&Value> {
        self.documents
            .get(&(model.to_owned(), key.to_owned()))
            .and_then(|d| d.document.as_ref())
    }
}

/// One document a step writes.
#[derive(Debug, Clone, PartialEq)]
pub struct StepWrite {
    /// Its read model (the stored name).
    pub model: String,
    /// Its key.
    pub key: String,
    /// What happens to it.
    pub change: DocumentChange,
}

/// What a step writes: documents, and the checkpoint's new document.
#[derive(Debug, Clone)]
pub struct StepPlan {
    /// The documents.
    pub writes: Vec<StepWrite>,
    /// The checkpoint's document after this event (the stream's summary).
    pub checkpoint: Value,
}

/// A prepared step.
pub enum Prepared<T> {
    /// The checkpoint records this version (or a later one): nothing to do.
    AlreadyApplied {
        /// The version the checkpoint records.
        position: u64,
    },
    /// The checkpoint is more than one version behind (only from
    /// [`DynamoReadModels::prepare_next_step`]): nothing was computed.
    Gap {
        /// The version the checkpoint records.
        position: u64,
    },
    /// Ready to commit; `output` is what the computation answered besides the plan.
    Ready(ReadyStep<T>),
}

/// A step ready to commit.
pub struct ReadyStep<T> {
    /// What the caller's computation answered besides the plan (publications, say).
    pub output: T,
    /// The version the checkpoint recorded when the step was read.
    pub position: u64,
    transaction: Vec<TransactWriteItem>,
}

/// What a commit did.
pub enum Committed<T> {
    /// Written.
    Written(T),
    /// A document or the checkpoint changed since it was read: prepare again.
    Conflict,
}

impl DynamoReadModels {
    /// Reads the step's checkpoint and documents (one strongly consistent `BatchGetItem`) and,
    /// unless the checkpoint already records the version, asks `compute` what to write.
    pub async fn prepare_step<T>(
        &self,
        step: &ProjectionStep<'_>,
        compute: impl FnOnce(&StepReads) -> Result<(StepPlan, T), Error>,
    ) -> Result<Prepared<T>, Error> {
        self.prepare(step, true, compute).await
    }

    /// [`Self::prepare_step`] for an event that must follow its checkpoint: a checkpoint more
    /// than one version behind is [`Prepared::Gap`], answered before `compute` runs (an event
    /// computed against documents its predecessors have not changed yet could be refused for
    /// what they would have changed).
    pub async fn prepare_next_step<T>(
        &self,
        step: &ProjectionStep<'_>,
        compute: impl FnOnce(&StepReads) -> Result<(StepPlan, T), Error>,
    ) -> Result<Prepared<T>, Error> {
        self.prepare(step, false, compute).await
    }

    async fn prepare<T>(
        &self,
        step: &ProjectionStep<'_>,
        gap_allowed: bool,
        compute: impl FnOnce(&StepReads) -> Result<(StepPlan, T), Error>,
    ) -> Result<Prepared<T>, Error> {
        let reads = self.read_step(step).await?;
        let position = reads
            .checkpoint
            .as_ref()
            .map_or(0, |d| checkpoint_position(d, step.stream));
        if position >= step.version.get() {
            return Ok(Prepared::AlreadyApplied { position });
        }
        if !gap_allowed && position + 1 < step.version.get() {
            return Ok(Prepared::Gap { position });
        }
        let (plan, output) = compute(&reads)?;
        let transaction = self.step_transaction(step, &reads, plan)?;
        Ok(Prepared::Ready(ReadyStep {
            output,
            position,
            transaction,
        }))
    }

    /// Commits a prepared step, all or nothing.
    pub async fn commit_step<T>(&self, ready: ReadyStep<T>) -> Result<Committed<T>, Error> {
        match send_transaction(&self.client, ready.transaction).await? {
            None => Ok(Committed::Written(ready.output)),
            Some(_) => Ok(Committed::Conflict),
        }
    }

    /// Prepares and commits a step until it is written or found applied (for callers that
    /// publish nothing in between): `Some(output)` when written now, `None` when it was applied
    /// already.
    pub async fn apply_step<T>(
        &self,
        step: &ProjectionStep<'_>,
        compute: impl Fn(&StepReads) -> Result<(StepPlan, T), Error>,
    ) -> Result<Option<T>, Error> {
        let mut waits = retry_policy::waits(MAX_TRIES);
        loop {
            match self.prepare_step(step, &compute).await? {
                // prepare_step takes any gap.
                Prepared::AlreadyApplied { .. } | Prepared::Gap { .. } => return Ok(None),
                Prepared::Ready(ready) => match self.commit_step(ready).await? {
                    Committed::Written(output) => return Ok(Some(output)),
                    Committed::Conflict => match waits.next() {
                        Some(wait) => tokio::time::sleep(wait).await,
                        None => return Err(still_contended(step)),
                    },
                },
            }
        }
    }

    async fn read_step(&self, step: &ProjectionStep<'_>) -> Result<StepReads, Error> {
        let mut wanted: Vec<(String, String)> =
            vec![(step.checkpoint_model.to_owned(), step.stream.to_string())];
        for read in &step.reads {
            if !wanted.contains(read) {
                wanted.push(read.clone());
            }
        }
        let keys = wanted
            .iter()
            .map(|(model, key)| {
                HashMap::from([
                    ("model".to_owned(), AttributeValue::S(model.clone())),
                    ("key".to_owned(), AttributeValue::S(key.clone())),
                ])
            })
            .collect();
        let mut found = StepReads::default();
        for item in batch_get_items(&self.client, &self.table, keys, Consistency::Strong).await? {
            let document = decode(item)?;
            if document.model == step.checkpoint_model && document.key == step.stream.as_str() {
                found.checkpoint = Some(document);
            } else {
                found
                    .documents
                    .insert((document.model.clone(), document.key.clone()), document);
            }
        }
        Ok(found)
    }

    /// The step's transaction: each document write on condition the document is as read, the
    /// checkpoint last, at the step's version, on condition it is as read. Every item is sized
    /// first: a document over 400 KB is `TooLarge`, naming it, and nothing is sent.
    fn step_transaction(
        &self,
        step: &ProjectionStep<'_>,
        reads: &StepReads,
        plan: StepPlan,
    ) -> Result<Vec<TransactWriteItem>, Error> {
        let context = || format!("event {} of stream {}", step.version, step.stream);
        // A document written before positions moved to the summary may already hold this event
        // (the earlier projector wrote documents first and its summary after): it is left as it
        // is, so upgrading never applies an event twice.
        let writes: Vec<StepWrite> = plan
            .writes
            .into_iter()
            .filter(|write| {
                let current = reads
                    .documents
                    .get(&(write.model.clone(), write.key.clone()));
                !current.is_some_and(|d| {
                    d.legacy_positions
                        .get(step.stream.as_str())
                        .is_some_and(|applied| *applied >= step.version.get())
                })
            })
            .collect();
        let (mut transaction, mut total) =
            self.document_actions(&reads.documents, writes, context)?;
        let mut checkpoint = ReadModelDocument::new(
            step.checkpoint_model,
            step.stream.as_str(),
            plan.checkpoint,
            reads.checkpoint.as_ref().map_or(1, |c| c.revision + 1),
        );
        checkpoint.position = Some(step.version.get());
        checkpoint.updated_at = format_time(&chrono::Utc::now());
        let (action, bytes) = self.conditional_put(&checkpoint, reads.checkpoint.as_ref())?;
        total += bytes;
        transaction.push(action);
        if total > MAX_TRANSACTION_BYTES {
            return Err(Error::TooLarge {
                event_id: format!("projection of version {} of {}", step.version, step.stream),
                bytes: total,
                limit: MAX_TRANSACTION_BYTES,
            });
        }
        Ok(transaction)
    }

    /// Writes documents together, outside any stream's step (the cycle sweep): each on
    /// condition it is still as `read` (absent when not among them). `false` when one changed
    /// since: read again and decide again.
    pub async fn write_documents(
        &self,
        read: &[ReadModelDocument],
        writes: Vec<StepWrite>,
    ) -> Result<bool, Error> {
        let documents: HashMap<(String, String), ReadModelDocument> = read
            .iter()
            .map(|d| ((d.model.clone(), d.key.clone()), d.clone()))
            .collect();
        let (transaction, _) =
            self.document_actions(&documents, writes, || "a sweep".to_owned())?;
        if transaction.is_empty() {
            return Ok(true);
        }
        Ok(send_transaction(&self.client, transaction).await?.is_none())
    }

    /// The transaction actions of `writes`, each on condition its document is as `documents`
    /// holds it, and their total size.
    fn document_actions(
        &self,
        documents: &HashMap<(String, String), ReadModelDocument>,
        plan_writes: Vec<StepWrite>,
        context: impl Fn() -> String,
    ) -> Result<(Vec<TransactWriteItem>, usize), Error> {
        let mut writes: Vec<StepWrite> = Vec::new();
        for write in plan_writes {
            // One action per document: a later write of the same document replaces an earlier.
            writes.retain(|w| (w.model.as_str(), w.key.as_str()) != (&write.model, &write.key));
            writes.push(write);
        }
        writes.retain(|w| w.change != DocumentChange::Keep);
        if writes.len() > MAX_DOCUMENTS_PER_STEP {
            return Err(Error::validation(
                "readModels",
                format!(
                    "{} changes {} documents; at most {MAX_DOCUMENTS_PER_STEP} go in one step",
                    context(),
                    writes.len()
                ),
            ));
        }
        let mut transaction = Vec::with_capacity(writes.len() + 1);
        let mut total = 0;
        for write in writes {
            let current = documents.get(&(write.model.clone(), write.key.clone()));
            let action = match write.change {
                DocumentChange::Put(document) => {
                    let next = ReadModelDocument::new(
                        &write.model,
                        &write.key,
                        document,
                        current.map_or(1, |c| c.revision + 1),
                    );
                    let (action, bytes) = self.conditional_put(&next, current)?;
                    total += bytes;
                    action
                }
                DocumentChange::Overwrite(document) => {
                    let next = ReadModelDocument::new(&write.model, &write.key, document, 1);
                    let item = sized(&next)?;
                    total += item_size(&item);
                    let put = Put::builder()
                        .table_name(&self.table)
                        .set_item(Some(item))
                        .build()
                        .map_err(|e| invalid(e.to_string()))?;
                    TransactWriteItem::builder().put(put).build()
                }
                DocumentChange::Delete => {
                    let Some(current) = current else {
                        continue;
                    };
                    let delete = Delete::builder()
                        .table_name(&self.table)
                        .key("model", AttributeValue::S(write.model.clone()))
                        .key("key", AttributeValue::S(write.key.clone()))
                        .condition_expression("#r = :r")
                        .expression_attribute_names("#r", "revision")
                        .expression_attribute_values(
                            ":r",
                            AttributeValue::N(current.revision.to_string()),
                        )
                        .build()
                        .map_err(|e| invalid(e.to_string()))?;
                    TransactWriteItem::builder().delete(delete).build()
                }
                DocumentChange::Keep => continue,
            };
            transaction.push(action);
        }
        Ok((transaction, total))
    }

    /// A put of `next` on condition the stored document is still `current` (its revision), or
    /// still absent.
    fn conditional_put(
        &self,
        next: &ReadModelDocument,
        current: Option<&ReadModelDocument>,
    ) -> Result<(TransactWriteItem, usize), Error> {
        let item = sized(next)?;
        let bytes = item_size(&item);
        let put = Put::builder().table_name(&self.table).set_item(Some(item));
        let put = match current {
            Some(current) => put
                .condition_expression("#r = :r")
                .expression_attribute_names("#r", "revision")
                .expression_attribute_values(":r", AttributeValue::N(current.revision.to_string())),
            None => put
                .condition_expression("attribute_not_exists(#m)")
                .expression_attribute_names("#m", "model"),
        };
        let put = put.build().map_err(|e| invalid(e.to_string()))?;
        Ok((TransactWriteItem::builder().put(put).build(), bytes))
    }
}

/// The item of `document`, refused as `TooLarge` (naming the document) over 400 KB.
fn sized(document: &ReadModelDocument) -> Result<HashMap<String, AttributeValue>, Error> {
    let item = encode(document)?;
    let bytes = item_size(&item);
    if bytes > MAX_ITEM_BYTES {
        return Err(Error::TooLarge {
            event_id: format!("document {}/{}", document.model, document.key),
            bytes,
            limit: MAX_ITEM_BYTES,
        });
    }
    Ok(item)
}

fn invalid(detail: String) -> Error {
    failure(FailureKind::InvalidRequest, "TransactWriteItems", detail)
}

/// The error for a step that kept meeting concurrent writers.
pub fn still_contended(step: &ProjectionStep<'_>) -> Error {
    failure(
        FailureKind::TransactionConflict,
        "TransactWriteItems",
        format!(
            "version {} of {} still contended after {MAX_TRIES} tries",
            step.version, step.stream
        ),
    )
}
