//! When an invocation must stop working: its deadline (what Lambda's context says) less a margin
//! to checkpoint and answer, as an `Instant`.

use std::time::{Duration, Instant};

/// `margin` before the invocation's deadline (half the time left when that is less than twice
/// the margin, so an invocation always gets on), or `None` when the context has none (tests, a
/// handler called directly) or one already past when the invocation starts (`cargo lambda watch`
/// sends its timeout, 600000 ms, where Lambda sends an epoch).
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
    let now_ms = now_ms.max(0) as u64;
    if deadline_ms <= now_ms {
        return None;
    }
    let left = Duration::from_millis(deadline_ms - now_ms);
    let working = if left >= margin * 2 {
        left - margin
    } else {
        left / 2
    };
    Some(Instant::now() + working)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_deadline_or_one_already_past_means_no_stop() {
        assert_eq!(stop_before(0, 1_000, Duration::from_secs(1)), None);
        assert_eq!(stop_before(1_000, 5_000, Duration::from_secs(1)), None);
        // What `cargo lambda watch` sends: its timeout in milliseconds, not an epoch.
        let now = chrono::Utc::now().timestamp_millis();
        assert_eq!(stop_before(600_000, now, Duration::from_secs(10)), None);
    }

    #[test]
    fn the_stop_comes_a_margin_before_the_deadline() {
        let stop = stop_before(61_000, 1_000, Duration::from_secs(10)).unwrap();
        let left = stop - Instant::now();
        assert!(left <= Duration::from_secs(50) && left > Duration::from_secs(49));
        // Less than twice the margin left: half of it, so the invocation still gets on.
        let short = stop_before(7_000, 1_000, Duration::from_secs(10)).unwrap() - Instant::now();
        assert!(short <= Duration::from_secs(3) && short > Duration::from_millis(2_900));
    }
}
