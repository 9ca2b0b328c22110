//! Rate-limit usage headers.
//!
//! Meta's generic Graph API reports how much of the call budget an app has used in two
//! JSON headers, and may send `Retry-After` with throttling responses:
//!
//! * `X-App-Usage: {"call_count":28,"total_cputime":25,"total_time":25}` (percent of the
//!   app's budget);
//! * `X-Business-Use-Case-Usage: {"<id>":[{"type":"...","call_count":...,
//!   "estimated_time_to_regain_access":<minutes>}]}`.
//!
//! The Threads docs describe **none** of these headers, so every one of them is optional:
//! a missing or malformed header is simply `None`, never an error.
//!
//! The client records the usage of the most recent response that carried any of these
//! headers; read it with [`ThreadsClient::last_usage`](crate::ThreadsClient::last_usage).
//! Errors from throttled requests carry it too
//! ([`GraphError::usage`](crate::error::GraphError::usage)).

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};
use serde::Deserialize;

/// Header name of the app-level usage report.
pub const APP_USAGE_HEADER: &str = "x-app-usage";
/// Header name of the business-use-case usage report.
pub const BUSINESS_USE_CASE_USAGE_HEADER: &str = "x-business-use-case-usage";

/// Usage figures of one response, from whichever usage headers it carried.
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct Usage {
    /// Parsed `X-App-Usage`.
    pub app: Option<AppUsage>,
    /// Parsed `X-Business-Use-Case-Usage`, keyed by business/object ID.
    pub business_use_case: Option<BTreeMap<String, Vec<BusinessUseCaseUsage>>>,
    /// Parsed `Retry-After`.
    pub retry_after: Option<Duration>,
}

/// Percentages of the app's call budget used (`X-App-Usage`).
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[non_exhaustive]
pub struct AppUsage {
    /// Percent of the call-count budget used.
    #[serde(default)]
    pub call_count: Option<f64>,
    /// Percent of the CPU-time budget used.
    #[serde(default)]
    pub total_cputime: Option<f64>,
    /// Percent of the total-time budget used.
    #[serde(default)]
    pub total_time: Option<f64>,
}

/// One entry of `X-Business-Use-Case-Usage`.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[non_exhaustive]
pub struct BusinessUseCaseUsage {
    /// The use case (`type` on the wire).
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    /// Percent of the call-count budget used.
    #[serde(default)]
    pub call_count: Option<f64>,
    /// Percent of the CPU-time budget used.
    #[serde(default)]
    pub total_cputime: Option<f64>,
    /// Percent of the total-time budget used.
    #[serde(default)]
    pub total_time: Option<f64>,
    /// Minutes until throttling ends, when throttled.
    #[serde(default)]
    pub estimated_time_to_regain_access: Option<f64>,
}

impl Usage {
    /// Reads the usage headers of a response. Returns `None` when none of them is present
    /// (the usual case for Threads).
    pub fn from_headers(headers: &HeaderMap) -> Option<Self> {
        Self::from_headers_at(headers, SystemTime::now())
    }

    /// Like [`from_headers`](Self::from_headers), with the current time passed in (used to
    /// turn an HTTP-date `Retry-After` into a duration).
    pub fn from_headers_at(headers: &HeaderMap, now: SystemTime) -> Option<Self> {
        let app = headers.get(APP_USAGE_HEADER);
        let buc = headers.get(BUSINESS_USE_CASE_USAGE_HEADER);
        let retry = headers.get(RETRY_AFTER);
        if app.is_none() && buc.is_none() && retry.is_none() {
            return None;
        }
        Some(Self {
            app: app
                .and_then(|v| v.to_str().ok())
                .and_then(|v| serde_json::from_str(v).ok()),
            business_use_case: buc
                .and_then(|v| v.to_str().ok())
                .and_then(|v| serde_json::from_str(v).ok()),
            retry_after: retry
                .and_then(|v| v.to_str().ok())
                .and_then(|v| parse_retry_after(v, now)),
        })
    }

    /// The highest usage percentage reported in any header, if any.
    pub fn max_percent(&self) -> Option<f64> {
        let app = self
            .app
            .iter()
            .flat_map(|a| [a.call_count, a.total_cputime, a.total_time]);
        let buc = self.business_use_case.iter().flat_map(|m| {
            m.values()
                .flatten()
                .flat_map(|b| [b.call_count, b.total_cputime, b.total_time])
        });
        app.chain(buc).flatten().fold(None, |max, v| match max {
            Some(m) if m >= v => Some(m),
            _ => Some(v),
        })
    }

    /// How long to wait before calling again: `Retry-After` if present, else the longest
    /// `estimated_time_to_regain_access` of the business-use-case header.
    pub fn wait_hint(&self) -> Option<Duration> {
        if let Some(d) = self.retry_after {
            return Some(d);
        }
        self.business_use_case
            .iter()
            .flat_map(|m| m.values().flatten())
            .filter_map(|b| b.estimated_time_to_regain_access)
            .filter(|m| m.is_finite() && *m > 0.0)
            .map(|minutes| Duration::from_secs_f64(minutes.min(1e6) * 60.0))
            .max()
    }
}

/// Parses a `Retry-After` value: delay seconds (`120`) or an HTTP-date
/// (`Wed, 21 Oct 2015 07:28:00 GMT`). A date in the past gives a zero duration.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let date = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let at = SystemTime::UNIX_EPOCH
        .checked_add(Duration::from_secs(u64::try_from(date.timestamp()).ok()?))?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn no_headers_means_no_usage() {
        assert_eq!(Usage::from_headers(&HeaderMap::new()), None);
    }

    #[test]
    fn parses_app_and_business_usage() {
        let mut h = HeaderMap::new();
        h.insert(
            APP_USAGE_HEADER,
            HeaderValue::from_static(r#"{"call_count":28,"total_cputime":25,"total_time":91}"#),
        );
        h.insert(
            BUSINESS_USE_CASE_USAGE_HEADER,
            HeaderValue::from_static(
                r#"{"1234":[{"type":"threads","call_count":100,"total_cputime":12,"total_time":12,"estimated_time_to_regain_access":3}]}"#,
            ),
        );
        let usage = Usage::from_headers(&h).unwrap();
        assert_eq!(usage.app.as_ref().unwrap().call_count, Some(28.0));
        assert_eq!(usage.max_percent(), Some(100.0));
        assert_eq!(usage.wait_hint(), Some(Duration::from_secs(180)));
        let buc = usage.business_use_case.unwrap();
        assert_eq!(buc["1234"][0].kind.as_deref(), Some("threads"));
    }

    #[test]
    fn malformed_usage_is_ignored_not_an_error() {
        let mut h = HeaderMap::new();
        h.insert(APP_USAGE_HEADER, HeaderValue::from_static("not json"));
        let usage = Usage::from_headers(&h).unwrap();
        assert_eq!(usage.app, None);
        assert_eq!(usage.max_percent(), None);
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_400);
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
        // 2015-10-21T07:28:00Z is 1_445_412_480.
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now),
            Some(Duration::from_secs(80))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_static("7"));
        let usage = Usage::from_headers_at(&h, now).unwrap();
        assert_eq!(usage.wait_hint(), Some(Duration::from_secs(7)));
    }
}
