//! The list of a deployment's read models, as the console and `listReadModels` show it: the
//! declared ones (the projector's settings), the ones kept in code, and the store's own, each
//! with what its documents hold and whether a rebuild can rebuild it.

use serde::Serialize;

use crate::{
    builtin_projections, Projection, ReadModelDefinition, GENERATIONS_MODEL, TRANSACTIONS_MODEL,
};

/// The store's own read model of stream summaries, one document per stream (the projector's
/// checkpoint too).
pub const STREAMS_MODEL: &str = "$streams";

/// The store's own read model of replays, one document per replay id.
pub const REPLAYS_MODEL: &str = "$replays";

/// Where a read model comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ReadModelOrigin {
    /// Declared in the projector's settings (`readModels`).
    Declared,
    /// A projection kept in code by every deployment.
    Builtin,
    /// Kept by the store itself.
    Store,
}

/// One read model of the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReadModelEntry {
    /// What `getReadModel` and `listReadModel` ask for.
    pub name: String,
    /// Where it comes from.
    pub origin: ReadModelOrigin,
    /// What its documents hold.
    pub about: String,
    /// The event types that change it (declared models; empty when not known).
    pub event_types: Vec<String>,
    /// Whether a rebuild can rebuild it (`POST /replays {op: rebuild, models: [name]}`).
    pub rebuildable: bool,
}

/// The store's own read models, with what each holds and whether it can be rebuilt.
const STORE_MODELS: [(&str, &str, bool); 4] = [
    (
        STREAMS_MODEL,
        "every stream's summary: last version, event type and time, event count",
        false,
    ),
    (
        TRANSACTIONS_MODEL,
        "seed 000's cycle instances by entity, complete or partial",
        true,
    ),
    (
        REPLAYS_MODEL,
        "every replay's progress, one document per replay id",
        false,
    ),
    (
        GENERATIONS_MODEL,
        "each rebuilt model's generation pointer: live, building, retired",
        false,
    ),
];

/// Every read model of a deployment whose settings declare `declared`: those first, then the
/// ones kept in code, then the store's own.
pub fn read_model_catalog(declared: &[ReadModelDefinition]) -> Vec<ReadModelEntry> {
    let declared_entries = declared.iter().map(|model| ReadModelEntry {
        name: model.name.clone(),
        origin: ReadModelOrigin::Declared,
        about: model.describe(),
        event_types: model.on.keys().cloned().collect(),
        rebuildable: true,
    });
    let builtin_entries = builtin_projections()
        .into_iter()
        .map(|projection| ReadModelEntry {
            name: projection.name().to_owned(),
            origin: ReadModelOrigin::Builtin,
            about: projection.describe(),
            event_types: Vec::new(),
            rebuildable: true,
        });
    let store_entries = STORE_MODELS
        .iter()
        .map(|(name, about, rebuildable)| ReadModelEntry {
            name: (*name).to_owned(),
            origin: ReadModelOrigin::Store,
            about: (*about).to_owned(),
            event_types: Vec::new(),
            rebuildable: *rebuildable,
        });
    declared_entries
        .chain(builtin_entries)
        .chain(store_entries)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{is_store_model, ProjectorSettings};

    #[test]
    fn the_seeds_models_come_first_then_code_then_the_stores_own() {
        let settings =
            ProjectorSettings::from_json(include_str!("../../../fixtures/settings/projector.json"))
                .unwrap();
        let catalog = read_model_catalog(&settings.read_models);
        let names: Vec<&str> = catalog.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "testItems",
                "customers",
                "accountBalances",
                "$streams",
                "$transactions",
                "$replays",
                "$generations"
            ]
        );
        let items = &catalog[0];
        assert_eq!(items.origin, ReadModelOrigin::Declared);
        assert_eq!(
            items.event_types,
            ["ITEM_AMOUNT_CHANGED", "ITEM_CREATED", "ITEM_DELETED"]
        );
        assert!(items.about.contains("data.itemId"), "{}", items.about);
    }

    #[test]
    fn only_what_a_rebuild_can_rebuild_is_marked_rebuildable() {
        for model in read_model_catalog(&[]) {
            assert_eq!(
                model.rebuildable,
                !is_store_model(&model.name),
                "{}",
                model.name
            );
        }
    }
}
