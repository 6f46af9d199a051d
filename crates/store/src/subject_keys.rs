//! Data subjects' keys (crypto-shredding): one item per key in the keys table, its AES-256 data
//! key wrapped by KMS (`GenerateDataKey`, opened with `Decrypt`), and a forget that removes the
//! wrapped key, after which no sealed value under it opens again.
//!
//! A forget first marks the subject forgotten (an item at key id [`FORGOTTEN_MARK`], which sorts
//! after every key id, so the newest-first `Query` of a writer meets it first): from then on a
//! writer gets [`WritingKey::Forgotten`] and stores the subject's values erased, and a first key
//! is only ever put in a transaction that checks the mark is absent, so no key made after the
//! forget can bring the subject's data back (a late follow-up, a redriven message, a replayed
//! archive).
//!
//! Every use of a key first reads its item, strongly consistent: the cache holds only what KMS
//! unwrapped (so KMS is called once per key per execution environment, up to
//! [`MAX_UNWRAPPED_KEYS`] keys), never whether a key is alive, so a forget holds for every reader
//! from the moment it returns.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use futures::{StreamExt, TryStreamExt};

use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, Put, TransactWriteItem};
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::DataKeySpec;
use event_store_domain::{format_time, Error, FailureKind};

use crate::batch_get::{batch_get_items, Consistency};
use crate::event_item::Item;
use crate::sdk_error::{failure, from_sdk};
use crate::sealing::DataKey;
use crate::transaction::send_transaction;

/// The keys table's attributes.
const SUBJECT_ID: &str = "subjectId";
const KEY_ID: &str = "keyId";
const WRAPPED_KEY: &str = "wrappedKey";
const CREATED_AT: &str = "createdAt";
const FORGOTTEN_AT: &str = "forgottenAt";
/// The encryption context KMS binds each wrapped key to.
const CONTEXT_SUBJECT: &str = "eventStoreSubject";
/// The key id of a forgotten subject's mark: `~` sorts after the hex of every uuid key id.
pub const FORGOTTEN_MARK: &str = "~forgotten";

/// A subject and one of its key ids.
pub type SubjectKey = (String, String);

/// What a writer seals a subject's values with.
#[derive(Debug, Clone)]
pub enum WritingKey {
    /// The subject's newest live key, which seals and hashes, and their other live keys (two
    /// writers that met a new subject at once each made one), whose hashes of an event are its
    /// content too: a retry sealed under the newest key is still the event stored under another.
    Live {
        newest: Arc<DataKey>,
        others: Vec<Arc<DataKey>>,
    },
    /// The subject is forgotten: their values are stored erased.
    Forgotten,
}

/// How many unwrapped keys a process keeps: past it the cache starts again (each key then costs
/// a `Decrypt` again), so a process reading many subjects holds a bounded few megabytes.
pub const MAX_UNWRAPPED_KEYS: usize = 10_000;

/// How many `Decrypt`s one read sends at once.
const DECRYPTS_AT_ONCE: usize = 16;

/// The keys table and the KMS key that wraps its keys.
#[derive(Clone)]
pub struct SubjectKeys {
    dynamodb: aws_sdk_dynamodb::Client,
    kms: aws_sdk_kms::Client,
    table: String,
    kms_key: String,
    unwrapped: Arc<Mutex<HashMap<SubjectKey, Arc<DataKey>>>>,
}

impl std::fmt::Debug for SubjectKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SubjectKeys")
            .field("table", &self.table)
            .field("kms_key", &self.kms_key)
            .finish_non_exhaustive()
    }
}

impl SubjectKeys {
    /// The keys in `table`, wrapped by the KMS key `kms_key` (an id, ARN or alias).
    pub fn new(
        dynamodb: aws_sdk_dynamodb::Client,
        kms: aws_sdk_kms::Client,
        table: impl Into<String>,
        kms_key: impl Into<String>,
    ) -> Self {
        SubjectKeys {
            dynamodb,
            kms,
            table: table.into(),
            kms_key: kms_key.into(),
            unwrapped: Arc::default(),
        }
    }

    /// The same keys with an empty cache of unwrapped keys: what another process starts with.
    pub fn fresh_cache(&self) -> Self {
        SubjectKeys {
            unwrapped: Arc::default(),
            ..self.clone()
        }
    }

    /// The keys table's name.
    pub fn table(&self) -> &str {
        &self.table
    }

