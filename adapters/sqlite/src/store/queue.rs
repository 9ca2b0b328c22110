//! The job queue and the webhook inbox.
//!
//! Every queue write is one `BEGIN IMMEDIATE` transaction or one conditional
//! statement, so SQLite's single write lock makes each of them atomic across
//! all connections and processes sharing the file.

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use sqlx::SqliteConnection;
use store_traits::{
    AccountId, Error, FenceToken, InboxEntry, InboxOutcome, Insertion, Job, JobFilter, JobId,
    JobQueue, JobState, NewJob, RecordKind, Result, WebhookInbox,
};
use uuid::Uuid;

use super::SqliteStore;
use crate::codec::{count, db, fence_from, fence_value, limit, ns, text_set, time};

/// Stored as `last_error` on jobs whose final lease ran out.
const LEASE_EXHAUSTED: &str = "lease expired on the final attempt";

/// Every column of `jobs`, in [`JobRow`] order.
pub(super) const JOB_COLUMNS: &str = "id, queue, kind, payload, account_id, dedup_key, state, \
     run_at_ns, attempts, max_attempts, fence, lease_owner, lease_expires_ns, last_error, \
     created_ns, updated_ns, finished_ns";

/// A `jobs` row.
#[derive(sqlx::FromRow)]
pub(super) struct JobRow {
    id: Uuid,
    queue: String,
    kind: String,
    payload: String,
    account_id: Option<Uuid>,
    dedup_key: Option<String>,
    state: String,
    run_at_ns: i64,
    attempts: i64,
    max_attempts: i64,
    fence: Option<i64>,
    lease_owner: Option<String>,
    lease_expires_ns: Option<i64>,
    last_error: Option<String>,
    created_ns: i64,
    updated_ns: i64,
    finished_ns: Option<i64>,
}

impl JobRow {
    pub(super) fn into_job(self) -> Result<Job> {
        Ok(Job {
            id: JobId::from_uuid(self.id),
            queue: self.queue,
            kind: self.kind,
            payload: serde_json::from_str(&self.payload)
                .map_err(|e| Error::backend("decoding a stored job payload", e))?,
            account_id: self.account_id.map(AccountId::from_uuid),
            dedup_key: self.dedup_key,
            state: self
                .state
                .parse()
                .map_err(|e| Error::backend("decoding a stored job state", e))?,
            run_at: time(self.run_at_ns),
            attempts: count(self.attempts, "job attempts")?,
            max_attempts: count(self.max_attempts, "job max_attempts")?,
            fence: fence_from(self.fence),
            lease_owner: self.lease_owner,
            lease_expires_at: self.lease_expires_ns.map(time),
            last_error: self.last_error,
            created_at: time(self.created_ns),
            updated_at: time(self.updated_ns),
            finished_at: self.finished_ns.map(time),
        })
    }
}

pub(super) fn jobs_from_rows(rows: Vec<JobRow>) -> Result<Vec<Job>> {
    rows.into_iter().map(JobRow::into_job).collect()
}

fn validate(job: &NewJob) -> Result<()> {
    if job.queue.is_empty() {
        return Err(Error::InvalidInput("queue name is empty".into()));
    }
    if job.max_attempts == 0 {
        return Err(Error::InvalidInput(
            "max_attempts must be at least 1".into(),
        ));
    }
    Ok(())
}

fn positive_lease(lease: TimeDelta) -> Result<i64> {
    if lease <= TimeDelta::zero() {
        return Err(Error::InvalidInput("lease must be positive".into()));
    }
    lease
        .num_nanoseconds()
        .ok_or_else(|| Error::InvalidInput("lease is too long".into()))
}

async fn fetch_job(conn: &mut SqliteConnection, id: JobId) -> Result<Option<Job>> {
    let sql = format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1");
    let row: Option<JobRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id.as_uuid())
        .fetch_optional(conn)
        .await
        .map_err(db("reading a job"))?;
    row.map(JobRow::into_job).transpose()
}

