//! Data subjects' keys (crypto-shredding): one item per key in the keys table, its AES-256 data
//! key wrapped by KMS (`GenerateDataKey`, opened with `Decrypt`), and a forget that removes the
//! wrapped key, after which no sealed value under it opens again.
//!
//! Every use of a key first reads its item, strongly consistent: the cache holds only what KMS
//! unwrapped (so KMS is called once per key per execution environment), never whether a key is
//! alive, so a forget holds for every reader from the moment it returns.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes};
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::DataKeySpec;
use event_store_domain::{format_time, Error, FailureKind};

use crate::event_item::Item;
use crate::retry_policy;
use crate::sdk_error::{failure, from_sdk};
use crate::sealing::DataKey;

/// The keys table's attributes.
const SUBJECT_ID: &str = "subjectId";
const KEY_ID: &str = "keyId";
const WRAPPED_KEY: &str = "wrappedKey";
const CREATED_AT: &str = "createdAt";
const FORGOTTEN_AT: &str = "forgottenAt";
/// The encryption context KMS binds each wrapped key to.
const CONTEXT_SUBJECT: &str = "eventStoreSubject";
/// Keys a `BatchGetItem` asks for at most.
const MAX_BATCH_KEYS: usize = 100;
const MAX_BATCH_TRIES: usize = 8;

/// A subject and one of its key ids.
pub type SubjectKey = (String, String);

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

    /// Each subject's newest live key, one made (and stored) for a subject that has none: one
    /// strongly consistent `Query` per subject, plus `GenerateDataKey` and a `PutItem` for a new
    /// key, or `Decrypt` for a key this environment has not unwrapped yet.
    pub async fn keys_for_writing(
        &self,
        subjects: &BTreeSet<String>,
    ) -> Result<HashMap<String, Arc<DataKey>>, Error> {
        let mut keys = HashMap::with_capacity(subjects.len());
        for subject in subjects {
            let newest = self
                .dynamodb
                .query()
                .table_name(&self.table)
                .key_condition_expression("#s = :s")
                .expression_attribute_names("#s", SUBJECT_ID)
                .expression_attribute_values(":s", AttributeValue::S(subject.clone()))
                .scan_index_forward(false)
                .limit(1)
                .consistent_read(true)
                .send()
                .await
                .map_err(|e| from_sdk("Query", e))?
                .items
                .unwrap_or_default()
                .into_iter()
                .next();
            let key = match newest.as_ref().and_then(live_key) {
                Some((key_id, wrapped)) => self.unwrap(subject, &key_id, wrapped).await?,
                None => self.create(subject).await?,
            };
            keys.insert(subject.clone(), key);
        }
        Ok(keys)
    }

    /// The live keys among `wanted`: one strongly consistent `BatchGetItem` per 100 keys; a key
    /// forgotten (or never stored) is absent from the answer.
    pub async fn keys_for_reading(
        &self,
        wanted: &BTreeSet<SubjectKey>,
    ) -> Result<HashMap<SubjectKey, Arc<DataKey>>, Error> {
        let mut live = HashMap::new();
        let wanted: Vec<&SubjectKey> = wanted.iter().collect();
        for chunk in wanted.chunks(MAX_BATCH_KEYS) {
            let keys = chunk
                .iter()
                .map(|(subject, key_id)| {
                    HashMap::from([
                        (SUBJECT_ID.to_owned(), AttributeValue::S(subject.clone())),
                        (KEY_ID.to_owned(), AttributeValue::S(key_id.clone())),
                    ])
                })
                .collect();
            let mut request = KeysAndAttributes::builder()
                .set_keys(Some(keys))
                .consistent_read(true)
                .build()
                .map_err(|e| failure(FailureKind::InvalidRequest, "BatchGetItem", e.to_string()))?;
            let mut waits = retry_policy::waits(MAX_BATCH_TRIES);
            loop {
                let output = self
                    .dynamodb
                    .batch_get_item()
                    .request_items(&self.table, request)
                    .send()
                    .await
                    .map_err(|e| from_sdk("BatchGetItem", e))?;
                for item in output
                    .responses
                    .unwrap_or_default()
                    .remove(&self.table)
                    .unwrap_or_default()
                {
                    let subject = text(&item, SUBJECT_ID);
                    if let (Some(subject), Some((key_id, wrapped))) = (subject, live_key(&item)) {
                        let key = self.unwrap(&subject, &key_id, wrapped).await?;
                        live.insert((subject, key_id), key);
                    }
                }
                match output
                    .unprocessed_keys
                    .and_then(|mut rest| rest.remove(&self.table))
                {
                    Some(rest) if !rest.keys().is_empty() => match waits.next() {
                        Some(wait) => {
                            request = rest;
                            tokio::time::sleep(wait).await;
                        }
                        None => {
                            return Err(failure(
                                FailureKind::Throttled,
                                "BatchGetItem",
                                "keys still unprocessed after retries",
                            ))
                        }
                    },
                    _ => break,
                }
            }
        }
        Ok(live)
    }

    /// The ids of every key `subject` ever had, forgotten or not, oldest first: strongly
    /// consistent `Query`s of the key ids alone.
    pub async fn key_ids(&self, subject: &str) -> Result<Vec<String>, Error> {
        let mut ids = Vec::new();
        let mut start_key = None;
        loop {
            let output = self
                .dynamodb
                .query()
                .table_name(&self.table)
                .key_condition_expression("#s = :s")
                .expression_attribute_names("#s", SUBJECT_ID)
                .expression_attribute_values(":s", AttributeValue::S(subject.to_owned()))
                .projection_expression("#k")
                .expression_attribute_names("#k", KEY_ID)
                .consistent_read(true)
                .set_exclusive_start_key(start_key)
                .send()
                .await
                .map_err(|e| from_sdk("Query", e))?;
            ids.extend(
                output
                    .items
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|item| text(item, KEY_ID)),
            );
            start_key = output.last_evaluated_key;
            if start_key.is_none() {
                return Ok(ids);
            }
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

    /// A new key for `subject`: `GenerateDataKey`, then its item put (a fresh, time-ordered id,
    /// so the newest key is the last in the partition).
    async fn create(&self, subject: &str) -> Result<Arc<DataKey>, Error> {
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
        self.dynamodb
            .put_item()
            .table_name(&self.table)
            .item(SUBJECT_ID, AttributeValue::S(subject.to_owned()))
            .item(KEY_ID, AttributeValue::S(key_id.clone()))
            .item(
                WRAPPED_KEY,
                AttributeValue::B(aws_sdk_dynamodb::primitives::Blob::new(
                    wrapped.into_inner(),
                )),
            )
            .item(
                CREATED_AT,
                AttributeValue::S(format_time(&chrono::Utc::now())),
            )
            .condition_expression("attribute_not_exists(#k)")
            .expression_attribute_names("#k", KEY_ID)
            .send()
            .await
            .map_err(|e| from_sdk("PutItem", e))?;
        self.unwrapped
            .lock()
            .expect("key cache lock")
            .insert((subject.to_owned(), key_id), key.clone());
        Ok(key)
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
        self.unwrapped
            .lock()
            .expect("key cache lock")
            .insert(cache_key, key.clone());
        Ok(key)
    }
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
