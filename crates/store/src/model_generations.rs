//! The generation pointers of read models, kept as documents of `$generations` in the projections
//! table: which stored generation queries read, which one a rebuild is building, and what waits
//! to be deleted (a replaced or abandoned generation, a rebuild's checkpoints). Every change is a
//! compare-and-set, so two rebuilds can never build one model at once and a switch happens once;
//! a purge deletes what is retired, in bounded pages, once its grace period has passed.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, DeleteRequest, WriteRequest};
use event_store_domain::{
    generation_name, is_store_model, Error, FailureKind, ModelGenerations, Timestamp,
    GENERATIONS_MODEL,
};
use serde_json::Value;

use crate::read_models::{decode, DynamoReadModels};
use crate::sdk_error::{failure, from_sdk};

impl DynamoReadModels {
    /// The pointer of `model` (generation 0 and no rebuild when it has none), read strongly
    /// consistent.
    pub async fn generations(&self, model: &str) -> Result<ModelGenerations, Error> {
        let stored = self.get(GENERATIONS_MODEL, model).await?;
        stored
            .and_then(|d| d.document)
            .map(pointer)
            .transpose()
            .map(Option::unwrap_or_default)
    }

    /// Every pointer, by model, in one strongly consistent query: what the projector reads once
    /// per batch to know where each model's live and building generations are.
    pub async fn all_generations(&self) -> Result<HashMap<String, ModelGenerations>, Error> {
        let mut pointers = HashMap::new();
        let mut start_key = None;
        loop {
            let output = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("#m = :m")
                .expression_attribute_names("#m", "model")
                .expression_attribute_values(":m", AttributeValue::S(GENERATIONS_MODEL.into()))
                .consistent_read(true)
                .set_exclusive_start_key(start_key)
                .send()
                .await
                .map_err(|e| from_sdk("Query", e))?;
            for item in output.items.unwrap_or_default() {
                let stored = decode(item)?;
                if let Some(document) = stored.document {
                    pointers.insert(stored.key, pointer(document)?);
                }
            }
            start_key = output.last_evaluated_key;
            if start_key.is_none() {
                return Ok(pointers);
            }
        }
    }

    /// The stored name queries read for `model`: its live generation's (the store's own models
    /// have no pointer and are read as they are).
    pub async fn live_name(&self, model: &str) -> Result<String, Error> {
        if is_store_model(model) {
            return Ok(model.to_owned());
        }
        Ok(generation_name(model, self.generations(model).await?.live))
    }

    /// Marks the next generation of `model` as being built by `rebuild_id` (again, when that
    /// rebuild resumes) and returns its number. Refused, naming the other rebuild, while another
    /// one builds it.
    pub async fn begin_generation(&self, model: &str, rebuild_id: &str) -> Result<u32, Error> {
        self.update_pointer(model, |current| {
            let next = current.begin(rebuild_id).ok_or_else(|| {
                let other = current.building.as_ref().map(|b| b.rebuild_id.as_str());
                Error::validation(
                    "models",
                    format!(
                        "{model} is being rebuilt by replay {}; continue that one",
                        other.unwrap_or("?")
                    ),
                )
            })?;
            Ok(Some(next))
        })
        .await?;
        let pointer = self.generations(model).await?;
        match pointer.building {
            Some(building) if building.rebuild_id == rebuild_id => Ok(building.generation),
            _ => Err(Error::validation(
                "models",
                format!("{model} was switched or taken over while replay {rebuild_id} began"),
            )),
        }
    }

    /// Makes the generation `rebuild_id` built the live one of `model` (and of the models stored
    /// `with` it), retiring the one it replaces (and, for the rebuild's `last` model, its
    /// checkpoints) until `purge_after`; nothing when it already is (a resumed rebuild
    /// switching again).
    pub async fn switch_generation(
        &self,
        model: &str,
        with: &[String],
        rebuild_id: &str,
        purge_after: Timestamp,
        last: bool,
    ) -> Result<(), Error> {
        self.update_pointer(model, |current| {
            Ok(current.switch(model, with, rebuild_id, purge_after, last))
        })
        .await
    }

    /// Abandons the generation `rebuild_id` builds of `model` (and `with`): the projector stops writing it
    /// (it reads the pointers once per batch), and it and the rebuild's checkpoints are retired
    /// at once; nothing when that rebuild is not building it.
    pub async fn abandon_generation(
        &self,
        model: &str,
        with: &[String],
        rebuild_id: &str,
        checkpoints_too: bool,
    ) -> Result<(), Error> {
        let now = chrono::Utc::now();
        self.update_pointer(model, |current| {
            Ok(current.abandon(model, with, rebuild_id, now, checkpoints_too))
        })
        .await
    }

