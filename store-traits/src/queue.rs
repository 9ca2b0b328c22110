//! [`JobQueue`]: a leased, fenced job queue.

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};

use crate::error::Result;
use crate::ids::{AccountId, FenceToken, JobId};
use crate::records::{Insertion, Job, JobState, NewJob};

/// Which jobs to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobFilter {
    /// Only this queue.
    pub queue: Option<String>,
    /// Only jobs for this account.
    pub account_id: Option<AccountId>,
    /// Only these states (empty: any).
    pub states: Vec<JobState>,
    /// At most this many (`None`: all).
    pub limit: Option<usize>,
}

/// A durable job queue with leases and fencing tokens.
///
/// # Guarantees
/// - **Exactly one claimer**: a due job is handed to at most one caller of
///   [`claim`](JobQueue::claim) per lease. The claim re-checks its condition in
///   the same atomic step that takes the job (PostgreSQL: `FOR UPDATE SKIP
///   LOCKED` plus a conditional `UPDATE`; SQLite: one immediate write transaction).
/// - **At-least-once execution**: a job runs until a worker completes it,
///   dead-letters it, or it reaches `max_attempts`. A worker that dies (or stalls
///   past its lease) loses the job: once `lease_expires_at <= now`, the claim query
///   itself treats the job as due again. So a handler may run more than once and
///   must be idempotent (or use the publish ledger).
/// - **Fencing**: every claim sets a new [`FenceToken`] drawn from a store-wide,
///   strictly increasing sequence. [`extend_lease`](JobQueue::extend_lease),
///   [`complete`](JobQueue::complete), [`retry`](JobQueue::retry) and
///   [`dead_letter`](JobQueue::dead_letter) succeed only while the job is
///   `Running` with that same token; otherwise they fail with
///   [`Error::StaleFence`](crate::Error::StaleFence) and change nothing. A write
///   with the current token succeeds even after the lease ran out, as long as no
///   one claimed the job again (nothing happened that makes it stale).
/// - **Bounded attempts**: `attempts` counts claims. A claim never hands out a
///   job whose attempts reached `max_attempts`; such a job whose lease expired is
///   moved to `DeadLettered` by the claim, and [`retry`](JobQueue::retry) on the
///   last attempt dead-letters instead of rescheduling.
/// - **Dedup keys**: [`enqueue`](JobQueue::enqueue) with a `dedup_key` that a live
///   (queued or running) job of the same queue holds returns that job as
///   [`Insertion::Existing`]. Once the job completes or is dead-lettered, the key
///   is free again.
///
/// All times (due, lease expiry) come from the store's clock.
///
/// # What fencing cannot do
/// The store rejects stale *writes*; it cannot stop a stalled worker from making
/// an external call (the Threads API does not check our tokens). Workers must
/// re-check the lease (e.g. [`extend_lease`](JobQueue::extend_lease)) immediately
/// before an irreversible call and reconcile afterwards; the remaining window is
/// the duration of that call.
#[async_trait]
pub trait JobQueue: Send + Sync {
    /// Adds a job (or returns the live job holding its dedup key).
    /// [`Error::InvalidInput`](crate::Error::InvalidInput) for an empty queue name
    /// or `max_attempts == 0`.
    async fn enqueue(&self, job: NewJob) -> Result<Insertion<Job>>;

    /// Claims up to `limit` due jobs of `queue` for `worker`, each leased for
    /// `lease`. Due: `Queued` with `run_at <= now`, or `Running` with
    /// `lease_expires_at <= now`, ordered by `(run_at, id)`. Each claimed job
    /// becomes `Running` with `attempts + 1`, a new fence, `lease_owner = worker`
    /// and `lease_expires_at = now + lease`.
    async fn claim(
        &self,
        queue: &str,
        worker: &str,
        limit: usize,
        lease: TimeDelta,
    ) -> Result<Vec<Job>>;

    /// Sets `lease_expires_at = now + lease` (a heartbeat, and the re-check before
    /// an irreversible call).
    async fn extend_lease(&self, id: JobId, fence: FenceToken, lease: TimeDelta) -> Result<Job>;

    /// Marks the job `Completed` and clears the lease.
    async fn complete(&self, id: JobId, fence: FenceToken) -> Result<Job>;

    /// Schedules another attempt at `at` (state `Queued`, lease cleared,
    /// `last_error` set); if `attempts >= max_attempts`, dead-letters instead.
    /// The returned job shows which happened.
    async fn retry(
        &self,
        id: JobId,
        fence: FenceToken,
        at: DateTime<Utc>,
        error: &str,
    ) -> Result<Job>;

    /// Gives up on the job now (`DeadLettered`, `last_error` set).
    async fn dead_letter(&self, id: JobId, fence: FenceToken, error: &str) -> Result<Job>;

    /// Puts a dead-lettered job back in the queue at `at` with `attempts = 0`
    /// (an operator's decision). [`Error::InvalidState`](crate::Error::InvalidState)
    /// if it is not dead-lettered.
    async fn requeue(&self, id: JobId, at: DateTime<Utc>) -> Result<Job>;

    /// Removes a `Queued` job; `true` if removed, `false` if unknown or not queued
    /// (a running job must be finished by its worker).
    async fn cancel_job(&self, id: JobId) -> Result<bool>;

    /// Reads a job.
    async fn get_job(&self, id: JobId) -> Result<Option<Job>>;

    /// Jobs matching `filter`, ordered by `(created_at, id)`.
    async fn list_jobs(&self, filter: &JobFilter) -> Result<Vec<Job>>;
}
