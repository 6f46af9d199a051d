//! Where one batch writes each read model: the stored name of its live generation, and, for
//! every rebuild under way, the generation it builds (which the projector keeps up to date too,
//! so a rebuild that switches is never behind the live model). Read once per batch from the
//! generation pointers.

use std::collections::{BTreeMap, HashMap};

use event_store_domain::{
    generation_name, rebuild_checkpoints_model, ModelGenerations, Projection,
};
use event_store_dynamodb::GenerationTarget;

/// The generations one batch writes.
pub struct BatchGenerations<'a> {
    /// Each projection with the stored name of its live generation.
    pub live: Vec<(&'a dyn Projection, String)>,
    /// The generations rebuilds are building, one target per rebuild.
    pub building: Vec<GenerationTarget<'a>>,
}

impl<'a> BatchGenerations<'a> {
    /// Where `projections` go, given the pointers (a model without one is at generation 0).
    pub fn of(
        projections: &'a [Box<dyn Projection>],
        pointers: &HashMap<String, ModelGenerations>,
    ) -> Self {
        let mut live = Vec::new();
        let mut building: BTreeMap<&str, Vec<(&'a dyn Projection, String)>> = BTreeMap::new();
        for projection in projections {
            let projection: &'a dyn Projection = projection.as_ref();
            let pointer = pointers.get(projection.name());
            let live_generation = pointer.map_or(0, |p| p.live);
            live.push((
                projection,
                generation_name(projection.name(), live_generation),
            ));
            if let Some(next) = pointer.and_then(|p| p.building.as_ref()) {
                building.entry(&next.rebuild_id).or_default().push((
                    projection,
                    generation_name(projection.name(), next.generation),
                ));
            }
        }
        BatchGenerations {
            live,
            building: building
                .into_iter()
                .map(|(rebuild_id, projections)| GenerationTarget {
                    projections,
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
        let batch = BatchGenerations::of(&projections, &HashMap::new());
        let names: Vec<&str> = batch.live.iter().map(|(_, n)| n.as_str()).collect();
        assert_eq!(names, ["items", "accountBalances"]);
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
            },
        )]);
        let batch = BatchGenerations::of(&projections, &pointers);
        assert_eq!(batch.live[0].1, "items@2");
        assert_eq!(batch.live[1].1, "accountBalances");
        assert_eq!(batch.building.len(), 1);
        assert_eq!(batch.building[0].checkpoints, "$rebuild.r9");
        let building: Vec<&str> = batch.building[0]
            .projections
            .iter()
            .map(|(_, n)| n.as_str())
            .collect();
        assert_eq!(building, ["items@3"]);
    }
}
