//! Read-model documents in the projections table, written idempotently. Each document keeps the
//! version it has applied of every stream that touched it: a redelivered or older record changes
//! nothing. A revision number makes concurrent projector instances take turns (a conditional
//! write; the loser reads again), and a deletion leaves a tombstone, so an older record can never
//! bring a deleted document back.

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

/// The read model of cycle instances (seed 000's transactions), keyed by
/// [`transaction_key`].
pub const TRANSACTIONS_MODEL: &str = "$transactions";

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
    /// The document; `None` once deleted (a tombstone).
    #[serde(default)]
    pub document: Option<Value>,
    /// The last version applied, by stream.
    pub positions: BTreeMap<String, u64>,
    /// Bumped by every write.
    pub revision: u64,
    /// When it last changed.
    pub updated_at: String,
}

/// What a change does to a document.
#[derive(Debug, Clone, PartialEq)]
pub enum DocumentChange {
    /// Store this document.
    Put(Value),
    /// Delete it (leaving a tombstone).
    Delete,
    /// Leave it as it is (still recording the position).
    Keep,
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
    /// The document had already applied this version of the stream (or a later one).
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

    /// The document `key` of `model`, tombstones included (strongly consistent).
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

    /// Applies what `change` makes of the current document, as version `version` of `stream`,
    /// unless the document already applied it.
    pub async fn apply(
        &self,
        model: &str,
        key: &str,
        stream: &StreamId,
        version: Version,
        change: impl Fn(Option<&Value>) -> DocumentChange,
    ) -> Result<Applied, Error> {
        self.modify(model, key, |current| {
            if current
                .and_then(|d| d.positions.get(stream.as_str()))
                .is_some_and(|applied| *applied >= version.get())
            {
                return Ok(None);
            }
            let previous = current.and_then(|d| d.document.as_ref());
            let document = match change(previous) {
                DocumentChange::Put(document) => Some(document),
                DocumentChange::Delete => None,
                DocumentChange::Keep => previous.cloned(),
            };
            let mut positions = current.map(|d| d.positions.clone()).unwrap_or_default();
            positions.insert(stream.to_string(), version.get());
            Ok(Some((document, positions)))
        })
        .await
    }

    /// Writes what `next` makes of the stored document (its new body and positions; `None`:
    /// nothing to write), as a compare-and-set on the revision: when another writer got there
    /// first, reads again and asks `next` again.
    pub(crate) async fn modify(
        &self,
        model: &str,
        key: &str,
        next: impl Fn(
            Option<&ReadModelDocument>,
        ) -> Result<Option<(Option<Value>, BTreeMap<String, u64>)>, Error>,
    ) -> Result<Applied, Error> {
        let mut waits = crate::retry_policy::waits(MAX_TRIES);
        loop {
            let current = self.get(model, key).await?;
            let Some((document, positions)) = next(current.as_ref())? else {
                return Ok(Applied::AlreadyApplied);
            };
            let revision = current.as_ref().map_or(0, |d| d.revision);
            let next = ReadModelDocument {
                model: model.to_owned(),
                key: key.to_owned(),
                document,
                positions,
                revision: revision + 1,
                updated_at: format_time(&chrono::Utc::now()),
            };
            if self
                .write_if_revision(&next, current.is_some().then_some(revision))
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
        let item: HashMap<String, AttributeValue> = serde_dynamo::to_item(next)
            .map_err(|e| Error::validation("document", format!("cannot be stored: {e}")))?;
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

pub(crate) fn decode(item: HashMap<String, AttributeValue>) -> Result<ReadModelDocument, Error> {
    serde_dynamo::from_item(item).map_err(|e| Error::Corrupt {
        attribute: "read model document".into(),
        reason: e.to_string(),
    })
}
