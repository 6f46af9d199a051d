//! Where one batch writes each read model: the stored name of its live generation, and, for
//! every rebuild under way, the generation it builds (which the projector keeps up to date too,
//! so a rebuild that switches is never behind the live model). Read once per batch from the
//! generation pointers.

use std::collections::{BTreeMap, HashMap};

use event_store_domain::{
    generation_name, rebuild_checkpoints_model, CycleDefinition, ModelGenerations, Projection,
    TRANSACTIONS_MODEL,
};
use event_store_dynamodb::{GenerationTarget, ProjectionPart, StepPart};

use crate::cycles::CyclesPart;

/// The generations one batch writes.
pub struct BatchGenerations<'a> {
    /// The parts of each event's live step: every projection into its live generation, and the
    /// cycles into `$transactions`'s.
    pub live: Vec<Box<dyn StepPart + 'a>>,
    /// The generations rebuilds are building, one target per rebuild.
    pub building: Vec<GenerationTarget<'a>>,
}

impl<'a> BatchGenerations<'a> {
    /// Where `projections` and `cycles` go, given the pointers (a model without one is at
    /// generation 0).
    pub fn of(
        projections: &'a [Box<dyn Projection>],
        cycles: &'a [CycleDefinition],
        pointers: &HashMap<String, ModelGenerations>,
    ) -> Self {
        let mut live: Vec<Box<dyn StepPart + 'a>> = Vec::new();
        let mut building: BTreeMap<&str, Vec<Box<dyn StepPart + 'a>>> = BTreeMap::new();
        for projection in projections {
            let projection: &'a dyn Projection = projection.as_ref();
            let pointer = pointers.get(projection.name());
            live.push(Box::new(ProjectionPart {
                projection,
                stored_name: generation_name(projection.name(), pointer.map_or(0, |p| p.live)),
            }));
            if let Some(next) = pointer.and_then(|p| p.building.as_ref()) {
                building
                    .entry(&next.rebuild_id)
                    .or_default()
                    .push(Box::new(ProjectionPart {
                        projection,
                        stored_name: generation_name(projection.name(), next.generation),
                    }));
            }
        }
        if !cycles.is_empty() {
            let pointer = pointers.get(TRANSACTIONS_MODEL);
            live.push(Box::new(CyclesPart {
                cycles,
                generation: pointer.map_or(0, |p| p.live),
            }));
            if let Some(next) = pointer.and_then(|p| p.building.as_ref()) {
                building
                    .entry(&next.rebuild_id)
                    .or_default()
                    .push(Box::new(CyclesPart {
                        cycles,
                        generation: next.generation,
                    }));
            }
        }
        BatchGenerations {
            live,
            building: building
                .into_iter()
                .map(|(rebuild_id, parts)| GenerationTarget {
                    parts,
                    checkpoints: rebuild_checkpoints_model(rebuild_id),
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use event_store_domain::{AccountBalances, BuildingGeneration, ReadModelDefinition};
    use serde_json::json;

    /// The stored names the parts read for an event of every model's key.
    fn stored_names(parts: &[Box<dyn StepPart + '_>]) -> Vec<String> {
        let event = event_store_domain::RecordedEvent::record(
            event_store_domain::StreamId::new("account-1").unwrap(),
            event_store_domain::Version::new(1),
            event_store_domain::NewEvent::new(
                event_store_domain::EventType::new("ITEM_DELETED").unwrap(),
                json!({"id": "x"}),
            )
            .with_aggregate_type(event_store_domain::AggregateType::new("Account").unwrap()),
            chrono::Utc::now(),
        );
        parts
            .iter()
            .flat_map(|p| p.reads(&event))
            .map(|(name, _)| name)
            .collect()
    }

    fn items() -> Box<dyn Projection> {
        let definition: ReadModelDefinition = serde_json::from_value(json!({
            "name": "items", "key": "data.id", "on": {"ITEM_DELETED": {"op": "delete"}}
        }))
        .unwrap();
        Box::new(definition)
    }

    #[test]
    fn without_pointers_every_model_is_live_at_generation_zero() {
        let projections = vec![items(), Box::new(AccountBalances) as Box<dyn Projection>];
        let batch = BatchGenerations::of(&projections, &[], &HashMap::new());
        assert_eq!(stored_names(&batch.live), ["items", "accountBalances"]);
        assert!(batch.building.is_empty());
    }

    #[test]
    fn a_rebuild_under_way_is_written_beside_the_live_generation() {
        let projections = vec![items(), Box::new(AccountBalances) as Box<dyn Projection>];
        let pointers = HashMap::from([(
            "items".to_owned(),
            ModelGenerations {
                live: 2,
                building: Some(BuildingGeneration {
                    generation: 3,
                    rebuild_id: "r9".into(),
                }),
                retired: Vec::new(),
                highest: 3,
            },
        )]);
        let batch = BatchGenerations::of(&projections, &[], &pointers);
        assert_eq!(stored_names(&batch.live), ["items@2", "accountBalances"]);
        assert_eq!(batch.building.len(), 1);
        assert_eq!(batch.building[0].checkpoints, "$rebuild.r9");
        assert_eq!(stored_names(&batch.building[0].parts), ["items@3"]);
    }
}
