//! Where an event id must be unique, and what that makes an append's limit.
//!
//! Every append is one DynamoDB transaction (at most 100 actions): the stream's head (one
//! action), each event (one action each), and with the store-wide scope an idempotency guard per
//! event id (one more each). The limit per append follows from that count, and it is checked
//! before any request.

use serde::{Deserialize, Serialize};

use crate::ValidationError;

/// DynamoDB's limit of actions in one `TransactWriteItems`.
pub const MAX_TRANSACTION_ACTIONS: usize = 100;

/// The scope in which an event id identifies one event (setting `DEDUPE_SCOPE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum DedupeScope {
    /// The whole store (the default): an id is stored once in the whole store, guarded by a
    /// small item per id; an id reused in another stream is caught, and events can be read by
    /// id alone.
    #[default]
    Store,
    /// One stream: the stream's head carries its recent event ids. Cheaper (no guard item), but
    /// an id reused in another stream is stored there, and a retry is recognized only while the
    /// event is among the stream's recent events or at the version the retry expects.
    Stream,
}

impl DedupeScope {
    /// The transaction actions each event takes.
    pub const fn actions_per_event(self) -> usize {
        match self {
            DedupeScope::Store => 2,
            DedupeScope::Stream => 1,
        }
    }

    /// The most events one append may carry in this scope: 49 store-wide, 99 per stream.
    pub const fn max_events_per_append(self) -> usize {
        (MAX_TRANSACTION_ACTIONS - 1) / self.actions_per_event()
    }

    /// Checks a batch of `events` against this scope's limit; the error names `events`, the
    /// limit and why.
    pub fn check_batch(self, events: usize) -> Result<(), ValidationError> {
        let limit = self.max_events_per_append();
        if events > limit {
            return Err(ValidationError::new(
                "events",
                format!(
                    "holds {events} events, the limit per append is {limit} with the {self} dedupe scope (DynamoDB's {MAX_TRANSACTION_ACTIONS} actions per transaction: the stream's head{}); split it, or append in chunks (each chunk atomic)",
                    match self {
                        DedupeScope::Store => " and, per event, the event and its id guard",
                        DedupeScope::Stream => " and the events",
                    }
                ),
            ));
        }
        Ok(())
    }
}

impl std::fmt::Display for DedupeScope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            DedupeScope::Store => "store",
            DedupeScope::Stream => "stream",
        })
    }
}

impl std::str::FromStr for DedupeScope {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "store" => Ok(DedupeScope::Store),
            "stream" => Ok(DedupeScope::Stream),
            other => Err(format!("is {other:?}, expected \"store\" or \"stream\"")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_follow_from_the_actions_each_event_takes() {
        assert_eq!(DedupeScope::Store.max_events_per_append(), 49);
        assert_eq!(DedupeScope::Stream.max_events_per_append(), 99);
        assert!(DedupeScope::Store.check_batch(49).is_ok());
        let error = DedupeScope::Store.check_batch(50).unwrap_err();
        assert_eq!(error.field, "events");
        assert!(
            error.reason.contains("limit per append is 49"),
            "{}",
            error.reason
        );
        assert!(DedupeScope::Stream.check_batch(99).is_ok());
        assert!(DedupeScope::Stream.check_batch(100).is_err());
    }

    #[test]
    fn the_setting_reads_both_scopes() {
        assert_eq!("store".parse::<DedupeScope>(), Ok(DedupeScope::Store));
        assert_eq!("stream".parse::<DedupeScope>(), Ok(DedupeScope::Stream));
        assert!("global".parse::<DedupeScope>().is_err());
    }
}
