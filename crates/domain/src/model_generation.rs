//! Generations of a read model: a rebuild writes a new generation beside the live one and the
//! model's pointer switches to it only once it is complete, so a query never sees a half-built
//! model. The generation it replaced (and the rebuild's checkpoints) are retired, to be deleted
//! once a grace period has passed (a rollback is a pointer write until then); an abandoned
//! rebuild's generation and checkpoints are retired at once. This module owns the pointer's shape,
//! the stored name of each generation, and which names are the store's own.

use serde::{Deserialize, Serialize};

use crate::Timestamp;

/// The store's own read model of cycle instances (seed 000's transactions), rebuildable like any
/// read model (with the cycles' open instances, `$cycle:<name>`, in the same generation).
pub const TRANSACTIONS_MODEL: &str = "$transactions";

/// Longer than a function invocation runs (Lambda's limit is 15 minutes): a projector batch or
/// a rebuild invocation that read the pointers before a switch or an abandon may still write the
/// retired generation until then, so nothing retired is purged sooner.
pub const IN_FLIGHT_WRITES: chrono::Duration = chrono::Duration::minutes(20);

/// When something retired at `now` with `grace` may be purged: after the grace period, and never
/// before writes already in flight have ended.
pub fn purge_time(now: Timestamp, grace: chrono::Duration) -> Timestamp {
    now + grace.max(IN_FLIGHT_WRITES)
}

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

/// Stored documents no longer read: a generation a rebuild replaced or abandoned, or a
/// rebuild's checkpoints; deleted once `purge_after` has passed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RetiredModel {
    /// The stored name to delete (`items`, `items@2`, `$rebuild.<id>`).
    pub stored_name: String,
    /// Not before then.
    #[serde(with = "crate::time::rfc3339_millis")]
    pub purge_after: Timestamp,
}

/// Which generation of a read model queries read, which one a rebuild is building, and what
/// waits to be deleted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelGenerations {
    /// The generation queries read (0 until the first rebuild completes).
    pub live: u32,
    /// The generation being built, if a rebuild is under way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub building: Option<BuildingGeneration>,
    /// Stored documents of this model no longer read, to delete.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub retired: Vec<RetiredModel>,
    /// The highest generation ever begun: a generation number is never given twice, so late
    /// writes to a purged one can never land in a new one.
    #[serde(default)]
    pub highest: u32,
}

impl ModelGenerations {
    /// The pointer once `rebuild_id` starts building the next generation, or `None` when another
    /// rebuild is building one (named in the error's reason by the caller).
    pub fn begin(&self, rebuild_id: &str) -> Option<ModelGenerations> {
        match &self.building {
            Some(building) if building.rebuild_id != rebuild_id => None,
            Some(_) => Some(self.clone()),
            None => {
                // Above every generation ever begun (a retired one may wait for its purge, an
                // abandoned one may still receive a late write).
                let generation = self.live.max(self.highest_retired()).max(self.highest) + 1;
                Some(ModelGenerations {
                    live: self.live,
                    building: Some(BuildingGeneration {
                        generation,
                        rebuild_id: rebuild_id.to_owned(),
                    }),
                    retired: self.retired.clone(),
                    highest: generation,
                })
            }
        }
    }

    /// The pointer once `rebuild_id` completes: its generation goes live, and the one it
    /// replaces (of `model` and of the models stored `with` it in the same generation, as
    /// `$transactions` keeps its cycles' open instances) is retired until `purge_after`, with
    /// the rebuild's checkpoints when `last` (the rebuild's last model to switch: the others
    /// still build from them). `None` when that rebuild is not the one building (it was already
    /// switched, or never began).
    pub fn switch(
        &self,
        model: &str,
        with: &[String],
        rebuild_id: &str,
        purge_after: Timestamp,
        last: bool,
    ) -> Option<ModelGenerations> {
        let building = self.building.as_ref()?;
        if building.rebuild_id != rebuild_id {
            return None;
        }
        let checkpoints = last.then_some(rebuild_id);
        Some(ModelGenerations {
            live: building.generation,
            building: None,
            retired: self.retiring(model, with, self.live, checkpoints, purge_after),
            highest: self.highest.max(building.generation),
        })
    }