/// Enqueues inside an open write transaction (shared with the inbox).
async fn enqueue_in(
    conn: &mut SqliteConnection,
    job: NewJob,
    now: DateTime<Utc>,
) -> Result<Insertion<Job>> {
    validate(&job)?;
    if let Some(key) = job.dedup_key.as_deref() {
        let sql = format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE queue = $1 AND dedup_key = $2 \
             AND state IN ('queued', 'running')"
        );
        let existing: Option<JobRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(&job.queue)
            .bind(key)
            .fetch_optional(&mut *conn)
            .await
            .map_err(db("looking up a dedup key"))?;
        if let Some(row) = existing {
            return Ok(Insertion::Existing(row.into_job()?));
        }
    }
    let stored = Job {
        id: JobId::new(),
        queue: job.queue,
        kind: job.kind,
        payload: job.payload,
        account_id: job.account_id,
        dedup_key: job.dedup_key,
        state: JobState::Queued,
        run_at: job.run_at.unwrap_or(now),
        attempts: 0,
        max_attempts: job.max_attempts,
        fence: None,
        lease_owner: None,
        lease_expires_at: None,
        last_error: None,
        created_at: now,
        updated_at: now,
        finished_at: None,
    };
    let payload = serde_json::to_string(&stored.payload)
        .map_err(|e| Error::backend("encoding a job payload", e))?;
    sqlx::query(
        "INSERT INTO jobs (id, queue, kind, payload, account_id, dedup_key, state, run_at_ns, \
         attempts, max_attempts, created_ns, updated_ns) \
         VALUES ($1, $2, $3, $4, $5, $6, 'queued', $7, 0, $8, $9, $9)",
    )
    .bind(stored.id.as_uuid())
    .bind(&stored.queue)
    .bind(&stored.kind)
    .bind(payload)
    .bind(stored.account_id.map(|a| *a.as_uuid()))
    .bind(stored.dedup_key.as_deref())
    .bind(ns(stored.run_at)?)
    .bind(i64::from(stored.max_attempts))
    .bind(ns(now)?)
    .execute(&mut *conn)
    .await
    .map_err(db("inserting a job"))?;
    Ok(Insertion::Inserted(stored))
}

