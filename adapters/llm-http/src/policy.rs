//! [`RetryPolicy`]: how many attempts a model call gets and how long to wait
//! between them.

use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};

use crate::retry::Failure;

/// How a provider retries throttled and transient failures. All fields are
/// public; start from [`RetryPolicy::default`] (or [`RetryPolicy::never`])
/// and change what you need.
///
/// The defaults are 3 attempts, a 500 ms base delay, a 10 s backoff cap and
/// server-requested waits honoured up to 30 s:
///
/// * three attempts ride out a dropped connection or a brief overload
///   without tripling the load on a provider that is down;
/// * a 500 ms base spreads the two retries over roughly 0.25 to 1.5 s, long
///   enough for a load balancer to route around a bad node, short enough
///   that an interactive caller does not notice;
/// * the 10 s cap only matters when you raise `max_attempts`: it keeps the
///   doubling from reaching minutes;
/// * 30 s is about as long as a worker should hold a task for one request;
///   when a provider asks for a longer pause (a spent per-minute quota), the
///   error is returned with the server's hint so a scheduler can park the
///   job and run it later instead.
///
/// The same fields with the same defaults configure the Threads client's
/// retries (`threads_api::RetryPolicy`).
///
/// ```
/// use std::time::Duration;
/// use llm_http::RetryPolicy;
///
/// let patient = RetryPolicy {
///     max_attempts: 5,
///     max_retry_after: Duration::from_secs(60),
///     ..RetryPolicy::default()
/// };
/// assert_eq!(patient.delays().count(), 4);
/// assert_eq!(RetryPolicy::never().delays().count(), 0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Total attempts, the first one included: 1 disables retries (0 is
    /// treated as 1). Default 3.
    pub max_attempts: u32,
    /// The backoff base: the wait before the first retry is between half
    /// and all of it, and the ceiling doubles with each retry. Default 500 ms.
    pub base_delay: Duration,
    /// The ceiling of the exponential backoff. Default 10 s.
    pub max_delay: Duration,
    /// The longest server-requested wait (`retry-after-ms` / `retry-after`)
    /// that is slept through; a longer one ends the call with the error
    /// (for a 429, `LlmError::RateLimited` carrying the wait). Default 30 s.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(10),
            max_retry_after: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries: one attempt only.
    pub fn never() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// The jittered backoff delays, one per retry, as the retry loop uses
    /// them when the server gives no hint: `max_attempts - 1` values, the
    /// `n`-th a random duration between half and all of
    /// `min(base_delay * 2^(n-1), max_delay)` (up to float rounding).
    ///
    /// Each call draws fresh jitter, so concurrent callers spread apart.
    pub fn delays(&self) -> impl Iterator<Item = Duration> + Send + Sync + Unpin + use<> {
        self.backoff().build()
    }

    /// Whether to retry after `failure`, the outcome of attempt number
    /// `attempt` (1 for the first), and how long to wait first; `None`
    /// means give up and return the error.
    ///
    /// Gives up when the failure is not retryable ([`Failure::is_retryable`]),
    /// when the attempts are used up, or when the server asks to wait longer
    /// than [`max_retry_after`](Self::max_retry_after). A server hint within
    /// that bound is the wait; otherwise the wait is the `attempt`-th value of
    /// [`delays`](Self::delays). This is the decision [`run`](crate::run)
    /// makes after each failed attempt.
    ///
    /// ```
    /// use std::time::Duration;
    /// use llm_http::{Failure, RetryPolicy, ServerHints};
    /// use persona_core::LlmError;
    ///
    /// let throttled = |wait| Failure::new(
    ///     LlmError::RateLimited { retry_after: Some(wait) },
    ///     ServerHints { retry_after: Some(wait), should_retry: None },
    /// );
    /// let policy = RetryPolicy::default();
    /// let short = throttled(Duration::from_secs(2));
    /// assert_eq!(policy.next_delay(1, &short), Some(Duration::from_secs(2)));
    /// assert_eq!(policy.next_delay(3, &short), None); // attempts used up
    /// assert_eq!(policy.next_delay(1, &throttled(Duration::from_secs(600))), None);
    /// ```
    pub fn next_delay(&self, attempt: u32, failure: &Failure) -> Option<Duration> {
        if !failure.is_retryable() {
            return None;
        }
        let index = usize::try_from(attempt.saturating_sub(1)).unwrap_or(usize::MAX);
        self.wait(failure.hints.retry_after, self.delays().nth(index))
    }

    /// The wait before the next attempt, from the backoff's proposal
    /// (`None` once the attempts are used up) and the server's hint.
    pub(crate) fn wait(
        &self,
        hint: Option<Duration>,
        backoff: Option<Duration>,
    ) -> Option<Duration> {
        let backoff = backoff?;
        match hint {
            Some(wait) if wait > self.max_retry_after => None,
            Some(wait) => Some(wait),
            None => Some(backoff),
        }
    }

    /// The backoff schedule as backon's exponential builder, with jitter.
    pub(crate) fn backoff(&self) -> ExponentialBuilder {
        self.curve().with_jitter()
    }

    /// The schedule without jitter: the lower edge of each delay.
    ///
    /// backon's jitter adds a random part of the current delay to it, so a
    /// delay `d` becomes a value in `[d, 2d)`. Halving the base and the cap
    /// turns that into "between half and all of the capped exponential".
    /// backon does not cap the first delay, so the base is capped here.
    fn curve(&self) -> ExponentialBuilder {
        let retries = usize::try_from(self.max_attempts.saturating_sub(1)).unwrap_or(usize::MAX);
        ExponentialBuilder::new()
            .with_factor(2.0)
            .with_min_delay(self.base_delay.min(self.max_delay) / 2)
            .with_max_delay(self.max_delay / 2)
            .with_max_times(retries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hints::ServerHints;
    use persona_core::LlmError;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// Base and cap whose halves are exact in binary, so float rounding in
    /// the backoff cannot blur the bounds.
    fn binary_policy() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 5,
            base_delay: ms(250),
            max_delay: ms(1000),
            ..RetryPolicy::default()
        }
    }

    fn failure(error: LlmError, wait: Option<Duration>, verdict: Option<bool>) -> Failure {
        Failure::new(
            error,
            ServerHints {
                retry_after: wait,
                should_retry: verdict,
            },
        )
    }

    fn transient() -> LlmError {
        LlmError::Transient {
            message: "HTTP 503".into(),
            source: None,
        }
    }

    #[test]
    fn defaults_are_the_documented_ones() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.max_attempts, 3);
        assert_eq!(policy.base_delay, ms(500));
        assert_eq!(policy.max_delay, Duration::from_secs(10));
        assert_eq!(policy.max_retry_after, Duration::from_secs(30));
        assert_eq!(RetryPolicy::never().max_attempts, 1);
    }

    #[test]
    fn the_curve_doubles_from_half_the_base_and_stays_capped() {
        let lower: Vec<_> = binary_policy().curve().build().collect();
        assert_eq!(lower, [ms(125), ms(250), ms(500), ms(500)]);
        // A base above the cap starts at the cap.
        let inverted = RetryPolicy {
            base_delay: Duration::from_secs(8),
            max_delay: ms(1000),
            ..binary_policy()
        };
        assert_eq!(inverted.curve().build().next(), Some(ms(500)));
    }

    #[test]
    fn jittered_delays_lie_between_half_and_all_of_the_ceiling() {
        let ceilings = [ms(250), ms(500), ms(1000), ms(1000)];
        for seed in 0..500 {
            let delays: Vec<_> = binary_policy()
                .backoff()
                .with_jitter_seed(seed)
                .build()
                .collect();
            assert_eq!(delays.len(), ceilings.len());
            for (delay, ceiling) in delays.iter().zip(ceilings) {
                assert!(
                    *delay >= ceiling / 2 && *delay < ceiling,
                    "seed {seed}: {delay:?} outside [{:?}, {ceiling:?})",
                    ceiling / 2
                );
            }
        }
    }

    #[test]
    fn delays_are_jittered() {
        let draw = |seed| {
            binary_policy()
                .backoff()
                .with_jitter_seed(seed)
                .build()
                .collect::<Vec<_>>()
        };
        assert_eq!(draw(7), draw(7), "a seed fixes the jitter");
        assert_ne!(draw(7), draw(8), "different seeds, same delays: no jitter");
        let first = RetryPolicy::default().delays().next();
        assert!(
            (0..20).any(|_| RetryPolicy::default().delays().next() != first),
            "twenty identical unseeded delays: no jitter"
        );
    }

    #[test]
    fn attempts_bound_the_number_of_delays() {
        assert_eq!(RetryPolicy::default().delays().count(), 2);
        assert_eq!(RetryPolicy::never().delays().count(), 0);
        let zero = RetryPolicy {
            max_attempts: 0,
            ..RetryPolicy::default()
        };
        assert_eq!(zero.delays().count(), 0);
    }

    #[test]
    fn huge_durations_saturate_instead_of_panicking() {
        let huge = RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::MAX,
            max_delay: Duration::MAX,
            ..RetryPolicy::default()
        };
        let delays: Vec<_> = huge.delays().collect();
        assert_eq!(delays.len(), 3);
        assert!(delays.iter().all(|d| *d >= Duration::MAX / 4), "{delays:?}");
    }

    #[test]
    fn next_delay_prefers_hints_and_respects_bounds() {
        let policy = RetryPolicy {
            max_attempts: 3,
            base_delay: ms(1),
            max_retry_after: Duration::from_secs(10),
            ..RetryPolicy::default()
        };
        let hinted = |secs| failure(transient(), Some(Duration::from_secs(secs)), None);
        assert_eq!(
            policy.next_delay(1, &hinted(4)),
            Some(Duration::from_secs(4))
        );
        assert_eq!(
            policy.next_delay(1, &hinted(10)),
            Some(Duration::from_secs(10))
        );
        assert_eq!(policy.next_delay(1, &hinted(11)), None);
        let plain = failure(transient(), None, None);
        let second = policy.next_delay(2, &plain).expect("a second retry");
        assert!(second >= ms(1) && second <= ms(2), "{second:?}");
        assert_eq!(policy.next_delay(3, &plain), None);
        assert_eq!(policy.next_delay(3, &hinted(0)), None);
        assert_eq!(RetryPolicy::never().next_delay(1, &plain), None);
    }

    #[test]
    fn next_delay_follows_the_error_and_the_servers_verdict() {
        let policy = RetryPolicy::default();
        let invalid = || LlmError::InvalidRequest {
            message: "HTTP 400".into(),
        };
        assert_eq!(policy.next_delay(1, &failure(invalid(), None, None)), None);
        assert_eq!(
            policy.next_delay(1, &failure(invalid(), Some(Duration::ZERO), Some(true))),
            Some(Duration::ZERO)
        );
        assert_eq!(
            policy.next_delay(1, &failure(transient(), None, Some(false))),
            None
        );
    }
}