    /// A strongly consistent `Query` of `subject`'s partition.
    fn partition_query(&self, subject: &str) -> QueryFluentBuilder {
        self.dynamodb
            .query()
            .table_name(&self.table)
            .key_condition_expression("#s = :s")
            .expression_attribute_names("#s", SUBJECT_ID)
            .expression_attribute_values(":s", AttributeValue::S(subject.to_owned()))
            .consistent_read(true)
    }

    /// Each subject's live keys, newest first, one made (and stored) for a subject that has none,
    /// or [`WritingKey::Forgotten`] for a forgotten subject: one strongly consistent `Query` per
    /// subject (its partition is a key or two and perhaps the mark), plus `GenerateDataKey` and a
    /// `TransactWriteItems` for a first key, or a `Decrypt` for each key this environment has not
    /// unwrapped yet.
    pub async fn keys_for_writing(
        &self,
        subjects: &BTreeSet<String>,
    ) -> Result<HashMap<String, WritingKey>, Error> {
        let mut keys = HashMap::with_capacity(subjects.len());
        for subject in subjects {
            let items = self
                .partition_query(subject)
                .scan_index_forward(false)
                .send()
                .await
                .map_err(|e| from_sdk("Query", e))?
                .items
                .unwrap_or_default();
            let key = match items.first() {
                None => self.create(subject).await?,
                // The mark, or (for a forget cut short before its mark) a newest key forgotten.
                Some(newest) => match live_key(newest) {
                    Some((key_id, wrapped)) => {
                        let newest = self.unwrap(subject, &key_id, wrapped).await?;
                        let mut others = Vec::new();
                        for (key_id, wrapped) in items[1..].iter().filter_map(live_key) {
                            others.push(self.unwrap(subject, &key_id, wrapped).await?);
                        }
                        WritingKey::Live { newest, others }
                    }
                    None => WritingKey::Forgotten,
                },
            };
            keys.insert(subject.clone(), key);
        }
        Ok(keys)
    }

    /// The live keys among `wanted`: strongly consistent `BatchGetItem`s (100 items each) of the
    /// keys and of each subject's forgotten mark; a key forgotten, never stored, or of a subject
    /// marked forgotten (a forget under way) is absent from the answer.
    pub async fn keys_for_reading(
        &self,
        wanted: &BTreeSet<SubjectKey>,
    ) -> Result<HashMap<SubjectKey, Arc<DataKey>>, Error> {
        let subjects: BTreeSet<&str> = wanted.iter().map(|(s, _)| s.as_str()).collect();
        let keys = wanted
            .iter()
            .map(|(subject, key_id)| item_key(subject, key_id))
            .chain(subjects.iter().map(|s| item_key(s, FORGOTTEN_MARK)))
            .collect();
        let items = batch_get_items(&self.dynamodb, &self.table, keys, Consistency::Strong).await?;
        let marked: BTreeSet<String> = items
            .iter()
            .filter(|item| text(item, KEY_ID).as_deref() == Some(FORGOTTEN_MARK))
            .filter_map(|item| text(item, SUBJECT_ID))
            .collect();
        let live: Vec<(String, String, Vec<u8>)> = items
            .iter()
            .filter_map(|item| {
                let subject = text(item, SUBJECT_ID).filter(|s| !marked.contains(s))?;
                let (key_id, wrapped) = live_key(item)?;
                Some((subject, key_id, wrapped.to_vec()))
            })
            .collect();
        futures::stream::iter(live)
            .map(|(subject, key_id, wrapped)| self.unwrap_owned(subject, key_id, wrapped))
            .buffer_unordered(DECRYPTS_AT_ONCE)
            .try_collect()
            .await
    }

