//! Retry policy: how often and how long to wait after a retryable failure.

use std::time::{Duration, SystemTime};

use reqwest::header::HeaderMap;

/// How the provider retries throttled and transient failures.
///
/// A failed attempt is retried when the trait's
/// [`LlmError::is_retryable`](persona_core::LlmError::is_retryable) says so
/// (HTTP 408, 409, 429 except an exhausted spend limit, 5xx including 529
/// "overloaded", timeouts and connection errors), unless the server answers
/// `x-should-retry: false`; an `x-should-retry: true` answer is retried
/// whatever its status.
///
/// The wait before the next attempt is the server's hint when it gives one
/// (`retry-after` in seconds or as an HTTP date, or `retry-after-ms` when a
/// proxy sends it), and otherwise an exponential backoff with jitter: a
/// random delay between half and all of `base_delay * 2^(retry - 1)`, capped
/// at `max_delay`. A server hint longer than `max_retry_after` is not waited
/// for: the call fails at once with
/// [`LlmError::RateLimited`](persona_core::LlmError::RateLimited) carrying
/// the hint, so a scheduler can park the job instead of holding a task for
/// minutes.
///
/// ```
/// use std::time::Duration;
/// use llm_anthropic::RetryPolicy;
///
/// let policy = RetryPolicy::default()
///     .with_max_attempts(5)
///     .with_base_delay(Duration::from_millis(250));
/// assert_eq!(policy.max_attempts(), 5);
/// assert_eq!(RetryPolicy::none().max_attempts(), 1);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    base_delay: Duration,
    max_delay: Duration,
    max_retry_after: Duration,
}

impl Default for RetryPolicy {
    /// Three attempts, 500 ms base delay, 8 s backoff cap, server hints
    /// honoured up to 60 s.
    fn default() -> Self {
        Self {
            max_attempts: 3,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries: one attempt only.
    pub fn none() -> Self {
        Self::default().with_max_attempts(1)
    }

    /// Sets the total number of attempts, the first one included (at least 1).
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Sets the backoff base: the delay before the first retry when the
    /// server gives no hint.
    pub fn with_base_delay(mut self, delay: Duration) -> Self {
        self.base_delay = delay;
        self
    }

    /// Sets the upper bound of the exponential backoff.
    pub fn with_max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// Sets the longest server-requested wait (`retry-after`) the provider
    /// will sleep through before retrying.
    pub fn with_max_retry_after(mut self, delay: Duration) -> Self {
        self.max_retry_after = delay;
        self
    }

    /// The total number of attempts.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The backoff base delay.
    pub fn base_delay(&self) -> Duration {
        self.base_delay
    }

    /// The backoff cap.
    pub fn max_delay(&self) -> Duration {
        self.max_delay
    }

    /// The longest server-requested wait that is honoured.
    pub fn max_retry_after(&self) -> Duration {
        self.max_retry_after
    }

    /// The jittered backoff before retry number `retry` (1 for the first retry).
    pub(crate) fn backoff(&self, retry: u32) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(1u32 << retry.saturating_sub(1).min(20));
        let ceiling = exp.min(self.max_delay);
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(rand::random_range(nanos / 2..=nanos))
    }

    /// The wait before retry number `retry`, or `None` to stop retrying.
    pub(crate) fn delay(&self, retry: u32, hint: Option<Duration>) -> Option<Duration> {
        if retry >= self.max_attempts {
            return None;
        }
        match hint {
            Some(wait) if wait > self.max_retry_after => None,
            Some(wait) => Some(wait),
            None => Some(self.backoff(retry)),
        }
    }
}

/// The server's wait hint: `retry-after-ms` (which proxies in front of the
/// API may send), else `retry-after` as seconds or as an HTTP date
/// (relative to `now`; a date in the past means "now").
pub(crate) fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let text = |name: &str| headers.get(name)?.to_str().ok().map(str::trim);
    if let Some(ms) = text("retry-after-ms").and_then(|v| v.parse::<f64>().ok()) {
        if ms.is_finite() && ms >= 0.0 {
            return Some(Duration::from_secs_f64(ms / 1000.0));
        }
    }
    let value = text("retry-after")?;
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

/// The server's explicit retry verdict (`x-should-retry: true|false`).
pub(crate) fn should_retry_header(headers: &HeaderMap) -> Option<bool> {
    match headers.get("x-should-retry")?.to_str().ok()?.trim() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn retry_after_reads_seconds_milliseconds_and_dates() {
        let now = httpdate::parse_http_date("Wed, 21 Oct 2015 07:28:00 GMT").unwrap();
        let h = |pairs| retry_after(&headers(pairs), now);
        assert_eq!(h(&[("retry-after", "7")]), Some(Duration::from_secs(7)));
        assert_eq!(
            h(&[("retry-after-ms", "1500"), ("retry-after", "9")]),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(
            h(&[("retry-after", "Wed, 21 Oct 2015 07:28:30 GMT")]),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            h(&[("retry-after", "Wed, 21 Oct 2015 07:27:00 GMT")]),
            Some(Duration::ZERO)
        );
        assert_eq!(h(&[("retry-after", "soon")]), None);
        assert_eq!(h(&[("retry-after-ms", "-5")]), None);
        assert_eq!(h(&[]), None);
    }

    #[test]
    fn backoff_grows_and_stays_capped() {
        let policy = RetryPolicy::default()
            .with_base_delay(Duration::from_millis(100))
            .with_max_delay(Duration::from_millis(300));
        for _ in 0..50 {
            let first = policy.backoff(1);
            assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100));
            let second = policy.backoff(2);
            assert!(second >= Duration::from_millis(100) && second <= Duration::from_millis(200));
            let capped = policy.backoff(30);
            assert!(capped >= Duration::from_millis(150) && capped <= Duration::from_millis(300));
        }
    }

    #[test]
    fn delay_prefers_hints_and_respects_bounds() {
        let policy = RetryPolicy::default()
            .with_max_attempts(3)
            .with_base_delay(Duration::from_millis(1))
            .with_max_retry_after(Duration::from_secs(10));
        assert_eq!(
            policy.delay(1, Some(Duration::from_secs(4))),
            Some(Duration::from_secs(4))
        );
        assert_eq!(policy.delay(1, Some(Duration::from_secs(11))), None);
        assert!(policy.delay(2, None).unwrap() <= Duration::from_millis(2));
        assert_eq!(policy.delay(3, None), None);
        assert_eq!(RetryPolicy::none().delay(1, None), None);
        assert_eq!(
            RetryPolicy::default().with_max_attempts(0).max_attempts(),
            1
        );
    }

    #[test]
    fn should_retry_header_is_tri_state() {
        assert_eq!(
            should_retry_header(&headers(&[("x-should-retry", "true")])),
            Some(true)
        );
        assert_eq!(
            should_retry_header(&headers(&[("x-should-retry", "false")])),
            Some(false)
        );
        assert_eq!(
            should_retry_header(&headers(&[("x-should-retry", "maybe")])),
            None
        );
        assert_eq!(should_retry_header(&headers(&[])), None);
    }
}
