//! Follow-up rules (seed 001): an event whose type matches a pattern (`*UpdatedEvent`) causes a
//! follow-up event (`ValidatableEvent`) carrying chosen fields of the source event (its
//! `DOMAIN`) and its id as causation. A rule set that could loop is refused when it loads.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{EventType, Metadata, NewEvent, RecordedEvent, SettingsError};

/// An event-type pattern: `*` matches any run of characters (`*UpdatedEvent`, `Account*`, `*`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TypePattern(String);

impl TypePattern {
    /// A pattern from its text.
    pub fn new(pattern: impl Into<String>) -> Self {
        TypePattern(pattern.into())
    }

    /// Whether `event_type` matches.
    pub fn matches(&self, event_type: &str) -> bool {
        glob_match(self.0.as_bytes(), event_type.as_bytes())
    }
}

fn glob_match(pattern: &[u8], text: &[u8]) -> bool {
    match pattern.split_first() {
        None => text.is_empty(),
        Some((b'*', rest)) => (0..=text.len()).any(|skip| glob_match(rest, &text[skip..])),
        Some((c, rest)) => text.first() == Some(c) && glob_match(rest, &text[1..]),
    }
}

/// One rule: events matching `when` cause an `emit` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FollowUpRule {
    /// The source events.
    pub when: TypePattern,
    /// The follow-up's event type.
    pub emit: String,
    /// Data fields of the source copied into the follow-up (seed 001: `DOMAIN`).
    #[serde(default)]
    pub carry: Vec<String>,
}

/// The rules, checked: every emitted type is a valid event type, and no emitted type matches
/// any rule (a follow-up that causes follow-ups could loop forever).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FollowUpRules(Vec<FollowUpRule>);

impl FollowUpRules {
    /// Checks `rules`; the error names the rule that could loop.
    pub fn new(rules: Vec<FollowUpRule>) -> Result<Self, SettingsError> {
        for (index, rule) in rules.iter().enumerate() {
            EventType::new(rule.emit.as_str()).map_err(|e| SettingsError {
                variable: "followUps",
                reason: format!("rule {index} emits {:?}: {}", rule.emit, e.reason),
            })?;
            if rule.emit.chars().count() > crate::MAX_DETAIL_TYPE_CHARS {
                return Err(SettingsError {
                    variable: "followUps",
                    reason: format!(
                        "rule {index} emits {:?}: a follow-up's type is its bus entry's detail type, at most {} characters",
                        rule.emit,
                        crate::MAX_DETAIL_TYPE_CHARS
                    ),
                });
            }
            if let Some(looping) = rules.iter().find(|other| other.when.matches(&rule.emit)) {
                return Err(SettingsError {
                    variable: "followUps",
                    reason: format!(
                        "rule {index} emits {}, which matches {:?} (\"{}\" → \"{}\"): the rules could loop",
                        rule.emit, looping.when.0, looping.when.0, looping.emit
                    ),
                });
            }
        }
        Ok(FollowUpRules(rules))
    }

    /// True when there is no rule.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The follow-ups `event` causes, with deterministic ids (the source id and the rule), so a
    /// redelivered source produces the same follow-ups and the store dedupes them.
    pub fn follow_ups(&self, event: &RecordedEvent) -> Vec<NewEvent> {
        self.0
            .iter()
            .filter(|rule| rule.when.matches(event.event_type.as_str()))
            .filter_map(|rule| {
                let mut data = Map::new();
                for field in &rule.carry {
                    if let Some(value) = event.data.get(field) {
                        data.insert(field.clone(), value.clone());
                    }
                }
                data.insert(
                    "sourceEventId".into(),
                    Value::String(event.event_id.to_string()),
                );
                data.insert(
                    "sourceEventType".into(),
                    Value::String(event.event_type.to_string()),
                );
                let id = format!("{}.{}", event.event_id, rule.emit);
                let event_id = crate::EventId::new(id).ok()?;
                let metadata = Metadata {
                    causation_id: Some(event.event_id.to_string()),
                    correlation_id: event.metadata.correlation_id.clone(),
                    ..Metadata::default()
                };
                Some(
                    NewEvent::new(
                        EventType::new(rule.emit.as_str()).ok()?,
                        Value::Object(data),
                    )
                    .with_id(event_id)
                    .with_metadata(metadata),
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{StreamId, Version};
    use serde_json::json;

    fn rule(when: &str, emit: &str) -> FollowUpRule {
        FollowUpRule {
            when: TypePattern::new(when),
            emit: emit.into(),
            carry: vec!["DOMAIN".into()],
        }
    }

    fn seed_001() -> FollowUpRules {
        FollowUpRules::new(vec![
            rule("*UpdatedEvent", "ValidatableEvent"),
            rule("*ValidatedEvent", "IndexableEvent"),
        ])
        .unwrap()
    }

    fn recorded(event_type: &str) -> RecordedEvent {
        let event = NewEvent::new(
            EventType::new(event_type).unwrap(),
            json!({"DOMAIN": "customer", "name": "Ada"}),
        );
        RecordedEvent::record(
            StreamId::new("m-1").unwrap(),
            Version::new(1),
            event,
            chrono::Utc::now(),
        )
    }

    #[test]
    fn patterns_match_with_stars() {
        assert!(TypePattern::new("*UpdatedEvent").matches("CustomerUpdatedEvent"));
        assert!(!TypePattern::new("*UpdatedEvent").matches("CustomerUpdated"));
        assert!(TypePattern::new("Account*").matches("AccountCreated"));
        assert!(TypePattern::new("*").matches("Anything"));
        assert!(TypePattern::new("Exact").matches("Exact"));
    }

    #[test]
    fn an_updated_event_causes_a_validatable_event_carrying_its_domain() {
        let source = recorded("CustomerUpdatedEvent");
        let follow_ups = seed_001().follow_ups(&source);
        assert_eq!(follow_ups.len(), 1);
        let follow_up = &follow_ups[0];
        assert_eq!(follow_up.event_type.as_str(), "ValidatableEvent");
        assert_eq!(follow_up.data["DOMAIN"], "customer");
        assert!(follow_up.data.get("name").is_none());
        assert_eq!(
            follow_up.metadata.causation_id.as_deref(),
            Some(source.event_id.as_str())
        );
        assert_eq!(
            seed_001().follow_ups(&source)[0].event_id,
            follow_up.event_id,
            "deterministic ids"
        );
    }

    #[test]
    fn a_validated_event_causes_an_indexable_event_and_others_nothing() {
        assert_eq!(
            seed_001().follow_ups(&recorded("CustomerValidatedEvent"))[0]
                .event_type
                .as_str(),
            "IndexableEvent"
        );
        assert!(seed_001()
            .follow_ups(&recorded("CustomerCreated"))
            .is_empty());
    }

    #[test]
    fn a_rule_whose_output_matches_a_rule_is_refused() {
        let error = FollowUpRules::new(vec![rule("*Event", "ValidatableEvent")]).unwrap_err();
        assert!(error.reason.contains("could loop"), "{}", error.reason);
        let chained = FollowUpRules::new(vec![
            rule("*Updated", "Validated"),
            rule("Valid*", "Updated"),
        ]);
        assert!(chained.is_err());
    }
}
