//! Waiting, through one seam: the [`Sleeper`].
//!
//! The pipeline reads time from a [`Clock`](store_traits::Clock) and waits
//! through a [`Sleeper`]; it never calls `tokio::time::sleep` or
//! `Utc::now()` itself. Production uses [`TokioSleeper`] with the system
//! clock; tests use [`ManualSleeper`], which moves a shared
//! [`ManualClock`](store_traits::ManualClock) forward instead of sleeping, so
//! the store, the pipeline, the worker and the emulator all see the same time
//! and no test waits for real.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::TimeDelta;
use store_traits::ManualClock;

/// Waits for a duration to pass.
#[async_trait]
pub trait Sleeper: Send + Sync + fmt::Debug {
    /// Returns once `duration` has passed (at once for zero or negative durations).
    async fn sleep(&self, duration: TimeDelta);
}

/// Real waiting on the tokio timer.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioSleeper;

#[async_trait]
impl Sleeper for TokioSleeper {
    async fn sleep(&self, duration: TimeDelta) {
        if let Ok(d) = duration.to_std() {
            tokio::time::sleep(d).await;
        }
    }
}

/// Moves a [`ManualClock`] forward by the requested duration and returns at
/// once (after yielding to other tasks), so code on a manual clock never
/// sleeps.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use std::sync::Arc;
/// use chrono::{TimeDelta, TimeZone, Utc};
/// use content_pipeline::{ManualSleeper, Sleeper};
/// use store_traits::{Clock, ManualClock};
///
/// let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap()));
/// ManualSleeper::new(clock.clone()).sleep(TimeDelta::minutes(5)).await;
/// assert_eq!(clock.now(), Utc.with_ymd_and_hms(2026, 3, 1, 9, 5, 0).unwrap());
/// # });
/// ```
#[derive(Debug, Clone)]
pub struct ManualSleeper {
    clock: Arc<ManualClock>,
}

impl ManualSleeper {
    /// A sleeper that moves `clock`.
    pub fn new(clock: Arc<ManualClock>) -> Self {
        Self { clock }
    }
}

#[async_trait]
impl Sleeper for ManualSleeper {
    async fn sleep(&self, duration: TimeDelta) {
        if duration > TimeDelta::zero() {
            self.clock.advance(duration);
        }
        tokio::task::yield_now().await;
    }
}

/// Exponential backoff with full jitter: a random delay in
/// `[base * 2^(n-1) / 2, base * 2^(n-1)]`, capped at `max`. `n` counts from 1.
pub(crate) fn backoff(base: TimeDelta, max: TimeDelta, n: u32) -> TimeDelta {
    let exp = n.saturating_sub(1).min(20);
    let ceiling = base
        .checked_mul(1i32 << exp)
        .unwrap_or(max)
        .min(max)
        .max(TimeDelta::zero());
    let half = ceiling / 2;
    let spread = (ceiling - half).num_milliseconds().max(0);
    let jitter = if spread == 0 {
        0
    } else {
        rand::random_range(0..=spread)
    };
    half + TimeDelta::milliseconds(jitter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_caps() {
        let base = TimeDelta::seconds(2);
        let max = TimeDelta::seconds(60);
        for n in 1..30 {
            let d = backoff(base, max, n);
            let ceiling = (base * (1 << (n - 1).min(20))).min(max);
            assert!(
                d >= ceiling / 2 && d <= ceiling,
                "n={n}: {d} outside [{}, {ceiling}]",
                ceiling / 2
            );
        }
    }
}
