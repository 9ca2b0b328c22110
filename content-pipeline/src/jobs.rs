//! Queued work: typed [`Task`]s, running one claimed job, and what becomes of it.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use store_traits::{AccountId, DraftId, FenceToken, Insertion, Job, JobId, NewJob, SourceId};

use crate::network::InboundEvent;

use crate::error::{Error, Result};
use crate::pipeline::{Inner, Pipeline};
use crate::probe::Step;

/// Queue names.
pub mod queues {
    /// Publishing (posts, replies, chain parts).
    pub const PUBLISH: &str = "publish";
    /// Replies and mentions: webhook events and polling.
    pub const CONVERSATIONS: &str = "conversations";
    /// Account upkeep (token refresh).
    pub const ACCOUNTS: &str = "accounts";
    /// Insights snapshots.
    pub const INSIGHTS: &str = "insights";
    /// Feed sources.
    pub const SOURCES: &str = "sources";
    /// Retention purges.
    pub const MAINTENANCE: &str = "maintenance";
    /// All of them, in the order a worker polls them.
    pub const ALL: [&str; 6] = [
        PUBLISH,
        CONVERSATIONS,
        ACCOUNTS,
        INSIGHTS,
        SOURCES,
        MAINTENANCE,
    ];
}

/// Claims allowed per publish job. Publishing is bounded by its deadline
/// ([`PublishPolicy::deadline`](crate::config::PublishPolicy::deadline)), not by
/// a claim count: each claim that only waits (for a container, a quota, a
/// parent post) hands the job back.
const PUBLISH_ATTEMPTS: u32 = 10_000;
/// Claims allowed per recurring job (refresh, poll, snapshot, feed, purge):
/// unbounded in practice. One such job lives as long as its subject and is
/// run again at each due time; a refresh's failures are bounded by the
/// token's expiry, after which the account needs its owner and the job ends.
const RECURRING_ATTEMPTS: u32 = u32::MAX;
/// Claims allowed per inbound event before it is dead-lettered for a person.
const INBOUND_ATTEMPTS: u32 = 50;

/// One unit of queued work, stored as the job's typed payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "task", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Task {
    /// Publish a draft (or carry on publishing it).
    Publish {
        /// The draft.
        draft_id: DraftId,
    },
    /// Refresh an account's token if it is due.
    RefreshToken {
        /// The account.
        account_id: AccountId,
    },
    /// Handle one event about an account (a reply, a mention, a publish or
    /// delete notice), from a webhook or from polling.
    Inbound {
        /// The account.
        account_id: AccountId,
        /// The event.
        event: InboundEvent,
    },
    /// Look for replies and mentions a webhook may have missed.
    Poll {
        /// The account.
        account_id: AccountId,
    },
    /// Take an insights snapshot of an account.
    Snapshot {
        /// The account.
        account_id: AccountId,
    },
    /// Read a feed source and draft its new items.
    FetchFeed {
        /// The account.
        account_id: AccountId,
        /// The feed.
        source_id: SourceId,
    },
    /// Apply the retention policy to the whole store.
    Purge,
}

impl Task {
    /// The queue the task runs on.
    pub fn queue(&self) -> &'static str {
        match self {
            Task::Publish { .. } => queues::PUBLISH,
            Task::RefreshToken { .. } => queues::ACCOUNTS,
            Task::Inbound { .. } | Task::Poll { .. } => queues::CONVERSATIONS,
            Task::Snapshot { .. } => queues::INSIGHTS,
            Task::FetchFeed { .. } => queues::SOURCES,
            Task::Purge => queues::MAINTENANCE,
        }
    }

    /// The job kind (`"publish"`, `"refresh_token"`).
    pub fn kind(&self) -> &'static str {
        match self {
            Task::Publish { .. } => "publish",
            Task::RefreshToken { .. } => "refresh_token",
            Task::Inbound { .. } => "inbound",
            Task::Poll { .. } => "poll",
            Task::Snapshot { .. } => "snapshot",
            Task::FetchFeed { .. } => "fetch_feed",
            Task::Purge => "purge",
        }
    }

    /// The account the task works for (`None` for store-wide work).
    pub fn account_id(&self) -> Option<AccountId> {
        match self {
            Task::Publish { .. } | Task::Purge => None,
            Task::RefreshToken { account_id }
            | Task::Inbound { account_id, .. }
            | Task::Poll { account_id }
            | Task::Snapshot { account_id }
            | Task::FetchFeed { account_id, .. } => Some(*account_id),
        }
    }

    /// The dedup key: at most one live job per task. This is what makes
    /// "one refresh per account at a time" and "one publisher per draft" hold
    /// across workers and processes.
    pub fn dedup_key(&self) -> String {
        match self {
            Task::Publish { draft_id } => format!("publish:{draft_id}"),
            Task::RefreshToken { account_id } => format!("refresh:{account_id}"),
            Task::Inbound { account_id, event } => format!("inbound:{account_id}:{}", event.key()),
            Task::Poll { account_id } => format!("poll:{account_id}"),
            Task::Snapshot { account_id } => format!("snapshot:{account_id}"),
            Task::FetchFeed { source_id, .. } => format!("feed:{source_id}"),
            Task::Purge => "purge".to_owned(),
        }
    }

    /// The job that runs the task for `account_id` (the account whose
    /// deletion removes the job; `None` for store-wide work) at `run_at`.
    pub fn to_job(&self, account_id: Option<AccountId>, run_at: DateTime<Utc>) -> Result<NewJob> {
        let attempts = match self {
            Task::Publish { .. } => PUBLISH_ATTEMPTS,
            Task::Inbound { .. } => INBOUND_ATTEMPTS,
            _ => RECURRING_ATTEMPTS,
        };
        let job = NewJob::typed(self.queue(), self.kind(), self)?
            .run_at(run_at)
            .dedup_key(self.dedup_key())
            .max_attempts(attempts);
        Ok(match account_id {
            Some(a) => job.account(a),
            None => job,
        })
    }

    /// Reads the task of a job this pipeline enqueued.
    pub fn from_job(job: &Job) -> Result<Task> {
        job.payload_as::<Task>().map_err(|e| Error::InvalidJob {
            job_id: job.id,
            reason: e.to_string(),
        })
    }
}

