//! Retries of transient failures, and which requests may be retried at all.
//!
//! Every request the client sends has an [`Idempotency`] class:
//!
//! * [`Idempotency::Read`]: GETs. Retried on transient errors (transport errors,
//!   timeouts, HTTP 5xx and 429, Graph errors flagged `is_transient`, codes 1, 2, 4, 17,
//!   32, 341, 613) with jittered exponential backoff, honouring `Retry-After`.
//! * [`Idempotency::Create`]: creating a media container. Repeating it is harmless in
//!   principle (an unpublished container expires after 24 h), but it costs quota checks
//!   and may leave orphans, so it is **not** retried on those errors.
//! * [`Idempotency::Irreversible`]: `threads_publish`, repost, delete, hide/unhide,
//!   approve/ignore, token exchanges. **Never** retried after the request may have
//!   reached Meta: a timeout after Meta accepted a publish would otherwise post twice.
//!
//! The one failure retried for every class is a *connect* error: the TCP/TLS connection
//! could not be established, so no byte of the request reached the server. A policy of
//! [`RetryPolicy::never`] turns even that off.
//!
//! After an unknown outcome of a publish, reconcile instead of retrying: read the
//! container status ([`PublishHandler::container_status`](crate::api::publish::PublishHandler::container_status));
//! `PUBLISHED` means it went through.
//!
//! The retry loop itself is the [backon](https://docs.rs/backon) crate's, fed with the
//! policy's backoff and the rules above.

use std::future::Future;
use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder, Retryable};

use crate::error::{Error, Result};

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

/// How many attempts a request gets and how long to wait between them. All fields
/// are public; start from [`RetryPolicy::default`] (or [`RetryPolicy::never`]) and
/// adjust. Which requests are retried at all is decided by their [`Idempotency`].
///
/// The wait before retry `n` (1-based) is the server's `Retry-After` when it sent
/// one, and otherwise a random duration between half and all of
/// `min(max_delay, base_delay * 2^(n-1))`. If the server asks to wait longer than
/// `max_retry_after`, the error is returned instead of sleeping.
///
/// The defaults are 3 attempts, a 500 ms base delay, a 10 s backoff cap and
/// `Retry-After` honoured up to 30 s:
///
/// * three attempts ride out a dropped connection or a brief Graph API hiccup
///   without tripling the load while Meta is struggling;
/// * a 500 ms base spreads the two retries over roughly 0.25 to 1.5 s, long enough
///   for a transient error to clear, short enough for an interactive caller;
/// * the 10 s cap only matters when you raise `max_attempts`: it keeps the doubling
///   from reaching minutes;
/// * 30 s is about as long as a worker should hold a task for one request; a longer
///   requested wait comes back as [`ErrorAction::RetryAfter`](crate::error::ErrorAction)
///   so a scheduler can park the job and run it later.
///
/// The same fields with the same defaults configure the retries of the workspace's
/// model providers.
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
/// let delays: Vec<Duration> = policy.delays().collect();
/// assert_eq!(delays.len(), 4);
/// assert!(delays[2] >= Duration::from_millis(400) && delays[2] <= Duration::from_millis(800));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Total attempts, including the first: 1 disables retries (0 is treated as 1).
    /// Default 3.
    pub max_attempts: u32,
    /// The backoff base: the wait before the first retry is between half and all of
    /// it, and the ceiling doubles with each retry. Default 500 ms.
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
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(10),
            max_retry_after: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries: one attempt only, whatever the error.
    pub fn never() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// The jittered backoff delays, one per retry, as the client uses them when the
    /// server sends no `Retry-After`: `max_attempts - 1` values, the `n`-th a random
    /// duration between half and all of `min(max_delay, base_delay * 2^(n-1))` (up to
    /// float rounding).
    ///
    /// Each call draws fresh jitter, so clients retrying at the same moment spread apart.
    pub fn delays(&self) -> impl Iterator<Item = Duration> + Send + Sync + Unpin + use<> {
        self.backoff().build()
    }

    /// Decides whether to retry after `error` on attempt `attempt` (1-based) of a request
    /// of class `idempotency`, and how long to wait first. `None` means: give up.
    ///
    /// This is the decision the client makes after each failed attempt: give up when
    /// the class does not allow a retry ([`Idempotency::may_retry`]), when the attempts
    /// are used up, or when the server's `Retry-After` exceeds
    /// [`max_retry_after`](Self::max_retry_after); otherwise wait for the server's
    /// `Retry-After`, or the `attempt`-th value of [`delays`](Self::delays).
    pub fn next_delay(
        &self,
        attempt: u32,
        idempotency: Idempotency,
        error: &Error,
    ) -> Option<Duration> {
        if !idempotency.may_retry(error) {
            return None;
        }
        let index = usize::try_from(attempt.saturating_sub(1)).unwrap_or(usize::MAX);
        self.wait(error.retry_after(), self.delays().nth(index))
    }

    /// The wait before the next attempt, from the backoff's proposal (`None` once the
    /// attempts are used up) and the server's `Retry-After`.
    fn wait(&self, retry_after: Option<Duration>, backoff: Option<Duration>) -> Option<Duration> {
        let backoff = backoff?;
        match retry_after {
            Some(wait) if wait > self.max_retry_after => None,
            Some(wait) => Some(wait),
            None => Some(backoff),
        }
    }

    /// The backoff schedule as backon's exponential builder, with jitter.
    fn backoff(&self) -> ExponentialBuilder {
        self.curve().with_jitter()
    }

    /// The schedule without jitter: the lower edge of each delay.
    ///
    /// backon's jitter adds a random part of the current delay to it, so a delay `d`
    /// becomes a value in `[d, 2d)`. Halving the base and the cap turns that into
    /// "between half and all of the capped exponential". backon does not cap the first
    /// delay, so the base is capped here.
    fn curve(&self) -> ExponentialBuilder {
        let retries = usize::try_from(self.max_attempts.saturating_sub(1)).unwrap_or(usize::MAX);
        ExponentialBuilder::new()
            .with_factor(2.0)
            .with_min_delay(self.base_delay.min(self.max_delay) / 2)
            .with_max_delay(self.max_delay / 2)
            .with_max_times(retries)
    }
}

