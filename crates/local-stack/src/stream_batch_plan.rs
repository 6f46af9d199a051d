//! What Lambda's stream event source mapping does after an invocation, as a pure decision:
//! checkpoint, retry what is left from the first failed record, split the batch in two, or give
//! up on it (to the on-failure queue). Each retry counts one attempt against `retry_attempts`
//! for the records it carries; the halves of a split inherit the count of their batch.

use crate::StreamMappingDefinition;

/// How an invocation with a batch of `len` records ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchOutcome {
    /// Every record was processed.
    Completed,
    /// The function reported records from index `first_failed` on as failed (`batchItemFailures`,
    /// the earliest one counts): the ones before it are done.
    FailedFrom(usize),
    /// The function failed as a whole (an error, a timeout, an unreadable answer).
    FunctionError,
}

/// What to do next with a batch that was invoked after `attempts` earlier attempts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchPlan {
    /// Done: checkpoint after its last record.
    Checkpoint,
    /// Checkpoint before record `from`, and invoke again with the records from `from` on.
    RetryFrom {
        /// The first record of the retry.
        from: usize,
    },
    /// Invoke `[..mid]` and then `[mid..]` as separate batches.
    Split {
        /// Where the second half starts.
        mid: usize,
    },
    /// Out of attempts: describe the records from `from` on to the on-failure queue and
    /// checkpoint after the batch (records before `from` were processed).
    GiveUp {
        /// The first record given up on.
        from: usize,
    },
}

/// The plan after `outcome` for a batch of `len` records that had `attempts` earlier attempts.
pub fn plan_after(
    outcome: BatchOutcome,
    len: usize,
    attempts: u32,
    settings: &StreamMappingDefinition,
) -> BatchPlan {
    let out_of_attempts = attempts >= settings.retry_attempts;
    match outcome {
        BatchOutcome::Completed => BatchPlan::Checkpoint,
        BatchOutcome::FailedFrom(from) if from >= len => BatchPlan::Checkpoint,
        BatchOutcome::FailedFrom(from) if out_of_attempts => BatchPlan::GiveUp { from },
        BatchOutcome::FailedFrom(from) => BatchPlan::RetryFrom { from },
        BatchOutcome::FunctionError if out_of_attempts => BatchPlan::GiveUp { from: 0 },
        BatchOutcome::FunctionError if settings.bisect_on_error && len > 1 => {
            BatchPlan::Split { mid: len / 2 }
        }
        BatchOutcome::FunctionError => BatchPlan::RetryFrom { from: 0 },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(bisect: bool, retries: u32) -> StreamMappingDefinition {
        StreamMappingDefinition {
            batch_size: 100,
            batching_window_seconds: 1,
            bisect_on_error: bisect,
            retry_attempts: retries,
            max_record_age_seconds: 86_400,
            parallelization_factor: 1,
            filter: serde_json::json!({}),
        }
    }

    #[test]
    fn a_completed_batch_is_checkpointed() {
        assert_eq!(
            plan_after(BatchOutcome::Completed, 10, 0, &settings(true, 3)),
            BatchPlan::Checkpoint
        );
    }

    #[test]
    fn a_partial_failure_retries_from_the_first_failed_record() {
        assert_eq!(
            plan_after(BatchOutcome::FailedFrom(4), 10, 0, &settings(true, 3)),
            BatchPlan::RetryFrom { from: 4 }
        );
    }

    #[test]
    fn a_failure_past_the_end_of_the_batch_is_no_failure() {
        assert_eq!(
            plan_after(BatchOutcome::FailedFrom(10), 10, 0, &settings(true, 3)),
            BatchPlan::Checkpoint
        );
    }

    #[test]
    fn a_function_error_splits_the_batch_when_bisecting() {
        assert_eq!(
            plan_after(BatchOutcome::FunctionError, 9, 0, &settings(true, 3)),
            BatchPlan::Split { mid: 4 }
        );
        assert_eq!(
            plan_after(BatchOutcome::FunctionError, 1, 0, &settings(true, 3)),
            BatchPlan::RetryFrom { from: 0 }
        );
        assert_eq!(
            plan_after(BatchOutcome::FunctionError, 9, 0, &settings(false, 3)),
            BatchPlan::RetryFrom { from: 0 }
        );
    }

    #[test]
    fn out_of_attempts_the_rest_of_the_batch_is_given_up() {
        assert_eq!(
            plan_after(BatchOutcome::FunctionError, 9, 3, &settings(true, 3)),
            BatchPlan::GiveUp { from: 0 }
        );
        assert_eq!(
            plan_after(BatchOutcome::FailedFrom(2), 9, 3, &settings(true, 3)),
            BatchPlan::GiveUp { from: 2 }
        );
        assert_eq!(
            plan_after(BatchOutcome::FailedFrom(2), 9, 2, &settings(true, 3)),
            BatchPlan::RetryFrom { from: 2 }
        );
    }
}
