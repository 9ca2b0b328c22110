//! A leased, fenced job queue: [`Job`], [`NewJob`] and [`JobQueue`].

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::ids::{AccountId, FenceToken, JobId};
use crate::insertion::Insertion;

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

str_enum! {
    /// A job's state.
    pub enum JobState {
        /// Waiting for `run_at` (new or scheduled for a retry).
        Queued => "queued",
        /// Claimed by a worker until `lease_expires_at`; once that passes, the job
        /// is claimable again.
        Running => "running",
        /// Done.
        Completed => "completed",
        /// Gave up (max attempts reached, or dead-lettered explicitly).
        DeadLettered => "dead_lettered",
    }
}

impl JobState {
    /// Queued or running: the states in which a dedup key is "live".
    pub fn is_live(self) -> bool {
        matches!(self, Self::Queued | Self::Running)
    }
}

/// A job to enqueue.
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    /// Queue name; workers claim from one queue.
    pub queue: String,
    /// Handler name within the queue (e.g. `"publish"`).
    pub kind: String,
    /// Handler input (keep secrets out of it).
    pub payload: serde_json::Value,
    /// The account the job works for (so account deletion removes it).
    pub account_id: Option<AccountId>,
    /// Earliest run time; `None` means now (by the store's clock).
    pub run_at: Option<DateTime<Utc>>,
    /// While a live (queued or running) job in the same queue has this key,
    /// enqueueing returns that job instead of a new one.
    pub dedup_key: Option<String>,
    /// Claims allowed before the job is dead-lettered (at least 1).
    pub max_attempts: u32,
}

impl NewJob {
    /// A job due now, 5 attempts, no dedup key, no account.
    pub fn new(
        queue: impl Into<String>,
        kind: impl Into<String>,
        payload: serde_json::Value,
    ) -> Self {
        Self {
            queue: queue.into(),
            kind: kind.into(),
            payload,
            account_id: None,
            run_at: None,
            dedup_key: None,
            max_attempts: 5,
        }
    }

    /// A job due now (5 attempts, no dedup key, no account) whose payload is
    /// `payload` serialized to JSON; read it back with [`Job::payload_as`].
    /// [`Error::InvalidInput`](crate::Error::InvalidInput) if it does not
    /// serialize (a map with non-text keys, for example).
    ///
    /// ```
    /// use serde::{Deserialize, Serialize};
    /// use store_traits::{JobId, NewJob};
    ///
    /// #[derive(Debug, PartialEq, Serialize, Deserialize)]
    /// struct Publish { draft: String }
    ///
    /// let job = NewJob::typed("publish", "publish_draft", &Publish { draft: "d-1".into() })?
    ///     .into_queued(JobId::new(), chrono::Utc::now());
    /// assert_eq!(job.payload_as::<Publish>()?, Publish { draft: "d-1".into() });
    /// # Ok::<(), store_traits::Error>(())
    /// ```
    pub fn typed<T: Serialize>(
        queue: impl Into<String>,
        kind: impl Into<String>,
        payload: &T,
    ) -> Result<Self> {
        let kind = kind.into();
        let payload = serde_json::to_value(payload).map_err(|e| {
            Error::InvalidInput(format!(
                "the payload of a {kind:?} job does not serialize: {e}"
            ))
        })?;
        Ok(Self::new(queue, kind, payload))
    }

    /// Sets the account.
    pub fn account(mut self, account_id: AccountId) -> Self {
        self.account_id = Some(account_id);
        self
    }

    /// Sets the earliest run time.
    pub fn run_at(mut self, at: DateTime<Utc>) -> Self {
        self.run_at = Some(at);
        self
    }

    /// Sets the dedup key.
    pub fn dedup_key(mut self, key: impl Into<String>) -> Self {
        self.dedup_key = Some(key.into());
        self
    }

    /// Sets the attempt bound.
    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n;
        self
    }

    /// What every store requires of a new job: a queue name and at least one
    /// attempt. [`Error::InvalidInput`](crate::Error::InvalidInput) otherwise.
    pub fn validate(&self) -> crate::Result<()> {
        if self.queue.is_empty() {
            return Err(crate::Error::InvalidInput("queue name is empty".into()));
        }
        if self.max_attempts == 0 {
            return Err(crate::Error::InvalidInput(
                "max_attempts must be at least 1".into(),
            ));
        }
        Ok(())
    }

    /// The job as a store records it when enqueued at `now` under `id`:
    /// queued, no attempts yet, due at its `run_at` (or `now`), no lease.
    pub fn into_queued(self, id: JobId, now: DateTime<Utc>) -> Job {
        Job {
            id,
            queue: self.queue,
            kind: self.kind,
            payload: self.payload,
            account_id: self.account_id,
            dedup_key: self.dedup_key,
            state: JobState::Queued,
            run_at: self.run_at.unwrap_or(now),
            attempts: 0,
            max_attempts: self.max_attempts,
            fence: None,
            lease_owner: None,
            lease_expires_at: None,
            last_error: None,
            created_at: now,
            updated_at: now,
            finished_at: None,
        }
    }
}

