//! The virtual clock: every time-based rule of the emulator (token lifetimes, container
//! processing and expiry, rolling quotas, insights growth, webhook retry backoff) reads this
//! clock, never the wall clock. Tests move it with [`crate::Admin::advance`] or
//! [`crate::Admin::set_time`].

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

/// Default start of virtual time: 2026-01-01T00:00:00+0000.
pub const DEFAULT_START: i64 = 1_767_225_600;

/// Virtual time in whole Unix seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct VirtualClock {
    now: i64,
}

impl VirtualClock {
    pub(crate) fn new(start: i64) -> Self {
        Self { now: start }
    }

    pub(crate) fn now(&self) -> i64 {
        self.now
    }

    /// Moves the clock forward; negative values are ignored (time never runs backwards
    /// through `advance`).
    pub(crate) fn advance(&mut self, seconds: i64) {
        self.now = self.now.saturating_add(seconds.max(0));
    }

    pub(crate) fn set(&mut self, unix: i64) {
        self.now = unix;
    }
}

/// Formats Unix seconds the way the Threads API does: `2023-10-17T05:42:03+0000`.
pub fn format_timestamp(unix: i64) -> String {
    match DateTime::<Utc>::from_timestamp(unix, 0) {
        Some(t) => t.format("%Y-%m-%dT%H:%M:%S%z").to_string(),
        None => "1970-01-01T00:00:00+0000".to_owned(),
    }
}

/// Parses a `since`/`until` value: a Unix timestamp, or a date/time in one of the forms
/// PHP's `strtotime()` commonly accepts (`2023-10-15`, `2023-10-15 10:00:00`,
/// `2023-10-15T10:00:00`, RFC 3339 / `+0000` offsets).
pub(crate) fn parse_time_param(value: &str) -> Option<i64> {
    let v = value.trim();
    if let Ok(n) = v.parse::<i64>() {
        return Some(n);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(v) {
        return Some(t.timestamp());
    }
    if let Ok(t) = DateTime::parse_from_str(v, "%Y-%m-%dT%H:%M:%S%z") {
        return Some(t.timestamp());
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(v, fmt) {
            return Some(t.and_utc().timestamp());
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(v, "%Y-%m-%d") {
        return d.and_hms_opt(0, 0, 0).map(|t| t.and_utc().timestamp());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_with_compact_offset() {
        assert_eq!(format_timestamp(1_697_521_323), "2023-10-17T05:42:03+0000");
    }

    #[test]
    fn parses_unix_and_dates() {
        assert_eq!(parse_time_param("1697521323"), Some(1_697_521_323));
        assert_eq!(parse_time_param("2023-10-17"), Some(1_697_500_800));
        assert_eq!(
            parse_time_param("2023-10-17T05:42:03+0000"),
            Some(1_697_521_323)
        );
        assert_eq!(parse_time_param("yesterday-ish"), None);
    }

    #[test]
    fn advance_never_goes_back() {
        let mut c = VirtualClock::new(100);
        c.advance(-50);
        assert_eq!(c.now(), 100);
        c.advance(20);
        assert_eq!(c.now(), 120);
        c.set(5);
        assert_eq!(c.now(), 5);
    }
}
