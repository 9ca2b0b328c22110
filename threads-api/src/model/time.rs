//! Serde helpers for Threads timestamps.
//!
//! Media `timestamp`, poll `expiration_timestamp`, insights `end_time`, webhook
//! `deleted_at` and `ghost_post_expiration_timestamp` use ISO-8601 with a
//! colon-less offset: `2023-10-17T05:42:03+0000`. These helpers write that form
//! and read it, plus the RFC 3339 forms `...Z` and `...+00:00` (and fractional
//! seconds), converting to UTC.
//!
//! ```
//! use chrono::{DateTime, Utc};
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Serialize, Deserialize)]
//! struct Row {
//!     #[serde(with = "threads_api::model::time::iso")]
//!     at: DateTime<Utc>,
//! }
//!
//! let row: Row = serde_json::from_str(r#"{"at":"2023-10-17T07:42:03+0200"}"#).unwrap();
//! assert_eq!(serde_json::to_string(&row).unwrap(), r#"{"at":"2023-10-17T05:42:03+0000"}"#);
//! ```

use chrono::{DateTime, FixedOffset, Utc};

/// The `strftime` format Meta uses: `2023-10-17T05:42:03+0000`.
pub const FORMAT: &str = "%Y-%m-%dT%H:%M:%S%z";

/// Parses a Threads timestamp (`+0000`, `+00:00` or `Z` offsets).
pub fn parse(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Some(at) = parse_meta_form(s) {
        return Some(at);
    }
    DateTime::parse_from_rfc3339(s)
        .or_else(|_| DateTime::<FixedOffset>::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f%z"))
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

/// The fast path for Meta's own form, `2023-10-17T05:42:03+0000`: the offset gets its
/// colon back (on the stack) and the RFC 3339 parser reads it, which is much cheaper
/// than the `strftime`-style parser. `None` when `s` is not exactly that form.
fn parse_meta_form(s: &str) -> Option<DateTime<Utc>> {
    let b = s.as_bytes();
    if b.len() != 24
        || b[10] != b'T'
        || !matches!(b[19], b'+' | b'-')
        || !b[20..].iter().all(u8::is_ascii_digit)
    {
        return None;
    }
    let mut buf = [0u8; 25];
    buf[..22].copy_from_slice(&b[..22]);
    buf[22] = b':';
    buf[23..].copy_from_slice(&b[22..]);
    let text = std::str::from_utf8(&buf).ok()?;
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

/// Reads a timestamp string without copying it (known forms allocate nothing).
struct TimestampVisitor;

impl serde::de::Visitor<'_> for TimestampVisitor {
    type Value = DateTime<Utc>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a timestamp such as 2023-10-17T05:42:03+0000")
    }

    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<DateTime<Utc>, E> {
        parse(s).ok_or_else(|| {
            E::custom(format_args!(
                "invalid timestamp {s:?}, expected e.g. 2023-10-17T05:42:03+0000"
            ))
        })
    }
}

/// Reads `null` (as `None`) or a timestamp string.
struct OptTimestampVisitor;

impl<'de> serde::de::Visitor<'de> for OptTimestampVisitor {
    type Value = Option<DateTime<Utc>>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("null or a timestamp such as 2023-10-17T05:42:03+0000")
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(TimestampVisitor).map(Some)
    }
}

/// Formats a timestamp the way Meta does (`2023-10-17T05:42:03+0000`).
pub fn format(at: &DateTime<Utc>) -> String {
    at.format(FORMAT).to_string()
}

/// `#[serde(with = "...")]` for a `DateTime<Utc>` field.
pub mod iso {
    use chrono::{DateTime, Utc};
    use serde::{Deserializer, Serializer};

    /// Serializes as `2023-10-17T05:42:03+0000`.
    pub fn serialize<S: Serializer>(at: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&super::format(at))
    }

    /// Deserializes any of the accepted forms.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<DateTime<Utc>, D::Error> {
        deserializer.deserialize_str(super::TimestampVisitor)
    }
}

/// `#[serde(with = "...", default)]` for an `Option<DateTime<Utc>>` field
/// (`null` reads as `None`).
pub mod iso_opt {
    use chrono::{DateTime, Utc};
    use serde::{Deserializer, Serializer};

    /// Serializes `Some` as `2023-10-17T05:42:03+0000` and `None` as `null`.
    pub fn serialize<S: Serializer>(
        at: &Option<DateTime<Utc>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match at {
            Some(at) => super::iso::serialize(at, serializer),
            None => serializer.serialize_none(),
        }
    }

    /// Deserializes `null` or any of the accepted forms.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<DateTime<Utc>>, D::Error> {
        deserializer.deserialize_option(super::OptTimestampVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_form_fast_path_agrees_with_the_general_parser() {
        for s in [
            "2023-10-17T05:42:03+0000",
            "2023-10-17T07:42:03+0200",
            "2023-10-16T23:12:03-0630",
            "2024-02-29T23:59:59+1400",
        ] {
            let general = DateTime::<FixedOffset>::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f%z")
                .unwrap()
                .with_timezone(&Utc);
            assert_eq!(parse_meta_form(s), Some(general), "{s}");
            assert_eq!(parse(s), Some(general), "{s}");
        }
        for s in [
            "2023-10-17T05:42:03Z",
            "2023-10-17T05:42:03+00:00",
            "2023-10-17T05:42:03+00a0",
            "2023-10-17 05:42:03+0000",
            "2023-10-17t05:42:03+0000",
            "2023-02-30T05:42:03+0000",
        ] {
            assert_eq!(parse_meta_form(s), None, "{s}");
        }
        assert_eq!(parse("2023-02-30T05:42:03+0000"), None);
    }

    #[test]
    fn parses_all_offset_forms() {
        let want = parse("2023-10-17T05:42:03+0000").unwrap();
        for s in [
            "2023-10-17T05:42:03Z",
            "2023-10-17T05:42:03+00:00",
            "2023-10-17T07:42:03+0200",
            "2023-10-17T05:42:03.000+0000",
        ] {
            assert_eq!(parse(s), Some(want), "{s}");
        }
        assert_eq!(format(&want), "2023-10-17T05:42:03+0000");
        assert_eq!(want.timestamp(), 1_697_521_323);
    }

    #[test]
    fn rejects_garbage() {
        for s in ["", "yesterday", "2023-10-17", "2023-13-17T05:42:03+0000"] {
            assert_eq!(parse(s), None, "{s}");
        }
    }
}
