//! Instants and durations as exact UTC milliseconds, the unit the store keeps.

use chrono::{DateTime, Local, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::{Add, Sub};

/// An instant in UTC with millisecond precision (unix milliseconds).
///
/// Invariant: every instant in the domain is whole milliseconds, so what is
/// computed in memory compares equal to what comes back from the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Timestamp(pub i64);

/// A length of time in milliseconds (may be negative when subtracting instants).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
pub struct Span(pub i64);

impl Span {
    /// No time at all.
    pub const ZERO: Span = Span(0);

    /// A span of whole seconds (saturating: an absurd count never wraps).
    pub const fn secs(secs: i64) -> Span {
        Span(secs.saturating_mul(1_000))
    }

    /// A span of whole minutes (saturating: an absurd count never wraps).
    pub const fn mins(mins: i64) -> Span {
        Span(mins.saturating_mul(60_000))
    }

    /// A span of whole hours (saturating: an absurd count never wraps).
    pub const fn hours(hours: i64) -> Span {
        Span(hours.saturating_mul(3_600_000))
    }

    /// The span in milliseconds.
    pub const fn millis(self) -> i64 {
        self.0
    }

    /// Whole minutes, rounded down.
    pub const fn whole_mins(self) -> i64 {
        self.0.div_euclid(60_000)
    }

    /// Formats the span for people: "2 h 10 min", "45 s", "1 day 2 h". The
    /// plain wording of a length, the same in every time zone: the domain's
    /// messages state limits with it, and `app::present::duration` shows
    /// lengths with it (its tests are there).
    ///
    /// Negative spans are shown as zero: a countdown never goes below it.
    pub fn human(self) -> String {
        let total_secs = self.0.max(0) / 1_000;
        let days = total_secs / 86_400;
        let hours = (total_secs % 86_400) / 3_600;
        let mins = (total_secs % 3_600) / 60;
        let secs = total_secs % 60;
        let mut parts = Vec::new();
        if days > 0 {
            parts.push(if days == 1 {
                "1 day".to_owned()
            } else {
                format!("{days} days")
            });
        }
        if hours > 0 {
            parts.push(format!("{hours} h"));
        }
        if mins > 0 && days == 0 {
            parts.push(format!("{mins} min"));
        }
        if (secs > 0 || parts.is_empty()) && days == 0 && hours == 0 {
            parts.push(format!("{secs} s"));
        }
        parts.join(" ")
    }

    /// Formats a duration given in whole minutes: "15 min", "1 h", "1 day", "1 week".
    pub fn human_mins(mins: u32) -> String {
        let mins = i64::from(mins);
        if mins > 0 && mins % (7 * 1_440) == 0 {
            let weeks = mins / (7 * 1_440);
            return if weeks == 1 {
                "1 week".to_owned()
            } else {
                format!("{weeks} weeks")
            };
        }
        Span::mins(mins).human()
    }
}

impl Timestamp {
    /// The earliest instant a person may name: the unix epoch.
    pub const EARLIEST: Timestamp = Timestamp(0);

    /// The latest instant a person may name: 9999-12-31 23:59:59.999 UTC, the
    /// end of the last year a date field accepts.
    pub const LATEST: Timestamp = Timestamp(253_402_300_799_999);

    /// Whether the instant lies within [`Timestamp::EARLIEST`, `Timestamp::LATEST`].
    ///
    /// Invariant: the rules check every instant a person typed or sent with
    /// this before any arithmetic, so time arithmetic on accepted instants
    /// stays far from the limits of `i64` and of chrono.
    pub const fn is_in_range(self) -> bool {
        self.0 >= Self::EARLIEST.0 && self.0 <= Self::LATEST.0
    }

    /// The instant `millis` milliseconds after the unix epoch.
    pub const fn from_millis(millis: i64) -> Timestamp {
        Timestamp(millis)
    }

    /// Unix milliseconds.
    pub const fn millis(self) -> i64 {
        self.0
    }

    /// Converts a chrono instant, dropping anything finer than a millisecond.
    pub fn from_utc(at: DateTime<Utc>) -> Timestamp {
        Timestamp(at.timestamp_millis())
    }

    /// The same instant as a chrono UTC date-time.
    pub fn to_utc(self) -> DateTime<Utc> {
        Utc.timestamp_millis_opt(self.0)
            .single()
            .unwrap_or(DateTime::<Utc>::MIN_UTC)
    }

    /// The instant in the computer's local time zone, for showing to people.
    pub fn to_local(self) -> DateTime<Local> {
        self.to_utc().with_timezone(&Local)
    }

    /// "2026-11-23 10:42" in local time. For people, use
    /// `app::present::local_minute`; this one goes once nothing calls it.
    pub fn local_minute(self) -> String {
        self.to_local().format("%Y-%m-%d %H:%M").to_string()
    }

    /// "2026-11-23 10:42:05" in local time.
    pub fn local_second(self) -> String {
        self.to_local().format("%Y-%m-%d %H:%M:%S").to_string()
    }

    /// The span from `earlier` to `self` (saturating: never wraps, never panics).
    pub const fn since(self, earlier: Timestamp) -> Span {
        Span(self.0.saturating_sub(earlier.0))
    }
}

impl Add<Span> for Timestamp {
    type Output = Timestamp;
    fn add(self, rhs: Span) -> Timestamp {
        Timestamp(self.0.saturating_add(rhs.0))
    }
}

impl Sub<Span> for Timestamp {
    type Output = Timestamp;
    fn sub(self, rhs: Span) -> Timestamp {
        Timestamp(self.0.saturating_sub(rhs.0))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.local_second())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 10, item 6: arithmetic on absurd instants and counts saturates
    /// instead of wrapping (release) or panicking (debug), and showing such an
    /// instant does not panic either.
    #[test]
    fn time_arithmetic_cannot_overflow() {
        let extremes = [i64::MIN, i64::MIN + 1, -1, 0, 1, i64::MAX - 1, i64::MAX];
        for a in extremes {
            for b in extremes {
                let span = Timestamp(a).since(Timestamp(b));
                assert_eq!(span.0, a.saturating_sub(b), "{a} since {b}");
                assert_eq!((Timestamp(a) + Span(b)).0, a.saturating_add(b));
                assert_eq!((Timestamp(a) - Span(b)).0, a.saturating_sub(b));
            }
            let _ = Timestamp(a).local_second();
            let _ = Span(a).human();
        }
        assert_eq!(Span::mins(i64::MAX), Span(i64::MAX));
        assert_eq!(Span::secs(i64::MIN), Span(i64::MIN));
        assert_eq!(Span::hours(i64::MAX / 2), Span(i64::MAX));
        assert_eq!(
            Span::mins(i64::from(u32::MAX)).millis(),
            i64::from(u32::MAX) * 60_000
        );
        let _ = Span::human_mins(u32::MAX);
        assert!(Timestamp::LATEST.is_in_range() && Timestamp::EARLIEST.is_in_range());
        assert!(!Timestamp(Timestamp::LATEST.0 + 1).is_in_range());
        assert!(!Timestamp(-1).is_in_range());
        assert_eq!(
            Timestamp::LATEST
                .to_utc()
                .format("%Y-%m-%d %H:%M:%S")
                .to_string(),
            "9999-12-31 23:59:59"
        );
    }

    #[test]
    fn utc_round_trip_is_exact_to_the_millisecond() {
        let at = Timestamp(1_795_000_000_123);
        assert_eq!(Timestamp::from_utc(at.to_utc()), at);
    }
}
