//! [`JobQueue`]: the leased, fenced job queue in memory.

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};

use super::{MemoryStore, State, sorted};
use crate::error::{Error, Result};
use crate::ids::{FenceToken, JobId};
use crate::insertion::Insertion;
use crate::queue::{Job, JobFilter, JobQueue, JobState, NewJob};
use crate::record_kind::RecordKind;

/// Error message stored on jobs whose final lease ran out.
const LEASE_EXHAUSTED: &str = "lease expired on the final attempt";

/// Enqueue inside an already-held lock (shared with the inbox).
pub(super) fn enqueue_locked(
    state: &mut State,
    job: NewJob,
    now: DateTime<Utc>,
) -> Result<Insertion<Job>> {
    job.validate()?;
    if let Some(key) = job.dedup_key.as_deref() {
        let existing = state.live_jobs.get(&job.queue).and_then(|ids| {
            ids.iter()
                .filter_map(|id| state.jobs.get(id))
                .find(|j| j.dedup_key.as_deref() == Some(key) && j.state.is_live())
        });
        if let Some(existing) = existing {
            return Ok(Insertion::Existing(existing.clone()));
        }
    }
    let stored = job.into_queued(JobId::new(), now);
    state.mark_live(&stored);
    state.jobs.insert(stored.id, stored.clone());
    Ok(Insertion::Inserted(stored))
}

/// Finds a running job held with `fence`, or explains why not.
fn fenced(state: &mut State, id: JobId, fence: FenceToken) -> Result<&mut Job> {
    let job = state
        .jobs
        .get_mut(&id)
        .ok_or_else(|| Error::not_found(RecordKind::Job, id))?;
    if job.state != JobState::Running || job.fence != Some(fence) {
        return Err(Error::StaleFence {
            kind: RecordKind::Job,
            id: id.to_string(),
            presented: fence,
            current: if job.state == JobState::Running {
                job.fence
            } else {
                None
            },
        });
    }
    Ok(job)
}

fn finish(job: &mut Job, state: JobState, error: Option<&str>, now: DateTime<Utc>) {
    job.state = state;
    job.lease_owner = None;
    job.lease_expires_at = None;
    job.updated_at = now;
    job.finished_at = Some(now);
    if let Some(error) = error {
        job.last_error = Some(error.to_owned());
    }
}

#[async_trait]
impl JobQueue for MemoryStore {
    async fn enqueue(&self, job: NewJob) -> Result<Insertion<Job>> {
        let now = self.now();
        enqueue_locked(&mut self.lock(), job, now)
    }

    async fn claim(
        &self,
        queue: &str,
        worker: &str,
        limit: usize,
        lease: TimeDelta,
    ) -> Result<Vec<Job>> {
        if lease <= TimeDelta::zero() {
            return Err(Error::InvalidInput("lease must be positive".into()));
        }
        if limit == 0 {
            return Ok(Vec::new());
        }
        let now = self.now();
        let mut state = self.lock();
        let live: Vec<JobId> = state
            .live_jobs
            .get(queue)
            .map(|ids| ids.iter().copied().collect())
            .unwrap_or_default();
        let mut due = Vec::new();
        for id in live {
            let Some(job) = state.jobs.get_mut(&id) else {
                continue;
            };
            let is_due = match job.state {
                JobState::Queued => job.run_at <= now,
                JobState::Running => job.lease_expires_at.is_none_or(|until| until <= now),
                _ => false,
            };
            if !is_due {
                continue;
            }
            if job.attempts >= job.max_attempts {
                finish(job, JobState::DeadLettered, Some(LEASE_EXHAUSTED), now);
                let queue = job.queue.clone();
                state.mark_finished(&queue, id);
                continue;
            }
            due.push((job.run_at, id));
        }
        due.sort();
        due.truncate(limit);
        let mut claimed = Vec::with_capacity(due.len());
        for (_, id) in due {
            let fence = state.next_fence();
            if let Some(job) = state.jobs.get_mut(&id) {
                job.state = JobState::Running;
                job.attempts += 1;
                job.fence = Some(fence);
                job.lease_owner = Some(worker.to_owned());
                job.lease_expires_at = Some(now + lease);
                job.updated_at = now;
                claimed.push(job.clone());
            }
        }
        Ok(claimed)
    }

