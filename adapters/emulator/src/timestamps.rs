//! Timestamps as the Threads API writes and reads them: `2023-10-17T05:42:03+0000` in
//! responses, Unix seconds or `strtotime()`-style dates in `since` / `until`.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

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
}
