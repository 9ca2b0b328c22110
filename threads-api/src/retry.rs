//! Retries of transient failures, and which requests may be retried at all.
//!
//! Every request the client sends has an [`Idempotency`] class:
//!
//! * [`Idempotency::Read`]: GETs. Retried on transient errors (transport errors,
//!   timeouts, HTTP 5xx and 429, Graph errors flagged `is_transient`, codes 1, 2, 4, 17,
//!   32, 341, 613) with exponential backoff and full jitter, honouring `Retry-After`.
//! * [`Idempotency::Create`]: creating a media container. Repeating it is harmless in
//!   principle (an unpublished container expires after 24 h) but it costs quota checks
//!   and may leave orphans, so it is **not** retried either.
//! * [`Idempotency::Irreversible`]: `threads_publish`, repost, delete, hide/unhide,
//!   approve/ignore, token exchanges. **Never** retried after the request may have
//!   reached Meta: a timeout after Meta accepted a publish would otherwise post twice.
//!
//! The one failure retried for every class is a *connect* error: the TCP/TLS connection
//! could not be established, so no byte of the request reached the server.
//!
//! After an unknown outcome of a publish, reconcile instead of retrying: read the
//! container status ([`PublishHandler::container_status`](crate::api::publish::PublishHandler::container_status));
//! `PUBLISHED` means it went through.

use std::time::Duration;

use crate::error::Error;

/// How a request may be repeated. See the [module docs](self).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Idempotency {
    /// A read without side effects: retried on transient errors.
    Read,
    /// Creates a resource that is harmless to duplicate (a media container): retried
    /// only when the request certainly was not sent.
    Create,
    /// Has an effect that must not happen twice: retried only when the request
    /// certainly was not sent.
    Irreversible,
}

impl Idempotency {
    /// Whether a request of this class may be sent again after `error`.
    pub fn may_retry(self, error: &Error) -> bool {
        match self {
            Idempotency::Read => error.is_retryable(),
            Idempotency::Create | Idempotency::Irreversible => error.is_connect(),
        }
    }
}

/// Backoff settings for retried reads. All fields are public; start from
/// [`RetryPolicy::default`] and adjust.
///
/// The delay before retry `n` (1-based) is a random duration in
/// `[0, min(max_delay, base_delay * 2^(n-1))]` ("full jitter"), or the server's
/// `Retry-After` when that is longer. If the server asks to wait longer than
/// `max_retry_after`, the error is returned instead of sleeping.
///
/// ```
/// use std::time::Duration;
/// use threads_api::RetryPolicy;
///
/// let policy = RetryPolicy {
///     max_attempts: 5,
///     base_delay: Duration::from_millis(200),
///     ..RetryPolicy::default()
/// };
/// assert!(policy.backoff(3, 0.5) <= Duration::from_millis(800));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Total attempts, including the first (1 disables retries). Default 3.
    pub max_attempts: u32,
    /// Base delay, doubled on each retry. Default 250 ms.
    pub base_delay: Duration,
    /// Upper bound of the exponential delay. Default 10 s.
    pub max_delay: Duration,
    /// The longest `Retry-After` the client will sleep for; longer waits are returned
    /// to the caller as errors ([`ErrorAction::RetryAfter`](crate::error::ErrorAction)).
    /// Default 30 s.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(10),
            max_retry_after: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn never() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// The jittered delay before retry number `retry` (1-based), with `unit` a random
    /// number in `[0, 1)` (exposed so the curve can be tested without randomness).
    pub fn backoff(&self, retry: u32, unit: f64) -> Duration {
        let exp = retry.saturating_sub(1).min(30);
        let cap = self
            .base_delay
            .saturating_mul(1u32 << exp)
            .min(self.max_delay);
        cap.mul_f64(unit.clamp(0.0, 1.0))
    }

    /// Decides whether to retry after `error` on attempt `attempt` (1-based) of a request
    /// of class `idempotency`, and how long to wait first. `None` means: give up.
    pub fn next_delay(
        &self,
        attempt: u32,
        idempotency: Idempotency,
        error: &Error,
    ) -> Option<Duration> {
        if attempt >= self.max_attempts || !idempotency.may_retry(error) {
            return None;
        }
        let jittered = self.backoff(attempt, rand::random::<f64>());
        match error.retry_after() {
            Some(wait) if wait > self.max_retry_after => None,
            Some(wait) => Some(wait.max(jittered)),
            None => Some(jittered),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::StatusCode;

    fn http(status: u16, retry_after: Option<u64>) -> Error {
        Error::Http {
            status: StatusCode::from_u16(status).unwrap(),
            body: String::new(),
            retry_after: retry_after.map(Duration::from_secs),
        }
    }

    #[test]
    fn backoff_doubles_and_caps() {
        let p = RetryPolicy {
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(350),
            ..RetryPolicy::default()
        };
        assert_eq!(p.backoff(1, 1.0), Duration::from_millis(100));
        assert_eq!(p.backoff(2, 1.0), Duration::from_millis(200));
        assert_eq!(p.backoff(3, 1.0), Duration::from_millis(350));
        assert_eq!(p.backoff(40, 1.0), Duration::from_millis(350));
        assert_eq!(p.backoff(2, 0.5), Duration::from_millis(100));
        assert_eq!(p.backoff(2, 0.0), Duration::ZERO);
    }

    #[test]
    fn only_reads_retry_server_errors() {
        let p = RetryPolicy::default();
        let err = http(500, None);
        assert!(p.next_delay(1, Idempotency::Read, &err).is_some());
        assert!(p.next_delay(1, Idempotency::Create, &err).is_none());
        assert!(p.next_delay(1, Idempotency::Irreversible, &err).is_none());
        // Attempts are bounded.
        assert!(p.next_delay(3, Idempotency::Read, &err).is_none());
        // Client errors never retry.
        assert!(
            p.next_delay(1, Idempotency::Read, &http(400, None))
                .is_none()
        );
    }

    #[test]
    fn retry_after_is_honoured_and_bounded() {
        let p = RetryPolicy::default();
        let short = http(429, Some(2));
        let d = p.next_delay(1, Idempotency::Read, &short).unwrap();
        assert!(d >= Duration::from_secs(2));
        let long = http(429, Some(3600));
        assert!(p.next_delay(1, Idempotency::Read, &long).is_none());
    }

    #[test]
    fn never_policy_does_not_retry() {
        assert!(
            RetryPolicy::never()
                .next_delay(1, Idempotency::Read, &http(503, None))
                .is_none()
        );
    }
}
