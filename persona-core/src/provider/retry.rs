//! Retrying model calls: the [`RetryPolicy`], the server's wait hints and a
//! generic retry loop, [`run`].
//!
//! Nothing here knows about HTTP clients or async runtimes, so every provider
//! adapter can share it whatever transport it uses:
//!
//! * header values come in as `Option<&str>` (read them from any header map),
//!   and HTTP dates are resolved against an explicit `now`;
//! * [`run`] takes the attempt as a closure returning a future, and the wait
//!   between attempts as another closure (e.g. `tokio::time::sleep`), which is
//!   also the place to log the retry.
//!
//! ```
//! use std::time::{Duration, SystemTime};
//! use persona_core::LlmError;
//! use persona_core::provider::retry::{self, Failure, RetryPolicy, ServerHints};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let runtime = tokio::runtime::Builder::new_current_thread().build()?;
//! # runtime.block_on(async {
//! let policy = RetryPolicy::default().with_base_delay(Duration::from_millis(1));
//! let answer = retry::run(
//!     &policy,
//!     |attempt| async move {
//!         if attempt < 2 {
//!             // What a 503 answer with `retry-after: 0` turns into.
//!             let headers = |name: &str| (name == "retry-after").then_some("0");
//!             let hints = ServerHints::from_headers(headers, SystemTime::now());
//!             let error = LlmError::Transient { message: "HTTP 503".into(), source: None };
//!             Err(Failure::new(error, hints))
//!         } else {
//!             Ok("hello")
//!         }
//!     },
//!     |_attempt, wait, _error| async move { assert_eq!(wait, Duration::ZERO) },
//! )
//! .await;
//! assert_eq!(answer.ok(), Some("hello"));
//! # });
//! # Ok(())
//! # }
//! ```

use std::future::Future;
use std::hash::{BuildHasher, RandomState};
use std::time::{Duration, SystemTime};

use super::LlmError;

