//! The generation pointers of read models, kept as documents of `$generations` in the projections
//! table: which stored generation queries read, and which one a rebuild is building. Every change
//! is a compare-and-set, so two rebuilds can never build one model at once and a switch happens
//! once.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use event_store_domain::{
    generation_name, is_store_model, Error, ModelGenerations, GENERATIONS_MODEL,
};
use serde_json::Value;

use crate::read_models::{decode, DynamoReadModels};
use crate::sdk_error::from_sdk;

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

    /// Makes the generation `rebuild_id` built the live one of `model`; nothing when it already
    /// is (a resumed rebuild switching again).
    pub async fn switch_generation(&self, model: &str, rebuild_id: &str) -> Result<(), Error> {
        self.update_pointer(model, |current| Ok(current.switch(rebuild_id)))
            .await
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
                (Some(document), Default::default())
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
