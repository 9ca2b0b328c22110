//! Conversions between records and column values, and driver-error mapping.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;
use store_traits::{Error, FenceToken, RecordKind, Result};

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

/// Decodes a list of documents.
pub(crate) fn from_docs<T: DeserializeOwned>(
    docs: Vec<String>,
    kind: RecordKind,
) -> Result<Vec<T>> {
    docs.iter().map(|d| from_doc(d, kind)).collect()
}

/// Maps a driver error to a store error, naming the failed operation.
pub(crate) fn db(context: &'static str) -> impl FnOnce(sqlx::Error) -> Error {
    move |source| Error::backend(context, source)
}

/// Whether a driver error is a unique-constraint violation.
pub(crate) fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(e) if e.is_unique_violation())
}

/// A `LIMIT` value: PostgreSQL treats `LIMIT NULL` as "no limit".
pub(crate) fn limit(limit: Option<usize>) -> Option<i64> {
    limit.map(|n| i64::try_from(n).unwrap_or(i64::MAX))
}

/// A fencing token as a column value.
pub(crate) fn fence_value(fence: FenceToken) -> Result<i64> {
    i64::try_from(fence.get())
        .map_err(|_| Error::InvalidInput(format!("fencing token {fence} is out of range")))
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

/// A list of enum texts as a `text[]`, for `= ANY($n)`.
/// `None` when the list is empty (meaning "any").
pub(crate) fn text_set<T: std::fmt::Display>(values: &[T]) -> Option<Vec<String>> {
    if values.is_empty() {
        None
    } else {
        Some(values.iter().map(ToString::to_string).collect())
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
        assert_eq!(text_set::<String>(&[]), None);
        assert_eq!(
            text_set(&["queued", "running"]),
            Some(vec!["queued".to_owned(), "running".to_owned()])
        );
    }
}