    /// The ids of every key `subject` ever had, forgotten or not, oldest first (not the mark):
    /// strongly consistent `Query`s of the key ids alone.
    pub async fn key_ids(&self, subject: &str) -> Result<Vec<String>, Error> {
        let mut ids = Vec::new();
        let mut start_key = None;
        loop {
            let output = self
                .partition_query(subject)
                .projection_expression("#k")
                .expression_attribute_names("#k", KEY_ID)
                .set_exclusive_start_key(start_key)
                .send()
                .await
                .map_err(|e| from_sdk("Query", e))?;
            ids.extend(
                output
                    .items
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|item| text(item, KEY_ID))
                    .filter(|id| id != FORGOTTEN_MARK),
            );
            start_key = output.last_evaluated_key;
            if start_key.is_none() {
                return Ok(ids);
            }
        }
    }

    /// Marks `subject` forgotten (one `PutItem`; a mark already there keeps its time): from when
    /// it returns no writer seals under a key of theirs or makes one.
    pub async fn mark_forgotten(&self, subject: &str) -> Result<(), Error> {
        let marked = self
            .dynamodb
            .put_item()
            .table_name(&self.table)
            .item(SUBJECT_ID, AttributeValue::S(subject.to_owned()))
            .item(KEY_ID, AttributeValue::S(FORGOTTEN_MARK.to_owned()))
            .item(
                FORGOTTEN_AT,
                AttributeValue::S(format_time(&chrono::Utc::now())),
            )
            .condition_expression("attribute_not_exists(#k)")
            .expression_attribute_names("#k", KEY_ID)
            .send()
            .await;
        match marked {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(())
            }
            Err(e) => Err(from_sdk("PutItem", e)),
        }
    }

    /// Removes the wrapped key of each of `key_ids` of `subject` (the item stays, with
    /// `forgottenAt`): one `UpdateItem` each. Returns how many were removed now (one forgotten
    /// before is left as it is and not counted).
    pub async fn forget_keys(&self, subject: &str, key_ids: &[String]) -> Result<usize, Error> {
        let mut removed_now = 0;
        for key_id in key_ids {
            let removed = self
                .dynamodb
                .update_item()
                .table_name(&self.table)
                .key(SUBJECT_ID, AttributeValue::S(subject.to_owned()))
                .key(KEY_ID, AttributeValue::S(key_id.clone()))
                .update_expression("REMOVE #w SET #f = :f")
                .condition_expression("attribute_exists(#w)")
                .expression_attribute_names("#w", WRAPPED_KEY)
                .expression_attribute_names("#f", FORGOTTEN_AT)
                .expression_attribute_values(
                    ":f",
                    AttributeValue::S(format_time(&chrono::Utc::now())),
                )
                .send()
                .await;
            self.unwrapped
                .lock()
                .expect("key cache lock")
                .remove(&(subject.to_owned(), key_id.clone()));
            match removed {
                Ok(_) => removed_now += 1,
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|e| e.is_conditional_check_failed_exception()) => {}
                Err(e) => return Err(from_sdk("UpdateItem", e)),
            }
        }
        Ok(removed_now)
    }

    /// A first key for `subject`: `GenerateDataKey`, then its item put (a fresh, time-ordered
    /// id, so the newest key is the last in the partition) in one transaction with a check that
    /// the subject is not marked forgotten; [`WritingKey::Forgotten`] when they are.
    async fn create(&self, subject: &str) -> Result<WritingKey, Error> {
        let generated = self
            .kms
            .generate_data_key()
            .key_id(&self.kms_key)
            .key_spec(DataKeySpec::Aes256)
            .encryption_context(CONTEXT_SUBJECT, subject)
            .send()
            .await
            .map_err(|e| from_sdk("GenerateDataKey", e))?;
        let (Some(plaintext), Some(wrapped)) = (generated.plaintext, generated.ciphertext_blob)
        else {
            return Err(failure(
                FailureKind::ServerError,
                "GenerateDataKey",
                "KMS answered without the key",
            ));
        };
        let key_id = uuid::Uuid::now_v7().to_string();
        let key = Arc::new(DataKey::new(key_id.clone(), plaintext.as_ref())?);
        let mut item = item_key(subject, &key_id);
        item.insert(
            WRAPPED_KEY.to_owned(),
            AttributeValue::B(aws_sdk_dynamodb::primitives::Blob::new(
                wrapped.into_inner(),
            )),
        );
        item.insert(
            CREATED_AT.to_owned(),
            AttributeValue::S(format_time(&chrono::Utc::now())),
        );
        let invalid = |e: aws_sdk_dynamodb::error::BuildError| {
            failure(
                FailureKind::InvalidRequest,
                "TransactWriteItems",
                e.to_string(),
            )
        };
        let not_forgotten = ConditionCheck::builder()
            .table_name(&self.table)
            .set_key(Some(item_key(subject, FORGOTTEN_MARK)))
            .condition_expression("attribute_not_exists(#k)")
            .expression_attribute_names("#k", KEY_ID)
            .build()
            .map_err(invalid)?;
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(#k)")
            .expression_attribute_names("#k", KEY_ID)
            .build()
            .map_err(invalid)?;
        // The mark's check first: a cancellation's first reason says whether it failed.
        let transaction = vec![
            TransactWriteItem::builder()
                .condition_check(not_forgotten)
                .build(),
            TransactWriteItem::builder().put(put).build(),
        ];
        if let Some(reasons) = send_transaction(&self.dynamodb, transaction).await? {
            if reasons.first().and_then(|r| r.code()) == Some("ConditionalCheckFailed") {
                return Ok(WritingKey::Forgotten);
            }
            return Err(failure(
                FailureKind::ServerError,
                "TransactWriteItems",
                format!("the new key {key_id} of subject {subject} was already stored"),
            ));
        }
        self.remember((subject.to_owned(), key_id), key.clone());
        Ok(WritingKey::Live {
            newest: key,
            others: Vec::new(),
        })
    }

    /// [`SubjectKeys::unwrap`] of owned parts, answered with the subject and key id.
    async fn unwrap_owned(
        &self,
        subject: String,
        key_id: String,
        wrapped: Vec<u8>,
    ) -> Result<(SubjectKey, Arc<DataKey>), Error> {
        let key = self.unwrap(&subject, &key_id, &wrapped).await?;
        Ok(((subject, key_id), key))
    }

    /// The plaintext of a live key: from the cache, else KMS `Decrypt`.
    async fn unwrap(
        &self,
        subject: &str,
        key_id: &str,
        wrapped: &[u8],
    ) -> Result<Arc<DataKey>, Error> {
        let cache_key = (subject.to_owned(), key_id.to_owned());
        if let Some(key) = self
            .unwrapped
            .lock()
            .expect("key cache lock")
            .get(&cache_key)
        {
            return Ok(key.clone());
        }
        let opened = self
            .kms
            .decrypt()
            .key_id(&self.kms_key)
            .ciphertext_blob(Blob::new(wrapped.to_vec()))
            .encryption_context(CONTEXT_SUBJECT, subject)
            .send()
            .await
            .map_err(|e| from_sdk("Decrypt", e))?;
        let plaintext = opened.plaintext.ok_or_else(|| {
            failure(
                FailureKind::ServerError,
                "Decrypt",
                "KMS answered without the key",
            )
        })?;
        let key = Arc::new(DataKey::new(key_id.to_owned(), plaintext.as_ref())?);
        self.remember(cache_key, key.clone());
        Ok(key)
    }

    /// Keeps an unwrapped key, the cache started again when it holds [`MAX_UNWRAPPED_KEYS`].
    fn remember(&self, subject_key: SubjectKey, key: Arc<DataKey>) {
        let mut unwrapped = self.unwrapped.lock().expect("key cache lock");
        if unwrapped.len() >= MAX_UNWRAPPED_KEYS {
            unwrapped.clear();
        }
        unwrapped.insert(subject_key, key);
    }

    /// How many unwrapped keys this process holds.
    #[cfg(test)]
    fn unwrapped_keys(&self) -> usize {
        self.unwrapped.lock().expect("key cache lock").len()
    }
}

