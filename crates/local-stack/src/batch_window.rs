//! When a mapping stops gathering a batch and invokes: once it holds `batchSize` records, or once
//! the batching window, counted from the first record, is over; an empty poll waits a little
//! before the next one (polls are short: the local endpoint answers one request at a time).

use std::time::{Duration, Instant};

/// How long to wait after an empty poll, at most.
pub const IDLE_POLL: Duration = Duration::from_millis(200);

/// What to do after a poll.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextPoll {
    /// Invoke with what is gathered (or, with nothing gathered, report an empty batch).
    Deliver,
    /// Poll again after this pause.
    After(Duration),
}

/// The gathering of one batch.
#[derive(Debug)]
pub struct BatchWindow {
    wanted: usize,
    window: Duration,
    first_at: Option<Instant>,
}

impl BatchWindow {
    /// A batch of up to `wanted` records gathered for at most `window`.
    pub fn new(wanted: u32, window_seconds: u32) -> Self {
        Self {
            wanted: wanted.max(1) as usize,
            window: Duration::from_secs(u64::from(window_seconds)),
            first_at: None,
        }
    }

    /// How many more records the batch can take.
    pub fn room(&self, gathered: usize) -> usize {
        self.wanted.saturating_sub(gathered)
    }

    /// After a poll that brought `got` records, `gathered` in all.
    pub fn after_poll(&mut self, gathered: usize, got: usize, now: Instant) -> NextPoll {
        if gathered == 0 {
            return NextPoll::Deliver;
        }
        let first = *self.first_at.get_or_insert(now);
        let waited = now.saturating_duration_since(first);
        if gathered >= self.wanted || waited >= self.window {
            return NextPoll::Deliver;
        }
        if got == 0 {
            NextPoll::After(IDLE_POLL.min(self.window - waited))
        } else {
            NextPoll::After(Duration::ZERO)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_gathered_is_delivered_at_once_as_an_empty_batch() {
        let mut window = BatchWindow::new(10, 1);
        assert_eq!(window.after_poll(0, 0, Instant::now()), NextPoll::Deliver);
    }

    #[test]
    fn a_full_batch_is_delivered_at_once() {
        let mut window = BatchWindow::new(3, 5);
        assert_eq!(window.after_poll(3, 3, Instant::now()), NextPoll::Deliver);
        assert_eq!(window.room(3), 0);
    }

    #[test]
    fn a_partial_batch_waits_for_the_window_counted_from_its_first_record() {
        let mut window = BatchWindow::new(10, 1);
        let start = Instant::now();
        assert_eq!(
            window.after_poll(2, 2, start),
            NextPoll::After(Duration::ZERO)
        );
        assert_eq!(
            window.after_poll(2, 0, start + Duration::from_millis(900)),
            NextPoll::After(Duration::from_millis(100))
        );
        assert_eq!(
            window.after_poll(2, 0, start + Duration::from_secs(1)),
            NextPoll::Deliver
        );
    }

    #[test]
    fn no_window_delivers_what_the_first_poll_brought() {
        let mut window = BatchWindow::new(10, 0);
        assert_eq!(window.after_poll(4, 4, Instant::now()), NextPoll::Deliver);
    }
}
