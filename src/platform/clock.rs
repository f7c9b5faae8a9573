//! The system clock: the only place that reads the computer's time.

use crate::domain::Timestamp;
use crate::domain::clock::Clock;

/// Reads the computer's clock, truncated to whole milliseconds.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[expect(clippy::disallowed_methods, reason = "this is the one system clock")]
    fn now(&self) -> Timestamp {
        Timestamp::from_utc(chrono::Utc::now())
    }
}
