//! The emulator's time source. Every time-based rule (token lifetimes, container processing
//! and expiry, rolling quotas, insights growth, webhook retry backoff) reads
//! [`EmulatorClock::now`], in whole Unix seconds, and nothing reads the wall clock directly.
//!
//! The time comes from a [`token_crypto::Clock`], the workspace's one time abstraction:
//!
//! - a [`ManualClock`] (the in-process default, or one the caller shares with the rest of a
//!   test) is moved by [`crate::Admin::advance`] and [`crate::Admin::set_time`] themselves,
//!   so everything else reading that clock sees the jump;
//! - any other clock ([`token_crypto::SystemClock`], the binary's default, or a clock whose
//!   concrete type the emulator cannot see) cannot be moved, so the emulator keeps an offset
//!   on top of it: its time is the clock's time plus the offset, and the admin calls change
//!   the offset.

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use token_crypto::{Clock, ManualClock};

/// Default start of the in-process emulator's manual clock (and of the binary's
/// `--manual-clock`): 2026-01-01T00:00:00+0000.
pub const DEFAULT_START: i64 = 1_767_225_600;

/// Where the time comes from.
#[derive(Debug, Clone)]
pub(crate) enum Source {
    /// A clock the emulator moves itself.
    Manual(Arc<ManualClock>),
    /// A clock the emulator only reads; moves go into an offset.
    Read(Arc<dyn Clock>),
}

impl Source {
    /// Sorts a caller's clock: a [`ManualClock`], owned or in an `Arc`, is movable; any other
    /// type (including `Arc<dyn Clock>`, whose concrete type is hidden) is read-only.
    pub(crate) fn of<C: Clock + 'static>(clock: C) -> Self {
        let any: &dyn std::any::Any = &clock;
        if let Some(shared) = any.downcast_ref::<Arc<ManualClock>>() {
            return Self::Manual(Arc::clone(shared));
        }
        if let Some(owned) = any.downcast_ref::<ManualClock>() {
            // Nobody else holds an owned clock: a fresh one at its time is the same clock.
            return Self::Manual(Arc::new(ManualClock::new(owned.now())));
        }
        Self::Read(Arc::new(clock))
    }
}

/// The emulator's clock: a [`Source`] plus, for read-only sources, an offset in seconds.
#[derive(Debug, Clone)]
pub(crate) struct EmulatorClock {
    source: Source,
    offset: i64,
    /// The emulator's time when it started (what [`EmulatorClock::reset`] returns to).
    start: i64,
    /// The offset at start (read-only sources).
    start_offset: i64,
}

fn instant(unix: i64) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp(unix, 0).unwrap_or(if unix < 0 {
        DateTime::<Utc>::MIN_UTC
    } else {
        DateTime::<Utc>::MAX_UTC
    })
}

impl EmulatorClock {
    /// A clock reading `source`, moved to `start` first when given (a manual source is set
    /// to it; a read-only source gets the offset that makes its time read `start`).
    pub(crate) fn new(source: Source, start: Option<i64>) -> Self {
        let mut clock = Self {
            source,
            offset: 0,
            start: 0,
            start_offset: 0,
        };
        if let Some(t) = start {
            clock.set(t);
        }
        clock.start = clock.now();
        clock.start_offset = clock.offset;
        clock
    }

    /// A fresh manual clock at `start`.
    pub(crate) fn manual(start: i64) -> Self {
        Self::new(
            Source::Manual(Arc::new(ManualClock::new(instant(start)))),
            None,
        )
    }

    /// Current time in whole Unix seconds.
    pub(crate) fn now(&self) -> i64 {
        match &self.source {
            Source::Manual(m) => m.now().timestamp(),
            Source::Read(c) => c.now().timestamp().saturating_add(self.offset),
        }
    }

    /// Moves the time forward; negative values are ignored (time never runs backwards
    /// through `advance`).
    pub(crate) fn advance(&mut self, seconds: i64) {
        let seconds = seconds.max(0);
        match &self.source {
            Source::Manual(m) => {
                m.advance(TimeDelta::try_seconds(seconds).unwrap_or(TimeDelta::MAX))
            }
            Source::Read(_) => self.offset = self.offset.saturating_add(seconds),
        }
    }

    /// Jumps to `unix` (backwards too).
    pub(crate) fn set(&mut self, unix: i64) {
        match &self.source {
            Source::Manual(m) => m.set(instant(unix)),
            Source::Read(c) => self.offset = unix.saturating_sub(c.now().timestamp()),
        }
    }

    /// Returns to the start: a manual clock is set back to the start time; a read-only
    /// clock gets its starting offset back (its own time has moved on meanwhile).
    pub(crate) fn reset(&mut self) {
        match &self.source {
            Source::Manual(m) => m.set(instant(self.start)),
            Source::Read(_) => self.offset = self.start_offset,
        }
    }

    /// Whether the emulator moves this clock itself (a [`ManualClock`]); otherwise time
    /// passes on its own and moves only add an offset.
    pub(crate) fn is_manual(&self) -> bool {
        matches!(self.source, Source::Manual(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advance_never_goes_back() {
        let mut c = EmulatorClock::manual(100);
        c.advance(-50);
        assert_eq!(c.now(), 100);
        c.advance(20);
        assert_eq!(c.now(), 120);
        c.set(5);
        assert_eq!(c.now(), 5);
        c.reset();
        assert_eq!(c.now(), 100);
    }

    #[test]
    fn a_shared_manual_clock_is_moved_not_offset() {
        let shared = Arc::new(ManualClock::new(instant(1_000)));
        let mut c = EmulatorClock::new(Source::of(shared.clone()), None);
        assert!(c.is_manual());
        assert_eq!(c.now(), 1_000);
        c.advance(60);
        assert_eq!(shared.now().timestamp(), 1_060);
        shared.advance(TimeDelta::seconds(40));
        assert_eq!(c.now(), 1_100);
        c.set(7);
        assert_eq!(shared.now().timestamp(), 7);
    }

    #[test]
    fn a_read_only_clock_gets_an_offset() {
        // An `Arc<dyn Clock>` hides its concrete type: the emulator only reads it.
        let inner = Arc::new(ManualClock::new(instant(5_000)));
        let hidden: Arc<dyn Clock> = inner.clone();
        let mut c = EmulatorClock::new(Source::of(hidden), Some(10_000));
        assert!(!c.is_manual());
        assert_eq!(c.now(), 10_000);
        c.advance(30);
        assert_eq!(c.now(), 10_030);
        assert_eq!(inner.now().timestamp(), 5_000, "the source is never moved");
        inner.advance(TimeDelta::seconds(5));
        assert_eq!(c.now(), 10_035, "the source's own movement shows through");
        c.set(20_000);
        assert_eq!(c.now(), 20_000);
        c.reset();
        assert_eq!(c.now(), 10_005);
    }

    #[test]
    fn an_owned_manual_clock_is_movable_and_times_saturate() {
        let mut c = EmulatorClock::new(Source::of(ManualClock::new(instant(0))), None);
        assert!(c.is_manual());
        c.advance(i64::MAX);
        assert!(c.now() > 0);
        c.set(i64::MIN);
        assert!(c.now() < 0);
    }
}
