//! What a server's answer says about retrying: `retry-after-ms`,
//! `retry-after` (seconds or an HTTP date) and `x-should-retry`.

use std::time::{Duration, SystemTime};

use http::HeaderMap;

/// The server's wait hint from the values of the `retry-after-ms` and
/// `retry-after` headers (pass `None` for a missing header).
///
/// `retry-after-ms` (milliseconds, possibly fractional; sent by OpenAI and by
/// some proxies) wins when it is a valid non-negative number. Otherwise
/// `retry-after` is read as whole seconds or as an HTTP date relative to
/// `now` (a date in the past means "now"). Anything unreadable gives `None`.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use llm_http::retry_after;
///
/// let now = SystemTime::now();
/// assert_eq!(retry_after(Some("1500"), Some("9"), now), Some(Duration::from_millis(1500)));
/// assert_eq!(retry_after(None, Some("7"), now), Some(Duration::from_secs(7)));
/// assert_eq!(retry_after(None, Some("soon"), now), None);
/// ```
pub fn retry_after(
    retry_after_ms: Option<&str>,
    retry_after: Option<&str>,
    now: SystemTime,
) -> Option<Duration> {
    if let Some(ms) = retry_after_ms.and_then(|v| v.trim().parse::<f64>().ok())
        && ms >= 0.0
    {
        // Infinite, NaN and absurdly large values fail the conversion.
        if let Ok(wait) = Duration::try_from_secs_f64(ms / 1000.0) {
            return Some(wait);
        }
    }
    let value = retry_after?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

/// The server's explicit retry verdict from the value of the
/// `x-should-retry` header: `Some(true)` for `true`, `Some(false)` for
/// `false`, `None` when the header is missing or says anything else.
///
/// ```
/// assert_eq!(llm_http::should_retry(Some("false")), Some(false));
/// assert_eq!(llm_http::should_retry(None), None);
/// ```
pub fn should_retry(value: Option<&str>) -> Option<bool> {
    match value?.trim() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

/// What the server's headers say about retrying a failed request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ServerHints {
    /// How long the server asks us to wait ([`retry_after`]).
    pub retry_after: Option<Duration>,
    /// The server's explicit verdict ([`should_retry`]); `None` leaves the
    /// decision to the error kind.
    pub should_retry: Option<bool>,
}

impl ServerHints {
    /// Reads `retry-after-ms`, `retry-after` and `x-should-retry` from an
    /// answer's headers (`reqwest::header::HeaderMap` is this type). Values
    /// that are not text are ignored; HTTP dates are resolved against `now`.
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use http::{HeaderMap, HeaderValue};
    /// use llm_http::ServerHints;
    ///
    /// let mut headers = HeaderMap::new();
    /// headers.insert("retry-after", HeaderValue::from_static("3"));
    /// let hints = ServerHints::from_header_map(&headers, SystemTime::now());
    /// assert_eq!(hints.retry_after, Some(Duration::from_secs(3)));
    /// assert_eq!(hints.should_retry, None);
    /// ```
    pub fn from_header_map(headers: &HeaderMap, now: SystemTime) -> Self {
        Self::from_headers(|name| headers.get(name).and_then(|v| v.to_str().ok()), now)
    }

    /// Reads `retry-after-ms`, `retry-after` and `x-should-retry` through
    /// `header`, which returns a header's value by its lower-case name (or
    /// `None` when it is missing or not text), for callers whose headers are
    /// not an [`http::HeaderMap`]. HTTP dates are resolved against `now`.
    pub fn from_headers<'a>(header: impl Fn(&str) -> Option<&'a str>, now: SystemTime) -> Self {
        Self {
            retry_after: retry_after(header("retry-after-ms"), header("retry-after"), now),
            should_retry: should_retry(header("x-should-retry")),
        }
    }
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;

    #[test]
    fn retry_after_reads_seconds_milliseconds_and_dates() {
        let now = httpdate::parse_http_date("Wed, 21 Oct 2015 07:28:00 GMT").unwrap();
        let h = |ms, secs| retry_after(ms, secs, now);
        assert_eq!(h(None, Some("7")), Some(Duration::from_secs(7)));
        assert_eq!(h(None, Some(" 7 ")), Some(Duration::from_secs(7)));
        assert_eq!(
            h(Some("1500"), Some("9")),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(h(Some("2.5"), None), Some(Duration::from_micros(2500)));
        assert_eq!(
            h(None, Some("Wed, 21 Oct 2015 07:28:30 GMT")),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            h(None, Some("Wed, 21 Oct 2015 07:27:00 GMT")),
            Some(Duration::ZERO)
        );
        assert_eq!(h(None, Some("soon")), None);
        assert_eq!(h(Some("-5"), None), None);
        assert_eq!(h(Some("NaN"), Some("4")), Some(Duration::from_secs(4)));
        assert_eq!(h(Some("1e300"), Some("4")), Some(Duration::from_secs(4)));
        assert_eq!(h(Some("inf"), None), None);
        assert_eq!(h(None, None), None);
    }

    #[test]
    fn should_retry_is_tri_state() {
        assert_eq!(should_retry(Some("true")), Some(true));
        assert_eq!(should_retry(Some(" false ")), Some(false));
        assert_eq!(should_retry(Some("maybe")), None);
        assert_eq!(should_retry(None), None);
    }

    #[test]
    fn hints_are_read_through_the_header_lookup() {
        let now = SystemTime::UNIX_EPOCH;
        let headers = [("retry-after", "3"), ("x-should-retry", "false")];
        let lookup = |name: &str| headers.iter().find(|(k, _)| *k == name).map(|(_, v)| *v);
        assert_eq!(
            ServerHints::from_headers(lookup, now),
            ServerHints {
                retry_after: Some(Duration::from_secs(3)),
                should_retry: Some(false),
            }
        );
        assert_eq!(
            ServerHints::from_headers(|_| None, now),
            ServerHints::default()
        );
    }

    #[test]
    fn hints_are_read_from_a_header_map() {
        let now = httpdate::parse_http_date("Wed, 21 Oct 2015 07:28:00 GMT").unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("Retry-After", HeaderValue::from_static("9"));
        headers.insert("retry-after-ms", HeaderValue::from_static("250"));
        headers.insert("X-Should-Retry", HeaderValue::from_static("true"));
        assert_eq!(
            ServerHints::from_header_map(&headers, now),
            ServerHints {
                retry_after: Some(Duration::from_millis(250)),
                should_retry: Some(true),
            }
        );
        let mut dated = HeaderMap::new();
        dated.insert(
            "retry-after",
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:05 GMT"),
        );
        // Not text: ignored rather than misread.
        dated.insert(
            "x-should-retry",
            HeaderValue::from_bytes(b"tr\xffue").unwrap(),
        );
        assert_eq!(
            ServerHints::from_header_map(&dated, now),
            ServerHints {
                retry_after: Some(Duration::from_secs(5)),
                should_retry: None,
            }
        );
        assert_eq!(
            ServerHints::from_header_map(&HeaderMap::new(), now),
            ServerHints::default()
        );
    }
}