/// How a provider retries throttled and transient failures.
///
/// A failed attempt is retried when
/// [`LlmError::is_retryable`] says so (rate limits, and transient failures
/// such as HTTP 408, 409, 5xx, timeouts and connection errors), unless the
/// server answers `x-should-retry: false`; an `x-should-retry: true` answer is
/// retried whatever its status (see [`Failure::is_retryable`]).
///
/// The wait before the next attempt is the server's hint when it gives one
/// (`retry-after-ms`, then `retry-after` in seconds or as an HTTP date; see
/// [`retry_after`]), and otherwise an exponential backoff with jitter: a random
/// delay between half and all of `base_delay * 2^(retry - 1)`, capped at
/// `max_delay`. A server hint longer than `max_retry_after` is not waited for:
/// the call fails at once with the last error (for a 429,
/// [`LlmError::RateLimited`] carrying the hint), so a scheduler can park the
/// job instead of holding a task for minutes.
///
/// ```
/// use std::time::Duration;
/// use persona_core::provider::retry::RetryPolicy;
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

    /// The jittered backoff before retry number `retry` (1 for the first
    /// retry): a random duration between half and all of
    /// `base_delay * 2^(retry - 1)`, capped at `max_delay`.
    pub fn backoff(&self, retry: u32) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(1u32 << retry.saturating_sub(1).min(20));
        let ceiling = exp.min(self.max_delay);
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        let low = nanos / 2;
        // `nanos - low` is at most 2^63, so adding 1 cannot overflow.
        let offset = random_u64() % (nanos - low + 1);
        Duration::from_nanos(low + offset)
    }

    /// The wait before retry number `retry` (1 for the first retry) given the
    /// server's hint, or `None` to stop: the attempts are used up, or the hint
    /// is longer than [`max_retry_after`](Self::max_retry_after).
    pub fn delay(&self, retry: u32, hint: Option<Duration>) -> Option<Duration> {
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

/// 64 random bits for backoff jitter, without a dependency on a random number
/// crate: every [`RandomState`] is keyed differently, so hashing a constant
/// with a fresh one gives a fresh value. Good enough to spread retries of
/// many clients apart; not for anything secret.
fn random_u64() -> u64 {
    RandomState::new().hash_one(0x5eed_u64)
}

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
/// use persona_core::provider::retry::retry_after;
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
    if let Some(ms) = retry_after_ms.and_then(|v| v.trim().parse::<f64>().ok()) {
        if ms >= 0.0 {
            // Infinite, NaN and absurdly large values fail the conversion.
            if let Ok(wait) = Duration::try_from_secs_f64(ms / 1000.0) {
                return Some(wait);
            }
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
    /// Reads `retry-after-ms`, `retry-after` and `x-should-retry` through
    /// `header`, which returns a header's value by its lower-case name (or
    /// `None` when it is missing or not text). HTTP dates are resolved
    /// against `now`.
    pub fn from_headers<'a>(header: impl Fn(&str) -> Option<&'a str>, now: SystemTime) -> Self {
        Self {
            retry_after: retry_after(header("retry-after-ms"), header("retry-after"), now),
            should_retry: should_retry(header("x-should-retry")),
        }
    }
}

/// One failed attempt: the error and what the server said about retrying.
#[derive(Debug)]
pub struct Failure {
    /// The error returned if this is the last attempt.
    pub error: LlmError,
    /// The server's hints; the default (no hints) for failures without an
    /// answer, such as timeouts.
    pub hints: ServerHints,
}

impl Failure {
    /// A failure with the server's hints.
    pub fn new(error: LlmError, hints: ServerHints) -> Self {
        Self { error, hints }
    }

    /// Whether the request may be tried again: the server's `x-should-retry`
    /// verdict when it gave one, else [`LlmError::is_retryable`].
    pub fn is_retryable(&self) -> bool {
        self.hints
            .should_retry
            .unwrap_or_else(|| self.error.is_retryable())
    }
}

impl From<LlmError> for Failure {
    /// A failure without server hints (no answer was received).
    fn from(error: LlmError) -> Self {
        Self::new(error, ServerHints::default())
    }
}

/// Runs `attempt` until it succeeds or `policy` says to stop, and returns its
/// value or the last error.
///
/// `attempt` receives the attempt number (1 for the first). After a retryable
/// [`Failure`] (see [`Failure::is_retryable`]), the wait comes from
/// [`RetryPolicy::delay`]; `wait` is then called with the number of the
/// attempt that failed, the delay and the error, and must sleep for the
/// delay (with the caller's runtime, e.g. `tokio::time::sleep`). It is also
/// where callers log the retry.
pub async fn run<T, A, AF, W, WF>(
    policy: &RetryPolicy,
    mut attempt: A,
    mut wait: W,
) -> Result<T, LlmError>
where
    A: FnMut(u32) -> AF,
    AF: Future<Output = Result<T, Failure>>,
    W: FnMut(u32, Duration, &LlmError) -> WF,
    WF: Future<Output = ()>,
{
    let mut number = 1;
    loop {
        let failure = match attempt(number).await {
            Ok(value) => return Ok(value),
            Err(failure) => failure,
        };
        let delay = policy
            .delay(number, failure.hints.retry_after)
            .filter(|_| failure.is_retryable());
        match delay {
            Some(delay) => {
                wait(number, delay, &failure.error).await;
                number += 1;
            }
            None => return Err(failure.error),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use super::*;

    fn block_on<F: Future>(future: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a current-thread runtime builds")
            .block_on(future)
    }

    fn transient() -> LlmError {
        LlmError::Transient {
            message: "HTTP 503".into(),
            source: None,
        }
    }

    fn invalid() -> LlmError {
        LlmError::InvalidRequest {
            message: "HTTP 400".into(),
        }
    }

    /// What a scripted [`run`] did: its outcome, the attempt numbers seen and
    /// the waits requested (attempt number, delay).
    struct Trace {
        outcome: Result<&'static str, LlmError>,
        attempts: Vec<u32>,
        waits: Vec<(u32, Duration)>,
    }

    /// Runs [`run`] over scripted attempt results.
    fn script(policy: RetryPolicy, mut results: Vec<Result<&'static str, Failure>>) -> Trace {
        results.reverse();
        let results = RefCell::new(results);
        let attempts = RefCell::new(Vec::new());
        let waits = RefCell::new(Vec::new());
        let outcome = block_on(run(
            &policy,
            |number| {
                attempts.borrow_mut().push(number);
                let next = results.borrow_mut().pop().expect("scripted enough results");
                async move { next }
            },
            |number, delay, _error| {
                waits.borrow_mut().push((number, delay));
                async {}
            },
        ));
        Trace {
            outcome,
            attempts: attempts.into_inner(),
            waits: waits.into_inner(),
        }
    }

    fn hinted(error: LlmError, wait: Option<u64>, verdict: Option<bool>) -> Failure {
        Failure::new(
            error,
            ServerHints {
                retry_after: wait.map(Duration::from_secs),
                should_retry: verdict,
            },
        )
    }

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
        let huge = RetryPolicy::default()
            .with_base_delay(Duration::MAX)
            .with_max_delay(Duration::MAX);
        assert!(huge.backoff(3) >= Duration::from_nanos(u64::MAX / 2));
    }

    #[test]
    fn backoff_is_jittered() {
        let policy = RetryPolicy::default().with_base_delay(Duration::from_secs(1));
        let first = policy.backoff(1);
        assert!(
            (0..20).any(|_| policy.backoff(1) != first),
            "twenty identical backoffs: no jitter"
        );
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
    fn run_retries_transient_failures_until_success() {
        let policy = RetryPolicy::default().with_base_delay(Duration::from_millis(10));
        let Trace {
            outcome,
            attempts,
            waits,
        } = script(
            policy,
            vec![
                Err(transient().into()),
                Err(hinted(transient(), Some(2), None)),
                Ok("done"),
            ],
        );
        assert_eq!(outcome.ok(), Some("done"));
        assert_eq!(attempts, [1, 2, 3]);
        assert_eq!(waits.len(), 2);
        assert_eq!(waits[0].0, 1);
        assert!(waits[0].1 >= Duration::from_millis(5) && waits[0].1 <= Duration::from_millis(10));
        assert_eq!(waits[1], (2, Duration::from_secs(2)));
    }

    #[test]
    fn run_stops_on_errors_that_are_not_retryable() {
        let Trace {
            outcome,
            attempts,
            waits,
        } = script(RetryPolicy::default(), vec![Err(invalid().into())]);
        assert!(matches!(outcome, Err(LlmError::InvalidRequest { .. })));
        assert_eq!(attempts, [1]);
        assert!(waits.is_empty());
    }

    #[test]
    fn run_follows_the_servers_verdict() {
        let Trace {
            outcome, attempts, ..
        } = script(
            RetryPolicy::default(),
            vec![Err(hinted(transient(), None, Some(false)))],
        );
        assert!(matches!(outcome, Err(LlmError::Transient { .. })));
        assert_eq!(attempts, [1]);

        let Trace {
            outcome,
            attempts,
            waits,
        } = script(
            RetryPolicy::default(),
            vec![Err(hinted(invalid(), Some(0), Some(true))), Ok("ok")],
        );
        assert_eq!(outcome.ok(), Some("ok"));
        assert_eq!(attempts, [1, 2]);
        assert_eq!(waits, [(1, Duration::ZERO)]);
    }

    #[test]
    fn run_gives_up_on_long_hints_and_after_the_last_attempt() {
        let limited = LlmError::RateLimited {
            retry_after: Some(Duration::from_secs(600)),
        };
        let Trace {
            outcome, attempts, ..
        } = script(
            RetryPolicy::default(),
            vec![Err(hinted(limited, Some(600), None))],
        );
        assert!(matches!(
            outcome,
            Err(LlmError::RateLimited { retry_after: Some(d) }) if d == Duration::from_secs(600)
        ));
        assert_eq!(attempts, [1]);

        let policy = RetryPolicy::default()
            .with_max_attempts(2)
            .with_base_delay(Duration::ZERO);
        let Trace {
            outcome,
            attempts,
            waits,
        } = script(
            policy,
            vec![
                Err(transient().into()),
                Err(LlmError::Auth {
                    message: "not this one".into(),
                }
                .into()),
            ],
        );
        assert!(matches!(outcome, Err(LlmError::Auth { .. })));
        assert_eq!(attempts, [1, 2]);
        assert_eq!(waits, [(1, Duration::ZERO)]);

        let Trace {
            outcome, attempts, ..
        } = script(
            policy,
            vec![Err(transient().into()), Err(transient().into())],
        );
        assert!(matches!(outcome, Err(LlmError::Transient { .. })));
        assert_eq!(attempts, [1, 2]);
    }
}