    /// The pointer once `rebuild_id` is abandoned: nothing builds the generation any more (the
    /// projector stops writing it), and it (of `model` and the models stored `with` it) and, when
    /// `checkpoints_too`, the rebuild's checkpoints are retired, to be purged once the writes in
    /// flight at `now` have ended. `None` when that rebuild is not the one building.
    pub fn abandon(
        &self,
        model: &str,
        with: &[String],
        rebuild_id: &str,
        now: Timestamp,
        checkpoints_too: bool,
    ) -> Option<ModelGenerations> {
        let building = self.building.as_ref()?;
        if building.rebuild_id != rebuild_id {
            return None;
        }
        let purge_after = purge_time(now, chrono::Duration::zero());
        Some(ModelGenerations {
            live: self.live,
            building: None,
            retired: self.retiring(
                model,
                with,
                building.generation,
                checkpoints_too.then_some(rebuild_id),
                purge_after,
            ),
            highest: self.highest.max(building.generation),
        })
    }

    /// What is retired once `generation` of `model` and `with`, and the checkpoints of
    /// `rebuild_id` (when given), join it.
    fn retiring(
        &self,
        model: &str,
        with: &[String],
        generation: u32,
        rebuild_id: Option<&str>,
        purge_after: Timestamp,
    ) -> Vec<RetiredModel> {
        let stored = std::iter::once(model)
            .chain(with.iter().map(String::as_str))
            .map(|name| generation_name(name, generation))
            .chain(rebuild_id.map(rebuild_checkpoints_model));
        let mut retired = self.retired.clone();
        for stored_name in stored {
            if !retired.iter().any(|r| r.stored_name == stored_name) {
                retired.push(RetiredModel {
                    stored_name,
                    purge_after,
                });
            }
        }
        retired
    }

    /// Whether `stored_name` of `model` is read or written now (its live or building
    /// generation): never to be purged, whatever was retired (a rollback by hand may have made
    /// a retired generation live again).
    pub fn in_use(&self, model: &str, stored_name: &str) -> bool {
        generation_name(model, self.live) == stored_name
            || self
                .building
                .as_ref()
                .is_some_and(|b| generation_name(model, b.generation) == stored_name)
    }

    /// The pointer once `stored_name` is deleted.
    pub fn purged(&self, stored_name: &str) -> ModelGenerations {
        let mut next = self.clone();
        next.retired.retain(|r| r.stored_name != stored_name);
        next
    }