/// A job as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    /// The job's id.
    pub id: JobId,
    /// Queue name.
    pub queue: String,
    /// Handler name.
    pub kind: String,
    /// Handler input.
    pub payload: serde_json::Value,
    /// The account it works for.
    pub account_id: Option<AccountId>,
    /// Dedup key.
    pub dedup_key: Option<String>,
    /// State.
    pub state: JobState,
    /// Earliest (next) run time.
    pub run_at: DateTime<Utc>,
    /// Claims so far (incremented by each claim).
    pub attempts: u32,
    /// Claims allowed.
    pub max_attempts: u32,
    /// The fencing token of the latest claim.
    pub fence: Option<FenceToken>,
    /// Worker holding (or last holding) the lease.
    pub lease_owner: Option<String>,
    /// When the current lease ends (set while running).
    pub lease_expires_at: Option<DateTime<Utc>>,
    /// The last error reported by a worker.
    pub last_error: Option<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// When it completed or was dead-lettered.
    pub finished_at: Option<DateTime<Utc>>,
}

impl Job {
    /// The payload as `T` (the inverse of [`NewJob::typed`]).
    /// [`Error::InvalidInput`](crate::Error::InvalidInput) naming the job and
    /// the mismatch if the payload does not have `T`'s shape.
    pub fn payload_as<T: DeserializeOwned>(&self) -> Result<T> {
        T::deserialize(&self.payload).map_err(|e| {
            Error::InvalidInput(format!(
                "the payload of job {} ({:?}) does not decode: {e}",
                self.id, self.kind
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn validation_names_the_broken_field() {
        let ok = NewJob::new("q", "k", serde_json::json!({}));
        assert!(ok.validate().is_ok());
        let no_queue = NewJob::new("", "k", serde_json::json!({})).validate();
        assert!(matches!(no_queue, Err(crate::Error::InvalidInput(m)) if m.contains("queue")));
        let no_attempts = ok.clone().max_attempts(0).validate();
        assert!(
            matches!(no_attempts, Err(crate::Error::InvalidInput(m)) if m.contains("max_attempts"))
        );
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Publish {
        draft: String,
        attempt: u32,
    }

    #[test]
    fn typed_payloads_round_trip() {
        let now = Utc.with_ymd_and_hms(2026, 12, 3, 9, 0, 0).unwrap();
        let payload = Publish {
            draft: "d-1".into(),
            attempt: 2,
        };
        let new = NewJob::typed("q", "publish", &payload).unwrap();
        assert_eq!(
            new.payload,
            serde_json::json!({"draft": "d-1", "attempt": 2})
        );
        assert_eq!((new.queue.as_str(), new.kind.as_str()), ("q", "publish"));
        let job = new.into_queued(JobId::new(), now);
        assert_eq!(job.payload_as::<Publish>().unwrap(), payload);
    }

    #[test]
    fn a_payload_that_does_not_serialize_is_invalid_input() {
        // JSON object keys must be text; a map keyed by tuples cannot be encoded.
        let mut map = std::collections::BTreeMap::new();
        map.insert((1, 2), "x");
        let err = NewJob::typed("q", "odd", &map).unwrap_err();
        assert!(
            matches!(&err, crate::Error::InvalidInput(m) if m.contains("\"odd\"")),
            "{err:?}"
        );
    }

    #[test]
    fn a_payload_of_another_shape_names_the_job() {
        let now = Utc.with_ymd_and_hms(2026, 12, 3, 9, 0, 0).unwrap();
        let job = NewJob::new("q", "publish", serde_json::json!({"draft": 7}))
            .into_queued(JobId::new(), now);
        let err = job.payload_as::<Publish>().unwrap_err();
        match &err {
            crate::Error::InvalidInput(m) => {
                assert!(m.contains(&job.id.to_string()), "{m}");
                assert!(m.contains("invalid type"), "the serde error is kept: {m}");
            }
            other => panic!("expected InvalidInput, got {other:?}"),
        }
    }

    #[test]
    fn a_queued_job_is_due_at_its_run_at_or_now() {
        let now = Utc.with_ymd_and_hms(2026, 12, 3, 9, 0, 0).unwrap();
        let later = now + chrono::TimeDelta::hours(2);
        let id = JobId::new();
        let job = NewJob::new("q", "publish", serde_json::json!({"n": 1}))
            .dedup_key("d")
            .max_attempts(3)
            .into_queued(id, now);
        assert_eq!(
            (
                job.id,
                job.state,
                job.run_at,
                job.attempts,
                job.max_attempts
            ),
            (id, JobState::Queued, now, 0, 3)
        );
        assert_eq!((job.created_at, job.updated_at), (now, now));
        assert_eq!(job.dedup_key.as_deref(), Some("d"));
        assert!(job.fence.is_none() && job.lease_owner.is_none() && job.finished_at.is_none());
        let scheduled = NewJob::new("q", "publish", serde_json::json!({}))
            .run_at(later)
            .into_queued(JobId::new(), now);
        assert_eq!(scheduled.run_at, later);
    }
}