    async fn extend_lease(&self, id: JobId, fence: FenceToken, lease: TimeDelta) -> Result<Job> {
        if lease <= TimeDelta::zero() {
            return Err(Error::InvalidInput("lease must be positive".into()));
        }
        let now = self.now();
        let mut state = self.lock();
        let job = fenced(&mut state, id, fence)?;
        job.lease_expires_at = Some(now + lease);
        job.updated_at = now;
        Ok(job.clone())
    }

    async fn complete(&self, id: JobId, fence: FenceToken) -> Result<Job> {
        let now = self.now();
        let mut state = self.lock();
        let job = fenced(&mut state, id, fence)?;
        finish(job, JobState::Completed, None, now);
        let done = job.clone();
        state.mark_finished(&done.queue, id);
        Ok(done)
    }

    async fn retry(
        &self,
        id: JobId,
        fence: FenceToken,
        at: DateTime<Utc>,
        error: &str,
    ) -> Result<Job> {
        let now = self.now();
        let mut state = self.lock();
        let job = fenced(&mut state, id, fence)?;
        if job.attempts >= job.max_attempts {
            finish(job, JobState::DeadLettered, Some(error), now);
            let done = job.clone();
            state.mark_finished(&done.queue, id);
            return Ok(done);
        }
        job.state = JobState::Queued;
        job.run_at = at;
        job.lease_owner = None;
        job.lease_expires_at = None;
        job.last_error = Some(error.to_owned());
        job.updated_at = now;
        Ok(job.clone())
    }

    async fn dead_letter(&self, id: JobId, fence: FenceToken, error: &str) -> Result<Job> {
        let now = self.now();
        let mut state = self.lock();
        let job = fenced(&mut state, id, fence)?;
        finish(job, JobState::DeadLettered, Some(error), now);
        let done = job.clone();
        state.mark_finished(&done.queue, id);
        Ok(done)
    }

    async fn requeue(&self, id: JobId, at: DateTime<Utc>) -> Result<Job> {
        let now = self.now();
        let mut state = self.lock();
        let job = state
            .jobs
            .get_mut(&id)
            .ok_or_else(|| Error::not_found(RecordKind::Job, id))?;
        if job.state != JobState::DeadLettered {
            return Err(Error::InvalidState {
                kind: RecordKind::Job,
                id: id.to_string(),
                message: format!(
                    "only dead-lettered jobs can be requeued (state: {})",
                    job.state
                ),
            });
        }
        job.state = JobState::Queued;
        job.run_at = at;
        job.attempts = 0;
        job.finished_at = None;
        job.updated_at = now;
        let requeued = job.clone();
        state.mark_live(&requeued);
        Ok(requeued)
    }

    async fn cancel_job(&self, id: JobId) -> Result<bool> {
        let mut state = self.lock();
        let Some(job) = state.jobs.get(&id) else {
            return Ok(false);
        };
        if job.state != JobState::Queued {
            return Ok(false);
        }
        let queue = job.queue.clone();
        state.jobs.remove(&id);
        state.mark_finished(&queue, id);
        Ok(true)
    }

    async fn get_job(&self, id: JobId) -> Result<Option<Job>> {
        Ok(self.lock().jobs.get(&id).cloned())
    }

    async fn list_jobs(&self, filter: &JobFilter) -> Result<Vec<Job>> {
        let state = self.lock();
        let items = state
            .jobs
            .values()
            .filter(|j| filter.queue.as_ref().is_none_or(|q| &j.queue == q))
            .filter(|j| filter.account_id.is_none_or(|a| j.account_id == Some(a)))
            .filter(|j| filter.states.is_empty() || filter.states.contains(&j.state))
            .cloned()
            .collect();
        Ok(sorted(items, |j| (j.created_at, j.id), filter.limit))
    }
}
