//! An explicit, non-atomic append of more events than one transaction holds: the events in
//! chunks of the dedupe scope's limit, each chunk one atomic append at the version the previous
//! one ended at. What `esctl append --chunked` and Rust callers use above the limit; the
//! functions never chunk on their own (they answer a `Validation` error naming the limit).

use event_store_domain::{
    AppendOutcome, AppendRequest, Error, ExpectedVersion, NewEvent, StreamId,
};

use crate::DynamoEventStore;

/// A chunked append that stopped: the chunks stored before the failure, and the failure.
#[derive(Debug, thiserror::Error)]
#[error("chunk {} of the append failed after {} chunks were stored: {error}", .stored.len() + 1, .stored.len())]
pub struct ChunkedAppendError {
    /// The chunks stored, in order (their events are stored, atomically per chunk).
    pub stored: Vec<AppendOutcome>,
    /// Events of the request not stored: from this index on.
    pub first_unstored: usize,
    /// Why the next chunk was not stored.
    #[source]
    pub error: Error,
}

impl DynamoEventStore {
    /// Appends `events` to `stream` in chunks of at most the scope's limit (49 store-wide, 99
    /// per stream). The first chunk is appended at `expected`; each next one at the version the
    /// chunk before it ended at (`any` stays `any`), so with a known expected version another
    /// writer in between is a conflict, never interleaved. Each chunk is atomic and exactly once;
    /// the whole is not atomic: on failure, the chunks already stored stay stored and the error
    /// says which events were not.
    pub async fn append_chunked(
        &self,
        stream: &StreamId,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
    ) -> Result<Vec<AppendOutcome>, ChunkedAppendError> {
        let size = self.settings.dedupe_scope.max_events_per_append();
        let mut stored: Vec<AppendOutcome> = Vec::new();
        let mut expected = expected;
        let mut first = 0;
        for chunk in events.chunks(size) {
            let result = match AppendRequest::new(stream.clone(), expected, chunk.to_vec()) {
                Ok(request) => self.append(&request).await,
                Err(invalid) => Err(invalid.into()),
            };
            match result {
                Ok(outcome) => {
                    expected = match expected {
                        ExpectedVersion::Any | ExpectedVersion::StreamExists => {
                            ExpectedVersion::Any
                        }
                        _ => ExpectedVersion::Exact(outcome.last_version()),
                    };
                    first += chunk.len();
                    stored.push(outcome);
                }
                Err(error) => {
                    return Err(ChunkedAppendError {
                        stored,
                        first_unstored: first,
                        error,
                    })
                }
            }
        }
        Ok(stored)
    }
}
