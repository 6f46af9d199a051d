//! The store's one retry policy: jittered exponential backoff from 5 ms, doubling, capped at
//! 200 ms per wait, for a bounded number of tries. Every place the store tries again uses it:
//! an append that lost a race for a stream's head, a transaction cancelled for a passing reason,
//! PutEvents entries EventBridge refused for a passing reason, BatchGetItem's unprocessed keys, a
//! read-model document another projector instance wrote first.

use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBackoff, ExponentialBuilder};

/// The waits between `tries` tries (so `tries - 1` of them), jittered.
pub fn waits(tries: usize) -> ExponentialBackoff {
    ExponentialBuilder::new()
        .with_min_delay(Duration::from_millis(5))
        .with_max_delay(Duration::from_millis(200))
        .with_factor(2.0)
        .with_max_times(tries.saturating_sub(1))
        .with_jitter()
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_waits_are_bounded_in_number_and_length() {
        let waits: Vec<Duration> = waits(8).collect();
        assert_eq!(waits.len(), 7);
        assert!(
            waits.iter().all(|w| *w <= Duration::from_millis(400)),
            "{waits:?}"
        );
        assert_eq!(super::waits(1).count(), 0);
    }
}
