//! The one source of time (R-TIME-1): a trait, and a fixed clock for tests.

use super::time::{Span, Timestamp};
use std::sync::atomic::{AtomicI64, Ordering};

/// Tells the current instant. Only `main.rs` builds the system clock; everything
/// else receives instants as values.
pub trait Clock: Send + Sync {
    /// The current instant, whole milliseconds.
    fn now(&self) -> Timestamp;
}

/// A clock that stands still until a test moves it. Safe to share between threads.
#[derive(Debug)]
pub struct FixedClock {
    millis: AtomicI64,
}

impl FixedClock {
    /// A clock standing at `at`.
    pub fn new(at: Timestamp) -> FixedClock {
        FixedClock {
            millis: AtomicI64::new(at.millis()),
        }
    }

    /// Moves the clock to `at` (backwards too, for tests of clock skew).
    pub fn set(&self, at: Timestamp) {
        self.millis.store(at.millis(), Ordering::SeqCst);
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Span) {
        self.millis.fetch_add(by.millis(), Ordering::SeqCst);
    }
}

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        Timestamp(self.millis.load(Ordering::SeqCst))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_clock_moves_only_when_told() {
        let clock = FixedClock::new(Timestamp(1_000));
        assert_eq!(clock.now(), Timestamp(1_000));
        clock.advance(Span::secs(2));
        assert_eq!(clock.now(), Timestamp(3_000));
        clock.set(Timestamp(10));
        assert_eq!(clock.now(), Timestamp(10));
    }
}
