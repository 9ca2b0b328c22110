//! Time for code that waits: the [`Sleeper`] trait and its tokio default.
//!
//! The publish flow ([`PublishFlow`](crate::api::publish::PublishFlow)) waits between
//! container status checks and stops at a deadline. It reads the time and sleeps only
//! through a [`Sleeper`], so a test, or a program whose server runs on a virtual clock
//! (an emulator driven by a manual clock), can make the wait follow that clock instead
//! of real time. [`TokioSleeper`] is the default: real time, through tokio's timer (and
//! so also tokio's paused clock in tests that pause it).
//!
//! ```
//! use std::sync::{Arc, Mutex};
//! use std::time::{Duration, Instant};
//!
//! use futures::future::BoxFuture;
//! use threads_api::Sleeper;
//!
//! /// Never sleeps: moves its own clock forward and remembers each wait.
//! #[derive(Debug)]
//! struct Instantly {
//!     start: Instant,
//!     slept: Mutex<Vec<Duration>>,
//! }
//!
//! impl Sleeper for Instantly {
//!     fn now(&self) -> Instant {
//!         let slept = self.slept.lock().expect("not poisoned");
//!         self.start + slept.iter().sum::<Duration>()
//!     }
//!
//!     fn sleep(&self, duration: Duration) -> BoxFuture<'_, ()> {
//!         self.slept.lock().expect("not poisoned").push(duration);
//!         Box::pin(std::future::ready(()))
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let sleeper = Arc::new(Instantly { start: Instant::now(), slept: Mutex::default() });
//! let before = sleeper.now();
//! sleeper.sleep(Duration::from_secs(60)).await; // returns at once
//! assert_eq!(sleeper.now() - before, Duration::from_secs(60));
//! # }
//! ```
//!
//! Hand such a sleeper to a flow with
//! [`PublishFlow::sleeper`](crate::api::publish::PublishFlow::sleeper).

use std::fmt::Debug;
use std::time::{Duration, Instant};

use futures::future::BoxFuture;

/// A clock to measure waits with, and a way to wait on it.
///
/// Implementations must be monotonic: `now()` never goes backwards, and after
/// `sleep(d)` completes, `now()` is at least `d` later than before the call. The
/// instants only need to be comparable with each other; they need not follow real
/// time.
pub trait Sleeper: Send + Sync + Debug {
    /// The current instant on this sleeper's clock.
    fn now(&self) -> Instant;

    /// Completes once `duration` has passed on this sleeper's clock.
    fn sleep(&self, duration: Duration) -> BoxFuture<'_, ()>;
}

/// Real time through tokio's timer: [`tokio::time::sleep`] and
/// [`tokio::time::Instant::now`] (which follows tokio's clock when a test pauses it).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TokioSleeper;

impl Sleeper for TokioSleeper {
    fn now(&self) -> Instant {
        tokio::time::Instant::now().into_std()
    }

    fn sleep(&self, duration: Duration) -> BoxFuture<'_, ()> {
        Box::pin(tokio::time::sleep(duration))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn tokio_sleeper_sleeps_in_real_time() {
        let sleeper = TokioSleeper;
        let before = sleeper.now();
        let real = Instant::now();
        sleeper.sleep(Duration::from_millis(20)).await;
        assert!(sleeper.now() - before >= Duration::from_millis(20));
        assert!(real.elapsed() >= Duration::from_millis(20));
    }
}
