//! When an invocation must stop working: its deadline (what Lambda's context says) less a margin
//! to checkpoint and answer, as an `Instant`.

use std::time::{Duration, Instant};

/// `margin` before the invocation's deadline, or `None` when the context has none (tests, a
/// handler called directly).
pub fn stop_before_deadline(
    context: &lambda_runtime::Context,
    margin: Duration,
) -> Option<Instant> {
    stop_before(
        context.deadline,
        chrono::Utc::now().timestamp_millis(),
        margin,
    )
}

fn stop_before(deadline_ms: u64, now_ms: i64, margin: Duration) -> Option<Instant> {
    if deadline_ms == 0 {
        return None;
    }
    let left = Duration::from_millis(deadline_ms.saturating_sub(now_ms.max(0) as u64));
    Some(Instant::now() + left.saturating_sub(margin))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_deadline_means_no_stop() {
        assert_eq!(stop_before(0, 1_000, Duration::from_secs(1)), None);
    }

    #[test]
    fn the_stop_comes_a_margin_before_the_deadline() {
        let stop = stop_before(61_000, 1_000, Duration::from_secs(10)).unwrap();
        let left = stop - Instant::now();
        assert!(left <= Duration::from_secs(50) && left > Duration::from_secs(49));
        // A deadline already past, or nearer than the margin: stop now.
        assert!(stop_before(1_000, 5_000, Duration::from_secs(1)).unwrap() <= Instant::now());
    }
}
