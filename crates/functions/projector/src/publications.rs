//! What leaves the store for one stored event: its follow-ups (seed 001) and its change notice
//! (seed 000, "stream these changes to publishers"). Published by the projector from the
//! stream, so an event is published if and only if it was stored.

use event_store_domain::{ProjectorSettings, Publication, PublishedEvent, RecordedEvent};
use serde_json::{json, Value};

/// The `source` of follow-up events. The ingest rule takes them in (they are new events to
/// store); the deterministic `eventId` in their detail makes a republished one a duplicate.
pub const FOLLOW_UP_SOURCE: &str = "event-store.follow-ups";

/// The publications `event` causes under `settings`.
pub fn publications(settings: &ProjectorSettings, event: &RecordedEvent) -> Vec<Publication> {
    let mut out = Vec::new();
    for follow_up in settings.follow_ups.follow_ups(event) {
        let mut detail = json!({
            "streamId": event.stream_id,
            "eventId": follow_up.event_id,
            "causationId": event.event_id,
        });
        if let Some(aggregate_type) = &event.aggregate_type {
            detail["aggregateType"] = json!(aggregate_type);
        }
        if let Some(correlation) = &event.metadata.correlation_id {
            detail["correlationId"] = json!(correlation);
        }
        if let Value::Object(data) = follow_up.data {
            for (name, value) in data {
                detail[name] = value;
            }
        }
        out.push(Publication {
            source: FOLLOW_UP_SOURCE.to_owned(),
            detail_type: follow_up.event_type.to_string(),
            detail,
            resources: Vec::new(),
            // A new event: its data exists only here, so it is never sent as a claim check.
            subject: None,
        });
    }
    if let Some(notices) = &settings.change_notices {
        if notices.publishes(event.event_type.as_str()) {
            out.push(Publication {
                source: notices.source.clone(),
                detail_type: event.event_type.to_string(),
                detail: serde_json::to_value(event).unwrap_or(Value::Null),
                resources: Vec::new(),
                subject: Some(PublishedEvent::of(event)),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use event_store_domain::{EventType, NewEvent, StreamId, Version};

    fn settings() -> ProjectorSettings {
        ProjectorSettings::from_json(include_str!("../../../../fixtures/settings/projector.json"))
            .unwrap()
    }

    fn recorded(event_type: &str) -> RecordedEvent {
        let event = NewEvent::new(
            EventType::new(event_type).unwrap(),
            json!({"DOMAIN": "customer", "name": "Ada"}),
        );
        RecordedEvent::record(
            StreamId::new("mbocdp-77").unwrap(),
            Version::new(3),
            event,
            chrono::Utc::now(),
        )
    }

    #[test]
    fn an_updated_event_publishes_its_follow_up_and_its_change_notice() {
        let event = recorded("CustomerUpdatedEvent");
        let published = publications(&settings(), &event);
        assert_eq!(published.len(), 2);
        let follow_up = &published[0];
        assert_eq!(
            (follow_up.source.as_str(), follow_up.detail_type.as_str()),
            (FOLLOW_UP_SOURCE, "ValidatableEvent")
        );
        assert_eq!(follow_up.detail["streamId"], "mbocdp-77");
        assert_eq!(follow_up.detail["DOMAIN"], "customer");
        assert_eq!(follow_up.detail["causationId"], json!(event.event_id));
        assert!(follow_up.detail["eventId"]
            .as_str()
            .unwrap()
            .ends_with(".ValidatableEvent"));
        let notice = &published[1];
        assert_eq!(
            (notice.source.as_str(), notice.detail["version"].clone()),
            ("event-store.changes", json!(3))
        );
    }

    #[test]
    fn an_event_no_rule_matches_publishes_its_change_notice_only() {
        assert_eq!(
            publications(&settings(), &recorded("CustomerCreated")).len(),
            1
        );
        assert!(publications(
            &ProjectorSettings::default(),
            &recorded("CustomerUpdatedEvent")
        )
        .is_empty());
    }
}
