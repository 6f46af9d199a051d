//! What the store publishes to the bus (follow-ups, change notices, metering events, replays),
//! and the rule that makes every entry fit: EventBridge takes an entry of less than 256 KB by its
//! size rule, and the store accepts events up to 400 KB, so an entry that would not fit is sent
//! as a **claim check** instead: the same source and detail type, the detail's identifying
//! fields, which event it is about, its size, a flag saying the data is left out, and how to
//! read it (the query function's `getEvent`). Nothing the store publishes is ever refused for
//! its size.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::{entry_size, EventId, EventType, RecordedEvent, StreamId, Version};

/// EventBridge's limit of one entry's size: it must be less than 256 KB.
pub const MAX_ENTRY_BYTES: usize = 256 * 1024;

/// Detail fields a claim check keeps: what identifies the entry and what it is about.
const KEPT_FIELDS: [&str; 10] = [
    "streamId",
    "version",
    "eventId",
    "eventType",
    "aggregateType",
    "causationId",
    "correlationId",
    "meteringId",
    "replay",
    "recordedTime",
];

/// The stored event a publication is about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PublishedEvent {
    /// Its stream.
    pub stream_id: StreamId,
    /// Its version.
    pub version: Version,
    /// Its id.
    pub event_id: EventId,
    /// Its type.
    pub event_type: EventType,
}

impl PublishedEvent {
    /// Which stored event `event` is.
    pub fn of(event: &RecordedEvent) -> Self {
        PublishedEvent {
            stream_id: event.stream_id.clone(),
            version: event.version,
            event_id: event.event_id.clone(),
            event_type: event.event_type.clone(),
        }
    }
}

/// One entry to publish.
#[derive(Debug, Clone, PartialEq)]
pub struct Publication {
    /// The `source`.
    pub source: String,
    /// The `detail-type`.
    pub detail_type: String,
    /// The `detail`.
    pub detail: Value,
    /// The `resources`.
    pub resources: Vec<String>,
    /// The stored event it is about, if any: what a claim check points at.
    pub subject: Option<PublishedEvent>,
}

impl Publication {
    /// Its size by EventBridge's rule.
    pub fn size(&self) -> usize {
        entry_size(
            &self.source,
            &self.detail_type,
            &self.detail.to_string(),
            &self.resources,
        )
    }

    /// This publication, or its claim check when it would not fit in an entry.
    pub fn fitted(self) -> Publication {
        let bytes = self.size();
        if bytes < MAX_ENTRY_BYTES {
            return self;
        }
        let mut detail = Map::new();
        if let Value::Object(full) = &self.detail {
            for name in KEPT_FIELDS {
                if let Some(value) = full.get(name) {
                    let small = value.to_string().len() <= 1024;
                    if small {
                        detail.insert(name.to_owned(), value.clone());
                    }
                }
            }
        }
        let read = self.subject.as_ref().map(|subject| {
            json!({"op": "getEvent", "streamId": subject.stream_id, "version": subject.version})
        });
        detail.insert(
            "claimCheck".into(),
            json!({
                "dataOmitted": true,
                "bytes": bytes,
                "about": self.subject,
                "read": read,
            }),
        );
        Publication {
            detail: Value::Object(detail),
            ..self
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notice(data_bytes: usize) -> Publication {
        Publication {
            source: "event-store.changes".into(),
            detail_type: "Big".into(),
            detail: json!({
                "streamId": "s-1", "version": 7, "eventId": "e-7", "eventType": "Big",
                "data": {"blob": "x".repeat(data_bytes)}
            }),
            resources: Vec::new(),
            subject: Some(PublishedEvent {
                stream_id: StreamId::new("s-1").unwrap(),
                version: Version::new(7),
                event_id: EventId::new("e-7").unwrap(),
                event_type: EventType::new("Big").unwrap(),
            }),
        }
    }

    #[test]
    fn an_entry_that_fits_is_sent_as_it_is() {
        let small = notice(1000);
        assert_eq!(small.clone().fitted(), small);
    }

    #[test]
    fn an_entry_too_large_for_eventbridge_becomes_a_claim_check_saying_how_to_read_it() {
        let big = notice(300 * 1024);
        let bytes = big.size();
        let check = big.fitted();
        assert!(check.size() < 2 * 1024, "{}", check.size());
        assert_eq!(check.source, "event-store.changes");
        assert_eq!(check.detail["eventId"], "e-7");
        assert!(check.detail.get("data").is_none());
        let claim = &check.detail["claimCheck"];
        assert_eq!(claim["dataOmitted"], true);
        assert_eq!(claim["bytes"], bytes);
        assert_eq!(
            claim["read"],
            json!({"op": "getEvent", "streamId": "s-1", "version": 7})
        );
        assert_eq!(claim["about"]["eventType"], "Big");
    }

    #[test]
    fn the_limit_is_eventbridges_less_than_256_kb() {
        let at_limit = notice(MAX_ENTRY_BYTES);
        assert!(at_limit.size() >= MAX_ENTRY_BYTES);
        assert!(at_limit.fitted().detail.get("claimCheck").is_some());
    }
}
