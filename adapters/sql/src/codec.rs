//! Conversions between records and column values.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;
use store_traits::{Error, FenceToken, RecordKind, Result};

use crate::value::{Param, Row};

/// An instant as nanoseconds since the Unix epoch (the `*_ns` columns).
pub(crate) fn ns(at: DateTime<Utc>) -> Result<i64> {
    at.timestamp_nanos_opt().ok_or_else(|| {
        Error::InvalidInput(format!(
            "instant {at} is outside the storable range (years 1677 to 2262)"
        ))
    })
}

/// An optional instant as nanoseconds.
pub(crate) fn opt_ns(at: Option<DateTime<Utc>>) -> Result<Option<i64>> {
    at.map(ns).transpose()
}

/// Nanoseconds back to an instant.
pub(crate) fn time(ns: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_nanos(ns)
}

/// A record as its JSON document.
pub(crate) fn to_doc<T: Serialize>(value: &T, kind: RecordKind) -> Result<String> {
    serde_json::to_string(value).map_err(|e| Error::backend(format!("encoding a {kind}"), e))
}

/// A JSON document back to its record.
pub(crate) fn from_doc<T: DeserializeOwned>(doc: &str, kind: RecordKind) -> Result<T> {
    serde_json::from_str(doc).map_err(|e| Error::backend(format!("decoding a stored {kind}"), e))
}

/// The record in the first column of an optional row.
pub(crate) fn doc_of<T: DeserializeOwned>(row: Option<Row>, kind: RecordKind) -> Result<Option<T>> {
    row.map(|r| from_doc(&r.get::<String>(0)?, kind))
        .transpose()
}

/// The records in the first column of each row.
pub(crate) fn docs_of<T: DeserializeOwned>(rows: Vec<Row>, kind: RecordKind) -> Result<Vec<T>> {
    rows.iter()
        .map(|r| from_doc(&r.get::<String>(0)?, kind))
        .collect()
}

/// A fencing token as a column value.
pub(crate) fn fence_value(fence: FenceToken) -> Result<i64> {
    i64::try_from(fence.get())
        .map_err(|_| Error::InvalidInput(format!("fencing token {fence} is out of range")))
}

/// An optional fencing token as a column value.
pub(crate) fn opt_fence(fence: Option<FenceToken>) -> Result<Option<i64>> {
    fence.map(fence_value).transpose()
}

/// A stored fencing token back to its type (stored values are never negative).
pub(crate) fn fence_from(value: Option<i64>) -> Option<FenceToken> {
    value
        .and_then(|v| u64::try_from(v).ok())
        .map(FenceToken::new)
}

/// A stored count (attempts, units) back to `u32`.
pub(crate) fn count(value: i64, what: &'static str) -> Result<u32> {
    u32::try_from(value)
        .map_err(|e| Error::backend(format!("stored {what} {value} is out of range"), e))
}

/// A version counter as a column value.
pub(crate) fn version_value(version: u64) -> Result<i64> {
    i64::try_from(version)
        .map_err(|_| Error::InvalidInput(format!("version {version} is out of range")))
}

/// A stored version counter back to `u64` (stored values are never negative).
pub(crate) fn stored_version(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

/// A list of enum texts for [`Backend::text_in`](crate::Backend::text_in);
/// an empty list (meaning "any") binds as `NULL`.
pub(crate) fn text_set<T: std::fmt::Display>(values: &[T]) -> Param {
    if values.is_empty() {
        Param::TextList(None)
    } else {
        Param::TextList(Some(values.iter().map(ToString::to_string).collect()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn instants_round_trip_through_nanoseconds() {
        let at = Utc
            .with_ymd_and_hms(2026, 11, 23, 14, 0, 0)
            .single()
            .expect("valid date")
            + chrono::TimeDelta::nanoseconds(123_456_789);
        assert_eq!(time(ns(at).expect("in range")), at);
    }

    #[test]
    fn instants_beyond_2262_are_rejected_not_truncated() {
        let far = Utc
            .with_ymd_and_hms(2300, 1, 1, 0, 0, 0)
            .single()
            .expect("valid date");
        assert!(matches!(ns(far), Err(Error::InvalidInput(_))));
    }

    #[test]
    fn empty_state_sets_mean_any() {
        assert_eq!(text_set::<String>(&[]), Param::TextList(None));
        assert_eq!(
            text_set(&["queued", "running"]),
            Param::TextList(Some(vec!["queued".to_owned(), "running".to_owned()]))
        );
    }

    #[test]
    fn fencing_tokens_round_trip_and_huge_ones_are_rejected() {
        let fence = FenceToken::new(42);
        assert_eq!(fence_from(Some(fence_value(fence).unwrap())), Some(fence));
        assert!(matches!(
            fence_value(FenceToken::new(u64::MAX)),
            Err(Error::InvalidInput(_))
        ));
        assert_eq!(fence_from(Some(-1)), None);
    }
}
