//! What an append means once the store knows which of its event ids are already stored: the one
//! rule every path (an expected version or none, the bus, SQS batches, esctl) follows.
//!
//! - No id is stored: the events are new; the append goes on.
//! - Every id is stored with the same content (the same payload hash) in the stream appended to:
//!   a retry. Success, nothing written, and the answer names where the events are.
//! - Any id is stored with other content, or in another stream (a retry always targets its own
//!   stream: the same id elsewhere is another producer's event): [`Error::IdReused`], naming
//!   where; nothing written.
//! - Some ids are stored with the same content and the others are not: [`Error::PartlyStored`],
//!   naming the stored ones; nothing written. An append stays atomic: it is never half a
//!   duplicate and half a write.

use crate::{AppendOutcome, Error, StoredAt, StreamId};

/// An event id of an append found already stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prior {
    /// Where it is stored.
    pub at: StoredAt,
    /// Whether it is stored with the content (payload hash) the append carries.
    pub same_content: bool,
}

/// The verdict on an append's event ids.
#[derive(Debug)]
pub enum Verdict {
    /// None of them is stored.
    AllNew,
    /// All of them are, with the same content, in one stream: a retry.
    Duplicate(AppendOutcome),
    /// The append must be refused with this error.
    Refused(Error),
}

/// Judges an append to `stream` whose events (in order) were found as `found` says (`None`:
/// not stored).
pub fn judge(stream: &StreamId, found: &[Option<Prior>]) -> Verdict {
    if let Some(reused) = found
        .iter()
        .flatten()
        .find(|prior| !prior.same_content || prior.at.stream_id != *stream)
    {
        return Verdict::Refused(Error::IdReused(reused.at.clone()));
    }
    let stored: Vec<&StoredAt> = found.iter().flatten().map(|prior| &prior.at).collect();
    if stored.is_empty() {
        return Verdict::AllNew;
    }
    if stored.len() == found.len() {
        return Verdict::Duplicate(AppendOutcome {
            stream_id: stream.clone(),
            versions: stored.iter().map(|at| at.version).collect(),
            duplicate: true,
        });
    }
    Verdict::Refused(Error::PartlyStored {
        stored: stored.into_iter().cloned().collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{EventId, StreamId, Version};

    fn at(id: &str, stream: &str, version: u64) -> StoredAt {
        StoredAt {
            event_id: EventId::new(id).unwrap(),
            stream_id: StreamId::new(stream).unwrap(),
            version: Version::new(version),
        }
    }

    fn stream(id: &str) -> StreamId {
        StreamId::new(id).unwrap()
    }

    fn prior(id: &str, stream: &str, version: u64, same_content: bool) -> Option<Prior> {
        Some(Prior {
            at: at(id, stream, version),
            same_content,
        })
    }

    #[test]
    fn nothing_found_is_new() {
        assert!(matches!(
            judge(&stream("s"), &[None, None]),
            Verdict::AllNew
        ));
    }

    #[test]
    fn everything_found_with_its_content_is_a_retry_naming_where() {
        let verdict = judge(
            &stream("s"),
            &[prior("a", "s", 4, true), prior("b", "s", 5, true)],
        );
        let Verdict::Duplicate(outcome) = verdict else {
            panic!("{verdict:?}")
        };
        assert_eq!(outcome.stream_id.as_str(), "s");
        assert_eq!(outcome.versions, vec![Version::new(4), Version::new(5)]);
        assert!(outcome.duplicate);
    }

    #[test]
    fn other_content_under_a_stored_id_is_a_reused_id_even_among_retries() {
        let verdict = judge(
            &stream("s"),
            &[prior("a", "s", 4, true), prior("b", "other", 9, false)],
        );
        assert!(
            matches!(&verdict, Verdict::Refused(Error::IdReused(reused)) if *reused == at("b", "other", 9)),
            "{verdict:?}"
        );
    }

    #[test]
    fn stored_and_new_events_together_are_refused_naming_the_stored() {
        let verdict = judge(&stream("s"), &[None, prior("b", "s", 2, true)]);
        let Verdict::Refused(Error::PartlyStored { stored }) = verdict else {
            panic!("{verdict:?}")
        };
        assert_eq!(stored, vec![at("b", "s", 2)]);
    }

    #[test]
    fn the_same_id_and_content_in_another_stream_is_a_reused_id_not_a_retry() {
        let verdict = judge(&stream("s"), &[prior("a", "other", 1, true)]);
        assert!(
            matches!(&verdict, Verdict::Refused(Error::IdReused(at)) if at.stream_id.as_str() == "other"),
            "{verdict:?}"
        );
    }
}