/// What should become of a job after a run.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum JobOutcome {
    /// Done (successfully or not: the records say which). Complete the job.
    Done,
    /// Run it again at `at` (waiting for a container, a quota, a schedule, a
    /// transient failure).
    RetryAt {
        /// When.
        at: DateTime<Utc>,
        /// Why, for the job's `last_error`.
        reason: String,
    },
    /// The account cannot act (needs re-authorization, paused, disconnected):
    /// complete the job; the work is picked up again when the account is
    /// active (see [`Pipeline::resume_account`]).
    Parked {
        /// Why.
        reason: String,
    },
}

/// The claim a run works under: the job, its fencing token and lease length.
#[derive(Debug, Clone, Copy)]
pub(crate) struct JobCtx {
    pub(crate) job_id: JobId,
    pub(crate) fence: FenceToken,
    pub(crate) lease: TimeDelta,
}

impl JobCtx {
    /// Re-checks (and extends) the lease: the last thing before an
    /// irreversible call. A stale fence means another worker owns the job.
    pub(crate) async fn check_lease(&self, inner: &Inner) -> Result<()> {
        match inner
            .store
            .extend_lease(self.job_id, self.fence, self.lease)
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if e.is_stale_fence() => Err(Error::LeaseLost(self.job_id)),
            Err(e) => Err(e.into()),
        }
    }
}

impl Pipeline {
    /// Runs one claimed job of this pipeline and returns what should become of
    /// it; it does not complete or retry the job (see [`Pipeline::process`]).
    ///
    /// `job` must have been claimed (it carries the fencing token) with a
    /// lease of `lease`; every write and the check before each irreversible
    /// call present that token, so a run whose lease was taken over stops
    /// with [`Error::LeaseLost`] without writing or calling out.
    pub async fn run_job(&self, job: &Job, lease: TimeDelta) -> Result<JobOutcome> {
        let fence = job.fence.ok_or_else(|| Error::InvalidJob {
            job_id: job.id,
            reason: "the job was not claimed (no fencing token)".into(),
        })?;
        let ctx = JobCtx {
            job_id: job.id,
            fence,
            lease,
        };
        let task = Task::from_job(job)?;
        match task {
            Task::Publish { draft_id } => {
                self.inner.probe(Step::Claimed, &draft_id.to_string());
                self.publish_step(&ctx, draft_id).await
            }
            Task::RefreshToken { account_id } => self.refresh_step(&ctx, account_id).await,
            Task::Inbound { account_id, event } => self.inbound_step(&ctx, account_id, event).await,
            Task::Poll { account_id } => self.poll_step(&ctx, account_id).await,
            Task::Snapshot { account_id } => self.snapshot_step(&ctx, account_id).await,
            Task::FetchFeed { source_id, .. } => self.feed_step(&ctx, source_id).await,
            Task::Purge => self.purge_step(&ctx).await,
        }
    }

    /// Runs a claimed job and settles it in the queue: completes it, retries
    /// it at the time the run asked for, or (after an error) retries it with
    /// backoff. Returns the outcome. A lost lease settles nothing (the job
    /// belongs to another worker).
    pub async fn process(&self, job: &Job, lease: TimeDelta) -> Result<JobOutcome> {
        let fence = job.fence.ok_or_else(|| Error::InvalidJob {
            job_id: job.id,
            reason: "the job was not claimed (no fencing token)".into(),
        })?;
        let store = &self.inner.store;
        let outcome = match self.run_job(job, lease).await {
            Ok(outcome) => outcome,
            Err(e) if e.is_lease_lost() => return Err(e),
            Err(e @ Error::InvalidJob { .. }) => {
                store.dead_letter(job.id, fence, &e.to_string()).await?;
                return Err(e);
            }
            Err(e) => {
                let policy = &self.inner.config.publish;
                let wait = crate::time::backoff(policy.retry_base, policy.retry_max, job.attempts);
                JobOutcome::RetryAt {
                    at: self.inner.now() + wait,
                    reason: e.to_string(),
                }
            }
        };
        let settled = match &outcome {
            JobOutcome::Done | JobOutcome::Parked { .. } => store.complete(job.id, fence).await,
            JobOutcome::RetryAt { at, reason } => store.retry(job.id, fence, *at, reason).await,
        };
        match settled {
            Ok(_) => Ok(outcome),
            Err(e) if e.is_stale_fence() => Err(Error::LeaseLost(job.id)),
            Err(e) => Err(e.into()),
        }
    }

    /// Enqueues `task` for `account_id` at `run_at`; returns the live job that
    /// holds the task (a new one, or the one already queued or running).
    pub(crate) async fn enqueue(
        &self,
        task: Task,
        account_id: AccountId,
        run_at: DateTime<Utc>,
    ) -> Result<Insertion<Job>> {
        Ok(self
            .inner
            .store
            .enqueue(task.to_job(Some(account_id), run_at)?)
            .await?)
    }
}
