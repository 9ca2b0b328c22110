//! [`JobQueue`]: the leased, fenced job queue.
//!
//! Claims are the backend's statement ([`Backend::claim`]): each due job goes
//! to exactly one claimer, with a fencing token greater than every token handed
//! out before. Every other queue write is one conditional statement (the fenced
//! updates: `WHERE id = $1 AND state = 'running' AND fence = $2`, so a worker
//! whose lease was taken over changes nothing) or a short write transaction.
//!
//! A dedup key is claimed by inserting against the partial unique index of
//! live jobs (`jobs_live_dedup`); when that conflicts, the live holder is
//! returned.

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use store_traits::{
    AccountId, Error, FenceToken, Insertion, Job, JobFilter, JobId, JobQueue, JobState, NewJob,
    RecordKind, Result,
};

use super::SqlStore;
use crate::backend::{Backend, Claim, JOB_COLUMNS};
use crate::codec::{count, fence_from, fence_value, ns, text_set, time};
use crate::exec::{Executor, db};
use crate::value::{Param, Query, Row};

/// A `jobs` row ([`JOB_COLUMNS`]) back to its job.
pub(super) fn job_from_row(row: &Row) -> Result<Job> {
    Ok(Job {
        id: JobId::from_uuid(row.get(0)?),
        queue: row.get(1)?,
        kind: row.get(2)?,
        payload: serde_json::from_str(&row.get::<String>(3)?)
            .map_err(|e| Error::backend("decoding a stored job payload", e))?,
        account_id: row.get::<Option<_>>(4)?.map(AccountId::from_uuid),
        dedup_key: row.get(5)?,
        state: row
            .get::<String>(6)?
            .parse()
            .map_err(|e| Error::backend("decoding a stored job state", e))?,
        run_at: time(row.get(7)?),
        attempts: count(row.get(8)?, "job attempts")?,
        max_attempts: count(row.get(9)?, "job max_attempts")?,
        fence: fence_from(row.get(10)?),
        lease_owner: row.get(11)?,
        lease_expires_at: row.get::<Option<i64>>(12)?.map(time),
        last_error: row.get(13)?,
        created_at: time(row.get(14)?),
        updated_at: time(row.get(15)?),
        finished_at: row.get::<Option<i64>>(16)?.map(time),
    })
}

pub(super) fn jobs_from_rows(rows: &[Row]) -> Result<Vec<Job>> {
    rows.iter().map(job_from_row).collect()
}

fn positive_lease(lease: TimeDelta) -> Result<i64> {
    if lease <= TimeDelta::zero() {
        return Err(Error::InvalidInput("lease must be positive".into()));
    }
    lease
        .num_nanoseconds()
        .ok_or_else(|| Error::InvalidInput("lease is too long".into()))
}

async fn fetch_job<E: Executor + ?Sized>(
    conn: &mut E,
    id: JobId,
    lock: &str,
) -> Result<Option<Job>> {
    let sql = format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1{lock}");
    let row = conn
        .fetch_optional(Query::new(sql).bind(id.as_uuid()))
        .await
        .map_err(db("reading a job"))?;
    row.as_ref().map(job_from_row).transpose()
}