    fn highest_retired(&self) -> u32 {
        self.retired
            .iter()
            .filter_map(|r| r.stored_name.split_once(GENERATION_SEPARATOR))
            .filter_map(|(_, generation)| generation.parse::<u32>().ok())
            .max()
            .unwrap_or(0)
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

/// Whether `model` is one of the store's own (`$streams`, `$replays`, `$generations`, ...): kept
/// by the store itself, read without a generation pointer and never rebuilt. `$transactions` is
/// the store's but rebuildable, so it has generations like a read model.
pub fn is_store_model(model: &str) -> bool {
    model.starts_with('$') && model != TRANSACTIONS_MODEL
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
        let later = chrono::Utc::now();
        assert_eq!(building.switch("m", &[], "r2", later, true), None);
        let switched = building.switch("m", &[], "r1", later, true).unwrap();
        assert_eq!(switched.live, 1);
        assert_eq!(switched.building, None);
        let retired: Vec<&str> = switched
            .retired
            .iter()
            .map(|r| r.stored_name.as_str())
            .collect();
        assert_eq!(
            retired,
            ["m", "$rebuild.r1"],
            "the old generation and the checkpoints"
        );
        assert_eq!(
            switched.switch("m", &[], "r1", later, true),
            None,
            "already switched"
        );
        assert_eq!(
            switched.begin("r3").unwrap().building.unwrap().generation,
            2
        );
        assert!(switched
            .purged("m")
            .retired
            .iter()
            .all(|r| r.stored_name != "m"));
    }

    #[test]
    fn an_abandoned_rebuild_retires_its_generation_and_checkpoints_at_once() {
        let now = chrono::Utc::now();
        let building = ModelGenerations::default().begin("r1").unwrap();
        assert_eq!(building.abandon("m", &[], "r2", now, true), None);
        let abandoned = building.abandon("m", &[], "r1", now, true).unwrap();
        assert_eq!(abandoned.live, 0);
        assert_eq!(abandoned.building, None);
        let retired: Vec<&str> = abandoned
            .retired
            .iter()
            .map(|r| r.stored_name.as_str())
            .collect();
        assert_eq!(retired, ["m@1", "$rebuild.r1"]);
        assert!(abandoned
            .retired
            .iter()
            .all(|r| r.purge_after == now + IN_FLIGHT_WRITES));
        // The next rebuild builds above what still waits for its purge.
        assert_eq!(
            abandoned.begin("r2").unwrap().building.unwrap().generation,
            2
        );
    }

    #[test]
    fn models_stored_in_the_same_generation_retire_together() {
        let now = chrono::Utc::now();
        let with = ["$cycle:billing".to_owned()];
        let pointer = ModelGenerations::default().begin("r1").unwrap();
        let switched = pointer
            .switch(TRANSACTIONS_MODEL, &with, "r1", now, true)
            .unwrap();
        let retired: Vec<&str> = switched
            .retired
            .iter()
            .map(|r| r.stored_name.as_str())
            .collect();
        assert_eq!(retired, ["$transactions", "$cycle:billing", "$rebuild.r1"]);
        let next = switched.begin("r2").unwrap();
        let abandoned = next
            .abandon(TRANSACTIONS_MODEL, &with, "r2", now, true)
            .unwrap();
        let retired: Vec<&str> = abandoned
            .retired
            .iter()
            .map(|r| r.stored_name.as_str())
            .collect();
        assert_eq!(
            retired,
            [
                "$transactions",
                "$cycle:billing",
                "$rebuild.r1",
                "$transactions@2",
                "$cycle:billing@2",
                "$rebuild.r2"
            ]
        );
    }

    #[test]
    fn a_rebuilds_checkpoints_retire_with_its_last_model_and_numbers_are_never_reused() {
        let now = chrono::Utc::now();
        let building = ModelGenerations::default().begin("r1").unwrap();
        let first = building.switch("a", &[], "r1", now, false).unwrap();
        let names: Vec<&str> = first
            .retired
            .iter()
            .map(|r| r.stored_name.as_str())
            .collect();
        assert_eq!(
            names,
            ["a"],
            "another model still builds from the checkpoints"
        );
        let abandoned = first
            .begin("r2")
            .unwrap()
            .abandon("a", &[], "r2", now, true)
            .unwrap();
        let purged = abandoned.purged("a@2").purged("a");
        assert_eq!(purged.begin("r3").unwrap().building.unwrap().generation, 3);
        assert!(purged.in_use("a", "a@1"));
        assert!(!purged.in_use("a", "a"));
    }

    #[test]
    fn nothing_retired_is_purged_while_a_batch_may_still_write_it() {
        let now = chrono::Utc::now();
        assert_eq!(
            purge_time(now, chrono::Duration::zero()),
            now + IN_FLIGHT_WRITES
        );
        assert_eq!(
            purge_time(now, chrono::Duration::hours(24)),
            now + chrono::Duration::hours(24)
        );
    }

    #[test]
    fn the_stores_own_models_start_with_a_dollar_and_transactions_have_generations() {
        assert!(is_store_model("$streams"));
        assert!(!is_store_model("balances"));
        assert!(!is_store_model(TRANSACTIONS_MODEL));
    }
}
