//! The retry loop, [`run`], and what one failed attempt reports to it,
//! [`Failure`].

use std::future::Future;
use std::time::Duration;

use backon::Retryable;
use persona_core::LlmError;

use crate::hints::ServerHints;
use crate::policy::RetryPolicy;

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
    /// verdict when it gave one, else [`LlmError::is_retryable`] (rate
    /// limits and transient failures such as HTTP 408, 409, 5xx, timeouts
    /// and connection errors).
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
/// `attempt` receives the attempt number (1 for the first). After a failed
/// attempt the loop decides as [`RetryPolicy::next_delay`] does: a
/// retryable [`Failure`] is retried after the server's hint or the jittered
/// backoff, unless the attempts are used up or the hint is longer than
/// [`RetryPolicy::max_retry_after`]. Before each wait, `notify` is called
/// with the number of the attempt that failed, the wait and the error: the
/// place to log the retry.
///
/// The waits are `tokio::time::sleep`, so `run` needs a Tokio runtime with
/// its time driver enabled (the one reqwest runs on does).
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use llm_http::{Failure, RetryPolicy, ServerHints};
/// use persona_core::LlmError;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let policy = RetryPolicy { base_delay: Duration::from_millis(1), ..RetryPolicy::default() };
/// let mut waits = Vec::new();
/// let answer = llm_http::run(
///     &policy,
///     |attempt| async move {
///         if attempt < 2 {
///             // What a 503 answer with `retry-after: 0` turns into.
///             let headers = |name: &str| (name == "retry-after").then_some("0");
///             let hints = ServerHints::from_headers(headers, SystemTime::now());
///             let error = LlmError::Transient { message: "HTTP 503".into(), source: None };
///             Err(Failure::new(error, hints))
///         } else {
///             Ok("hello")
///         }
///     },
///     |attempt, wait, _error| waits.push((attempt, wait)),
/// )
/// .await;
/// assert_eq!(answer.ok(), Some("hello"));
/// assert_eq!(waits, [(1, Duration::ZERO)]);
/// # }
/// ```
pub async fn run<T, A, AF, N>(
    policy: &RetryPolicy,
    mut attempt: A,
    mut notify: N,
) -> Result<T, LlmError>
where
    A: FnMut(u32) -> AF,
    AF: Future<Output = Result<T, Failure>>,
    N: FnMut(u32, Duration, &LlmError),
{
    let mut started = 0;
    let mut failed = 0;
    let outcome = (move || {
        started += 1;
        attempt(started)
    })
    .retry(policy.backoff())
    .when(|failure: &Failure| failure.is_retryable())
    .adjust(|failure: &Failure, backoff| policy.wait(failure.hints.retry_after, backoff))
    .notify(|failure: &Failure, wait| {
        failed += 1;
        notify(failed, wait, &failure.error);
    })
    .await;
    outcome.map_err(|failure| failure.error)
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use tokio::time::Instant;

    use super::*;

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

    fn hinted(error: LlmError, wait: Option<u64>, verdict: Option<bool>) -> Failure {
        Failure::new(
            error,
            ServerHints {
                retry_after: wait.map(Duration::from_secs),
                should_retry: verdict,
            },
        )
    }

    /// What a scripted [`run`] did: its outcome, the attempt numbers seen,
    /// the waits announced (attempt number, delay) and the time it slept.
    struct Trace {
        outcome: Result<&'static str, LlmError>,
        attempts: Vec<u32>,
        waits: Vec<(u32, Duration)>,
        slept: Duration,
    }

    /// Runs [`run`] over scripted attempt results on a runtime whose clock
    /// is paused: sleeps complete at once, and the virtual time they took is
    /// measured.
    fn script(policy: RetryPolicy, mut results: Vec<Result<&'static str, Failure>>) -> Trace {
        results.reverse();
        let results = RefCell::new(results);
        let attempts = RefCell::new(Vec::new());
        let mut waits = Vec::new();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .expect("a current-thread runtime builds");
        let (outcome, slept) = runtime.block_on(async {
            let start = Instant::now();
            let outcome = run(
                &policy,
                |number| {
                    attempts.borrow_mut().push(number);
                    let next = results.borrow_mut().pop().expect("scripted enough results");
                    async move { next }
                },
                |number, delay, _error| waits.push((number, delay)),
            )
            .await;
            (outcome, start.elapsed())
        });
        Trace {
            outcome,
            attempts: attempts.into_inner(),
            waits,
            slept,
        }
    }

    #[test]
    fn retries_transient_failures_until_success() {
        let policy = RetryPolicy {
            base_delay: Duration::from_millis(10),
            ..RetryPolicy::default()
        };
        let Trace {
            outcome,
            attempts,
            waits,
            slept,
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
        assert!(
            waits[0].1 >= Duration::from_millis(5) && waits[0].1 <= Duration::from_millis(10),
            "{:?}",
            waits[0].1
        );
        assert_eq!(waits[1], (2, Duration::from_secs(2)));
        // The announced waits were slept (paused clock: to the nanosecond,
        // give or take the timer's millisecond granularity).
        let announced = waits[0].1 + waits[1].1;
        assert!(
            slept >= announced && slept <= announced + Duration::from_millis(2),
            "slept {slept:?}, announced {announced:?}"
        );
    }

    #[test]
    fn stops_on_errors_that_are_not_retryable() {
        let Trace {
            outcome,
            attempts,
            waits,
            slept,
        } = script(RetryPolicy::default(), vec![Err(invalid().into())]);
        assert!(matches!(outcome, Err(LlmError::InvalidRequest { .. })));
        assert_eq!(attempts, [1]);
        assert!(waits.is_empty());
        assert_eq!(slept, Duration::ZERO);
    }

    #[test]
    fn follows_the_servers_verdict() {
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
            ..
        } = script(
            RetryPolicy::default(),
            vec![Err(hinted(invalid(), Some(0), Some(true))), Ok("ok")],
        );
        assert_eq!(outcome.ok(), Some("ok"));
        assert_eq!(attempts, [1, 2]);
        assert_eq!(waits, [(1, Duration::ZERO)]);
    }

    #[test]
    fn gives_up_on_long_hints_and_after_the_last_attempt() {
        let limited = LlmError::RateLimited {
            retry_after: Some(Duration::from_secs(600)),
        };
        let Trace {
            outcome,
            attempts,
            slept,
            ..
        } = script(
            RetryPolicy::default(),
            vec![Err(hinted(limited, Some(600), None))],
        );
        assert!(matches!(
            outcome,
            Err(LlmError::RateLimited { retry_after: Some(d) }) if d == Duration::from_secs(600)
        ));
        assert_eq!(attempts, [1]);
        assert_eq!(slept, Duration::ZERO, "a long hint is returned, not slept");

        let policy = RetryPolicy {
            max_attempts: 2,
            base_delay: Duration::ZERO,
            ..RetryPolicy::default()
        };
        let Trace {
            outcome,
            attempts,
            waits,
            ..
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

    #[test]
    fn never_makes_one_attempt() {
        let Trace {
            outcome,
            attempts,
            waits,
            ..
        } = script(RetryPolicy::never(), vec![Err(transient().into())]);
        assert!(matches!(outcome, Err(LlmError::Transient { .. })));
        assert_eq!(attempts, [1]);
        assert!(waits.is_empty());
    }
}