    /// Deletes, within `budget` documents, what every pointer has retired whose purge time has
    /// passed at `now`; a retired name is dropped from its pointer once none of its documents
    /// is left. Returns how many documents it deleted (the rest wait for the next purge).
    pub async fn purge_retired(&self, now: Timestamp, budget: usize) -> Result<usize, Error> {
        let mut deleted = 0;
        for (model, pointer) in self.all_generations().await? {
            for retired in pointer.retired.iter().filter(|r| r.purge_after <= now) {
                let room = budget.saturating_sub(deleted);
                if room == 0 {
                    return Ok(deleted);
                }
                let (removed, emptied) = if pointer.in_use(&model, &retired.stored_name) {
                    // Live or building again: only its entry goes.
                    (0, true)
                } else {
                    self.delete_stored(&retired.stored_name, room).await?
                };
                deleted += removed;
                if emptied {
                    let name = retired.stored_name.clone();
                    self.update_pointer(&model, |current| {
                        Ok(current
                            .retired
                            .iter()
                            .any(|r| r.stored_name == name)
                            .then(|| current.purged(&name)))
                    })
                    .await?;
                }
            }
        }
        Ok(deleted)
    }

    /// Deletes up to `limit` documents stored under `stored_name`, 25 per `BatchWriteItem`;
    /// whether none is left.
    async fn delete_stored(&self, stored_name: &str, limit: usize) -> Result<(usize, bool), Error> {
        let mut deleted = 0;
        loop {
            let page = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("#m = :m")
                .expression_attribute_names("#m", "model")
                .expression_attribute_names("#k", "key")
                .expression_attribute_values(":m", AttributeValue::S(stored_name.to_owned()))
                .projection_expression("#m, #k")
                .consistent_read(true)
                .limit(i32::try_from((limit - deleted).min(25)).unwrap_or(25))
                .send()
                .await
                .map_err(|e| from_sdk("Query", e))?;
            let keys: Vec<HashMap<String, AttributeValue>> = page.items.unwrap_or_default();
            if keys.is_empty() {
                return Ok((deleted, true));
            }
            let mut requests: Vec<WriteRequest> = keys
                .into_iter()
                .map(|key| {
                    DeleteRequest::builder()
                        .set_key(Some(key))
                        .build()
                        .map(|delete| WriteRequest::builder().delete_request(delete).build())
                        .map_err(|e| {
                            failure(FailureKind::InvalidRequest, "BatchWriteItem", e.to_string())
                        })
                })
                .collect::<Result<_, _>>()?;
            let count = requests.len();
            let mut waits = crate::retry_policy::waits(8);
            loop {
                let output = self
                    .client
                    .batch_write_item()
                    .request_items(&self.table, requests)
                    .send()
                    .await
                    .map_err(|e| from_sdk("BatchWriteItem", e))?;
                requests = output
                    .unprocessed_items
                    .and_then(|mut rest| rest.remove(&self.table))
                    .unwrap_or_default();
                if requests.is_empty() {
                    break;
                }
                match waits.next() {
                    Some(wait) => tokio::time::sleep(wait).await,
                    None => {
                        return Err(failure(
                            FailureKind::Throttled,
                            "BatchWriteItem",
                            "deletes still unprocessed",
                        ))
                    }
                }
            }
            deleted += count;
            if deleted >= limit {
                return Ok((deleted, false));
            }
        }
    }

    async fn update_pointer(
        &self,
        model: &str,
        next: impl Fn(&ModelGenerations) -> Result<Option<ModelGenerations>, Error>,
    ) -> Result<(), Error> {
        self.modify(GENERATIONS_MODEL, model, |stored| {
            let current = stored
                .and_then(|d| d.document.clone())
                .map(pointer)
                .transpose()?
                .unwrap_or_default();
            Ok(next(&current)?.map(|pointer| {
                let document = serde_json::to_value(pointer).expect("pointers serialize");
                (Some(document), None)
            }))
        })
        .await
        .map(|_| ())
    }
}

fn pointer(document: Value) -> Result<ModelGenerations, Error> {
    serde_json::from_value(document).map_err(|e| Error::Corrupt {
        attribute: GENERATIONS_MODEL.into(),
        reason: e.to_string(),
    })
}
