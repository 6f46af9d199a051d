//! The projector's settings: read models, cycles, follow-up rules and change notices, from one
//! JSON document (`PROJECTOR_SETTINGS`, or a file named by `PROJECTOR_SETTINGS_FILE`), checked
//! as a whole when it loads.

use serde::{Deserialize, Serialize};

use crate::{
    CycleDefinition, FollowUpRule, FollowUpRules, ReadModelDefinition, SettingsError, TypePattern,
};

/// Which stored events are published as change notices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChangeNotices {
    /// Event types to publish (patterns); every event when empty.
    #[serde(default)]
    pub event_types: Vec<TypePattern>,
    /// The `source` of the notices: the ingest rule excludes it, so nothing loops.
    #[serde(default = "ChangeNotices::default_source")]
    pub source: String,
}

/// The sources the store publishes under that the ingest rule never matches (`neverIngested` in
/// `infra/pipeline.json`, which a test keeps equal to this): change notices, metering events,
/// replays. A change notice under any other source would be ingested again, and loop.
pub const NEVER_INGESTED_SOURCES: [&str; 3] = [
    ChangeNotices::DEFAULT_SOURCE,
    METERING_SOURCE,
    REPLAY_SOURCE,
];

/// The `source` of the metering events completed cycles publish.
pub const METERING_SOURCE: &str = "event-store.metering";

/// The `source` replays re-publish stored events under.
pub const REPLAY_SOURCE: &str = "event-store.replay";

impl ChangeNotices {
    /// The source when none is configured.
    pub const DEFAULT_SOURCE: &'static str = "event-store.changes";

    fn default_source() -> String {
        Self::DEFAULT_SOURCE.to_owned()
    }

    /// Whether `event_type` is published.
    pub fn publishes(&self, event_type: &str) -> bool {
        self.event_types.is_empty() || self.event_types.iter().any(|p| p.matches(event_type))
    }
}

/// The raw document.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Document {
    #[serde(default)]
    read_models: Vec<ReadModelDefinition>,
    #[serde(default)]
    cycles: Vec<CycleDefinition>,
    #[serde(default)]
    follow_ups: Vec<FollowUpRule>,
    #[serde(default)]
    change_notices: Option<ChangeNotices>,
}

/// The projector's settings, checked.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProjectorSettings {
    /// Declarative read models.
    pub read_models: Vec<ReadModelDefinition>,
    /// Cycles followed per entity.
    pub cycles: Vec<CycleDefinition>,
    /// Follow-up rules (checked against loops).
    pub follow_ups: FollowUpRules,
    /// Change notices, when enabled.
    pub change_notices: Option<ChangeNotices>,
}

impl ProjectorSettings {
    /// The settings document inline.
    pub const PROJECTOR_SETTINGS: &'static str = "PROJECTOR_SETTINGS";
    /// A path to the settings document.
    pub const PROJECTOR_SETTINGS_FILE: &'static str = "PROJECTOR_SETTINGS_FILE";

    /// Parses and checks a settings document; the error says what is wrong and where.
    pub fn from_json(text: &str) -> Result<Self, SettingsError> {
        let document: Document = serde_json::from_str(text).map_err(|e| SettingsError {
            variable: Self::PROJECTOR_SETTINGS,
            reason: format!("is not a valid settings document: {e}"),
        })?;
        let mut names = std::collections::HashSet::new();
        for model in &document.read_models {
            model.validate()?;
            if !names.insert(model.name.as_str()) {
                return Err(SettingsError {
                    variable: "readModels",
                    reason: format!("{} is defined twice", model.name),
                });
            }
        }
        for cycle in &document.cycles {
            if cycle.steps.is_empty() {
                return Err(SettingsError {
                    variable: "cycles",
                    reason: format!("cycle {} has no steps", cycle.name),
                });
            }
        }
        if let Some(notices) = &document.change_notices {
            // The loop guard is checked, not trusted: the ingest rule excludes only these.
            if [METERING_SOURCE, REPLAY_SOURCE].contains(&notices.source.as_str()) {
                return Err(SettingsError {
                    variable: "changeNotices.source",
                    reason: format!(
                        "is {:?}, the store's own source for {}: consumers would take notices for them",
                        notices.source,
                        if notices.source == METERING_SOURCE { "metering events" } else { "replays" }
                    ),
                });
            }
            if !NEVER_INGESTED_SOURCES.contains(&notices.source.as_str()) {
                return Err(SettingsError {
                    variable: "changeNotices.source",
                    reason: format!(
                        "is {:?}, which the ingest rule would take in again (a loop): use one of {} (infra/pipeline.json's neverIngested)",
                        notices.source,
                        NEVER_INGESTED_SOURCES.join(", ")
                    ),
                });
            }
        }
        Ok(ProjectorSettings {
            read_models: document.read_models,
            cycles: document.cycles,
            follow_ups: FollowUpRules::new(document.follow_ups)?,
            change_notices: document.change_notices,
        })
    }