impl SqliteStore {
    /// Runs a fenced single-statement update (`$1` = id, `$2` = fence, then
    /// `extra` binds from `$3`); on no match, explains why.
    async fn fenced_update(
        &self,
        id: JobId,
        fence: FenceToken,
        set: &str,
        binds: FencedBinds<'_>,
    ) -> Result<Job> {
        let sql = format!(
            "UPDATE jobs SET {set} WHERE id = $1 AND state = 'running' AND fence = $2 \
             RETURNING {JOB_COLUMNS}"
        );
        let mut query = sqlx::query_as::<_, JobRow>(sqlx::AssertSqlSafe(sql))
            .bind(id.as_uuid())
            .bind(fence_value(fence)?);
        for value in binds.ints {
            query = query.bind(value);
        }
        if let Some(text) = binds.text {
            query = query.bind(text);
        }
        let row = query
            .fetch_optional(self.writer())
            .await
            .map_err(db("updating a leased job"))?;
        if let Some(row) = row {
            return row.into_job();
        }
        let mut conn = self.reader().acquire().await.map_err(db("reading a job"))?;
        match fetch_job(&mut conn, id).await? {
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

/// Extra parameters of a fenced update: integers from `$3`, then one text.
struct FencedBinds<'a> {
    ints: Vec<i64>,
    text: Option<&'a str>,
}

#[async_trait]
impl JobQueue for SqliteStore {
    async fn enqueue(&self, job: NewJob) -> Result<Insertion<Job>> {
        validate(&job)?;
        let now = self.now();
        let mut tx = self.write_tx().await?;
        let inserted = enqueue_in(&mut tx, job, now).await?;
        tx.commit().await.map_err(db("committing a job"))?;
        Ok(inserted)
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
        let now = ns(self.now())?;
        let expires = now.saturating_add(lease);
        // Claimers of this process take turns here, so the losers of a race
        // find the job gone with one cheap read instead of queueing for the
        // write lock one after the other.
        let _turn = self.claim_gate().lock().await;
        // Idle polls stay off the write lock: a read (which sees every committed
        // write) decides whether there is anything to take at all. The decision
        // who gets a job is made again below, under the write lock.
        let due: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM jobs WHERE queue = $1 AND state = 'queued' AND run_at_ns <= $2) \
             OR EXISTS (SELECT 1 FROM jobs WHERE queue = $1 AND state = 'running' \
                        AND (lease_expires_ns IS NULL OR lease_expires_ns <= $2))",
        )
        .bind(queue)
        .bind(now)
        .fetch_one(self.reader())
        .await
        .map_err(db("looking for due jobs"))?;
        if !due {
            return Ok(Vec::new());
        }
        let mut tx = self.write_tx().await?;
        // Due jobs that used up their attempts are dead-lettered, not handed out.
        sqlx::query(
            "UPDATE jobs SET state = 'dead_lettered', lease_owner = NULL, lease_expires_ns = NULL, \
             updated_ns = $2, finished_ns = $2, last_error = $3 \
             WHERE queue = $1 AND state IN ('queued', 'running') AND attempts >= max_attempts AND \
             ((state = 'queued' AND run_at_ns <= $2) OR \
              (state = 'running' AND (lease_expires_ns IS NULL OR lease_expires_ns <= $2)))",
        )
        .bind(queue)
        .bind(now)
        .bind(LEASE_EXHAUSTED)
        .execute(&mut *tx)
        .await
        .map_err(db("dead-lettering exhausted jobs"))?;
        // Take the due jobs in (run_at, id) order; each gets the next fence.
        let sql = format!(
            "WITH due AS ( \
                SELECT id, ROW_NUMBER() OVER (ORDER BY run_at_ns, id) AS n FROM ( \
                    SELECT id, run_at_ns FROM jobs \
                    WHERE queue = $1 AND state = 'queued' AND run_at_ns <= $2 \
                    UNION ALL \
                    SELECT id, run_at_ns FROM jobs \
                    WHERE queue = $1 AND state = 'running' \
                    AND (lease_expires_ns IS NULL OR lease_expires_ns <= $2) \
                    ORDER BY run_at_ns, id LIMIT $3) \
             ) \
             UPDATE jobs SET state = 'running', attempts = attempts + 1, \
                fence = (SELECT value FROM job_fence WHERE id = 1) + due.n, \
                lease_owner = $4, lease_expires_ns = $5, updated_ns = $2 \
             FROM due WHERE jobs.id = due.id \
             RETURNING {}",
            JOB_COLUMNS
                .split(", ")
                .map(|c| format!("jobs.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let rows: Vec<JobRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(queue)
            .bind(now)
            .bind(limit(Some(max)))
            .bind(worker)
            .bind(expires)
            .fetch_all(&mut *tx)
            .await
            .map_err(db("claiming jobs"))?;
        if !rows.is_empty() {
            sqlx::query("UPDATE job_fence SET value = value + $1 WHERE id = 1")
                .bind(i64::try_from(rows.len()).unwrap_or(i64::MAX))
                .execute(&mut *tx)
                .await
                .map_err(db("advancing the fence sequence"))?;
        }
        tx.commit().await.map_err(db("committing a claim"))?;
        let mut jobs = jobs_from_rows(rows)?;
        jobs.sort_by_key(|j| j.fence);
        Ok(jobs)
    }

    async fn extend_lease(&self, id: JobId, fence: FenceToken, lease: TimeDelta) -> Result<Job> {
        let lease = positive_lease(lease)?;
        let now = ns(self.now())?;
        self.fenced_update(
            id,
            fence,
            "lease_expires_ns = $3, updated_ns = $4",
            FencedBinds {
                ints: vec![now.saturating_add(lease), now],
                text: None,
            },
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
            FencedBinds {
                ints: vec![now],
                text: None,
            },
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
            FencedBinds {
                ints: vec![now, ns(at)?],
                text: Some(error),
            },
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
            FencedBinds {
                ints: vec![now],
                text: Some(error),
            },
        )
        .await
    }

    async fn requeue(&self, id: JobId, at: DateTime<Utc>) -> Result<Job> {
        let now = ns(self.now())?;
        let mut tx = self.write_tx().await?;
        let job = fetch_job(&mut tx, id)
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
        let row: JobRow = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id.as_uuid())
            .bind(ns(at)?)
            .bind(now)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| {
                if crate::codec::is_unique_violation(&e) {
                    Error::InvalidState {
                        kind: RecordKind::Job,
                        id: id.to_string(),
                        message: "a live job holds the same dedup key".into(),
                    }
                } else {
                    db("requeueing a job")(e)
                }
            })?;
        tx.commit().await.map_err(db("committing a requeue"))?;
        row.into_job()
    }

    async fn cancel_job(&self, id: JobId) -> Result<bool> {
        let done = sqlx::query("DELETE FROM jobs WHERE id = $1 AND state = 'queued'")
            .bind(id.as_uuid())
            .execute(self.writer())
            .await
            .map_err(db("cancelling a job"))?;
        Ok(done.rows_affected() > 0)
    }

    async fn get_job(&self, id: JobId) -> Result<Option<Job>> {
        let mut conn = self.reader().acquire().await.map_err(db("reading a job"))?;
        fetch_job(&mut conn, id).await
    }

    async fn list_jobs(&self, filter: &JobFilter) -> Result<Vec<Job>> {
        let sql = format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE ($1 IS NULL OR queue = $1) \
             AND ($2 IS NULL OR account_id = $2) \
             AND ($3 IS NULL OR state IN (SELECT value FROM json_each($3))) \
             ORDER BY created_ns, id LIMIT $4"
        );
        let rows: Vec<JobRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(filter.queue.as_deref())
            .bind(filter.account_id.map(|a| *a.as_uuid()))
            .bind(text_set(&filter.states))
            .bind(limit(filter.limit))
            .fetch_all(self.reader())
            .await
            .map_err(db("listing jobs"))?;
        jobs_from_rows(rows)
    }
}

