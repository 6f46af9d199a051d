//! Read-model documents in the projections table: each a document with a revision (bumped by
//! every write, so concurrent projector instances take turns through conditional writes) and,
//! for the documents that are checkpoints (a stream's summary, a rebuild's per-stream
//! checkpoint, a replay's progress), the version they record. A document keeps no trace of the
//! streams that touched it: what makes a redelivered record change nothing is the checkpoint,
//! written in the same transaction as every document an event changes
//! ([`crate::ProjectionStep`]), so a document's size never grows with the streams behind it,
//! and a deleted document is deleted, not kept as a tombstone.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;
use event_store_domain::{
    format_time, model_of, Error, FailureKind, Page, PageRequest, ReadModelChange, StreamId,
    Version, MAX_PAGE_SIZE,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::page_token;
use crate::sdk_error::{failure, from_sdk};

pub use event_store_domain::TRANSACTIONS_MODEL;

/// Where a cycle instance of `entity` started at `started` is kept: sorted by entity, then time.
pub fn transaction_key(
    entity: &str,
    started: &event_store_domain::Timestamp,
    cycle: &str,
) -> String {
    format!("{entity}#{}#{cycle}", format_time(started))
}

/// How often a write that lost a race with another projector instance is tried.
const MAX_TRIES: usize = 16;

/// One document of a read model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReadModelDocument {
    /// The read model's name.
    pub model: String,
    /// The document's key.
    pub key: String,
    /// The document (`None` only for a tombstone an earlier version of the store left).
    #[serde(default)]
    pub document: Option<Value>,
    /// For a checkpoint: the version it records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<u64>,
    /// Bumped by every write.
    pub revision: u64,
    /// When it last changed.
    pub updated_at: String,
    /// What an earlier version of the store kept per document (the version applied of each
    /// stream); read for stream summaries written then, never written.
    #[serde(default, rename = "positions", skip_serializing)]
    pub legacy_positions: BTreeMap<String, u64>,
}

impl ReadModelDocument {
    /// A document of `model` at `key` holding `document`, at `revision`.
    pub fn new(model: &str, key: &str, document: Value, revision: u64) -> Self {
        ReadModelDocument {
            model: model.to_owned(),
            key: key.to_owned(),
            document: Some(document),
            position: None,
            revision,
            updated_at: format_time(&chrono::Utc::now()),
            legacy_positions: BTreeMap::new(),
        }
    }
}

/// What a change does to a document.
#[derive(Debug, Clone, PartialEq)]
pub enum DocumentChange {
    /// Store this document (on condition it is still the one read).
    Put(Value),
    /// Delete it (on condition it is still the one read).
    Delete,
    /// Leave it as it is.
    Keep,
    /// Store this document whatever is there: for a document only ever written by the step that
    /// also writes a document it was derived from (a cycle's instance, written with its cycle).
    Overwrite(Value),
}

impl From<Option<ReadModelChange>> for DocumentChange {
    /// What a declarative read model's change does to the stored document (`None`: the event
    /// does not concern it).
    fn from(change: Option<ReadModelChange>) -> Self {
        match change {
            Some(ReadModelChange::Put { document, .. }) => DocumentChange::Put(document),
            Some(ReadModelChange::Delete { .. }) => DocumentChange::Delete,
            None => DocumentChange::Keep,
        }
    }
}

/// Whether a change was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// Written now.
    Written,
    /// The document had already recorded this version (or a later one).
    AlreadyApplied,
}

/// The read models of one projections table.
#[derive(Debug, Clone)]
pub struct DynamoReadModels {
    pub(crate) client: Client,
    pub(crate) table: String,
}

