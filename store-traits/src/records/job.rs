//! Jobs in the queue.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{AccountId, FenceToken, JobId};

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