/// Enqueues on `conn` (inside the caller's transaction for the inbox), as a
/// new job with id `id` unless a live job holds its dedup key.
///
/// If the holder finishes between the insert and the lookup, the insert is
/// simply tried again.
pub(super) async fn enqueue_in<E: Executor + ?Sized>(
    conn: &mut E,
    job: NewJob,
    id: JobId,
    now: DateTime<Utc>,
) -> Result<Insertion<Job>> {
    job.validate()?;
    let stored = job.into_queued(id, now);
    let payload = serde_json::to_string(&stored.payload)
        .map_err(|e| Error::backend("encoding a job payload", e))?;
    let insert = Query::new(
        "INSERT INTO jobs (id, queue, kind, payload, account_id, dedup_key, state, run_at_ns, \
         attempts, max_attempts, created_ns, updated_ns) \
         VALUES ($1, $2, $3, $4, $5, $6, 'queued', $7, 0, $8, $9, $9) \
         ON CONFLICT (queue, dedup_key) \
         WHERE dedup_key IS NOT NULL AND state IN ('queued', 'running') DO NOTHING",
    )
    .bind(stored.id.as_uuid())
    .bind(&stored.queue)
    .bind(&stored.kind)
    .bind(payload)
    .bind(stored.account_id.map(|a| *a.as_uuid()))
    .bind(stored.dedup_key.as_deref())
    .bind(ns(stored.run_at)?)
    .bind(i64::from(stored.max_attempts))
    .bind(ns(now)?);
    let lookup = || {
        Query::new(format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE queue = $1 AND dedup_key = $2 \
             AND state IN ('queued', 'running')"
        ))
        .bind(&stored.queue)
        .bind(stored.dedup_key.as_deref())
    };
    for _ in 0..8 {
        let inserted = conn
            .execute(insert.clone())
            .await
            .map_err(db("inserting a job"))?;
        if inserted > 0 {
            return Ok(Insertion::Inserted(stored));
        }
        let existing = conn
            .fetch_optional(lookup())
            .await
            .map_err(db("looking up a dedup key"))?;
        if let Some(row) = existing {
            return Ok(Insertion::Existing(job_from_row(&row)?));
        }
    }
    Err(Error::backend(
        "enqueueing a job",
        "the job holding its dedup key kept changing; try again",
    ))
}

impl<B: Backend> SqlStore<B> {
    /// Runs a fenced single-statement update (`$1` = id, `$2` = fence, then
    /// `params` from `$3`); on no match, explains why.
    async fn fenced_update(
        &self,
        id: JobId,
        fence: FenceToken,
        set: &str,
        params: Vec<Param>,
    ) -> Result<Job> {
        let sql = format!(
            "UPDATE jobs SET {set} WHERE id = $1 AND state = 'running' AND fence = $2 \
             RETURNING {JOB_COLUMNS}"
        );
        let mut query = Query::new(sql).bind(id.as_uuid()).bind(fence_value(fence)?);
        for param in params {
            query = query.bind(param);
        }
        let row = self
            .writer()
            .fetch_optional(query)
            .await
            .map_err(db("updating a leased job"))?;
        if let Some(row) = row {
            return job_from_row(&row);
        }
        match fetch_job(&mut *self.reader(), id, "").await? {
            None => Err(Error::not_found(RecordKind::Job, id)),
            Some(job) => Err(Error::StaleFence {
                kind: RecordKind::Job,
                id: id.to_string(),
                presented: fence,
                current: if job.state == JobState::Running {
                    job.fence
                } else {
                    None
                },
            }),
        }
    }
}

#[async_trait]
impl<B: Backend> JobQueue for SqlStore<B> {
    async fn enqueue(&self, job: NewJob) -> Result<Insertion<Job>> {
        let now = self.now();
        enqueue_in(&mut *self.writer(), job, JobId::new(), now).await
    }

    async fn claim(
        &self,
        queue: &str,
        worker: &str,
        max: usize,
        lease: TimeDelta,
    ) -> Result<Vec<Job>> {
        let lease = positive_lease(lease)?;
        if max == 0 {
            return Ok(Vec::new());
        }
        let now_ns = ns(self.now())?;
        let claim = Claim {
            queue,
            worker,
            max,
            now_ns,
            expires_ns: now_ns.saturating_add(lease),
        };
        let rows = self.backend().claim(claim).await?;
        let mut jobs = jobs_from_rows(&rows)?;
        jobs.sort_by_key(|j| (j.run_at, j.id));
        Ok(jobs)
    }

    async fn extend_lease(&self, id: JobId, fence: FenceToken, lease: TimeDelta) -> Result<Job> {
        let lease = positive_lease(lease)?;
        let now = ns(self.now())?;
        self.fenced_update(
            id,
            fence,
            "lease_expires_ns = $3, updated_ns = $4",
            vec![now.saturating_add(lease).into(), now.into()],
        )
        .await
    }