impl DynamoReadModels {
    /// Read models in `table`.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoReadModels {
            client,
            table: table.into(),
        }
    }

    /// The projections table's name.
    pub fn table(&self) -> &str {
        &self.table
    }

    /// The DynamoDB client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The document `key` of `model` (strongly consistent).
    pub async fn get(&self, model: &str, key: &str) -> Result<Option<ReadModelDocument>, Error> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("model", AttributeValue::S(model.to_owned()))
            .key("key", AttributeValue::S(key.to_owned()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| from_sdk("GetItem", e))?;
        output.item.map(decode).transpose()
    }

    /// The version `stream`'s checkpoint document in `model` records (keyed by the stream id,
    /// as stream summaries and rebuild checkpoints are); 0 when none.
    pub async fn stream_position(&self, model: &str, stream: &StreamId) -> Result<u64, Error> {
        let stored = self.get(model, stream.as_str()).await?;
        Ok(stored.map_or(0, |d| checkpoint_position(&d, stream)))
    }

    /// Stores `document` as version `version` of the document `key` of `model`, unless it
    /// already records that version or a later one: a checkpoint an older writer sends late
    /// changes nothing.
    pub async fn put_versioned(
        &self,
        model: &str,
        key: &str,
        version: Version,
        document: Value,
    ) -> Result<Applied, Error> {
        self.put_versioned_if(model, key, version, document, |_| Ok(()))
            .await
    }

    /// [`Self::put_versioned`], when `holds` accepts the document stored now (as read in the
    /// same compare-and-set): its error is returned, and nothing written, when it does not.
    pub async fn put_versioned_if(
        &self,
        model: &str,
        key: &str,
        version: Version,
        document: Value,
        holds: impl Fn(Option<&Value>) -> Result<(), Error>,
    ) -> Result<Applied, Error> {
        self.modify(model, key, |current| {
            holds(current.and_then(|d| d.document.as_ref()))?;
            if current
                .and_then(|d| d.position)
                .is_some_and(|at| at >= version.get())
            {
                return Ok(None);
            }
            Ok(Some((Some(document.clone()), Some(version.get()))))
        })
        .await
    }

    /// Writes what `next` makes of the stored document (its new body, `None` to delete it, and
    /// position; `None` altogether: nothing to write), as a compare-and-set on the revision: when
    /// another writer got there first, reads again and asks `next` again.
    pub(crate) async fn modify(
        &self,
        model: &str,
        key: &str,
        next: impl Fn(Option<&ReadModelDocument>) -> Result<Option<(Option<Value>, Option<u64>)>, Error>,
    ) -> Result<Applied, Error> {
        let mut waits = crate::retry_policy::waits(MAX_TRIES);
        loop {
            let current = self.get(model, key).await?;
            let Some((document, position)) = next(current.as_ref())? else {
                return Ok(Applied::AlreadyApplied);
            };
            let revision = current.as_ref().map_or(0, |d| d.revision);
            let mut next_document =
                ReadModelDocument::new(model, key, document.unwrap_or(Value::Null), revision + 1);
            next_document.position = position;
            if self
                .write_if_revision(&next_document, current.is_some().then_some(revision))
                .await?
            {
                return Ok(Applied::Written);
            }
            match waits.next() {
                Some(wait) => tokio::time::sleep(wait).await,
                None => {
                    return Err(failure(
                        FailureKind::TransactionConflict,
                        "PutItem",
                        format!("{model}/{key}: still contended after {MAX_TRIES} tries"),
                    ))
                }
            }
        }
    }

    /// Writes `next` if the stored revision is still `expected` (absent when `None`).
    async fn write_if_revision(
        &self,
        next: &ReadModelDocument,
        expected: Option<u64>,
    ) -> Result<bool, Error> {
        let item = encode(next)?;
        let mut request = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item));
        request = match expected {
            Some(revision) => request
                .condition_expression("#r = :r")
                .expression_attribute_names("#r", "revision")
                .expression_attribute_values(":r", AttributeValue::N(revision.to_string())),
            None => request
                .condition_expression("attribute_not_exists(#m)")
                .expression_attribute_names("#m", "model"),
        };
        match request.send().await {
            Ok(_) => Ok(true),
            Err(error) => match error.as_service_error() {
                Some(PutItemError::ConditionalCheckFailedException(_)) => Ok(false),
                _ => Err(from_sdk("PutItem", error)),
            },
        }
    }

    /// A page of `model`'s live documents, by key.
    pub async fn list(
        &self,
        model: &str,
        page: &PageRequest,
    ) -> Result<Page<ReadModelDocument>, Error> {
        self.list_prefixed(model, None, false, page).await
    }

    /// A page of `model`'s live documents whose key starts with `prefix` (all when `None`), by
    /// key, newest-last or (`backward`) newest-first.
    pub async fn list_prefixed(
        &self,
        model: &str,
        prefix: Option<&str>,
        backward: bool,
        page: &PageRequest,
    ) -> Result<Page<ReadModelDocument>, Error> {
        let limit = page.limit_within(MAX_PAGE_SIZE)?;
        let mut start_key = match &page.page_token {
            Some(token) => {
                let (token_model, key): (String, String) = page_token::decode(token)?;
                if model_of(&token_model) != model_of(model) {
                    return Err(Error::validation(
                        "pageToken",
                        "belongs to another read model",
                    ));
                }
                Some(HashMap::from([
                    ("model".to_string(), AttributeValue::S(model.to_owned())),
                    ("key".to_string(), AttributeValue::S(key)),
                ]))
            }
            None => None,
        };
        let mut documents = Vec::new();
        loop {
            let condition = if prefix.is_some() {
                "#m = :m AND begins_with(#k, :p)"
            } else {
                "#m = :m"
            };
            let mut request = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression(condition)
                .expression_attribute_names("#m", "model")
                .expression_attribute_values(":m", AttributeValue::S(model.to_owned()))
                .scan_index_forward(!backward)
                .limit(i32::try_from(limit + 1 - documents.len()).unwrap_or(i32::MAX))
                .set_exclusive_start_key(start_key);
            if let Some(prefix) = prefix {
                request = request
                    .expression_attribute_names("#k", "key")
                    .expression_attribute_values(":p", AttributeValue::S(prefix.to_owned()));
            }
            let output = request.send().await.map_err(|e| from_sdk("Query", e))?;
            for item in output.items.unwrap_or_default() {
                let document = decode(item)?;
                if document.document.is_some() && documents.len() <= limit {
                    documents.push(document);
                }
            }
            start_key = output.last_evaluated_key;
            if documents.len() > limit || start_key.is_none() {
                break;
            }
        }
        let next_page_token = (documents.len() > limit).then(|| {
            documents.truncate(limit);
            let last = documents.last().map(|d| d.key.clone()).unwrap_or_default();
            page_token::encode(&(model, last))
        });
        Ok(Page {
            items: documents,
            next_page_token,
        })
    }
}

/// The version `stream`'s checkpoint document records: its position, or, for a summary written
/// by an earlier version of the store, the version it kept for the stream.
pub(crate) fn checkpoint_position(document: &ReadModelDocument, stream: &StreamId) -> u64 {
    document
        .position
        .or_else(|| document.legacy_positions.get(stream.as_str()).copied())
        .unwrap_or(0)
}

/// A document as an item.
pub(crate) fn encode(
    document: &ReadModelDocument,
) -> Result<HashMap<String, AttributeValue>, Error> {
    serde_dynamo::to_item(document)
        .map_err(|e| Error::validation("document", format!("cannot be stored: {e}")))
}

/// The document an item holds; one that does not decode is `Corrupt`, naming it.
pub(crate) fn decode(item: HashMap<String, AttributeValue>) -> Result<ReadModelDocument, Error> {
    let name = |attribute: &str| {
        item.get(attribute)
            .and_then(|v| v.as_s().ok())
            .cloned()
            .unwrap_or_default()
    };
    let (model, key) = (name("model"), name("key"));
    serde_dynamo::from_item(item).map_err(|e| Error::Corrupt {
        attribute: format!("read model document {model}/{key}"),
        reason: e.to_string(),
    })
}