/// The key of `subject`'s item at `key_id`.
fn item_key(subject: &str, key_id: &str) -> HashMap<String, AttributeValue> {
    HashMap::from([
        (SUBJECT_ID.to_owned(), AttributeValue::S(subject.to_owned())),
        (KEY_ID.to_owned(), AttributeValue::S(key_id.to_owned())),
    ])
}

fn text(item: &Item, name: &str) -> Option<String> {
    item.get(name).and_then(|v| v.as_s().ok()).cloned()
}

/// The key id and wrapped key of an item whose key is not forgotten.
fn live_key(item: &Item) -> Option<(String, &[u8])> {
    let key_id = text(item, KEY_ID)?;
    let wrapped = item.get(WRAPPED_KEY)?.as_b().ok()?;
    Some((key_id, wrapped.as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offline_keys() -> SubjectKeys {
        let behavior = aws_config::BehaviorVersion::latest();
        let dynamodb = aws_sdk_dynamodb::Config::builder()
            .behavior_version(behavior)
            .build();
        let kms = aws_sdk_kms::Config::builder()
            .behavior_version(behavior)
            .build();
        SubjectKeys::new(
            aws_sdk_dynamodb::Client::from_conf(dynamodb),
            aws_sdk_kms::Client::from_conf(kms),
            "keys",
            "alias/k",
        )
    }

    #[test]
    fn the_cache_of_unwrapped_keys_never_passes_its_bound() {
        let keys = offline_keys();
        for n in 0..MAX_UNWRAPPED_KEYS + 5 {
            let key = Arc::new(DataKey::new(format!("k-{n}"), &[7; 32]).unwrap());
            keys.remember((format!("s-{n}"), key.id.clone()), key);
            assert!(keys.unwrapped_keys() <= MAX_UNWRAPPED_KEYS);
        }
        assert_eq!(keys.unwrapped_keys(), 5, "started again at the bound");
    }
}