#[async_trait]
impl WebhookInbox for SqliteStore {
    async fn receive_webhook(
        &self,
        event_id: &str,
        account_id: Option<AccountId>,
        job: NewJob,
    ) -> Result<InboxOutcome> {
        if event_id.is_empty() {
            return Err(Error::InvalidInput("webhook event id is empty".into()));
        }
        let now = self.now();
        let mut tx = self.write_tx().await?;
        if let Some(entry) = fetch_inbox_entry(&mut tx, event_id).await? {
            return Ok(InboxOutcome::Duplicate { entry });
        }
        let job = enqueue_in(&mut tx, job, now).await?.into_inner();
        let entry = InboxEntry {
            event_id: event_id.to_owned(),
            account_id,
            received_at: now,
            job_id: job.id,
        };
        sqlx::query(
            "INSERT INTO inbox_entries (event_id, account_id, received_ns, job_id) VALUES ($1, $2, $3, $4)",
        )
        .bind(&entry.event_id)
        .bind(entry.account_id.map(|a| *a.as_uuid()))
        .bind(ns(now)?)
        .bind(entry.job_id.as_uuid())
        .execute(&mut *tx)
        .await
        .map_err(db("recording a webhook event"))?;
        tx.commit()
            .await
            .map_err(db("committing a webhook event"))?;
        Ok(InboxOutcome::Accepted { entry, job })
    }

    async fn get_inbox_entry(&self, event_id: &str) -> Result<Option<InboxEntry>> {
        let mut conn = self
            .reader()
            .acquire()
            .await
            .map_err(db("reading an inbox entry"))?;
        fetch_inbox_entry(&mut conn, event_id).await
    }

    async fn list_inbox_entries(
        &self,
        account_id: AccountId,
        max: Option<usize>,
    ) -> Result<Vec<InboxEntry>> {
        let rows: Vec<InboxRow> = sqlx::query_as(
            "SELECT event_id, account_id, received_ns, job_id FROM inbox_entries \
             WHERE account_id = $1 ORDER BY received_ns, event_id LIMIT $2",
        )
        .bind(account_id.as_uuid())
        .bind(limit(max))
        .fetch_all(self.reader())
        .await
        .map_err(db("listing inbox entries"))?;
        Ok(rows.into_iter().map(InboxRow::into_entry).collect())
    }
}

/// An `inbox_entries` row.
pub(super) type InboxRow = (String, Option<Uuid>, i64, Uuid);

trait IntoEntry {
    fn into_entry(self) -> InboxEntry;
}

impl IntoEntry for InboxRow {
    fn into_entry(self) -> InboxEntry {
        let (event_id, account_id, received_ns, job_id) = self;
        InboxEntry {
            event_id,
            account_id: account_id.map(AccountId::from_uuid),
            received_at: time(received_ns),
            job_id: JobId::from_uuid(job_id),
        }
    }
}

pub(super) fn inbox_entries(rows: Vec<InboxRow>) -> Vec<InboxEntry> {
    rows.into_iter().map(IntoEntry::into_entry).collect()
}

async fn fetch_inbox_entry(
    conn: &mut SqliteConnection,
    event_id: &str,
) -> Result<Option<InboxEntry>> {
    let row: Option<InboxRow> = sqlx::query_as(
        "SELECT event_id, account_id, received_ns, job_id FROM inbox_entries WHERE event_id = $1",
    )
    .bind(event_id)
    .fetch_optional(conn)
    .await
    .map_err(db("reading an inbox entry"))?;
    Ok(row.map(IntoEntry::into_entry))
}
