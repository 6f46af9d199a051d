//! Generations of a read model: a rebuild writes a new generation beside the live one and the
//! model's pointer switches to it only once it is complete, so a query never sees a half-built
//! model. This module owns the pointer's shape, the stored name of each generation, and which
//! names are the store's own (never rebuilt, never generational).

use serde::{Deserialize, Serialize};

/// The read model that holds one generation pointer per rebuildable read model.
pub const GENERATIONS_MODEL: &str = "$generations";

/// What separates a model's name from its generation in the stored name (`balances@2`).
pub const GENERATION_SEPARATOR: char = '@';

/// A generation being built by a rebuild.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BuildingGeneration {
    /// The generation number.
    pub generation: u32,
    /// The rebuild that builds it.
    pub rebuild_id: String,
}

/// Which generation of a read model queries read, and which one a rebuild is building.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelGenerations {
    /// The generation queries read (0 until the first rebuild completes).
    pub live: u32,
    /// The generation being built, if a rebuild is under way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub building: Option<BuildingGeneration>,
}

impl ModelGenerations {
    /// The pointer once `rebuild_id` starts building the next generation, or `None` when another
    /// rebuild is building one (named in the error's reason by the caller).
    pub fn begin(&self, rebuild_id: &str) -> Option<ModelGenerations> {
        match &self.building {
            Some(building) if building.rebuild_id != rebuild_id => None,
            Some(_) => Some(self.clone()),
            None => Some(ModelGenerations {
                live: self.live,
                building: Some(BuildingGeneration {
                    generation: self.live + 1,
                    rebuild_id: rebuild_id.to_owned(),
                }),
            }),
        }
    }

    /// The pointer once `rebuild_id` completes: its generation goes live. `None` when that
    /// rebuild is not the one building (it was already switched, or never began).
    pub fn switch(&self, rebuild_id: &str) -> Option<ModelGenerations> {
        let building = self.building.as_ref()?;
        (building.rebuild_id == rebuild_id).then_some(ModelGenerations {
            live: building.generation,
            building: None,
        })
    }
}

/// The name generation `generation` of `model` is stored under: the model's own name for
/// generation 0 (what every store had before its first rebuild), `model@N` after.
pub fn generation_name(model: &str, generation: u32) -> String {
    if generation == 0 {
        model.to_owned()
    } else {
        format!("{model}{GENERATION_SEPARATOR}{generation}")
    }
}

/// The read model that keeps rebuild `rebuild_id`'s checkpoint per stream: the last version it
/// applied to the generations it builds.
pub fn rebuild_checkpoints_model(rebuild_id: &str) -> String {
    format!("$rebuild.{rebuild_id}")
}

/// The model a stored name belongs to, whatever its generation.
pub fn model_of(stored_name: &str) -> &str {
    stored_name
        .split_once(GENERATION_SEPARATOR)
        .map_or(stored_name, |(model, _)| model)
}

/// Whether `model` is one of the store's own (`$streams`, `$transactions`, `$replays`, ...):
/// kept by the store itself, read without a generation pointer and never rebuilt.
pub fn is_store_model(model: &str) -> bool {
    model.starts_with('$')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_zero_keeps_the_models_own_name() {
        assert_eq!(generation_name("balances", 0), "balances");
        assert_eq!(generation_name("balances", 3), "balances@3");
        assert_eq!(model_of("balances@3"), "balances");
        assert_eq!(model_of("balances"), "balances");
    }

    #[test]
    fn a_rebuild_builds_the_next_generation_and_switches_to_it() {
        let pointer = ModelGenerations::default();
        let building = pointer.begin("r1").unwrap();
        assert_eq!(building.live, 0);
        assert_eq!(
            building.building,
            Some(BuildingGeneration {
                generation: 1,
                rebuild_id: "r1".into()
            })
        );
        assert_eq!(building.begin("r1"), Some(building.clone()), "resuming");
        assert_eq!(building.begin("r2"), None, "one rebuild at a time");
        assert_eq!(building.switch("r2"), None);
        let switched = building.switch("r1").unwrap();
        assert_eq!(switched.live, 1);
        assert_eq!(switched.building, None);
        assert_eq!(switched.switch("r1"), None, "already switched");
        assert_eq!(
            switched.begin("r3").unwrap().building.unwrap().generation,
            2
        );
    }

    #[test]
    fn the_stores_own_models_start_with_a_dollar() {
        assert!(is_store_model("$streams"));
        assert!(!is_store_model("balances"));
    }
}