    async fn complete(&self, id: JobId, fence: FenceToken) -> Result<Job> {
        let now = ns(self.now())?;
        self.fenced_update(
            id,
            fence,
            "state = 'completed', lease_owner = NULL, lease_expires_ns = NULL, \
             updated_ns = $3, finished_ns = $3",
            vec![now.into()],
        )
        .await
    }

    async fn retry(
        &self,
        id: JobId,
        fence: FenceToken,
        at: DateTime<Utc>,
        error: &str,
    ) -> Result<Job> {
        let now = ns(self.now())?;
        self.fenced_update(
            id,
            fence,
            "state = CASE WHEN attempts >= max_attempts THEN 'dead_lettered' ELSE 'queued' END, \
             run_at_ns = CASE WHEN attempts >= max_attempts THEN run_at_ns ELSE $4 END, \
             finished_ns = CASE WHEN attempts >= max_attempts THEN $3 ELSE NULL END, \
             lease_owner = NULL, lease_expires_ns = NULL, updated_ns = $3, last_error = $5",
            vec![now.into(), ns(at)?.into(), error.into()],
        )
        .await
    }

    async fn dead_letter(&self, id: JobId, fence: FenceToken, error: &str) -> Result<Job> {
        let now = ns(self.now())?;
        self.fenced_update(
            id,
            fence,
            "state = 'dead_lettered', lease_owner = NULL, lease_expires_ns = NULL, \
             updated_ns = $3, finished_ns = $3, last_error = $4",
            vec![now.into(), error.into()],
        )
        .await
    }

    async fn requeue(&self, id: JobId, at: DateTime<Utc>) -> Result<Job> {
        let now = ns(self.now())?;
        let mut tx = self.write_tx().await?;
        let job = fetch_job(&mut *tx, id, Self::row_lock())
            .await?
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
        let sql = format!(
            "UPDATE jobs SET state = 'queued', run_at_ns = $2, attempts = 0, finished_ns = NULL, \
             updated_ns = $3 WHERE id = $1 RETURNING {JOB_COLUMNS}"
        );
        let query = Query::new(sql).bind(id.as_uuid()).bind(ns(at)?).bind(now);
        let row = tx.fetch_one(query).await.map_err(|e| {
            if e.is_unique_violation() {
                Error::InvalidState {
                    kind: RecordKind::Job,
                    id: id.to_string(),
                    message: "a live job holds the same dedup key".into(),
                }
            } else {
                e.into_store_error("requeueing a job")
            }
        })?;
        tx.commit().await.map_err(db("committing a requeue"))?;
        job_from_row(&row)
    }

    async fn cancel_job(&self, id: JobId) -> Result<bool> {
        let query =
            Query::new("DELETE FROM jobs WHERE id = $1 AND state = 'queued'").bind(id.as_uuid());
        let done = self
            .writer()
            .execute(query)
            .await
            .map_err(db("cancelling a job"))?;
        Ok(done > 0)
    }

    async fn get_job(&self, id: JobId) -> Result<Option<Job>> {
        fetch_job(&mut *self.reader(), id, "").await
    }

    async fn list_jobs(&self, filter: &JobFilter) -> Result<Vec<Job>> {
        let sql = format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE ($1 IS NULL OR queue = $1) \
             AND ($2 IS NULL OR account_id = $2) \
             AND ($3 IS NULL OR {}) \
             ORDER BY created_ns, id LIMIT $4",
            B::text_in("state", 3)
        );
        let query = Query::new(sql)
            .bind(filter.queue.as_deref())
            .bind(filter.account_id.map(|a| *a.as_uuid()))
            .bind(text_set(&filter.states))
            .bind(B::limit(filter.limit));
        let rows = self
            .reader()
            .fetch_all(query)
            .await
            .map_err(db("listing jobs"))?;
        jobs_from_rows(&rows)
    }
}