/// Runs `attempt` until it succeeds, or fails in a way that `idempotency` and `policy`
/// do not retry ([`RetryPolicy::next_delay`]), sleeping with Tokio in between. Before
/// each wait, `notify` gets the number of the attempt that failed, the wait and the
/// error.
pub(crate) async fn run<T, F, Fut, N>(
    policy: &RetryPolicy,
    idempotency: Idempotency,
    attempt: F,
    mut notify: N,
) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T>>,
    N: FnMut(u32, Duration, &Error),
{
    let mut failed = 0;
    attempt
        .retry(policy.backoff())
        .when(|error: &Error| idempotency.may_retry(error))
        .adjust(|error: &Error, backoff| policy.wait(error.retry_after(), backoff))
        .notify(|error: &Error, wait| {
            failed += 1;
            notify(failed, wait, error);
        })
        .await
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use reqwest::StatusCode;
    use tokio::time::Instant;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn http(status: u16, retry_after: Option<u64>) -> Error {
        Error::Http {
            status: StatusCode::from_u16(status).unwrap(),
            body: String::new(),
            retry_after: retry_after.map(Duration::from_secs),
        }
    }

    /// A real connect error: a connection to a port nobody listens on.
    async fn connect_error() -> Error {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let err = reqwest::Client::new()
            .get(format!("http://127.0.0.1:{port}/"))
            .send()
            .await
            .unwrap_err();
        let err = Error::from_reqwest(err);
        assert!(err.is_connect(), "{err:?}");
        err
    }

    /// Base and cap whose halves are exact in binary, so float rounding in the
    /// backoff cannot blur the bounds.
    fn binary_policy() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 5,
            base_delay: ms(250),
            max_delay: ms(1000),
            ..RetryPolicy::default()
        }
    }

    #[test]
    fn defaults_are_the_documented_ones() {
        let p = RetryPolicy::default();
        assert_eq!(p.max_attempts, 3);
        assert_eq!(p.base_delay, ms(500));
        assert_eq!(p.max_delay, Duration::from_secs(10));
        assert_eq!(p.max_retry_after, Duration::from_secs(30));
        assert_eq!(RetryPolicy::never().max_attempts, 1);
    }

    #[test]
    fn backoff_doubles_and_caps() {
        let lower: Vec<_> = binary_policy().curve().build().collect();
        assert_eq!(lower, [ms(125), ms(250), ms(500), ms(500)]);
        let inverted = RetryPolicy {
            base_delay: Duration::from_secs(8),
            ..binary_policy()
        };
        assert_eq!(inverted.curve().build().next(), Some(ms(500)));

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
    fn backoff_is_jittered() {
        let draw = |seed| {
            binary_policy()
                .backoff()
                .with_jitter_seed(seed)
                .build()
                .collect::<Vec<_>>()
        };
        assert_eq!(draw(3), draw(3));
        assert_ne!(draw(3), draw(4), "different seeds, same delays: no jitter");
    }

    #[test]
    fn only_reads_retry_server_errors() {
        let p = RetryPolicy::default();
        let err = http(500, None);
        assert!(p.next_delay(1, Idempotency::Read, &err).is_some());
        assert!(p.next_delay(1, Idempotency::Create, &err).is_none());
        assert!(p.next_delay(1, Idempotency::Irreversible, &err).is_none());
        // Attempts are bounded.
        assert!(p.next_delay(2, Idempotency::Read, &err).is_some());
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
        assert_eq!(
            p.next_delay(1, Idempotency::Read, &short),
            Some(Duration::from_secs(2))
        );
        let at_bound = http(429, Some(30));
        assert_eq!(
            p.next_delay(1, Idempotency::Read, &at_bound),
            Some(Duration::from_secs(30))
        );
        let long = http(429, Some(3600));
        assert!(p.next_delay(1, Idempotency::Read, &long).is_none());
        // Without a hint, the jittered backoff.
        let plain = p
            .next_delay(1, Idempotency::Read, &http(503, None))
            .unwrap();
        assert!(plain >= ms(250) && plain <= ms(500), "{plain:?}");
    }

    #[test]
    fn never_policy_does_not_retry() {
        assert!(
            RetryPolicy::never()
                .next_delay(1, Idempotency::Read, &http(503, None))
                .is_none()
        );
        assert_eq!(RetryPolicy::never().delays().count(), 0);
        let zero = RetryPolicy {
            max_attempts: 0,
            ..RetryPolicy::default()
        };
        assert_eq!(zero.delays().count(), 0);
    }

    #[tokio::test]
    async fn connect_errors_retry_for_every_class() {
        let err = connect_error().await;
        let p = RetryPolicy::default();
        for class in [
            Idempotency::Read,
            Idempotency::Create,
            Idempotency::Irreversible,
        ] {
            assert!(class.may_retry(&err), "{class:?}");
            assert!(p.next_delay(1, class, &err).is_some(), "{class:?}");
            assert!(RetryPolicy::never().next_delay(1, class, &err).is_none());
        }
    }

    /// What a scripted [`run`] did: its outcome, how many attempts it made, the waits
    /// it announced (attempt number, delay) and the time it slept.
    struct Trace {
        outcome: Result<&'static str>,
        attempts: usize,
        waits: Vec<(u32, Duration)>,
        slept: Duration,
    }

    /// Runs [`run`] over scripted attempt results; the clock is paused, so sleeps
    /// complete at once and the virtual time they took is measured.
    async fn script(
        policy: &RetryPolicy,
        idempotency: Idempotency,
        mut results: Vec<Result<&'static str>>,
    ) -> Trace {
        results.reverse();
        let total = results.len();
        let results = Mutex::new(results);
        let mut waits = Vec::new();
        let start = Instant::now();
        let outcome = run(
            policy,
            idempotency,
            || {
                let next = results
                    .lock()
                    .unwrap()
                    .pop()
                    .expect("scripted enough results");
                async move { next }
            },
            |attempt, delay, _error| waits.push((attempt, delay)),
        )
        .await;
        let slept = start.elapsed();
        let attempts = total - results.into_inner().unwrap().len();
        Trace {
            outcome,
            attempts,
            waits,
            slept,
        }
    }

    #[tokio::test(start_paused = true)]
    async fn run_retries_reads_until_success_and_sleeps_the_waits() {
        let policy = RetryPolicy {
            base_delay: ms(10),
            ..RetryPolicy::default()
        };
        let trace = script(
            &policy,
            Idempotency::Read,
            vec![Err(http(503, None)), Err(http(429, Some(2))), Ok("done")],
        )
        .await;
        assert_eq!(trace.outcome.unwrap(), "done");
        assert_eq!(trace.attempts, 3);
        assert_eq!(trace.waits.len(), 2);
        assert_eq!(trace.waits[0].0, 1);
        assert!(trace.waits[0].1 >= ms(5) && trace.waits[0].1 <= ms(10));
        assert_eq!(trace.waits[1], (2, Duration::from_secs(2)));
        let announced = trace.waits[0].1 + trace.waits[1].1;
        assert!(
            trace.slept >= announced && trace.slept <= announced + ms(2),
            "slept {:?}, announced {announced:?}",
            trace.slept
        );
    }

    #[tokio::test(start_paused = true)]
    async fn run_gives_up_after_max_attempts_and_on_long_retry_after() {
        let p = RetryPolicy::default();
        let trace = script(
            &p,
            Idempotency::Read,
            vec![
                Err(http(503, None)),
                Err(http(503, None)),
                Err(http(502, None)),
            ],
        )
        .await;
        assert_eq!(trace.attempts, 3);
        assert_eq!(
            trace.outcome.unwrap_err().http_status(),
            Some(StatusCode::BAD_GATEWAY)
        );

        let trace = script(&p, Idempotency::Read, vec![Err(http(429, Some(3600)))]).await;
        assert_eq!(trace.attempts, 1);
        assert_eq!(
            trace.slept,
            Duration::ZERO,
            "a long Retry-After is returned, not slept"
        );
        assert_eq!(
            trace.outcome.unwrap_err().retry_after(),
            Some(Duration::from_secs(3600))
        );
    }

    #[tokio::test(start_paused = true)]
    async fn run_never_retries_non_idempotent_calls_after_transient_errors() {
        for class in [Idempotency::Create, Idempotency::Irreversible] {
            let trace = script(
                &RetryPolicy::default(),
                class,
                vec![Err(http(500, None)), Ok("second try")],
            )
            .await;
            assert_eq!(trace.attempts, 1, "{class:?}");
            assert!(trace.outcome.is_err());
            assert!(trace.waits.is_empty());
        }
        // A read with the same error is retried.
        let trace = script(
            &RetryPolicy::default(),
            Idempotency::Read,
            vec![Err(http(500, None)), Ok("second try")],
        )
        .await;
        assert_eq!(trace.attempts, 2);
    }

    #[tokio::test]
    async fn run_retries_non_idempotent_calls_only_when_the_connection_never_opened() {
        let policy = RetryPolicy {
            base_delay: ms(1),
            max_delay: ms(1),
            ..RetryPolicy::default()
        };
        for class in [Idempotency::Create, Idempotency::Irreversible] {
            let trace = script(&policy, class, vec![Err(connect_error().await), Ok("sent")]).await;
            assert_eq!(trace.outcome.unwrap(), "sent", "{class:?}");
            assert_eq!(trace.attempts, 2);
            // Bounded like any retry, and off with `never`.
            let trace = script(
                &policy,
                class,
                vec![
                    Err(connect_error().await),
                    Err(connect_error().await),
                    Err(connect_error().await),
                ],
            )
            .await;
            assert!(trace.outcome.unwrap_err().is_connect());
            assert_eq!(trace.attempts, 3);
            let trace = script(
                &RetryPolicy::never(),
                class,
                vec![Err(connect_error().await), Ok("sent")],
            )
            .await;
            assert_eq!(trace.attempts, 1);
        }
    }
}
