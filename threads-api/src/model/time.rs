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
    DateTime::parse_from_rfc3339(s)
        .or_else(|_| DateTime::<FixedOffset>::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f%z"))
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

/// Formats a timestamp the way Meta does (`2023-10-17T05:42:03+0000`).
pub fn format(at: &DateTime<Utc>) -> String {
    at.format(FORMAT).to_string()
}

/// `#[serde(with = "...")]` for a `DateTime<Utc>` field.
pub mod iso {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    /// Serializes as `2023-10-17T05:42:03+0000`.
    pub fn serialize<S: Serializer>(at: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&super::format(at))
    }

    /// Deserializes any of the accepted forms.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<DateTime<Utc>, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        super::parse(&s).ok_or_else(|| {
            serde::de::Error::custom(format_args!(
                "invalid timestamp {s:?}, expected e.g. 2023-10-17T05:42:03+0000"
            ))
        })
    }
}

/// `#[serde(with = "...", default)]` for an `Option<DateTime<Utc>>` field
/// (`null` reads as `None`).
pub mod iso_opt {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

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
        let s = <Option<std::borrow::Cow<'de, str>>>::deserialize(deserializer)?;
        match s {
            None => Ok(None),
            Some(s) => super::parse(&s).map(Some).ok_or_else(|| {
                serde::de::Error::custom(format_args!(
                    "invalid timestamp {s:?}, expected e.g. 2023-10-17T05:42:03+0000"
                ))
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
