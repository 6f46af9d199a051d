//! What the store publishes to the bus (follow-ups, change notices, metering events, replays),
//! and the rule that makes every entry fit: EventBridge takes an entry of less than 256 KB by its
//! size rule, and the store accepts events up to 400 KB, so an entry that would not fit is sent
//! as a **claim check** instead: the same source and detail type, the detail's identifying
//! fields, which event it is about, its size, a flag saying the data is left out, and how to
//! read it (the query function's `getEvent`). Only a copy of a stored event (a change notice, a
//! replay) can be a claim check: a follow-up or a metering event exists nowhere else, so one too
//! large is refused before sending (`TooLarge`, naming it), never published without its data.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::{entry_size, Error, EventId, EventType, RecordedEvent, StreamId, Version};

/// EventBridge's limit of one entry's size: it must be less than 256 KB.
pub const MAX_ENTRY_BYTES: usize = 256 * 1024;

/// EventBridge's limit of an entry's detail type, in characters. The store takes event types of
/// up to 256 bytes: a copy of a stored event whose type is longer goes with its type cut to this
/// length (its detail keeps the whole type).
pub const MAX_DETAIL_TYPE_CHARS: usize = 128;

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
    /// The stored event whose copy it is (a change notice, a replay): what a claim check points
    /// at. `None` for what exists only in the publication (follow-ups, metering events).
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
    pub fn fitted(mut self) -> Result<Publication, Error> {
        if self.detail_type.chars().count() > MAX_DETAIL_TYPE_CHARS {
            if self.subject.is_none() {
                return Err(Error::validation(
                    "detailType",
                    format!(
                        "{:?} is longer than EventBridge's {MAX_DETAIL_TYPE_CHARS} characters",
                        self.detail_type
                    ),
                ));
            }
            self.detail_type = self
                .detail_type
                .chars()
                .take(MAX_DETAIL_TYPE_CHARS)
                .collect();
        }
        let bytes = self.size();
        if bytes < MAX_ENTRY_BYTES {
            return Ok(self);
        }
        let Some(subject) = self.subject.clone() else {
            return Err(Error::TooLarge {
                event_id: format!("{} {} publication", self.source, self.detail_type),
                bytes,
                limit: MAX_ENTRY_BYTES - 1,
            });
        };
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
        let read =
            json!({"op": "getEvent", "streamId": subject.stream_id, "version": subject.version});
        detail.insert(
            "claimCheck".into(),
            json!({
                "dataOmitted": true,
                "bytes": bytes,
                "about": subject,
                "read": read,
            }),
        );
        Ok(Publication {
            detail: Value::Object(detail),
            ..self
        })
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
        assert_eq!(small.clone().fitted().unwrap(), small);
    }

    #[test]
    fn an_entry_too_large_for_eventbridge_becomes_a_claim_check_saying_how_to_read_it() {
        let big = notice(300 * 1024);
        let bytes = big.size();
        let check = big.fitted().unwrap();
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
    fn what_exists_only_in_the_publication_is_refused_too_large_never_sent_without_its_data() {
        let follow_up = Publication {
            subject: None,
            source: "event-store.follow-ups".into(),
            ..notice(300 * 1024)
        };
        let error = follow_up.fitted().unwrap_err();
        assert!(
            matches!(&error, Error::TooLarge { event_id, .. } if event_id.contains("event-store.follow-ups")),
            "{error:?}"
        );
    }

    #[test]
    fn a_stored_events_type_longer_than_a_detail_type_is_cut_and_kept_whole_in_the_detail() {
        let long = "T".repeat(200);
        let copy = Publication {
            detail_type: long.clone(),
            ..notice(10)
        };
        let fitted = copy.fitted().unwrap();
        assert_eq!(fitted.detail_type.chars().count(), MAX_DETAIL_TYPE_CHARS);
        let own = Publication {
            detail_type: long,
            subject: None,
            ..notice(10)
        };
        assert!(matches!(own.fitted(), Err(Error::Validation { .. })));
    }

    #[test]
    fn the_limit_is_eventbridges_less_than_256_kb() {
        let at_limit = notice(MAX_ENTRY_BYTES);
        assert!(at_limit.size() >= MAX_ENTRY_BYTES);
        assert!(at_limit
            .fitted()
            .unwrap()
            .detail
            .get("claimCheck")
            .is_some());
    }
}