    /// Reads `PROJECTOR_SETTINGS` or the file `PROJECTOR_SETTINGS_FILE` names (empty settings
    /// when neither is set).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, SettingsError> {
        if let Some(inline) = lookup(Self::PROJECTOR_SETTINGS).filter(|t| !t.trim().is_empty()) {
            return Self::from_json(&inline);
        }
        match lookup(Self::PROJECTOR_SETTINGS_FILE).filter(|t| !t.trim().is_empty()) {
            Some(path) => {
                let text = std::fs::read_to_string(&path).map_err(|e| SettingsError {
                    variable: Self::PROJECTOR_SETTINGS_FILE,
                    reason: format!("names {path}, which cannot be read: {e}"),
                })?;
                Self::from_json(&text)
            }
            None => Ok(ProjectorSettings::default()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEEDS: &str = include_str!("../../../fixtures/settings/projector.json");

    #[test]
    fn the_seeds_settings_load() {
        let settings = ProjectorSettings::from_json(SEEDS).unwrap();
        assert_eq!(settings.read_models[0].name, "testItems");
        assert_eq!(settings.cycles.len(), 2);
        assert!(settings.change_notices.unwrap().publishes("AccountCreated"));
    }

    #[test]
    fn a_looping_rule_set_is_refused_when_settings_load() {
        let error = ProjectorSettings::from_json(
            r#"{"followUps": [{"when": "*Event", "emit": "ValidatableEvent"}]}"#,
        )
        .unwrap_err();
        assert!(error.reason.contains("could loop"), "{}", error.reason);
    }

    #[test]
    fn unknown_keys_and_duplicate_models_are_refused() {
        let typo = ProjectorSettings::from_json(r#"{"readModel": []}"#).unwrap_err();
        assert!(typo.reason.contains("readModel"), "{}", typo.reason);
        let model = r#"{"name": "m", "key": "data.id", "on": {"X": {"op": "delete"}}}"#;
        let twice =
            ProjectorSettings::from_json(&format!(r#"{{"readModels": [{model}, {model}]}}"#))
                .unwrap_err();
        assert!(twice.reason.contains("twice"));
    }

    #[test]
    fn a_change_notice_source_the_ingest_rule_would_take_in_is_refused_naming_the_setting() {
        let error = ProjectorSettings::from_json(r#"{"changeNotices": {"source": "my.changes"}}"#)
            .unwrap_err();
        assert_eq!(error.variable, "changeNotices.source");
        assert!(
            error.reason.contains("event-store.changes"),
            "{}",
            error.reason
        );
        let notices = |source: &str| {
            ProjectorSettings::from_json(&format!(
                r#"{{"changeNotices": {{"source": "{source}"}}}}"#
            ))
        };
        assert!(notices(ChangeNotices::DEFAULT_SOURCE).is_ok());
        for reserved in [METERING_SOURCE, REPLAY_SOURCE] {
            let error = notices(reserved).unwrap_err();
            assert!(
                error.reason.contains("the store's own source"),
                "{}",
                error.reason
            );
        }
    }

    #[test]
    fn nothing_set_means_no_projections() {
        assert_eq!(
            ProjectorSettings::from_lookup(|_| None).unwrap(),
            ProjectorSettings::default()
        );
    }
}
